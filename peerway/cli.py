"""The ``peerway`` command: a thin wrapper over Peerway's management commands.

``peerway audit verify`` runs ``manage.py audit verify``; ``peerway seed-demo`` runs
``manage.py seed_demo``; and so on. ``peerway --help`` lists them.
"""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "demo-code": ("demo_code", "Print the current two-factor code of a demo account."),
    "demo": (
        "demo",
        "Migrate, seed the demo region if the database is empty, and serve it with the task "
        "worker.",
    ),
    "seed-demo": ("seed_demo", "Build the fictional demo region (kept if it already exists)."),
    "audit": (
        "audit",
        "audit verify [--checkpoints DIR] | checkpoint [--out DIR] | public-key | keygen"
        " | export --since DATE [--out FILE]",
    ),
    "migrate": ("migrate", "Apply database migrations."),
    "check": ("check", "Check the configuration (add --deploy for production)."),
    "createsuperuser": ("createsuperuser", "Create a system administrator account."),
    "instruments": ("instruments", "instruments list | instruments load FILE"),
    "score": ("score", "Score answers: score CODE --answers JSON (JSON out)."),
    "match": ("match", "Solve a batch of referrals offline: match --input FILE.json."),
    "worker": (
        "worker",
        "Run background tasks from the database queue (report engine loaded first).",
    ),
    "drift-alerts": (
        "raise_drift_alerts",
        "Alert supervisors to workers whose drift crossed the role definition's threshold.",
    ),
    "training-reminders": (
        "training_reminders",
        "Queue reminders for training and certifications about to expire.",
    ),
    "safety-escalations": (
        "safety_escalations",
        "Escalate safety tasks not acknowledged by their deadline (run every 5 minutes).",
    ),
    "release-results": (
        "release_results",
        "Decide and store which results of closed survey waves are published (run daily).",
    ),
    "rebuild-contact-rollups": (
        "rebuild_contact_rollups",
        "Rebuild the daily and monthly contact rollups from raw contacts.",
    ),
    "import": ("import_", "import KIND FILE.csv (KIND: hospital-events)"),
    "hl7": (
        "hl7",
        "hl7 listen [--host H] [--port P] | hl7 import FILE (hospital events, HL7 v2 ADT)",
    ),
    "report": ("report", "Leadership report as PDF: report --period 2026Q3 --pdf FILE."),
    "export": ("export_", "export deidentified --out DIR --purpose TEXT"),
    "synth": ("synth", "Create a synthetic organization: synth --people N --contacts M."),
    "backup": ("backup", "backup --out FILE | backup verify FILE (database backup)."),
    "restore": ("restore", "restore FILE [--force]: restore a backup, then verify it."),
}
EXTRA_COMMANDS: dict[str, tuple[str, str]] = {}


def _usage() -> str:
    lines = ["usage: peerway COMMAND [ARGS...]", "", "Commands:"]
    for name, (_target, help_text) in sorted({**COMMANDS, **EXTRA_COMMANDS}.items()):
        lines.append(f"  {name:<16} {help_text}")
    lines.append("")
    lines.append("Run 'peerway COMMAND --help' for a command's options.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    table = {**COMMANDS, **EXTRA_COMMANDS}
    if name not in table:
        print(f"peerway: unknown command {name!r}\n", file=sys.stderr)
        print(_usage(), file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    target = table[name][0]
    if name == "import":
        # "peerway import hospital-events FILE" runs "manage.py import_hospital_events FILE".
        if not rest or rest[0].startswith("-"):
            print("usage: peerway import KIND FILE.csv (KIND: hospital-events)", file=sys.stderr)
            return 2
        target, rest = "import_" + rest[0].replace("-", "_"), rest[1:]
    if name == "export":
        # "peerway export deidentified ..." runs "manage.py export_deidentified ...".
        if not rest or rest[0].startswith("-"):
            print("usage: peerway export deidentified --out DIR --purpose TEXT", file=sys.stderr)
            return 2
        target, rest = "export_" + rest[0].replace("-", "_"), rest[1:]
    try:
        execute_from_command_line(["peerway", target, *rest])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
