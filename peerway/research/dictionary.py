"""The exported files and their columns: one definition drives the CSV headers and the
data dictionary written beside them (English, like the column names)."""

from __future__ import annotations

BAND = "A band: 'a-b' from a to b, 'a+' a or more."
WITHHELD = " Empty when withheld at this export's detail level (summary.csv: detail)."

FILES: dict[str, list[tuple[str, str, str]]] = {
    "people.csv": [
        ("study_id", "text", "Pseudonymous study ID, valid within this export only."),
        (
            "age_band",
            "text",
            "Age in the export year from the year of birth, as a band (5 years wide unless "
            "the summary says it was widened for k-anonymity); 90+ top-coded; unknown.",
        ),
        (
            "place",
            "text",
            "Site / team, the site, or 'all', depending on the generalization level.",
        ),
        ("language", "code", "Preferred language (ISO code or 'other'); may be grouped."),
        ("status", "code", "referred, active or closed."),
        (
            "withheld",
            "text",
            "Files in which this person's rows are withheld (';'-separated), because their "
            "rows there made them stand out; empty when none. Treat as missing, not as "
            "zero.",
        ),
    ],
    "referrals.csv": [
        ("study_id", "text", "Person's study ID."),
        ("referral_number", "integer", "1 for the person's first referral, then 2, 3 …"),
        ("source", "code", "clinician, self, family or trigger (hospital use)." + WITHHELD),
        ("urgency", "code", "routine, soon or urgent." + WITHHELD),
        ("state", "code", "Current state: new, triaged, offered, accepted, declined, …"),
        (
            "days_to_first_contact",
            "band",
            "Days from referral to first contact: 0-7, 8-14, 15-30, 31-90, 91+ (or 0-14, "
            "15-90, 91+). Empty if no first contact yet." + WITHHELD,
        ),
    ],
    "relationships.csv": [
        ("study_id", "text", "Person's study ID."),
        ("relationship_number", "integer", "1 for the person's first peer relationship, …"),
        (
            "days_in_support",
            "band",
            "Days from start to end: 0-30, 31-90, 91-180, 181-365, 366+ (or 0-90, 91-365, "
            "366+), 'ended' when withheld, 'ongoing' if not ended.",
        ),
    ],
    "contacts.csv": [
        ("study_id", "text", "Person's study ID (contacts where the person was present)."),
        (
            "period",
            "code",
            "month (30 days), quarter (90 days) or whole (the whole follow-up in one row).",
        ),
        (
            "period_number",
            "integer",
            "Follow-up period counted from the person's first contact: 0 holds their first "
            "30 (or 90) days. Only periods with a contact have a row. Empty for whole.",
        ),
        ("contacts", "band", "Number of contacts in the period. " + BAND),
        ("minutes", "band", "Total minutes of those contacts. " + BAND + WITHHELD),
        (
            "modality",
            "code",
            "in_person (all in person), remote (phone, video or text only) or mixed." + WITHHELD,
        ),
    ],
    "outcomes.csv": [
        ("study_id", "text", "Person's study ID."),
        ("instrument", "code", "Questionnaire code (e.g. qpr15, phq9)."),
        ("version", "text", "Questionnaire version." + WITHHELD),
        ("time_point_months", "integer", "Scheduled time point: 0 (intake), 3, 6, 12."),
        ("mode", "code", "with_worker or self_link." + WITHHELD),
        ("total_score", "number", "Total score (empty if not scorable)."),
        ("band", "code", "Score band of the instrument."),
        ("valid", "yes/no", "Enough items answered to score."),
        ("flagged", "yes/no", "A safety trigger fired."),
    ],
    "hospital_events.csv": [
        ("study_id", "text", "Person's study ID."),
        ("event", "code", "admission, discharge or emergency_visit."),
        (
            "phase",
            "code",
            "When, relative to the person's peer support: before_support, during_support, "
            "after_support, or no_support (never supported).",
        ),
        (
            "stay_days",
            "band",
            "For a discharge with its admission day: length of stay, 0-2, 3-7, 8-30, 31+."
            + WITHHELD,
        ),
        (
            "days_since_discharge",
            "band",
            "For an admission or emergency visit after an earlier discharge: days since "
            "that discharge, 0-30, 31-90, 91+ (readmission)." + WITHHELD,
        ),
    ],
    "contact_mix.csv": [
        (
            "dimension",
            "code",
            "modality, setting, contact_type, activity, chime_domain or group.",
        ),
        ("code", "code", "The value counted (e.g. in_person, emotional_support, hope)."),
        (
            "contacts",
            "text",
            "Contacts with at least one exported person that have this value; counts below "
            "k are shown as '<k' (e.g. '<5'). Not linked to study IDs.",
        ),
    ],
}

SUMMARY_FILE = "summary.csv"
DICTIONARY_FILE = "data_dictionary.csv"
