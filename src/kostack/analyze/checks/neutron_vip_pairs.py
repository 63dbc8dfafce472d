"""neutron-vip-pairs: the ports of nodes that announce a virtual IP let its answers out.

MetalLB in L2 mode, Antrea's Service external IPs (ServiceExternalIP), and kube-vip with
``vip_arp``, answer ARP (IPv4) or NDP (IPv6) for an
address no Neutron port owns, from the node's own MAC, and the node's replies leave with that
address as source. Neutron's anti-spoofing drops both unless the address is a fixed IP or in
an allowed address pair of the port (docs/facts.md "Virtual IPs"). MetalLB in BGP mode routes
the address to the nodes that hold a session with a BGPPeer; their replies leave from it by
the node's routes, through whichever port those choose (`_vip_ports.reply_ports`). One
finding per pool (or kube-vip address), naming its nodes with counts, never one per
(address, node).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import kostack.analyze.checks._vip_pairs_words  # noqa: F401  (the check's messages)
from kostack.analyze.checks._allocation import in_allocation_pool
from kostack.analyze.checks._facts import cidrs_label, nodes_label
from kostack.analyze.checks._metallb_notes import metallb_notes, with_notes
from kostack.analyze.checks._vip_ports import (
    Carrier,
    carrier_label,
    carriers,
    pair_covers,
    reply_ports,
)
from kostack.analyze.checks._vips import (
    Announced,
    AntreaPools,
    antrea_announced,
    endpoint_announced,
    in_use,
    kube_vip_announced,
    metallb_announced,
)
from kostack.analyze.checks._vips_cilium import announced_of, cilium_undecided
from kostack.analyze.checks.base import CheckContext, Kind, Says, missing, port_resource
from kostack.analyze.checks.neutron_port_security_disabled import unplaced_findings
from kostack.analyze.findings import PAIR_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg
from kostack.analyze.remedy import pair_remedy
from kostack.analyze.topology import NodeView, net_within
from kostack.model.snapshot import IPAddress, IPNetwork, Port, Subnet

ID = "neutron-vip-pairs"
TITLE = (
    "Ports of nodes that announce a virtual IP (MetalLB, Antrea, Cilium, kube-vip) have a pair "
    "covering it"
)
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
SEVERITY_NOTE = (
    "high: Neutron drops the ARP/NDP answers for the address (over BGP, the replies from "
    "it), so the Services (or the control "
    "plane endpoint) behind it are unreachable; an address inside a subnet's allocation pool "
    "is a warning (cause `vip-allocation-pool`): nothing breaks until Neutron hands it out."
)
NEEDS = ("cluster.virtual_ips", "cluster.nodes", "openstack.ports", "node_ports")
REMEDIES: frozenset[str] = frozenset({PAIR_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "vip-antispoof": Kind.ROOT | Kind.PORT,
    "vip-allocation-pool": Kind.WARNING,
}
CAUSE = "vip-antispoof"


def _what(a: Announced) -> str:
    return Msg(f"{ID}.what.{a.kind}", name=a.name)


def run(ctx: CheckContext) -> list[Finding]:
    gone = missing(ctx, ID, SEVERITY, NEEDS[:1])
    if gone:
        return gone
    cl = ctx.snapshot.cluster
    assert cl is not None and cl.virtual_ips is not None
    metallb = cl.virtual_ips.metallb
    kube_vip = kube_vip_announced(ctx.snapshot)
    out: list[Finding] = []
    if metallb is not None and (metallb.pools is None or metallb.advertisements is None):
        part = "IPAddressPools" if metallb.pools is None else "L2/BGPAdvertisements"
        gap = ctx.snapshot.gap_for("cluster.virtual_ips")
        evidence = (f"gap: {gap.source}: {gap.error}",) if gap else ()
        out.append(SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unread", part=part), evidence))
    announced = kube_vip + endpoint_announced(ctx.snapshot, kube_vip)
    antrea = antrea_announced(ctx.snapshot)
    announced = antrea.announced + announced
    if metallb is not None and not out:
        announced = metallb_announced(metallb, cl.nodes or ()) + announced
    out.extend(_antrea_undecided(ctx, antrea))
    cilium = announced_of(ctx.topo)  # Cilium LB IPAM's announced pools (_vips_cilium)
    announced = cilium.announced + announced
    out.extend(cilium_undecided(ctx, SAY, cilium))
    notes = metallb_notes(metallb, cl.nodes or ()) if metallb is not None else ()
    announced = [a for a in announced if a.l2_nodes or a.bgp]
    if not announced:
        out = out or [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.none"))]
        return with_notes(out, notes)
    gone = missing(ctx, ID, SEVERITY, NEEDS[1:])
    if gone:
        return out + gone
    return with_notes(out + _judge(ctx, announced), notes)


def _antrea_undecided(ctx: CheckContext, antrea: AntreaPools) -> list[Finding]:
    """UNKNOWN for Antrea's Service pools kostack could not read or place on nodes."""
    if antrea.unread:
        gap = ctx.snapshot.gap_for("cluster.egress_ips")
        evidence = (f"gap: {gap.source}: {gap.error}",) if gap else ()
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.antrea-unread"), evidence)]
    return [
        SAY.cluster(
            ctx,
            Status.UNKNOWN,
            Msg(f"{ID}.antrea-undecided", name=name, why=Msg(f"{ID}.why.{why}")),
            key=("undecided", "antrea", name),
        )
        for name, why in antrea.undecided
    ]


Gap = tuple[NodeView, Port, list[IPNetwork]]  # a node, the port that answers, what it lacks


def _judge(ctx: CheckContext, announced: Sequence[Announced]) -> list[Finding]:
    topo = ctx.topo
    used = in_use(announced, ctx.snapshot)
    out: list[Finding] = []
    no_port: dict[str, NodeView] = {}
    unsure: dict[str, NodeView] = {}
    in_subnet: dict[str, tuple[Subnet, list[Announced], list[IPNetwork]]] = {}
    unread_peers: list[Announced] = []
    for a in announced:
        views = [topo.node_views[n] for n in sorted(a.l2_nodes) if n in topo.node_views]
        gaps: dict[tuple[str, str], Gap] = {}
        several: dict[str, list[Carrier]] = {}  # node -> the ports that could carry it
        subnets: dict[str, tuple[Subnet, list[IPNetwork]]] = {}
        routed: dict[str, list[Carrier]] = {}  # BGP: node -> its ports lacking a pair
        seen = Seen(gaps, routed, subnets, no_port, unsure)
        outside = [c for c in a.cidrs if not _answered(ctx, views, c, seen, several)]
        bgp_views = [topo.node_views[n] for n in sorted(a.bgp_nodes or ()) if n in topo.node_views]
        for cidr in a.cidrs:
            for v in bgp_views:
                _routed(ctx, v, cidr, seen)
        if a.bgp and a.bgp_nodes is None:
            if a.kind == "metallb":  # one finding for them all; Cilium's: cilium_undecided
                unread_peers.append(a)
        elif not views and not bgp_views:  # announced over BGP only, from no node seen
            out.append(
                _nowhere(ctx, a)
                if a.kind == "metallb"
                else _outside(ctx, a, list(a.cidrs), only_bgp=True)
            )
        elif outside and not bgp_views:
            out.append(_outside(ctx, a, outside))
        if several:
            out.append(_several(ctx, a, several))
        if routed:
            out.append(_routed_unknown(ctx, a, routed))
        if gaps:
            out.append(_fail(ctx, a, list(gaps.values()), used.get(f"{a.kind}/{a.name}", [])))
        for subnet, cidrs in subnets.values():
            entry = in_subnet.setdefault(subnet.id, (subnet, [], []))
            entry[1].append(a)
            entry[2].extend(cidrs)
    for subnet, owners, cidrs in in_subnet.values():
        what = ", ".join(_what(a) for a in owners)
        out.extend(in_allocation_pool(ctx, SAY, f"{ID}.allocation", subnet, what, cidrs))
    out += unplaced_findings(ctx, SAY, no_port, unsure, f"{ID}.unfiltered")
    if unread_peers:
        out.append(_peers_unread(ctx, unread_peers))
    if any(f.status in (Status.FAIL, Status.UNKNOWN) for f in out):
        return out
    return [*out, SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=len(announced)))]


@dataclass(frozen=True)
class Seen:
    """What one pool's judgement gathers: the ports lacking a pair (``gaps``), BGP nodes
    whose ports disagree (``routed``), the subnets holding its ranges, and the nodes left
    undecided (no matched port; a port Neutron may not filter)."""

    gaps: dict[tuple[str, str], Gap]
    routed: dict[str, list[Carrier]]
    subnets: dict[str, tuple[Subnet, list[IPNetwork]]]
    no_port: dict[str, NodeView]
    unsure: dict[str, NodeView]


def _answered(
    ctx: CheckContext,
    views: Sequence[NodeView],
    cidr: IPNetwork,
    seen: Seen,
    several: dict[str, list[Carrier]],
) -> bool:
    """A range answered for by ARP/NDP from ``views``: the port whose subnet holds it on each
    (`carriers`); False when no node's subnet holds it (the "outside" case)."""
    topo = ctx.topo
    inside = False
    for v in views:
        if v.port is None:
            subnet = topo.node_subnet(v, cidr.version)
            if subnet is not None and net_within(cidr, subnet.cidr):
                inside = True
                seen.no_port[v.name] = v
            continue
        found = carriers(topo, v, cidr)
        inside = inside or bool(found)
        for c in found:  # a subnet's allocation pool matters whichever port answers
            held = seen.subnets.setdefault(c.subnet.id, (c.subnet, []))[1]
            if cidr not in held:
                held.append(cidr)
        if len(found) > 1:
            several.setdefault(v.name, found)
            continue
        for c in found:
            covered = pair_covers(c.port, cidr, topo)
            if covered is None:
                seen.unsure[v.name] = v
            elif not covered:
                seen.gaps.setdefault((v.name, c.port.id), (v, c.port, []))[2].append(cidr)
    return inside


def _routed(ctx: CheckContext, v: NodeView, cidr: IPNetwork, seen: Seen) -> None:
    """A range routed to ``v`` over BGP: its replies leave from the range through one of the
    server's ports of that family (`reply_ports`); every one lacking a pair: a gap on each
    (whichever the routes choose drops them); some only: undecided, naming those."""
    topo = ctx.topo
    found = reply_ports(topo, v, cidr.version)
    if not found:
        seen.no_port[v.name] = v
        return
    for c in carriers(topo, v, cidr):  # a subnet's allocation pool matters here too
        held = seen.subnets.setdefault(c.subnet.id, (c.subnet, []))[1]
        if cidr not in held:
            held.append(cidr)
    said = [pair_covers(c.port, cidr, topo) for c in found]
    if None in said:
        seen.unsure[v.name] = v
        return
    lacking = [c for c, ok in zip(found, said, strict=True) if not ok]
    if lacking and len(lacking) < len(found):
        seen.routed.setdefault(v.name, lacking)
        return
    for c in lacking:
        held = seen.gaps.setdefault((v.name, c.port.id), (v, c.port, []))[2]
        if cidr not in held:
            held.append(cidr)


def _routed_unknown(ctx: CheckContext, a: Announced, routed: dict[str, list[Carrier]]) -> Finding:
    shown = list(routed.items())[:8]
    ports = "; ".join(f"{node}: {', '.join(carrier_label(c) for c in cs)}" for node, cs in shown)
    return SAY.cluster(
        ctx,
        Status.UNKNOWN,
        Msg(f"{ID}.routed", what=_what(a), nodes=nodes_label(list(routed)), ports=ports),
        tuple(f"port {carrier_label(c)} ({node})" for node, cs in shown for c in cs),
        nodes=tuple(routed),
        key=("routed", a.kind, a.name),
    )


def _nowhere(ctx: CheckContext, a: Announced) -> Finding:
    """UNKNOWN: a MetalLB pool that only BGPAdvertisements announce, from no node that holds
    a session: MetalLB tells no router, so only a route kostack does not see reaches it."""
    cl = ctx.snapshot.cluster
    metallb = cl.virtual_ips.metallb if cl is not None and cl.virtual_ips is not None else None
    scoped = metallb.scoped() if metallb is not None else None
    names = [p.name for p in (scoped.peers if scoped is not None else None) or ()]
    peers = Msg(f"{ID}.peer-list", names=", ".join(names[:8])) if names else Msg(f"{ID}.no-peer")
    said = cidrs_label([str(c) for c in a.cidrs])
    return SAY.cluster(
        ctx,
        Status.UNKNOWN,
        Msg(f"{ID}.bgp-nowhere", what=_what(a), cidrs=said, peers=peers),
        key=("nowhere", a.kind, a.name),
    )


def _peers_unread(ctx: CheckContext, pools: list[Announced]) -> Finding:
    gap = ctx.snapshot.gap_for("cluster.virtual_ips")
    evidence = (f"gap: {gap.source}: {gap.error}",) if gap else ()
    names = ", ".join(a.name for a in pools[:8]) + (", ..." if len(pools) > 8 else "")
    return SAY.cluster(
        ctx,
        Status.UNKNOWN,
        Msg(f"{ID}.peers-unread", pools=names, n=len(pools)),
        evidence,
        key=("peers",),
    )


def _several(ctx: CheckContext, a: Announced, several: dict[str, list[Carrier]]) -> Finding:
    """UNKNOWN: more than one port of a node's server has a subnet holding the address, and
    which interface answers for it is the node's choice (interface names kostack does not
    map to ports)."""
    shown = list(several.items())[:8]
    ports = "; ".join(f"{node}: {', '.join(carrier_label(c) for c in cs)}" for node, cs in shown)
    return SAY.cluster(
        ctx,
        Status.UNKNOWN,
        Msg(
            f"{ID}.several",
            what=_what(a),
            nodes=nodes_label(list(several)),
            ports=ports,
            interfaces=Msg(f"{ID}.interfaces", names=", ".join(a.interfaces))
            if a.interfaces
            else "",
        ),
        tuple(f"port {carrier_label(c)} ({node})" for node, cs in shown for c in cs),
        nodes=tuple(several),
        key=("several", a.kind, a.name),
    )


def _fail(ctx: CheckContext, a: Announced, gaps: list[Gap], ips: Sequence[IPAddress]) -> Finding:
    what = _what(a)
    views = list({v.name: v for v, _, _ in gaps}.values())
    remedies: list[Remedy] = []
    for v, port, cidrs in gaps:
        why = Msg(f"{ID}.reason", node=v.name, what=what)
        remedies.extend(pair_remedy(port, v.name, c, why, CAUSE) for c in cidrs)
    shown = cidrs_label([str(i) for i in ips])
    used = Msg(f"{ID}.used", n=len(ips), ips=shown) if ips else Msg(f"{ID}.unused")
    return SAY.cluster(
        ctx,
        Status.FAIL,
        Msg(
            f"{ID}.fail" if a.l2_nodes else f"{ID}.fail-bgp",
            what=Msg(
                f"{ID}.pool", what=what, cidrs=cidrs_label([str(c) for c in a.cidrs]), used=used
            )
            if a.kind in ("metallb", "antrea")
            else what,
            nodes=nodes_label([v.name for v in views], len(ctx.topo.node_views)),
            n=len(gaps),
        ),
        tuple(
            f"port {port.id} ({v.name}{_second(v, port)}) allowed_address_pairs="
            f"{[str(p.ip_address) for p in port.allowed_address_pairs]}"
            for v, port, _ in gaps[:8]
        ),
        tuple(remedies),
        cause=CAUSE,
        affected=tuple(port_resource(ctx, port, v.name) for v, port, _ in gaps),
        nodes=tuple(v.name for v in views),
        counts=(("nodes", len(views)), ("services", len(ips))),
        key=("pairs", a.kind, a.name),
    )


def _second(v: NodeView, port: Port) -> str:
    """ ", second NIC <name>" for another port of the node's server (evidence is English)."""
    if v.port is not None and port.id != v.port.id:
        return f", second NIC {port.name or '-'}"
    return ""


def _outside(
    ctx: CheckContext, a: Announced, cidrs: list[IPNetwork], *, only_bgp: bool = False
) -> Finding:
    bgp = Msg(f"{ID}.bgp") if a.bgp else ""
    said = cidrs_label([str(c) for c in cidrs])
    message = (
        Msg(f"{ID}.bgp-only", what=_what(a), cidrs=said)
        if only_bgp
        else Msg(f"{ID}.outside", what=_what(a), cidrs=said, bgp=bgp)
    )
    return SAY.cluster(
        ctx,
        Status.UNKNOWN,
        message,
        key=("outside", a.kind, a.name),
    )
