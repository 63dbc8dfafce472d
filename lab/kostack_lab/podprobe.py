"""Probes run from inside a lab pod: DNS, TCP, TLS, HTTP, ICMP echo and a bulk transfer.

Standard library only, run by path inside the pod's namespace
(`ip netns exec ks-n2p1 python -I podprobe.py --timeout 2 SPEC_JSON`), all
probes at once in threads. SPEC_JSON is a list of objects with `id`,
`kind` (dns|tcp|tls|http|icmp|bulk), `host`, and per kind `port`, `name` +
`expect` (dns), `path` (http), `bytes` (bulk). Prints a JSON list of
results: id, kind, target, ok, detail (English), detail_key and detail_params
(the same detail as a message key of kostack_lab.texts_status), seconds.

What "ok" means follows how a ClusterIP must be probed (docs/facts.md section
4): a TLS handshake error or an HTTP 403 proves connectivity; only silence
(a timeout) does not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

Result = dict[str, Any]
# What a probe saw: whether it passed, and its detail as a message key and parameters.
Outcome = tuple[bool, tuple[str, dict[str, Any]]]

# The details' English, by key: the result's `detail`. kostack_lab.texts_status registers
# them with their Korean, so `detail_key` and `detail_params` say the same in the CLI's language.
DETAILS_EN = {
    "lab.d.no_answer": "no answer within {s}s",
    "lab.d.rcode": "answered rcode {rcode}",
    "lab.d.unexpected": "answered {got}, expected {want}",
    "lab.d.no_address": "{name} -> no address",
    "lab.d.resolved": "{name} -> {addresses}",
    "lab.d.connected": "connected",
    "lab.d.tls": "TLS {version}, {status}",
    "lab.d.tls_no_http": "TLS {version}, no HTTP answer",
    "lab.d.tls_alert": "TLS handshake error (proves connectivity): {why}",
    "lab.d.status_line": "{status}",
    "lab.d.closed": "connection closed without an answer",
    "lab.d.no_echo": "no echo reply within {s}s",
    "lab.d.echo": "echo reply from {source}",
    "lab.d.unreachable": "destination unreachable from {source}",
    "lab.d.no_head": "closed before the response head",
    "lab.d.stalled": "stalled after {got} of {size} bytes (nothing for {s}s)",
    "lab.d.closed_after": "closed after {got} of {size} bytes",
    "lab.d.bytes": "{size} bytes in {s}s",
    "lab.d.timed_out": "timed out after {s}s",
    "lab.d.os_error": "{kind}: {why}",
}


def _dns_query(name: str, query_id: int) -> bytes:
    header = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0)
    labels = b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split("."))
    return header + labels + b"\0" + struct.pack(">HH", 1, 1)


def _skip_name(message: bytes, offset: int) -> int:
    while True:
        length = message[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length


def _dns_addresses(message: bytes, query_id: int) -> tuple[int, list[str]]:
    """rcode and A-record addresses of a reply (ValueError when it is not our reply)."""
    reply_id, flags, questions, answers, _, _ = struct.unpack(">HHHHHH", message[:12])
    if reply_id != query_id or not flags & 0x8000:
        raise ValueError("not the reply to our query")
    offset = 12
    for _ in range(questions):
        offset = _skip_name(message, offset) + 4
    addresses: list[str] = []
    for _ in range(answers):
        offset = _skip_name(message, offset)
        rtype, _rclass, _ttl, length = struct.unpack(">HHIH", message[offset : offset + 10])
        offset += 10
        if rtype == 1 and length == 4:
            addresses.append(socket.inet_ntoa(message[offset : offset + 4]))
        offset += length
    return flags & 0x000F, addresses


def probe_dns(spec: Mapping[str, Any], timeout: float) -> Outcome:
    query_id = random.randrange(1, 0xFFFF)
    name = str(spec["name"])
    family = socket.AF_INET6 if ":" in str(spec["host"]) else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(_dns_query(name, query_id), (spec["host"], int(spec.get("port", 53))))
        deadline = time.monotonic() + timeout
        while True:
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                message, _ = sock.recvfrom(4096)
            except TimeoutError:
                return False, ("lab.d.no_answer", {"s": f"{timeout:g}"})
            try:
                rcode, addresses = _dns_addresses(message, query_id)
            except (ValueError, struct.error, IndexError):
                continue
            expect = spec.get("expect")
            if rcode != 0:
                return False, ("lab.d.rcode", {"rcode": rcode})
            if expect and expect not in addresses:
                return False, ("lab.d.unexpected", {"got": str(addresses), "want": expect})
            if not addresses:
                return True, ("lab.d.no_address", {"name": name})
            return True, ("lab.d.resolved", {"name": name, "addresses": ", ".join(addresses)})


def probe_tcp(spec: Mapping[str, Any], timeout: float) -> Outcome:
    with socket.create_connection((spec["host"], int(spec["port"])), timeout=timeout):
        return True, ("lab.d.connected", {})


def probe_tls(spec: Mapping[str, Any], timeout: float) -> Outcome:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((spec["host"], int(spec["port"])), timeout=timeout) as raw:
        try:
            with context.wrap_socket(raw, server_hostname=str(spec["host"])) as tls:
                tls.sendall(
                    b"GET /version HTTP/1.1\r\nHost: kubernetes\r\nConnection: close\r\n\r\n"
                )
                status = tls.recv(256).split(b"\r\n", 1)[0].decode(errors="replace")
                if not status:
                    return True, ("lab.d.tls_no_http", {"version": tls.version()})
                return True, ("lab.d.tls", {"version": tls.version(), "status": status})
        except ssl.SSLError as exc:
            # The server answered with a TLS alert: the path works.
            return True, ("lab.d.tls_alert", {"why": str(exc.reason or exc)})


def probe_http(spec: Mapping[str, Any], timeout: float) -> Outcome:
    with socket.create_connection(
        (spec["host"], int(spec.get("port", 80))), timeout=timeout
    ) as sock:
        path = str(spec.get("path", "/"))
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {spec['host']}\r\nConnection: close\r\n\r\n".encode()
        )
        status = sock.recv(256).split(b"\r\n", 1)[0].decode(errors="replace")
        if not status:
            return False, ("lab.d.closed", {})
        return status.startswith("HTTP/"), ("lab.d.status_line", {"status": status})


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def probe_icmp(spec: Mapping[str, Any], timeout: float) -> Outcome:
    """An echo request, ICMPv6 (type 128) to an IPv6 host: the kernel fills the checksum of a
    raw ICMPv6 socket, which gets no IPv6 header (an error quotes ours after 8 + 40 bytes)."""
    v6 = ":" in str(spec["host"])
    ident = (os.getpid() ^ threading.get_ident()) & 0xFFFF
    payload = b"kostack-lab-ping"
    request, reply, unreachable = (128, 129, 1) if v6 else (8, 0, 3)
    checksum = 0 if v6 else _checksum(struct.pack("!BBHHH", 8, 0, 0, ident, 1) + payload)
    packet = struct.pack("!BBHHH", request, 0, checksum, ident, 1) + payload
    family, proto = (
        (socket.AF_INET6, socket.IPPROTO_ICMPV6) if v6 else (socket.AF_INET, socket.IPPROTO_ICMP)
    )
    with socket.socket(family, socket.SOCK_RAW, proto) as sock:
        sock.sendto(packet, (spec["host"], 0))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False, ("lab.d.no_echo", {"s": f"{timeout:g}"})
            sock.settimeout(remaining)
            try:
                data, address = sock.recvfrom(2048)
            except TimeoutError:
                return False, ("lab.d.no_echo", {"s": f"{timeout:g}"})
            header = 0 if v6 else (data[0] & 0x0F) * 4  # a raw IPv4 socket gets the IP header
            icmp_type, _code, _sum, reply_id, _seq = struct.unpack(
                "!BBHHH", data[header : header + 8]
            )
            quoted_id = header + 8 + (40 if v6 else 20) + 4  # our echo's id in an error
            if icmp_type == reply and reply_id == ident:
                return True, ("lab.d.echo", {"source": address[0]})
            if icmp_type == unreachable and data[quoted_id : quoted_id + 2] == struct.pack(
                "!H", ident
            ):
                return False, ("lab.d.unreachable", {"source": address[0]})


def probe_bulk(spec: Mapping[str, Any], timeout: float) -> Outcome:
    size = int(spec.get("bytes", 4 * 1024 * 1024))
    started = time.monotonic()
    with socket.create_connection(
        (spec["host"], int(spec.get("port", 8080))), timeout=timeout
    ) as sock:
        sock.sendall(f"GET /bytes/{size} HTTP/1.1\r\nHost: {spec['host']}\r\n\r\n".encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                return False, ("lab.d.no_head", {})
            received += chunk
        body = len(received.split(b"\r\n\r\n", 1)[1])
        try:
            while body < size:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                body += len(chunk)
        except TimeoutError:
            return False, ("lab.d.stalled", {"got": body, "size": size, "s": f"{timeout:g}"})
        if body < size:
            return False, ("lab.d.closed_after", {"got": body, "size": size})
        seconds = time.monotonic() - started
        return True, ("lab.d.bytes", {"size": size, "s": f"{seconds:.2f}"})


PROBES = {
    "dns": probe_dns,
    "tcp": probe_tcp,
    "tls": probe_tls,
    "http": probe_http,
    "icmp": probe_icmp,
    "bulk": probe_bulk,
}


def run_probe(spec: Mapping[str, Any], timeout: float) -> Result:
    """Run one probe; any exception becomes a failed result with its reason."""
    kind = str(spec["kind"])
    host = str(spec["host"])
    if "port" in spec:  # an IPv6 address in brackets, so its port reads apart (RFC 3986)
        host = f"[{host}]" if ":" in host else host
    target = f"{host}:{spec['port']}" if "port" in spec else host
    started = time.monotonic()
    try:
        ok, (key, params) = PROBES[kind](spec, timeout)
    except TimeoutError:
        ok, key, params = False, "lab.d.timed_out", {"s": f"{timeout:g}"}
    except OSError as exc:
        ok, key = False, "lab.d.os_error"
        params = {"kind": type(exc).__name__, "why": str(exc.strerror or exc)}
    return {
        "id": spec.get("id", kind),
        "kind": kind,
        "target": target,
        "ok": ok,
        "detail": DETAILS_EN[key].format(**params),
        "detail_key": key,
        "detail_params": params,
        "seconds": round(time.monotonic() - started, 3),
    }


def run_probes(specs: Sequence[Mapping[str, Any]], timeout: float) -> list[Result]:
    """Run every probe at once; results in the order of `specs`."""
    results: list[Result | None] = [None] * len(specs)

    def work(index: int) -> None:
        results[index] = run_probe(specs[index], timeout)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(specs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [r for r in results if r is not None]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run lab probes from inside a pod namespace")
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("specs", help="JSON list of probe specs")
    args = parser.parse_args(argv)
    specs = json.loads(args.specs)
    json.dump(run_probes(specs, args.timeout), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
