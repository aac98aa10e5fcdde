"""The exported files and their columns: one definition drives the CSV headers and the
data dictionary written beside them (English, like the column names)."""

from __future__ import annotations

SHIFTED = "Date shifted by this person's random offset (same offset for all their dates)."

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
        ("registered_on", "date", "Day the person was registered. " + SHIFTED),
    ],
    "referrals.csv": [
        ("study_id", "text", "Person's study ID."),
        ("referral_number", "integer", "1 for the person's first referral, then 2, 3 …"),
        ("source", "code", "clinician, self, family or trigger (hospital use)."),
        ("urgency", "code", "routine, soon or urgent."),
        ("state", "code", "Current state: new, triaged, offered, accepted, declined, …"),
        ("referred_on", "date", "Day of the referral. " + SHIFTED),
        ("accepted_on", "date", "First day it was accepted (empty if never). " + SHIFTED),
        ("first_contact_on", "date", "First contact made (empty if never). " + SHIFTED),
        ("closed_on", "date", "Day closed (empty if open). " + SHIFTED),
        ("days_to_first_contact", "integer", "Days from referral to first contact."),
    ],
    "relationships.csv": [
        ("study_id", "text", "Person's study ID."),
        ("relationship_number", "integer", "1 for the person's first peer relationship, …"),
        ("started_on", "date", "Start of peer support. " + SHIFTED),
        ("ended_on", "date", "End of peer support (empty if ongoing). " + SHIFTED),
        ("days_in_support", "integer", "Days from start to end (empty if ongoing)."),
    ],
    "contacts.csv": [
        ("study_id", "text", "Person's study ID (one row per person present)."),
        ("contact_on", "date", "Day of the contact. " + SHIFTED),
        ("minutes", "integer", "Duration in minutes."),
        ("modality", "code", "in_person, phone, video or text."),
        ("setting", "code", "hospital, emergency, clinic, home, community or remote."),
        ("contact_type", "code", "one_to_one, group, navigation, phone_follow_up, …"),
        ("group", "yes/no", "More than one person was present."),
        ("activities", "codes", "Activity codes of the peer role taxonomy, ';'-separated."),
        ("chime_domains", "codes", "CHIME domains addressed, ';'-separated."),
    ],
    "outcomes.csv": [
        ("study_id", "text", "Person's study ID."),
        ("instrument", "code", "Questionnaire code (e.g. qpr15, phq9)."),
        ("version", "text", "Questionnaire version."),
        ("time_point_months", "integer", "Scheduled time point: 0 (intake), 3, 6, 12."),
        ("administered_on", "date", "Day given. " + SHIFTED),
        ("mode", "code", "with_worker or self_link."),
        ("total_score", "number", "Total score (empty if not scorable)."),
        ("band", "code", "Score band of the instrument."),
        ("valid", "yes/no", "Enough items answered to score."),
        ("flagged", "yes/no", "A safety trigger fired."),
    ],
    "hospital_events.csv": [
        ("study_id", "text", "Person's study ID."),
        ("event", "code", "admission, discharge or emergency_visit."),
        ("event_on", "date", "Day of the event. " + SHIFTED),
        ("admitted_on", "date", "For a discharge: its admission day, if sent. " + SHIFTED),
    ],
}

SUMMARY_FILE = "summary.csv"
DICTIONARY_FILE = "data_dictionary.csv"
