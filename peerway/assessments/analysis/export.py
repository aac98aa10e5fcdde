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


# ------------------------------------------------------------------ agreement and dictionary

AGREEMENT_COLUMNS = (
    "instrument",
    "scale",
    "scale_name",
    "alpha",
    "alpha_n",
    "n_teams",
    "n",
    "icc1",
    "icc1_n0",
    "icc2",
    "f",
    "p",
    "note",
)

# The data dictionary of both CSV files (results.csv and agreement.csv): column, type and
# meaning, in English and French. Column names stay the same in both languages.
DICTIONARY: dict[str, tuple[tuple[str, str, dict[str, str]], ...]] = {
    "results.csv": (
        ("instrument", "code", {"en": "Questionnaire code.", "fr": "Code du questionnaire."}),
        ("instrument_name", "text", {"en": "Questionnaire.", "fr": "Questionnaire."}),
        ("scale", "code", {"en": "Scale code.", "fr": "Code de l'échelle."}),
        ("scale_name", "text", {"en": "Scale.", "fr": "Échelle."}),
        (
            "level",
            "code",
            {"en": "Team, Site or Organization.", "fr": "Équipe, Site ou Organisation."},
        ),
        ("place_id", "integer", {"en": "Team or site id.", "fr": "Identifiant du lieu."}),
        ("place_name", "text", {"en": "Team or site name.", "fr": "Nom de l'équipe ou du site."}),
        (
            "audience",
            "code",
            {
                "en": "all, staff, leaders or peer_workers.",
                "fr": "all, staff, leaders ou peer_workers.",
            },
        ),
        ("audience_name", "text", {"en": "Audience.", "fr": "Public."}),
        (
            "n",
            "integer",
            {
                "en": "Valid scale scores in the group; 0 for no responses; empty when hidden.",
                "fr": "Scores valides du groupe; 0 sans réponse; vide s'il est masqué.",
            },
        ),
        ("mean", "number", {"en": "Mean scale score.", "fr": "Score moyen de l'échelle."}),
        (
            "sd",
            "number",
            {
                "en": "Sample standard deviation (n − 1).",
                "fr": "Écart type de l'échantillon (n − 1).",
            },
        ),
        (
            "ci95_low",
            "number",
            {
                "en": "Lower bound of the t-based 95% confidence interval of the mean.",
                "fr": "Borne inférieure de l'intervalle de confiance à 95 % (loi t) de la moyenne.",
            },
        ),
        (
            "ci95_high",
            "number",
            {
                "en": "Upper bound of the t-based 95% confidence interval of the mean.",
                "fr": "Borne supérieure de l'intervalle de confiance à 95 % (loi t) de la moyenne.",
            },
        ),
        (
            "note",
            "text",
            {
                "en": "Why a group is not shown (anonymity), or 'No responses'.",
                "fr": "Pourquoi un groupe n'est pas affiché (anonymat), ou « Aucune réponse ».",
            },
        ),
    ),
    "agreement.csv": (
        ("instrument", "code", {"en": "Questionnaire code.", "fr": "Code du questionnaire."}),
        ("scale", "code", {"en": "Scale code.", "fr": "Code de l'échelle."}),
        ("scale_name", "text", {"en": "Scale.", "fr": "Échelle."}),
        (
            "alpha",
            "number",
            {
                "en": "Cronbach's alpha over the wave's complete responses (empty below k).",
                "fr": "Alpha de Cronbach sur les réponses complètes (vide sous k).",
            },
        ),
        ("alpha_n", "integer", {"en": "Responses in alpha.", "fr": "Réponses dans l'alpha."}),
        (
            "n_teams",
            "integer",
            {
                "en": "Teams in the ICC: only teams whose result is shown (n ≥ k).",
                "fr": "Équipes dans le CCI : celles dont le résultat est affiché (n ≥ k).",
            },
        ),
        ("n", "integer", {"en": "Scores in the ICC.", "fr": "Scores dans le CCI."}),
        (
            "icc1",
            "number",
            {
                "en": "ICC(1) from one-way ANOVA, (MSB − MSW) / (MSB + (k − 1)·MSW), with k the "
                "mean team size N / G, as Bliese's R package multilevel (ICC1).",
                "fr": "CCI(1) par ANOVA à un facteur, (CMI − CMA) / (CMI + (k − 1)·CMA), k étant "
                "la taille moyenne des équipes N / G, comme le paquet R multilevel (ICC1).",
            },
        ),
        (
            "icc1_n0",
            "number",
            {
                "en": "ICC(1) with k = n₀ = (N − Σnᵢ²/N) / (G − 1), the adjusted average size of "
                "the one-way ANOVA (McGraw & Wong 1996); equal to icc1 when teams are equal.",
                "fr": "CCI(1) avec k = n₀ = (N − Σnᵢ²/N) / (G − 1), la taille moyenne ajustée de "
                "l'ANOVA (McGraw et Wong 1996); égal à icc1 si les équipes sont égales.",
            },
        ),
        (
            "icc2",
            "number",
            {
                "en": "ICC(2) = (MSB − MSW) / MSB: reliability of team means.",
                "fr": "CCI(2) = (CMI − CMA) / CMI : fidélité des moyennes d'équipe.",
            },
        ),
        ("f", "number", {"en": "ANOVA F statistic.", "fr": "Statistique F de l'ANOVA."}),
        ("p", "number", {"en": "p value of F.", "fr": "Valeur p de F."}),
        (
            "note",
            "text",
            {
                "en": "Why a figure is not computed.",
                "fr": "Pourquoi une valeur n'est pas calculée.",
            },
        ),
    ),
}

_AGREEMENT_NOTES = {
    "fewer_than_two_teams": {
        "en": "ICC needs at least two teams shown.",
        "fr": "Le CCI exige au moins deux équipes affichées.",
    },
    "fewer_than_k": {
        "en": "Alpha not computed: fewer than k complete responses.",
        "fr": "Alpha non calculé : moins de k réponses complètes.",
    },
    "single_item": {"en": "Alpha needs two items or more.", "fr": "L'alpha exige deux items."},
    "no_variance": {"en": "Alpha: no variance.", "fr": "Alpha : aucune variance."},
}


def agreement_rows(
    results: WaveResults, agreement: Any, *, lang: str = "en", decimals: int = 3
) -> Iterator[list[str]]:
    """Rows of agreement.csv (header first): per instrument and scale, Cronbach's alpha and,
    for scales with an ICC, both ICC(1) conventions, ICC(2), F and p."""
    lang = lang if lang in ("en", "fr") else "en"
    yield list(AGREEMENT_COLUMNS)
    for code in results.instruments:
        for scale in results.scales.get(code, ()):
            reliabilities = agreement.reliability_for(code, scale)
            rel = reliabilities[0] if reliabilities else None
            icc = agreement.icc_for(code, scale)
            notes = []
            if rel is not None and rel.reason:
                notes.append(_AGREEMENT_NOTES.get(rel.reason, {}).get(lang, rel.reason))
            if icc is not None and icc.reason:
                notes.append(_AGREEMENT_NOTES.get(icc.reason, {}).get(lang, icc.reason))
            yield [
                safe_text(code),
                safe_text(scale),
                safe_text(results.scale_name(code, scale, lang)),
                _number(rel.alpha if rel else None, decimals),
                "" if rel is None or rel.n is None else str(rel.n),
                "" if icc is None else str(icc.n_teams),
                "" if icc is None else str(icc.n),
                _number(icc.icc1 if icc else None, decimals),
                _number(icc.icc1_n0 if icc else None, decimals),
                _number(icc.icc2 if icc else None, decimals),
                _number(icc.f if icc else None, decimals),
                _number(icc.p if icc else None, 4),
                safe_text(" ".join(notes)),
            ]


def dictionary_rows(*, lang: str = "en") -> Iterator[list[str]]:
    """The data dictionary of results.csv and agreement.csv: file, column, the header the
    file shows in ``lang`` (results.csv's headers are translated), type and meaning."""
    lang = lang if lang in ("en", "fr") else "en"
    yield ["file", "column", "header", "type", "description"]
    headers = {"results.csv": dict(zip(CSV_COLUMNS, HEADERS[lang], strict=True))}
    for file, columns in DICTIONARY.items():
        for column, kind, text in columns:
            yield [file, column, headers.get(file, {}).get(column, column), kind, text[lang]]
