"""net-sg-bgp: security groups admit BGP (TCP 179) between nodes when the CNI peers over BGP:
Calico (BIRD), or kube-router (GoBGP on --bgp-port, both ends active: a session per node
pair, up when either end can open it)."""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.checks._bgp_peers import peer_findings
from kostack.analyze.checks._bgp_sessions import session_findings, session_result
from kostack.analyze.checks._facts import FactView, nodes_label
from kostack.analyze.checks._sg import (
    NODE_SG_NEEDS,
    calico_feature_findings,
    calico_of,
    node_traffic_findings,
    rule_remedies,
)
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.engine.bgp_routes import (
    bgp_dependent,
    bgp_port,
    kube_router,
    kube_router_mesh,
    mesh_off_flag,
    mesh_one_way,
)
from kostack.analyze.engine.judging import Constant
from kostack.analyze.engine.stateless import CAUSE, EPHEMERAL, REPLY_STEPS, stateless
from kostack.analyze.findings import RULE_OP, Finding, Severity, Status
from kostack.analyze.flows import SG_STEPS
from kostack.analyze.messages import Msg, register

ID = "net-sg-bgp"
TITLE = (
    "Security groups admit BGP (TCP 179) between nodes when the CNI (Calico, kube-router) uses BGP"
)
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)

register(
    {
        f"{ID}.what": {"en": "Calico BGP", "ko": "Calico BGP"},
        f"{ID}.what-v6": {"en": "Calico BGP over IPv{v}", "ko": "IPv{v} 위의 Calico BGP"},
        f"{ID}.one-way": {
            "en": "{message} Calico's mesh (v3.4 on) has the node with the greater address open "
            "each session to the other, so the node pairs are counted that way only.",
            "ko": "{message} Calico 메시(v3.4부터)에서는 주소 문자열이 큰 노드가 상대에게 세션을 열므로 "
            "노드 쌍을 그 방향으로만 셉니다.",
        },
        f"{ID}.fail-family": {
            "en": "BGP over IPv{works} works, IPv{v} pod routes are lost: Calico learns the routes "
            "to IPv{v} pods over BGP sessions between the nodes' IPv{v} addresses, and the "
            "security groups admit TCP 179 over IPv{works} only. {message}",
            "ko": "IPv{works} BGP는 정상이지만 IPv{v} Pod 경로가 없습니다: Calico는 IPv{v} Pod 경로를 노드의 "
            "IPv{v} 주소 사이 BGP 세션으로 배우는데, 보안 그룹은 IPv{works}에서만 TCP 179를 허용합니다. "
            "{message}",
        },
        f"{ID}.not-calico": {
            "en": "The CNI is neither Calico nor kube-router: no BGP peering.",
            "ko": "CNI가 Calico도 kube-router도 아니므로 BGP 피어링이 없습니다.",
        },
        f"{ID}.kr-what": {"en": "kube-router BGP", "ko": "kube-router BGP"},
        f"{ID}.kr-what-v6": {
            "en": "kube-router BGP over IPv{v}",
            "ko": "IPv{v} 위의 kube-router BGP",
        },
        f"{ID}.kr-unknown": {
            "en": "Cannot decide: kube-router's arguments (--run-router, --nodes-full-mesh, "
            "--enable-ibgp) were not collected.",
            "ko": "판단할 수 없음: kube-router의 인자(--run-router, --nodes-full-mesh, "
            "--enable-ibgp)를 수집하지 못했습니다.",
        },
        f"{ID}.kr-off": {
            "en": "kube-router runs with --run-router=false: it peers with no node.",
            "ko": "kube-router가 --run-router=false로 실행되어 어떤 노드와도 피어링하지 않습니다.",
        },
        f"{ID}.kr-peers": {
            "en": "Cannot decide: kube-router's node-to-node mesh is off ({flag}); its sessions "
            "are with the peers the nodes' kube-router.io annotations or --peer-router-ips name, "
            "which kostack does not read. `gobgp neighbor` in a kube-router pod shows them.",
            "ko": "판단할 수 없음: kube-router의 노드 간 메시가 꺼져 있습니다({flag}). 세션은 노드의 "
            "kube-router.io 어노테이션이나 --peer-router-ips가 정하는 피어와 맺으며 kostack은 이를 "
            "읽지 않습니다. kube-router Pod에서 `gobgp neighbor`를 실행하면 보입니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: whether Calico runs BGP was not collected (BGPConfiguration / Installation).",
            "ko": "판단할 수 없음: Calico의 BGP 사용 여부를 수집하지 못했습니다 (BGPConfiguration / Installation).",
        },
        f"{ID}.off": {"en": "Calico BGP is disabled.", "ko": "Calico BGP가 꺼져 있습니다."},
        f"{ID}.reply-fail": {
            "en": "The replies of Calico BGP sessions (tcp 179) from {src} to {dst} are dropped "
            "({n} node {n:pair/pairs}): {detail}. A stateless security group keeps no "
            "connection state, so the replies to the clients' ephemeral ports {lo}-{hi} need "
            "{direction} rules of their own.",
            "ko": "{src}에서 {dst:으로/로} 가는 Calico BGP 세션(tcp 179)의 응답이 차단됩니다 (노드 쌍 "
            "{n}개): {detail}. 상태 비저장 보안 그룹은 연결 상태를 기억하지 않으므로 클라이언트의 임시 "
            "포트 {lo}-{hi:으로/로} 가는 응답에도 {direction} 규칙이 따로 필요합니다.",
        },
        f"{ID}.reply-unknown": {
            "en": "Cannot decide whether the replies of Calico BGP sessions (tcp 179) from {src} "
            "to {dst} pass ({n} node {n:pair/pairs}): {detail}.",
            "ko": "{src}에서 {dst:으로/로} 가는 Calico BGP 세션(tcp 179)의 응답이 통과하는지 판단할 수 "
            "없습니다 (노드 쌍 {n}개): {detail}.",
        },
        f"{ID}.scoped": {
            "en": "{message} Only the routes with pods on {nodes} are lost (every dropped "
            "session has an end there): traffic between pods on the other nodes keeps its "
            "routes.",
            "ko": "{message} {nodes}의 Pod와 오가는 경로만 사라집니다(차단된 세션마다 한쪽 끝이 "
            "그곳에 있음). 나머지 노드의 Pod 사이 트래픽은 경로를 유지합니다.",
        },
        f"{ID}.reason": {
            "en": "admit the replies of Calico BGP sessions to the clients' ephemeral ports "
            "{lo}-{hi} (stateless security group)",
            "ko": "클라이언트의 임시 포트 {lo}-{hi:으로/로} 가는 Calico BGP 세션의 응답 허용(상태 비저장 "
            "보안 그룹)",
        },
    }
)
NEEDS = NODE_SG_NEEDS
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {
    # the pods at an end of a dropped session: the smaller end of each blocked class pair
    # (_sg.py routes_cover), or the nodes whose sessions with a reflector are dropped
    "bgp-blocked": Kind.ROOT | Kind.PORT | Kind.SG_LESSON | Kind.POD_TRAFFIC | Kind.SOME_NODES,
    "sg-node": Kind.ROOT
    | Kind.PORT
    | Kind.ADDRESS
    | Kind.SG_LESSON
    | Kind.POD_TRAFFIC
    | Kind.SOME_NODES,
    "sg-stateless": Kind.ROOT | Kind.PORT | Kind.POD_TRAFFIC | Kind.SG_LESSON,
    # kube-router without encapsulation across subnets: the routes, not the groups (_native_routes)
    "native-cross-subnet": Kind.ROOT | Kind.ADDRESS | Kind.ROUTES_LESSON | Kind.POD_TRAFFIC,
}


@SAY.only_for(("calico", "kube-router"), f"{ID}.not-calico")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    cl = ctx.snapshot.cluster
    if cl is not None and cl.cni.type == "kube-router":
        return _kube_router(ctx)
    peers = peer_findings(ctx)  # the mesh off: the sessions the BGPPeers define
    if peers is not None:
        return peers
    calico = calico_of(ctx)
    bgp = calico.bgp if calico else None
    if calico is not None and bgp is None and "bgp" in ctx.topo.world.open:
        bgp = ctx.topo.world.bgp
    # where pod routes come from BGP (IPIP and unencapsulated pools), a blocked session is an
    # outage: no route to the other node's pods (engine/bgp_routes.py bgp_route); each family's
    # routes over its own sessions (BIRD6 between the nodes' IPv6 addresses)
    routed = {p.cidr.version for p in ctx.topo.calico_pools if bgp_dependent(ctx.topo, p)}
    nodes = ctx.flows.nodes
    primary = nodes[0].ip.version if nodes else 4
    out = _family(ctx, bgp, None, primary in routed)
    other = 10 - primary
    if bgp and other in routed and ctx.flows.nodes_of(other):
        found = _family(ctx, bgp, other, True)
        if out and all(f.status == Status.PASS for f in out):  # this family only: say so
            found = [_say_family(f, other, primary) for f in found]
        out += found
    return _scoped(ctx, out)


def _family(ctx: CheckContext, bgp: bool | None, family: int | None, routed: bool) -> list[Finding]:
    """The sessions between the nodes' addresses of ``family`` (None: their primary ones)."""
    severity, cause = (Severity.CRITICAL, "bgp-blocked") if routed else (SEVERITY, "sg-node")
    say = Says(ID, severity)
    nodes = ctx.flows.nodes if family is None else ctx.flows.nodes_of(family)
    v = family or (nodes[0].ip.version if nodes else 4)
    # Calico's mesh (v3.4 on): only the node with the greater address connects, so only
    # those connections are needed (engine/bgp_routes.py `opener`; docs/facts.md)
    opened = v if bgp and mesh_one_way(ctx.topo, v) else None
    what = Msg(f"{ID}.what") if family is None else Msg(f"{ID}.what-v6", v=family)
    result = None
    if opened:
        flow = Constant("tcp", 179)
        result = ctx.flows.families.evaluate(nodes, nodes, flow, steps=SG_STEPS, openers=v)
    if family is None:
        out = calico_feature_findings(ctx, say, bgp, 179, cause, what=what, result=result)
    else:
        out = node_traffic_findings(
            ctx, say, what, "tcp", 179, "all", cause, family=family, result=result
        )
    # under a stateless group the sessions need their replies too: an outage where BGP carries
    # the pod routes; else net-sg-stateless names the nodes' replies (the same rule) and this
    # check claims no pass
    replies = _replies(ctx, say, family, opened) if bgp else []
    if replies:
        out = [f for f in out if f.status != Status.PASS] + (replies if routed else [])
    if opened:
        out = [
            replace(f, message=Msg(f"{ID}.one-way", message=f.message))
            if f.status != Status.NOT_APPLICABLE
            else f
            for f in out
        ]
    return [replace(f, severity=SEVERITY) if f.status != Status.FAIL else f for f in out]


def _scoped(ctx: CheckContext, out: list[Finding]) -> list[Finding]:
    """The mesh's dropped sessions, when they leave some nodes' pods their routes: each failing
    finding says whose pods lose them, the union of their pod_nodes (each a class pair's
    smaller end: every dropped session has an end there), when that is not every node."""
    failing = [f for f in out if f.status == Status.FAIL and f.cause == "bgp-blocked"]
    named: set[str] = set()
    for f in failing:
        ends = f.extra.get("pod_nodes", ())
        if not ends:
            return out
        named.update(ends)
    total = len(ctx.topo.node_views)
    if not named or total - len(named) < 2:  # no traffic between two other nodes is spared
        return out
    nodes = nodes_label(sorted(named), total)
    return [
        replace(f, message=Msg(f"{ID}.scoped", message=f.message, nodes=nodes))
        if f in failing
        else f
        for f in out
    ]


def _kube_router(ctx: CheckContext) -> list[Finding]:
    """kube-router learns every node's pod route over its iBGP mesh on --bgp-port (engine/bgp_routes.py
    `bgp_route`): a blocked session is an outage. Every node opens sessions to every other
    (GoBGP peers are active), so a session is up when either direction passes (_bgp_sessions.py,
    as the route hop judges it); where some node has no pod range, each direction is judged."""
    kr = kube_router(ctx.topo)
    mesh = None if kr is None else kube_router_mesh(kr)
    if kr is None or kr.run_router is None or (kr.run_router and mesh is None):
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.kr-unknown"))]
    if not kr.run_router:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.kr-off"))]
    if not mesh:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.kr-peers", flag=mesh_off_flag(kr)))]
    port = bgp_port(ctx.topo)
    say = Says(ID, Severity.CRITICAL)
    out: list[Finding] = []
    families = [v for v, on in ((4, kr.enable_ipv4), (6, kr.enable_ipv6)) if on]
    nodes = ctx.flows.nodes
    primary = nodes[0].ip.version if nodes else 4
    for v in sorted(families, key=lambda f: f != primary):
        if v != primary and not ctx.flows.nodes_of(v):
            continue
        family = None if v == primary else v
        what = Msg(f"{ID}.kr-what") if family is None else Msg(f"{ID}.kr-what-v6", v=v)
        sessions = session_result(ctx.flows, family, port)
        if sessions is not None:  # a session per node pair, up when either end opens it
            out += session_findings(ctx, say, what, port, family, sessions)
            continue
        found = node_traffic_findings(
            ctx, say, what, "tcp", port, "all", "bgp-blocked", family=family
        )
        replies = _replies(ctx, say, family, None, port)
        if replies:
            found = [f for f in found if f.status != Status.PASS] + replies
        out += found
    return [replace(f, severity=SEVERITY) if f.status != Status.FAIL else f for f in out]


def _say_family(f: Finding, v: int, works: int) -> Finding:
    """A family's blocked sessions while the other family's come up say which."""
    if f.status != Status.FAIL or f.cause != "bgp-blocked":
        return f
    return replace(f, message=Msg(f"{ID}.fail-family", v=v, works=works, message=f.message))


def _replies(
    ctx: CheckContext, say: Says, family: int | None, opened: int | None, port: int = 179
) -> list[Finding]:
    """The sessions' replies, each ordered node pair (engine/path.py `session_judge`; those
    whose source opens the mesh session, when ``opened``), and the rule that admits them: at
    the client's ingress, or the server's egress."""
    nodes = ctx.flows.nodes if family is None else ctx.flows.nodes_of(family)
    if not any(stateless(ctx.topo, e.view.port) for e in nodes if e.view is not None):
        return []
    result = ctx.flows.families.evaluate(
        nodes, nodes, Constant("tcp", port), steps=REPLY_STEPS, openers=opened
    )
    (lo, hi), out = EPHEMERAL, []
    for fact in result.facts[ctx.world]:
        fv = FactView(ctx, result, fact)
        at_client = fv.side == "src"
        clients = [e.view for e in fv.sources if e.view is not None]
        servers = [e.view for e in fv.targets if e.view is not None]
        params = fv.words()
        remedies = rule_remedies(
            ctx,
            clients if at_client else servers,
            sources=servers if at_client else clients,
            protocol="tcp",
            port=lo,
            port_max=hi,
            reason=Msg(f"{ID}.reason", lo=lo, hi=hi),
            cause=CAUSE,
            description="kostack: tcp replies (stateless group)",
            direction="ingress" if at_client else "egress",
            family=family,
        )
        if fv.status == Status.UNKNOWN:
            message = Msg(f"{ID}.reply-unknown", **params)
        else:
            direction = "ingress" if at_client else "egress"
            message = Msg(f"{ID}.reply-fail", **params, lo=lo, hi=hi, direction=direction)
        counts = (("node_pairs", fact.pairs),)
        key = ("reply", *fv.key())
        out.append(fv.finding(say, message, remedies, cause=CAUSE, counts=counts, key=key))
    return out
