"""net-sg-control-plane: nodes reach the API server (TCP 6443) and the control plane reaches kubelets (TCP 10250)."""

from __future__ import annotations

from kostack.analyze.checks._sg import node_traffic_findings
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.findings import RULE_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register

ID = "net-sg-control-plane"
TITLE = (
    "Security groups admit the API server (TCP 6443) and kubelet (TCP 10250) traffic between nodes"
)
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)

register(
    {
        f"{ID}.api": {"en": "the Kubernetes API server", "ko": "Kubernetes API 서버"},
        f"{ID}.kubelet": {"en": "kubelet", "ko": "kubelet"},
        f"{ID}.etcd": {"en": "etcd", "ko": "etcd"},
        f"{ID}.no-cp": {
            "en": "Cannot decide: no node carries the control-plane role label.",
            "ko": "판단할 수 없음: control-plane 역할 레이블이 붙은 노드가 없습니다.",
        },
    }
)
NEEDS = ("openstack.ports", "openstack.security_groups", "cluster.nodes", "node_ports")
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "sg-node": Kind.ROOT
    | Kind.PORT
    | Kind.ADDRESS
    | Kind.SG_LESSON
    | Kind.POD_TRAFFIC
    | Kind.SOME_NODES
}


# (message, port, port_max, scope): the API server, kubelet, and etcd between control planes
_TRAFFIC = (
    ("api", 6443, None, "to-cp"),
    ("kubelet", 10250, None, "from-cp"),
    ("etcd", 2379, 2380, "cp-cp"),
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    control_planes = sum(1 for v in ctx.topo.node_views.values() if v.is_control_plane)
    if not control_planes:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.no-cp"))]
    out: list[Finding] = []
    for what, port, port_max, scope in _TRAFFIC:
        if scope == "cp-cp" and control_planes < 2:
            continue
        what_msg = Msg(f"{ID}.{what}")
        out += node_traffic_findings(
            ctx, SAY, what_msg, "tcp", port, scope, "sg-node", port_max=port_max
        )
    return out
