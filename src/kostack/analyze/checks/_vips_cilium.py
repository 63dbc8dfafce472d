"""Cilium LB IPAM's addresses in use, and what announces them (docs/facts.md "Cilium LB IPAM
announcements", "Cilium BGP announcing nodes"): a Service whose address is in a
CiliumLoadBalancerIPPool is answered for by ARP/NDP from the nodes of every
CiliumL2AnnouncementPolicy that selects it (``loadBalancerIPs``, its class none or
``io.cilium/l2-announcer``), and routed to over BGP from the nodes that advertise it (class
none or ``io.cilium/bgp-control-plane``): a CiliumBGPAdvertisement from the nodes of each
CiliumBGPClusterConfig with a peer whose CiliumBGPPeerConfig family selects it (that
family's afi), a CiliumBGPPeeringPolicy's virtual router from the nodes the policy selects;
a node two peering policies select applies none, and one a peering policy selects runs no
cluster config (`_cilium_bgp.bgp_places`). A BGP announcer counts for a Service's address
only where some node advertises it for that family, and an announcer whose selector Cilium
refuses counts for none (docs/facts.md "Cilium selectors that do not parse"). Both are judged
as MetalLB's pools are (neutron-vip-pairs: the answering nodes' ports, the BGP nodes' reply
ports, need an allowed address pair covering it); a BGP placement not read is UNKNOWN, and a
pool BGP advertises from no node too; an address nothing announces is allocated but
unreachable from outside the cluster (lb-pending-service, cause ``cilium-lb-unannounced``),
one only BGP may announce from nodes not known is UNKNOWN there. Computed once per topology
(`announced_of`). One pass over the Services: each address looked up by prefix, each Service
meeting only the announcers its labels name (lbipam.py ``Selecting``); each pool collects its
announcers once, then joins each distinct node set once (analyze/node_sets.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from kostack.analyze.checks._cilium_bgp import AFIS, Places, bgp_places
from kostack.analyze.checks._vips import Announced
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.findings import Finding, Status
from kostack.analyze.loadbalancer.lbipam import Selecting, service_labels
from kostack.analyze.messages import Msg, register
from kostack.analyze.node_sets import SelectorNodes, selector_key, union_once
from kostack.analyze.prefixes import PrefixIndex
from kostack.analyze.topology import Topology
from kostack.model.snapshot import (
    CiliumAnnouncer,
    CiliumLBPool,
    IPAddress,
    IPNetwork,
    LabelSelector,
    Service,
    Snapshot,
)

# the classes each announcer serves beside none (cilium v2alpha1 L2AnnounceLoadBalancerClass,
# BGPLoadBalancerClass)
CLASSES: Final = {"l2": "io.cilium/l2-announcer", "bgp": "io.cilium/bgp-control-plane"}
KEY: Final = "cilium-announced"  # in Topology.derived: lives exactly as long as the topology


@dataclass
class CiliumAnnounced:
    """``announced``: the pools L2 policies or BGP announce, with their nodes (for the judge;
    ``bgp_nodes`` None: BGP's placement not known); ``nowhere``: pools BGP is to advertise
    from no node; ``silent``: (Service, address, pool) nothing announces; ``undecided``: those
    only BGP may announce, from nodes not known; ``unread``: the announcers were not read while
    a Service holds a pool's address; ``why``: why BGP's placement is not known (the objects
    that did not parse; empty: not read); ``refused``: the L2 policies Cilium refuses (each
    "name field: why"; they announce nothing)."""

    announced: list[Announced] = field(default_factory=list)
    nowhere: list[CiliumLBPool] = field(default_factory=list)
    silent: list[tuple[Service, IPAddress, str]] = field(default_factory=list)
    undecided: list[tuple[Service, IPAddress, str]] = field(default_factory=list)
    unread: bool = False
    why: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Group:
    """The announcers of one kind with one Service selector (identical ones meet a Service
    together: one selector evaluation for them all); ``status``: by afi, whether one of them
    announces from some node (None: not known)."""

    kind: str
    service_selector: LabelSelector | None
    members: list[int]
    status: dict[str, bool | None] = field(default_factory=dict)


def _groups(announcers: Sequence[CiliumAnnouncer], places: Places) -> list[_Group]:
    """The groups of the announcers Cilium does not refuse, each with its status."""
    by_key: dict[tuple[str, object], _Group] = {}
    for i, a in enumerate(announcers):
        if a.refused:
            continue  # an L2 policy refused announces nothing; a BGP one: `bgp_places`
        key = (a.kind, selector_key(a.service_selector) if a.service_selector is not None else None)
        group = by_key.setdefault(key, _Group(a.kind, a.service_selector, []))
        group.members.append(i)
    for group in by_key.values():
        for afi in AFIS:
            found: list[bool | None] = [True] if group.kind == "l2" else []
            for i in group.members if group.kind == "bgp" else ():
                by_afi = places.of(announcers[i])
                found.append(None if by_afi is None else bool(by_afi.get(afi)))
            group.status[afi] = True if True in found else (None if None in found else False)
    return list(by_key.values())


def _chosen(
    snapshot: Snapshot, out: CiliumAnnounced, places: Places
) -> dict[str, tuple[CiliumLBPool, set[int]]]:
    """Each pool in use -> the announcers (indices) that announce one of its addresses."""
    cl = snapshot.cluster
    vips = cl.virtual_ips if cl is not None else None
    if cl is None or vips is None or cl.cni.type != "cilium" or not vips.cilium_pools:
        return {}
    pools: PrefixIndex[CiliumLBPool] = PrefixIndex(
        (c, p) for p in vips.cilium_pools for c in p.cidrs
    )
    announcers = vips.cilium_announcers
    selecting = Selecting(_groups(announcers or (), places))
    # a refused advertisement placed on some node fails its instances' reconciliation there:
    # the routes they advertised before stay, so even a Service nothing selects is not known
    stale = not places.known and any(a.kind == "bgp" and a.refused for a in announcers or ())
    used: dict[str, tuple[CiliumLBPool, dict[int, _Group]]] = {}
    for svc in cl.services or ():
        if svc.type != "LoadBalancer":
            continue
        chosen: list[_Group] | None = None
        for ingress in svc.load_balancer_ingress:
            pool = pools.first_listed(ingress.ip) if ingress.ip is not None else None
            if pool is None or ingress.ip is None:
                continue
            if announcers is None:
                out.unread = True
                continue
            if chosen is None:
                chosen = [
                    g
                    for g in selecting.selecting(service_labels(svc))
                    if svc.load_balancer_class in (None, "", CLASSES[g.kind])
                ]
            found = {g.status[f"ipv{ingress.ip.version}"] for g in chosen}
            if True not in found:
                unsure = None in found or stale
                (out.undecided if unsure else out.silent).append((svc, ingress.ip, pool.name))
            used.setdefault(pool.name, (pool, {}))[1].update((id(g), g) for g in chosen)
    return {
        name: (pool, {i for g in groups.values() for i in g.members})
        for name, (pool, groups) in used.items()
    }


def _bgp_nodes(pool: CiliumLBPool, bgp: list[CiliumAnnouncer], places: Places) -> set[str] | None:
    """The nodes that advertise ``pool`` to a peer: each announcer's, of the pool's families
    (None: not known)."""
    afis = {f"ipv{c.version}" for c in pool.cidrs}
    found: list[frozenset[str]] = []
    for a in bgp:
        by_afi = places.of(a)
        if by_afi is None:
            return None
        found.extend(nodes for afi, nodes in by_afi.items() if afi in afis)
    return set(union_once(found))


def announced_of(topo: Topology) -> CiliumAnnounced:
    """`cilium_announced` of ``topo``'s snapshot, computed once per topology (its
    ``derived``): neutron-vip-pairs and lb-pending-service both ask."""
    found = topo.derived.get(KEY)
    if not isinstance(found, CiliumAnnounced):
        found = topo.derived[KEY] = cilium_announced(topo.snapshot)
    return found


def cilium_announced(snapshot: Snapshot) -> CiliumAnnounced:
    out = CiliumAnnounced()
    cl = snapshot.cluster
    vips = cl.virtual_ips if cl is not None else None
    if cl is None or vips is None:
        return out
    announcers = vips.cilium_announcers or ()
    out.refused = tuple(f"{a.name} {r}" for a in announcers if a.kind == "l2" for r in a.refused)
    sets = SelectorNodes(cl.nodes or ())
    places = bgp_places(vips.cilium_bgp, announcers, sets)
    used = _chosen(snapshot, out, places)
    if not used:
        return out
    out.why = places.why
    unsure = {pool for _, _, pool in out.undecided}
    for pool, indices in used.values():
        chosen = [announcers[i] for i in sorted(indices)]
        l2 = [a for a in chosen if a.kind == "l2"]
        bgp = [a for a in chosen if a.kind == "bgp"]
        entry = Announced("cilium", pool.name, pool.cidrs)
        entry.l2_nodes = set(union_once(sets.of(a.node_selector) for a in l2))
        for a in l2:
            entry.interfaces += tuple(i for i in a.interfaces if i not in entry.interfaces)
        if bgp:
            entry.bgp_nodes = _bgp_nodes(pool, bgp, places)
            entry.bgp = entry.bgp_nodes is None or bool(entry.bgp_nodes)
            if not entry.bgp and not l2 and pool.name not in unsure:
                out.nowhere.append(pool)
        if pool.name in unsure:  # only BGP may announce it, from nodes not known
            entry.bgp, entry.bgp_nodes = True, None
        if entry.l2_nodes or entry.bgp:
            out.announced.append(entry)
    return out


VIP = "neutron-vip-pairs"

register(
    {
        f"{VIP}.what.cilium": {
            "en": "Cilium LB IPAM pool {name}",
            "ko": "Cilium LB IPAM 풀 {name}",
        },
        f"{VIP}.cilium-bgp": {
            "en": "Cilium's BGP control plane advertises the addresses of {what} ({cidrs}): the "
            "nodes that advertise them receive their traffic and reply from them through their "
            "ports, which need an allowed address pair covering them, and which nodes those are "
            "is not known ({why}).",
            "ko": "Cilium BGP 컨트롤 플레인이 {what}의 주소({cidrs})를 알립니다: 이를 알리는 노드가 "
            "그 트래픽을 받아 그 주소에서 포트로 회신하므로 그 포트에 이 주소를 덮는 Allowed "
            "Address Pair가 있어야 하는데, 그 노드가 어디인지 알 수 없습니다({why}).",
        },
        f"{VIP}.cilium-bgp-unread": {
            "en": "the CiliumBGPClusterConfigs and CiliumBGPPeerConfigs were not read",
            "ko": "CiliumBGPClusterConfig와 CiliumBGPPeerConfig를 읽지 못함",
        },
        f"{VIP}.cilium-bgp-unparsed": {
            "en": "a selector of {names} does not parse",
            "ko": "{names}의 셀렉터를 해석할 수 없음",
        },
        f"{VIP}.cilium-bgp-nowhere": {
            "en": "Cilium's BGP control plane is to advertise the addresses of {what} ({cidrs}) "
            "through CiliumBGPAdvertisements, but no node advertises them to a peer: no node of "
            "a CiliumBGPClusterConfig has a peer whose CiliumBGPPeerConfig family (of the "
            "pool's address family) selects those advertisements, and no CiliumBGPPeeringPolicy "
            "applies. It reaches the nodes only by a route kostack does not see, so which "
            "nodes' ports must let it out is not known.",
            "ko": "Cilium BGP 컨트롤 플레인이 CiliumBGPAdvertisement로 {what}의 주소({cidrs})를 "
            "알려야 하는데, 이를 피어에 알리는 노드가 없습니다: 어떤 CiliumBGPClusterConfig 노드의 "
            "피어도 (풀의 주소 계열의) CiliumBGPPeerConfig family가 그 advertisement를 고르지 "
            "않고, 적용되는 CiliumBGPPeeringPolicy도 없습니다. kostack이 보지 못하는 경로로만 "
            "노드에 닿으므로, 어느 노드의 포트가 이를 내보내야 하는지 알 수 없습니다.",
        },
        f"{VIP}.cilium-unread": {
            "en": "Services hold Cilium LB IPAM addresses, and what announces them (L2 "
            "announcement policies, BGP) was not read: which nodes answer for them is not known.",
            "ko": "Service가 Cilium LB IPAM 주소를 쓰는데 이를 알리는 객체(L2 announcement 정책, "
            "BGP)를 읽지 못했습니다: 어느 노드가 응답하는지 알 수 없습니다.",
        },
    }
)


def _cidrs(cidrs: tuple[IPNetwork, ...]) -> str:
    return ", ".join(str(c) for c in cidrs)


def cilium_undecided(ctx: CheckContext, say: Says, cilium: CiliumAnnounced) -> list[Finding]:
    """UNKNOWN: the announcers not read, the pools BGP advertises from nodes not known, and
    those it advertises from no node."""
    out: list[Finding] = []
    if cilium.unread:
        gap = ctx.snapshot.gap_for("cluster.virtual_ips.cilium_announcers")
        evidence = (f"gap: {gap.source}: {gap.error}",) if gap else ()
        out.append(say.cluster(ctx, Status.UNKNOWN, Msg(f"{VIP}.cilium-unread"), evidence))
    gap = ctx.snapshot.gap_for("cluster.virtual_ips.cilium_bgp")
    evidence = (f"gap: {gap.source}: {gap.error}",) if gap else ()
    why = (
        Msg(f"{VIP}.cilium-bgp-unparsed", names=", ".join(cilium.why[:8]))
        if cilium.why
        else Msg(f"{VIP}.cilium-bgp-unread")
    )
    for a in cilium.announced:
        if a.bgp and a.bgp_nodes is None:
            what = Msg(f"{VIP}.what.cilium", name=a.name)
            message = Msg(f"{VIP}.cilium-bgp", what=what, cidrs=_cidrs(a.cidrs), why=why)
            out.append(
                say.cluster(ctx, Status.UNKNOWN, message, evidence, key=("cilium-bgp", a.name))
            )
    for pool in cilium.nowhere:
        what = Msg(f"{VIP}.what.cilium", name=pool.name)
        message = Msg(f"{VIP}.cilium-bgp-nowhere", what=what, cidrs=_cidrs(pool.cidrs))
        out.append(say.cluster(ctx, Status.UNKNOWN, message, key=("cilium-bgp-nowhere", pool.name)))
    return out
