"""A slow `helm` for Ctrl-C tests: the fake helm (helm_fake.py), one command of which waits.

With ``KOSTACK_SLOW_HELM_SOCKET`` set (a Unix socket the test listens on), the
command named by ``KOSTACK_SLOW_HELM_COMMAND`` (default ``uninstall``) first
connects and says ``started PID PGID SID``, then waits for the test's ``go``
line, does what the fake helm does, and says ``done CODE`` before it exits.
The test synchronises on those lines, never on time. SIGINT keeps Python's
default (KeyboardInterrupt): a Ctrl-C that reaches this helm kills it mid-step,
as it would cut a real helm, and no ``done`` line comes.

Every other command, or without the socket, is the fake helm as it is.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence

from kostack_testkit import helm_fake

SOCKET_VAR = "KOSTACK_SLOW_HELM_SOCKET"
COMMAND_VAR = "KOSTACK_SLOW_HELM_COMMAND"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    where = os.environ.get(SOCKET_VAR)
    if not where or not args or args[0] != os.environ.get(COMMAND_VAR, "uninstall"):
        return helm_fake.main(args)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(where)
        stream = sock.makefile("rw", encoding="utf-8", newline="\n")
        stream.write(f"started {os.getpid()} {os.getpgid(0)} {os.getsid(0)}\n")
        stream.flush()
        if stream.readline().strip() != "go":
            return 1
        code = helm_fake.main(args)
        stream.write(f"done {code}\n")
        stream.flush()
    return code


def script(python: str) -> str:
    """The text of a `helm` executable that is this slow fake, run by ``python``."""
    return f"#!{python}\nimport sys\nfrom kostack_testkit.helm_slow import main\nsys.exit(main())\n"


if __name__ == "__main__":
    sys.exit(main())
