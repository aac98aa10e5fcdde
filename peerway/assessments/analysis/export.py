"""CSV rows for survey results that keep the suppression (framework-free; no Django).

Suppressed rows carry the public note and no figure (not even n). Text that a spreadsheet
would run as a formula (starting with = + - @ or a tab/carriage return) is prefixed with an
apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Hashable, Iterator, Mapping
from typing import IO, Any

from .hierarchy import ALL, ORGANIZATION
from .results import WaveResults, suppression_note

CSV_COLUMNS = (
    "instrument",
    "instrument_name",
    "scale",
    "scale_name",
    "level",
    "place_id",
    "place_name",
    "audience",
    "audience_name",
    "n",
    "mean",
    "sd",
    "ci95_low",
    "ci95_high",
    "note",
)

HEADERS = {
    "en": (
        "Instrument code",
        "Instrument",
        "Scale code",
        "Scale",
        "Level",
        "Place id",
        "Place",
        "Audience code",
        "Audience",
        "n",
        "Mean",
        "SD",
        "95% CI low",
        "95% CI high",
        "Note",
    ),
    "fr": (
        "Code du questionnaire",
        "Questionnaire",
        "Code de l'échelle",
        "Échelle",
        "Niveau",
        "Identifiant du lieu",
        "Lieu",
        "Code du public",
        "Public",
        "n",
        "Moyenne",
        "Écart type",
        "IC à 95 % (bas)",
        "IC à 95 % (haut)",
        "Remarque",
    ),
}

LEVEL_NAMES = {
    "en": {"team": "Team", "site": "Site", "organization": "Organization"},
    "fr": {"team": "Équipe", "site": "Site", "organization": "Organisation"},
}

AUDIENCE_NAMES = {
    "en": {
        ALL: "All respondents",
        "staff": "All staff",
        "leaders": "Leaders",
        "peer_workers": "Peer support workers",
    },
    "fr": {
        ALL: "Tous les répondants",
        "staff": "Tout le personnel",
        "leaders": "Gestionnaires",
        "peer_workers": "Pairs aidants",
    },
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _number(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def csv_rows(
    results: WaveResults,
    *,
    lang: str = "en",
    place_names: Mapping[tuple[str, Hashable | None], str] | None = None,
    instrument_names: Mapping[str, str] | None = None,
    header: bool = True,
    decimals: int = 2,
) -> list[list[str]]:
    """Rows (lists of strings) for a CSV of every cell, header first (unless ``header=False``).

    ``place_names`` maps ``(level, place_id)`` to a display name, e.g. ``("team", 3)`` →
    "Team A", ``("site", 1)`` → "North Hospital", ``("organization", None)`` → "Northwind"
    (team and site ids may coincide, hence the level). ``instrument_names`` (code → name)
    overrides the instruments' own names in ``lang``. Numbers use a dot and ``decimals``
    decimals (n is an integer). Suppressed and empty cells have blank figures and a note.
    """
    return list(
        iter_csv_rows(
            results,
            lang=lang,
            place_names=place_names,
            instrument_names=instrument_names,
            header=header,
            decimals=decimals,
        )
    )


def iter_csv_rows(
    results: WaveResults,
    *,
    lang: str = "en",
    place_names: Mapping[tuple[str, Hashable | None], str] | None = None,
    instrument_names: Mapping[str, str] | None = None,
    header: bool = True,
    decimals: int = 2,
) -> Iterator[list[str]]:
    lang = lang if lang in HEADERS else "en"
    place_names = place_names or {}
    instrument_names = instrument_names or {}
    if header:
        yield list(HEADERS[lang])
    for cell in results.cells.values():
        key = cell.key
        place = place_names.get((key.level, key.place_id))
        if place is None:
            place = (
                LEVEL_NAMES[lang][ORGANIZATION] if key.level == ORGANIZATION else str(key.place_id)
            )
        row = [
            safe_text(key.instrument),
            safe_text(
                instrument_names.get(key.instrument)
                or results.instrument_name(key.instrument, lang)
            ),
            safe_text(key.scale),
            safe_text(results.scale_name(key.instrument, key.scale, lang)),
            LEVEL_NAMES[lang][key.level],
            "" if key.place_id is None else safe_text(key.place_id),
            safe_text(place),
            key.audience,
            AUDIENCE_NAMES[lang][key.audience],
        ]
        if cell.shown:
            row += [
                str(cell.n),
                _number(cell.mean, decimals),
                _number(cell.sd, decimals),
                _number(cell.ci95_low, decimals),
                _number(cell.ci95_high, decimals),
                "",
            ]
        else:
            n = "0" if cell.n == 0 else ""
            row += [n, "", "", "", "", suppression_note(cell.reason, results.k, lang)]
        yield row


def write_csv(stream: IO[str], results: WaveResults, **options: Any) -> None:
    """Write ``csv_rows(results, **options)`` to a text stream (comma-separated, RFC 4180)."""
    writer = csv.writer(stream)
    writer.writerows(iter_csv_rows(results, **options))
