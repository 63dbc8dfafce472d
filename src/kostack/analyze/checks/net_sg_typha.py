"""net-sg-typha: security groups admit Calico Typha (TCP 5473) between nodes when Typha runs."""

from __future__ import annotations

from kostack.analyze.checks._sg import NODE_SG_NEEDS, calico_feature_findings, calico_of
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.findings import RULE_OP, Finding, Severity
from kostack.analyze.messages import register

ID = "net-sg-typha"
TITLE = "Security groups admit Calico Typha (TCP 5473) between nodes when Typha runs"
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)

register(
    {
        f"{ID}.what": {"en": "Calico Typha", "ko": "Calico Typha"},
        f"{ID}.not-calico": {
            "en": "The CNI is not Calico: no Typha.",
            "ko": "CNI가 Calico가 아니므로 Typha가 없습니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: whether calico-typha runs was not collected.",
            "ko": "판단할 수 없음: calico-typha 실행 여부를 수집하지 못했습니다.",
        },
        f"{ID}.off": {
            "en": "Calico Typha is not deployed.",
            "ko": "Calico Typha가 배포되어 있지 않습니다.",
        },
    }
)
NEEDS = NODE_SG_NEEDS
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "sg-node": Kind.ROOT
    | Kind.PORT
    | Kind.ADDRESS
    | Kind.SG_LESSON
    | Kind.POD_TRAFFIC
    | Kind.SOME_NODES
}


@SAY.only_for("calico", f"{ID}.not-calico")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    calico = calico_of(ctx)
    return calico_feature_findings(ctx, SAY, calico.typha if calico else None, 5473)
