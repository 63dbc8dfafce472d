"""inv-node-port-match: every node is matched to its Neutron port."""

from __future__ import annotations

from kostack.analyze.checks.base import CheckContext, cluster_resource, missing, node_resource
from kostack.analyze.findings import Finding, Severity, Status

ID = "inv-node-port-match"
TITLE = "Every Kubernetes node is matched to its Neutron port"
SEVERITY = Severity.MEDIUM
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    out = [
        Finding(
            ID,
            Status.FAIL,
            SEVERITY,
            node_resource(view),
            f"Node {view.name} ({view.ip}) has no matching Neutron port ({view.port_note}); "
            "everything that depends on its port is UNKNOWN.",
            (f"node {view.name} providerID={view.node.provider_id}", f"InternalIP={view.ip}"),
            cause="no-port",
        )
        for view in ctx.topo.node_views.values()
        if view.port is None
    ]
    return out or [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            f"All {len(ctx.topo.node_views)} nodes are matched to their Neutron ports.",
        )
    ]
