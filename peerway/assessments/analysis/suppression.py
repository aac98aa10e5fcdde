"""Cell suppression for small groups (framework-free; no Django).

A *cell* is any published group figure (a count and the statistics computed from it). A
*relation* says that a parent group is the disjoint union of its children, so every additive
figure (number of responses, sum of scores, sum of squares, number unfavourable) of the
parent equals the sum over its children. Anyone who sees the parent and all but one child can
therefore work out the missing child by subtraction.

``suppress(counts, relations, k)`` decides which cells may be shown:

1. **Primary rule.** A cell with ``0 < n < k`` is suppressed (``fewer_than_k``). A cell with
   ``n == 0`` is simply ``no_responses`` (it has no figures, and an empty group reveals
   nothing about anyone).
2. **Complementary rule (differencing).** For every relation whose parent is shown, the
   suppressed children that have responses must together hold 0 or at least ``k``
   responses, and not exactly one each (a reader knows a hidden group is not empty).
   Otherwise one more shown cell of that relation is suppressed
   (``differencing``) and the check starts again. Suppression only grows, so this ends.
3. **Audit (linear algebra).** Rule 2 looks at one relation at a time. In a two-way layout
   (place × audience) a cell hidden for rule 2 can be the only hidden child of a relation in
   the *other* dimension, and then be worked out there, which in turn reveals the small cell
   it was protecting. The audit treats every shown figure and every relation as an equation
   and checks, over the real numbers, that (a) no suppressed cell is determined and (b) for
   no relation the combined suppressed children with ``0 < n < k`` are determined, and (c)
   interval propagation with "a hidden group has at least one response" pins no hidden
   count. If one is exposed, another cell is suppressed (``differencing``) — in a relation
   where the exposed cell is the only hidden member if there is one, else in the relation
   involving it with the fewest hidden members — and rules 2–3 run again.
4. **Clean-up.** Complementary cells that are no longer needed once the others are in place
   are shown again (largest first), keeping every check above satisfied.

Which cell rules 2–3 add: among the relation's shown children — the smallest one in the plain
case — the one that leaves the fewest *other* relations with a single hidden cell (each of
those would need a further suppression), then the smallest n, then the first key. Relations
are worked smallest parent first, i.e. bottom-up (teams, then sites, then the organization),
so that choices higher up line up with the cells already hidden. The whole procedure runs
twice, once choosing among children only and once also allowing the relation's parent, and
keeps the result that hides fewer cells (then fewer responses); ties keep the first.

The result is deterministic whatever the order of ``counts`` and ``relations``: every
choice is made in a canonical order of keys (``sort_key``).

What is guaranteed afterwards (and tested): every shown cell has ``n >= k``; for every
relation with a shown parent, the suppressed children with responses total 0 or ``>= k``;
no suppressed cell's figures are a linear function of the shown figures; on tiny tables no
hidden count is the same in every whole-number completion. The limits (bounds
from non-negativity, several tables or waves combined, a whole group answering the same) are
documented in ``docs/survey-results.md``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_K = 3
DEFAULT_K = 5

FEWER_THAN_K = "fewer_than_k"
DIFFERENCING = "differencing"
NO_RESPONSES = "no_responses"
SUPPRESSED_REASONS = frozenset({FEWER_THAN_K, DIFFERENCING})

_TOLERANCE = 1e-8

# Which cell to hide when a relation needs a complementary suppression. Both are run and the
# result that hides fewer cells (then fewer responses) is kept; ties go to the first.
SIBLINGS = "siblings"
PARENT_TOO = "parent_too"
POLICIES = (SIBLINGS, PARENT_TOO)

Key = Hashable


def check_k(k: Any) -> int:
    """The anonymity threshold as an int; raises when it is not an integer of at least 3."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"the anonymity threshold k must be an integer, got {k!r}")
    if k < MIN_K:
        raise ValueError(f"the anonymity threshold k must be at least {MIN_K}, got {k}")
    return int(k)


def sort_key(value: Any) -> tuple:
    """A total, type-aware order for keys (None < numbers < text < tuples < anything else).

    Keys mix ``None`` (the organization has no place id), integers and text ids, which Python
    cannot compare directly; this order makes every tie-break reproducible.
    """
    if value is None:
        return (0,)
    if isinstance(value, bool | int | float | np.integer | np.floating):
        return (1, float(value), repr(value))
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, tuple):
        return (3, tuple(sort_key(v) for v in value))
    return (4, type(value).__name__, repr(value))


@dataclass(frozen=True)
class Relation:
    """``parent`` is the disjoint union of ``children``."""

    parent: Key
    children: tuple[Key, ...]

    def __post_init__(self) -> None:
        children = tuple(self.children)
        object.__setattr__(self, "children", children)
        if self.parent in children:
            raise ValueError(f"relation {self.parent!r}: a cell cannot be its own child")
        if len(set(children)) != len(children):
            raise ValueError(f"relation {self.parent!r}: a child is listed twice")

    @property
    def members(self) -> tuple[Key, ...]:
        return (self.parent, *self.children)

    def canonical(self) -> tuple:
        return (sort_key(self.parent), tuple(sorted(sort_key(c) for c in self.children)))


def is_suppressed(reason: str | None) -> bool:
    return reason in SUPPRESSED_REASONS


def suppress(
    counts: Mapping[Key, int],
    relations: Iterable[Relation | tuple[Key, Iterable[Key]]],
    k: int = DEFAULT_K,
    forced: Iterable[Key] = (),
) -> dict[Key, str | None]:
    """Decide which cells may be shown.

    ``counts`` maps every cell to its number of responses; ``relations`` lists
    ``Relation(parent, children)`` (or ``(parent, children)`` pairs) where the parent's count
    is the sum of its children's. Returns each cell's reason, in canonical key order:
    ``None`` (shown), ``"no_responses"``, ``"fewer_than_k"`` or ``"differencing"``.

    ``forced``: cells to hide whatever their count (``differencing`` unless they are small
    or empty anyway), never shown again by the clean-up; used to give every scale of an
    instrument one pattern and to add what the disclosure audit asks for
    (``disclosure.protect``).

    Raises ``ValueError`` when a relation names an unknown cell or its counts do not add up
    (the rule assumes exact sums), and when ``k`` is below 3.
    """
    k = check_k(k)
    n: dict[Key, int] = {}
    for key in sorted(counts, key=sort_key):
        value = counts[key]
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"cell {key!r}: a count must be a non-negative integer, got {value!r}")
        n[key] = int(value)
    rels = _prepare(relations, n)

    reasons: dict[Key, str | None] = {}
    for key, count in n.items():
        reasons[key] = NO_RESPONSES if count == 0 else FEWER_THAN_K if count < k else None
    pinned_hidden = frozenset(key for key in forced if key in n and n[key] > 0)
    for key in pinned_hidden:
        if reasons[key] is None:
            reasons[key] = DIFFERENCING

    best: dict[Key, str | None] | None = None
    best_cost: tuple[int, int] | None = None
    for policy in POLICIES:
        state = _State(n, rels, dict(reasons), k, policy, keep_hidden=pinned_hidden)
        state.run()
        state.cleanup()
        cost = state.cost()
        if best_cost is None or cost < best_cost:
            best, best_cost = state.reasons, cost
    assert best is not None
    return best


def _prepare(
    relations: Iterable[Relation | tuple[Key, Iterable[Key]]], n: Mapping[Key, int]
) -> list[Relation]:
    unique: dict[tuple, Relation] = {}
    for raw in relations:
        rel = raw if isinstance(raw, Relation) else Relation(raw[0], tuple(raw[1]))
        for member in rel.members:
            if member not in n:
                raise ValueError(f"relation {rel.parent!r}: unknown cell {member!r}")
        if not rel.children:
            continue
        total = sum(n[c] for c in rel.children)
        if total != n[rel.parent]:
            raise ValueError(
                f"relation {rel.parent!r}: parent count {n[rel.parent]} is not the sum of its "
                f"children's counts ({total}); suppression needs exact sums"
            )
        unique.setdefault(rel.canonical(), rel)
    # Smallest parents first: the hierarchy is then worked bottom-up (teams before sites before
    # the organization), so higher-level choices can line up with the cells already hidden.
    return sorted(unique.values(), key=lambda rel: (n[rel.parent], rel.canonical()))


class _State:
    def __init__(
        self,
        n: Mapping[Key, int],
        relations: list[Relation],
        reasons: dict[Key, str | None],
        k: int,
        policy: str = SIBLINGS,
        keep_hidden: frozenset = frozenset(),
    ) -> None:
        self.policy = policy
        self.keep_hidden = keep_hidden
        self.n = n
        self.relations = relations
        self.reasons = reasons
        self.k = k
        # Smallest first (bottom-up, like the relations), then canonical order.
        self.keys = sorted(n, key=lambda key: (n[key], sort_key(key)))
        self.involving: dict[Key, list[Relation]] = {key: [] for key in self.keys}
        for rel in relations:
            for member in rel.members:
                self.involving[member].append(rel)

    # -- helpers
    def shown(self, key: Key) -> bool:
        return self.reasons[key] is None

    def hidden(self, key: Key) -> bool:
        return is_suppressed(self.reasons[key])

    def smallest_shown(self, keys: Iterable[Key]) -> Key | None:
        candidates = [key for key in keys if self.shown(key) and self.n[key] > 0]
        if not candidates:
            return None
        return min(candidates, key=lambda key: (self.n[key], sort_key(key)))

    def lone_after_hiding(self, key: Key, current: Relation) -> int:
        """How many other relations ``key`` would be the only hidden member of."""
        lone = 0
        for rel in self.involving[key]:
            if rel is current:
                continue
            if not any(self.hidden(m) and self.n[m] > 0 for m in rel.members):
                lone += 1
        return lone

    def pick(self, rel: Relation, exposed: Key | None = None) -> Key | None:
        """The shown cell to hide so that ``rel`` no longer exposes ``exposed`` (or a small
        total of hidden children).

        Candidates are the relation's shown children (and, under the ``parent`` policy, its
        shown parent too). The chosen one leaves the fewest other relations with a single
        hidden cell (each of those would need a further suppression), then has the smallest
        n, then the first key in canonical order.
        """
        candidates = [c for c in rel.children if c != exposed and self.shown(c) and self.n[c] > 0]
        parent_ok = rel.parent != exposed and self.shown(rel.parent) and self.n[rel.parent] > 0
        if parent_ok and (self.policy == PARENT_TOO or not candidates):
            candidates.append(rel.parent)
        if not candidates:
            return None
        return min(
            candidates,
            key=lambda c: (self.lone_after_hiding(c, rel), self.n[c], sort_key(c)),
        )

    # -- rule 2
    def relation_violation(self) -> Relation | None:
        """The first relation whose shown parent exposes its hidden children: their total is
        below k, or it equals their number (then each has exactly one response)."""
        for rel in self.relations:
            if not self.shown(rel.parent):
                continue
            hidden = [self.n[c] for c in rel.children if self.hidden(c)]
            total = sum(hidden)
            # A reader knows each hidden group has at least one response, so hidden groups
            # holding exactly one response each are pinned down by their total.
            if 0 < total < self.k or (len(hidden) > 1 and total == len(hidden)):
                return rel
        return None

    def complement_by_relation(self) -> None:
        while (rel := self.relation_violation()) is not None:
            # With exact sums a shown parent always has a shown child here.
            chosen = self.pick(rel)
            self.reasons[chosen if chosen is not None else rel.parent] = DIFFERENCING

    # -- rule 3
    def audit_violation(self) -> tuple[list[Key], Relation | None] | None:
        """(cells, None) listing the hidden cells that can be computed from the shown ones
        (exactly, or by whole-number bounds); ([], relation) when a relation's small total
        of hidden children can; else None."""
        unknown = [key for key in self.keys if self.hidden(key)]
        if not unknown or not self.relations:
            return None
        column = {key: j for j, key in enumerate(unknown)}
        matrix = np.zeros((len(self.relations), len(unknown)))
        for i, rel in enumerate(self.relations):
            if rel.parent in column:
                matrix[i, column[rel.parent]] = 1.0
            for child in rel.children:
                if child in column:
                    matrix[i, column[child]] = -1.0
        null = _null_space(matrix)
        determined = [key for key in unknown if np.linalg.norm(null[column[key]]) < _TOLERANCE]
        if determined:
            return determined, None
        pinned = self.pinned()
        if pinned:
            return pinned, None
        for rel in self.relations:
            hidden = [c for c in rel.children if self.hidden(c)]
            if not 0 < sum(self.n[c] for c in hidden) < self.k:
                continue
            vector = np.zeros(len(unknown))
            for child in hidden:
                vector[column[child]] = 1.0
            if np.linalg.norm(vector @ null) < _TOLERANCE:
                return [], rel
        return None

    def pinned(self) -> list[Key]:
        """Hidden cells whose count a reader can pin down with whole-number reasoning.

        A reader knows every shown count, that "no responses" is 0 and that a hidden group
        has at least one response. Interval propagation over the relations (parent = sum of
        children) gives each hidden cell's lowest and highest possible count; a cell whose
        two bounds meet is exposed even though no linear combination isolates it.
        """
        inf = float("inf")
        lo: dict[Key, float] = {}
        hi: dict[Key, float] = {}
        for key in self.keys:
            if self.hidden(key):
                lo[key], hi[key] = 1, inf
            else:
                lo[key] = hi[key] = self.n[key]
        for _ in range(10_000):
            changed = False
            for rel in self.relations:
                parent, children = rel.parent, rel.children
                sum_lo = sum(lo[c] for c in children)
                sum_hi = sum(hi[c] for c in children)
                if sum_lo > lo[parent]:
                    lo[parent], changed = sum_lo, True
                if sum_hi < hi[parent]:
                    hi[parent], changed = sum_hi, True
                unbounded = sum(1 for c in children if hi[c] == inf)
                finite_hi = sum(hi[c] for c in children if hi[c] != inf)
                for child in children:
                    others_lo = sum_lo - lo[child]
                    if hi[child] == inf:
                        others_hi = inf if unbounded > 1 else finite_hi
                    else:
                        others_hi = inf if unbounded else finite_hi - hi[child]
                    if hi[parent] - others_lo < hi[child]:
                        hi[child], changed = hi[parent] - others_lo, True
                    if others_hi < inf and lo[parent] - others_hi > lo[child]:
                        lo[child], changed = lo[parent] - others_hi, True
            if not changed:
                break
        return [key for key in self.keys if self.hidden(key) and lo[key] == hi[key]]

    def audit(self) -> Key | None:
        """The next cell to suppress so that nothing hidden can be computed, or None.

        A computable hidden cell that is the only hidden member of some relation is fixed in
        that relation first (that is where it leaks); otherwise the first computable cell is
        given a partner in the tightest relation involving it.
        """
        violation = self.audit_violation()
        if violation is None:
            return None
        determined, rel = violation
        if rel is not None:
            return self.pick(rel)
        for key in determined:
            for lone in self.involving[key]:
                others = [m for m in lone.members if m != key and self.hidden(m)]
                if not others:
                    chosen = self.pick(lone, exposed=key)
                    if chosen is not None:
                        return chosen
        return self.complement_for(determined[0])

    def complement_for(self, key: Key) -> Key | None:
        """A shown cell whose suppression stops ``key`` being worked out: chosen by the
        policy in the tightest relation involving ``key`` (fewest hidden members)."""

        def tightness(rel: Relation) -> tuple:
            unknown = sum(1 for m in rel.members if self.hidden(m))
            return (unknown, rel.canonical())

        for rel in sorted(self.involving[key], key=tightness):
            chosen = self.pick(rel, exposed=key)
            if chosen is not None:
                return chosen
        return self.smallest_shown(self.keys)

    # -- whole run
    def run(self) -> None:
        while True:
            self.complement_by_relation()
            extra = self.audit()
            if extra is None:
                return
            self.reasons[extra] = DIFFERENCING

    def valid(self) -> bool:
        return self.relation_violation() is None and self.audit_violation() is None

    def cleanup(self) -> None:
        """Show again any complementary cell that is no longer needed (largest first)."""
        changed = True
        while changed:
            changed = False
            extra = [
                key
                for key in self.keys
                if self.reasons[key] == DIFFERENCING and key not in self.keep_hidden
            ]
            for key in sorted(extra, key=lambda c: (-self.n[c], sort_key(c))):
                self.reasons[key] = None
                if self.valid():
                    changed = True
                else:
                    self.reasons[key] = DIFFERENCING

    def cost(self) -> tuple[int, int]:
        """Information lost to complementary suppression: cells, then responses."""
        extra = [key for key in self.keys if self.reasons[key] == DIFFERENCING]
        return len(extra), sum(self.n[key] for key in extra)


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal basis (as columns) of the null space of ``matrix``."""
    rows, cols = matrix.shape
    if rows == 0 or not matrix.any():
        return np.eye(cols)
    _, singular, vh = np.linalg.svd(matrix, full_matrices=True)
    tol = max(rows, cols) * np.finfo(float).eps * singular.max()
    rank = int((singular > tol).sum())
    return vh[rank:].T
