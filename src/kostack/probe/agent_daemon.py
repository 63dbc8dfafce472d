#!/usr/bin/env python3
"""kostack probe agent as a DaemonSet: an echo listener, and probe plans run on request.

One pod per node runs this, so a probe round needs no pod creation:

    python3 agent_daemon.py --token-file /etc/kostack-agent/token \
        [--echo-port 8080] [--control-port 8081] [--bind 0.0.0.0]

- echo port: what pod-to-pod, MTU and transfer probes from other nodes aim
  at (``GET /`` answers who we are, ``GET /bytes/N`` N bytes), as
  ``agent.py --serve`` does;
- control port: ``POST /v1/run`` with a plan (the JSON ``agent.py`` takes)
  and ``Authorization: Bearer <token>`` runs it here and answers the
  agent's output lines; ``GET /healthz`` answers 200 (the readiness probe).
  One plan at a time (429 while busy), plans of at most 1 MiB and 64 levels, and the
  plan's own limits (``agent.validate``: IP addresses only, at most
  ``MAX_PROBES`` probes); without the token nothing runs (401).

Once listening it prints one JSON line on stdout with the ports it bound
(``{"agent": ..., "echo": PORT, "control": PORT}``; a port of 0 takes any
free one). Standard library only, Python 3.8 or newer, like ``agent.py`` beside it.
"""

from __future__ import annotations

import hmac
import json
import os
import signal
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

try:  # installed as part of kostack (the image runs `python3 -m kostack.probe.agent_daemon`)
    from kostack.probe import agent
except ImportError:  # run by path next to agent.py (python3 -I does not add the script's dir)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import agent  # type: ignore[no-redef]

MAX_BODY = 1024 * 1024
MAX_DEPTH = 64  # a plan nests 4 levels deep; the parser would recurse once per level
USAGE = "usage: agent_daemon.py --token-file FILE [--echo-port 8080] [--control-port 8081] [--bind ADDR]\n"


class Daemon:
    """The control side: token check, one run at a time."""

    def __init__(self, token: str) -> None:
        self.token = token.strip()
        self.busy = threading.Lock()
        self.runs = 0

    def authorized(self, header: str) -> bool:
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), self.token)

    def run(self, body: bytes) -> tuple[int, str]:
        """(HTTP status, the agent's output lines) for one plan."""
        try:
            text = body.decode("utf-8")
            if _nests_deeper(text, MAX_DEPTH):  # refused before the parser recurses that deep
                return 400, _summary_error("the plan is not JSON: it nests too deeply")
            plan = json.loads(text)
        except ValueError as exc:
            return 400, _summary_error(f"the plan is not JSON: {exc}")
        except RecursionError:  # nested past the parser's limit (a token holder's mistake)
            return 400, _summary_error("the plan is not JSON: it nests too deeply")
        if not self.busy.acquire(blocking=False):
            return 429, _summary_error("busy: another plan is running on this agent")
        lines: list[str] = []
        try:
            agent.run_plan(plan, lambda record: lines.append(json.dumps(record, sort_keys=True)))
        except agent.PlanError as exc:
            return 400, _summary_error(str(exc))
        finally:
            self.busy.release()
        self.runs += 1
        return 200, "\n".join(lines) + "\n"


def _nests_deeper(text: str, limit: int) -> bool:
    """Whether JSON ``text`` opens more than ``limit`` arrays or objects inside each other (one
    pass; brackets inside strings do not count). json.loads would recurse once per level: near
    the interpreter's limit the RecursionError could also strike a finalizer run by the garbage
    collector in between, which no ``except`` here catches."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _summary_error(message: str) -> str:
    record: dict[str, Any] = {
        "agent": agent.AGENT,
        "version": agent.AGENT_VERSION,
        "done": True,
        "error": message,
        "probes": 0,
    }
    return json.dumps(record, sort_keys=True) + "\n"


def control_handler(daemon: Daemon) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 30
        server_version = "kostack-probe-agent"
        sys_version = ""

        def _answer(self, status: int, text: str) -> None:
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] == "/healthz":
                self._answer(200, "ok\n")
            else:
                self._answer(404, "not found\n")

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != "/v1/run":
                self._answer(404, "not found\n")
                return
            if not daemon.authorized(self.headers.get("Authorization", "")):
                self._answer(401, _summary_error("unauthorized: the token does not match"))
                return
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                length = -1
            if not 0 < length <= MAX_BODY:
                # Read (and drop) a modestly oversized body first: answering while the client
                # is still sending resets the connection and the client never sees the 413.
                if MAX_BODY < length <= 16 * MAX_BODY:
                    _discard(self.rfile, length)
                self.close_connection = True
                self._answer(413, _summary_error(f"the plan must be 1 to {MAX_BODY} bytes"))
                return
            status, text = daemon.run(self.rfile.read(length))
            self._answer(status, text)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def _discard(stream: Any, length: int) -> None:
    while length > 0:
        chunk = stream.read(min(length, 65536))
        if not chunk:
            return
        length -= len(chunk)


class _EchoHandler(socketserver.StreamRequestHandler):
    timeout = 30

    def handle(self) -> None:
        agent._echo_reply(self.rfile, self.wfile)


class _Echo(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


class _Control(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve(token: str, bind: str, echo_port: int, control_port: int) -> tuple[Any, Any, Daemon]:
    """Start both listeners in background threads; returns (echo, control, daemon)."""
    daemon = Daemon(token)
    echo = _Echo((bind, echo_port), _EchoHandler)
    control = _Control((bind, control_port), control_handler(daemon))
    for server in (echo, control):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return echo, control, daemon


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    options = {
        "--echo-port": "8080",
        "--control-port": "8081",
        "--bind": "0.0.0.0",
        "--token-file": "",
    }
    while args:
        flag = args.pop(0)
        if flag in ("-h", "--help"):
            sys.stdout.write((__doc__ or "") + USAGE)
            return 0
        if flag not in options or not args:
            sys.stderr.write(USAGE)
            return 2
        options[flag] = args.pop(0)
    if not options["--token-file"]:
        sys.stderr.write(
            "error: --token-file is required (plans run only with the token)\n" + USAGE
        )
        return 2
    try:
        with open(options["--token-file"], encoding="utf-8") as stream:
            token = stream.read().strip()
    except OSError as exc:
        sys.stderr.write(f"error: cannot read the token file {options['--token-file']}: {exc}\n")
        return 2
    if len(token) < 16:
        sys.stderr.write("error: the token must have at least 16 characters\n")
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    echo, control, _ = serve(
        token, options["--bind"], int(options["--echo-port"]), int(options["--control-port"])
    )
    print(
        json.dumps(
            {
                "agent": agent.AGENT,
                "echo": echo.server_address[1],  # the bound ports (0: any free one)
                "control": control.server_address[1],
            }
        ),
        flush=True,
    )
    while not stop.wait(1.0):
        pass
    for server in (echo, control):
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
