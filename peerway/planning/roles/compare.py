"""Side-by-side comparison of two role definition versions.

Differences are described in words as well as marked up (``<ins>``/``<del>`` plus a text
label in the template), so nothing depends on colour alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .. import taxonomy

_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    op: str  # "same", "added", "removed"
    text: str


@dataclass
class TextDiff:
    name: str
    changed: bool
    old: list[Segment]
    new: list[Segment]


@dataclass
class ScopeRow:
    code: str
    label: str
    kind: str
    old: str  # "in", "out" or "" (not classified in that version)
    new: str

    @property
    def change(self) -> str:
        """ "same", "into_scope", "out_of_scope", "added" or "removed"."""
        if self.old == self.new:
            return "same"
        if not self.old:
            return "added"
        if not self.new:
            return "removed"
        return "into_scope" if self.new == "in" else "out_of_scope"


@dataclass
class ListItem:
    label: str
    op: str  # "same", "added" (only in the newer), "removed" (only in the older)


@dataclass
class Comparison:
    texts: list[TextDiff]
    scope: list[ScopeRow]
    in_scope: tuple[list[ListItem], list[ListItem]]
    out_of_scope: tuple[list[ListItem], list[ListItem]]
    co_producers: tuple[list[ListItem], list[ListItem]]
    threshold: tuple[int, int]
    changed_fields: list[str] = field(default_factory=list)

    @property
    def scope_changes(self) -> list[ScopeRow]:
        return [row for row in self.scope if row.change != "same"]


def diff_words(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """Word-level differences: the old text with removals, the new text with additions."""
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    left: list[Segment] = []
    right: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(Segment("same", "".join(a[i1:i2])))
            right.append(Segment("same", "".join(b[j1:j2])))
        else:
            if i2 > i1:
                left.append(Segment("removed", "".join(a[i1:i2])))
            if j2 > j1:
                right.append(Segment("added", "".join(b[j1:j2])))
    return left, right


def diff_lists(old: list[str], new: list[str]) -> tuple[list[ListItem], list[ListItem]]:
    old_set, new_set = set(old), set(new)
    return (
        [ListItem(x, "same" if x in new_set else "removed") for x in old],
        [ListItem(x, "same" if x in old_set else "added") for x in new],
    )


def compare_versions(old, new, lang: str = "en") -> Comparison:
    """Compare two versions (anything with the version's attributes; ``old`` first)."""
    texts = []
    for name in ("purpose", "information_sharing", "documentation"):
        a, b = getattr(old, name) or "", getattr(new, name) or ""
        left, right = diff_words(a, b)
        texts.append(TextDiff(name, a.strip() != b.strip(), left, right))

    def where(version, code: str) -> str:
        if code in version.in_scope:
            return "in"
        if code in version.out_of_scope:
            return "out"
        return ""

    known = [c.code for c in taxonomy.entries()]
    extra = [
        c
        for c in [*old.in_scope, *old.out_of_scope, *new.in_scope, *new.out_of_scope]
        if c not in known
    ]
    scope = []
    for code in [*known, *dict.fromkeys(extra)]:
        row = ScopeRow(
            code=code,
            label=taxonomy.label(code, lang),
            kind=taxonomy.get(code).kind if code in known else "",
            old=where(old, code),
            new=where(new, code),
        )
        if row.old or row.new:
            scope.append(row)

    def labels(codes):
        return [taxonomy.label(c, lang) for c in codes]

    def names(version):
        return sorted(str(u) for u in version.co_producers.all())

    comparison = Comparison(
        texts=texts,
        scope=scope,
        in_scope=diff_lists(labels(old.in_scope), labels(new.in_scope)),
        out_of_scope=diff_lists(labels(old.out_of_scope), labels(new.out_of_scope)),
        co_producers=diff_lists(names(old), names(new)),
        threshold=(old.drift_threshold_percent, new.drift_threshold_percent),
    )
    changed = [t.name for t in texts if t.changed]
    if any(r.change != "same" for r in scope):
        changed.append("scope")
    if comparison.threshold[0] != comparison.threshold[1]:
        changed.append("drift_threshold_percent")
    if any(i.op != "same" for side in comparison.co_producers for i in side):
        changed.append("co_producers")
    comparison.changed_fields = changed
    return comparison
