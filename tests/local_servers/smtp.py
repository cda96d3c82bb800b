"""A real SMTP server on localhost (aiosmtpd), which can drop the connection in mid-session.

`SmtpServer.drop_after = n` makes it cut the TCP connection (no reply) when a session reaches
its (n+1)th message, as a server that restarts or a proxy that times out does: the n messages
before were accepted, the one in flight was not.
"""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from . import free_port


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    drop_after: int | None = None
    received: list[Received] = field(default_factory=list)
    sessions: int = 0
    drops: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # aiosmtpd calls these on its own event loop thread.
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.sessions += 1
        session.accepted = 0
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        accepted = getattr(session, "accepted", 0)
        if self.drop_after is not None and accepted >= self.drop_after:
            with self._lock:
                self.drops += 1
            server.transport.abort()  # the connection is gone, mid-transaction
            return "421 unreachable"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(list(envelope.rcpt_tos), message))
        session.accepted = accepted + 1
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        with self._lock:
            return [item.subject for item in self.received]


class RunningSmtp:
    def __init__(self) -> None:
        self.server = SmtpServer()
        self.server.port = free_port()
        self.controller = Controller(self.server, hostname="127.0.0.1", port=self.server.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self.server

    def __exit__(self, *exc) -> None:
        self.controller.stop()
