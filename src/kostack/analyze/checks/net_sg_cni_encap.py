"""net-sg-cni-encap: security groups admit the CNI's encapsulation between nodes."""

from __future__ import annotations

from kostack.analyze.checks._sg import node_traffic_findings
from kostack.analyze.checks.base import CheckContext, cluster_resource, missing
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import protocol_label

ID = "net-sg-cni-encap"
TITLE = "Security groups admit the CNI's encapsulation (IPIP, VXLAN, Geneve) between nodes"
SEVERITY = Severity.CRITICAL
NEEDS = (
    "openstack.ports",
    "openstack.security_groups",
    "cluster.nodes",
    "cluster.cni",
    "node_ports",
)
CAUSE = "sg-encap"

register(
    {
        f"{ID}.what": {"en": "{kind} encapsulation", "ko": "{kind} 캡슐화"},
        f"{ID}.subject": {"en": "the CNI's encapsulation", "ko": "CNI 캡슐화"},
        f"{ID}.na": {
            "en": "The CNI does not encapsulate traffic between any pair of these nodes, so no "
            "encapsulation rule is needed.",
            "ko": "이 노드들 사이에서는 CNI가 트래픽을 캡슐화하지 않으므로 캡슐화 규칙이 필요 없습니다.",
        },
    }
)


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    kinds: dict[tuple[str, int, int | None], None] = {}
    unknown: list[str] = []
    for _s, _t, decision in ctx.flows.decisions:
        if decision.hop.disposition == Disposition.UNKNOWN:
            unknown.append(decision.hop.detail)
        elif decision.encap is not None:
            kinds.setdefault((decision.encap, decision.proto, decision.port), None)
    out: list[Finding] = []
    for kind, proto, port in kinds:
        out.extend(
            node_traffic_findings(
                ctx,
                ID,
                SEVERITY,
                Msg(f"{ID}.what", kind=kind),
                protocol_label(proto),
                port,
                "all",
                CAUSE,
                result=ctx.flows.encapsulated(kind, proto, port),
            )
        )
    if unknown and not out:
        out.append(
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                cluster_resource(ctx),
                Msg("common.undecided", what=Msg(f"{ID}.subject"), why=unknown[0]),
                (unknown[0],),
            )
        )
    if not kinds and not unknown:
        out.append(
            Finding(
                ID,
                Status.NOT_APPLICABLE,
                SEVERITY,
                cluster_resource(ctx),
                Msg(f"{ID}.na"),
            )
        )
    return out
