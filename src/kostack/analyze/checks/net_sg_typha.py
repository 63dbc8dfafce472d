"""net-sg-typha: security groups admit Calico Typha (TCP 5473) between nodes when Typha runs."""

from __future__ import annotations

from kostack.analyze.checks._sg import class_pairs, node_traffic_findings
from kostack.analyze.checks.base import CheckContext, cluster_resource, missing
from kostack.analyze.findings import Finding, Severity, Status

ID = "net-sg-typha"
TITLE = "Security groups admit Calico Typha (TCP 5473) between nodes when Typha runs"
SEVERITY = Severity.HIGH
NEEDS = (
    "openstack.ports",
    "openstack.security_groups",
    "cluster.nodes",
    "cluster.cni",
    "node_ports",
)


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    cl = ctx.snapshot.cluster
    calico = cl.cni.calico if cl else None
    if cl is None or cl.cni.type != "calico":
        return [
            Finding(
                ID,
                Status.NOT_APPLICABLE,
                SEVERITY,
                cluster_resource(ctx),
                "The CNI is not Calico: no Typha.",
            )
        ]
    if calico is None or calico.typha is None:
        return [
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                cluster_resource(ctx),
                "Cannot decide: whether calico-typha runs was not collected.",
            )
        ]
    if not calico.typha:
        return [
            Finding(
                ID,
                Status.NOT_APPLICABLE,
                SEVERITY,
                cluster_resource(ctx),
                "Calico Typha is not deployed.",
            )
        ]
    return node_traffic_findings(
        ctx, ID, SEVERITY, "Calico Typha", "tcp", 5473, class_pairs(ctx), "sg-node"
    )
