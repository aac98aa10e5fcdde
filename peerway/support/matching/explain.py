"""Sentences for the solver's reason codes, in English and French.

Assignment reasons are written for the person supported ("matches a preference you
recorded"); reasons for an unassigned referral are written for the coordinator. A sentence
never says more than its reason carries, so the disclosure rules applied by the solver hold in
every language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LANGUAGES = ("en", "fr")

_ATTRIBUTE_LABELS = {
    "gender": ("gender", "genre"),
    "lived_experience": ("lived experience", "vécu expérientiel"),
    "cultural_community": ("cultural community", "communauté culturelle"),
    "age_band": ("age group", "tranche d'âge"),
    "language": ("language", "langue"),
}
_CONSTRAINT_LABELS = {
    "team_coverage": ("not on the referral's team", "ne fait pas partie de l'équipe concernée"),
    "language": ("does not speak {language}", "ne parle pas {language}"),
    "capacity": ("no remaining capacity", "aucune disponibilité"),
    "conflict": ("declared conflict of interest", "conflit d'intérêts déclaré"),
    "required_preference": (
        "does not match a required preference ({attribute})",
        "ne correspond pas à une préférence obligatoire ({attribute})",
    ),
}
_LANGUAGE_NAMES = {
    "en": ("English", "anglais"),
    "fr": ("French", "français"),
    "es": ("Spanish", "espagnol"),
    "ar": ("Arabic", "arabe"),
    "zh": ("Chinese", "chinois"),
    "pt": ("Portuguese", "portugais"),
    "it": ("Italian", "italien"),
    "de": ("German", "allemand"),
    "cr": ("Cree", "cri"),
    "iu": ("Inuktitut", "inuktitut"),
    "ase": ("American Sign Language", "langue des signes américaine"),
    "fcs": ("Quebec Sign Language", "langue des signes québécoise"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[LANGUAGES.index(lang)]


def _language_name(code: str, lang: str) -> str:
    names = _LANGUAGE_NAMES.get(code.strip().casefold())
    return _pick(names, lang) if names else code


def _plural(count: int, lang: str, one: tuple[str, str], many: tuple[str, str]) -> str:
    return _pick(one if count == 1 else many, lang).format(count=count)


def explain(reason: Mapping[str, Any], lang: str = "en") -> str:
    """Render one reason (as produced by :func:`solve`) as a sentence in ``lang``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang: must be one of {', '.join(LANGUAGES)}")
    code = reason.get("code")
    if code == "covers_team":
        return _pick(("works with your team", "travaille avec votre équipe"), lang)
    if code == "site_fallback":
        return _pick(
            (
                "works at your site (your team has no peer worker)",
                "travaille sur votre site (votre équipe n'a pas de pair aidant)",
            ),
            lang,
        )
    if code == "speaks_language":
        name = _language_name(reason["language"], lang)
        return _pick(("speaks {name}", "parle {name}"), lang).format(name=name)
    if code == "continuity":
        return _pick(("has supported you before", "a déjà travaillé avec vous"), lang)
    if code == "same_site":
        return _pick(("works at your site", "travaille sur votre site"), lang)
    if code == "shared_preference":
        attribute = reason["attribute"]
        value = reason["value"]
        if attribute == "language":
            value = _language_name(value, lang)
        label = _pick(_ATTRIBUTE_LABELS[attribute], lang)
        if reason.get("strength") == "required":
            template = (
                "meets your requirement for {label}: {value}",
                "répond à votre exigence ({label}) : {value}",
            )
        else:
            template = (
                "matches your preference for {label}: {value}",
                "correspond à votre préférence ({label}) : {value}",
            )
        return _pick(template, lang).format(label=label, value=value)
    if code == "matches_recorded_preference":
        return _plural(
            int(reason.get("count", 1)),
            lang,
            (
                "matches a preference you recorded",
                "correspond à une préférence que vous avez indiquée",
            ),
            (
                "matches {count} preferences you recorded",
                "correspond à {count} préférences que vous avez indiquées",
            ),
        )
    if code == "no_feasible_worker":
        return _pick(
            (
                "no peer worker currently meets every requirement",
                "aucun pair aidant ne répond actuellement à toutes les exigences",
            ),
            lang,
        )
    if code == "feasible_workers_at_capacity":
        return _plural(
            int(reason["feasible_workers"]),
            lang,
            (
                "the {count} suitable peer worker had no capacity left after other matches",
                "le seul pair aidant compatible n'avait plus de disponibilité après les autres "
                "jumelages",
            ),
            (
                "the {count} suitable peer workers had no capacity left after other matches",
                "les {count} pairs aidants compatibles n'avaient plus de disponibilité après les "
                "autres jumelages",
            ),
        )
    if code == "workers_excluded":
        constraint = reason["constraint"]
        detail = _pick(_CONSTRAINT_LABELS[constraint], lang).format(
            language=_language_name(str(reason.get("language", "")), lang),
            attribute=_pick(_ATTRIBUTE_LABELS.get(reason.get("attribute"), ("", "")), lang),
        )
        prefix = _plural(
            int(reason["workers"]),
            lang,
            ("{count} peer worker excluded", "{count} pair aidant exclu"),
            ("{count} peer workers excluded", "{count} pairs aidants exclus"),
        )
        return f"{prefix}: {detail}" if lang == "en" else f"{prefix} : {detail}"
    raise ValueError(f"reason.code: unknown code {code!r}")


def explain_all(reasons: Iterable[Mapping[str, Any]], lang: str = "en") -> list[str]:
    """Render every reason of an assignment or unassigned entry."""
    return [explain(reason, lang) for reason in reasons]
