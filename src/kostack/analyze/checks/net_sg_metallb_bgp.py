"""net-sg-metallb-bgp: security groups admit MetalLB's BGP sessions (TCP peerPort, 179) from
the nodes that announce pools to each BGPPeer.

A speaker dials its peers (`_metallb_sessions`): a node whose egress rules drop TCP to the
peer's address and port has no session, so no router learns the pools from it; a peer that
is a Neutron port of the project (a router VM) must admit the nodes in its ingress. One
finding per peer and outcome, naming the nodes, the rule that decided and the rules that fix
it (an egress rule on the nodes' group, an ingress rule on the peer's).
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks._lb import names
from kostack.analyze.checks._metallb_sessions import (
    PeerSessions,
    announcing_peers,
    judge_peer,
)
from kostack.analyze.checks._sg import NODE_SG_NEEDS, rule_remedies
from kostack.analyze.checks.base import (
    CheckContext,
    Kind,
    Says,
    port_resource,
    view_ports,
    when_collected,
)
from kostack.analyze.findings import RULE_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.remedy import rule_remedy
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import IPAddress, MetalLB, MetalLBPeer, Port

ID = "net-sg-metallb-bgp"
TITLE = "Security groups admit MetalLB's BGP sessions (TCP 179) from the nodes to their BGPPeers"
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
CAUSE = "metallb-bgp-blocked"
SEVERITY_NOTE = (
    "high: without a session no router learns the pools from those nodes; when every "
    "announcing node's session is dropped, the Services' addresses are unreachable."
)
NEEDS = ("cluster.virtual_ips", *NODE_SG_NEEDS)
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {CAUSE: Kind.ROOT}

register(
    {
        f"{ID}.none": {
            "en": "MetalLB does not run, or announces no pool over BGP to a BGPPeer.",
            "ko": "MetalLB가 실행되지 않거나 BGPPeer에 BGP로 알리는 풀이 없습니다.",
        },
        f"{ID}.unread": {
            "en": "Cannot decide: MetalLB runs but its {part} were not read.",
            "ko": "판단할 수 없음: MetalLB가 실행 중이지만 {part:을/를} 읽지 못했습니다.",
        },
        f"{ID}.peer": {
            "en": "BGPPeer {name} ({address}, tcp {port})",
            "ko": "BGPPeer {name}({address}, tcp {port})",
        },
        f"{ID}.unnumbered": {
            "en": "Cannot decide for BGPPeer {name}: it has no peerAddress (an unnumbered "
            "session on interface {interface}), so the security groups cannot be matched.",
            "ko": "BGPPeer {name}에 대해 판단할 수 없음: peerAddress가 없어(인터페이스 "
            "{interface}의 unnumbered 세션) 보안 그룹과 맞춰 볼 수 없습니다.",
        },
        f"{ID}.dropped": {
            "en": "The egress rules of {nodes} drop the MetalLB speakers' BGP sessions with "
            "{peer} ({n} {n:session/sessions}): {detail}. No router learns the pools from "
            "these nodes.",
            "ko": "{nodes}의 egress 규칙이 {peer:과/와}의 MetalLB speaker BGP 세션을 차단합니다(세션 "
            "{n}개): {detail}. 어떤 라우터도 이 노드들에서 풀을 배우지 못합니다.",
        },
        f"{ID}.refused": {
            "en": "The ingress rules of {peer}'s own port {port} drop the BGP sessions the "
            "MetalLB speakers of {nodes} open ({n} {n:session/sessions}): {detail}. No router "
            "learns the pools from these nodes.",
            "ko": "{peer}의 포트 {port}의 ingress 규칙이 {nodes}의 MetalLB speaker가 여는 BGP "
            "세션을 차단합니다(세션 {n}개): {detail}. 어떤 라우터도 이 노드들에서 풀을 배우지 "
            "못합니다.",
        },
        f"{ID}.undecided": {
            "en": "Cannot decide whether the BGP sessions of {nodes} with {peer} come up ({n} "
            "{n:session/sessions}): {detail}.",
            "ko": "{nodes:과/와} {peer} 사이의 BGP 세션이 맺어지는지 판단할 수 없습니다(세션 {n}개): "
            "{detail}.",
        },
        f"{ID}.reason": {
            "en": "admit MetalLB's BGP sessions with {peer}",
            "ko": "{peer:과/와}의 MetalLB BGP 세션 허용",
        },
        f"{ID}.pass": {
            "en": "Security groups admit MetalLB's BGP sessions: {n} {n:session/sessions} with "
            "{peers} checked.",
            "ko": "보안 그룹이 MetalLB의 BGP 세션을 허용합니다: {peers:과/와}의 세션 {n}개를 "
            "확인했습니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    cl = ctx.snapshot.cluster
    vips = cl.virtual_ips if cl is not None else None
    metallb = vips.metallb if vips is not None else None
    if metallb is None:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.none"))]
    unread = _unread(metallb)
    if unread:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unread", part=unread))]
    views = list(ctx.topo.node_views.values())
    sessions = announcing_peers(metallb, views)
    if not sessions:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.none"))]
    ports_by_ip = _ports_by_ip(ctx)
    by_name = {p.name: p for p in metallb.scoped().peers or () if p.name in sessions}
    out: list[Finding] = []
    working = 0
    for name in sorted(sessions):
        peer = by_name[name]
        if peer.address is None:
            message = Msg(f"{ID}.unnumbered", name=name, interface=peer.interface or "-")
            out.append(SAY.cluster(ctx, Status.UNKNOWN, message, key=("peer", name)))
            continue
        chosen = [v for v in views if v.name in sessions[name]]
        judged = judge_peer(ctx.topo, peer, chosen, ports_by_ip)
        working += judged.working
        out += _findings(ctx, judged)
    if out:
        return out
    message = Msg(f"{ID}.pass", n=working, peers=names(sorted(sessions)))
    return [SAY.cluster(ctx, Status.PASS, message)]


def _unread(metallb: MetalLB) -> str:
    if metallb.advertisements is None:
        return "L2/BGPAdvertisements"
    if metallb.peers is None and any(a.kind == "bgp" for a in metallb.advertisements):
        return "BGPPeers"
    return ""


def _ports_by_ip(ctx: CheckContext) -> dict[IPAddress, Port]:
    os_ = ctx.snapshot.openstack
    return {f.ip_address: p for p in (os_.ports if os_ else None) or () for f in p.fixed_ips}


def _what(peer: MetalLBPeer) -> str:
    return Msg(f"{ID}.peer", name=peer.name, address=str(peer.address), port=peer.port)


def _findings(ctx: CheckContext, judged: PeerSessions) -> list[Finding]:
    peer = judged.peer
    what = _what(peer)
    out: list[Finding] = []
    for kind, items in (
        ("dropped", judged.dropped),
        ("refused", judged.refused),
        ("undecided", judged.undecided),
    ):
        if not items:
            continue
        views = [v for v, _ in items]
        nodes = list(dict.fromkeys(v.name for v in views))  # a node judged on two ports: once
        hop = items[0][1]
        port = judged.port
        message = Msg(
            f"{ID}.{kind}",
            nodes=nodes_label(nodes, len(ctx.topo.node_views)),
            peer=what,
            n=len(nodes),
            detail=hop.detail,
            port=(port.name or port.id) if port is not None else "-",
        )
        failed = kind in ("dropped", "refused")
        remedies = _remedies(ctx, judged, views, kind) if failed else ()
        affected = view_ports(ctx, views)
        if kind == "refused" and port is not None:
            affected += (port_resource(ctx, port),)
        out.append(
            SAY.cluster(
                ctx,
                Status.FAIL if failed else Status.UNKNOWN,
                message,
                (hop.detail, *(e.text() for e in hop.evidence)),
                remedies,
                cause=CAUSE if failed else (hop.cause or "gap"),
                affected=affected,
                nodes=tuple(nodes),
                key=("peer", peer.name, kind),
                counts=(("sessions", len(nodes)),),
            )
        )
    return out


def _remedies(
    ctx: CheckContext, judged: PeerSessions, views: list[NodeView], kind: str
) -> tuple[Remedy, ...]:
    peer = judged.peer
    assert peer.address is not None
    v = peer.address.version
    reason = Msg(f"{ID}.reason", peer=_what(peer))
    description = f"kostack: MetalLB BGP sessions with {peer.name}"
    prefix = f"{peer.address}/{32 if v == 4 else 128}"
    common: dict[str, Any] = {
        "protocol": "tcp",
        "port": peer.port,
        "port_max": peer.port,
        "reason": reason,
        "cause": CAUSE,
        "description": description,
    }
    if kind == "dropped" and any(_moved(ctx, view) for view in views):
        # a second NIC carries some sessions: egress rules into the groups of those ports
        groups = {p.security_group_ids[-1] for w in views if (p := w.port) and p.security_group_ids}
        return tuple(
            rule_remedy(group, remote_prefix=prefix, direction="egress", **common)
            for gid in sorted(groups)
            if (group := ctx.topo.groups.get(gid)) is not None
        )
    if kind == "dropped":
        return rule_remedies(
            ctx,
            views,
            remote_prefixes=(prefix,),
            family=v if v != 4 else None,
            direction="egress",
            **common,
        )
    port = judged.port
    group = (
        ctx.topo.groups.get(port.security_group_ids[-1])
        if port and port.security_group_ids
        else None
    )
    if group is None:
        return ()
    sources = sorted(set(_sources(ctx, peer, views)))
    return tuple(rule_remedy(group, remote_prefix=source, **common) for source in sources)


def _sources(ctx: CheckContext, peer: MetalLBPeer, views: list[NodeView]) -> list[str]:
    """The nodes' subnets of the peer's family, a second NIC's where it carries the session
    (the session's source address when it is set and in none)."""
    assert peer.address is not None
    v = peer.address.version
    out: list[str] = []
    for view in views:
        subnet = view.subnet if _moved(ctx, view) else ctx.topo.node_subnet(view, v)
        if peer.source_address is not None and (
            subnet is None or peer.source_address not in subnet.cidr
        ):
            out.append(f"{peer.source_address}/{32 if v == 4 else 128}")
        elif subnet is not None:
            out.append(str(subnet.cidr))
    return out


def _moved(ctx: CheckContext, view: NodeView) -> bool:
    """The session leaves by a port of the node's server other than its own (`session_views`)."""
    own = ctx.topo.node_views.get(view.name)
    return own is not None and view.port is not None and own.port != view.port
