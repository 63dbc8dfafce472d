"""Servers the lab runs inside its namespaces (started by lab.py, one process per namespace).

- echo: HTTP on a fixed port in every pod; `GET /bytes/N` answers N bytes
  (the MTU probe), anything else a one-line JSON naming the pod;
- dns: CoreDNS stand-in (dnslib), UDP and TCP, answering the cluster names
  it is given (`kubernetes.default.svc.cluster.local` -> 10.96.0.1 ...),
  NXDOMAIN for other names;
- tls: kube-apiserver stand-in: TLS with a self-signed certificate, then
  `403 Forbidden` for anonymous requests, as a real API server answers;
- http: the "internet" web server.

Run by path with the lab's interpreter (`python -I servers.py ...`): it
imports only the standard library and dnslib, so starting it does not load
kostack. Once every listener is bound it writes `--ready-file` (atomically);
SIGTERM stops it. `--lab-tag` marks the process as the lab's, for cleanup.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

MAX_BULK_BYTES = 64 * 1024 * 1024
CHUNK = 64 * 1024


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self, port: int, handler: type[socketserver.BaseRequestHandler], **settings: Any
    ) -> None:
        self.settings = settings
        super().__init__(("0.0.0.0", port), handler)


class _DualStackServer(_Server):
    """One listener for both families ([::], IPV6_V6ONLY off): a dual-stack pod has two IPs."""

    address_family = socket.AF_INET6

    def __init__(
        self, port: int, handler: type[socketserver.BaseRequestHandler], **settings: Any
    ) -> None:
        self.settings = settings
        socketserver.ThreadingTCPServer.__init__(self, ("::", port), handler)

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def _listener(
    port: int, handler: type[socketserver.BaseRequestHandler], **settings: Any
) -> _Server:
    """A TCP listener on both families; IPv4 only where the namespace has IPv6 disabled."""
    try:
        return _DualStackServer(port, handler, **settings)
    except OSError:
        return _Server(port, handler, **settings)


def _udp_socket(port: int) -> socket.socket:
    """A UDP socket on both families (IPv4 only where IPv6 is disabled)."""
    try:
        udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        udp.bind(("::", port))
        return udp
    except OSError:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        udp.bind(("0.0.0.0", port))
        return udp


def _read_request(stream: Any) -> str:
    """Read an HTTP request head; return the path ("/" if none)."""
    line = stream.readline(4096)
    while True:
        header = stream.readline(4096)
        if not header or header in (b"\r\n", b"\n"):
            break
    parts = line.split()
    return parts[1].decode(errors="replace") if len(parts) >= 2 else "/"


def _response(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class EchoHandler(socketserver.StreamRequestHandler):
    """Pod HTTP echo: who am I, or N bytes of payload."""

    timeout = 30

    def handle(self) -> None:
        settings: Mapping[str, Any] = getattr(self.server, "settings", {})
        path = _read_request(self.rfile)
        if path.startswith("/bytes/"):
            try:
                size = min(int(path.removeprefix("/bytes/")), MAX_BULK_BYTES)
            except ValueError:
                size = 0
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
            self.wfile.write(head.encode())
            block = b"x" * CHUNK
            remaining = size
            while remaining > 0:
                piece = block[: min(CHUNK, remaining)]
                self.wfile.write(piece)
                remaining -= len(piece)
            return
        body = json.dumps({"pod": settings.get("name", ""), "path": path}).encode() + b"\n"
        self.wfile.write(_response("200 OK", body))


class TlsHandler(socketserver.BaseRequestHandler):
    """kube-apiserver stand-in: handshake, then 403 for the anonymous user."""

    def handle(self) -> None:
        context: ssl.SSLContext = getattr(self.server, "settings", {})["context"]
        self.request.settimeout(10)
        try:
            with context.wrap_socket(self.request, server_side=True) as tls:
                stream = tls.makefile("rb")
                path = _read_request(stream)
                status = {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": f'forbidden: User "system:anonymous" cannot get path "{path}"',
                    "reason": "Forbidden",
                    "details": {},
                    "code": 403,
                }
                tls.sendall(_response("403 Forbidden", json.dumps(status).encode()))
        except (OSError, ssl.SSLError):
            return


class HttpHandler(socketserver.StreamRequestHandler):
    """The internet host's web page."""

    timeout = 10

    def handle(self) -> None:
        settings: Mapping[str, Any] = getattr(self.server, "settings", {})
        _read_request(self.rfile)
        self.wfile.write(
            _response("200 OK", str(settings.get("body", "ok\n")).encode(), "text/plain")
        )


def dns_answer(query: bytes, records: Mapping[str, str]) -> bytes:
    """The reply to one DNS query, NXDOMAIN for unknown names.

    A record's value is one address or several, comma-separated (a dual-stack
    service: "10.96.0.1,fd00:10:96::1"): A answers carry the IPv4 ones, AAAA
    answers the IPv6 ones; a name without an address of the asked family gets
    NOERROR with no answer, as CoreDNS does.
    """
    import ipaddress

    from dnslib import AAAA, QTYPE, RCODE, RR, A, DNSRecord  # only the DNS pod needs dnslib

    request = DNSRecord.parse(query)
    reply = request.reply()
    name = str(request.q.qname).rstrip(".").lower()
    if name in records:
        for address in records[name].split(","):
            version = ipaddress.ip_address(address.strip()).version
            if version == 4 and request.q.qtype in (QTYPE.A, QTYPE.ANY):
                reply.add_answer(RR(name + ".", QTYPE.A, rdata=A(address.strip()), ttl=30))
            elif version == 6 and request.q.qtype in (QTYPE.AAAA, QTYPE.ANY):
                reply.add_answer(RR(name + ".", QTYPE.AAAA, rdata=AAAA(address.strip()), ttl=30))
    else:
        reply.header.rcode = RCODE.NXDOMAIN
    packed: bytes = reply.pack()
    return packed


class DnsTcpHandler(socketserver.BaseRequestHandler):
    """DNS over TCP: two-byte length prefix per message."""

    def handle(self) -> None:
        records: Mapping[str, str] = getattr(self.server, "settings", {})["records"]
        self.request.settimeout(10)
        try:
            while True:
                head = _recv_exact(self.request, 2)
                if head is None:
                    return
                query = _recv_exact(self.request, int.from_bytes(head, "big"))
                if query is None:
                    return
                answer = dns_answer(query, records)
                self.request.sendall(len(answer).to_bytes(2, "big") + answer)
        except Exception:  # a malformed query ends this connection, not the server
            return


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _serve_dns_udp(sock: socket.socket, records: Mapping[str, str]) -> None:
    while True:
        try:
            query, peer = sock.recvfrom(4096)
        except OSError:
            return
        try:
            sock.sendto(dns_answer(query, records), peer)
        except Exception:  # malformed queries are ignored, like a real server would
            continue


def _parse_records(pairs: Sequence[str]) -> dict[str, str]:
    records: dict[str, str] = {}
    for pair in pairs:
        name, _, address = pair.partition("=")
        key = name.rstrip(".").lower()
        # A name given twice (an IPv4 and an IPv6 address) answers both A and AAAA.
        known = records[key].split(",") if key in records else []
        if address not in known:
            records[key] = ",".join([*known, address])
    return records


def main(argv: Sequence[str] | None = None) -> int:
    """Start the requested servers, write the ready file, serve until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lab-tag", required=True, help="marks the process as the lab's")
    parser.add_argument("--name", default="", help="pod or host name echoed back")
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--echo", type=int, help="HTTP echo port")
    parser.add_argument("--dns", type=int, help="DNS port (UDP and TCP)")
    parser.add_argument("--dns-record", action="append", default=[], metavar="NAME=ADDRESS")
    parser.add_argument("--tls", type=int, help="TLS (API server stand-in) port")
    parser.add_argument("--cert", type=Path)
    parser.add_argument("--key", type=Path)
    parser.add_argument("--http", type=int, help="plain HTTP port")
    parser.add_argument("--body", default="hello from the internet\n")
    args = parser.parse_args(argv)

    starters: list[Callable[[], None]] = []

    def add(server: socketserver.BaseServer) -> None:
        starters.append(server.serve_forever)

    if args.echo:
        add(_listener(args.echo, EchoHandler, name=args.name))
    if args.dns:
        import dnslib  # noqa: F401  (loaded now, so the first query is answered as fast as the rest)

        records = _parse_records(args.dns_record)
        udp = _udp_socket(args.dns)
        starters.append(lambda: _serve_dns_udp(udp, records))
        add(_listener(args.dns, DnsTcpHandler, records=records))
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        add(_listener(args.tls, TlsHandler, context=context))
    if args.http:
        add(_listener(args.http, HttpHandler, body=args.body))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for start in starters:
        threading.Thread(target=start, daemon=True).start()
    # Every listener is bound (constructors bind): tell the lab we are ready.
    temporary = args.ready_file.with_suffix(".tmp")
    temporary.write_text(json.dumps({"pid": os.getpid()}))
    temporary.replace(args.ready_file)
    stop.wait()
    # No graceful shutdown: serve_forever polls every 0.5 s, and `down` waits for us.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
