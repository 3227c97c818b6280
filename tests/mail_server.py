"""A real SMTP server on a loopback port (aiosmtpd) that records every message it accepts.

    from tests.mail_server import mail_server  # noqa: F401  (in a conftest: the fixture)

    def test_something(mail_server):          # started, and this process's settings point at it
        ...
        assert mail_server.wait_for(2)        # True once two messages were accepted (timeout 10 s)
        [first, second] = mail_server.received  # Received(message_id, to, subject, body, at)

In a module of tests, ``with serving(monkeypatch) as server:`` (or a fixture of its own built on
it) does the same. ``MailServer`` can also be used on its own (``with MailServer() as server:``), stopped and started
again on the same port (``stop()``, ``start()``), told to answer every message with a failure
(``server.answer = "451 4.3.0 Try again later"``) or to take a while over each (``server.delay``),
and handed to a subprocess as environment variables (``server.env()``). Nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.live_server import free_port

HOST = "127.0.0.1"
SENDER = "hello@harbour.example"


@dataclass(frozen=True)
class Received:
    message_id: str
    to: tuple[str, ...]
    subject: str
    body: str
    at: float  # time.time() when the server said 250


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_DATA(self, _smtp: Any, _session: Any, envelope: Any) -> str:
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        if self.server.answer is not None:
            return self.server.answer
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        part = parsed.get_body(("plain",))
        body = part.get_content() if part is not None else ""
        with self.server._lock:
            self.server.received.append(Received(
                message_id=str(parsed["Message-ID"] or ""), to=tuple(envelope.rcpt_tos),
                subject=str(parsed["Subject"] or ""), body=body, at=time.time()))
        return "250 OK"


class MailServer:
    """An SMTP server on ``HOST``:``port`` (a free one unless given) that keeps what it accepts."""

    def __init__(self, port: int | None = None, *, delay: float = 0.0) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.delay = delay
        self.answer: str | None = None  # e.g. "451 4.3.0 Try again later" or "550 5.1.1 No such user"
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> MailServer:
        if self._controller is None:
            controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                    server_hostname="mail.test", ready_timeout=10)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment for a Mend process that should send here."""
        return {"MEND_SMTP_HOST": self.host, "MEND_SMTP_PORT": str(self.port), "MEND_SMTP_TLS": "none",
                "MEND_SMTP_USER": "", "MEND_MAIL_SENDER": SENDER}

    def message_ids(self) -> list[str]:
        with self._lock:
            return [r.message_id for r in self.received]

    def duplicates(self) -> dict[str, int]:
        """Message-IDs accepted more than once, with how often."""
        return {mid: n for mid, n in Counter(self.message_ids()).items() if n > 1}

    def wait_for(self, count: int, *, timeout: float = 10) -> bool:
        """Wait until at least ``count`` messages were accepted; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.05)  # polling interval
        return len(self.received) >= count


@contextmanager
def serving(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """A running ``MailServer`` that this process's settings send to (no TLS, no login) until the block ends."""
    from app.config import get_settings

    server = MailServer().start()
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", server.host)
    monkeypatch.setattr(settings, "smtp_port", server.port)
    monkeypatch.setattr(settings, "smtp_tls", "none")
    monkeypatch.setattr(settings, "smtp_user", "")
    monkeypatch.setattr(settings, "mail_sender", settings.mail_sender or SENDER)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServer]:
    """``serving`` for one test."""
    with serving(monkeypatch) as server:
        yield server
