"""Run writers at the same moment, each in its own thread and database connection.

Each call is a "prepare" function run in its thread: it loads what a view would load (on
that thread's connection) and returns the write to run. All writes are released together
by a barrier. Use in tests marked ``django_db(transaction=True)``, so the writers see the
committed world and commit for real.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection


def need_two_connections() -> None:
    """The in-memory SQLite test database shares one cache between connections, whose
        table locks fail at once ("database table is locked") instead of waiting; file
        databases (what Peerway runs on) wait, see tests/core/test_sqlite_writers.py. The
        threaded races therefore run on PostgreSQL, and on SQLite with a file test database
    (``PEERWAY_TEST_SQLITE_FILE=path``)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a file or PostgreSQL test database")


def at_once(*calls):
    """Returns what each write returned or raised, in the order of ``calls``."""
    need_two_connections()
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, prepare):
        try:
            write = prepare()
            barrier.wait(timeout=30)
            results[i] = write()
        except Exception as exc:  # handed to the test, never swallowed
            results[i] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer never finished"
    return results
