"""net-sg-bgp: security groups admit BGP (TCP 179) between nodes when Calico peers over BGP."""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.checks._sg import NODE_SG_NEEDS, calico_feature_findings, calico_of
from kostack.analyze.checks.base import CheckContext, Says, when_collected
from kostack.analyze.engine.cni import bgp_dependent
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import register

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
    return [replace(f, severity=SEVERITY) if f.status != Status.FAIL else f for f in out]
