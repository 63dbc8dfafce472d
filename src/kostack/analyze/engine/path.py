"""A whole flow, hop by hop: the order in which Kubernetes, the CNI and Neutron handle it.

`trace` follows one flow (one path per service endpoint) and stops at the
first hop that does not pass, as a packet would. With ``full=True`` it goes on
past a drop wherever the packet is still defined, so every hop that would
drop it is known (the diagnosis needs that to tell a drop that holds in every
case from one that holds in some).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kostack.analyze.engine.antispoof import antispoof
from kostack.analyze.engine.cases import World, worlds
from kostack.analyze.engine.cni import SessionJudge, bgp_route, masquerade
from kostack.analyze.engine.encap import encapsulation
from kostack.analyze.engine.ipv6 import ICMP, ICMPV6
from kostack.analyze.engine.kube_proxy import via_service
from kostack.analyze.engine.router import external_leg, network_hop
from kostack.analyze.engine.secgroups import security_groups
from kostack.analyze.engine.types import PASSING, Disposition, Endpoint, FlowResult, Hop, Wire
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import PORTED_PROTOCOLS, NodeView, Topology, protocol_number
from kostack.model.snapshot import Snapshot

register(
    {
        "hop.pod-egress": {
            "en": "{src} on {node} -> node (veth)",
            "ko": "{node}의 {src} -> 노드 (veth)",
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
) -> list[FlowResult]:
    """All paths of one flow: one per service endpoint when ``dst`` is a service."""
    protocol = protocol.lower()

    def path(*args: object) -> FlowResult:
        return _path(*args, full=full)  # type: ignore[arg-type]  # via_service passes _path's args

    if dst.kind == "service":
        results = via_service(topo, src, dst, protocol, port, path)
    else:
        results = [_path(topo, src, dst, dst, protocol, port, (), full=full)]
    if src.kind != "pod":
        return results
    detail = Msg("hop.pod-egress", src=src.label, node=src.node)
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
) -> FlowResult:
    """One path; the body reads top to bottom as the packet goes (why it is long)."""
    hops: list[Hop] = list(prefix)

    def done(wire: Wire | None = None) -> FlowResult:
        return FlowResult(src, dst, requested, protocol, port, tuple(hops), wire=wire)

    def stop() -> bool:
        """Stop here? Yes on a drop, unless ``full`` and the packet is still defined."""
        return hops[-1].disposition not in PASSING and not (
            full and hops[-1].disposition != Disposition.UNKNOWN
        )

    proto = protocol_number(protocol)
    if not isinstance(proto, int):
        hops.append(
            Hop("flow", "-", Disposition.UNKNOWN, Msg("hop.bad-protocol", protocol=protocol))
        )
        return done()
    if src.kind == "external":
        hops.append(Hop("flow", "-", Disposition.UNKNOWN, Msg("hop.external-source")))
        return done()
    if src.ip is None or dst.ip is None:
        hops.append(Hop("flow", "-", Disposition.UNKNOWN, Msg("hop.no-ip")))
        return done()
    if proto == ICMP and dst.ip.version == 6:
        proto = ICMPV6  # a ping between IPv6 addresses is ICMPv6 (engine/ipv6.py)
    src_view = topo.node_views.get(src.node or "")
    if src_view is None:
        hops.append(Hop("flow", src.label, Disposition.UNKNOWN, Msg("hop.no-node", what=src.label)))
        return done()
    dst_view = topo.node_views.get(dst.node or "") if dst.kind in ("pod", "node") else None
    at_src = Msg("where.node", node=src_view.name)
    if dst.kind in ("pod", "node") and dst_view is None:
        hops.append(Hop("route", at_src, Disposition.UNKNOWN, Msg("hop.no-node", what=dst.label)))
        return done()
    if dst_view is not None and dst_view.name == src_view.name:
        hops.append(Hop("deliver", at_src, Disposition.ACCEPTED, Msg("hop.local", what=dst.label)))
        return done()

    # --- what leaves the source node
    wire_src = src.ip
    masqueraded = False
    if src.kind == "pod" and dst.kind in ("external", "node"):
        masq = masquerade(topo, src.ip, dst.ip)
        if masq is not None:
            hop, masqueraded = masq
            hops.append(replace(hop, where=at_src))
            if hop.disposition not in PASSING:
                return done()  # what leaves the node is not known: do not guess the packet
            if masqueraded:
                if src_view.ip is None:
                    hops.append(
                        Hop(
                            "nat-outgoing",
                            src_view.name,
                            Disposition.UNKNOWN,
                            Msg("hop.node-no-ip"),
                        )
                    )
                    return done()
                wire_src = src_view.ip
    elif src.kind == "node" and src_view.ip is not None:
        wire_src = src_view.ip

    l4_port = port if proto in PORTED_PROTOCOLS else None
    if dst_view is not None and dst.kind == "pod":
        decision = encapsulation(topo, src_view, dst_view, dst.ip)
        hops.append(decision.hop)
        if decision.hop.disposition == Disposition.UNKNOWN or stop():
            return done()
        bgp = bgp_route(topo, src_view, dst_view, dst.ip, session_judge(topo))
        if bgp is not None:
            hops.append(bgp)
            if stop():
                return done()
        if decision.encap is not None:
            if src_view.ip is None or dst_view.ip is None:
                hops.append(Hop("route", src_view.name, Disposition.UNKNOWN, Msg("hop.node-no-ip")))
                return done()
            wire = Wire(
                src_view.ip,
                dst_view.ip,
                decision.proto,
                decision.port,
                decision.encap,
                wire_src,
                dst.ip,
            )
        else:
            wire = Wire(wire_src, dst.ip, proto, l4_port)
        neutron_leg(topo, hops, src_view, dst_view, wire, full=full)
        return done(wire)
    wire = Wire(wire_src, dst.ip, proto, l4_port)
    if dst_view is not None:
        detail = Msg("hop.to-node", ip=dst.ip, node=dst_view.name)
        hops.append(Hop("route", at_src, Disposition.ACCEPTED, detail))
        if src.kind == "pod" and not masqueraded:
            # the node answers the pod's address: it needs the route to that pod
            back = bgp_route(topo, dst_view, src_view, src.ip, session_judge(topo))
            if back is not None:
                hops.append(replace(back, direction="reply"))
                if stop():
                    return done(wire)
        neutron_leg(topo, hops, src_view, dst_view, wire, full=full)
        return done(wire)
    external_leg(topo, hops, src_view, wire)
    return done(wire)


def neutron_leg(
    topo: Topology, hops: list[Hop], src: NodeView, dst: NodeView, wire: Wire, *, full: bool = False
) -> None:
    """Source port anti-spoofing and egress, the tenant network, destination ingress, the reply."""

    def stop() -> bool:
        return hops[-1].disposition not in PASSING and not (
            full and hops[-1].disposition != Disposition.UNKNOWN
        )

    if src.port is None:
        hops.append(
            Hop("antispoof", src.port_label(), Disposition.UNKNOWN, src.port_note, cause="no-port")
        )
        return
    hops.append(antispoof(src.port, wire.src, src.port_label(), "forward"))
    if stop():
        return
    hops.append(security_groups(topo, src.port, wire, "egress", src.port_label()))
    if stop():
        return
    hops.append(network_hop(topo, src, dst, wire))
    if stop():
        return
    if dst.port is None:
        hops.append(
            Hop("sg-ingress", dst.port_label(), Disposition.UNKNOWN, dst.port_note, cause="no-port")
        )
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
    # The reply: security groups are stateful, anti-spoofing is not.
    hops.append(antispoof(dst.port, wire.dst, dst.port_label(), "reply"))
    if stop() or not all(h.disposition in PASSING for h in hops):
        return
    hops.append(
        Hop(
            "reply",
            f"{dst.port_label()} -> {src.port_label()}",
            Disposition.ACCEPTED,
            Msg("hop.reply-stateful"),
            direction="reply",
        )
    )


def session_judge(topo: Topology) -> SessionJudge:
    """Judge a TCP 179 session src -> dst by its security-group hops (first non-passing)."""

    def judge(src: NodeView, dst: NodeView) -> Hop | None:
        if src.port is None or dst.port is None or src.ip is None or dst.ip is None:
            view = src if src.port is None else dst
            return Hop(
                "sg", view.port_label(), Disposition.UNKNOWN, view.port_note, cause="no-port"
            )
        wire = Wire(src.ip, dst.ip, 6, 179)
        for hop in (
            security_groups(topo, src.port, wire, "egress", src.port_label()),
            security_groups(topo, dst.port, wire, "ingress", dst.port_label()),
        ):
            if hop.disposition not in PASSING:
                return hop
        return None

    return judge


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
