"""neutron-port-security-disabled: node ports keep port security on (use allowed pairs instead)."""

from __future__ import annotations

from kostack.analyze.checks.base import (
    CheckContext,
    cluster_resource,
    missing,
    node_resource,
    port_resource,
)
from kostack.analyze.findings import Finding, Severity, Status

ID = "neutron-port-security-disabled"
TITLE = "Node ports keep Neutron port security on"
SEVERITY = Severity.MEDIUM
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    out: list[Finding] = []
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
        elif port.port_security_enabled is False:
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    SEVERITY,
                    port_resource(ctx, port, view.name),
                    f"Port {port.id} of node {view.name} has port security disabled: pod traffic works, "
                    "but the VM can send from any address and no security group protects it. "
                    "Prefer allowed address pairs for the pod CIDR with port security on.",
                    (
                        f"port {port.id} port_security_enabled=false",
                        f"security_groups={list(port.security_group_ids)}",
                    ),
                    cause="port-security-off",
                )
            )
        elif port.port_security_enabled is None:
            out.append(
                Finding(
                    ID,
                    Status.UNKNOWN,
                    SEVERITY,
                    port_resource(ctx, port, view.name),
                    f"Cannot decide: port_security_enabled of port {port.id} ({view.name}) was not collected.",
                )
            )
    if out or not ctx.topo.node_views:
        return out
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            cluster_resource(ctx),
            f"All {len(ctx.topo.node_views)} node ports keep port security on.",
        )
    ]
