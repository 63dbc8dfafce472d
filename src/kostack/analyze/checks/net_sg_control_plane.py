"""net-sg-control-plane: nodes reach the API server (TCP 6443) and the control plane reaches kubelets (TCP 10250)."""

from __future__ import annotations

from kostack.analyze.checks._sg import class_pairs, node_traffic_findings
from kostack.analyze.checks.base import CheckContext, cluster_resource, missing
from kostack.analyze.findings import Finding, Severity, Status

ID = "net-sg-control-plane"
TITLE = (
    "Security groups admit the API server (TCP 6443) and kubelet (TCP 10250) traffic between nodes"
)
SEVERITY = Severity.HIGH
NEEDS = ("openstack.ports", "openstack.security_groups", "cluster.nodes", "node_ports")


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    if not any(v.is_control_plane for v in ctx.topo.node_views.values()):
        return [
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                cluster_resource(ctx),
                "Cannot decide: no node carries the control-plane role label.",
            )
        ]
    out = node_traffic_findings(
        ctx,
        ID,
        SEVERITY,
        "the Kubernetes API server",
        "tcp",
        6443,
        class_pairs(ctx, "to-cp"),
        "sg-node",
    )
    out += node_traffic_findings(
        ctx, ID, SEVERITY, "kubelet", "tcp", 10250, class_pairs(ctx, "from-cp"), "sg-node"
    )
    if sum(1 for v in ctx.topo.node_views.values() if v.is_control_plane) > 1:
        out += node_traffic_findings(
            ctx,
            ID,
            SEVERITY,
            "etcd",
            "tcp",
            2379,
            class_pairs(ctx, "cp-cp"),
            "sg-node",
            port_max=2380,
        )
    return out
