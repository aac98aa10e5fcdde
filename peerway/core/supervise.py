"""Run several long-lived commands as child processes and stop them together.

``peerway demo`` serves the web application and runs the background task worker (report
generation, survey result releases, hospital imports wait in its queue). Both run as
children of one supervisor:

- Ctrl+C, SIGTERM or SIGHUP to the supervisor stops every child (SIGTERM to each child's
  process group, SIGKILL after ``STOP_SECONDS``), then the supervisor exits;
- when one child exits on its own, the others are stopped too (a demo without its worker
  would leave tasks waiting for ever);
- on Linux each child also asks the kernel to send it SIGTERM when the supervisor dies,
  even if the supervisor is killed with SIGKILL and has no chance to clean up.

Each child runs in its own process group, so stopping it also stops anything it started
(a reloader's child, for example).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

STOP_SECONDS = 10.0
POLL_SECONDS = 0.2
# Linux prctl option: signal to deliver to this process when its parent dies.
_PR_SET_PDEATHSIG = 1
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class _Stop(Exception):  # noqa: N818 - a signal, not an error
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def django_command(*args: str) -> list[str]:
    """The command line that runs ``manage.py ARGS`` with this interpreter."""
    return [sys.executable, "-m", "django", *args]


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: the same settings and the same code as this process."""
    env = dict(os.environ if base is None else base)
    env.setdefault("DJANGO_SETTINGS_MODULE", "peerway.settings")
    paths = [str(PROJECT_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _die_with(parent: int):
    def prepare() -> None:  # runs in the child, between fork and exec
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the supervisor died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return prepare


class Supervisor:
    def __init__(self, commands: Mapping[str, Sequence[str]], *, env=None, out=None) -> None:
        if not commands:
            raise ValueError("Nothing to supervise.")
        self.commands = {name: list(argv) for name, argv in commands.items()}
        self.env = child_environment(env)
        self.out = out or sys.stdout
        self.children: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        for name, argv in self.commands.items():
            self.children[name] = subprocess.Popen(  # noqa: S603 - our own interpreter
                argv,
                env=self.env,
                process_group=0,
                preexec_fn=_die_with(os.getpid()) if sys.platform == "linux" else None,  # noqa: PLW1509
            )

    def wait(self) -> tuple[str, int]:
        """Block until one child exits; return its name and exit code."""
        while True:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    return name, code
            time.sleep(POLL_SECONDS)

    def _signal(self, child: subprocess.Popen, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signum)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop every child still running (and its process group); never leaves one behind."""
        for child in self.children.values():
            if child.poll() is None:
                self._signal(child, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children.values():
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(child, signal.SIGKILL)
                child.wait()
            # Anything the child started and left in its group goes too.
            self._signal(child, signal.SIGKILL)


def run(commands: Mapping[str, Sequence[str]], *, env=None, out=None) -> int:
    """Start the commands, wait until one exits or the supervisor is told to stop, then stop
    them all. Returns 0 when stopped by a signal, else the exit code of the child that ended
    first (named on ``out``)."""
    supervisor = Supervisor(commands, env=env, out=out)

    def on_signal(signum, frame):
        raise _Stop(signum)

    # SIGINT too: a process started with SIGINT ignored (by a shell's background job or a
    # test runner's worker) inherits that, and Python then installs no handler of its own,
    # so Ctrl+C or `kill -INT` would otherwise leave the demo running.
    handled = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]
    previous = {signum: signal.signal(signum, on_signal) for signum in handled}
    try:
        supervisor.start()
        name, code = supervisor.wait()
        supervisor.out.write(f"{name} exited with code {code}; stopping the others.\n")
        return code
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        # A second Ctrl+C while stopping must not leave children behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            supervisor.stop()
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
