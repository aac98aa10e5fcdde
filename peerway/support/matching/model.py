"""Input and output types of the matching solver, and their validation.

Everything here is plain Python: the Django side builds these objects from its models, the
command line builds them from JSON. Both paths go through the same validation, so an error
always names the field that is wrong (``workers[2].remaining_capacity: ...``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PREFERENCE_ATTRIBUTES = ("gender", "lived_experience", "cultural_community", "age_band", "language")
# Identity attributes a worker controls. Languages are an operational fact (``Worker.languages``),
# not an identity attribute, so they are not listed here.
WORKER_ATTRIBUTES = ("gender", "lived_experience", "cultural_community", "age_band")
STRENGTHS = ("required", "preferred")
VISIBILITIES = ("private", "matching_only", "shared")

# Weights are rounded to this many decimal places so that scores are exact integer sums
# (ties must be real ties, not floating-point accidents).
WEIGHT_DECIMALS = 3
MAX_WEIGHT = 1000.0


class MatchingInputError(ValueError):
    """Invalid solver input. ``errors`` lists every problem found, each naming its field."""

    def __init__(self, errors: Iterable[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class Preference:
    """What the person supported asked for. ``required`` is a hard constraint."""

    attribute: str
    value: str
    strength: str = "preferred"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preference:
        return _build(_parse_preference, data, "preference")


@dataclass(frozen=True)
class WorkerAttribute:
    """An identity attribute with the visibility the worker chose for it."""

    attribute: str
    value: str
    visibility: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkerAttribute:
        return _build(_parse_worker_attribute, data, "attribute")


@dataclass(frozen=True)
class Referral:
    """A person waiting for a peer worker."""

    id: str
    team_id: str
    site_id: str | None = None
    language: str | None = None
    preferences: tuple[Preference, ...] = ()
    previous_worker_id: str | None = None
    conflict_worker_ids: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Referral:
        return _build(_parse_referral, data, "referral")


# No caseload comes near this; a bound keeps absurd numbers out of the solver's arrays.
MAX_CAPACITY = 10_000


@dataclass(frozen=True)
class Worker:
    """A peer worker with room for ``remaining_capacity`` more people.

    ``gender`` is a value the worker has shared with the team. A worker who wants their gender
    kept private or used for matching only records it in ``attributes`` instead; as soon as
    ``attributes`` holds a ``gender`` entry, the top-level ``gender`` is ignored (the
    privacy-preserving reading of conflicting data).
    """

    id: str
    team_ids: tuple[str, ...] = ()
    site_ids: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    remaining_capacity: int = 0
    gender: str | None = None
    attributes: tuple[WorkerAttribute, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Worker:
        return _build(_parse_worker, data, "worker")


@dataclass(frozen=True)
class Weights:
    """Points added to a pair's score for each satisfied soft preference.

    Defaults put continuity of an existing relationship first, shared lived experience (the
    core of peer support) next, then cultural community, gender and language wishes, and
    finally age band and working at the same site.
    """

    lived_experience: float = 3.0
    cultural_community: float = 2.0
    age_band: float = 1.0
    continuity: float = 4.0
    site: float = 1.0
    gender_preferred: float = 2.0
    language_preferred: float = 2.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weights:
        return _build(_parse_weights, data, "weights")

    def for_preference(self, attribute: str) -> float:
        """The weight of a satisfied *preferred* preference on ``attribute``."""
        return {
            "gender": self.gender_preferred,
            "language": self.language_preferred,
            "lived_experience": self.lived_experience,
            "cultural_community": self.cultural_community,
            "age_band": self.age_band,
        }[attribute]


@dataclass(frozen=True)
class Assignment:
    referral_id: str
    worker_id: str
    score: float
    reasons: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "referral_id": self.referral_id,
            "worker_id": self.worker_id,
            "score": self.score,
            "reasons": [dict(r) for r in self.reasons],
        }


@dataclass(frozen=True)
class Unassigned:
    referral_id: str
    reasons: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"referral_id": self.referral_id, "reasons": [dict(r) for r in self.reasons]}


@dataclass(frozen=True)
class Solution:
    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]
    total_score: float
    # False only for instances too large for the exact id-rank tie-break (see docs/matching.md).
    rank_tie_break: bool = True
    weights: Weights = field(default_factory=Weights)

    def to_dict(self) -> dict[str, Any]:
        return {
            "assignments": [a.to_dict() for a in self.assignments],
            "unassigned": [u.to_dict() for u in self.unassigned],
            "summary": {
                "assigned": len(self.assignments),
                "unassigned": len(self.unassigned),
                "total_score": self.total_score,
                "rank_tie_break": self.rank_tie_break,
                "weights": dataclasses.asdict(self.weights),
            },
        }


# --------------------------------------------------------------------------------------------
# Parsing. Each parser appends "path: message" strings to ``errors`` and returns its best
# effort object; callers raise once with every error collected.


def _build(parser, data: Any, path: str):
    errors: list[str] = []
    result = parser(data, path, errors)
    if errors:
        raise MatchingInputError(errors)
    return result


def _as_mapping(data: Any, path: str, errors: list[str], kind: type) -> Mapping[str, Any] | None:
    if isinstance(data, kind):
        return dataclasses.asdict(data)
    if isinstance(data, Mapping):
        return data
    errors.append(f"{path}: must be an object")
    return None


def _check_keys(data: Mapping[str, Any], allowed: Iterable[str], path: str, errors: list[str]):
    allowed = set(allowed)
    for key in data:
        if key not in allowed:
            errors.append(f"{path}.{key}: unknown field")


def _identifier(value: Any, path: str, errors: list[str], *, optional: bool = False) -> str | None:
    if value is None:
        if not optional:
            errors.append(f"{path}: required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.append(f"{path}: must be a non-empty string or an integer")
        return None
    text = str(value).strip()
    if not text:
        errors.append(f"{path}: must be a non-empty string or an integer")
        return None
    return text


def _text(value: Any, path: str, errors: list[str], *, optional: bool = False) -> str | None:
    if value is None:
        if not optional:
            errors.append(f"{path}: required")
        return None
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{path}: must be a non-empty string")
        return None
    return value.strip()


def _choice(value: Any, choices: tuple[str, ...], path: str, errors: list[str]) -> str | None:
    if value is None:
        errors.append(f"{path}: required")
        return None
    if value not in choices:
        errors.append(f"{path}: must be one of {', '.join(choices)}")
        return None
    return value


def _list(value: Any, path: str, errors: list[str]) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple | set):
        errors.append(f"{path}: must be a list")
        return []
    return list(value)


def _identifiers(value: Any, path: str, errors: list[str]) -> tuple[str, ...]:
    items = [
        _identifier(v, f"{path}[{i}]", errors) for i, v in enumerate(_list(value, path, errors))
    ]
    return tuple(dict.fromkeys(i for i in items if i is not None))


def _texts(value: Any, path: str, errors: list[str]) -> tuple[str, ...]:
    items = [_text(v, f"{path}[{i}]", errors) for i, v in enumerate(_list(value, path, errors))]
    return tuple(dict.fromkeys(i for i in items if i is not None))


def _parse_preference(data: Any, path: str, errors: list[str]) -> Preference | None:
    mapping = _as_mapping(data, path, errors, Preference)
    if mapping is None:
        return None
    _check_keys(mapping, ("attribute", "value", "strength"), path, errors)
    attribute = _choice(
        mapping.get("attribute"), PREFERENCE_ATTRIBUTES, f"{path}.attribute", errors
    )
    value = _text(mapping.get("value"), f"{path}.value", errors)
    strength = _choice(mapping.get("strength", "preferred"), STRENGTHS, f"{path}.strength", errors)
    if attribute is None or value is None or strength is None:
        return None
    return Preference(attribute=attribute, value=value, strength=strength)


def _parse_worker_attribute(data: Any, path: str, errors: list[str]) -> WorkerAttribute | None:
    mapping = _as_mapping(data, path, errors, WorkerAttribute)
    if mapping is None:
        return None
    _check_keys(mapping, ("attribute", "value", "visibility"), path, errors)
    attribute = _choice(mapping.get("attribute"), WORKER_ATTRIBUTES, f"{path}.attribute", errors)
    value = _text(mapping.get("value"), f"{path}.value", errors)
    # No default visibility: a silent default would hide a data-entry mistake either way.
    visibility = _choice(mapping.get("visibility"), VISIBILITIES, f"{path}.visibility", errors)
    if attribute is None or value is None or visibility is None:
        return None
    return WorkerAttribute(attribute=attribute, value=value, visibility=visibility)


REFERRAL_FIELDS = tuple(f.name for f in dataclasses.fields(Referral))
WORKER_FIELDS = tuple(f.name for f in dataclasses.fields(Worker))
WEIGHT_FIELDS = tuple(f.name for f in dataclasses.fields(Weights))


def _parse_referral(data: Any, path: str, errors: list[str]) -> Referral | None:
    mapping = _as_mapping(data, path, errors, Referral)
    if mapping is None:
        return None
    _check_keys(mapping, REFERRAL_FIELDS, path, errors)
    before = len(errors)
    ref_id = _identifier(mapping.get("id"), f"{path}.id", errors)
    team_id = _identifier(mapping.get("team_id"), f"{path}.team_id", errors)
    site_id = _identifier(mapping.get("site_id"), f"{path}.site_id", errors, optional=True)
    language = _text(mapping.get("language"), f"{path}.language", errors, optional=True)
    prefs_path = f"{path}.preferences"
    preferences = tuple(
        p
        for i, item in enumerate(_list(mapping.get("preferences"), prefs_path, errors))
        if (p := _parse_preference(item, f"{prefs_path}[{i}]", errors)) is not None
    )
    previous = _identifier(
        mapping.get("previous_worker_id"), f"{path}.previous_worker_id", errors, optional=True
    )
    conflicts = _identifiers(
        mapping.get("conflict_worker_ids"), f"{path}.conflict_worker_ids", errors
    )
    if len(errors) > before:
        return None
    return Referral(
        id=ref_id,
        team_id=team_id,
        site_id=site_id,
        language=language,
        preferences=preferences,
        previous_worker_id=previous,
        conflict_worker_ids=conflicts,
    )


def _parse_worker(data: Any, path: str, errors: list[str]) -> Worker | None:
    mapping = _as_mapping(data, path, errors, Worker)
    if mapping is None:
        return None
    _check_keys(mapping, WORKER_FIELDS, path, errors)
    before = len(errors)
    worker_id = _identifier(mapping.get("id"), f"{path}.id", errors)
    team_ids = _identifiers(mapping.get("team_ids"), f"{path}.team_ids", errors)
    site_ids = _identifiers(mapping.get("site_ids"), f"{path}.site_ids", errors)
    languages = _texts(mapping.get("languages"), f"{path}.languages", errors)
    capacity = mapping.get("remaining_capacity")
    if capacity is None:
        errors.append(f"{path}.remaining_capacity: required")
    elif (
        isinstance(capacity, bool)
        or not isinstance(capacity, int)
        or not 0 <= capacity <= MAX_CAPACITY
    ):
        errors.append(f"{path}.remaining_capacity: must be a whole number from 0 to {MAX_CAPACITY}")
    gender = _text(mapping.get("gender"), f"{path}.gender", errors, optional=True)
    attrs_path = f"{path}.attributes"
    attributes = tuple(
        a
        for i, item in enumerate(_list(mapping.get("attributes"), attrs_path, errors))
        if (a := _parse_worker_attribute(item, f"{attrs_path}[{i}]", errors)) is not None
    )
    if len(errors) > before:
        return None
    return Worker(
        id=worker_id,
        team_ids=team_ids,
        site_ids=site_ids,
        languages=languages,
        remaining_capacity=capacity,
        gender=gender,
        attributes=attributes,
    )


def _parse_weights(data: Any, path: str, errors: list[str]) -> Weights | None:
    if data is None:
        return Weights()
    mapping = _as_mapping(data, path, errors, Weights)
    if mapping is None:
        return None
    _check_keys(mapping, WEIGHT_FIELDS, path, errors)
    values: dict[str, float] = {}
    for name in WEIGHT_FIELDS:
        if name not in mapping:
            continue
        value = mapping[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0 <= value <= MAX_WEIGHT
        ):
            errors.append(f"{path}.{name}: must be a number between 0 and {MAX_WEIGHT:g}")
            continue
        values[name] = round(float(value), WEIGHT_DECIMALS)
    return Weights(**values)


def parse_input(
    referrals: Iterable[Referral | Mapping[str, Any]],
    workers: Iterable[Worker | Mapping[str, Any]],
    weights: Weights | Mapping[str, Any] | None = None,
) -> tuple[list[Referral], list[Worker], Weights]:
    """Validate and normalise solver input; raise :class:`MatchingInputError` listing every
    problem. Paths are indexed in the order given (``referrals[0]``, ``workers[2]``)."""
    errors: list[str] = []
    parsed_refs = [
        _parse_referral(item, f"referrals[{i}]", errors) for i, item in enumerate(referrals)
    ]
    parsed_workers = [
        _parse_worker(item, f"workers[{i}]", errors) for i, item in enumerate(workers)
    ]
    parsed_weights = _parse_weights(weights, "weights", errors)
    for label, items in (("referrals", parsed_refs), ("workers", parsed_workers)):
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item is None:
                continue
            if item.id in seen:
                errors.append(
                    f"{label}[{i}].id: duplicate id {item.id!r} (also {label}[{seen[item.id]}])"
                )
            else:
                seen[item.id] = i
    if errors:
        raise MatchingInputError(errors)
    return parsed_refs, parsed_workers, parsed_weights  # type: ignore[return-value]
