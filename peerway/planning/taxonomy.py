"""The peer role taxonomy: what peer support workers do, and tasks outside the role.

This is the single source of activity codes for the role definition, contact logging and
drift measurement. It is plain data and must not import Django, so that scoring and
drift calculations can use it in fast tests.

Two kinds of entry:

* **peer activities** (``kind="activity"``), drawn from the peer specialist roles that
  Chinman et al. (2016) compiled from the literature and an expert panel, and from the
  practice elements of the Mental Health Commission of Canada guidelines (Sunderland &
  Mishkin 2013);
* **non-peer tasks** (``kind="task"``): work that organizations commonly hand to peer
  workers but that is not peer support. Time spent on them is "peer drift", the
  co-optation of the role that Gillard et al. (2015) and Mutschler et al. (2022) describe.

Each entry carries a default scope (in or out of the role). A role definition version may
move an entry to the other side; the defaults only prefill a first version.

Codes are stable identifiers stored in the database: never rename or reuse one. Retire an
entry by setting ``retired=True`` so that old records still show a label.

Public API
    entries() -> tuple[Category, ...]            every entry, in display order
    activity_categories() -> tuple[Category, ...] peer activities (not retired)
    out_of_scope_tasks() -> tuple[Category, ...]  non-peer tasks (not retired)
    get(code) -> Category                         KeyError for an unknown code
    label(code, lang="en") -> str                 the code itself when unknown
    default_scope(team_type="") -> tuple[list[str], list[str]] (in-scope, out-of-scope codes)
    core_for_team_type(team_type) -> frozenset[str] activities that are a team type's own work
    adjust_for_team_type(in, out, team_type)      move them in scope (not team-specific)
    SOURCES                                       citations, by key
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "LANGUAGES",
    "SOURCES",
    "Category",
    "Source",
    "TEAM_TYPE_CORE",
    "activity_categories",
    "adjust_for_team_type",
    "codes",
    "core_for_team_type",
    "default_scope",
    "entries",
    "get",
    "label",
    "out_of_scope_tasks",
]

LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Source:
    key: str
    citation: str
    # False when what Peerway attributes to the source has not been checked against the text.
    verified: bool
    note: str = ""


SOURCES = MappingProxyType(
    {
        "chinman2016": Source(
            "chinman2016",
            "Chinman, M., McCarthy, S., Mitchell-Miland, C., Daniels, K., Youk, A., & Edelen, M. "
            "(2016). Early stages of development of a peer specialist fidelity measure. "
            "Psychiatric Rehabilitation Journal, 39(3), 256–265. "
            "https://doi.org/10.1037/prj0000209",
            verified=True,
            note="Sixteen peer specialist roles from a literature review and expert panel: "
            "services (hope, empowerment, less isolation, taking part in one's own care), "
            "actions (role model, recovery story, recovery planning, engagement in services, "
            "community linking, liaison, advocacy, coping and problem-solving skills) and "
            "processes (strengths focus, empathy, trusting relationship).",
        ),
        "sunderland2013": Source(
            "sunderland2013",
            "Sunderland, K., & Mishkin, W. (2013). Guidelines for the practice and training of "
            "peer support. Calgary: Peer Leadership Group, Mental Health Commission of Canada.",
            verified=False,
            note="Practice elements and training areas come from a summary and are still to be "
            "confirmed against the text.",
        ),
        "gillard2015": Source(
            "gillard2015",
            "Gillard, S., Holley, J., Gibson, S., Larsen, J., Lucock, M., Oborn, E., … Stamou, E. "
            "(2015). Introducing new peer worker roles into mental health services in England: "
            "Comparative case study research across a range of organisational contexts. "
            "Administration and Policy in Mental Health, 42(6), 682–694. "
            "https://doi.org/10.1007/s10488-014-0603-z",
            verified=True,
            note="Organizational culture and conventional professional expectations eroded the "
            "distinctiveness of the peer role in some services.",
        ),
        "mutschler2022": Source(
            "mutschler2022",
            "Mutschler, C., Bellamy, C., Davidson, L., Lichtenstein, S., & Kidd, S. (2022). "
            "Implementation of peer support in mental health services: A systematic review of "
            "the literature. Psychological Services.",
            verified=True,
            note="Peers do best when not pressed into tasks outside the role.",
        ),
    }
)


@dataclass(frozen=True)
class Category:
    code: str
    kind: str  # "activity" (peer support) or "task" (not peer support)
    label: MappingProxyType  # {"en": ..., "fr": ...}
    description: MappingProxyType
    default_in_scope: bool
    sources: tuple[str, ...]
    retired: bool = False

    def label_in(self, lang: str) -> str:
        return self.label.get(lang) or self.label["en"]

    def description_in(self, lang: str) -> str:
        return self.description.get(lang) or self.description["en"]

    @property
    def is_peer_activity(self) -> bool:
        return self.kind == "activity"


def _c(code, kind, en, fr, en_desc, fr_desc, default_in_scope, *sources) -> Category:
    return Category(
        code=code,
        kind=kind,
        label=MappingProxyType({"en": en, "fr": fr}),
        description=MappingProxyType({"en": en_desc, "fr": fr_desc}),
        default_in_scope=default_in_scope,
        sources=tuple(sources),
    )


_ENTRIES: tuple[Category, ...] = (
    # --- Peer activities ------------------------------------------------------------------
    _c(
        "sharing_recovery_story",
        "activity",
        "Sharing recovery story",
        "Partage du parcours de rétablissement",
        "Purposeful sharing of one's own lived experience of illness and recovery, when it "
        "helps the person.",
        "Partage intentionnel de son propre vécu de la maladie et du rétablissement, lorsqu'il "
        "aide la personne.",
        True,
        "chinman2016",
        "sunderland2013",
    ),
    _c(
        "hope_role_modelling",
        "activity",
        "Hope and role modelling",
        "Espoir et modèle de rétablissement",
        "Showing that recovery is possible; building hope and a sense of what the person can do.",
        "Montrer que le rétablissement est possible; nourrir l'espoir et le sentiment de ce que "
        "la personne peut accomplir.",
        True,
        "chinman2016",
        "sunderland2013",
    ),
    _c(
        "recovery_planning",
        "activity",
        "Recovery planning",
        "Planification du rétablissement",
        "Helping the person set and follow their own recovery goals, in their own words.",
        "Aider la personne à fixer et à suivre ses propres objectifs de rétablissement, dans ses "
        "propres mots.",
        True,
        "chinman2016",
    ),
    _c(
        "coping_skills",
        "activity",
        "Coping and problem-solving skills",
        "Stratégies d'adaptation et résolution de problèmes",
        "Sharing wellness tools and practical ways of coping and solving problems.",
        "Partager des outils de bien-être et des façons concrètes de s'adapter et de résoudre "
        "des problèmes.",
        True,
        "chinman2016",
    ),
    _c(
        "navigation_accompaniment",
        "activity",
        "Navigation and accompaniment",
        "Navigation et accompagnement",
        "Helping the person engage with services and find their way; going with them to "
        "appointments when that helps.",
        "Aider la personne à s'engager dans les services et à s'y retrouver; l'accompagner à "
        "ses rendez-vous lorsque c'est utile.",
        True,
        "chinman2016",
        "sunderland2013",
    ),
    _c(
        "advocacy",
        "activity",
        "Advocacy",
        "Défense des droits",
        "Supporting the person to speak up for themselves, and speaking up for recovery with "
        "other staff.",
        "Soutenir la personne pour qu'elle fasse valoir ses droits, et défendre une approche "
        "axée sur le rétablissement auprès des autres membres du personnel.",
        True,
        "chinman2016",
        "sunderland2013",
    ),
    _c(
        "community_linking",
        "activity",
        "Community linking",
        "Liens avec la communauté",
        "Connecting the person with community resources, groups and activities; reducing "
        "isolation.",
        "Relier la personne aux ressources, groupes et activités de la communauté; réduire "
        "l'isolement.",
        True,
        "chinman2016",
    ),
    _c(
        "team_liaison",
        "activity",
        "Liaison with the care team",
        "Liaison avec l'équipe de soins",
        "Bringing the person's perspective to team discussions, with their consent.",
        "Faire valoir le point de vue de la personne dans les discussions d'équipe, avec son "
        "consentement.",
        True,
        "chinman2016",
    ),
    _c(
        "group_facilitation",
        "activity",
        "Group facilitation",
        "Animation de groupes",
        "Leading or co-leading mutual support, recovery education or wellness groups.",
        "Animer ou coanimer des groupes d'entraide, d'éducation au rétablissement ou de bien-être.",
        True,
        "sunderland2013",
    ),
    _c(
        "peer_crisis_support",
        "activity",
        "Peer crisis support",
        "Soutien par les pairs en situation de crise",
        "Relational support during a crisis, alongside the team's own crisis response.",
        "Soutien relationnel pendant une crise, en complément de l'intervention de crise de "
        "l'équipe.",
        True,
        "sunderland2013",
    ),
    _c(
        "family_peer_support",
        "activity",
        "Family peer support",
        "Soutien par les pairs aux familles",
        "Support for family members and carers by a peer with lived experience as a family member.",
        "Soutien aux membres de la famille et aux proches aidants par un pair ayant lui-même "
        "vécu l'expérience de proche.",
        # A distinct role (Peer Support Canada certifies it separately): in scope only where
        # the organization chooses.
        False,
        "sunderland2013",
    ),
    # --- Non-peer tasks -------------------------------------------------------------------
    _c(
        "clinical_assessment",
        "task",
        "Clinical assessment",
        "Évaluation clinique",
        "Diagnostic, mental status or formal risk assessment.",
        "Évaluation diagnostique, de l'état mental ou évaluation formelle du risque.",
        False,
        "gillard2015",
        "mutschler2022",
    ),
    _c(
        "medication_administration",
        "task",
        "Medication administration",
        "Administration de médicaments",
        "Giving medication or checking that it is taken.",
        "Donner des médicaments ou vérifier qu'ils sont pris.",
        False,
        "gillard2015",
        "mutschler2022",
    ),
    _c(
        "restraint",
        "task",
        "Restraint or seclusion",
        "Contention ou isolement",
        "Taking part in physical restraint, seclusion or security holds.",
        "Participer à une contention physique, à une mise en isolement ou à une intervention "
        "de sécurité.",
        False,
        "gillard2015",
        "mutschler2022",
    ),
    _c(
        "ward_observation",
        "task",
        "Observations and safety checks",
        "Observations et rondes de sécurité",
        "Routine observations, room or belongings checks on behalf of the unit.",
        "Observations de routine, vérification des chambres ou des effets personnels pour le "
        "compte de l'unité.",
        False,
        "gillard2015",
    ),
    _c(
        "transport_only",
        "task",
        "Transport only",
        "Transport seulement",
        "Driving people without any peer support purpose.",
        "Conduire des personnes sans visée de soutien par les pairs.",
        False,
        "gillard2015",
    ),
    _c(
        "clerical_cover",
        "task",
        "Reception or clerical cover",
        "Remplacement à l'accueil ou au secrétariat",
        "Covering reception, phones or administrative work for the service.",
        "Remplacer à l'accueil, au téléphone ou aux tâches administratives du service.",
        False,
        "gillard2015",
    ),
    _c(
        "clinical_documentation_for_others",
        "task",
        "Clinical documentation for others",
        "Documentation clinique pour d'autres",
        "Writing clinical notes or forms on behalf of other staff.",
        "Rédiger des notes ou des formulaires cliniques au nom d'autres membres du personnel.",
        False,
        "gillard2015",
    ),
    _c(
        "staff_cover",
        "task",
        "Covering other roles' shifts",
        "Remplacement d'autres postes",
        "Filling in for staff in other roles when the service is short-staffed.",
        "Remplacer du personnel d'autres postes lorsque le service manque d'effectifs.",
        False,
        "gillard2015",
        "mutschler2022",
    ),
)

_BY_CODE = MappingProxyType({c.code: c for c in _ENTRIES})


def entries() -> tuple[Category, ...]:
    """Every entry, retired ones included (old records still need their labels)."""
    return _ENTRIES


def codes() -> frozenset[str]:
    return frozenset(_BY_CODE)


def activity_categories() -> tuple[Category, ...]:
    """Peer support activities, for contact logging and role definitions."""
    return tuple(c for c in _ENTRIES if c.kind == "activity" and not c.retired)


def out_of_scope_tasks() -> tuple[Category, ...]:
    """Tasks that are not peer support; time logged on them counts toward drift."""
    return tuple(c for c in _ENTRIES if c.kind == "task" and not c.retired)


def get(code: str) -> Category:
    return _BY_CODE[code]


def label(code: str, lang: str = "en") -> str:
    category = _BY_CODE.get(code)
    return category.label_in(lang) if category else code


# Activities that are the core work of a team type (keys: peerway.core.roles.TeamType
# values). Family peer support is a distinct role, out of scope by default, but it is what a
# family support team's peers are there to do: on such a team it never counts as drift unless
# a role definition written for that team type says so.
TEAM_TYPE_CORE: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {"family_support": frozenset({"family_peer_support"})}
)


def core_for_team_type(team_type: str) -> frozenset[str]:
    return TEAM_TYPE_CORE.get(team_type or "", frozenset())


def adjust_for_team_type(
    in_scope: list[str], out_of_scope: list[str], team_type: str
) -> tuple[list[str], list[str]]:
    """A scope that was not written for this team type (the taxonomy's default, or the
    organization-wide role definition), with the team type's core activities moved in scope
    (keeping display order)."""
    core = core_for_team_type(team_type)
    if not core:
        return list(in_scope), list(out_of_scope)
    moved = [c for c in out_of_scope if c in core]
    order = {c.code: i for i, c in enumerate(_ENTRIES)}
    new_in = sorted([*in_scope, *moved], key=lambda c: order.get(c, len(order)))
    return new_in, [c for c in out_of_scope if c not in core]


def default_scope(team_type: str = "") -> tuple[list[str], list[str]]:
    """The in-scope and out-of-scope codes a first role definition starts from (for a team
    type: with that type's core activities in scope)."""
    current = [c for c in _ENTRIES if not c.retired]
    return adjust_for_team_type(
        [c.code for c in current if c.default_in_scope],
        [c.code for c in current if not c.default_in_scope],
        team_type,
    )
