"""A whole flow, hop by hop: the order in which Kubernetes, the CNI and Neutron handle it.

`trace` follows one flow (one path per service endpoint) and stops at the
first hop that does not pass, as a packet would. With ``full=True`` it goes on
past a drop wherever the packet is still defined, so every hop that would
drop it is known (the diagnosis needs that to tell a drop that holds in every
case from one that holds in some).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kostack.analyze.engine.antispoof import antispoof, port_down
from kostack.analyze.engine.bgp_routes import SessionJudge, bgp_port, bgp_route
from kostack.analyze.engine.calico_moved import calico_flow, calico_pair
from kostack.analyze.engine.cases import World, worlds
from kostack.analyze.engine.cni import masquerade
from kostack.analyze.engine.encap import encapsulation
from kostack.analyze.engine.ipv6 import ICMP, ICMPV6
from kostack.analyze.engine.kube_proxy import via_service
from kostack.analyze.engine.kubeovn import via_node
from kostack.analyze.engine.peer_route import peer_route
from kostack.analyze.engine.peering import session_judge as judge_sessions
from kostack.analyze.engine.pod_to_node import TUNNEL, pod_to_node
from kostack.analyze.engine.router import external_leg, network_hop, no_port_hop, source_leg
from kostack.analyze.engine.secgroups import security_groups
from kostack.analyze.engine.stateless import masquerade_ports, reply_hops, stateless
from kostack.analyze.engine.types import PASSING, Disposition, Endpoint, FlowResult, Hop, Wire
from kostack.analyze.messages import Msg, register
from kostack.analyze.protocols import PORTED_PROTOCOLS, protocol_number
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPAddress, Snapshot

register(
    {
        "where.reply": {"en": "{src} -> {dst}", "ko": "{src} -> {dst}"},
        "hop.pod-egress": {
            # the hop is already labelled with the pod: the detail says only where it goes
            "en": "out through its veth to node {node}",
            "ko": "veth를 거쳐 노드 {node:으로/로}",
        },
        "hop.bad-protocol": {
            "en": "unsupported protocol {protocol}",
            "ko": "지원하지 않는 프로토콜 {protocol}",
        },
        "hop.external-source": {
            "en": "flows from outside the cluster (NodePort, LoadBalancer, floating IPs) are not modelled",
            "ko": "클러스터 외부에서 들어오는 흐름(NodePort, LoadBalancer, Floating IP)은 모델링하지 않습니다",
        },
        "hop.no-ip": {
            "en": "an endpoint has no IP address in the snapshot",
            "ko": "스냅샷에 IP 주소가 없는 엔드포인트가 있습니다",
        },
        "hop.no-node": {
            "en": "the node of {what} is not known",
            "ko": "{what:이/가} 있는 노드를 알 수 없습니다",
        },
        "hop.local": {
            "en": "{what} is on the same node: delivered locally, Neutron is not involved",
            "ko": "{what:은/는} 같은 노드에 있어 로컬로 전달되며 Neutron을 거치지 않습니다",
        },
        "hop.node-no-ip": {
            "en": "a node has no InternalIP",
            "ko": "InternalIP가 없는 노드가 있습니다",
        },
        "hop.bgp-no-ip": {
            "en": "node {node} has no IPv{v} address in the snapshot: Calico peers over the "
            "nodes' IPv{v} addresses for IPv{v} routes",
            "ko": "스냅샷에 노드 {node}의 IPv{v} 주소가 없습니다: Calico는 IPv{v} 경로를 노드의 IPv{v} "
            "주소 사이 BGP로 주고받습니다",
        },
        "hop.to-node": {
            "en": "{ip} is node {node}'s address: routed natively (no encapsulation)",
            "ko": "{ip:은/는} 노드 {node}의 주소이므로 캡슐화 없이 그대로 라우팅됩니다",
        },
    }
)


def trace(
    topo: Topology,
    src: Endpoint,
    dst: Endpoint,
    protocol: str,
    port: int | None,
    *,
    full: bool = False,
    src_ports: tuple[int, int] | None = None,
) -> list[FlowResult]:
    """All paths of one flow: one per service endpoint when ``dst`` is a service.
    ``src_ports``: the source ports a masquerade before the path picked (Wire.src_ports)."""
    protocol = protocol.lower()

    def path(*args: object) -> FlowResult:
        return _path(*args, full=full, src_ports=src_ports)  # type: ignore[arg-type]  # via_service passes _path's args

    if dst.kind == "service":
        results = via_service(topo, src, dst, protocol, port, path)
    else:
        results = [path(topo, src, dst, dst, protocol, port, ())]
    if src.kind != "pod":
        return results
    detail = Msg("hop.pod-egress", node=src.node)
    first = Hop("pod-egress", src.label, Disposition.ACCEPTED, detail)
    return [replace(r, hops=(first, *r.hops)) for r in results]


def _path(
    topo: Topology,
    src: Endpoint,
    dst: Endpoint,
    requested: Endpoint,
    protocol: str,
    port: int | None,
    prefix: tuple[Hop, ...],
    *,
    full: bool = False,
    src_ports: tuple[int, int] | None = None,
) -> FlowResult:
    """One path; it reads top to bottom as the packet goes."""
    leg = _Leg(topo, src, dst, requested, protocol, port, full, list(prefix), src_ports)
    proto = protocol_number(protocol)
    if not isinstance(proto, int):
        return leg.fail("flow", "-", Msg("hop.bad-protocol", protocol=protocol))
    if src.kind == "external":
        return leg.fail("flow", "-", Msg("hop.external-source"))
    if src.ip is None or dst.ip is None:
        return leg.fail("flow", "-", Msg("hop.no-ip"))
    if proto == ICMP and dst.ip.version == 6:
        proto = ICMPV6  # a ping between IPv6 addresses is ICMPv6 (engine/ipv6.py)
    src_view = topo.node_views.get(src.node or "")
    if src_view is None:
        return leg.fail("flow", src.label, Msg("hop.no-node", what=src.label))
    dst_view = topo.node_views.get(dst.node or "") if dst.kind in ("pod", "node") else None
    at_src = Msg("where.node", node=src_view.name)
    if dst.kind in ("pod", "node") and dst_view is None:
        return leg.fail("route", at_src, Msg("hop.no-node", what=dst.label))
    if dst_view is not None and dst_view.name == src_view.name:
        leg.hops.append(
            Hop("deliver", at_src, Disposition.ACCEPTED, Msg("hop.local", what=dst.label))
        )
        return leg.done()
    l4_port = port if proto in PORTED_PROTOCOLS else None
    dst_ip, off = dst.ip, None
    if dst_view is not None and (
        dst.kind == "pod" or (src.kind == "node" and calico_flow(topo, proto, l4_port))
    ):
        # Calico's own traffic between nodes runs between their Calico addresses' ports
        src_view, dst_view, off = calico_pair(topo, src_view, dst_view)
        if dst.kind == "node":
            dst_ip = dst_view.ip_of(dst_ip.version) or dst_ip
    way = pod_to_node(topo, src.ip, dst_ip) if dst.kind == "node" and src.kind == "pod" else None
    if isinstance(way, Msg):
        return leg.fail("route", at_src, way)
    if way == TUNNEL and dst_view is not None:  # the CNI's tunnel carries it (pod_to_node.py)
        return _to_pod(leg, src_view, dst_view, src.ip, dst_ip, proto, l4_port, True, off)
    source = _wire_source(leg, src_view, src.ip, dst_ip, at_src)
    if source is None:
        return leg.done()
    wire_src, masqueraded = source
    if dst_view is not None and dst.kind == "pod":
        from_pod = src.kind == "pod"
        return _to_pod(leg, src_view, dst_view, wire_src, dst_ip, proto, l4_port, from_pod, off)
    nat = masquerade_ports(topo) if masqueraded else leg.src_ports
    wire = Wire(wire_src, dst_ip, proto, l4_port, src_ports=nat)
    if dst_view is not None:
        detail = Msg("hop.to-node", ip=dst_ip, node=dst_view.name)
        leg.hops.append(Hop("route", at_src, Disposition.ACCEPTED, detail))
        if off:
            leg.hops.extend(off)
            return leg.done(wire)
        if src.kind == "pod" and not masqueraded:
            # the node answers the pod's address: it needs the route to that pod
            back = peer_route(topo, dst_view, src_view, src.ip) or bgp_route(
                topo, dst_view, src_view, src.ip, session_judge(topo)
            )
            if back is not None:
                leg.hops.append(replace(back, direction="reply"))
                if leg.stop():
                    return leg.done(wire)
        neutron_leg(topo, leg.hops, src_view, dst_view, wire, full=full)
        return leg.done(wire)
    external_leg(topo, leg.hops, src_view, wire)
    if leg.hops[-1].direction == "reply" and leg.hops[-1].passes:
        reply_hops(topo, leg.hops, src_view, None, wire)  # back from outside: stateless?
    return leg.done(wire)


@dataclass
class _Leg:
    """The hops of one path so far, and how it ends."""

    topo: Topology
    src: Endpoint
    dst: Endpoint
    requested: Endpoint
    protocol: str
    port: int | None
    full: bool
    hops: list[Hop]
    src_ports: tuple[int, int] | None = None  # a masquerade's before the path (Wire.src_ports)

    def done(self, wire: Wire | None = None) -> FlowResult:
        return FlowResult(
            self.src,
            self.dst,
            self.requested,
            self.protocol,
            self.port,
            tuple(self.hops),
            wire=wire,
        )

    def fail(self, step: str, where: str, detail: str) -> FlowResult:
        """End the path at an undecided hop."""
        self.hops.append(Hop(step, where, Disposition.UNKNOWN, detail))
        return self.done()

    def stop(self) -> bool:
        """Stop here? Yes on a drop, unless ``full`` and the packet is still defined."""
        return self.hops[-1].disposition not in PASSING and not (
            self.full and self.hops[-1].disposition != Disposition.UNKNOWN
        )


def _wire_source(
    leg: _Leg, src_view: NodeView, src_ip: IPAddress, dst_ip: IPAddress, at_src: str
) -> tuple[IPAddress, bool] | None:
    """The source address the packet leaves the node with, and whether it was masqueraded
    (None: not known, the path ends). A node sends from its address of the packet's family."""
    src = leg.src
    # Kube-OVN: an overlay pod reaches an underlay one through its node's gateway, as outside
    through_node = leg.dst.kind == "pod" and via_node(leg.topo, src_ip, dst_ip) is not None
    if src.kind == "pod" and (leg.dst.kind in ("external", "node") or through_node):
        masq = masquerade(leg.topo, src_ip, dst_ip)
        if masq is None:
            return src_ip, False
        hop, masqueraded = masq
        leg.hops.append(replace(hop, where=at_src))
        if hop.disposition not in PASSING:
            return None  # what leaves the node is not known: do not guess the packet
        if not masqueraded:
            return src_ip, False
        node_ip = src_view.ip_of(dst_ip.version) or src_view.ip
        if node_ip is None:
            leg.hops.append(
                Hop("nat-outgoing", src_view.name, Disposition.UNKNOWN, Msg("hop.node-no-ip"))
            )
            return None
        return node_ip, True
    if src.kind == "node":
        return src_view.ip_of(dst_ip.version) or src_view.ip or src_ip, False
    return src_ip, False


def _to_pod(
    leg: _Leg,
    src_view: NodeView,
    dst_view: NodeView,
    wire_src: IPAddress,
    dst_ip: IPAddress,
    proto: int,
    l4_port: int | None,
    from_pod: bool,
    off: list[Hop] | None = None,
) -> FlowResult:
    """To a pod on another node: the CNI's route (native or a tunnel between the nodes'
    addresses of the tunnel's underlay family), then Neutron. The views are the nodes' as
    Calico's traffic sees them; ``off``: the undecided hops where that is not known
    (engine/calico_moved.py `calico_pair`)."""
    topo = leg.topo
    decision = encapsulation(topo, src_view, dst_view, dst_ip, from_pod=from_pod, src_ip=wire_src)
    leg.hops.append(decision.hop)
    if decision.hop.disposition == Disposition.UNKNOWN or leg.stop():
        return leg.done()
    if off:
        leg.hops.extend(off)
        return leg.done()
    bgp = peer_route(topo, src_view, dst_view, dst_ip) or bgp_route(
        topo, src_view, dst_view, dst_ip, session_judge(topo)
    )
    if bgp is not None:
        leg.hops.append(bgp)
        if leg.stop():
            return leg.done()
    if decision.encap is not None:
        under = decision.underlay
        outer_src = src_view.ip_of(under) if under is not None else src_view.ip
        outer_dst = dst_view.ip_of(under) if under is not None else dst_view.ip
        if outer_src is None or outer_dst is None:
            return leg.fail("route", src_view.name, Msg("hop.node-no-ip"))
        wire = Wire(
            outer_src, outer_dst, decision.proto, decision.port, decision.encap, wire_src, dst_ip
        )
    else:
        wire = Wire(wire_src, dst_ip, proto, l4_port, src_ports=leg.src_ports)
    neutron_leg(topo, leg.hops, src_view, dst_view, wire, full=leg.full)
    return leg.done(wire)


def neutron_leg(
    topo: Topology, hops: list[Hop], src: NodeView, dst: NodeView, wire: Wire, *, full: bool = False
) -> None:
    """Source port anti-spoofing and egress, the tenant network, destination ingress, the reply."""

    def stop() -> bool:
        return hops[-1].disposition not in PASSING and not (
            full and hops[-1].disposition != Disposition.UNKNOWN
        )

    if not source_leg(topo, hops, src, wire, stop):
        return
    hops.append(network_hop(topo, src, dst, wire))
    if stop():
        return
    if dst.port is None:
        hops.append(no_port_hop("sg-ingress", dst))
        return
    down = port_down(dst.port, dst.port_label(), "port-down-ingress", topo.backend)
    if down is not None:
        hops.append(down)
        if stop():
            return
    hops.append(security_groups(topo, dst.port, wire, "ingress", dst.port_label()))
    if stop():
        return
    delivered = (
        Msg("hop.delivered-decap", ip=wire.inner_dst or wire.dst, encap=wire.encap)
        if wire.encap
        else Msg("hop.delivered", ip=wire.dst)
    )
    if all(h.disposition in PASSING for h in hops):
        hops.append(
            Hop("deliver", Msg("where.node", node=dst.name), Disposition.ACCEPTED, delivered)
        )
    # The reply: anti-spoofing is not stateful; security groups are, unless stateless
    # (engine/stateless.py: then the reply is filtered at both ports, judged past a drop too)
    hops.append(antispoof(topo, dst.port, wire.dst, dst.port_label(), "reply"))
    if stop():
        return
    if stateless(topo, src.port) or stateless(topo, dst.port):
        reply_hops(topo, hops, src, dst, wire, stop)
        return
    if not all(h.disposition in PASSING for h in hops):
        return
    hops.append(
        Hop(
            "reply",
            Msg("where.reply", src=dst.port_label(), dst=src.port_label()),
            Disposition.ACCEPTED,
            Msg("hop.reply-stateful"),
            direction="reply",
        )
    )


def session_judge(topo: Topology) -> SessionJudge:
    """Judge a TCP 179 session src -> dst (engine/peering.py `session_judge`); kube-router's
    sessions use its --bgp-port."""
    return judge_sessions(topo, bgp_port(topo))


# ---------------------------------------------------------------------------- by cases


@dataclass(frozen=True)
class CasedTrace:
    """One flow traced in every world of the snapshot's open unknowns (engine/cases.py)."""

    worlds: tuple[World, ...]
    results: tuple[tuple[FlowResult, ...], ...]  # per world, one path per service endpoint

    @property
    def agreed(self) -> bool:
        """Every world gives the same hops (then one story is told)."""
        first = [_story(r) for r in self.results[0]]
        return all([_story(r) for r in rs] == first for rs in self.results[1:])

    @property
    def first(self) -> tuple[FlowResult, ...]:
        return self.results[0]


def _story(result: FlowResult) -> tuple[object, ...]:
    hops = tuple((h.step, h.disposition, str(h.detail)) for h in result.hops)
    return (*hops, result.expected_reply)


def trace_cases(
    snapshot: Snapshot, src: Endpoint, dst: Endpoint, protocol: str, port: int | None
) -> CasedTrace:
    """`trace` once per world (one world when nothing is open)."""
    all_worlds = worlds(snapshot)
    per_world = tuple(
        tuple(trace(Topology(snapshot, w), src, dst, protocol, port)) for w in all_worlds
    )
    return CasedTrace(all_worlds, per_world)
