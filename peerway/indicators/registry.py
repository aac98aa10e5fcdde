"""The indicator registry: each indicator's written definition, shown beside its figures.

Texts are translatable (English and Canadian French through the project's catalogue).
``records`` names the list that holds the records an indicator counts, with the
permission a reader needs to follow the link (docs/indicators.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Records:
    url_name: str
    perm: str
    query: str = ""


@dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    name: str
    numerator: str
    denominator: str
    period: str
    exclusions: str
    records: Records | None = None


GROUPS = {
    "drift": _("Drift"),
    "utilization": _("Utilization"),
    "structure": _("Structure"),
    "safety": _("Safety"),
    "workforce": _("Workforce"),
    "readiness": _("Readiness and plan"),
}

MONTHLY = _("Calendar month (by the day the contact took place).")
IN_PERIOD = _("The chosen period, from the first day of its first month to its last day.")

INDICATORS = [
    Indicator(
        "drift",
        "drift",
        _("Drift: minutes on tasks outside the peer role"),
        _("Minutes of peer worker contacts attributed to out-of-scope tasks."),
        _(
            "All minutes attributed to activities (a contact's minutes are shared equally among "
            "its activities)."
        ),
        MONTHLY,
        _(
            "Contacts logged without an activity. Out of scope and the threshold come from the "
            "role definition approved for the team today (else the default scope and 20 %). "
            "Flagged when strictly above the threshold."
        ),
        Records("contacts:caseload", "contacts.view_caseload"),
    ),
    Indicator(
        "referrals",
        "utilization",
        _("Referrals by source"),
        _("Referrals created, counted by source, team and month."),
        _("None (a count)."),
        IN_PERIOD,
        _("Referrals to teams outside the dashboard's scope."),
        Records("support:referrals", "support.use_service"),
    ),
    Indicator(
        "acceptance",
        "utilization",
        _("Acceptance rate"),
        _("Referrals accepted by the person (an accepted step) in the period."),
        _("Referrals with an answer to an offer (accepted or declined) in the period."),
        IN_PERIOD,
        _(
            "Offers still waiting for an answer. A referral declined and later accepted counts "
            "once, as accepted."
        ),
        Records("support:referrals", "support.use_service", "state=accepted"),
    ),
    Indicator(
        "time_to_first_contact",
        "utilization",
        _("Days from referral to first contact"),
        _(
            "For each referral whose first contact was recorded in the period: days from the "
            "referral's creation to its first-contact step (median and 90th percentile)."
        ),
        _("Referrals with a first contact recorded in the period."),
        IN_PERIOD,
        _(
            "Referrals without a first contact yet. Percentiles interpolate linearly between the "
            "closest ranks."
        ),
        Records("support:referrals", "support.use_service", "state=first_contact"),
    ),
    Indicator(
        "contacts_per_person",
        "utilization",
        _("Contacts per person per month"),
        _(
            "Attendances in the month (each person present at a contact counts once; read from "
            "the contact rollups, never from raw contacts)."
        ),
        _("People with a peer relationship open at any time in the month."),
        MONTHLY,
        _("Months with no open relationship on the team."),
        Records("support:people", "support.use_service"),
    ),
    Indicator(
        "fte",
        "structure",
        _("Peer worker FTE per team"),
        _(
            "Sum of the FTE on the profiles of active peer workers placed on the team (a worker "
            "on several teams counts on each)."
        ),
        _("None (a total)."),
        _("Today."),
        _(
            "Workers whose employment has ended; deactivated accounts. A worker without a profile"
            " counts with no FTE."
        ),
        Records("workforce:overview", "workforce.view_workforce"),
    ),
    Indicator(
        "lone_peer",
        "structure",
        _("Teams with a lone peer worker"),
        _("Teams with exactly one active peer worker."),
        _("Teams with at least one peer worker."),
        _("Today."),
        _("Teams with no peer worker."),
        Records("workforce:overview", "workforce.view_workforce"),
    ),
    Indicator(
        "training",
        "structure",
        _("Training compliance"),
        _("Peer workers with a peer certification in force and no lapsed training."),
        _("Active peer workers on the team."),
        _("At the end of the period."),
        _("Only the latest record of each title counts (a renewal replaces the lapsed one)."),
        Records("workforce:overview", "workforce.view_workforce"),
    ),
    Indicator(
        "supervision",
        "structure",
        _("Supervision cadence met"),
        _(
            "Peer workers whose latest supervision session is no older than their cadence (the "
            "profile's, else the organization's default)."
        ),
        _("Active peer workers on the team."),
        _("At the end of the period."),
        _("Sessions dated after the end of the period."),
        Records("workforce:supervision", "workforce.view_supervision_overview"),
    ),
    Indicator(
        "boundary",
        "safety",
        _("Boundary events per 100 active relationships"),
        _(
            "Boundary events (crossings and violations) recorded on the team in the period, times"
            " 100."
        ),
        _("Peer relationships of the team's people open at any time in the period."),
        IN_PERIOD,
        _("Risk concerns (counted separately)."),
        Records("recovery:events", "recovery.view_events"),
    ),
    Indicator(
        "risk",
        "safety",
        _("Risk concerns by response path"),
        _(
            "Risk concerns recorded in the period, by response path (relational, joint with a "
            "clinician, formal escalation)."
        ),
        _("None (counts)."),
        IN_PERIOD,
        _("Boundary events."),
        Records("recovery:events", "recovery.view_events"),
    ),
    Indicator(
        "safety_ack",
        "safety",
        _("Time to acknowledge a safety task (median, minutes)"),
        _(
            "For each safety task acknowledged, the minutes from its creation (the moment the "
            "risk concern or the questionnaire was recorded) to the first acknowledgement; the "
            "median of those times."
        ),
        _("Safety tasks raised on the team in the period that were acknowledged."),
        IN_PERIOD,
        _(
            "Tasks not acknowledged yet. Closing a task without acknowledging it first counts as "
            "acknowledging it when it is closed. Not shown when fewer tasks than the "
            "small-number threshold."
        ),
        Records("outcomes:safety_tasks", "outcomes.use", "status=all"),
    ),
    Indicator(
        "safety_close",
        "safety",
        _("Time to close a safety task (median, hours)"),
        _(
            "For each safety task closed, the hours from its creation to its closing with an "
            "outcome (and, for serious types, a debrief); the median of those times."
        ),
        _("Safety tasks raised on the team in the period that were closed."),
        IN_PERIOD,
        _("Tasks still open. Not shown when fewer tasks than the small-number threshold."),
        Records("outcomes:safety_tasks", "outcomes.use", "status=closed"),
    ),
    Indicator(
        "safety_escalated",
        "safety",
        _("Safety tasks escalated"),
        _(
            "Safety tasks raised on the team in the period that were not acknowledged by their "
            "deadline and escalated to the site's managers and the on-call role."
        ),
        _("None (counts); shown beside the number of tasks raised."),
        IN_PERIOD,
        _("None."),
        Records("outcomes:safety_tasks", "outcomes.use", "status=all"),
    ),
    Indicator(
        "safety_overdue",
        "safety",
        _("Safety tasks open and overdue"),
        _(
            "Safety tasks raised on the team in the period that are still not acknowledged now, "
            "past their deadline."
        ),
        _("None (counts)."),
        _("Tasks raised in the chosen period; their state now."),
        _("Acknowledged and closed tasks."),
        Records("outcomes:safety_tasks", "outcomes.use", "overdue=1"),
    ),
    Indicator(
        "wellbeing",
        "workforce",
        _("Wellbeing check-in completion"),
        _("Active peer workers with at least one wellbeing check-in in the period."),
        _("Active peer workers."),
        IN_PERIOD,
        _("Answers themselves: only whether a check-in was done is counted."),
    ),
    Indicator(
        "turnover",
        "workforce",
        _("Turnover and retention"),
        _(
            "Turnover: peer workers whose employment ended in the period. Retention: peer workers"
            " employed on the first day of the period and still employed on its last day."
        ),
        _("Peer workers employed on the first day of the period."),
        IN_PERIOD,
        _("Workers without a start date count as employed since before the period."),
    ),
    Indicator(
        "readiness",
        "readiness",
        _("Readiness trend and plan progress"),
        _(
            "Mean scale score of each closed survey wave for the organization (all respondents); "
            "plan actions done."
        ),
        _("Valid responses in the wave; live plan actions (cancelled ones excluded)."),
        _("Each wave's open dates; the plan today."),
        _(
            "Any group below the wave's anonymity threshold, or that could be worked out by "
            "subtraction, is never shown."
        ),
        Records("assessments:waves", "assessments.view_results"),
    ),
]

BY_CODE = {i.code: i for i in INDICATORS}


def get(code: str) -> Indicator:
    return BY_CODE[code]
