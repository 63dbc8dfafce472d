"""What pods can actually get from a Kube-OVN Subnet (docs/facts.md "Kube-OVN"), as sorted
spans: its IPAM's draws (the IPPools' addresses, and the rest of the Subnet only when some pod
can draw from it) and the pods' own addresses (a static ``ovn.kubernetes.io/ip_address`` or
``ip_pool`` list, the address Kube-OVN gave a pod), which Kube-OVN grants even inside
``excludeIps`` (pkg/ipam/subnet.go ``allocateStaticAddress``). One pass over the pods; a range
stays one span."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kostack.analyze.checks._spans import Span, allocatable, merged, minus, within
from kostack.model.cluster import Pod
from kostack.model.cni import KubeOvn, KubeOvnSubnet, pool_range

Spans = dict[int, list[Span]]


@dataclass(frozen=True)
class Draws:
    """``spans``: what the Subnet's IPAM may hand a pod; ``static``: the pods' own addresses
    inside its CIDRs (excludeIps included); ``narrowed``: the rest of the Subnet, outside its
    IPPools, was left out because no namespace or listed pod draws from it."""

    spans: Spans
    static: Spans
    narrowed: bool


def both(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """The spans in both (sorted, disjoint) lists: a less (a less b)."""
    return minus(a, minus(a, b))


def pod_addresses(pods: Iterable[Pod] | None) -> dict[str | None, Spans]:
    """Every address a pod holds or asks Kube-OVN for, by the Subnet its ``logical_switch``
    annotation names (None: none named) and family: status.podIPs, its ip_address annotation
    and the addresses its ip_pool annotation lists (an IPPool's name is not an address).
    hostNetwork pods hold their node's address and are left out."""
    out: dict[str | None, dict[int, list[Span]]] = {}
    for pod in pods or ():
        if pod.host_network:
            continue
        texts = [str(ip) for ip in pod.addresses]
        for key in ("ip_address", "ip_pool"):
            texts += pod.kube_ovn.get(key, "").replace(";", ",").split(",")
        by_family = out.setdefault(pod.kube_ovn.get("logical_switch"), {})
        for text in texts:
            try:
                ip = ipaddress.ip_address(text.strip())
            except ValueError:
                continue
            by_family.setdefault(ip.version, []).append((int(ip), int(ip)))
    return {name: {v: merged(s) for v, s in fam.items()} for name, fam in out.items()}


def _pool_spans(kube_ovn: KubeOvn, subnet: KubeOvnSubnet) -> Spans:
    """The Subnet's IPPools' addresses (their ``ips``, any part outside the CIDRs is cut by
    the caller), by family."""
    out: dict[int, list[Span]] = {}
    for pool in kube_ovn.ip_pools or ():
        if pool.subnet != subnet.name:
            continue
        for entry in pool.ips:
            ends = pool_range(entry)
            if ends is not None:
                out.setdefault(ends[0].version, []).append((int(ends[0]), int(ends[1])))
    return {v: merged(s) for v, s in out.items()}


def rest_drawn(kube_ovn: KubeOvn, subnet: KubeOvnSubnet, pods: Sequence[Pod] | None) -> bool:
    """Whether some pod may draw from the Subnet outside its IPPools (kubeovn/docs
    docs/guide/ippool.en.md: a namespace bound to a pool draws from nothing else in the
    Subnet): the default Subnet (namespaces bound to none), a bound namespace without a pool
    of it, a listed pod of such a namespace naming it (``logical_switch``) without a pool of
    its own; True where that is not known (namespaces, IPPools or pods not read)."""
    if subnet.default or subnet.namespaces is None or kube_ovn.ip_pools is None or pods is None:
        return True
    pooled = {ns for p in kube_ovn.ip_pools if p.subnet == subnet.name for ns in p.namespaces}
    if any(ns not in pooled for ns in subnet.namespaces):
        return True
    # kube-ovn-controller writes logical_switch and ip_address on every pod it gives an
    # address (pkg/controller/pod.go), so neither says the user chose it: a pod of a namespace
    # without a pool here that names the Subnet, and no pool of its own, or its replacement,
    # draws from the rest
    return any(
        p.kube_ovn.get("logical_switch") == subnet.name
        and "ip_pool" not in p.kube_ovn
        and p.namespace not in pooled
        and not p.host_network
        for p in pods
    )


def draws(
    kube_ovn: KubeOvn,
    subnet: KubeOvnSubnet,
    pods: Sequence[Pod] | None,
    held: dict[str | None, Spans],
) -> Draws:
    """What pods can get from ``subnet`` (``exclude_ips`` read); ``held``: `pod_addresses`
    (a pod of another Subnet whose CIDR overlaps this one's is left out)."""
    free = allocatable(subnet)
    pools = _pool_spans(kube_ovn, subnet)
    rest = rest_drawn(kube_ovn, subnet, pods)
    spans = {
        v: s if rest else both(s, pools.get(v, [])) for v, s in free.items() if rest or pools.get(v)
    }
    static: Spans = {}
    for cidr in subnet.cidrs:
        whole = (int(cidr.network_address), int(cidr.broadcast_address))
        for name in (subnet.name, None):
            found = within(held.get(name, {}).get(cidr.version, []), *whole)
            static.setdefault(cidr.version, []).extend(found)
    static = {v: merged(s) for v, s in static.items() if s}
    return Draws(spans, static, not rest and free != spans)
