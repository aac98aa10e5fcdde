#!/usr/bin/env bash
# Run the suite on SQLite, then on PostgreSQL when one is named by DATABASE_URL or answers
# on 127.0.0.1:5432. Each PostgreSQL run uses a throwaway database (created and dropped by
# pytest-django). A run that collects no tests (pytest exit 5) is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

run() {
  local label=$1; shift
  echo "== tests on $label =="
  "$@"
  local rc=$?
  if [ $rc -eq 5 ]; then echo "No tests were collected on $label: failing." >&2; return 1; fi
  return $rc
}

pg_url=""
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  pg_url=$DATABASE_URL
elif $BIN/python - <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PY
then
  pg_url="postgres://postgres@127.0.0.1:5432/peerway_run_$$"
fi

# The suite runs in many processes (two workers per pass, two passes, and the commands some
# tests start): each would compile the project's modules and pytest's rewritten test modules
# again (about 15 s of a worker's start) if bytecode were not written once and reused.
unset PYTHONDONTWRITEBYTECODE

# Tests run in parallel workers (pytest-xdist; each worker has its own test database).
# PYTEST_WORKERS=0 runs them in one process.
workers=(-n "${PYTEST_WORKERS:-2}")
[ "${PYTEST_WORKERS:-2}" = "0" ] && workers=()

status=0
DATABASE_URL="sqlite:///:memory:" run "SQLite" $BIN/pytest -q "${workers[@]}" "$@" || status=1
if [ -n "$pg_url" ]; then
  # What does not depend on the database engine ran in the SQLite pass: not again
  # (tests/conftest.py, runs_once; decision 38).
  DATABASE_URL="$pg_url" PEERWAY_ENGINE_INDEPENDENT_RAN=1 \
    run "PostgreSQL" $BIN/pytest -q "${workers[@]}" "$@" || status=1
  # pytest-django drops its test databases, unless a connection a test left open kept it
  # from doing so: drop this run's leftovers (never another run's).
  name=${pg_url##*/}
  DATABASE_URL="$pg_url" $BIN/python - "$name" <<'PY' || true
import os, sys
import psycopg
base = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
with psycopg.connect(base, autocommit=True) as conn:
    rows = conn.execute(
        "SELECT datname FROM pg_database WHERE datname ~ %s",
        (f"^test_{sys.argv[1]}(_gw[0-9]+)?$",),
    ).fetchall()
    for (db,) in rows:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        print(f"Dropped the leftover test database {db}")
PY
else
  echo "== PostgreSQL not reachable: skipped (set DATABASE_URL to run it) =="
fi
exit $status
