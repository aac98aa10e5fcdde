"""Each FHIR resource type the interface serves: where its records come from (the user's
Scope), how a record becomes resources, which search parameters it takes, and which people
a resource is about (for the audit trail)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from . import codes, resources
from .scope import Scope

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Parameters every search takes (paging, and the format: JSON only) besides each type's own.
PAGING = {"_count", "_offset", "_format"}
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}
DATE_PREFIXES = ("ge", "le", "eq", "gt", "lt")


class SearchError(ValueError):
    """A search the server cannot answer: 400 with an OperationOutcome naming the
    parameter."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass
class Context:
    scope: Scope
    lang: str = "en"

    @cached_property
    def visible_person_ids(self) -> set[int]:
        return set(self.scope.people().values_list("pk", flat=True))


@dataclass
class Kind:
    """One resource type. ``records`` gives the user's records (a queryset, filtered by
    the search parameters), ``build`` turns one record into resources, ``people`` names
    who a record is about."""

    name: str
    records: Callable[[Context], QuerySet | list]
    build: Callable[[Context, object], list[dict]]
    people: Callable[[Context, object], list] = lambda ctx, rec: []
    params: dict[str, Callable] = field(default_factory=dict)
    # How a resource id finds its record: a Q over ``records`` (or a Python test for lists).
    by_id: Callable[[str], Q | None] = lambda ident: None
    # _since of a bulk export: the field holding when a record last changed, if any.
    changed: str | None = None
    # False where a record gives zero or several resources (scores and answers shown only
    # as the outcomes rules allow): paging then counts the built resources.
    one_to_one: bool = True
    search_params: dict[str, str] = field(default_factory=dict)


# --- parameter parsing --------------------------------------------------------------------


def person_code(value: str) -> str:
    return value.split("/", 1)[1] if value.startswith("Patient/") else value


def parse_date_param(param: str, value: str) -> tuple[str, dt.date]:
    prefix = "eq"
    if value[:2] in DATE_PREFIXES:
        prefix, value = value[:2], value[2:]
    day = parse_date(value[:10]) if len(value) >= 10 else None
    if day is None:
        raise SearchError(
            param,
            _("%(name)s: expected a date such as ge2026-01-31, not %(value)s.")
            % {"name": param, "value": value},
        )
    return prefix, day


def date_q(field_name: str, param: str, values: list[str]) -> Q:
    q = Q()
    lookups = {"ge": "gte", "le": "lte", "eq": "exact", "gt": "gt", "lt": "lt"}
    for value in values:
        prefix, day = parse_date_param(param, value)
        q &= Q(**{f"{field_name}__{lookups[prefix]}": day})
    return q


def patient_q(field_name: str):
    def make(param: str, values: list[str]) -> Q:
        q = Q()
        for value in values:
            q &= Q(**{field_name: person_code(value)})
        return q

    return make


def identifier_q(param: str, values: list[str]) -> Q:
    q = Q()
    for value in values:
        system, _, code = value.rpartition("|")
        if system and system != codes.PERSON_CODE:
            return Q(pk__in=[])
        q &= Q(code=code)
    return q


def int_id(ident: str) -> Q | None:
    # Beyond a 32-bit id nothing can match: never passed on to the database to overflow.
    if not (ident.isascii() and ident.isdigit()) or len(ident) > 10 or int(ident) > 2**31 - 1:
        return None
    return Q(pk=int(ident))


def id_q(ident_to_q: Callable[[str], Q | None]):
    def make(param: str, values: list[str]) -> Q:
        q = Q(pk__in=[])
        for value in ",".join(values).split(","):
            found = ident_to_q(value.strip())
            if found is not None:
                q |= found
        return q

    return make


# --- the types ----------------------------------------------------------------------------


def _patients(ctx: Context):
    return ctx.scope.people().order_by("pk")


def _build_patient(ctx: Context, person) -> list[dict]:
    return [resources.patient(person, include_name=ctx.scope.may_see_name(person))]


def _organizations(ctx: Context):
    from peerway.core.models import Organization

    return Organization.objects.filter(pk__in=[o.pk for o in ctx.scope.structure_orgs]).order_by(
        "pk"
    )


class Place:
    """A site or a team, listed together as Locations."""

    def __init__(self, obj, kind: str):
        self.obj, self.kind = obj, kind

    @property
    def ident(self) -> str:
        return resources.site_id(self.obj) if self.kind == "site" else resources.team_id(self.obj)

    @property
    def organization_slug(self) -> str:
        org = self.obj.organization if self.kind == "site" else self.obj.site.organization
        return org.slug


def _locations(ctx: Context) -> list[Place]:
    places = [Place(s, "site") for s in ctx.scope.sites().order_by("pk")]
    places += [Place(t, "team") for t in ctx.scope.teams().order_by("pk")]
    return places


def _build_location(ctx: Context, place: Place) -> list[dict]:
    if place.kind == "site":
        return [resources.site_location(place.obj)]
    return [resources.team_location(place.obj)]


def _referrals(ctx: Context):
    return ctx.scope.referrals().order_by("pk")


def _episodes(ctx: Context):
    return ctx.scope.episodes().order_by("pk")


def _encounters(ctx: Context):
    return ctx.scope.encounters().order_by("pk")


def _encounter_people(ctx: Context, contact) -> list:
    visible = ctx.visible_person_ids
    return [p for p in sorted(contact.people.all(), key=lambda p: p.pk) if p.pk in visible]


def _build_encounter(ctx: Context, contact) -> list[dict]:
    return [resources.encounter(contact, _encounter_people(ctx, contact), lang=ctx.lang)]


def _consents(ctx: Context):
    return ctx.scope.consents().order_by("pk")


def _administrations(ctx: Context):
    return ctx.scope.administrations().order_by("pk")


def _questionnaires(ctx: Context) -> list:
    from peerway.instruments.library import current_library

    if not ctx.scope.may_read_library:
        return []
    library = current_library()
    return [library[code] for code in sorted(library)]


def _questionnaire_id(instrument) -> str:
    return f"{instrument.code}-{instrument.version}".replace("_", "-")


def _person(ctx, rec) -> list:
    return [rec.person]


KINDS: dict[str, Kind] = {}


def _register(kind: Kind) -> None:
    KINDS[kind.name] = kind


_register(
    Kind(
        name="Patient",
        records=_patients,
        build=_build_patient,
        people=lambda ctx, p: [p],
        by_id=lambda ident: Q(code=ident),
        params={"identifier": identifier_q},
        changed="created_at",
        search_params={"identifier": "token", "_id": "token"},
    )
)
_register(
    Kind(
        name="Organization",
        records=_organizations,
        build=lambda ctx, org: [resources.organization(org)],
        by_id=lambda ident: Q(slug=ident),
        search_params={"_id": "token"},
    )
)
_register(
    Kind(
        name="Location",
        records=_locations,
        build=_build_location,
        search_params={"organization": "reference", "_id": "token"},
    )
)
_register(
    Kind(
        name="ServiceRequest",
        records=_referrals,
        build=lambda ctx, r: [resources.service_request(r)],
        people=_person,
        by_id=int_id,
        params={"patient": patient_q("person__code")},
        changed="updated_at",
        search_params={"patient": "reference", "_id": "token"},
    )
)
_register(
    Kind(
        name="EpisodeOfCare",
        records=_episodes,
        build=lambda ctx, r: [resources.episode_of_care(r)],
        people=_person,
        by_id=int_id,
        params={"patient": patient_q("person__code")},
        search_params={"patient": "reference", "_id": "token"},
    )
)
_register(
    Kind(
        name="Encounter",
        records=_encounters,
        build=_build_encounter,
        people=_encounter_people,
        by_id=int_id,
        params={
            "patient": patient_q("people__code"),
            "date": lambda param, values: date_q("date", param, values),
        },
        changed="updated_at",
        search_params={"patient": "reference", "date": "date", "_id": "token"},
    )
)
_register(
    Kind(
        name="Consent",
        records=_consents,
        build=lambda ctx, r: [resources.consent(r)],
        people=_person,
        by_id=int_id,
        params={"patient": patient_q("person__code")},
        changed="recorded_at",
        search_params={"patient": "reference", "_id": "token"},
    )
)
_register(
    Kind(
        name="Questionnaire",
        records=_questionnaires,
        build=lambda ctx, i: [resources.questionnaire(i, lang=ctx.lang)],
        search_params={"_id": "token"},
    )
)
_register(
    Kind(
        name="QuestionnaireResponse",
        records=_administrations,
        build=lambda ctx, a: (
            [resources.questionnaire_response(a)] if ctx.scope.may_see_answers(a.person) else []
        ),
        people=_person,
        by_id=int_id,
        params={
            "patient": patient_q("person__code"),
            "date": lambda param, values: date_q("administered_on", param, values),
        },
        changed="recorded_at",
        one_to_one=False,
        search_params={"patient": "reference", "date": "date", "_id": "token"},
    )
)
_register(
    Kind(
        name="Observation",
        records=_administrations,
        build=lambda ctx, a: (
            resources.observations(
                a, with_response=ctx.scope.may_see_answers(a.person), lang=ctx.lang
            )
            if ctx.scope.may_see_scores(a.person)
            else []
        ),
        people=_person,
        # Observation ids are "<administration>-<scale>".
        by_id=lambda ident: int_id(ident.split("-", 1)[0]),
        params={
            "patient": patient_q("person__code"),
            "date": lambda param, values: date_q("administered_on", param, values),
        },
        changed="recorded_at",
        one_to_one=False,
        search_params={"patient": "reference", "date": "date", "_id": "token"},
    )
)

# Types whose records are people's records (audited per person); the others describe
# places and instruments.
PERSON_TYPES = {name for name, kind in KINDS.items() if kind.people is not Kind.people}
EXPORT_TYPES = list(KINDS)


def filtered(kind: Kind, ctx: Context, params: dict[str, list[str]]):
    """The kind's records matching ``params`` (already checked to be known), as a list of
    records. Lists (places, instruments) are filtered in Python."""
    records = kind.records(ctx)
    if isinstance(records, list):
        return _filter_list(kind, records, params)
    q = Q()
    for name, values in params.items():
        if name == "_id":
            q &= id_q(kind.by_id)(name, values)
        else:
            q &= kind.params[name](name, values)
    return records.filter(q).distinct()


def _filter_list(kind: Kind, records: list, params: dict[str, list[str]]) -> list:
    for name, values in params.items():
        wanted = {v.strip() for v in ",".join(values).split(",")}
        if name == "_id":
            records = [r for r in records if record_id(kind, r) in wanted]
        elif name == "organization":
            slugs = {w.split("/", 1)[1] if w.startswith("Organization/") else w for w in wanted}
            records = [r for r in records if r.organization_slug in slugs]
    return records


def record_id(kind: Kind, record) -> str:
    if kind.name == "Location":
        return record.ident
    if kind.name == "Questionnaire":
        return _questionnaire_id(record)
    if kind.name == "Organization":
        return record.slug
    if kind.name == "Patient":
        return record.code
    return str(record.pk)


def resources_of(kind: Kind, ctx: Context, records: Iterable) -> list[tuple[object, dict]]:
    return [(rec, res) for rec in records for res in kind.build(ctx, rec)]


def allowed_params(kind: Kind) -> set[str]:
    return PAGING | set(kind.search_params)
