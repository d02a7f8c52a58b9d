"""The plant's mail server, as the demo needs it: an SMTP sink on loopback that accepts
every message and keeps it, so the e-mailed tasks of an alert (SPEC 8.1, R2's
「临时工艺参数复核」) and the mailed report drops go out in the demo as in a plant.

aiosmtpd is the maintained SMTP server of the Python ecosystem (the successor of the
standard library's smtpd); a hand-written SMTP dialogue would be a second protocol to get
right. `GET /_sim/mail` lists what was received: sender, recipients and subject, never a
password (the sink asks for none).
"""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, box: MailSink) -> None:
        self._box = box

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self._box.keep(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        return "250 OK"


class MailSink:
    """An SMTP server on 127.0.0.1 that keeps every message it is given."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._controller: Controller | None = None
        self.port = 0

    def start(self) -> MailSink:
        if self._controller is None:
            self.port = _free_port()
            self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def keep(self, sender: str, recipients: list[str], content: bytes | None) -> None:
        parsed = message_from_bytes(content or b"", policy=policy.default)
        with self._lock:
            self._messages.append(
                {"from": sender, "to": recipients, "subject": str(parsed["subject"] or "")}
            )

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._messages)

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
