"""net-sg-bgp for kube-router: a session per node pair, up when either node can open it.

GoBGP's peers are active at both ends (kube-router sets no passive mode), so a BGP session
comes up when one direction of --bgp-port passes the security groups (and, under a
stateless group, its replies): the engine's route hop judges exactly that (engine/bgp_routes.py
`bgp_route`). This check asks the same hop, over a pod on every node (the family of pod
flows with only the route hops judged: per class pair, linear in the classes, never per
node pair), so it fails only the pairs that have no session at all. A direction that is
blocked while the other passes is said on the pass (evidence), without failing it.
"""

from __future__ import annotations

from kostack.analyze.checks._facts import FactView
from kostack.analyze.checks._sg import rule_remedies, traffic_label
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.engine.family_records import Fact, FamilyResult, side_of
from kostack.analyze.engine.judging import Constant
from kostack.analyze.engine.path import session_judge
from kostack.analyze.engine.stateless import CAUSE, EPHEMERAL
from kostack.analyze.findings import Finding, Remedy, Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import Msg, register

ID = "net-sg-bgp"
ROUTE_STEPS = frozenset({"route", "bgp-route"})

register(
    {
        f"{ID}.kr-down": {
            "en": "{what} ({label}) between {src} and {dst} cannot come up ({n} node "
            "{n:pair/pairs}): neither node can open the session. {detail}",
            "ko": "{src:과/와} {dst} 사이의 {what}({label}) 세션이 맺어질 수 없습니다 (노드 쌍 "
            "{n}개): 어느 쪽 노드도 세션을 열 수 없습니다. {detail}",
        },
        f"{ID}.kr-undecided": {
            "en": "Cannot decide whether {what} ({label}) sessions between {src} and {dst} "
            "come up ({n} node {n:pair/pairs}): {detail}",
            "ko": "{src:과/와} {dst} 사이의 {what}({label}) 세션이 맺어지는지 판단할 수 없습니다 "
            "(노드 쌍 {n}개): {detail}",
        },
        f"{ID}.kr-pass": {
            "en": "Security groups admit {what} ({label}): every session of the {total} node "
            "pairs can be opened from at least one end.",
            "ko": "보안 그룹이 노드 간 {what}({label}) 트래픽을 허용합니다: 노드 쌍 {total}개의 세션 모두 "
            "적어도 한쪽 끝에서 열 수 있습니다.",
        },
        f"{ID}.kr-one-way": {
            "en": "{label} from {src} to {dst} is not admitted ({n} node {n:pair/pairs}): "
            "{detail}. kube-router's GoBGP peers are active at both ends, so the other node "
            "opens these sessions and they come up: no rule is needed.",
            "ko": "{src}에서 {dst:으로/로} 가는 {label} 트래픽은 허용되지 않습니다 (노드 쌍 {n}개): {detail}. "
            "kube-router의 GoBGP 피어는 양쪽 모두 연결을 시도하므로 반대쪽 노드가 세션을 열어 세션이 "
            "맺어집니다. 규칙은 필요하지 않습니다.",
        },
        f"{ID}.kr-reason": {
            "en": "admit kube-router BGP ({label}) between the nodes",
            "ko": "노드 사이 kube-router BGP({label}) 허용",
        },
        f"{ID}.kr-reply-reason": {
            "en": "admit the replies of kube-router BGP sessions to the ephemeral ports "
            "{lo}-{hi} (stateless security group)",
            "ko": "kube-router BGP 세션 응답을 임시 포트 {lo}-{hi:으로/로} 허용(상태 비저장 보안 그룹)",
        },
    }
)


def session_result(flows: ClusterFlows, family: int | None, port: int) -> FamilyResult | None:
    """The route hops of a pod on every node to a pod on every other (``family``: of that
    address family; None: the primary); None where some node has no pod range (its
    sessions are then judged direction by direction)."""
    v = family or (flows.pods[0].ip.version if flows.pods else 4)
    pods = flows.pods_of(v)
    nodes = flows.nodes if family is None else flows.nodes_of(family)
    if not pods or {e.name for e in pods} != {e.name for e in nodes}:
        return None
    families = flows.families if family is None else flows.families_of(v)
    return families.evaluate(pods, pods, Constant("tcp", port), steps=ROUTE_STEPS)


def session_findings(
    ctx: CheckContext,
    say: Says,
    what: str,
    port: int,
    family: int | None,
    result: FamilyResult,
) -> list[Finding]:
    """Each fact of ``result`` (no session: FAIL, or UNKNOWN), with the rule that lets one
    direction open it; else one PASS naming, as evidence, the directions found blocked when
    each is judged alone (their sessions come up the other way)."""
    label = traffic_label("tcp", port, None)
    facts = result.facts[ctx.world]
    if not facts:
        ordered = ctx.flows.node_to_node("tcp", port, version=family)
        one_way = tuple(_one_way(ctx, ordered, f, label) for f in ordered.facts[ctx.world])
        message = Msg(f"{ID}.kr-pass", what=what, label=label, total=result.total)
        return [say.cluster(ctx, Status.PASS, message, one_way)]
    out: list[Finding] = []
    for fact in facts:
        fv = FactView(ctx, result, fact)
        params = dict(what=what, label=label, **fv.words())
        remedies: tuple[Remedy, ...] = ()
        if fv.status == Status.UNKNOWN:
            message = Msg(f"{ID}.kr-undecided", **params)
        else:
            message = Msg(f"{ID}.kr-down", **params)
            remedies = _remedies(ctx, fv, port, label, family)
        counts = (("node_pairs", fact.pairs),)
        cause = fv.hop.cause or "bgp-blocked"
        out.append(fv.finding(say, message, remedies, cause=cause, counts=counts))
    return out


def _one_way(ctx: CheckContext, ordered: FamilyResult, fact: Fact, label: str) -> str:
    """A direction blocked (or undecided) while its session comes up the other way."""
    fv = FactView(ctx, ordered, fact)
    return Msg(f"{ID}.kr-one-way", label=label, **fv.words())


def _remedies(
    ctx: CheckContext, fv: FactView, port: int, label: str, family: int | None
) -> tuple[Remedy, ...]:
    """The rule that lets the fact's sources open their sessions: where the first example's
    connection is dropped (the targets' ingress, or the sources' egress), or, where only its
    replies are (a stateless group), the replies' rule there (the sources' ingress, or the
    targets' egress)."""
    example = fv.fact.examples[0]
    views = ctx.topo.node_views
    src, dst = views.get(example.src.node or ""), views.get(example.dst.node or "")
    v = family or (src.ip.version if src is not None and src.ip is not None else 4)
    hop = session_judge(ctx.topo)(src, dst, v) if src and dst else None
    if hop is None:
        return ()
    sources = [e.view for e in fv.sources if e.view is not None]
    targets = [e.view for e in fv.targets if e.view is not None]
    at_src = side_of(hop.step) == "src"
    if hop.direction == "reply":
        lo, hi = EPHEMERAL
        reason, cause = Msg(f"{ID}.kr-reply-reason", lo=lo, hi=hi), CAUSE
        description, ports = "kostack: tcp replies (stateless group)", (lo, hi)
        ingress = at_src  # the clients' ingress, else the servers' egress
        on, far = (sources, targets) if at_src else (targets, sources)
    else:
        reason, cause = Msg(f"{ID}.kr-reason", label=label), "bgp-blocked"
        description, ports = "kostack: kube-router BGP", (port, port)
        ingress = not at_src  # the servers' ingress, else the clients' egress
        on, far = (sources, targets) if at_src else (targets, sources)
    return rule_remedies(
        ctx,
        on,
        sources=far,
        protocol="tcp",
        port=ports[0],
        port_max=ports[1],
        reason=reason,
        cause=cause,
        description=description,
        family=family,
        direction="ingress" if ingress else "egress",
    )
