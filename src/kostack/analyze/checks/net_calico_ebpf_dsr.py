"""net-calico-ebpf-dsr: under Calico eBPF's DSR, each backend node's port admits the other
nodes' addresses, which its answers to NodePort clients carry.

With `bpfExternalServiceMode: DSR` a client's connection to any node's NodePort whose chosen
backend is on another node goes there in VXLAN, and the backend's node answers the client
itself with the ingress node's address as source (docs/facts.md "Calico's eBPF data plane",
DSR for NodePorts reached directly: felix/bpf-gpl/tc.c). Any node can be the ingress node, so
each backend node's port needs every other node's address; Neutron's anti-spoofing drops the
answer otherwise. Judged by prediction over the Services' ready endpoints, whatever Octavia
reports (lb-members-down names the same root cause from the members' statuses). Linear in the
nodes and the ports' pairs (checks/_ebpf_dsr.py), never node by node. The answers' egress
through the backend port's security groups, which never saw the request, is
checks/_ebpf_dsr_sg.py's (cause calico-ebpf-dsr-egress, or UNKNOWN where the firewall driver
decides). A node whose address is in bpfExcludeCIDRsFromNAT is no ingress node: Felix marks
its NodePort frontends at that address nat-exclude and leaves them to the host (bpf/proxy
syncer.go `writeSvc`, bpf-gpl nat_lookup.h NAT_EXCLUDE), so nothing comes in there to be
answered in DSR; who serves its NodePorts is not judged (UNKNOWN, naming the nodes).
"""

from __future__ import annotations

from kostack.analyze.checks._calico_ebpf_state import ebpf_on, noted
from kostack.analyze.checks._ebpf_dsr import CAUSE, backend_ports, dsr_need
from kostack.analyze.checks._ebpf_dsr_sg import CAUSE as EGRESS
from kostack.analyze.checks._ebpf_dsr_sg import dsr_egress
from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.engine.calico_ebpf import TUNNEL_PATCH
from kostack.analyze.findings import PAIR_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import Calico, Service

ID = "net-calico-ebpf-dsr"
TITLE = (
    "Under Calico eBPF DSR, each backend node's port admits the other nodes' addresses its "
    "answers carry"
)
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
NEEDS = ("cluster.cni", "cluster.services", "cluster.nodes", "openstack.ports", "node_ports")
REMEDIES: frozenset[str] = frozenset({PAIR_OP})
# the same cause as lb-members-down's DSR findings, with the same kind (OBSERVED: guard leaves
# these pairs to `kostack fix`, docs/limits.md)
CAUSE_KINDS: dict[str, Kind] = {CAUSE: Kind.ROOT | Kind.OBSERVED, EGRESS: Kind.ROOT}
SEVERITY_NOTE = (
    "high: every NodePort or LoadBalancer connection whose backend is on another node gets no "
    "answer, while pod traffic works."
)

register(
    {
        f"{ID}.not-calico": {
            "en": "The CNI is not Calico: no Calico eBPF DSR.",
            "ko": "CNI가 Calico가 아니므로 Calico eBPF DSR이 없습니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: whether Calico runs its eBPF data plane, or its "
            "bpfExternalServiceMode, was not read or differs between nodes.",
            "ko": "판단할 수 없음: Calico가 eBPF 데이터 플레인을 쓰는지, 또는 "
            "bpfExternalServiceMode를 읽지 못했거나 노드마다 다릅니다.",
        },
        f"{ID}.off": {
            "en": "Calico runs its iptables or nftables data plane: no DSR.",
            "ko": "Calico가 iptables 또는 nftables 데이터 플레인으로 동작하므로 DSR이 없습니다.",
        },
        f"{ID}.tunnel": {
            "en": "bpfExternalServiceMode is Tunnel: answers return through the ingress node.",
            "ko": "bpfExternalServiceMode가 Tunnel이므로 응답은 들어온 노드를 거쳐 돌아갑니다.",
        },
        f"{ID}.opted-out": {
            "en": "bpfDSROptoutCIDRs ({cidrs}) holds every client address: they are all answered "
            "through the tunnel.",
            "ko": "bpfDSROptoutCIDRs({cidrs})가 모든 클라이언트 주소를 포함하므로 모두 터널로 "
            "응답받습니다.",
        },
        f"{ID}.no-services": {
            "en": "No NodePort or LoadBalancer Service with externalTrafficPolicy Cluster has a "
            "ready endpoint: nothing answers in DSR.",
            "ko": "externalTrafficPolicy Cluster인 NodePort 또는 LoadBalancer 서비스에 준비된 "
            "엔드포인트가 없어 DSR로 응답하는 것이 없습니다.",
        },
        f"{ID}.endpoints-unread": {
            "en": "Cannot decide: the endpoints of {n} NodePort {n:service/services} ({services}) "
            "were not read, so which nodes answer is not known.",
            "ko": "판단할 수 없음: NodePort 서비스 {n}개({services})의 엔드포인트를 읽지 못해 "
            "어느 노드가 응답하는지 알 수 없습니다.",
        },
        f"{ID}.pass": {
            "en": "The ports of the {n} {n:node/nodes} with ready NodePort endpoints ({nodes}) "
            "admit every other node's address, which their DSR answers carry.",
            "ko": "NodePort 엔드포인트가 있는 노드 {n}개({nodes})의 포트가 DSR 응답에 실리는 다른 "
            "모든 노드의 주소를 허용합니다.",
        },
        f"{ID}.fail": {
            "en": "Calico's eBPF data plane runs in DSR (bpfExternalServiceMode): a client of a "
            "NodePort or LoadBalancer Service is answered by the backend's node from the "
            "address of the node it came in by, and Neutron's anti-spoofing on the ports of "
            "{nodes} drops those answers: every such connection whose backend is on another "
            "node gets no reply. Add the other nodes' addresses as allowed address pairs on "
            "those ports, or go back to Tunnel ({patch}).",
            "ko": "Calico eBPF 데이터 플레인이 DSR(bpfExternalServiceMode)로 동작합니다. NodePort나 "
            "LoadBalancer 서비스의 클라이언트에게 백엔드가 있는 노드가 연결이 들어온 노드의 "
            "주소로 직접 응답하는데, {nodes}의 포트에서 Neutron anti-spoofing이 이 응답을 "
            "차단하므로 백엔드가 다른 노드에 있는 연결은 모두 응답을 받지 못합니다. 다른 노드의 "
            "주소를 그 포트의 Allowed Address Pair로 추가하거나 Tunnel로 되돌리세요({patch}).",
        },
        f"{ID}.undecided": {
            "en": "Cannot decide for {nodes}: their ports' anti-spoofing is not known "
            "(port_security_enabled not collected, or the port may not be filtered), and their "
            "pairs do not hold every other node's address.",
            "ko": "{nodes}에 대해서는 판단할 수 없음: 포트의 anti-spoofing 여부를 알 수 없고"
            "(port_security_enabled 미수집 또는 필터링되지 않을 수 있는 포트), pair가 다른 "
            "모든 노드의 주소를 포함하지 않습니다.",
        },
        f"{ID}.host-nat": {
            "en": "Cannot decide for NodePorts reached at the address of {nodes}: it is in "
            "bpfExcludeCIDRsFromNAT ({cidrs}), so Felix leaves those connections to the host "
            "unresolved (kube-proxy's rules where it runs, nothing where it was removed), and "
            "kostack does not judge the host's handling. They are not DSR's ingress nodes: "
            "no answer to them is judged here.",
            "ko": "{nodes}의 주소로 들어오는 NodePort는 판단할 수 없음: 그 주소가 "
            "bpfExcludeCIDRsFromNAT({cidrs})에 속해 Felix가 그 연결을 변환하지 않고 호스트에 "
            "맡기며(kube-proxy가 있으면 그 규칙, 제거했으면 아무것도 없음), kostack은 호스트의 "
            "처리를 판단하지 않습니다. 그 노드는 DSR의 진입 노드가 아니므로 여기서는 그 응답을 "
            "판단하지 않습니다.",
        },
        f"{ID}.no-port": {
            "en": "Cannot decide for {nodes}: they hold ready NodePort endpoints but no Neutron "
            "port of theirs was matched.",
            "ko": "{nodes}에 대해서는 판단할 수 없음: 준비된 NodePort 엔드포인트가 있지만 "
            "Neutron 포트를 찾지 못했습니다.",
        },
    }
)


@SAY.only_for("calico", f"{ID}.not-calico")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    calico = ctx.snapshot.cluster.cni.calico if ctx.snapshot.cluster is not None else None
    return noted(calico, _run(ctx))


def _node_port_services(services: tuple[Service, ...]) -> list[Service]:
    """Services a client outside reaches by a NodePort (a LoadBalancer's too) that Felix may
    forward to another node: externalTrafficPolicy Cluster (Local stays on the node)."""
    return [
        s
        for s in services
        if s.type in ("NodePort", "LoadBalancer")
        and any(p.node_port for p in s.ports)
        and (s.external_traffic_policy or "Cluster") == "Cluster"
    ]


def _all_opted_out(calico: Calico, views: list[NodeView]) -> bool:
    """bpfDSROptoutCIDRs holds every address of each family the nodes have (a /0 each)."""
    families = {v.ip.version for v in views if v.ip is not None}
    whole = {c.version for c in calico.bpf_dsr_optout_cidrs or () if c.prefixlen == 0}
    return bool(families) and families <= whole


def _run(ctx: CheckContext) -> list[Finding]:
    calico = ebpf_on(ctx, SAY)
    if isinstance(calico, list):
        return calico
    if calico.bpf_external_service_mode is None:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unknown"))]
    if calico.bpf_external_service_mode != "DSR":
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.tunnel"))]
    views = list(ctx.topo.node_views.values())
    if _all_opted_out(calico, views):
        cidrs = ", ".join(str(c) for c in calico.bpf_dsr_optout_cidrs or ())
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.opted-out", cidrs=cidrs))]
    cl = ctx.snapshot.cluster  # known by ebpf_on
    services = _node_port_services((cl.services if cl is not None else None) or ())
    host = _host_nat(calico, views)
    if not host:
        return _judged(ctx, services, views)
    cidrs = ", ".join(str(c) for c in calico.bpf_exclude_cidrs_from_nat or ())
    names = [v.name for v in host]
    text = Msg(f"{ID}.host-nat", nodes=nodes_label(names), cidrs=cidrs)
    said = [SAY.cluster(ctx, Status.UNKNOWN, text, nodes=tuple(names))] if services else []
    ingress = [v for v in views if v.name not in set(names)]
    return [*(_judged(ctx, services, ingress) if ingress else []), *said]


def _host_nat(calico: Calico, views: list[NodeView]) -> list[NodeView]:
    """The nodes whose address is in bpfExcludeCIDRsFromNAT: Felix leaves their NodePorts to
    the host (not known: none, as before the field was read). Linear in the nodes times the
    few CIDRs configured."""
    excluded = calico.bpf_exclude_cidrs_from_nat or ()
    return [
        v
        for v in views
        if v.ip is not None and any(v.ip.version == c.version and v.ip in c for c in excluded)
    ]


def _judged(ctx: CheckContext, services: list[Service], views: list[NodeView]) -> list[Finding]:
    """The backend nodes' ports against every node's address (every node is an ingress node
    of a NodePort reached directly)."""
    unread = [f"{s.namespace}/{s.name}" for s in services if s.endpoints is None]
    if unread:
        shown = ", ".join(unread[:3]) + (", ..." if len(unread) > 3 else "")
        return [
            SAY.cluster(
                ctx, Status.UNKNOWN, Msg(f"{ID}.endpoints-unread", n=len(unread), services=shown)
            )
        ]
    ready: dict[str, set[str]] = {}  # node -> the protocols of its NodePorts
    for s in services:
        protocols = {p.protocol for p in s.ports if p.node_port}
        for e in s.endpoints or ():
            if e.ready and e.node is not None:
                ready.setdefault(e.node, set()).update(protocols)
    if not ready:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.no-services"))]
    known = ctx.topo.node_views
    answering = [known[n] for n in ready if n in known and known[n].port is not None]
    portless = [n for n in ready if n not in known or known[n].port is None]
    need = dsr_need(ctx.topo, answering, views)
    out: list[Finding] = []
    if need.failing:
        names = [v.name for v in need.failing]
        message = Msg(f"{ID}.fail", nodes=nodes_label(names), patch=TUNNEL_PATCH)
        out.append(
            SAY.cluster(
                ctx,
                Status.FAIL,
                message,
                need.over,
                need.remedies,
                cause=CAUSE,
                affected=backend_ports(need.failing),
                nodes=tuple(names),
            )
        )
    if need.undecided:
        names = [v.name for v in need.undecided]
        text = Msg(f"{ID}.undecided", nodes=nodes_label(names))
        out.append(SAY.cluster(ctx, Status.UNKNOWN, text, nodes=tuple(names)))
    if portless:
        text = Msg(f"{ID}.no-port", nodes=nodes_label(portless))
        out.append(SAY.cluster(ctx, Status.UNKNOWN, text, nodes=tuple(portless)))
    by_node = {n: tuple(sorted(p)) for n, p in ready.items()}
    out += dsr_egress(ctx, SAY, answering, by_node, views)
    if not out:
        names = [v.name for v in answering]
        text = Msg(f"{ID}.pass", n=len(names), nodes=nodes_label(names))
        out.append(SAY.cluster(ctx, Status.PASS, text))
    return out
