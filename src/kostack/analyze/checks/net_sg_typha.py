"""net-sg-typha: security groups admit Calico Typha (TCP 5473) between nodes when Typha runs.

Every calico-node (Felix) connects to one of the Typha pods (calico/typha `cmd/calico-typha`
serves on 5473; Felix's Typha discovery picks among the calico-typha Service's endpoints).
Where the nodes Typha's pods run on were read, the traffic judged is from every node to those
nodes (linear in the node classes), and a failing pair breaks the pods on its source, the node
whose Felix cannot reach Typha (scope.py: Kind.SOME_NODES); where they were not, every node
to every node, and the pods on either end.
"""

from __future__ import annotations

from kostack.analyze.checks._sg import NODE_SG_NEEDS, calico_feature_findings, calico_of
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.engine.family_records import FamilyResult
from kostack.analyze.engine.judging import Constant
from kostack.analyze.findings import RULE_OP, Finding, Severity
from kostack.analyze.flows import SG_STEPS
from kostack.analyze.messages import register
from kostack.model.cni import Calico

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
    enabled = calico.typha if calico else None
    result = _to_typha(ctx, calico) if calico is not None and enabled else None
    return calico_feature_findings(
        ctx, SAY, enabled, PORT, result=result, clients=result is not None
    )


PORT = 5473


def _to_typha(ctx: CheckContext, calico: Calico) -> FamilyResult | None:
    """Every node to the nodes Typha's pods run on; None where those are not known (not
    read, none running, or a node kostack does not see)."""
    where = set(calico.typha_nodes or ())
    nodes = ctx.flows.nodes
    targets = [e for e in nodes if e.name in where]
    if not where or len({e.name for e in targets}) < len(where):
        return None
    return ctx.flows.families.evaluate(nodes, targets, Constant("tcp", PORT), steps=SG_STEPS)
