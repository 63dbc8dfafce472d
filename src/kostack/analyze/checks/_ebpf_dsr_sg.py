"""Calico eBPF DSR's answers against the backend node's security groups (docs/facts.md
"Calico's eBPF data plane", DSR and security groups).

Under DSR the backend's node answers a NodePort's client itself: the answer leaves that node's
port for the client (any address: a NodePort's clients are not known), from the ingress node's
address and the NodePort. The request reached the node in VXLAN from the ingress node, another
flow, so that port's connection tracking never saw it: no "established" state admits the
answer, only an egress rule does, and under a stateful group a TCP answer is worse off. It
starts with a SYN-ACK whose SYN that conntrack never saw, which Linux marks invalid
(nf_conntrack_proto_tcp.c: ORIGINAL synack sNO -> sIV); Neutron's openvswitch firewall driver
drops invalid packets before any rule, the iptables_hybrid driver only after the port's rules
(neutron 29.0.0), and ML2/OVN is not verified, so kostack does not decide it: UNKNOWN, naming
the setting that does. Per node, its groups' egress rules are read once per distinct set of
groups and protocols: linear in the nodes and the rules.

The ingress node's port sees the other half: the client's SYN came in there (a new
connection its rules admitted), the SYN-ACK left the backend's node, so the client's next
packets, ACKs, find that port's conntrack entry still waiting for a SYN-ACK, which Linux
marks invalid (nf_conntrack_proto_tcp.c: ORIGINAL ack sSS -> sIV "ACK is invalid: we haven't
seen a SYN/ACK yet"). The same firewall driver decides there: UNKNOWN naming the ingress
nodes (every node whose address serves NodePorts, but one alone with the backends), except
where the port is not filtered or its stateless groups are ML2/OVN's. UDP has no handshake:
the client's later datagrams match the entry the first one made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.engine.calico_ebpf import TUNNEL_PATCH
from kostack.analyze.engine.stateless import stateless
from kostack.analyze.engine.vnic import not_filtered
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.protocols import protocol_number
from kostack.analyze.topology import NodeView, Topology
from kostack.model.neutron import SecurityGroupRule

CAUSE = "calico-ebpf-dsr-egress"
NUMBERS = {"TCP": 6, "UDP": 17, "SCTP": 132}

register(
    {
        "ebpf-dsr-sg.fail": {
            "en": "Calico eBPF DSR answers NodePort clients straight from the backend's node, "
            "and no egress rule of the security groups on the ports of {nodes} admits "
            "{protocols} to every address: the request came to another node, so no connection "
            "state on those ports admits the answer either, and it is dropped. Add an egress "
            "rule for {protocols} to 0.0.0.0/0 (::/0 for IPv6) to those ports' group, or go "
            "back to Tunnel ({patch}).",
            "ko": "Calico eBPF DSR에서는 백엔드가 있는 노드가 NodePort 클라이언트에게 직접 응답하는데, "
            "{nodes} 포트의 보안 그룹에는 {protocols:을/를} 모든 주소로 허용하는 egress 규칙이 "
            "없습니다. 요청은 다른 노드로 들어왔으므로 그 포트의 연결 상태도 응답을 허용하지 않아 "
            "응답이 차단됩니다. 그 포트의 그룹에 0.0.0.0/0(IPv6는 ::/0)으로 가는 {protocols} "
            "egress 규칙을 추가하거나 Tunnel로 되돌리세요({patch}).",
        },
        "ebpf-dsr-sg.some": {
            "en": "Cannot decide for {nodes}: their egress rules admit {protocols} to some "
            "addresses or ports only, and a NodePort's clients are not known; Calico eBPF DSR's "
            "answers go straight to the client, with no connection state on those ports to "
            "admit them.",
            "ko": "{nodes}에 대해서는 판단할 수 없음: egress 규칙이 {protocols:을/를} 일부 주소나 "
            "포트로만 허용하는데 NodePort의 클라이언트는 알 수 없습니다. Calico eBPF DSR 응답은 "
            "클라이언트로 바로 가며, 그 포트에는 이를 허용할 연결 상태가 없습니다.",
        },
        "ebpf-dsr-sg.driver": {
            "en": "Cannot decide for {nodes}: their egress rules admit Calico eBPF DSR's answers, "
            "but a TCP answer starts with a SYN-ACK whose SYN those ports' connection tracking "
            "never saw (the request came to another node), which Linux conntrack marks invalid. "
            "ML2/OVS's openvswitch firewall driver drops invalid packets before any rule (and "
            "ignores stateless groups), the iptables_hybrid driver lets the rules decide first, "
            "and ML2/OVN is not verified. An admin tells the driver: firewall_driver in the "
            "[securitygroup] section of the Open vSwitch agent's configuration. Tunnel "
            "({patch}) takes the question away.",
            "ko": "{nodes}에 대해서는 판단할 수 없음: egress 규칙은 Calico eBPF DSR 응답을 "
            "허용하지만, TCP 응답은 그 포트의 연결 추적이 SYN을 본 적 없는 SYN-ACK 패킷으로 시작하며"
            "(요청은 다른 노드로 들어옴) Linux conntrack은 이를 invalid로 표시합니다. ML2/OVS의 "
            "openvswitch 방화벽 드라이버는 invalid 패킷을 어떤 규칙보다 먼저 버리고(상태 비저장 "
            "그룹도 무시), iptables_hybrid 드라이버는 규칙을 먼저 적용하며, ML2/OVN은 확인되지 "
            "않았습니다. 관리자는 Open vSwitch 에이전트 설정의 [securitygroup] 섹션 "
            "firewall_driver로 드라이버를 구분합니다. Tunnel({patch})로 되돌리면 이 문제가 "
            "없습니다.",
        },
        "ebpf-dsr-in.driver": {
            "en": "Cannot decide for {nodes} as the node a NodePort client comes in by: under "
            "Calico eBPF DSR the SYN-ACK leaves the backend's node, so the client's next TCP "
            "packets reach those ports as ACKs whose SYN-ACK their connection tracking never "
            "saw, which Linux conntrack marks invalid. ML2/OVS's openvswitch firewall driver "
            "drops invalid packets before any rule, the iptables_hybrid driver lets the rules "
            "decide first, and ML2/OVN is not verified. An admin tells the driver: "
            "firewall_driver in the [securitygroup] section of the Open vSwitch agent's "
            "configuration. Tunnel ({patch}) takes the question away.",
            "ko": "NodePort 클라이언트가 들어오는 노드로서 {nodes}에 대해서는 판단할 수 없음: Calico "
            "eBPF DSR에서는 SYN-ACK가 백엔드가 있는 노드에서 나가므로, 클라이언트의 다음 TCP "
            "패킷은 그 포트의 연결 추적이 SYN-ACK를 본 적 없는 ACK로 도착하고 Linux conntrack은 "
            "이를 invalid로 표시합니다. ML2/OVS의 openvswitch 방화벽 드라이버는 invalid 패킷을 "
            "어떤 규칙보다 먼저 버리고, iptables_hybrid 드라이버는 규칙을 먼저 적용하며, "
            "ML2/OVN은 확인되지 않았습니다. 관리자는 Open vSwitch 에이전트 설정의 "
            "[securitygroup] 섹션 firewall_driver로 드라이버를 구분합니다. Tunnel({patch})로 "
            "되돌리면 이 문제가 없습니다.",
        },
    }
)


@dataclass
class _Outcomes:
    """The answering nodes by outcome, and the protocols each failing one lacks."""

    dropped: dict[str, list[str]] = field(default_factory=dict)  # protocols -> nodes
    some: dict[str, list[str]] = field(default_factory=dict)
    driver: list[str] = field(default_factory=list)


def _reach(rule: SecurityGroupRule, number: int, version: int) -> str:
    """What an egress ``rule`` admits of answers of protocol ``number`` to any client:
    "all", "some" (some addresses or ports) or "" (none)."""
    if rule.direction != "egress" or rule.ethertype != f"IPv{version}":
        return ""
    proto = protocol_number(rule.protocol)
    if proto is not None and proto != number:
        return ""
    prefix = rule.remote_ip_prefix
    everyone = rule.remote_group_id is None and rule.remote_address_group_id is None
    everyone = everyone and (prefix is None or prefix.prefixlen == 0)
    lo, hi = rule.port_range_min, rule.port_range_max
    ports = proto is None or ((lo or 0) <= 1 and (hi if hi is not None else 65535) >= 65535)
    return "all" if everyone and ports else "some"


def _judge(
    rules: Iterable[SecurityGroupRule], protocols: tuple[str, ...], version: int
) -> dict[str, str]:
    """Per protocol: "all", "some" or "" (no egress rule admits its answers at all)."""
    listed = list(rules)
    out: dict[str, str] = {}
    for name in protocols:
        number = NUMBERS.get(name, 6)
        reach = {_reach(r, number, version) for r in listed}
        out[name] = "all" if "all" in reach else ("some" if "some" in reach else "")
    return out


def dsr_egress(
    ctx: CheckContext,
    say: Says,
    answering: Iterable[NodeView],
    protocols: Mapping[str, tuple[str, ...]],
    ingress: Iterable[NodeView] = (),
) -> list[Finding]:
    """The findings of the answering nodes' egress: FAIL (cause calico-ebpf-dsr-egress) where
    no rule admits a protocol's answers, UNKNOWN where some do or the firewall driver decides
    (TCP), nothing where every answer passes (or nothing filters the port)."""
    topo = ctx.topo
    out = _Outcomes()
    seen: dict[tuple[object, ...], dict[str, str]] = {}
    for view in answering:
        port, ip = view.port, view.ip
        wanted = protocols.get(view.name, ())
        if port is None or ip is None or not wanted or port.port_security_enabled is False:
            continue
        if not_filtered(port):
            continue
        key = (tuple(port.security_group_ids), wanted, ip.version)
        if key not in seen:
            seen[key] = _judge(_rules(topo, port.security_group_ids), wanted, ip.version)
        judged = seen[key]
        none = [p for p, r in judged.items() if r == ""]
        part = [p for p, r in judged.items() if r == "some"]
        if none:
            out.dropped.setdefault("/".join(none), []).append(view.name)
        elif part:
            out.some.setdefault("/".join(part), []).append(view.name)
        elif any(p != "UDP" for p in wanted) and not (
            stateless(topo, port) and topo.backend == "ml2/ovn"
        ):
            out.driver.append(view.name)
    found = _findings(ctx, say, out)
    entering = _tcp_ingress(topo, ingress, protocols)
    if entering:
        text = Msg("ebpf-dsr-in.driver", nodes=nodes_label(entering), patch=TUNNEL_PATCH)
        found.append(say.cluster(ctx, Status.UNKNOWN, text, nodes=tuple(entering)))
    return found


def _tcp_ingress(
    topo: Topology, ingress: Iterable[NodeView], protocols: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """The ingress nodes whose port's conntrack sees a DSR TCP connection's client ACKs
    without their SYN-ACK: a backend on another node, a TCP (or SCTP) NodePort, the port
    filtered and not a stateless group under ML2/OVN."""
    backends = [n for n, wanted in protocols.items() if any(p != "UDP" for p in wanted)]
    out: list[str] = []
    for view in ingress:
        port = view.port
        if not backends or (len(backends) == 1 and backends[0] == view.name):
            continue
        if port is None or view.ip is None or port.port_security_enabled is False:
            continue
        if not_filtered(port) or (stateless(topo, port) and topo.backend == "ml2/ovn"):
            continue
        out.append(view.name)
    return out


def _rules(topo: Topology, group_ids: Iterable[str]) -> list[SecurityGroupRule]:
    groups = topo.groups
    return [r for gid in group_ids if gid in groups for r in groups[gid].rules]


def _findings(ctx: CheckContext, say: Says, out: _Outcomes) -> list[Finding]:
    found: list[Finding] = []
    for protos, names in sorted(out.dropped.items()):
        text = Msg(
            "ebpf-dsr-sg.fail", nodes=nodes_label(names), protocols=protos, patch=TUNNEL_PATCH
        )
        found.append(
            say.cluster(ctx, Status.FAIL, text, cause=CAUSE, nodes=tuple(names), key=("egress",))
        )
    for protos, names in sorted(out.some.items()):
        text = Msg("ebpf-dsr-sg.some", nodes=nodes_label(names), protocols=protos)
        found.append(say.cluster(ctx, Status.UNKNOWN, text, nodes=tuple(names)))
    if out.driver:
        text = Msg("ebpf-dsr-sg.driver", nodes=nodes_label(out.driver), patch=TUNNEL_PATCH)
        found.append(say.cluster(ctx, Status.UNKNOWN, text, nodes=tuple(out.driver)))
    return found
