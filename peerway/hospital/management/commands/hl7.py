"""``peerway hl7 listen`` and ``peerway hl7 import FILE``: hospital events from HL7 v2 ADT
messages (docs/hospital-events.md, "HL7 v2 feed").

``listen`` answers each MLLP-framed message with its ACK until stopped (Ctrl-C or
SIGTERM); ``import`` reads a file of messages and prints one line per message, exiting
with code 1 if any was refused.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections

from peerway.core.models import Organization
from peerway.hospital import hl7_adt, hl7_feed
from peerway.hospital.mllp import MLLPServer


def describe(number: int, outcome: hl7_feed.Outcome) -> str:
    control = outcome.control_id or "(none)"
    kind = outcome.message_type or "?"
    resent = " (resent: same ACK)" if outcome.resent else ""
    return f"message {number} {kind} {control}: {outcome.code}{resent} {outcome.text}"


class Command(BaseCommand):
    help = "Receive hospital events as HL7 v2 ADT messages: listen (MLLP) or import FILE."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listen = sub.add_parser("listen", help="Listen for MLLP connections.")
        listen.add_argument("--host", default="127.0.0.1", help="Address (default 127.0.0.1).")
        listen.add_argument("--port", type=int, default=2575, help="Port (default 2575).")
        listen.add_argument(
            "--idle-timeout",
            type=float,
            default=600.0,
            help="Close a connection silent for this many seconds (default 600).",
        )
        imp = sub.add_parser("import", help="Import a file of messages.")
        imp.add_argument("file", help="HL7 v2 messages, segments on separate lines or CRs.")
        for p in (listen, imp):
            p.add_argument(
                "--organization",
                metavar="SLUG",
                help="Organization the people belong to (needed when there are several).",
            )
            p.add_argument(
                "--accept-facility",
                metavar="CODE",
                action="append",
                default=[],
                help="Take only messages from this sending facility (MSH-4); repeatable.",
            )

    def handle(self, *args, action, organization=None, accept_facility=(), **options):
        org = self._organization(organization)
        if action == "import":
            return self._import(org, options["file"], accept_facility)
        return self._listen(org, options, accept_facility)

    def _import(self, org, path, accept):
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        outcomes = hl7_feed.import_messages(data, organization=org, accept_facilities=accept)
        if not outcomes:
            raise CommandError(f"No HL7 message (MSH segment) in {path}.")
        refused = 0
        for number, outcome in enumerate(outcomes, start=1):
            line = describe(number, outcome)
            if outcome.code == "AA":
                self.stdout.write(line)
            else:
                refused += 1
                self.stderr.write(line)
        if refused:
            raise CommandError(f"{refused} of {len(outcomes)} message(s) refused.")

    def _listen(self, org, options, accept):
        def respond(raw: bytes) -> bytes:
            close_old_connections()
            outcome = hl7_feed.answer(raw, organization=org, accept_facilities=accept)
            self.stdout.write(describe(0, outcome).replace("message 0 ", "", 1))
            return outcome.ack_bytes(hl7_adt.header_of(raw).charset)

        try:
            server = MLLPServer(
                (options["host"], options["port"]),
                respond,
                idle_timeout=options["idle_timeout"],
                on_connection_closed=connections.close_all,
            )
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc.strerror}"
            ) from exc
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5})
        thread.start()
        host, port = server.server_address[:2]
        self.stdout.write(f"Listening for HL7 v2 (MLLP) on {host}:{port} for {org.slug}.")
        self.stdout.flush()
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
        self.stdout.write("Stopped.")

    def _organization(self, slug: str | None) -> Organization:
        if slug:
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"No organization with the slug {slug!r}.")
            return org
        orgs = list(Organization.objects.all()[:2])
        if len(orgs) != 1:
            raise CommandError("Name the organization with --organization SLUG.")
        return orgs[0]
