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
from kostack.analyze.messages import Msg, register

ID = "neutron-port-security-disabled"
TITLE = "Node ports keep Neutron port security on"
SEVERITY = Severity.MEDIUM
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")

register(
    {
        f"{ID}.fail": {
            "en": "Port {port} of node {node} has port security disabled: pod traffic works, but the VM can "
            "send from any address and no security group protects it. Prefer allowed address pairs for the "
            "pod CIDR with port security on.",
            "ko": "노드 {node}의 포트 {port}는 포트 보안이 꺼져 있습니다: Pod 통신은 되지만 VM이 어떤 주소로든 "
            "패킷을 보낼 수 있고 보안 그룹도 적용되지 않습니다. 포트 보안을 켠 채 Pod CIDR을 Allowed Address "
            "Pair로 허용하는 방식을 권장합니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: port_security_enabled of port {port} ({node}) was not collected.",
            "ko": "판단할 수 없음: 포트 {port}({node})의 port_security_enabled 값을 수집하지 못했습니다.",
        },
        f"{ID}.pass": {
            "en": "All {n} node ports keep port security on.",
            "ko": "노드 포트 {n}개 모두 포트 보안이 켜져 있습니다.",
        },
    }
)


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
                    Msg("common.no-port", node=view.name, why=view.port_note),
                )
            )
        elif port.port_security_enabled is False:
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    SEVERITY,
                    port_resource(ctx, port, view.name),
                    Msg(f"{ID}.fail", port=port.id, node=view.name),
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
                    Msg(f"{ID}.unknown", port=port.id, node=view.name),
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
            Msg(f"{ID}.pass", n=len(ctx.topo.node_views)),
        )
    ]
