"""net-sg-cilium-health: security groups admit Cilium's health probes (TCP 4240, ICMP) between nodes.

Every cilium-agent probes every other node with ICMP echo and HTTP on
cluster-health-port (docs/facts.md section 3). Pod traffic does not use these probes:
a drop makes `cilium-health status` and `cilium status` call nodes unreachable on a
cluster whose pods talk fine. So a failure is a warning (cause `cilium-health`), never
a root cause, and `kostack fix plan` leaves it alone; the finding carries the rule.
"""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.checks._sg import NODE_SG_NEEDS, node_traffic_findings
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.findings import RULE_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.model.cni import Cilium

ID = "net-sg-cilium-health"
TITLE = "Security groups admit Cilium's health probes (TCP 4240 and ICMP) between nodes"
SEVERITY = Severity.LOW
SAY = Says(ID, SEVERITY)
CAUSE = "cilium-health"
SEVERITY_NOTE = (
    "a drop is a warning (cause `cilium-health`), never a root cause: pod traffic does not use "
    "the probes; `kostack fix plan` leaves it, and the warning shows the rule that clears it."
)

register(
    {
        f"{ID}.what": {"en": "Cilium health probes", "ko": "Cilium 헬스 체크"},
        f"{ID}.what-family": {
            "en": "Cilium health probes over IPv{family}",
            "ko": "IPv{family} Cilium 헬스 체크",
        },
        f"{ID}.not-cilium": {
            "en": "The CNI is not Cilium: no cilium-health probes.",
            "ko": "CNI가 Cilium이 아니므로 Cilium 헬스 체크가 없습니다.",
        },
        f"{ID}.off": {
            "en": "Cilium's health checking is off (enable-health-checking: false).",
            "ko": "Cilium 헬스 체크가 꺼져 있습니다 (enable-health-checking: false).",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: whether Cilium's health checking is on was not collected.",
            "ko": "판단할 수 없음: Cilium 헬스 체크가 켜져 있는지 수집하지 못했습니다.",
        },
        f"{ID}.warn": {
            "en": "{message} `cilium-health status` lists those nodes as unreachable; pod "
            "traffic does not use these probes, so it is not an outage.",
            "ko": "{message} `cilium-health status`는 해당 노드를 도달 불가로 표시하지만, Pod "
            "트래픽은 이 헬스 체크를 쓰지 않으므로 장애가 아닙니다.",
        },
    }
)
NEEDS = NODE_SG_NEEDS
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {CAUSE: Kind.WARNING}


@SAY.only_for("cilium", f"{ID}.not-cilium")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    cl = ctx.snapshot.cluster
    if cl is None or cl.cni.type != "cilium":
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.not-cilium"))]
    cilium = cl.cni.cilium
    if cilium is None or cilium.health_checking is None:  # Cilium, its settings not read
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unknown"))]
    if not cilium.health_checking:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.off"))]
    out: list[Finding] = []
    for family in _families(ctx, cilium):
        what = Msg(f"{ID}.what") if family is None else Msg(f"{ID}.what-family", family=family)
        for protocol, port in (("tcp", cilium.health_port), ("icmp", None)):
            out += node_traffic_findings(
                ctx, SAY, what, protocol, port, "all", CAUSE, family=family
            )
    return [
        replace(f, message=Msg(f"{ID}.warn", message=f.message)) if f.status == Status.FAIL else f
        for f in out
    ]


def _families(ctx: CheckContext, cilium: Cilium) -> tuple[int | None, ...]:
    """The nodes' primary addresses (None), then their other family when Cilium runs it:
    cilium-health probes every address of a node it has (docs/facts.md section 3)."""
    nodes = ctx.flows.nodes
    if not nodes:
        return (None,)
    other = 6 if nodes[0].ip.version == 4 else 4
    enabled = cilium.enable_ipv6 if other == 6 else cilium.enable_ipv4
    return (None, other) if enabled and ctx.flows.nodes_of(other) else (None,)
