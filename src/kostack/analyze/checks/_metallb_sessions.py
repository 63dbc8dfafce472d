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
excluded node costs nothing. Cost: peers x nodes, each session's hops evaluated once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from kostack.analyze.checks._vips import any_selects, metallb_silent
from kostack.analyze.engine.router import no_port_hop
from kostack.analyze.engine.secgroups import security_groups
from kostack.analyze.engine.types import Disposition, Hop, Wire
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress, MetalLB, MetalLBPeer, Port

register(
    {
        "net-sg-metallb-bgp.no-ip": {
            "en": "node {node} has no IPv{v} address in the snapshot to open the session from",
            "ko": "스냅샷에 세션을 열 노드 {node}의 IPv{v} 주소가 없습니다",
        }
    }
)


@dataclass
class PeerSessions:
    """One BGPPeer's judged sessions, grouped by outcome: (node, the deciding hop)."""

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
    speaking = [n for n in nodes if n.name not in silent]
    scoped = metallb.scoped()
    ads = [
        (a.peers, {n.name for n in speaking if any_selects(a.node_selectors, n.labels)})
        for a in scoped.advertisements or ()
        if a.kind == "bgp"
    ]
    out: dict[str, set[str]] = {}
    for peer in scoped.peers or ():
        held = {n.name for n in speaking if any_selects(peer.node_selectors, n.labels)}
        told: set[str] = set()
        for names, picked in ads:
            if not names or peer.name in names:
                told |= picked
        if held & told:
            out[peer.name] = held & told
    return out


def judge_peer(
    topo: Topology,
    peer: MetalLBPeer,
    views: Sequence[NodeView],
    ports_by_ip: dict[IPAddress, Port],
) -> PeerSessions:
    """The sessions of ``views`` with ``peer`` (its address known)."""
    address = peer.address
    assert address is not None
    port = ports_by_ip.get(address)
    out = PeerSessions(peer, port)
    for v in views:
        source = peer.source_address or v.ip_of(address.version)
        if v.port is None:
            out.undecided.append((v, no_port_hop("sg", v)))
            continue
        if source is None:
            detail = Msg("net-sg-metallb-bgp.no-ip", node=v.name, v=address.version)
            out.undecided.append((v, Hop("sg", v.name, Disposition.UNKNOWN, detail, cause="gap")))
            continue
        wire = Wire(source, address, 6, peer.port)
        there = security_groups(topo, v.port, wire, "egress", v.port_label())
        if not there.passes:
            if there.disposition == Disposition.UNKNOWN:
                out.undecided.append((v, there))
                continue
            out.dropped.append((v, there))
            continue
        if port is not None and port.id != v.port.id:
            into = security_groups(topo, port, wire, "ingress", f"port {port.name or port.id}")
            if into.disposition == Disposition.UNKNOWN:
                out.undecided.append((v, into))
                continue
            if not into.passes:
                out.refused.append((v, into))
                continue
        out.working += 1
    return out
