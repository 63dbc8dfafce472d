"""neutron-port-security-disabled: node ports keep port security on (use allowed pairs instead).

Port security off is one way anti-spoofing is effectively off; an allowed
pair of 0.0.0.0/0 or one that covers the node subnet is another
(neutron-allowed-pairs-scope). Both are the same risk and carry the same
severity and cause key (`antispoof-off`): a warning, not an outage.
"""

from __future__ import annotations

from collections.abc import Mapping

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks.base import (
    CheckContext,
    Kind,
    Says,
    node_resource,
    view_ports,
    when_collected,
)
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView

ID = "neutron-port-security-disabled"
TITLE = "Node ports keep Neutron port security on"
SEVERITY = Severity.MEDIUM
SAY = Says(ID, SEVERITY)
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")
REMEDIES: frozenset[str] = frozenset()
CAUSE_KINDS: dict[str, Kind] = {"antispoof-off": Kind.WARNING | Kind.ADDRESS}
CAUSE = "antispoof-off"

register(
    {
        f"{ID}.fail": {
            "en": "Anti-spoofing is off on the ports of {nodes}: port security is disabled, so the VMs "
            "can send from any address and no security group protects them. Pod traffic works, but "
            "prefer allowed address pairs for the pod ranges with port security on.",
            "ko": "{nodes}의 포트에서 anti-spoofing이 꺼져 있습니다: 포트 보안이 꺼져 있어 VM이 어떤 "
            "주소로든 패킷을 보낼 수 있고 보안 그룹도 적용되지 않습니다. Pod 통신은 되지만, 포트 보안을 "
            "켠 채 Pod 대역을 Allowed Address Pair로 허용하는 방식을 권장합니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: port_security_enabled of the ports of {nodes} was not collected.",
            "ko": "판단할 수 없음: {nodes} 포트의 port_security_enabled 값을 수집하지 못했습니다.",
        },
        f"{ID}.pass": {
            "en": "All {n} node ports keep port security on.",
            "ko": "노드 포트 {n}개 모두 포트 보안이 켜져 있습니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    no_port: list[NodeView] = []
    off: list[NodeView] = []
    unknown: list[NodeView] = []
    for view in ctx.topo.node_views.values():
        if view.port is None:
            no_port.append(view)
        elif view.port.port_security_enabled is False:
            off.append(view)
        elif view.port.port_security_enabled is None:
            unknown.append(view)
    out: list[Finding] = []
    if no_port:
        out.append(no_port_finding(SAY, no_port))
    if off:
        out.append(
            SAY.cluster(
                ctx,
                Status.FAIL,
                Msg(f"{ID}.fail", nodes=nodes_label([v.name for v in off])),
                tuple(f"port {v.port.id} port_security_enabled=false" for v in off[:8] if v.port),
                cause=CAUSE,
                affected=view_ports(ctx, off),
                nodes=tuple(v.name for v in off),
                key=("off", tuple(v.name for v in off)),
            )
        )
    if unknown:
        out.append(
            SAY.cluster(
                ctx,
                Status.UNKNOWN,
                Msg(f"{ID}.unknown", nodes=nodes_label([v.name for v in unknown])),
                nodes=tuple(v.name for v in unknown),
                key=("unknown", tuple(v.name for v in unknown)),
            )
        )
    if out or not ctx.topo.node_views:
        return out
    return [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=len(ctx.topo.node_views)))]


def no_port_finding(say: Says, views: list[NodeView]) -> Finding:
    """One UNKNOWN for every node without a matched port (grouped, as everything that needs it)."""
    return say.finding(
        Status.UNKNOWN,
        node_resource(views[0]),
        Msg(
            "common.no-port",
            node=nodes_label([v.name for v in views]),
            why=views[0].port_note,
        ),
        tuple(Msg("topo.node-note", node=v.name, note=v.port_note) for v in views[:8]),
        cause="no-port",
        nodes=tuple(v.name for v in views),
        key=("no-port", tuple(v.name for v in views)),
    )


def unplaced_findings(
    ctx: CheckContext,
    say: Says,
    no_port: Mapping[str, NodeView],
    unsure: Mapping[str, NodeView],
    unfiltered: str,
) -> list[Finding]:
    """A pair check's UNKNOWNs for the nodes it could not judge: those without a matched port
    (one finding) and those whose port Neutron's firewall may not filter (message key
    ``unfiltered``, parameter ``nodes``)."""
    out = [no_port_finding(say, list(no_port.values()))] if no_port else []
    if unsure:
        said = Msg(unfiltered, nodes=nodes_label(list(unsure)))
        key = ("unfiltered", tuple(unsure))
        out.append(say.cluster(ctx, Status.UNKNOWN, said, nodes=tuple(unsure), key=key))
    return out
