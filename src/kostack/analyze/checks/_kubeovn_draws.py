"""What pods can actually get from a Kube-OVN Subnet (docs/facts.md "Kube-OVN"), as sorted
spans: its IPAM's draws (the IPPools' addresses, and the rest of the Subnet only when some pod
can draw from it) and the pods' own addresses (a static ``ovn.kubernetes.io/ip_address`` or
``ip_pool`` list, the address Kube-OVN gave a pod), which Kube-OVN grants even inside
``excludeIps`` (pkg/ipam/subnet.go ``allocateStaticAddress``). One pass over the pods and one
over the IPPools (`index`), each Subnet then looks its own up; a range stays one span."""

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


@dataclass(frozen=True)
class Index:
    """The IPPools and the pods by the Subnet they name, built once per snapshot (one pass
    over each) so that every Subnet looks its own up: linear in Subnets + pods + IPPools.
    ``pools``: a Subnet's IPPools' addresses by family; ``pooled``: the namespaces bound to a
    pool of it; ``naming``: the namespaces of its listed pods (not hostNetwork) that name it in
    ``logical_switch`` without a pool of their own; None where the IPPools or pods were not
    read."""

    pools: dict[str, Spans] | None
    pooled: dict[str, frozenset[str]] | None
    naming: dict[str, frozenset[str]] | None


def index(kube_ovn: KubeOvn, pods: Sequence[Pod] | None) -> Index:
    """`Index` of ``kube_ovn``'s IPPools and ``pods``: one pass over each."""
    naming: dict[str, set[str]] | None = None
    if pods is not None:
        naming = {}
        for p in pods:
            name = p.kube_ovn.get("logical_switch")
            if name is not None and "ip_pool" not in p.kube_ovn and not p.host_network:
                naming.setdefault(name, set()).add(p.namespace)
    if kube_ovn.ip_pools is None:
        return Index(None, None, _frozen(naming))
    spans: dict[str, dict[int, list[Span]]] = {}
    pooled: dict[str, set[str]] = {}
    for pool in kube_ovn.ip_pools:
        pooled.setdefault(pool.subnet, set()).update(pool.namespaces)
        by_family = spans.setdefault(pool.subnet, {})
        for entry in pool.ips:
            ends = pool_range(entry)
            if ends is not None:
                by_family.setdefault(ends[0].version, []).append((int(ends[0]), int(ends[1])))
    pools = {n: {v: merged(s) for v, s in fam.items()} for n, fam in spans.items()}
    return Index(pools, _frozen(pooled), _frozen(naming))


def _frozen(by_name: dict[str, set[str]] | None) -> dict[str, frozenset[str]] | None:
    return None if by_name is None else {k: frozenset(v) for k, v in by_name.items()}


def rest_drawn(subnet: KubeOvnSubnet, idx: Index) -> bool:
    """Whether some pod may draw from the Subnet outside its IPPools (kubeovn/docs
    docs/guide/ippool.en.md: a namespace bound to a pool draws from nothing else in the
    Subnet): the default Subnet (namespaces bound to none), a bound namespace without a pool
    of it, a listed pod of such a namespace naming it (``logical_switch``) without a pool of
    its own; True where that is not known (namespaces, IPPools or pods not read)."""
    if subnet.default or subnet.namespaces is None or idx.pooled is None or idx.naming is None:
        return True
    pooled = idx.pooled.get(subnet.name, frozenset())
    if any(ns not in pooled for ns in subnet.namespaces):
        return True
    # kube-ovn-controller writes logical_switch and ip_address on every pod it gives an
    # address (pkg/controller/pod.go), so neither says the user chose it: a pod of a namespace
    # without a pool here that names the Subnet, and no pool of its own, or its replacement,
    # draws from the rest
    return not idx.naming.get(subnet.name, frozenset()) <= pooled


def draws(subnet: KubeOvnSubnet, idx: Index, held: dict[str | None, Spans]) -> Draws:
    """What pods can get from ``subnet`` (``exclude_ips`` read); ``idx``: `index` of the
    snapshot's IPPools and pods; ``held``: `pod_addresses` (a pod of another Subnet whose CIDR
    overlaps this one's is left out)."""
    free = allocatable(subnet)
    pools = (idx.pools or {}).get(subnet.name, {})
    rest = rest_drawn(subnet, idx)
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
