"""Real servers the tests start on a free loopback port: SMTP (aiosmtpd), S3 (moto's server mode)
and a small OpenID Connect provider. Nothing is started by hand, in CI or on a laptop."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port nobody listens on now (the OS picks it; the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
