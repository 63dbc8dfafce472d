"""net-sg-bgp: security groups admit BGP (TCP 179) between nodes when Calico peers over BGP."""

from __future__ import annotations

from kostack.analyze.checks._sg import class_pairs, node_traffic_findings
from kostack.analyze.checks.base import CheckContext, cluster_resource, missing
from kostack.analyze.findings import Finding, Severity, Status

ID = "net-sg-bgp"
TITLE = "Security groups admit BGP (TCP 179) between nodes when Calico uses BGP"
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
                "The CNI is not Calico: no BGP peering.",
            )
        ]
    if calico is None or calico.bgp is None:
        return [
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                cluster_resource(ctx),
                "Cannot decide: whether Calico runs BGP was not collected (BGPConfiguration / Installation).",
            )
        ]
    if not calico.bgp:
        return [
            Finding(
                ID,
                Status.NOT_APPLICABLE,
                SEVERITY,
                cluster_resource(ctx),
                "Calico BGP is disabled.",
            )
        ]
    return node_traffic_findings(
        ctx, ID, SEVERITY, "Calico BGP", "tcp", 179, class_pairs(ctx), "sg-node"
    )
