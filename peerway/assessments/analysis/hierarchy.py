"""The place × audience hierarchy of a survey wave and its suppression relations.

Places nest team ⊂ site ⊂ organization; audiences nest each audience ⊂ all audiences. A
*group* is one place at one level crossed with one audience (or ``"all"``). Every response
belongs to exactly one team and one audience, so each group's count is the sum of the
counts of the groups below it, in both dimensions. ``Hierarchy.relations()`` lists those
sums for ``suppression.suppress``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .suppression import DEFAULT_K, Relation, sort_key, suppress

AUDIENCES = ("staff", "leaders", "peer_workers")
ALL = "all"
LEVELS = ("team", "site", "organization")
TEAM, SITE, ORGANIZATION = LEVELS


class GroupKey(NamedTuple):
    """One group: a place at a level (``place_id`` None for the organization) × audience."""

    level: str
    place_id: Hashable | None
    audience: str


@dataclass(frozen=True)
class Hierarchy:
    """Teams with their sites, and the audiences of the wave.

    ``team_sites`` maps each team id to its site id. ``audiences`` is a subset of
    ``AUDIENCES`` (in that order).
    """

    team_sites: Mapping[Hashable, Hashable]
    audiences: tuple[str, ...] = AUDIENCES
    _sites: dict[Hashable, tuple[Hashable, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    # Scales of one instrument usually have the same counts: decide each pattern once.
    _decided: dict[tuple, dict[GroupKey, str | None]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        audiences = tuple(self.audiences)
        unknown = [a for a in audiences if a not in AUDIENCES]
        if unknown or not audiences or len(set(audiences)) != len(audiences):
            raise ValueError(
                f"audiences must be distinct values among {AUDIENCES}, got {audiences!r}"
            )
        object.__setattr__(self, "audiences", tuple(a for a in AUDIENCES if a in audiences))
        ordered = dict(sorted(dict(self.team_sites).items(), key=lambda kv: sort_key(kv[0])))
        object.__setattr__(self, "team_sites", ordered)
        sites: dict[Hashable, list[Hashable]] = {}
        for team, site in ordered.items():
            if team is None or site is None:
                raise ValueError("team and site ids must not be None")
            sites.setdefault(site, []).append(team)
        object.__setattr__(
            self,
            "_sites",
            {s: tuple(sites[s]) for s in sorted(sites, key=sort_key)},
        )

    @classmethod
    def build(
        cls,
        pairs: Iterable[tuple[Hashable, Hashable]],
        teams: Mapping[Hashable, Hashable] | None = None,
        audiences: Sequence[str] = AUDIENCES,
    ) -> Hierarchy:
        """From (team, site) pairs seen in responses plus the wave's ``teams`` (team → site).

        A team listed with two different sites raises ``ValueError``.
        """
        team_sites: dict[Hashable, Hashable] = dict(teams or {})
        for team, site in pairs:
            known = team_sites.setdefault(team, site)
            if known != site:
                raise ValueError(f"team {team!r} is recorded at two sites: {known!r} and {site!r}")
        return cls(team_sites, tuple(audiences))

    # -- structure
    @property
    def teams(self) -> tuple[Hashable, ...]:
        return tuple(self.team_sites)

    @property
    def sites(self) -> tuple[Hashable, ...]:
        return tuple(self._sites)

    def teams_of(self, site: Hashable) -> tuple[Hashable, ...]:
        return self._sites.get(site, ())

    def site_of(self, team: Hashable) -> Hashable:
        return self.team_sites[team]

    @property
    def audiences_and_all(self) -> tuple[str, ...]:
        return (ALL, *self.audiences)

    def groups(self) -> list[GroupKey]:
        """Every group, organization first, then sites, then teams; "all" before audiences."""
        out = [GroupKey(ORGANIZATION, None, a) for a in self.audiences_and_all]
        for site in self.sites:
            out += [GroupKey(SITE, site, a) for a in self.audiences_and_all]
        for team in self.teams:
            out += [GroupKey(TEAM, team, a) for a in self.audiences_and_all]
        return out

    def leaves(self, group: GroupKey) -> list[tuple[Hashable, str]]:
        """The (team, audience) pairs that make up a group."""
        audiences = self.audiences if group.audience == ALL else (group.audience,)
        if group.level == TEAM:
            teams: tuple[Hashable, ...] = (group.place_id,)
        elif group.level == SITE:
            teams = self.teams_of(group.place_id)
        else:
            teams = self.teams
        return [(t, a) for t in teams for a in audiences]

    def relations(self) -> list[Relation]:
        """The sums between groups (each parent is the disjoint union of its children)."""
        rels: list[Relation] = []
        auds = self.audiences

        def g(level: str, place: Hashable | None, audience: str) -> GroupKey:
            return GroupKey(level, place, audience)

        for team in self.teams:  # team × audience → team × all
            rels.append(Relation(g(TEAM, team, ALL), tuple(g(TEAM, team, a) for a in auds)))
        for site in self.sites:
            teams = self.teams_of(site)
            for a in (*auds, ALL):  # team × a → site × a (and team × all → site × all)
                rels.append(Relation(g(SITE, site, a), tuple(g(TEAM, t, a) for t in teams)))
            # site × audience → site × all
            rels.append(Relation(g(SITE, site, ALL), tuple(g(SITE, site, a) for a in auds)))
        for a in (*auds, ALL):  # site × a → organization × a (and site × all → org × all)
            rels.append(
                Relation(g(ORGANIZATION, None, a), tuple(g(SITE, s, a) for s in self.sites))
            )
        # organization × audience → organization × all
        rels.append(
            Relation(g(ORGANIZATION, None, ALL), tuple(g(ORGANIZATION, None, a) for a in auds))
        )
        return rels

    # -- counts and suppression
    def counts(self, leaf_counts: Mapping[tuple[Hashable, str], int]) -> dict[GroupKey, int]:
        """Every group's count from the (team, audience) counts (missing pairs count 0)."""
        unknown = [
            pair
            for pair in leaf_counts
            if pair[0] not in self.team_sites or pair[1] not in self.audiences
        ]
        if unknown:
            raise ValueError(f"counts for unknown teams or audiences: {unknown!r}")
        return {
            group: sum(int(leaf_counts.get(leaf, 0)) for leaf in self.leaves(group))
            for group in self.groups()
        }

    def suppress(
        self,
        leaf_counts: Mapping[tuple[Hashable, str], int],
        k: int = DEFAULT_K,
        forced: Iterable[GroupKey] = (),
    ) -> dict[GroupKey, str | None]:
        """Each group's reason (None = shown) for the (team, audience) counts given.

        Use this for any table of counts over the hierarchy (for example the number of
        responses per group on a wave's page) so that it cannot be combined with the results
        to work out a small group.
        """
        counts = self.counts(leaf_counts)
        forced = frozenset(forced)
        memo = (k, tuple(counts.values()), tuple(sorted(forced, key=sort_key)))
        if memo not in self._decided:
            self._decided[memo] = suppress(counts, self.relations(), k, forced)
        return dict(self._decided[memo])
