"""Loopback ports for tests, held for as long as they are used.

A port picked by binding port 0 and closing the socket is free only until
someone else binds it: another xdist worker's server, a child's ephemeral
port. A test that then starts a server there fails with "Address already in
use", and a test that expects a refused connection may reach a stranger. So
servers bind port 0 themselves and report what they got, and a refused port
stays bound (never listening) until the test is done.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["refused_port"]


@contextmanager
def refused_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A TCP port on `host` where connecting is refused, for the block: bound, not listening.

    Linux answers a SYN to a bound but not listening socket with a reset
    (ECONNREFUSED), and nobody else can bind the port while it is held.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        yield int(sock.getsockname()[1])
