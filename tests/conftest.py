"""A small named world shared by the tests.

Northwind region: two sites (North, South); teams A and B at North, C at South.
People: a manager (whole region), a supervisor (North site), peer workers Pat (team A)
and Quinn (team B), a clinician (team A), an evaluator (region), an admin (region),
and an outsider from another organization.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from peerway.core.models import Membership, Organization, Site, Team, User
from peerway.core.roles import Role, TeamType

PASSWORD = "correct horse battery staple 42"


def current_totp(secret: str) -> str:
    """The authenticator's current six-digit code for ``secret``.

    The server accepts the code of the current 30-second period only: a code computed in
    a period's last second could reach it in the next one, so that second is waited out."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    left = 30 - time.time() % 30
    if left < 1:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and used two-factor codes live in the cache: never across tests.
    from django.core.cache import cache

    from peerway.indicators import cache as indicator_cache

    cache.clear()
    indicator_cache.clear()
    yield
    cache.clear()
    indicator_cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 stays the production hasher (tested separately); tests need speed.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@dataclass
class World:
    org: Organization
    other_org: Organization
    north: Site
    south: Site
    team_a: Team
    team_b: Team
    team_c: Team
    manager: User
    site_manager: User
    supervisor: User
    peer_a: User
    peer_b: User
    clinician: User
    evaluator: User
    admin: User
    outsider: User

    @property
    def users(self) -> list[User]:
        """Every account of the world, one of each kind (the outsider's organization is
        another), for tests that check a rule for every user."""
        return [
            self.manager,
            self.site_manager,
            self.supervisor,
            self.peer_a,
            self.peer_b,
            self.clinician,
            self.evaluator,
            self.admin,
            self.outsider,
        ]

    def with_mfa(self, user: User, secret: str = "JBSWY3DPEHPK3PXP") -> User:
        TOTP.activate(user, secret)
        return user


def make_user(email: str, name: str, **extra) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, display_name=name, **extra)


def grant(user, role, org, site=None, team=None) -> Membership:
    return Membership.objects.create(user=user, role=role, organization=org, site=site, team=team)


def place_peer_workers(
    org, team, n, *, start, left=0, ended_on=None, checked_in=0, checked_on=None
) -> list[User]:
    """``n`` peer workers placed on ``team``, employed (full time) from ``start``: the first
    ``left`` of them ended on ``ended_on``, the first ``checked_in`` did a wellbeing
    check-in on ``checked_on``."""
    from decimal import Decimal

    from peerway.workforce.models import WellbeingCheckIn, WorkerProfile

    users = []
    for i in range(n):
        user = make_user(f"w{team.pk}-{i}@{org.slug}.test", f"Worker {team.pk}-{i:02d}")
        grant(user, Role.PEER_WORKER, org, team=team)
        ended = i < left
        WorkerProfile.objects.create(
            organization=org,
            user=user,
            fte=Decimal("1.00"),
            start_date=start,
            end_date=ended_on if ended else None,
            status="ended" if ended else "active",
        )
        if i < checked_in:
            WellbeingCheckIn.objects.create(
                organization=org,
                worker=user,
                completed_on=checked_on,
                instrument_version="test",
                results="{}",
            )
        users.append(user)
    return users


@pytest.fixture
def world(db) -> World:
    """The Northwind world, in the test's database. Built by ``build_world`` the first time
    in a process; later tests get the same rows written back from a copy (see WorldCopy)."""
    from django.db import connection

    copy = _WORLD_COPY.get(connection.vendor)
    if copy is not None and copy.fits():
        return copy.restore()
    # (A build the copy cannot hold is remembered as None: every later test builds.)
    if connection.vendor not in _WORLD_COPY and WorldCopy.fits():
        before = WorldCopy.census()
        built = build_world()
        _WORLD_COPY[connection.vendor] = WorldCopy.take(built, before)
        return built
    return build_world()


def build_world() -> World:
    org = Organization.objects.create(name="Northwind Region", slug="northwind")
    other = Organization.objects.create(name="Elsewhere Health", slug="elsewhere")
    north = Site.objects.create(organization=org, name="North Hospital")
    south = Site.objects.create(organization=org, name="South Clinic")
    other_site = Site.objects.create(organization=other, name="Elsewhere Site")
    team_a = Team.objects.create(site=north, name="Team A", team_type=TeamType.INPATIENT)
    team_b = Team.objects.create(site=north, name="Team B", team_type=TeamType.CRISIS)
    team_c = Team.objects.create(site=south, name="Team C", team_type=TeamType.COMMUNITY)
    other_team = Team.objects.create(
        site=other_site, name="Elsewhere Team", team_type=TeamType.COMMUNITY
    )
    w = World(
        org=org,
        other_org=other,
        north=north,
        south=south,
        team_a=team_a,
        team_b=team_b,
        team_c=team_c,
        manager=make_user("manager@northwind.test", "Morgan Manager"),
        site_manager=make_user("sitemanager@northwind.test", "Sasha Site-Manager"),
        supervisor=make_user("supervisor@northwind.test", "Sam Supervisor"),
        peer_a=make_user("pat@northwind.test", "Pat Peer"),
        peer_b=make_user("quinn@northwind.test", "Quinn Peer"),
        clinician=make_user("clinician@northwind.test", "Casey Clinician"),
        evaluator=make_user("evaluator@northwind.test", "Eve Evaluator"),
        admin=make_user("admin@northwind.test", "Alex Admin", is_staff=True),
        outsider=make_user("outsider@elsewhere.test", "Olive Outsider"),
    )
    grant(w.manager, Role.MANAGER, org)
    grant(w.site_manager, Role.MANAGER, org, site=south)
    grant(w.supervisor, Role.SUPERVISOR, org, site=north)
    grant(w.peer_a, Role.PEER_WORKER, org, team=team_a)
    grant(w.peer_b, Role.PEER_WORKER, org, team=team_b)
    grant(w.clinician, Role.CLINICIAN, org, team=team_a)
    grant(w.evaluator, Role.EVALUATOR, org)
    grant(w.admin, Role.ADMIN, org)
    grant(w.outsider, Role.MANAGER, other, team=other_team)
    # The organization's MFA rule is tested on its own; most tests sign in without it.
    Organization.objects.update(mfa_required_roles=[])
    org.refresh_from_db()
    return w


# --- The world written back from a copy ------------------------------------------------------
#
# Building the world through the models makes 74 queries (each save raises a data version);
# about 1,400 tests ask for it, on each database. The first test of a process builds it and
# records the rows it made (every table, by primary key); later tests insert the same rows
# in one statement per table, with new keys, the moment's timestamps and new random epochs,
# as building them would. tests/core/test_world_copy.py holds the copy equal to a build.

_WORLD_COPY: dict[str, WorldCopy | None] = {}


def _regenerated(field) -> bool:
    """Fields a build fills with the moment or a fresh random value."""
    from django.db import models
    from django.utils import timezone

    if isinstance(field, models.DateTimeField):
        return bool(field.auto_now or field.auto_now_add or field.default is timezone.now)
    return isinstance(field, models.UUIDField) and callable(field.default)


class WorldCopy:
    """The rows ``build_world`` made, table by table, and where the World's objects are."""

    def __init__(self, tables, places) -> None:
        self.tables = tables  # [(model, [{attname: value}]), ...] parents before children
        self.places = places  # {World field: (model, row index)}

    @staticmethod
    def _models():
        from django.apps import apps

        return [
            m
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy
        ]

    @staticmethod
    def fits() -> bool:
        """The copy is what a build would make only in a database with no organization
        and no user yet (as a test that asks for nothing else before the world has)."""
        return not Organization.objects.exists() and not User.objects.exists()

    @classmethod
    def census(cls) -> dict:
        """Each table's row count and, where its keys are whole numbers, its top key."""
        from django.db.models import Count, Max

        found = {}
        for m in cls._models():
            if m._meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
                found[m] = m.objects.aggregate(n=Count("pk"), top=Max("pk"))
            else:
                found[m] = {"n": m.objects.count()}
        return found

    @classmethod
    def take(cls, world: World, before: dict) -> WorldCopy | None:
        """The copy of what the build made, or None when it changed a row it did not
        make, or a table without whole-number keys (then every test builds)."""
        after = cls.census()
        made = {}
        for model, counted in before.items():
            now = after[model]
            if now["n"] == counted["n"]:
                continue
            if "top" not in counted:  # keys that are not whole numbers: not copied
                return None
            rows = model.objects.filter(pk__gt=counted["top"] or 0).order_by("pk")
            if rows.count() != now["n"] - counted["n"]:
                return None
            made[model] = list(rows)
        order = cls._parents_first(list(made))
        tables = [
            (
                m,
                [
                    {f.attname: getattr(r, f.attname) for f in m._meta.concrete_fields}
                    for r in made[m]
                ],
            )
            for m in order
        ]
        places = {}
        for name in World.__dataclass_fields__:
            obj = getattr(world, name)
            rows = made.get(type(obj), [])
            index = next((i for i, r in enumerate(rows) if r.pk == obj.pk), None)
            if index is None:
                return None
            places[name] = (type(obj), index)
        return cls(tables, places)

    @staticmethod
    def _parents_first(models: list) -> list:
        ordered: list = []
        pending = list(models)
        while pending:
            for model in pending:
                parents = {
                    f.related_model
                    for f in model._meta.concrete_fields
                    if f.many_to_one or f.one_to_one
                }
                if not (parents & set(pending)) - {model}:
                    ordered.append(model)
                    pending.remove(model)
                    break
            else:
                raise RuntimeError(f"no order for the world's tables: {pending}")
        return ordered

    def restore(self) -> World:
        import copy

        from django.db import models
        from django.utils import timezone

        now = timezone.now()
        new_keys: dict = {}
        made: dict = {}
        for model, rows in self.tables:
            objs = []
            for values in rows:
                fresh = {}
                for f in model._meta.concrete_fields:
                    if f.primary_key:
                        continue
                    value = values[f.attname]
                    if _regenerated(f):
                        value = now if isinstance(f, models.DateTimeField) else f.get_default()
                    elif (f.many_to_one or f.one_to_one) and value is not None:
                        value = new_keys.get(f.related_model, {}).get(value, value)
                    else:
                        value = copy.deepcopy(value)
                    fresh[f.attname] = value
                objs.append(model(**fresh))
            model.objects.bulk_create(objs)
            key = model._meta.pk.attname
            new_keys[model] = {values[key]: obj.pk for values, obj in zip(rows, objs, strict=True)}
            made[model] = objs
        # As a build leaves them: each object holds the parents it was made with.
        for model, objs in made.items():
            for f in model._meta.concrete_fields:
                if not (f.many_to_one or f.one_to_one) or f.related_model not in made:
                    continue
                by_pk = {o.pk: o for o in made[f.related_model]}
                for obj in objs:
                    parent = by_pk.get(getattr(obj, f.attname))
                    if parent is not None:
                        f.set_cached_value(obj, parent)
        return World(**{name: made[model][i] for name, (model, i) in self.places.items()})


@pytest.fixture(autouse=True)
def _english_by_default():
    """Every test starts in the default language: a request or a test that switches to
    French must not leak into the next test run by the same worker."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _keep_the_test_connection(request, monkeypatch):
    """Commands run through ``peerway`` (Django's run_from_argv) close every database
    connection when they finish: in a test that drops the test's transaction on
    PostgreSQL. Browser tests keep the real behaviour (their server thread closes its own
    connections)."""
    if request.node.get_closest_marker("browser") is None:
        from django.db import connections

        monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.fixture
def login(client):
    """Sign a user in (a fresh object each time, so cached memberships never leak)."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


# --- The demo region, seeded once per worker ------------------------------------------
#
# Seeding the whole demo region takes seconds; the tests that only read it share one copy,
# committed in the worker's test database outside any test's transaction (a test's own
# writes still roll back). Those tests run after every other test of the worker (see
# pytest_collection_modifyitems), so no other test sees the demo's rows; if one would, the
# guard below empties the database first. A browser test's flush empties it too; the
# next reader then seeds it again.

# --- PostgreSQL: emptying the database between transactional tests ---------------------
#
# A test that commits (``transactional_db``, the live server of the browser tests) ends with
# Django's flush, which on PostgreSQL is one TRUNCATE of every table: about 0.5 s, as each
# of some 150 tables and their indexes gets a new file. DELETE of every row takes
# milliseconds instead when the foreign keys' triggers stay quiet (every table is emptied in
# the same transaction, so no key can be left dangling); only a superuser (CI's) may quiet
# them, and anyone else keeps Django's TRUNCATE, as does a flush that resets sequences.
# And a throwaway test database need not wait for each commit to reach the disk.


def is_postgresql_superuser(connection) -> bool:
    """Whether the test database's user may quiet triggers (remembered per connection)."""
    if "peerway_superuser" not in connection.__dict__:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            connection.__dict__["peerway_superuser"] = bool(cursor.fetchone()[0])
    return connection.__dict__["peerway_superuser"]


@pytest.fixture(scope="session", autouse=True)
def _quick_postgresql_flush():
    from django.db.backends.signals import connection_created

    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: nothing to change
        yield
        return
    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables or not is_postgresql_superuser(self.connection):
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Django runs these in one transaction (execute_sql_flush): SET LOCAL ends with it.
        return ["SET LOCAL session_replication_role = replica;"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
            for t in tables
        ]

    def no_commit_wait(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")

    DatabaseOperations.sql_flush = sql_flush
    connection_created.connect(no_commit_wait, dispatch_uid="peerway-tests-no-commit-wait")
    yield
    DatabaseOperations.sql_flush = truncate
    connection_created.disconnect(dispatch_uid="peerway-tests-no-commit-wait")


_DEMO: dict = {"region": None}
# The browser tests' copy of the demo, by test database name (tests/e2e/conftest.py): the
# same region as this one but for the demo export, which a reduced seed skips.
DEMO_COPIES: dict = {}


def _demo_present() -> bool:
    region = _DEMO["region"]
    return region is not None and Organization.objects.filter(pk=region.organization.pk).exists()


@pytest.fixture
def _demo_committed(django_db_setup, django_db_blocker):
    from django.db import connection
    from django.test import override_settings

    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, (
            "demo_region must come before db, world or client in the test's arguments: "
            "it seeds outside the test's transaction"
        )
        if not _demo_present():
            from peerway.core import demo

            immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
            hashers = [
                "django.contrib.auth.hashers.MD5PasswordHasher",
                "django.contrib.auth.hashers.Argon2PasswordHasher",
            ]
            with override_settings(TASKS=immediate, PASSWORD_HASHERS=hashers):
                # A browser test of this worker seeded the demo already: write its rows
                # back (a fraction of a second) and let the seed add what a reduced seed
                # skips (the demo export), as seeding the demo again does.
                copy = DEMO_COPIES.get(connection.settings_dict["NAME"])
                if copy is not None:
                    copy.restore(connection)
                _DEMO["region"] = demo.seed()


@pytest.fixture
def demo_region(_demo_committed, db):
    """The demo region (full scale) for tests that read it; writes roll back."""
    return _DEMO["region"]


@pytest.fixture(autouse=True)
def _no_demo_rows_elsewhere(request, django_db_blocker):
    """A test that did not ask for the demo never sees its rows (ordering keeps this from
    happening; if it does, the database is emptied as a browser test's flush would)."""
    if _DEMO["region"] is not None and "demo_region" not in request.fixturenames:
        from django.core.management import call_command

        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
        _DEMO["region"] = None


# --- Tests that do not depend on the database engine run once ----------------------------
#
# `make test` runs the suite on SQLite, then on PostgreSQL (scripts/run-tests.sh). A test
# that never opens the test database (the analysis and instrument engines, the disclosure
# attacker, the settings checks, the demo supervisor with its own SQLite file) computes the
# same thing on both passes, and so do the browser tests marked ``engine_independent``
# (layout, reflow and accessibility sweeps of pages whose every link is also opened on both
# engines by tests/core/test_navigation_links.py). The second pass skips them when
# PEERWAY_ENGINE_INDEPENDENT_RAN is set, which the script does only after the first pass
# ran them (decision 38). Run alone on PostgreSQL, the suite runs everything.

_DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "_django_db_helper",
        "live_server",
        "admin_user",
        "admin_client",
    }
)


def uses_the_database(item) -> bool:
    """Whether the test can reach the test database at all (pytest-django refuses any
    database access to a test without the marker or one of these fixtures)."""
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(_DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def runs_once(item) -> bool:
    return item.get_closest_marker("engine_independent") is not None or not uses_the_database(item)


def pytest_collection_modifyitems(config, items):
    """Tests that read the shared demo region run last on every worker, after the browser
    tests (whose flush would empty it). xdist's load scheduling keeps each worker's tests
    in this order."""
    if os.environ.get("PEERWAY_ENGINE_INDEPENDENT_RAN"):
        once = pytest.mark.skip(
            reason="does not depend on the database engine: ran in the first pass"
        )
        for item in items:
            if runs_once(item):
                item.add_marker(once)

    def rank(item) -> int:
        names = getattr(item, "fixturenames", ())
        if "demo_region" in names:
            return 2
        if item.get_closest_marker("browser") is not None:
            return 1
        return 0

    items.sort(key=rank)
