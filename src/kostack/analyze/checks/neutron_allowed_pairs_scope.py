"""neutron-allowed-pairs-scope: allowed address pairs are no wider than needed and cover each node's pods."""

from __future__ import annotations

from kostack.analyze.checks.base import (
    CheckContext,
    cluster_resource,
    missing,
    node_resource,
    port_resource,
)
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.remedy import pair_remedy
from kostack.analyze.topology import net_within

ID = "neutron-allowed-pairs-scope"
TITLE = "Allowed address pairs on node ports cover the node's pod blocks and nothing as wide as 0.0.0.0/0"
SEVERITY = Severity.HIGH
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    out: list[Finding] = []
    with_pairs = 0
    for view in ctx.topo.node_views.values():
        port = view.port
        if port is None:
            out.append(
                Finding(
                    ID,
                    Status.UNKNOWN,
                    SEVERITY,
                    node_resource(view),
                    f"Cannot decide for node {view.name}: {view.port_note}.",
                )
            )
            continue
        if not port.allowed_address_pairs or port.port_security_enabled is False:
            continue
        with_pairs += 1
        res = port_resource(ctx, port, view.name)
        pairs = [p.ip_address for p in port.allowed_address_pairs]
        wide = [p for p in pairs if p.prefixlen == 0]
        if wide:
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    Severity.HIGH,
                    res,
                    f"Port {port.id} of node {view.name} has allowed address pair {wide[0]}: anti-spoofing "
                    "is effectively off for it. Use the pod CIDR instead.",
                    (f"port {port.id} allowed_address_pairs={[str(p) for p in pairs]}",),
                    cause="pairs-too-wide",
                )
            )
            continue
        uncovered = [b for b in view.blocks if not any(net_within(b, p) for p in pairs)]
        if uncovered:
            targets = ctx.topo.pod_cidrs or tuple(uncovered)
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    Severity.MEDIUM,
                    res,
                    f"Port {port.id} of node {view.name} has allowed pairs {[str(p) for p in pairs]} that do "
                    f"not cover its pod block{'s' if len(uncovered) > 1 else ''} "
                    f"{', '.join(str(b) for b in uncovered)}: packets from those pods are dropped.",
                    (
                        f"port {port.id} allowed_address_pairs={[str(p) for p in pairs]}",
                        f"node {view.name} blocks={[str(b) for b in view.blocks]}",
                    ),
                    tuple(
                        pair_remedy(
                            port, view.name, c, f"cover {view.name}'s pod blocks", "antispoof"
                        )
                        for c in targets
                    ),
                    cause="antispoof",
                )
            )
    if out:
        return out
    if with_pairs == 0:
        return [
            Finding(
                ID,
                Status.NOT_APPLICABLE,
                SEVERITY,
                cluster_resource(ctx),
                "No node port has allowed address pairs (whether any are needed is net-pod-src-antispoof's finding).",
            )
        ]
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            f"Allowed pairs on {with_pairs} node ports cover their pod blocks and none is 0.0.0.0/0.",
        )
    ]
