"""SQLite with Peerway's connection options: simultaneous writers wait for each other
instead of failing with "database is locked", and no read-modify-write is lost."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db.utils import ConnectionHandler

WRITERS = 2
ROUNDS = 25


def test_two_sqlite_writers_wait_for_each_other_and_lose_no_update(tmp_path, django_db_blocker):
    # A database of its own, in a file (as Peerway runs), outside the test database.
    with django_db_blocker.unblock():
        _race(tmp_path)


def _race(tmp_path):
    handler = ConnectionHandler(
        {
            "default": {"ENGINE": "django.db.backends.dummy"},
            "w": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "writers.sqlite3"),
                "OPTIONS": dict(settings.SQLITE_OPTIONS),
            },
        }
    )
    with handler["w"].cursor() as cursor:
        cursor.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    handler["w"].close()
    barrier = threading.Barrier(WRITERS)
    errors: list[Exception] = []

    def write():
        conn = handler["w"]  # one connection per thread
        try:
            barrier.wait(timeout=30)
            for _round in range(ROUNDS):
                # What ``transaction.atomic`` does on SQLite: BEGIN in the configured mode.
                conn.ensure_connection()
                conn._start_transaction_under_autocommit()
                with conn.cursor() as cursor:
                    cursor.execute("SELECT n FROM counter")
                    n = cursor.fetchone()[0]
                    cursor.execute("UPDATE counter SET n = %s", [n + 1])
                    cursor.execute("COMMIT")
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=write) for _i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with handler["w"].cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == WRITERS * ROUNDS
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    handler["w"].close()
