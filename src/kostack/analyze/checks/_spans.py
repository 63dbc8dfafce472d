"""Sets of addresses as sorted, disjoint (first, last) integer spans: a /8 or an IPv6 /64 is one
span, never its addresses. What Kube-OVN's IPAM hands out of a Subnet (kubeovn/kube-ovn
pkg/ipam, docs/facts.md "Kube-OVN") is computed here."""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from kostack.model.cni import KubeOvn, KubeOvnSubnet, exclude_range, pool_range
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


def _in_cidrs(lo: int, hi: int, version: int, subnet: KubeOvnSubnet) -> list[Span]:
    """[lo, hi] inside the Subnet's CIDRs of ``version`` (an IPPool's effective addresses:
    kubeovn/docs docs/guide/ippool.en.md, the intersection of ``ips`` and the CIDR)."""
    cidrs = merged(
        (int(c.network_address), int(c.broadcast_address))
        for c in subnet.cidrs
        if c.version == version
    )
    return within(cidrs, lo, hi)


class NamespaceRanges:
    """The addresses a pod of a namespace may draw from Kube-OVN's IPAM (docs/facts.md
    "Kube-OVN"): the IPPools bound to it (their ``ips`` inside their Subnet's CIDRs), else
    the Subnets bound to it (``spec.namespaces``), else the default Subnet. Built once, linear
    in the Subnets and IPPools; a namespace is then one dict lookup. None where that is not
    known: the Subnets or the IPPools not read, a pool of an unknown Subnet, a Subnet whose
    namespaces were not read."""

    def __init__(self, kube_ovn: KubeOvn | None) -> None:
        self._by_ns: dict[str, dict[int, list[Span]] | None] = {}
        self._rest: dict[int, list[Span]] | None = None
        self._pools: dict[str, dict[int, list[Span]]] = {}
        self._subnets: dict[str, dict[int, list[Span]]] = {}
        if kube_ovn is None or kube_ovn.subnets is None or kube_ovn.ip_pools is None:
            self._known = False
            return
        self._known = True
        pods = [
            s
            for s in kube_ovn.subnets
            if s.name != kube_ovn.join_subnet and s.provider in (None, "ovn")
        ]
        by_name = {s.name: s for s in pods}
        self._subnets = {s.name: _whole(s) for s in pods}
        for pool in kube_ovn.ip_pools:
            if pool.subnet in by_name:
                self._pools[pool.name] = _pool_in(pool.ips, by_name[pool.subnet])
        pooled: dict[str, dict[int, list[Span]] | None] = {}
        for pool in kube_ovn.ip_pools:
            subnet = by_name.get(pool.subnet)
            for ns in pool.namespaces:
                if subnet is None or (ns in pooled and pooled[ns] is None):
                    pooled[ns] = None
                    continue
                found = pooled.setdefault(ns, {})
                assert found is not None
                for v, inside in self._pools[pool.name].items():
                    found.setdefault(v, []).extend(inside)
        bound: dict[str, dict[int, list[Span]]] = {}
        for subnet in pods:
            for ns in subnet.namespaces or ():
                spans = bound.setdefault(ns, {})
                for cidr in subnet.cidrs:
                    whole = (int(cidr.network_address), int(cidr.broadcast_address))
                    spans.setdefault(cidr.version, []).append(whole)
        for ns, spans in bound.items():
            self._by_ns[ns] = {v: merged(s) for v, s in spans.items()}
        for ns, pool_spans in pooled.items():  # a namespace's pools win over its Subnet
            self._by_ns[ns] = (
                None if pool_spans is None else {v: merged(s) for v, s in pool_spans.items()}
            )
        default = next((s for s in pods if s.default), None)
        if default is not None and all(s.namespaces is not None for s in pods):
            self._rest = {
                v: merged(
                    (int(c.network_address), int(c.broadcast_address))
                    for c in default.cidrs
                    if c.version == v
                )
                for v in {c.version for c in default.cidrs}
            }

    def of(self, namespace: str, own: dict[str, str] | None = None) -> dict[int, list[Span]] | None:
        """The spans (by family) a pod of ``namespace`` may draw; None when not known. ``own``:
        the pod's Kube-OVN annotations (kubeovn/kube-ovn pkg/controller/pod.go
        ``acquireAddress``), which win: its ip_address, else its ip_pool (addresses, or one
        IPPool's name), else the Subnet its logical_switch names."""
        own = own or {}
        listed = _addresses(own.get("ip_address", "")) or _addresses(own.get("ip_pool", ""))
        if listed:
            return listed
        if not self._known:
            return None
        if own.get("ip_pool"):
            return self._pools.get(own["ip_pool"].strip())
        if own.get("logical_switch"):
            return self._subnets.get(own["logical_switch"])
        return self._by_ns.get(namespace, self._rest)


def _addresses(text: str) -> dict[int, list[Span]]:
    """The addresses an annotation lists ("IP", "IPv4,IPv6", "IP;IP"); {} for none (an
    IPPool's name)."""
    out: dict[int, list[Span]] = {}
    for part in text.replace(";", ",").split(","):
        try:
            ip = ipaddress.ip_address(part.strip())
        except ValueError:
            continue
        out.setdefault(ip.version, []).append((int(ip), int(ip)))
    return {v: merged(s) for v, s in out.items()}


def _whole(subnet: KubeOvnSubnet) -> dict[int, list[Span]]:
    """The Subnet's CIDRs, by family."""
    out: dict[int, list[Span]] = {}
    for c in subnet.cidrs:
        out.setdefault(c.version, []).append((int(c.network_address), int(c.broadcast_address)))
    return {v: merged(s) for v, s in out.items()}


def _pool_in(ips: Sequence[str], subnet: KubeOvnSubnet) -> dict[int, list[Span]]:
    """An IPPool's ``ips`` inside its Subnet's CIDRs, by family."""
    out: dict[int, list[Span]] = {}
    for entry in ips:
        ends = pool_range(entry)
        if ends is not None:
            v = ends[0].version
            out.setdefault(v, []).extend(_in_cidrs(int(ends[0]), int(ends[1]), v, subnet))
    return {v: merged(s) for v, s in out.items()}
