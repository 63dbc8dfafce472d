#!/usr/bin/env python3
"""kostack probe agent: run a plan of network probes from inside a pod and print what each saw.

Standard library only, Python 3.8 or newer, so it runs in any image that has
python3 (the image is the operator's choice; air-gapped registries included).
kostack hands it a plan and reads its output; it needs no kostack installation,
no credentials and no Kubernetes API access. It is this file and its siblings
``agent_base.py``, ``agent_dns.py``, ``agent_tcp.py`` and ``agent_icmp.py``
(one module per probe kind), shipped together in one folder
(`kostack.probe.results.AGENT_FILES`); this file puts that folder on sys.path.

    python3 agent.py '<json plan>'          run the plan
    python3 agent.py --plan-file FILE       the same, plan read from FILE ("-" = stdin)
    python3 agent.py --serve PORT [--serve-seconds S]
                                            HTTP echo for pod-to-pod and MTU probes

A plan is ``{"version": 1, "timeout": 2.0, "parallel": true, "probes": [...]}``;
each probe has ``id``, ``kind`` and ``host`` (an IP address: the agent never
resolves names and never sends to anything that is not in its plan) and, by
kind:

- ``dns``: ``port`` (53), ``transport`` udp|tcp, ``name``, ``record`` A|AAAA
  (A), ``expect`` (an address the answer must hold). A hand-built query; no
  resolver involved.
- ``tcp``: ``port``. TCP connect.
- ``tls``: ``port``. TLS handshake, then ``GET /version``: a handshake or
  certificate error, or HTTP 401/403, proves the path works ("reachable").
- ``http``: ``port``, ``path``. Any HTTP status line proves the path works.
- ``transfer``: ``port``, ``sizes`` (bytes). ``GET /bytes/N`` from a peer
  echo server; a transfer that stalls is the classic MTU symptom.
- ``icmp``: echo request, ICMP or ICMPv6 by the host's family (raw socket,
  else an unprivileged datagram socket, else "skipped: no raw socket").
  ``virtual: true`` marks a ClusterIP: not judged, whatever comes back (it
  depends on the proxy mode).
- ``mtu``: ``sizes`` (IP packet sizes), ``expect``: unfragmented echo requests
  of each size (IPv4: the DF bit, IP_MTU_DISCOVER = IP_PMTUDISC_DO; IPv6 has
  no DF bit, routers never fragment: IPV6_MTU_DISCOVER = IPV6_PMTUDISC_DO keeps
  the sender from fragmenting too); reports the largest that passed.

``tcp``, ``http`` and ``transfer`` take ``answered_ok``: a refused connection
then proves the path is open (the target answered). Every probe has its own
``timeout`` (default: the plan's) and all probes run at once in threads unless
``parallel`` is false. Output: one JSON line per probe as it finishes
(``id, kind, target, family, verdict, detail, elapsed_ms, extra``; family 4
or 6, the target's; verdict pass,
fail, error, expected-no-reply or skipped), then one summary line
(``{"agent": "kostack-probe", "done": true, ...}``).
"""

import ipaddress
import json
import os
import socket
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING or __package__:  # part of kostack (tests, the DaemonSet image)
    from kostack.probe import agent_base as base
    from kostack.probe import agent_dns, agent_icmp, agent_tcp
else:  # run by path (python3 -I does not put the script's folder on sys.path)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import agent_base as base
    import agent_dns
    import agent_icmp
    import agent_tcp

# what callers read from here (agent_daemon, the probe runner, the tests)
AGENT, AGENT_VERSION, PlanError = base.AGENT, base.AGENT_VERSION, base.PlanError
dns_answer, dns_query = agent_dns.dns_answer, agent_dns.dns_query

__all__ = [
    "AGENT",
    "AGENT_VERSION",
    "KINDS",
    "MAX_PROBES",
    "VERDICTS",
    "PlanError",
    "dns_answer",
    "dns_query",
    "main",
    "run_one",
    "run_plan",
    "serve",
    "validate",
]

MAX_PROBES = 2000
KINDS = ("dns", "tcp", "tls", "http", "transfer", "icmp", "mtu")
VERDICTS = ("pass", "fail", "error", "expected-no-reply", "skipped")


PROBES: dict[str, Callable[[dict[str, Any], float], base.Outcome]] = {
    "dns": agent_dns.probe_dns,
    "tcp": agent_tcp.probe_tcp,
    "tls": agent_tcp.probe_tls,
    "http": agent_tcp.probe_http,
    "transfer": agent_tcp.probe_transfer,
    "icmp": agent_icmp.probe_icmp,
    "mtu": agent_icmp.probe_mtu,
}


# ---------------------------------------------------------------------------- the plan


def validate(plan: Any) -> tuple[list[dict[str, Any]], float, bool]:
    """Check a plan; raise PlanError before anything is sent."""
    if not isinstance(plan, dict):
        raise PlanError("the plan must be a JSON object")
    probes = plan.get("probes")
    if not isinstance(probes, list) or not probes:
        raise PlanError("the plan has no probes")
    if len(probes) > MAX_PROBES:
        raise PlanError(f"too many probes ({len(probes)} > {MAX_PROBES})")
    timeout = float(plan.get("timeout", 2.0))
    if not 0.05 <= timeout <= 120:
        raise PlanError("timeout must be between 0.05 and 120 seconds")
    seen = set()
    for spec in probes:
        if not isinstance(spec, dict):
            raise PlanError("every probe must be a JSON object")
        ident = spec.get("id")
        if not isinstance(ident, str) or not ident or ident in seen:
            raise PlanError(f"every probe needs a unique string id ({ident!r})")
        seen.add(ident)
        if spec.get("kind") not in KINDS:
            raise PlanError("probe {}: unknown kind {!r}".format(ident, spec.get("kind")))
        try:
            ipaddress.ip_address(str(spec.get("host")))
        except ValueError:
            raise PlanError(
                "probe {}: host {!r} is not an IP address (the agent never resolves names)".format(
                    ident, spec.get("host")
                )
            ) from None
        port = spec.get("port")
        if port is not None and not (isinstance(port, int) and 0 < port < 65536):
            raise PlanError(f"probe {ident}: bad port {port!r}")
        if spec["kind"] == "dns":
            try:
                agent_dns.record_type(spec)
            except PlanError as exc:
                raise PlanError(f"probe {ident}: {exc}") from None
    return probes, timeout, bool(plan.get("parallel", True))


def _target(host: str, port: Any) -> str:
    """host:port, an IPv6 address in brackets ([fd00::1]:8080)."""
    if not port:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def run_one(spec: dict[str, Any], default_timeout: float) -> dict[str, Any]:
    """Run one probe; every exception becomes a result, never a crash."""
    kind = str(spec["kind"])
    timeout = float(spec.get("timeout") or default_timeout)
    timeout = min(max(timeout, 0.05), 120.0)
    port = spec.get("port")
    target = _target(str(spec["host"]), port)
    started = base.now()
    try:
        outcome = PROBES[kind](spec, timeout)
    except PlanError as exc:
        outcome = base.Outcome("error", str(exc))
    except base.TIMEOUTS:
        outcome = base.Outcome("fail", f"timed out after {timeout:g}s", answered=False)
    except OSError as exc:
        outcome = base.Outcome("error", f"{base.errno_name(exc)}: {exc.strerror or exc}")
    except Exception as exc:  # a bug in one probe must not lose the others
        outcome = base.Outcome("error", f"{type(exc).__name__}: {exc}")
    return {
        "id": spec["id"],
        "kind": kind,
        "target": target,
        "family": base.ip_version(str(spec["host"])),
        "verdict": outcome.verdict,
        "detail": outcome.detail,
        "elapsed_ms": round((base.now() - started) * 1000.0, 1),
        "extra": outcome.extra,
    }


def source_ip(host: str) -> str | None:
    """The address this pod sends from towards ``host`` (a UDP connect sends nothing)."""
    try:
        with socket.socket(base.family(host), socket.SOCK_DGRAM) as sock:
            sock.connect((host, 9))
            return str(sock.getsockname()[0])
    except OSError:
        return None


def run_plan(plan: Any, emit: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
    """Run every probe of ``plan`` (at once unless ``parallel`` is false); emit each result."""
    probes, timeout, parallel = validate(plan)
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def work(spec: dict[str, Any]) -> None:
        result = run_one(spec, timeout)
        with lock:
            results.append(result)
            emit(result)

    started = base.now()
    if parallel:
        threads = [threading.Thread(target=work, args=(spec,), daemon=True) for spec in probes]
        for thread in threads:
            thread.start()
        longest = max(float(s.get("timeout") or timeout) for s in probes)
        hard_stop = started + longest + 5.0
        for thread in threads:
            thread.join(max(0.0, hard_stop - base.now()))
        with lock:
            done = {r["id"] for r in results}
            for spec in probes:
                if spec["id"] not in done:
                    late = {
                        "id": spec["id"],
                        "kind": spec["kind"],
                        "target": str(spec["host"]),
                        "family": base.ip_version(str(spec["host"])),
                        "verdict": "error",
                        "detail": "did not finish within its timeout",
                        "elapsed_ms": round((base.now() - started) * 1000.0, 1),
                        "extra": {},
                    }
                    results.append(late)
                    emit(late)
    else:
        for spec in probes:
            work(spec)
    emit(
        {
            "agent": AGENT,
            "version": AGENT_VERSION,
            "done": True,
            "probes": len(results),
            "elapsed_ms": round((base.now() - started) * 1000.0, 1),
            "source_ip": source_ip(str(probes[0]["host"])),
            "hostname": socket.gethostname(),
            "python": ".".join(str(part) for part in sys.version_info[:3]),
        }
    )
    return results


# ---------------------------------------------------------------------------- echo server


def _echo_reply(rfile: Any, wfile: Any) -> None:
    """Answer one HTTP request: ``/bytes/N`` with N bytes, anything else with who we are."""
    line = rfile.readline(4096)
    while True:
        header = rfile.readline(4096)
        if not header or header in (b"\r\n", b"\n"):
            break
    parts = line.split()
    path = parts[1].decode("latin-1", "replace") if len(parts) >= 2 else "/"
    if path.startswith("/bytes/"):
        try:
            size = min(int(path[len("/bytes/") :]), base.MAX_TRANSFER)
        except ValueError:
            size = 0
        wfile.write(
            f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n".encode()
        )
        block = b"x" * 65536
        remaining = size
        while remaining > 0:
            piece = block[: min(len(block), remaining)]
            wfile.write(piece)
            remaining -= len(piece)
        return
    body = (
        json.dumps({"agent": AGENT, "host": socket.gethostname(), "path": path}) + "\n"
    ).encode()
    wfile.write(
        (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
    )


def serve(port: int, seconds: float) -> int:
    """HTTP echo on ``port`` (0: a free one) for ``seconds`` (``/bytes/N`` answers N bytes)."""
    import socketserver  # only the echo pods need it: probe runs start faster without

    class Handler(socketserver.StreamRequestHandler):
        timeout = 30

        def handle(self) -> None:
            _echo_reply(self.rfile, self.wfile)

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 128

    class DualStackServer(Server):
        # One socket for both families ([::] with IPV6_V6ONLY off): a dual-stack pod is
        # probed at its IPv4 and its IPv6 address.
        address_family = socket.AF_INET6

        def server_bind(self) -> None:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

    server: socketserver.ThreadingTCPServer
    try:
        server = DualStackServer(("::", port), Handler)
    except OSError:  # IPv6 disabled in this pod: IPv4 only, as before
        server = Server(("0.0.0.0", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bound = server.server_address[1]  # the port asked for, or the one picked for port 0
    print(json.dumps({"agent": AGENT, "serving": bound, "seconds": seconds}), flush=True)
    time.sleep(seconds)  # the pod's lifetime; kostack deletes it earlier
    server.shutdown()
    return 0


# ---------------------------------------------------------------------------- main


def _print_line(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(__doc__ or "")
        return 0 if args else 2
    if args[0] == "--serve":
        if len(args) < 2 or not args[1].isdigit():
            sys.stderr.write("usage: agent.py --serve PORT [--serve-seconds S]\n")
            return 2
        seconds = 600.0
        if len(args) >= 4 and args[2] == "--serve-seconds":
            seconds = float(args[3])
        return serve(int(args[1]), seconds)
    try:
        if args[0] == "--plan-file":
            if len(args) < 2:
                raise PlanError("--plan-file needs a file name")
            if args[1] == "-":
                text = sys.stdin.read()
            else:
                with open(args[1], encoding="utf-8") as stream:
                    text = stream.read()
        else:
            text = args[0]
        try:
            plan = json.loads(text)
        except ValueError as exc:
            raise PlanError(f"the plan is not JSON: {exc}") from None
        run_plan(plan, _print_line)
    except PlanError as exc:
        _print_line(
            {"agent": AGENT, "version": AGENT_VERSION, "done": True, "error": str(exc), "probes": 0}
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
