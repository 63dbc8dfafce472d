"""neutron-port-admin-down: node ports are administratively up (and active where it matters).

A port with admin_state_up false passes no packet either way (ML2/OVS puts it on the dead
VLAN with a drop flow, OVN disables its Logical_Switch_Port): every flow of its node fails,
and the engine denies them at that port's hop (cause `port-down`); so does a port whose
binding failed (binding:vif_type binding_failed, admin-only; cause `port-unbound`). A port whose `status` is
not ACTIVE is evidence only when its node is not Ready (docs/facts.md "Port admin state").
"""

from __future__ import annotations

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks.base import CheckContext, Kind, Says, view_ports, when_collected
from kostack.analyze.checks.neutron_port_security_disabled import no_port_finding
from kostack.analyze.engine.antispoof import PORT_DOWN, PORT_UNBOUND
from kostack.analyze.findings import MANUAL_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView
from kostack.shell import as_code, end_options, render

ID = "neutron-port-admin-down"
TITLE = "Node ports are administratively up"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("openstack.ports", "cluster.nodes", "node_ports")
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "port-down": Kind.ROOT | Kind.POD_TRAFFIC | Kind.SOME_NODES,
    "port-unbound": Kind.ROOT | Kind.POD_TRAFFIC | Kind.SOME_NODES,
    "port-inactive": Kind.ROOT | Kind.POD_TRAFFIC | Kind.SOME_NODES,
}
INACTIVE = "port-inactive"
_READY = {False: "false", None: "?"}

register(
    {
        f"{ID}.fail": {
            "en": "The Neutron {n:port/ports} of {nodes} {n:is/are} administratively down (admin_state_up "
            "false): Neutron passes no packet to or from {n:it/them}, so every flow of "
            "{n:that node/those nodes} fails.",
            "ko": "{nodes}의 Neutron 포트가 관리상 비활성(admin_state_up false) 상태입니다: "
            "Neutron이 이 포트로 오가는 패킷을 하나도 통과시키지 않으므로 해당 노드 {n}대의 모든 흐름이 실패합니다.",
        },
        f"{ID}.reason": {
            "en": "turn port {port} of node {node} back on (admin_state_up true)",
            "ko": "노드 {node}의 포트 {port:을/를} 다시 켭니다 (admin_state_up true)",
        },
        f"{ID}.unbound": {
            "en": "The Neutron {n:port/ports} of {nodes} failed to bind (binding:vif_type "
            "binding_failed): no mechanism driver could bind {n:it/them} on {n:its host/their hosts}, "
            "so Neutron passes no packet and every flow of {n:that node/those nodes} fails. Look at "
            "the L2 agents ({command}): one down on the host, or not mapping the network's physical "
            "network, fails the binding.",
            "ko": "{nodes}의 Neutron 포트 바인딩이 실패했습니다(binding:vif_type binding_failed): 어떤 "
            "메커니즘 드라이버도 포트를 호스트에 바인딩하지 못해 Neutron이 패킷을 하나도 통과시키지 않으므로 "
            "해당 노드 {n}대의 모든 흐름이 실패합니다. L2 에이전트를 확인하십시오({command}): 호스트의 "
            "에이전트가 죽었거나 네트워크의 물리 네트워크를 매핑하지 않으면 바인딩이 실패합니다.",
        },
        f"{ID}.unbound-maybe": {
            "en": "The Neutron {n:port/ports} of {nodes} failed to bind (binding:vif_type "
            "binding_failed). Under ML2/OVS the agent then drops every packet of {n:it/them}; "
            "ML2/OVN's ovn-controller may still wire {n:it/them} (the backend here: {backend}). "
            "Look at the L2 agents ({command}) and whether the {n:node is/nodes are} Ready.",
            "ko": "{nodes}의 Neutron 포트 {n}개의 바인딩이 실패했습니다(binding:vif_type binding_failed). "
            "ML2/OVS라면 에이전트가 이 포트의 패킷을 모두 버리지만 ML2/OVN의 ovn-controller는 여전히 "
            "연결할 수 있습니다(여기의 백엔드: {backend}). L2 에이전트({command})와 노드가 "
            "Ready인지 확인하십시오.",
        },
        f"{ID}.no-backend": {"en": "not known", "ko": "알 수 없음"},
        f"{ID}.inactive": {
            "en": "The Neutron {n:port/ports} of {nodes} {n:is/are} not ACTIVE and {n:the node is/these "
            "nodes are} NotReady: the virtual {n:machine/machines} may be off or {n:its port/their ports} unbound.",
            "ko": "{nodes}의 Neutron 포트가 ACTIVE가 아니고 노드 {n}대도 NotReady입니다: VM이 꺼져 있거나 "
            "포트가 바인딩되지 않았을 수 있습니다.",
        },
        f"{ID}.inactive-unknown": {
            "en": "The Neutron {n:port/ports} of {nodes} {n:is/are} not ACTIVE and whether {n:the node "
            "is/these nodes are} Ready is not known: the virtual {n:machine/machines} may be off or {n:its "
            "port/their ports} unbound.",
            "ko": "{nodes}의 Neutron 포트가 ACTIVE가 아니고 노드 {n}대가 Ready인지 알 수 없습니다: VM이 "
            "꺼져 있거나 포트가 바인딩되지 않았을 수 있습니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: admin_state_up of the ports of {nodes} was not collected.",
            "ko": "판단할 수 없음: {nodes} 포트의 admin_state_up 값을 수집하지 못했습니다.",
        },
        f"{ID}.pass": {
            "en": "All {n} node ports are administratively up.",
            "ko": "노드 포트 {n}개 모두 관리상 활성 상태입니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    no_port: list[NodeView] = []
    down: list[NodeView] = []
    unbound: list[NodeView] = []
    unknown: list[NodeView] = []
    # status not ACTIVE: evidence on a NotReady node (False) or one of unknown readiness (None)
    inactive: dict[bool | None, list[NodeView]] = {False: [], None: []}
    for view in ctx.topo.node_views.values():
        port = view.port
        if port is None:
            no_port.append(view)
        elif port.admin_state_up is False:
            down.append(view)
        elif port.vif_type == "binding_failed":
            unbound.append(view)
        elif port.admin_state_up is None:
            unknown.append(view)
        elif port.status not in ("", "ACTIVE") and view.node.ready is not True:
            inactive[view.node.ready].append(view)
    out = [no_port_finding(SAY, no_port)] if no_port else []
    if down:
        out.append(_down(ctx, down))
    if unbound:
        out.append(_unbound(ctx, unbound))
    for ready, views in inactive.items():
        if views:
            out.append(_inactive(ctx, views, ready))
    if unknown:
        names = tuple(v.name for v in unknown)
        msg = Msg(f"{ID}.unknown", nodes=nodes_label(names))
        out.append(SAY.cluster(ctx, Status.UNKNOWN, msg, nodes=names, key=("unknown", names)))
    if out or not ctx.topo.node_views:
        return out
    return [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=len(ctx.topo.node_views)))]


def _down(ctx: CheckContext, views: list[NodeView]) -> Finding:
    names = tuple(v.name for v in views)
    remedies = tuple(
        Remedy(
            "manual",
            "port",
            v.port.id,
            v.name,
            (
                (
                    "command",
                    render(["openstack", "port", "set", "--enable", *end_options([v.port.id])]),
                ),
            ),
            Msg(f"{ID}.reason", port=v.port.id, node=v.name),
            PORT_DOWN,
        )
        for v in views
        if v.port is not None
    )
    return SAY.cluster(
        ctx,
        Status.FAIL,
        Msg(f"{ID}.fail", nodes=nodes_label(names), n=len(names)),
        tuple(f"port {v.port.id} admin_state_up=false" for v in views[:8] if v.port),
        remedies,
        cause=PORT_DOWN,
        affected=view_ports(ctx, views),
        nodes=names,
        key=("down", names),
    )


def _unbound(ctx: CheckContext, views: list[NodeView]) -> Finding:
    names = tuple(v.name for v in views)
    agents = as_code(render(["openstack", "network", "agent", "list"]))
    backend = ctx.topo.backend
    args = {"nodes": nodes_label(names), "n": len(names), "command": agents}
    ovs = backend == "ml2/ovs"
    msg = (
        Msg(f"{ID}.unbound", **args)
        if ovs
        else Msg(f"{ID}.unbound-maybe", **args, backend=backend or Msg(f"{ID}.no-backend"))
    )
    return SAY.cluster(
        ctx,
        Status.FAIL if ovs else Status.UNKNOWN,
        msg,
        tuple(f"port {v.port.id} binding:vif_type=binding_failed" for v in views[:8] if v.port),
        cause=PORT_UNBOUND,
        affected=view_ports(ctx, views),
        nodes=names,
        key=("unbound", names),
    )


def _inactive(ctx: CheckContext, views: list[NodeView], ready: bool | None) -> Finding:
    names = tuple(v.name for v in views)
    evidence = tuple(
        f"port {v.port.id} status={v.port.status}, node {v.name} ready={_READY[ready]}"
        for v in views[:8]
        if v.port
    )
    key = "inactive" if ready is False else "inactive-unknown"
    return SAY.cluster(
        ctx,
        Status.FAIL if ready is False else Status.UNKNOWN,
        Msg(f"{ID}.{key}", nodes=nodes_label(names), n=len(names)),
        evidence,
        cause=INACTIVE,
        affected=view_ports(ctx, views),
        nodes=names,
        key=(key, names),
    )
