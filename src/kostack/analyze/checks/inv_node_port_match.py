"""inv-node-port-match: every node is matched to its Neutron port."""

from __future__ import annotations

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks.base import CheckContext, Kind, Says, node_resource, when_collected
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register

ID = "inv-node-port-match"
TITLE = "Every Kubernetes node is matched to its Neutron port"
SEVERITY = Severity.MEDIUM
SAY = Says(ID, SEVERITY)
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")
REMEDIES: frozenset[str] = frozenset()
CAUSE_KINDS: dict[str, Kind] = {"no-port": Kind.ROOT}

register(
    {
        f"{ID}.fail": {
            "en": "No Neutron port matches {node} ({ip}): {why}; everything that depends on its "
            "port is UNKNOWN.",
            "ko": "{node:과/와} 매칭되는 Neutron 포트가 없습니다 (노드 IP {ip}): {why}. 이 포트에 의존하는 판단은 "
            "모두 UNKNOWN입니다.",
        },
        f"{ID}.pass": {
            "en": "All {n} nodes are matched to their Neutron ports.",
            "ko": "노드 {n}대 모두 Neutron 포트와 매칭되었습니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    unmatched = [v for v in ctx.topo.node_views.values() if v.port is None]
    if not unmatched:
        return [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=len(ctx.topo.node_views)))]
    first = unmatched[0]
    return [
        SAY.finding(
            Status.FAIL,
            node_resource(first),
            Msg(
                f"{ID}.fail",
                node=nodes_label([v.name for v in unmatched]),
                ip=", ".join(str(v.ip) for v in unmatched[:4]),
                why=first.port_note,
            ),
            tuple(
                Msg(
                    "topo.node-note",
                    node=f"{v.name} providerID={v.node.provider_id} InternalIP={v.ip}",
                    note=v.port_note,
                )
                for v in unmatched[:8]
            ),
            cause="no-port",
            nodes=tuple(v.name for v in unmatched),
            key=("no-port", tuple(v.name for v in unmatched)),
        )
    ]
