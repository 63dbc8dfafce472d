"""Neighbour advertisements as MetalLB's NDP responder sends them, and a listener for them.

Run inside a lab namespace (`python -I nd_advert.py ...`), standard library only:

- ``send <ifname> <target> <dst>``: one solicited, overriding NA for ``target`` with the
  interface's MAC as target link-layer address, from the interface's link-local address
  (metallb/metallb internal/layer2/ndp.go: ``ndp.Dial(ifi, ndp.LinkLocal)``, ``advertise``),
  hop limit 255 (RFC 4861 section 7.1.2);
- ``listen <target> <timeout>``: prints ``ready``, then ``seen <source>`` for the first NA for
  ``target`` that arrives, or ``none`` when ``timeout`` seconds pass without one;
- ``capture <ifname> <seconds>``: prints ``ready``, then for ``seconds`` one line per neighbour
  solicitation or advertisement crossing ``ifname`` (an AF_PACKET socket): ``<in|out> <NS|NA>
  <source> <target>`` (in: the frame arrived on ``ifname``).

The kernel fills in the ICMPv6 checksum of a raw ICMPv6 socket (RFC 3542 section 3.1).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import time
from pathlib import Path

NA, TARGET_LLA = 136, 2
SOLICITED_OVERRIDE = 0x60000000


def _socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    return sock


def _link_local(ifname: str) -> str:
    for line in Path("/proc/net/if_inet6").read_text().splitlines():
        address, _index, _prefix, scope, _flags, name = line.split()
        if name == ifname and scope == "20":  # IPV6_ADDR_LINKLOCAL
            return str(ipaddress.IPv6Address(int(address, 16)))
    raise SystemExit(f"no link-local address on {ifname}")


def send(ifname: str, target: str, dst: str) -> None:
    index = socket.if_nametoindex(ifname)
    mac = bytes.fromhex(
        Path(f"/sys/class/net/{ifname}/address").read_text().strip().replace(":", "")
    )
    body = (
        bytes([NA, 0, 0, 0])
        + SOLICITED_OVERRIDE.to_bytes(4, "big")
        + ipaddress.IPv6Address(target).packed
        + bytes([TARGET_LLA, 1])
        + mac
    )
    with _socket() as sock:
        sock.bind((_link_local(ifname), 0, 0, index))
        sock.sendto(body, (dst, 0, 0, index))
    print("sent", flush=True)


def listen(target: str, timeout: float) -> None:
    wanted = ipaddress.IPv6Address(target).packed
    with _socket() as sock:
        print("ready", flush=True)
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data, source = sock.recvfrom(2048)
            except TimeoutError:
                break
            if len(data) >= 24 and data[0] == NA and data[8:24] == wanted:
                print("seen", source[0], flush=True)
                return
    print("none", flush=True)


def capture(ifname: str, seconds: float) -> None:
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003)) as sock:
        sock.bind((ifname, 0))
        print("ready", flush=True)
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                frame, address = sock.recvfrom(2048)
            except TimeoutError:
                break
            # IPv6 (ethertype 0x86dd), ICMPv6 next header, NS (135) or NA (136)
            if frame[12:14] == b"\x86\xdd" and frame[20] == 58 and frame[54] in (135, 136):
                way = "out" if address[2] == socket.PACKET_OUTGOING else "in"
                kind = "NS" if frame[54] == 135 else "NA"
                source, target = (ipaddress.IPv6Address(frame[a : a + 16]) for a in (22, 62))
                print(way, kind, source, target, flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "capture":
        capture(sys.argv[2], float(sys.argv[3]))
    else:
        listen(sys.argv[2], float(sys.argv[3]))
