"""net-sg-bgp: security groups admit BGP (TCP 179) between nodes when Calico peers over BGP."""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.checks._facts import FactView
from kostack.analyze.checks._sg import (
    NODE_SG_NEEDS,
    calico_feature_findings,
    calico_of,
    rule_remedies,
)
from kostack.analyze.checks.base import CheckContext, Says, when_collected
from kostack.analyze.engine.cni import bgp_dependent
from kostack.analyze.engine.stateless import CAUSE, EPHEMERAL, REPLY_STEPS, stateless
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register

ID = "net-sg-bgp"
TITLE = "Security groups admit BGP (TCP 179) between nodes when Calico uses BGP"
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)

register(
    {
        f"{ID}.what": {"en": "Calico BGP", "ko": "Calico BGP"},
        f"{ID}.not-calico": {
            "en": "The CNI is not Calico: no BGP peering.",
            "ko": "CNI가 Calico가 아니므로 BGP 피어링이 없습니다.",
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
        f"{ID}.reason": {
            "en": "admit the replies of Calico BGP sessions to the clients' ephemeral ports "
            "{lo}-{hi} (stateless security group)",
            "ko": "클라이언트의 임시 포트 {lo}-{hi:으로/로} 가는 Calico BGP 세션의 응답 허용(상태 비저장 "
            "보안 그룹)",
        },
    }
)
NEEDS = NODE_SG_NEEDS


@SAY.only_for("calico", f"{ID}.not-calico")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    calico = calico_of(ctx)
    bgp = calico.bgp if calico else None
    if calico is not None and bgp is None and "bgp" in ctx.topo.world.open:
        bgp = ctx.topo.world.bgp
    # where pod routes come from BGP (IPIP and unencapsulated pools), a blocked session is an
    # outage: no route to the other node's pods (engine/cni.py bgp_route)
    routed = any(bgp_dependent(ctx.topo, p) for p in ctx.topo.calico_pools)
    severity, cause = (Severity.CRITICAL, "bgp-blocked") if routed else (SEVERITY, "sg-node")
    out = calico_feature_findings(ctx, Says(ID, severity), bgp, 179, cause)
    # under a stateless group the sessions need their replies too: an outage where BGP carries
    # the pod routes; else net-sg-stateless names the nodes' replies (the same rule) and this
    # check claims no pass
    replies = _replies(ctx, Says(ID, severity)) if bgp else []
    if replies:
        out = [f for f in out if f.status != Status.PASS] + (replies if routed else [])
    return [replace(f, severity=SEVERITY) if f.status != Status.FAIL else f for f in out]


def _replies(ctx: CheckContext, say: Says) -> list[Finding]:
    """The sessions' replies, each ordered node pair (engine/path.py `session_judge`), and
    the rule that admits them: at the client's ingress, or the server's egress."""
    nodes = ctx.flows.nodes
    if not any(stateless(ctx.topo, e.view.port) for e in nodes if e.view is not None):
        return []
    result = ctx.flows.families.evaluate(nodes, nodes, lambda s, t: ("tcp", 179), steps=REPLY_STEPS)
    (lo, hi), out = EPHEMERAL, []
    for fact in result.facts[ctx.world]:
        fv = FactView(ctx, result, fact)
        at_client = fv.side == "src"
        clients = [e.view for e in fv.sources if e.view is not None]
        servers = [e.view for e in fv.targets if e.view is not None]
        params = dict(src=fv.src_label(), dst=fv.dst_label(), n=fact.pairs, detail=fv.hop.detail)
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
