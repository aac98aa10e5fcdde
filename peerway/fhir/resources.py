"""Peerway records as FHIR R4 resources (plain dicts, validated against the official
models in the tests).

Pseudonymous by design: a person is their code; a name is added only for a caller the
scope says may see it (``include_name``); workers appear by display name only as the
performer of their own encounters (Practitioner resources are not published). Free text
that is encrypted at rest (contact notes, referral reasons, answers' notes) is never put
in a resource.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from . import codes

# Referral states → ServiceRequest.status (FHIR request-status).
REQUEST_STATUS = {
    "consent_pending": "on-hold",
    "new": "active",
    "triaged": "active",
    "offered": "active",
    "accepted": "active",
    "first_contact": "active",
    "active": "active",
    "declined": "revoked",
    "closed": "completed",
}
REQUEST_PRIORITY = {"routine": "routine", "soon": "asap", "urgent": "urgent"}

# Consent purposes → how the Consent resource names them.
CONSENT_SCOPE_TEXT = {
    "peer_support": "Receive peer support",
    "share_notes": "Share notes with the clinical team",
    "evaluation": "Use of de-identified data for evaluation",
    "contact": "Contact by phone or text",
}

CONSENT_SCOPE = {
    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
    "code": "treatment",
}
CONSENT_CATEGORY = {"system": "http://loinc.org", "code": "59284-0", "display": "Consent Document"}

# Contact modality → ActEncounterCode (v3) class.
ENCOUNTER_CLASS = {
    "in_person": ("AMB", "ambulatory"),
    "phone": ("VR", "virtual"),
    "video": ("VR", "virtual"),
    "text": ("VR", "virtual"),
}
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def _instant(value: datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _date(value: date) -> str:
    return value.isoformat()


def ref(kind: str, ident) -> dict:
    return {"reference": f"{kind}/{ident}"}


def patient_ref(person) -> dict:
    return {
        "reference": f"Patient/{person.code}",
        "identifier": {"system": codes.PERSON_CODE, "value": person.code},
    }


def team_id(team) -> str:
    return f"team-{team.pk}"


def site_id(site) -> str:
    return f"site-{site.pk}"


def coding(system_name: str, code: str, display: str | None = None) -> dict:
    out = {"system": codes.system_url(system_name), "code": code}
    if display:
        out["display"] = display
    return out


# --- places ------------------------------------------------------------------------------


def organization(org) -> dict:
    return {
        "resourceType": "Organization",
        "id": org.slug,
        "identifier": [{"system": codes.ORGANIZATION_SLUG, "value": org.slug}],
        "active": True,
        "name": org.name,
    }


def site_location(site) -> dict:
    return {
        "resourceType": "Location",
        "id": site_id(site),
        "status": "active",
        "name": site.name,
        "mode": "instance",
        "physicalType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "si",
                    "display": "Site",
                }
            ]
        },
        "managingOrganization": ref("Organization", site.organization.slug),
    }


def team_location(team) -> dict:
    return {
        "resourceType": "Location",
        "id": team_id(team),
        "status": "active",
        "name": team.name,
        "description": str(team.get_team_type_display()),
        "mode": "instance",
        "managingOrganization": ref("Organization", team.site.organization.slug),
        "partOf": ref("Location", site_id(team.site)),
    }


# --- people and their service -----------------------------------------------------------


def patient(person, *, include_name: bool) -> dict:
    out = {
        "resourceType": "Patient",
        "id": person.code,
        "meta": {"lastUpdated": _instant(person.created_at)},
        "identifier": [{"system": codes.PERSON_CODE, "value": person.code}],
        "active": person.status != "closed",
        "managingOrganization": ref("Organization", person.organization.slug),
    }
    if include_name and person.name:
        out["name"] = [{"text": person.name}]
    if person.year_of_birth:
        out["birthDate"] = str(person.year_of_birth)
    if person.language and person.language != "other":
        out["communication"] = [
            {
                "language": {"coding": [{"system": "urn:ietf:bcp:47", "code": person.language}]},
                "preferred": True,
            }
        ]
    return out


def service_request(referral) -> dict:
    out = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": {"lastUpdated": _instant(referral.updated_at)},
        "status": REQUEST_STATUS.get(referral.state, "unknown"),
        "intent": "order",
        "priority": REQUEST_PRIORITY.get(referral.urgency, "routine"),
        "code": {"text": "Peer support"},
        "subject": patient_ref(referral.person),
        "authoredOn": _instant(referral.created_at),
        "performer": [{**ref("Location", team_id(referral.team)), "display": referral.team.name}],
        "extension": [
            {
                "url": f"{codes.CANONICAL}/StructureDefinition/referral-state",
                "valueCode": referral.state,
            },
            {
                "url": f"{codes.CANONICAL}/StructureDefinition/referral-source",
                "valueCode": referral.source,
            },
        ],
    }
    if referral.referred_by_id:
        out["requester"] = {"display": referral.referred_by.display_name}
    return out


def episode_of_care(rel) -> dict:
    period = {"start": _date(rel.started_on)}
    if rel.ended_on:
        period["end"] = _date(rel.ended_on)
    out = {
        "resourceType": "EpisodeOfCare",
        "id": str(rel.pk),
        "status": "finished" if rel.ended_on else "active",
        "type": [{"text": "Peer support"}],
        "patient": patient_ref(rel.person),
        "managingOrganization": ref("Organization", rel.person.organization.slug),
        "period": period,
        "careManager": {"display": rel.worker.display_name},
    }
    if rel.referral_id:
        out["referralRequest"] = [ref("ServiceRequest", rel.referral_id)]
    return out


def encounter(contact, people, *, lang: str = "en") -> dict:
    """A contact. Group contacts name every person the caller may see; the note is never
    included."""
    from peerway.planning import taxonomy
    from peerway.support.models import ChimeDomain, ContactType, Modality, Setting

    klass, klass_display = ENCOUNTER_CLASS.get(contact.modality, ("AMB", "ambulatory"))
    types = [
        coding("contact-type", contact.contact_type, str(ContactType(contact.contact_type).label))
    ]
    reasons = []
    for code in contact.activities:
        try:
            label = taxonomy.label(code, lang)
        except KeyError:
            label = None
        reasons.append({"coding": [coding("activity", code, label)]})
    for code in contact.chime:
        reasons.append({"coding": [coding("chime", code, str(ChimeDomain(code).label))]})
    out = {
        "resourceType": "Encounter",
        "id": str(contact.pk),
        "meta": {"lastUpdated": _instant(contact.updated_at)},
        "status": "finished",
        "class": {"system": ACT_CODE, "code": klass, "display": klass_display},
        "type": [{"coding": types}],
        "serviceType": {
            "coding": [coding("modality", contact.modality, str(Modality(contact.modality).label))]
        },
        "participant": [{"individual": {"display": contact.worker.display_name}}],
        "period": {"start": _date(contact.date), "end": _date(contact.date)},
        "length": {
            "value": contact.duration_minutes,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        },
        "location": [
            {
                "location": {
                    **ref("Location", team_id(contact.team)),
                    "display": str(Setting(contact.setting).label),
                }
            }
        ],
        "serviceProvider": ref("Organization", contact.organization.slug),
    }
    if people:
        out["subject"] = patient_ref(people[0])
    if len(people) > 1:
        out["extension"] = [
            {
                "url": f"{codes.CANONICAL}/StructureDefinition/group-participant",
                "valueReference": patient_ref(p),
            }
            for p in people[1:]
        ]
    if reasons:
        out["reasonCode"] = reasons
    return out


def consent(record) -> dict:
    return {
        "resourceType": "Consent",
        "id": str(record.pk),
        "status": "active" if record.given else "inactive",
        "scope": {"coding": [CONSENT_SCOPE]},
        "category": [{"coding": [CONSENT_CATEGORY]}],
        "patient": patient_ref(record.person),
        "dateTime": _instant(record.recorded_at),
        "policyRule": {
            "coding": [
                coding("consent-purpose", record.purpose, CONSENT_SCOPE_TEXT.get(record.purpose))
            ],
            "text": CONSENT_SCOPE_TEXT.get(record.purpose, record.purpose),
        },
        "provision": {
            "type": "permit" if record.given else "deny",
            "period": {"start": _date(record.decided_on)},
        },
    }


# --- questionnaires and their results ---------------------------------------------------


def _text(value, lang):
    from peerway.instruments.engine.model import text_in

    return text_in(value, lang) if value else None


def questionnaire(instrument, *, lang: str = "en") -> dict:
    """A shipped instrument. Item text only where its licence lets it ship (the library
    holds no wording otherwise); the licence terms go in ``copyright``."""
    items = []
    for item in instrument.items:
        row = {"linkId": item.id, "type": "choice", "required": False}
        text = _text(item.text, lang)
        if text:
            row["text"] = text
        options = instrument.response_sets[item.response_set].options
        row["answerOption"] = [
            {
                # Codes are the instrument's own answer values (as the answers store them).
                "valueCoding": {
                    "code": str(option.value if option.value is not None else option.code),
                    "display": _text(option.label, lang) or "",
                }
            }
            for option in options
        ]
        items.append(row)
    licence = instrument.licence
    rights = [
        part
        for part in (
            _text(licence.notice, lang),
            licence.terms,
            f"Holder: {licence.holder}" if licence.holder else None,
        )
        if part
    ]
    out = {
        "resourceType": "Questionnaire",
        "id": f"{instrument.code}-{instrument.version}".replace("_", "-"),
        "url": f"{codes.CANONICAL}/Questionnaire/{instrument.code}",
        "version": instrument.version,
        "name": instrument.code.upper().replace("-", "_"),
        "title": _text(instrument.name, lang) or instrument.code,
        "status": "active",
        "subjectType": ["Patient"],
        "code": [coding("instrument", instrument.code)],
        "copyright": " ".join(rights) or f"Licence category: {licence.category}",
        "extension": [
            {
                "url": f"{codes.CANONICAL}/StructureDefinition/licence-category",
                "valueCode": licence.category,
            },
            {
                "url": f"{codes.CANONICAL}/StructureDefinition/item-text-included",
                "valueBoolean": instrument.has_item_text,
            },
        ],
    }
    if instrument.code in codes.LOINC_PANELS:
        loinc, display = codes.LOINC_PANELS[instrument.code]
        out["code"].insert(0, {"system": codes.LOINC, "code": loinc, "display": display})
    if items:
        out["item"] = items
    return out


def questionnaire_response(administration) -> dict:
    answers = administration.answers
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(administration.pk),
        "meta": {"lastUpdated": _instant(administration.recorded_at)},
        "questionnaire": f"{codes.CANONICAL}/Questionnaire/{administration.instrument}"
        f"|{administration.version}",
        "status": "completed",
        "subject": patient_ref(administration.person),
        "authored": _date(administration.administered_on),
        "item": [
            {
                "linkId": item_id,
                "answer": [{"valueCoding": {"code": str(value)}}],
            }
            for item_id, value in sorted(answers.items())
            if value is not None
        ],
    }


def observations(administration, *, with_response: bool, lang: str = "en") -> list[dict]:
    """Scores of one administration: the total (LOINC where it has a code) and each scale.
    ``with_response`` links the QuestionnaireResponse only for callers who may read it."""
    result = administration.result
    instrument = administration.instrument
    scales = dict(result.get("scales") or {})
    total = result.get("total")
    rows = []
    if total is not None:
        scales.pop(total.get("id"), None)
        rows.append(("total", total))
    rows.extend(sorted(scales.items()))
    out = []
    for key, scale in rows:
        if scale.get("score") is None:
            continue
        scale_code = f"{instrument}.{scale.get('id') or key}"
        code = [coding("instrument", scale_code)]
        if key == "total" and instrument in codes.LOINC_TOTALS:
            loinc, display = codes.LOINC_TOTALS[instrument]
            code.insert(0, {"system": codes.LOINC, "code": loinc, "display": display})
        obs = {
            "resourceType": "Observation",
            "id": f"{administration.pk}-{(scale.get('id') or key).replace('_', '-')}",
            "status": "final" if scale.get("valid", True) else "preliminary",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "survey",
                        }
                    ]
                }
            ],
            "code": {"coding": code},
            "subject": patient_ref(administration.person),
            "effectiveDateTime": _date(administration.administered_on),
            "valueQuantity": {"value": scale["score"]},
        }
        band = scale.get("band")
        if band:
            label = band.get("label") or {}
            text = label.get(lang) or label.get("en") or band.get("code") or ""
            obs["interpretation"] = [{"text": text}]
        if with_response:
            obs["derivedFrom"] = [ref("QuestionnaireResponse", administration.pk)]
        out.append(obs)
    return out
