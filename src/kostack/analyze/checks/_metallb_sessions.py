"""MetalLB's BGP sessions through the security groups (docs/facts.md "MetalLB in BGP mode").

The speaker dials each BGPPeer's ``peerAddress`` on ``peerPort`` (179 by the CRD's default)
from ``sourceAddress``, else the address the kernel picks (internal/bgp/native/native.go
``dialMD5``; FRR's ``neighbor ... port``): the node's egress must admit TCP to the peer.
The speaker never listens: the native implementation only dials, and MetalLB runs FRR's
bgpd with ``-p 0`` (config/frr/frr-cm.yaml, the Helm chart's speaker.yaml: "do not listen
bgp port", FRR doc/user/bgp.rst), so a router that dials in finds nothing. A peer that is a
Neutron port of the project (a router VM) must admit the nodes in its own ingress.

Only the sessions that carry an announcement are judged: a peer's sessions on the nodes that
announce a pool to it (`_vips.metallb_announced` does the same sum per pool), so a peer on an
excluded node costs nothing. A session leaves by the port of the node's server whose subnet
holds the peer's address (a second NIC's when that is where it is), else by whichever port of
the family the node's routes pick: it is judged on each such port, UNKNOWN when they disagree
(`session_views`; docs/facts.md). Cost: peers x nodes x the server's ports, each session's hops
evaluated once per port.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from ipaddress import ip_network

from kostack.analyze.checks._vip_ports import carriers, reply_ports
from kostack.analyze.checks._vips import metallb_silent
from kostack.analyze.engine.router import no_port_hop
from kostack.analyze.engine.secgroups import security_groups
from kostack.analyze.engine.types import Disposition, Hop, Wire
from kostack.analyze.messages import Msg, register
from kostack.analyze.node_sets import SelectorNodes, union_once
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress, MetalLB, MetalLBPeer, Port

register(
    {
        "net-sg-metallb-bgp.no-ip": {
            "en": "node {node} has no IPv{v} address in the snapshot to open the session from",
            "ko": "스냅샷에 세션을 열 노드 {node}의 IPv{v} 주소가 없습니다",
        },
        "net-sg-metallb-bgp.disagree": {
            "en": "more than one port of node {node}'s server may carry the session and their "
            "security groups judge it differently ({ports}); which one the node's routes pick is not "
            "collected",
            "ko": "노드 {node}의 서버에서 세션을 실을 수 있는 포트가 여럿이고 보안 그룹 판단이 "
            "서로 다릅니다({ports}). 노드의 라우팅이 어느 포트를 고르는지는 수집하지 않습니다",
        },
    }
)


@dataclass
class PeerSessions:
    """One BGPPeer's judged sessions, grouped by outcome: (node, the deciding hop), once per
    port that may carry a node's session when they agree (a node may be there twice)."""

    peer: MetalLBPeer
    port: Port | None  # the peer's own Neutron port, when it is one of the project's
    dropped: list[tuple[NodeView, Hop]] = field(default_factory=list)  # the nodes' egress
    refused: list[tuple[NodeView, Hop]] = field(default_factory=list)  # the peer's ingress
    undecided: list[tuple[NodeView, Hop]] = field(default_factory=list)
    working: int = 0


def announcing_peers(metallb: MetalLB, views: Sequence[NodeView]) -> dict[str, set[str]]:
    """Each BGPPeer (by name) -> the nodes whose session with it carries an announcement: the
    peer selects the node, and a BGPAdvertisement to it (``peers`` empty or naming it)
    selects the node, which is not silent. Objects of the speaker's namespace only. Each
    advertisement's and each peer's node set is computed once."""
    nodes = [v.node for v in views]
    silent = metallb_silent(metallb, nodes)
    sets = SelectorNodes([n for n in nodes if n.name not in silent])
    scoped = metallb.scoped()
    ads = [
        (a.peers, sets.of_any(a.node_selectors))
        for a in scoped.advertisements or ()
        if a.kind == "bgp"
    ]
    out: dict[str, set[str]] = {}
    for peer in scoped.peers or ():
        held = sets.of_any(peer.node_selectors)
        told = union_once(picked for names, picked in ads if not names or peer.name in names)
        if held & told:
            out[peer.name] = set(held & told)
    return out


def session_views(topo: Topology, view: NodeView, address: IPAddress) -> list[NodeView]:
    """The node as each port of its server that may carry its session to ``address`` sees it:
    the ports whose subnet holds the address (the peer is on that link), else every port of
    the address's family (a routed peer: the node's routes pick one, `_vip_ports.reply_ports`).
    A port other than the node's own gives a view with that port, its subnet and its fixed IP
    there (the source the kernel picks). The node itself when it has no matched port."""
    if view.port is None:
        return [view]
    found = carriers(topo, view, ip_network(address)) or reply_ports(topo, view, address.version)
    out: list[NodeView] = []
    for c in found:
        if c.port.id == view.port.id:
            out.append(view)
            continue
        ip = next((f.ip_address for f in c.port.fixed_ips if f.ip_address in c.subnet.cidr), None)
        out.append(replace(view, ip=ip, port=c.port, subnet=c.subnet))
    return out or [view]


def judge_peer(
    topo: Topology,
    peer: MetalLBPeer,
    views: Sequence[NodeView],
    ports_by_ip: dict[IPAddress, Port],
) -> PeerSessions:
    """The sessions of ``views`` with ``peer`` (its address known), each judged on the port(s)
    `session_views` gives: when several may carry it and their outcomes differ, UNKNOWN naming
    them (which one the node's routes pick is not collected)."""
    address = peer.address
    assert address is not None
    port = ports_by_ip.get(address)
    out = PeerSessions(peer, port)
    for v in views:
        judged = [_judge_one(topo, peer, s, port) for s in session_views(topo, v, address)]
        if len({kind for kind, _, _ in judged}) > 1:
            where = ", ".join(f"{s.port.id} ({s.port.name or '-'})" for _, s, _ in judged if s.port)
            detail = Msg("net-sg-metallb-bgp.disagree", node=v.name, ports=where)
            out.undecided.append((v, Hop("sg", v.name, Disposition.UNKNOWN, detail, cause="gap")))
            continue
        kind = judged[0][0]
        if kind == "working":
            out.working += 1
            continue
        into = {"dropped": out.dropped, "refused": out.refused}.get(kind, out.undecided)
        into += [(seen, hop) for _, seen, hop in judged if hop is not None]
    return out


def _judge_one(
    topo: Topology, peer: MetalLBPeer, v: NodeView, port: Port | None
) -> tuple[str, NodeView, Hop | None]:
    """One session from one port: ("working" | "dropped" | "refused" | "undecided", the view,
    the deciding hop)."""
    address = peer.address
    assert address is not None
    source = peer.source_address or v.ip_of(address.version)
    if v.port is None:
        return "undecided", v, no_port_hop("sg", v)
    if source is None:
        detail = Msg("net-sg-metallb-bgp.no-ip", node=v.name, v=address.version)
        return "undecided", v, Hop("sg", v.name, Disposition.UNKNOWN, detail, cause="gap")
    wire = Wire(source, address, 6, peer.port)
    there = security_groups(topo, v.port, wire, "egress", v.port_label())
    if not there.passes:
        return ("undecided" if there.disposition == Disposition.UNKNOWN else "dropped"), v, there
    if port is not None and port.id != v.port.id:
        into = security_groups(topo, port, wire, "ingress", f"port {port.name or port.id}")
        if into.disposition == Disposition.UNKNOWN:
            return "undecided", v, into
        if not into.passes:
            return "refused", v, into
    return "working", v, None
