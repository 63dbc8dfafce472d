"""Cilium LB IPAM's addresses in use, and what announces them (docs/facts.md "Cilium LB IPAM
announcements"): a Service whose address is in a CiliumLoadBalancerIPPool is answered for by
ARP/NDP from the nodes of every CiliumL2AnnouncementPolicy that selects it (``loadBalancerIPs``,
its class none or ``io.cilium/l2-announcer``), and routed to over BGP when the BGP control plane
advertises it (class none or ``io.cilium/bgp-control-plane``). An L2-announced pool is judged
as MetalLB's L2 pools are (neutron-vip-pairs: the answering nodes' ports need an allowed address
pair covering it); a BGP-announced one is UNKNOWN (from which nodes is not placed); an address
nothing announces is allocated but unreachable from outside the cluster (lb-pending-service,
cause ``cilium-lb-unannounced``). One pass over the Services: each address looked up by prefix,
each Service meeting only the announcers its labels name (lbipam.py ``Selecting``); each
announcer's nodes are computed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from kostack.analyze.checks._vips import Announced
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.findings import Finding, Status
from kostack.analyze.loadbalancer.lbipam import Selecting, service_labels
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import PrefixIndex
from kostack.model.snapshot import CiliumAnnouncer, CiliumLBPool, IPAddress, Service, Snapshot

# the classes each announcer serves beside none (cilium v2alpha1 L2AnnounceLoadBalancerClass,
# BGPLoadBalancerClass)
CLASSES: Final = {"l2": "io.cilium/l2-announcer", "bgp": "io.cilium/bgp-control-plane"}


@dataclass
class CiliumAnnounced:
    """``l2``: the pools L2 policies announce, with their nodes (for the judge); ``bgp``: the
    pools BGP announces; ``silent``: (Service, address, pool) nothing announces; ``unread``:
    the announcers were not read while a Service holds a pool's address."""

    l2: list[Announced] = field(default_factory=list)
    bgp: dict[str, CiliumLBPool] = field(default_factory=dict)
    silent: list[tuple[Service, IPAddress, str]] = field(default_factory=list)
    unread: bool = False


def _serves(a: CiliumAnnouncer, svc: Service) -> bool:
    return svc.load_balancer_class in (None, "", CLASSES[a.kind])


def cilium_announced(snapshot: Snapshot) -> CiliumAnnounced:
    out = CiliumAnnounced()
    cl = snapshot.cluster
    vips = cl.virtual_ips if cl is not None else None
    if cl is None or vips is None or cl.cni.type != "cilium" or not vips.cilium_pools:
        return out
    pools: PrefixIndex[CiliumLBPool] = PrefixIndex(
        (c, p) for p in vips.cilium_pools for c in p.cidrs
    )
    announcers = vips.cilium_announcers
    selecting = Selecting(announcers or ())
    nodes = cl.nodes or ()
    placed: dict[int, set[str]] = {
        id(a): {
            n.name for n in nodes if a.node_selector is None or a.node_selector.selects(n.labels)
        }
        for a in announcers or ()
        if a.kind == "l2"
    }
    l2: dict[str, Announced] = {}
    for svc in cl.services or ():
        if svc.type != "LoadBalancer":
            continue
        for ingress in svc.load_balancer_ingress:
            pool = pools.first_listed(ingress.ip) if ingress.ip is not None else None
            if pool is None or ingress.ip is None:
                continue
            if announcers is None:
                out.unread = True
                continue
            chosen = [a for a in selecting.selecting(service_labels(svc)) if _serves(a, svc)]
            if not chosen:
                out.silent.append((svc, ingress.ip, pool.name))
            for a in chosen:
                if a.kind == "bgp":
                    out.bgp[pool.name] = pool
                    continue
                entry = l2.setdefault(pool.name, Announced("cilium", pool.name, pool.cidrs))
                entry.l2_nodes |= placed[id(a)]
    out.l2 = list(l2.values())
    return out


VIP = "neutron-vip-pairs"

register(
    {
        f"{VIP}.what.cilium": {
            "en": "Cilium LB IPAM pool {name}",
            "ko": "Cilium LB IPAM 풀 {name}",
        },
        f"{VIP}.cilium-bgp": {
            "en": "Cilium's BGP control plane announces the addresses of {what} ({cidrs}): the "
            "nodes that announce it answer for them through their ports, which need an allowed "
            "address pair covering them, and kostack does not place those nodes (their BGP "
            "configuration is not read).",
            "ko": "Cilium BGP 컨트롤 플레인이 {what}의 주소({cidrs})를 알립니다: 이를 알리는 노드의 "
            "포트가 응답하므로 그 포트에 이 주소를 덮는 Allowed Address Pair가 있어야 하는데, "
            "kostack은 그 노드를 특정하지 못합니다(BGP 설정을 읽지 않음).",
        },
        f"{VIP}.cilium-unread": {
            "en": "Services hold Cilium LB IPAM addresses, and what announces them (L2 "
            "announcement policies, BGP) was not read: which nodes answer for them is not known.",
            "ko": "Service가 Cilium LB IPAM 주소를 쓰는데 이를 알리는 객체(L2 announcement 정책, "
            "BGP)를 읽지 못했습니다: 어느 노드가 응답하는지 알 수 없습니다.",
        },
    }
)


def cilium_undecided(ctx: CheckContext, say: Says, cilium: CiliumAnnounced) -> list[Finding]:
    """UNKNOWN: the pools BGP announces (their nodes not placed), and announcers not read."""
    out: list[Finding] = []
    if cilium.unread:
        gap = ctx.snapshot.gap_for("cluster.virtual_ips.cilium_announcers")
        evidence = (f"gap: {gap.source}: {gap.error}",) if gap else ()
        out.append(say.cluster(ctx, Status.UNKNOWN, Msg(f"{VIP}.cilium-unread"), evidence))
    for name, pool in cilium.bgp.items():
        what = Msg(f"{VIP}.what.cilium", name=name)
        cidrs = ", ".join(str(c) for c in pool.cidrs)
        message = Msg(f"{VIP}.cilium-bgp", what=what, cidrs=cidrs)
        out.append(say.cluster(ctx, Status.UNKNOWN, message, key=("cilium-bgp", name)))
    return out
