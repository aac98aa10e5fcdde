"""The implementation plan: phases, actions (by hand and from recommendations), progress,
overdue and at-risk views, change history, exports, and who may do what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peerway.core.models import AuditEvent
from peerway.planning.models import (
    ActionStatus,
    DefaultPhase,
    PlanAction,
    PlanChange,
)
from peerway.planning.plan import export, selectors, services


@pytest.fixture
def plan(world):
    return services.create_plan(actor=world.manager, organization=world.org)


def phase(plan, code="prepare"):
    return plan.phases.get(code=code)


def add(world, plan, **values):
    values.setdefault("title", "Write the disclosure policy")
    values.setdefault("phase", phase(plan))
    return services.create_action(actor=world.manager, plan=plan, **values)


def url(world, rest=""):
    return f"/o/{world.org.slug}/plan/{rest}"


# --- the plan and its phases ------------------------------------------------------------


def test_starting_the_plan_creates_the_four_default_phases_once(world, login):
    client = login(world.manager)
    assert "Start the plan" in client.get(url(world)).content.decode()
    assert client.post(url(world, "start/")).status_code == 302
    client.post(url(world, "start/"))
    plan = world.org.implementation_plan
    assert [p.code for p in plan.phases.all()] == list(DefaultPhase.values)
    assert AuditEvent.objects.filter(action="planning.plan_created").count() == 1


@pytest.mark.parametrize("who", ["site_manager", "supervisor", "peer_a", "evaluator", "admin"])
def test_only_organization_wide_managers_start_the_plan(world, login, who):
    assert login(getattr(world, who)).post(url(world, "start/")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=getattr(world, who), organization=world.org)


def test_a_manager_adds_a_phase_and_duplicate_names_are_refused(world, login, plan):
    client = login(world.manager)
    client.post(url(world, "phases/new/"), {"custom_name": "Scale up"})
    assert plan.phases.last().name == "Scale up"
    page = client.post(url(world, "phases/new/"), {"custom_name": "scale up"}, follow=True)
    assert "already has a phase with this name" in page.content.decode()
    assert plan.phases.count() == 5


# --- actions ------------------------------------------------------------------------------


def action_data(world, plan, **kw):
    data = {
        "title": "Train crisis team supervisors",
        "phase": str(phase(plan, "recruit_train").pk),
        "scope": f"team:{world.team_a.pk}",
        "owner": str(world.supervisor.pk),
        "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "status": "not_started",
        "strategy": "educate_supervisors_on_peer_role",
        "factors": ["supervision_support", "role_clarity"],
        "description": "",
        "notes": "",
        "completion_evidence": "",
        "completed_on": "",
    }
    data.update(kw)
    return data


def test_manager_adds_an_action_by_hand_with_owner_scope_date_and_factors(world, login, plan):
    client = login(world.manager)
    response = client.post(url(world, "actions/new/"), action_data(world, plan))
    assert response.status_code == 302
    action = PlanAction.objects.get()
    assert (action.team, action.owner, action.status) == (
        world.team_a,
        world.supervisor,
        "not_started",
    )
    assert action.factors == ["supervision_support", "role_clarity"]
    change = PlanChange.objects.get(action=action)
    assert change.kind == "created" and change.changes["title"][1] == action.title
    event = AuditEvent.objects.get(action="planning.action_created")
    assert event.team_id == world.team_a.pk
    page = client.get(url(world, f"actions/{action.pk}/")).content.decode()
    assert "Train crisis team supervisors" in page and "Sam Supervisor" in page
    assert "Educate supervisors" in page or "supervisors" in page  # the linked strategy


def test_done_needs_evidence_of_completion_and_nothing_is_written_without_it(world, login, plan):
    client = login(world.manager)
    page = client.post(url(world, "actions/new/"), action_data(world, plan, status="done"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Nothing was saved" in text and "Evidence of completion" in text
    assert not PlanAction.objects.exists() and not PlanChange.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "  ", "This field is required"),
        ("due_on", "2026-02-31", "Enter a valid date"),
        ("owner", "999999", "Select a valid choice"),
        ("factors", ["not_a_factor"], "Select a valid choice"),
        ("scope", "team:999999", "Select a valid choice"),
    ],
)
def test_bad_input_names_the_field(world, login, plan, field, value, message):
    page = login(world.manager).post(
        url(world, "actions/new/"), action_data(world, plan, **{field: value})
    )
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not PlanAction.objects.exists()


def test_services_refuse_places_owners_and_factors_from_elsewhere(world, plan):
    from peerway.core.models import Team

    elsewhere = Team.objects.exclude(site__organization=world.org).first()
    with pytest.raises(ValidationError) as exc:
        add(world, plan, team=elsewhere)
    assert "team" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        add(world, plan, owner=world.outsider)
    assert "owner" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        add(world, plan, factors=["nope"])
    assert "factors" in exc.value.message_dict
    assert not PlanAction.objects.exists()


def test_every_change_is_kept_with_old_and_new_values(world, login, plan):
    action = add(world, plan, team=world.team_a, owner=world.supervisor)
    services.update_action(
        actor=world.manager,
        action=action,
        status=ActionStatus.IN_PROGRESS,
        notes="Draft circulated",
    )
    services.update_action(actor=world.manager, action=action, owner=world.peer_a)
    changes = list(selectors.history(plan, action=action))
    assert [c.kind for c in changes] == ["updated", "updated", "created"]
    assert changes[1].changes["status"] == ["not_started", "in_progress"]
    assert changes[0].changes["owner"][1]["name"] == "Pat Peer"
    audit = AuditEvent.objects.filter(action="planning.action_updated").order_by("sequence")
    assert [e.details["fields"] for e in audit] == [["notes", "status"], ["owner"]]
    assert "Draft circulated" not in str([e.details for e in audit])  # no free text in audit
    page = login(world.evaluator).get(url(world, "history/")).content.decode()
    assert "Not started → In progress" in page and "Pat Peer" in page


def test_saving_without_a_change_writes_nothing(world, plan):
    action = add(world, plan)
    before = PlanChange.objects.count(), AuditEvent.objects.count()
    services.update_action(actor=world.manager, action=action, title=action.title)
    assert (PlanChange.objects.count(), AuditEvent.objects.count()) == before


# --- who may change what ------------------------------------------------------------------


def test_the_owner_updates_progress_but_cannot_edit_the_action(world, login, plan):
    action = add(world, plan, team=world.team_a, owner=world.peer_a)
    client = login(world.peer_a)
    assert client.get(url(world, f"actions/{action.pk}/edit/")).status_code == 403
    response = client.post(
        url(world, f"actions/{action.pk}/progress/"),
        {"status": "done", "notes": "", "completion_evidence": "Policy signed", "completed_on": ""},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.completed_on == timezone.localdate()


def test_others_cannot_update_progress(world, login, plan):
    action = add(world, plan, team=world.team_a, owner=world.peer_a)
    data = {"status": "done", "completion_evidence": "x"}
    assert (
        login(world.peer_b).post(url(world, f"actions/{action.pk}/progress/"), data).status_code
        == 403
    )
    assert (
        login(world.evaluator).post(url(world, f"actions/{action.pk}/progress/"), data).status_code
        == 403
    )
    assert (
        login(world.outsider).post(url(world, f"actions/{action.pk}/progress/"), data).status_code
        == 404
    )
    action.refresh_from_db()
    assert action.status == "not_started"


def test_a_site_manager_edits_actions_at_their_site_only(world, login, plan):
    ours = add(world, plan, team=world.team_c)
    theirs = add(world, plan, team=world.team_a)
    whole = add(world, plan)
    client = login(world.site_manager)
    assert client.get(url(world, f"actions/{ours.pk}/edit/")).status_code == 200
    assert client.get(url(world, f"actions/{theirs.pk}/edit/")).status_code == 403
    assert client.get(url(world, f"actions/{whole.pk}/edit/")).status_code == 403
    assert client.get(url(world, "actions/new/")).status_code == 403
    with pytest.raises(ValidationError):  # cannot move it out of the site
        services.update_action(actor=world.site_manager, action=ours, team=world.team_a)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("supervisor", 200),
        ("peer_a", 200),
        ("evaluator", 200),
        ("site_manager", 200),
        ("clinician", 403),
        ("admin", 403),
        ("outsider", 404),
    ],
)
def test_who_reads_the_plan(world, login, plan, who, status):
    add(world, plan)
    assert login(getattr(world, who)).get(url(world)).status_code == status


@pytest.mark.parametrize("who", ["supervisor", "peer_a", "evaluator", "site_manager", "clinician"])
def test_only_organization_wide_managers_add_actions_and_milestones(world, login, plan, who):
    client = login(getattr(world, who))
    assert client.post(url(world, "actions/new/"), action_data(world, plan)).status_code == 403
    assert (
        client.post(
            url(world, "milestones/new/"), {"title": "x", "due_on": "2027-01-01"}
        ).status_code
        == 403
    )
    assert not PlanAction.objects.exists()


# --- progress, overdue, at risk -----------------------------------------------------------


def test_overdue_and_at_risk_follow_the_documented_rule(world, plan):
    today = timezone.localdate()
    late = add(world, plan, due_on=today - timedelta(days=1))
    soon = add(world, plan, due_on=today + timedelta(days=14))
    later = add(world, plan, due_on=today + timedelta(days=15))
    blocked = add(world, plan, due_on=today + timedelta(days=90), status=ActionStatus.BLOCKED)
    started = add(world, plan, due_on=today + timedelta(days=3), status=ActionStatus.IN_PROGRESS)
    done = add(
        world,
        plan,
        due_on=today - timedelta(days=9),
        status=ActionStatus.DONE,
        completion_evidence="Signed",
    )
    assert late.is_overdue(today) and not late.is_at_risk(today)
    assert soon.is_at_risk(today) and not later.is_at_risk(today)
    assert blocked.is_at_risk(today) and not started.is_at_risk(today)
    assert not done.is_overdue(today) and not done.is_at_risk(today)


def test_overview_shows_progress_by_phase_and_filters(world, login, plan):
    today = timezone.localdate()
    add(world, plan, title="Late one", due_on=today - timedelta(days=3))
    add(world, plan, title="Finished one", status=ActionStatus.DONE, completion_evidence="Done")
    add(world, plan, title="Dropped one", status=ActionStatus.CANCELLED)
    add(world, plan, title="Launch one", phase=phase(plan, "launch"), owner=world.peer_a)
    rows = {
        p.phase.code: p for p in selectors.progress_by_phase(plan, list(plan.actions.all()), today)
    }
    assert (rows["prepare"].total, rows["prepare"].done, rows["prepare"].cancelled) == (2, 1, 1)
    assert rows["prepare"].percent_done == 50 and rows["prepare"].overdue == 1
    assert rows["launch"].total == 1 and rows["sustain"].percent_done is None
    client = login(world.manager)
    page = client.get(url(world)).content.decode()
    assert "50 %" in page and "1 action overdue" in page
    overdue = client.get(url(world, "?view=overdue")).content.decode()
    assert "Late one" in overdue and "Finished one" not in overdue
    mine = login(world.peer_a).get(url(world, "?view=mine")).content.decode()
    assert "Launch one" in mine and "Late one" not in mine


def test_milestones_are_added_edited_and_flagged_when_overdue(world, login, plan):
    client = login(world.manager)
    past = (timezone.localdate() - timedelta(days=2)).isoformat()
    client.post(
        url(world, "milestones/new/"), {"title": "Peers hired", "phase": "", "due_on": past}
    )
    milestone = plan.milestones.get()
    assert "Overdue" in client.get(url(world)).content.decode()
    client.post(
        url(world, f"milestones/{milestone.pk}/"),
        {"title": "Peers hired", "phase": "", "due_on": past, "achieved_on": past},
    )
    milestone.refresh_from_db()
    assert milestone.achieved_on is not None and not milestone.is_overdue(timezone.localdate())
    assert PlanChange.objects.filter(milestone=milestone).count() == 2
    bad = client.post(url(world, "milestones/new/"), {"title": "No date", "due_on": ""})
    assert "Target date" in bad.content.decode() and plan.milestones.count() == 1


# --- exports ------------------------------------------------------------------------------


def test_csv_export_lists_every_action_and_neutralises_formulas(world, login, plan):
    add(world, plan, title='=HYPERLINK("http://x")', team=world.team_a)
    add(world, plan, title="Second", owner=world.peer_a)
    response = login(world.supervisor).get(url(world, "export.csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Phase", "Action"] and len(rows) == 3
    assert rows[1][1].startswith("'=")
    assert rows[2][5] == "Pat Peer"
    assert rows[0][-2:] == ["ERIC strategies", "CFIR 2.0 constructs"]
    assert AuditEvent.objects.filter(action="planning.plan_exported").exists()
    assert login(world.clinician).get(url(world, "export.csv")).status_code == 403


def test_csv_export_names_each_action_in_eric_and_cfir_terms(world, login, plan):
    add(world, plan, strategy="implementation_champions", factors=["role_clarity", "role_drift"])
    client = login(world.supervisor)
    rows = list(csv.reader(io.StringIO(client.get(url(world, "export.csv")).content.decode())))
    assert rows[1][-2] == "35. Identify and prepare champions"
    assert (
        rows[1][-1]
        == "III.A.3 Work Infrastructure; III.F Compatibility; V.H Reflecting & Evaluating"
    )
    client.post("/i18n/setlang/", {"language": "fr-ca"})
    french = list(csv.reader(io.StringIO(client.get(url(world, "export.csv")).content.decode())))
    assert french[0][-2:] == ["Stratégies ERIC", "Construits du CFIR 2.0"]
    assert french[1][-2] == "35. Repérer et préparer des champions"


def test_pdf_export_is_a_pdf_and_shows_the_gate_only_to_results_readers(world, login, plan):
    add(world, plan, title="Write the disclosure policy")
    response = login(world.manager).get(url(world, "export.pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    today = timezone.localdate()
    html = export.render_html(plan, lang="en", today=today, include_gate=True)
    assert "Write the disclosure policy" in html and "Readiness gate" in html
    assert "Readiness gate" not in export.render_html(plan, lang="en", today=today)
    assert login(world.peer_a).get(url(world, "export.pdf")).status_code == 200
    assert login(world.admin).get(url(world, "export.pdf")).status_code == 403
