"""No one is above the permission matrix: the superuser flag opens the system admin site
and grants nothing in Peerway. An administrator who is also a superuser reads no
supervision notes, downloads no evaluator's export, logs no supervision for others and
does not change the safety protocol (docs/permissions.md)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from rules.permissions import permissions as registered_permissions

from peerway.core.models import User
from peerway.research.models import DeidentifiedExport, ExportSource, ExportStatus
from peerway.workforce import selectors as workforce_selectors
from peerway.workforce import services as workforce_services

from ..conftest import make_user

NOTE = "Talked about a hard week and a boundary with a former neighbour"


def make_superuser(user: User) -> User:
    user.is_superuser = True
    user.is_staff = True
    user.save(update_fields=["is_superuser", "is_staff"])
    return User.objects.get(pk=user.pk)


@pytest.fixture
def records(world):
    """A supervision session about Pat (with a note) and an evaluator's export."""
    pat = workforce_selectors.load_worker(world.peer_a, world.org)
    workforce_services.update_employment(
        actor=world.manager,
        worker=pat,
        employment=workforce_services.Employment(
            fte=Decimal("0.8"), contract_type="term", supervisors=(world.supervisor,)
        ),
    )
    (session,) = workforce_services.log_supervision(
        actor=world.supervisor,
        workers=[workforce_selectors.load_worker(world.peer_a, world.org)],
        session=workforce_services.SessionInput(
            session_type="peer_practice",
            date=timezone.localdate() - timedelta(days=2),
            duration_minutes=60,
            topics=["boundaries"],
            notes=NOTE,
        ),
    )
    export = DeidentifiedExport.objects.create(
        organization=world.org,
        requested_by=world.evaluator,
        source=ExportSource.SCREEN,
        status=ExportStatus.COMPLETED,
        purpose="Programme evaluation",
        archive=b"not really a zip",
        archive_expires_at=timezone.now() + timedelta(days=3),
    )
    return session, export


def every_object():
    """A few rows of every Peerway model in the database, and no object at all."""
    objects = [None]
    for model in apps.get_models():
        if model.__module__.startswith("peerway."):
            objects.extend(model.objects.all()[:3])
    return objects


def answers(user, objects):
    """What the rules answer for this user: every registered permission, every object."""
    result = {}
    for perm in sorted(registered_permissions):
        for obj in objects:
            key = (perm, type(obj).__name__, getattr(obj, "pk", None))
            try:
                result[key] = user.has_perm(perm, obj)
            except Exception as error:  # a predicate that does not take this object
                result[key] = type(error).__name__
    return result


def test_the_superuser_flag_changes_no_answer_of_the_matrix(world, records):
    objects = every_object()
    assert len(objects) > 20
    for who in ("admin", "manager", "peer_a", "evaluator"):
        ordinary = User.objects.get(pk=getattr(world, who).pk)
        before = answers(ordinary, objects)
        after = answers(make_superuser(ordinary), objects)
        assert after == before, who


def test_a_superuser_without_a_role_may_open_only_their_own_home(world, records):
    nobody = make_superuser(make_user("root@northwind.test", "Root Account"))
    granted = {key for key, value in answers(nobody, every_object()).items() if value is True}
    assert {perm for perm, _type, _pk in granted} == {"core.view_home"}


def test_superuser_administrator_is_refused_what_the_role_is_refused(world, records, login):
    session, export = records
    admin = make_superuser(world.admin)
    client = login(admin)
    slug = world.org.slug
    # Supervision notes: the supervisor who wrote them and the worker only.
    page = client.get(reverse("workforce:supervision_session", args=[slug, session.pk]))
    assert page.status_code in (403, 404)
    assert NOTE.encode() not in page.content
    # An evaluator's export: only the evaluator who asked for it.
    download = client.get(reverse("research:download", args=[slug, export.pk]))
    assert download.status_code in (403, 404)
    # Logging supervision for someone else: the worker's supervisors only.
    log_url = reverse("workforce:log_supervision", args=[slug, world.peer_a.pk])
    assert client.get(log_url).status_code in (403, 404)
    # The safety protocol: organization-wide managers only.
    protocol = reverse("outcomes:protocol", args=[slug])
    assert client.get(protocol).status_code == 403
    assert client.post(protocol, {"safety_protocol": "changed"}).status_code == 403
    # What the administrator role does have still works.
    assert client.get(reverse("core:audit", args=[slug])).status_code == 200
    assert client.get(reverse("core:people", args=[slug])).status_code == 200


def test_the_writer_and_the_worker_still_read_the_note(world, records, login):
    session, _export = records
    url = reverse("workforce:supervision_session", args=[world.org.slug, session.pk])
    for user in (world.supervisor, world.peer_a):
        page = login(user).get(url)
        assert page.status_code == 200
        assert NOTE.encode() in page.content


def test_a_superuser_without_a_role_sees_nothing_of_the_organization(world, login):
    nobody = make_superuser(make_user("root@northwind.test", "Root Account"))
    client = login(nobody)
    assert client.get(reverse("core:home")).status_code == 200
    slug = world.org.slug
    for url in (
        reverse("core:structure", args=[slug]),
        reverse("core:people", args=[slug]),
        reverse("core:audit", args=[slug]),
        reverse("outcomes:protocol", args=[slug]),
        reverse("research:exports", args=[slug]),
    ):
        assert client.get(url).status_code in (403, 404), url


def test_group_and_user_permission_rows_grant_nothing(world):
    """Django's permission rows (groups, user permissions) are not a way around the rules."""
    from django.contrib.auth.models import Permission

    user = User.objects.get(pk=world.clinician.pk)
    user.user_permissions.set(Permission.objects.filter(codename="view_person"))
    user = User.objects.get(pk=world.clinician.pk)
    assert not user.has_perm("support.view_person")
    assert user.get_all_permissions() == set()


def test_no_peerway_code_asks_for_the_superuser_or_staff_flag():
    """Only the system admin site, the account model and the demo seeding may read or set
    the flags; a rule, selector, view or template that asked for them would put someone
    above the matrix again."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "peerway"
    allowed = {"core/system_admin.py", "core/models.py", "core/demo.py", "core/admin.py"}
    flag = re.compile(r"\bis_superuser\b|\.is_staff\b|\bis_staff\s*[=)]")
    offenders = [
        str(path.relative_to(root))
        for path in [*root.rglob("*.py"), *root.rglob("*.html")]
        if "migrations" not in path.parts
        and str(path.relative_to(root)) not in allowed
        and flag.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
