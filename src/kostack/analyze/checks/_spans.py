"""Sets of addresses as sorted, disjoint (first, last) integer spans: a /8 or an IPv6 /64 is one
span, never its addresses. What Kube-OVN's IPAM hands out of a Subnet (kubeovn/kube-ovn
pkg/ipam, docs/facts.md "Kube-OVN") is computed here."""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from kostack.model.cni import KubeOvnSubnet, exclude_range
from kostack.model.snapshot import IPAddress, IPNetwork

Span = tuple[int, int]


def merged(spans: Iterable[Span]) -> list[Span]:
    """The spans sorted, with overlapping or adjacent ones joined."""
    out: list[Span] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def minus(spans: Sequence[Span], cuts: Iterable[Span]) -> list[Span]:
    """``spans`` (sorted, disjoint) less ``cuts``: one sweep over both."""
    out: list[Span] = []
    holes = merged(cuts)
    index = 0
    for lo, hi in spans:
        while index < len(holes) and holes[index][1] < lo:
            index += 1
        at = index
        while at < len(holes) and holes[at][0] <= hi:
            if holes[at][0] > lo:
                out.append((lo, holes[at][0] - 1))
            lo = max(lo, holes[at][1] + 1)
            at += 1
        if lo <= hi:
            out.append((lo, hi))
    return out


def size(spans: Sequence[Span]) -> int:
    """How many addresses the (disjoint) spans hold."""
    return sum(hi - lo + 1 for lo, hi in spans)


def holds(spans: Sequence[Span], value: int) -> bool:
    """Whether ``value`` lies in ``spans`` (sorted, disjoint): a binary search."""
    at = bisect_right(spans, (value, value)) - 1
    if at + 1 < len(spans) and spans[at + 1][0] == value:
        return True
    return at >= 0 and spans[at][1] >= value


def within(spans: Sequence[Span], lo: int, hi: int) -> list[Span]:
    """The parts of ``spans`` (sorted, disjoint) inside [lo, hi]."""
    at = max(bisect_right(spans, (lo, lo)) - 1, 0)
    out: list[Span] = []
    while at < len(spans) and spans[at][0] <= hi:
        first, last = max(spans[at][0], lo), min(spans[at][1], hi)
        if first <= last:
            out.append((first, last))
        at += 1
    return out


def usable(cidr: IPNetwork) -> Span | None:
    """The addresses Kube-OVN's IPAM takes from a CIDR (pkg/util/net.go FirstIP, LastIP): all
    but the first and the last, both of a /31 (/127), none of a /32 (/128)."""
    lo, hi = int(cidr.network_address), int(cidr.broadcast_address)
    if cidr.prefixlen + 1 == cidr.max_prefixlen:
        return lo, hi
    return (lo + 1, hi - 1) if lo + 1 <= hi - 1 else None


def allocatable(subnet: KubeOvnSubnet) -> dict[int, list[Span]]:
    """Per family (4, 6), what the Subnet's IPAM may hand to pods: each cidrBlock's usable
    addresses less ``excludeIps`` (pkg/ipam/ipam.go: V4Free = the range less V4Reserved).
    ``exclude_ips`` must have been read."""
    cuts: dict[int, list[Span]] = {}
    for entry in subnet.exclude_ips or ():
        ends = exclude_range(entry)
        if ends is not None:
            cuts.setdefault(ends[0].version, []).append((int(ends[0]), int(ends[1])))
    out: dict[int, list[Span]] = {}
    for cidr in subnet.cidrs:
        span = usable(cidr)
        if span is not None:
            out.setdefault(cidr.version, []).append(span)
    return {v: minus(merged(spans), cuts.get(v, ())) for v, spans in out.items()}


def address(value: int, version: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def span_text(span: Span, version: int) -> str:
    """ "A" or "A..B", as Kube-OVN writes an excludeIps entry."""
    lo, hi = span
    first = str(address(lo, version))
    return first if lo == hi else f"{first}..{address(hi, version)}"
