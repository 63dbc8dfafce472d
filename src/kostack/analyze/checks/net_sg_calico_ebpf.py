"""net-sg-calico-ebpf: security groups admit the VXLAN (UDP vxlanPort, 4789) Calico's eBPF data
plane forwards NodePort and LoadBalancer connections in between nodes.

With the eBPF data plane on (engine/calico_ebpf.py, docs/facts.md "Calico's eBPF data
plane"), a connection from outside that reaches a node without the chosen backend is sent to
the backend's node in VXLAN on Felix's vxlanPort, node address to node address, whatever the
pools' encapsulation: IPIP or unencapsulated pools still need it. In Tunnel mode (the default)
the reply comes back the same way; in DSR mode only the request does. A drop breaks every
NodePort and LoadBalancer connection whose backend is elsewhere (about all of them with
externalTrafficPolicy Cluster on a few backends), while pod traffic works.
"""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.checks._calico_ebpf_state import ebpf_on, noted
from kostack.analyze.checks._sg import NODE_SG_NEEDS, node_traffic_findings
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.findings import RULE_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register

ID = "net-sg-calico-ebpf"
TITLE = (
    "Security groups admit the VXLAN (UDP 4789) Calico's eBPF data plane forwards NodePort "
    "traffic in between nodes"
)
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
CAUSE = "calico-ebpf-tunnel"
NEEDS = NODE_SG_NEEDS
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {CAUSE: Kind.ROOT | Kind.PORT | Kind.SG_LESSON}

register(
    {
        f"{ID}.what": {
            "en": "Calico eBPF NodePort forwarding (VXLAN)",
            "ko": "Calico eBPF NodePort 전달(VXLAN)",
        },
        f"{ID}.not-calico": {
            "en": "The CNI is not Calico: no Calico eBPF data plane.",
            "ko": "CNI가 Calico가 아니므로 Calico eBPF 데이터 플레인이 없습니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: whether Calico runs its eBPF data plane, or its vxlanPort, was "
            "not read (FelixConfiguration default).",
            "ko": "판단할 수 없음: Calico가 eBPF 데이터 플레인을 쓰는지, 또는 vxlanPort를 읽지 "
            "못했습니다 (FelixConfiguration default).",
        },
        f"{ID}.off": {
            "en": "Calico runs its iptables or nftables data plane: kube-proxy forwards NodePorts "
            "without a tunnel.",
            "ko": "Calico가 iptables 또는 nftables 데이터 플레인으로 동작하므로 kube-proxy가 "
            "터널 없이 NodePort를 전달합니다.",
        },
        f"{ID}.fail": {
            "en": "{message} Calico's eBPF data plane sends a NodePort or LoadBalancer connection "
            "to the backend's node in this VXLAN: every such connection whose backend is on "
            "another node is lost, while pod traffic works.",
            "ko": "{message} Calico eBPF 데이터 플레인은 NodePort와 LoadBalancer 연결을 이 VXLAN으로 "
            "백엔드가 있는 노드에 보내므로, 백엔드가 다른 노드에 있는 연결은 모두 끊깁니다(Pod "
            "트래픽은 정상).",
        },
    }
)


@SAY.only_for("calico", f"{ID}.not-calico")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    calico = ctx.snapshot.cluster.cni.calico if ctx.snapshot.cluster is not None else None
    return noted(calico, _run(ctx))


def _run(ctx: CheckContext) -> list[Finding]:
    calico = ebpf_on(ctx, SAY)
    if isinstance(calico, list):
        return calico
    if calico.vxlan_port is None:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unknown"))]
    found = node_traffic_findings(
        ctx, SAY, Msg(f"{ID}.what"), "udp", calico.vxlan_port, "all", CAUSE
    )
    return [
        replace(f, message=Msg(f"{ID}.fail", message=f.message)) if f.status == Status.FAIL else f
        for f in found
    ]
