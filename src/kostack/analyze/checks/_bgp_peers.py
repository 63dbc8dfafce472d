"""net-sg-bgp with Calico's node-to-node mesh off: the sessions the BGPPeers define (each
node with its route reflectors and routers outside the cluster: engine/peering.py), not
every node pair. Each reflector (or router) with sessions the security groups drop is one
finding: the nodes whose sessions with it are dropped, the rule that drops them, and an
ingress rule for TCP 179 on the reflector's group (or, for a router, an egress rule on the
nodes' groups) as the fix. Critical when a node is left with no working session (its pods'
routes are gone), else high (a reflector lost: redundancy).

Where no pod route comes over them (VXLAN pools, the mesh off), the BGPPeers' sessions still
run: they are judged the same way, never every node pair, as `sg-node` (high) whose pods are
those at the ends of the dropped sessions (scope.py: Kind.SOME_NODES)."""

from __future__ import annotations

from collections import defaultdict

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks._lb import names
from kostack.analyze.checks._sg import rule_remedies
from kostack.analyze.checks.base import CheckContext, Says, view_ports
from kostack.analyze.engine.peering import PORT, SESSIONS_PER_NODE, Peering, peering
from kostack.analyze.engine.types import Hop
from kostack.analyze.findings import Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView

ID = "net-sg-bgp"

register(
    {
        f"{ID}.peers-selector": {
            "en": "Cannot decide: Calico's node-to-node mesh is off, and BGPPeer {peer}'s "
            "selector `{selector}` is not one kostack evaluates, so which nodes peer is not "
            "known.",
            "ko": "판단할 수 없음: Calico 노드 간 메시가 꺼져 있고 BGPPeer {peer}에 kostack이 "
            "평가하지 못하는 형식의 셀렉터가 있어 어떤 노드끼리 피어링하는지 알 수 없습니다: "
            "`{selector}`.",
        },
        f"{ID}.peers-many": {
            "en": "Cannot decide: Calico's node-to-node mesh is off, and the BGPPeers give the "
            "nodes more BGP sessions than kostack judges one by one (over {most} a node on "
            "average); `calicoctl node status` on a node shows whether its sessions are "
            "Established.",
            "ko": "판단할 수 없음: Calico 노드 간 메시가 꺼져 있고 BGPPeer가 노드에 주는 BGP 세션이 "
            "kostack이 하나씩 판단하는 수(노드당 평균 {most}개)보다 많습니다. 노드에서 "
            "`calicoctl node status`를 실행하면 세션이 Established인지 보입니다.",
        },
        f"{ID}.peers-rr": {"en": "route reflector {peer}", "ko": "라우트 리플렉터 {peer}"},
        f"{ID}.peers-outside": {
            "en": "BGP peer {peer} outside the cluster",
            "ko": "클러스터 밖 BGP 피어 {peer}",
        },
        f"{ID}.peers-fail": {
            "en": "The security groups drop the BGP sessions (tcp 179) of {nodes} with "
            "{what} ({n} {n:session/sessions}): {detail}.",
            "ko": "보안 그룹이 {nodes:과/와} {what} 사이의 BGP 세션(tcp 179)을 차단합니다 (세션 {n}개): "
            "{detail}.",
        },
        f"{ID}.peers-lost": {
            "en": "{message} No working BGP session is left to {lost}: no route to or from "
            "their pods.",
            "ko": "{message} {lost}에는 정상인 BGP 세션이 하나도 남지 않아 그 Pod로 가거나 "
            "오는 경로가 없습니다.",
        },
        f"{ID}.peers-unknown": {
            "en": "Cannot decide whether the BGP sessions (tcp 179) of {nodes} with {what} "
            "come up ({n} {n:session/sessions}): {detail}.",
            "ko": "{nodes:과/와} {what} 사이의 BGP 세션(tcp 179)이 맺어지는지 판단할 수 없습니다 (세션 "
            "{n}개): {detail}.",
        },
        f"{ID}.peers-pass": {
            "en": "Security groups admit the BGP sessions (tcp 179) the BGPPeers define "
            "(Calico's node-to-node mesh is off): {n} {n:session/sessions} with {peers} checked.",
            "ko": "보안 그룹이 BGPPeer가 정하는 BGP 세션(tcp 179)을 허용합니다(Calico 노드 간 메시 "
            "꺼짐): {peers}와의 세션 {n}개를 확인했습니다.",
        },
        f"{ID}.peers-none": {
            "en": "Calico's node-to-node mesh is off and the BGPPeers give the nodes no BGP "
            "session to check.",
            "ko": "Calico 노드 간 메시가 꺼져 있고 BGPPeer가 노드에 점검할 BGP 세션을 주지 않습니다.",
        },
        f"{ID}.peers-reason": {
            "en": "admit the BGP sessions (tcp 179) with {what}",
            "ko": "{what:과/와}의 BGP 세션(tcp 179) 허용",
        },
    }
)


def peer_findings(ctx: CheckContext) -> list[Finding] | None:
    """The sessions the BGPPeers define; None where the mesh is on, BGP off or not known, or
    the BGPPeers not read."""
    p = peering(ctx.topo)
    routed = p is not None
    if p is None:
        p = _unrouted(ctx)
    if p is None:
        return None
    say = Says(ID, Severity.CRITICAL if routed else Severity.HIGH)
    if p.unknown is not None:
        peer, selector = p.unknown
        message = Msg(f"{ID}.peers-selector", peer=peer, selector=selector)
        return [say.cluster(ctx, Status.UNKNOWN, message, cause="gap")]
    if p.many:
        message = Msg(f"{ID}.peers-many", most=SESSIONS_PER_NODE)
        return [say.cluster(ctx, Status.UNKNOWN, message, cause="gap")]
    out: list[Finding] = []
    checked: dict[tuple[str, str, int], str] = {}  # each session once: its far end
    for v in sorted(p.families):
        out += _family(ctx, p, v, say, checked, routed)
    if out:
        return out
    if not checked:
        return [say.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.peers-none"))]
    peers = names(sorted(set(checked.values())))
    message = Msg(f"{ID}.peers-pass", n=len(checked), peers=peers)
    return [say.cluster(ctx, Status.PASS, message)]


def _unrouted(ctx: CheckContext) -> Peering | None:
    """The BGPPeers' sessions where BGP runs with the mesh off but carries no pod route (its
    nodes' primary family); None otherwise."""
    cl = ctx.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    if calico is None or calico.bgp is not True or calico.node_to_node_mesh is not False:
        return None
    if calico.bgp_peers is None or not ctx.flows.nodes:
        return None
    p = Peering(ctx.topo, calico.bgp_peers, calico.route_reflectors, calico)
    p.families = {ctx.flows.nodes[0].ip.version}
    return p


def _family(
    ctx: CheckContext,
    p: Peering,
    v: int,
    say: Says,
    checked: dict[tuple[str, str, int], str],
    routed: bool = True,
) -> list[Finding]:
    """Each peer's dropped and undecided sessions of family ``v``: per node and session,
    never per node pair."""
    views = ctx.topo.node_views
    dropped: dict[str, list[tuple[str, Hop]]] = defaultdict(list)
    undecided: dict[str, list[tuple[str, Hop]]] = defaultdict(list)
    for name in sorted(p.sessions):
        state = p.state(name, v)
        for peer, outcome, hop in state.outcomes:
            pair = (min(name, peer), max(name, peer)) if peer in views else (name, peer)
            if (*pair, v) in checked:
                continue  # a session between two reflectors, judged from the other end
            checked[(*pair, v)] = peer
            if outcome == "blocked" and hop is not None:
                dropped[peer].append((name, hop))
            elif outcome == "undecided" and hop is not None:
                undecided[peer].append((name, hop))
    out = []
    doubt = tuple(sorted({n for far, items in undecided.items() for n in (far, *_names(items))}))
    for far, items in sorted(dropped.items()):
        out.append(_dropped(ctx, p, v, far, items, routed, doubt))
    for far, items in sorted(undecided.items()):
        nodes = [n for n, _ in items]
        message = Msg(
            f"{ID}.peers-unknown",
            nodes=nodes_label(nodes),
            what=_what(p, far),
            n=len(items),
            detail=items[0][1].detail,
        )
        out.append(
            say.cluster(
                ctx,
                Status.UNKNOWN,
                message,
                (items[0][1].detail,),
                cause=items[0][1].cause or "gap",
                nodes=tuple(nodes),
                key=("peers", v, far),
                counts=(("sessions", len(items)),),
            )
        )
    return out


def _names(items: list[tuple[str, Hop]]) -> list[str]:
    return [n for n, _ in items]


def _what(p: Peering, far: str) -> str:
    inside = far in p.topo.node_views
    return Msg(f"{ID}.peers-rr" if inside else f"{ID}.peers-outside", peer=far)


def _dropped(
    ctx: CheckContext,
    p: Peering,
    v: int,
    far: str,
    items: list[tuple[str, Hop]],
    routed: bool = True,
    doubt: tuple[str, ...] = (),
) -> Finding:
    """The sessions with ``far`` that are dropped: the finding, with the rule that admits them."""
    views = ctx.topo.node_views
    nodes = [n for n, _ in items]
    hop = items[0][1]
    what = _what(p, far)
    message = Msg(
        f"{ID}.peers-fail", nodes=nodes_label(nodes), what=what, n=len(items), detail=hop.detail
    )
    lost = [n for n in nodes if not p.state(n, v).alive] if routed else []
    if lost:
        message = Msg(f"{ID}.peers-lost", message=message, lost=nodes_label(lost))
    clients: list[NodeView] = [views[n] for n in nodes]
    family = v if v != 4 else None
    reason = Msg(f"{ID}.peers-reason", what=what)
    replies = hop.direction == "reply"  # a stateless group drops the replies: net-sg-stateless
    cause = hop.cause if replies and hop.cause else "bgp-blocked"  # names their rule
    extra: dict[str, object] = {}
    if not routed and not replies:  # no pod route over them: the pods at the sessions' ends
        cause = "sg-node"
        ends = sorted({*nodes, *([far] if far in views else [])})
        extra = {"pod_nodes": tuple(ends), "undecided_nodes": doubt}
    remedies: tuple[Remedy, ...] = ()
    if not replies and far in views:
        # the reflector's ingress from its clients; where only the greater address connects
        # (a global BGPPeer) and that is the reflector's, the clients' ingress from it
        rr = views[far]
        opened = {n for n in nodes if _reflector_opens(p, n, far, v)}
        into_rr = [c for c in clients if c.name not in opened]
        into_clients = [c for c in clients if c.name in opened]
        if into_rr:
            remedies += _ingress(ctx, [rr], into_rr, reason, family, cause)
        if into_clients:
            remedies += _ingress(ctx, into_clients, [rr], reason, family, cause)
    elif not replies:  # the nodes' egress to a router outside the cluster
        remedies = rule_remedies(
            ctx,
            clients,
            protocol="tcp",
            port=PORT,
            port_max=PORT,
            reason=reason,
            cause=cause,
            description="kostack: BGP sessions with a router outside the cluster",
            remote_prefixes=(f"{far}/{32 if v == 4 else 128}",),
            family=family,
            direction="egress",
        )
    evidence = (hop.detail, *(e.text() for e in hop.evidence))
    return Says(ID, Severity.CRITICAL if lost else Severity.HIGH).cluster(
        ctx,
        Status.FAIL,
        message,
        evidence,
        remedies,
        cause=cause,
        affected=view_ports(ctx, [*clients, *([views[far]] if far in views else [])]),
        nodes=tuple(nodes),
        key=("peers", v, far),
        counts=(("sessions", len(items)),),
        extra=extra,
    )


def _reflector_opens(p: Peering, node: str, rr: str, v: int) -> bool:
    """Only the greater address opens this session (a global BGPPeer) and it is the
    reflector's."""
    session = p.sessions.get(node, {}).get(rr)
    a, b = p.topo.node_views[node].ip_of(v), p.topo.node_views[rr].ip_of(v)
    return bool(session and session.greater_opens and str(b) > str(a))


def _ingress(
    ctx: CheckContext,
    targets: list[NodeView],
    sources: list[NodeView],
    reason: str,
    family: int | None,
    cause: str = "bgp-blocked",
) -> tuple[Remedy, ...]:
    return rule_remedies(
        ctx,
        targets,
        protocol="tcp",
        port=PORT,
        port_max=PORT,
        reason=reason,
        cause=cause,
        description="kostack: BGP sessions with route reflector clients",
        sources=sources,
        family=family,
    )
