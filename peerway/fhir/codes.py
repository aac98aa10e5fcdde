"""Code systems and identifier systems the project publishes for its FHIR resources.

The canonical URLs identify the systems (the same in every installation, so data from two
regions can be pooled); each installation also serves the full CodeSystem resources at
``/fhir/r4/CodeSystem/<id>`` (docs/fhir.md).
"""

from __future__ import annotations

CANONICAL = "https://peerway.org/fhir"

PERSON_CODE = f"{CANONICAL}/sid/person-code"
ORGANIZATION_SLUG = f"{CANONICAL}/sid/organization"

LOINC = "http://loinc.org"

# LOINC codes checked for the two instruments that have them; every other instrument and
# scale is coded in the project's own instrument system.
LOINC_PANELS = {
    "phq9": ("44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]"),
    "gad7": ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
}
LOINC_TOTALS = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
}


def _activity_concepts(lang: str):
    from peerway.planning import taxonomy

    return [
        {
            "code": c.code,
            "display": c.label_in(lang),
            "definition": c.description_in(lang),
        }
        for c in taxonomy.entries()
    ]


def _choices(choices, lang: str):
    from django.utils import translation

    with translation.override(lang):
        return [{"code": value, "display": str(label)} for value, label in choices]


def _systems():
    from peerway.support.models import (
        ChimeDomain,
        ConsentPurpose,
        ContactType,
        Modality,
        Setting,
    )

    return {
        "activity": (
            "Peer support activities and out-of-scope tasks",
            "The activities a contact records (the role definition's taxonomy), including "
            "tasks outside the peer role, so drift can be measured.",
            lambda lang: _activity_concepts(lang),
        ),
        "chime": (
            "CHIME personal recovery domains",
            "Connectedness, hope, identity, meaning and empowerment (Leamy et al. 2011), as a "
            "contact records them.",
            lambda lang: _choices(ChimeDomain.choices, lang),
        ),
        "contact-type": (
            "Peer support contact types",
            "The kind of encounter a peer worker logs.",
            lambda lang: _choices(ContactType.choices, lang),
        ),
        "modality": (
            "Contact modality",
            "How a contact took place.",
            lambda lang: _choices(Modality.choices, lang),
        ),
        "setting": (
            "Contact setting",
            "Where a contact took place.",
            lambda lang: _choices(Setting.choices, lang),
        ),
        "consent-purpose": (
            "Consent purposes",
            "What a person agrees to, or withdraws (each decision is one Consent).",
            lambda lang: _choices(ConsentPurpose.choices, lang),
        ),
        "instrument": (
            "Peerway instruments and scales",
            "Questionnaires shipped with the project and their scales, as "
            "'<instrument>' and '<instrument>.<scale>'.",
            lambda lang: _instrument_concepts(lang),
        ),
    }


def _instrument_concepts(lang: str):
    from peerway.instruments.engine.model import text_in
    from peerway.instruments.library import current_library

    rows = []
    for code in sorted(current_library()):
        instrument = current_library()[code]
        rows.append({"code": code, "display": text_in(instrument.name, lang) or code})
        for scale in instrument.scales:
            rows.append(
                {
                    "code": f"{code}.{scale.id}",
                    "display": f"{text_in(instrument.name, lang) or code}: "
                    f"{text_in(scale.name, lang) or scale.id}",
                }
            )
    return rows


def system_url(name: str) -> str:
    return f"{CANONICAL}/CodeSystem/{name}"


def code_system_ids() -> list[str]:
    return list(_systems())


def code_system(name: str, lang: str = "en") -> dict | None:
    entry = _systems().get(name)
    if entry is None:
        return None
    title, description, concepts = entry
    rows = concepts(lang)
    return {
        "resourceType": "CodeSystem",
        "id": name,
        "url": system_url(name),
        "name": "".join(part.capitalize() for part in name.split("-")),
        "title": title,
        "status": "active",
        "description": description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(rows),
        "concept": rows,
    }
