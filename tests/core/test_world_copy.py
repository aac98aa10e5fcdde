"""The world a test gets from the copy is the world a build makes (tests/conftest.py).

Written against the database, not against the copy's code: every table's rows after a
build are compared with every table's rows after a copy is written back, with keys read as
the rows they point to, and each object the World hands out is compared with its row."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from tests.conftest import World, WorldCopy, build_world

pytestmark = pytest.mark.django_db


def every_row() -> dict[str, list[tuple]]:
    """Each table's rows, keys replaced by a description of the row they point to, the
    moment's timestamps and random epochs set aside (checked separately)."""

    def describe(model, pk, depth=0):
        row = model.objects.filter(pk=pk).values().first()
        if row is None:
            return ("missing", model._meta.label, pk)
        return tuple(
            (f.name, value_of(f, row[f.attname], depth + 1))
            for f in model._meta.concrete_fields
            if not f.primary_key
        )

    def value_of(field, value, depth):
        if value is None:
            return None
        if (field.many_to_one or field.one_to_one) and depth < 4:
            return describe(field.related_model, value, depth)
        if isinstance(value, datetime):
            return "a moment"
        if isinstance(value, uuid.UUID):
            return "a random value"
        return value

    out = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        rows = sorted(
            repr(describe(model, pk)) for pk in model.objects.values_list("pk", flat=True)
        )
        if rows:
            out[model._meta.label] = rows
    return out


def moments_and_epochs() -> tuple[list[datetime], list[uuid.UUID]]:
    moments, epochs = [], []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateTimeField):
                moments += [m for m in model.objects.values_list(f.attname, flat=True) if m]
            if isinstance(f, models.UUIDField):
                epochs += list(model.objects.values_list(f.attname, flat=True))
    return moments, epochs


def objects_of(world: World) -> dict[str, tuple]:
    return {
        name: (type(obj).__name__, str(obj), sorted(k for k in vars(obj) if k[0] != "_"))
        for name, obj in vars(world).items()
    }


def test_a_copy_written_back_is_the_world_a_build_makes():
    with transaction.atomic():
        before = WorldCopy.census()
        built = build_world()
        copy = WorldCopy.take(built, before)
        assert copy is not None, "the build changed something the copy cannot hold"
        expected = every_row()
        _, built_epochs = moments_and_epochs()
        built_objects = objects_of(built)
        transaction.set_rollback(True)

    assert WorldCopy.fits()
    start = timezone.now()
    restored = copy.restore()
    assert every_row() == expected
    moments, epochs = moments_and_epochs()
    # Timestamps are the moment the copy is written back, as a build's are.
    assert moments and all(start <= m <= timezone.now() + timedelta(seconds=1) for m in moments)
    # Fresh random epochs, never the build's (a cache must not take one world for another).
    assert epochs and not set(epochs) & set(built_epochs)
    # The objects handed out are the rows, with the same names and the same fields.
    assert objects_of(restored) == built_objects
    for name, obj in vars(restored).items():
        fresh = type(obj).objects.get(pk=obj.pk)
        for f in type(obj)._meta.concrete_fields:
            assert getattr(fresh, f.attname) == getattr(obj, f.attname), (name, f.name)
    # Each object already holds the parents it was made with, as after a build.
    assert restored.team_a.site.pk == restored.north.pk
    assert restored.north.organization.pk == restored.org.pk


def test_a_second_copy_can_follow_and_sign_in(client):
    """A copy written back after another was rolled back (as a test's rows are): its
    people sign in with the world's password and open their home page."""
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    from tests.conftest import PASSWORD

    with transaction.atomic():
        before = WorldCopy.census()
        copy = WorldCopy.take(build_world(), before)
        transaction.set_rollback(True)
    with transaction.atomic():
        copy.restore()
        transaction.set_rollback(True)
    world = copy.restore()
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, email=world.manager.email, password=PASSWORD) == world.manager
    client.force_login(world.manager)
    assert client.get("/").status_code == 200


def test_the_copy_is_not_used_when_the_database_already_has_people():
    from tests.conftest import make_user

    make_user("someone@else.test", "Someone Else")
    assert not WorldCopy.fits()


def test_the_world_fixture_gives_the_copy_after_the_first_build(world):
    from django.db import connection

    from tests.conftest import _WORLD_COPY

    assert connection.vendor in _WORLD_COPY
    assert world.manager.memberships.get().organization == world.org
