"""A small MLLP (Minimal Lower Layer Protocol) listener for HL7 v2 messages.

Each message arrives framed as 0x0B <message> 0x1C 0x0D and is answered, on the same
connection, with its ACK framed the same way, one message at a time. Each connection is
served by a thread of its own with its own database connection.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable

START, END = b"\x0b", b"\x1c\x0d"
# A message larger than this is not an ADT message: the connection is closed.
MAX_MESSAGE_BYTES = 1 << 20
POLL_SECONDS = 0.25

logger = logging.getLogger(__name__)


def frame(message: bytes) -> bytes:
    return START + message + END


def frames(buffer: bytearray) -> list[bytes]:
    """Take every complete framed message out of ``buffer`` (bytes before a start byte
    are line noise and dropped); an incomplete one stays for the next read."""
    found = []
    while True:
        start = buffer.find(START)
        if start < 0:
            buffer.clear()
            return found
        end = buffer.find(END, start + 1)
        if end < 0:
            del buffer[:start]
            return found
        found.append(bytes(buffer[start + 1 : end]))
        del buffer[: end + len(END)]


class _Connection(socketserver.BaseRequestHandler):
    server: MLLPServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(POLL_SECONDS)
        buffer = bytearray()
        idle = 0.0
        while not self.server.stopping.is_set():
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                idle += POLL_SECONDS
                if idle >= self.server.idle_timeout:
                    return
                continue
            except OSError:
                return
            if not chunk:
                return
            idle = 0.0
            buffer += chunk
            for message in frames(buffer):
                sock.sendall(frame(self.server.respond(message)))
            if len(buffer) > MAX_MESSAGE_BYTES:
                logger.warning("MLLP message over %d bytes: connection closed", MAX_MESSAGE_BYTES)
                return

    def finish(self) -> None:
        self.server.connection_closed()


class MLLPServer(socketserver.ThreadingTCPServer):
    """``respond(message bytes) -> ACK bytes`` is called for each framed message.

    ``shutdown()`` then ``server_close()`` stop it cleanly: open connections notice within
    ``POLL_SECONDS`` and their threads are joined.
    """

    allow_reuse_address = True
    daemon_threads = False
    block_on_close = True

    def __init__(
        self,
        address: tuple[str, int],
        respond: Callable[[bytes], bytes],
        *,
        idle_timeout: float = 600.0,
        on_connection_closed: Callable[[], None] | None = None,
    ):
        self.respond = respond
        self.idle_timeout = idle_timeout
        self.stopping = threading.Event()
        self._on_closed = on_connection_closed
        super().__init__(address, _Connection)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def connection_closed(self) -> None:
        if self._on_closed is not None:
            self._on_closed()

    def shutdown(self) -> None:
        self.stopping.set()
        super().shutdown()


def send(host: str, port: int, messages: list[bytes], timeout: float = 10.0) -> list[bytes]:
    """Send messages over one connection, one at a time, and return their ACKs."""
    acks = []
    with socket.create_connection((host, port), timeout=timeout) as sock:
        buffer = bytearray()
        for message in messages:
            sock.sendall(frame(message))
            while True:
                found = frames(buffer)
                if found:
                    acks.extend(found)
                    break
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("the listener closed the connection")
                buffer += chunk
    return acks
