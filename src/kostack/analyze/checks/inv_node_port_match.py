"""inv-node-port-match: every node is matched to its Neutron port."""

from __future__ import annotations

from kostack.analyze.checks.base import CheckContext, cluster_resource, missing, node_resource
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register

ID = "inv-node-port-match"
TITLE = "Every Kubernetes node is matched to its Neutron port"
SEVERITY = Severity.MEDIUM
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")

register(
    {
        f"{ID}.fail": {
            "en": "Node {node} ({ip}) has no matching Neutron port ({why}); everything that depends on its "
            "port is UNKNOWN.",
            "ko": "노드 {node}({ip})와 매칭되는 Neutron 포트가 없습니다 ({why}). 이 포트에 의존하는 판단은 모두 "
            "UNKNOWN입니다.",
        },
        f"{ID}.pass": {
            "en": "All {n} nodes are matched to their Neutron ports.",
            "ko": "노드 {n}대 모두 Neutron 포트와 매칭되었습니다.",
        },
    }
)


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
            Msg(f"{ID}.fail", node=view.name, ip=view.ip, why=view.port_note),
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
            Msg(f"{ID}.pass", n=len(ctx.topo.node_views)),
        )
    ]
