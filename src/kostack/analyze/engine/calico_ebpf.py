"""Calico's eBPF data plane as the Service proxy (docs/facts.md "Calico's eBPF data plane").

With FelixConfiguration bpfEnabled (or the operator's linuxDataplane BPF) Felix's programs on
every interface translate ClusterIPs, NodePorts and LoadBalancer addresses; kube-proxy is
meant to be off. Their NAT frontends are keyed by address, protocol and port
(felix/bpf-gpl/nat_lookup.h), so an ICMP echo to a ClusterIP misses them and is routed on
untranslated: nothing answers it. A NodePort connection from outside whose backend is on
another node is sent there in VXLAN on Felix's vxlanPort (felix/bpf-gpl/nat4.h
`vxlan_encap`, whatever the pools' encapsulation), from the ingress node's address to the
backend node's: in Tunnel mode (the default) the reply comes back the same way; in DSR mode
the backend's node answers the client itself with the ingress address as source.
"""

from __future__ import annotations

from collections.abc import Sequence

from kostack.analyze.engine.antrea_proxy import node_proxy
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import net_within
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Calico, IPNetwork
from kostack.shell import as_code, render

CALICO_EBPF = "Calico eBPF"
# DSR's other remedy: answers back through the ingress node (Calico's docs patch the default
# FelixConfiguration this way to switch the mode)
TUNNEL_PATCH = as_code(
    render(
        (
            "kubectl",
            "patch",
            "felixconfiguration",
            "default",
            "--type",
            "merge",
            "-p",
            '{"spec":{"bpfExternalServiceMode":"Tunnel"}}',
        )
    )
)

register(
    {
        "icmp.calico-ebpf": {
            "en": "no reply: Calico's eBPF NAT matches a Service by protocol and port, so an ICMP "
            "echo misses it and is routed on untranslated, where nothing answers",
            "ko": "응답 없음: Calico eBPF의 NAT는 프로토콜과 포트로 서비스를 찾으므로 ICMP echo는 "
            "일치하지 않고 변환 없이 라우팅되어 아무도 응답하지 않습니다",
        },
        "proxy.service-proxy": {"en": "the Service proxy", "ko": "서비스 프록시"},
        "lb.ebpf-tunnel": {
            "en": "the endpoint {pod} is on {dst}: the connection goes there in VXLAN (udp {port}, "
            "{node} -> {dst}); {back}",
            "ko": "엔드포인트 {pod:이/가} {dst}에 있어 연결을 VXLAN(udp {port}, {node} -> {dst})으로 "
            "그 노드에 보냅니다. {back}",
        },
        "lb.ebpf-back-tunnel": {
            "en": "the reply comes back the same way (bpfExternalServiceMode Tunnel)",
            "ko": "응답도 같은 길로 돌아옵니다 (bpfExternalServiceMode Tunnel)",
        },
        "lb.ebpf-back-optout": {
            "en": "some of the clients ({clients}) are in bpfDSROptoutCIDRs ({optout}): they are "
            "answered back the same way (Tunnel), the others straight from {dst} (DSR)",
            "ko": "클라이언트({clients}) 중 일부가 bpfDSROptoutCIDRs({optout})에 속해 같은 길로 "
            "응답받고(Tunnel), 나머지는 {dst}에서 직접 응답받습니다(DSR)",
        },
        "lb.ebpf-back-dsr": {
            "en": "{dst} answers the client itself from the address the client reached "
            "(bpfExternalServiceMode DSR): its Neutron port must allow that source",
            "ko": "{dst:이/가} 클라이언트가 접속한 주소를 출발지로 직접 응답합니다 "
            "(bpfExternalServiceMode DSR): 그 노드의 Neutron 포트가 이 출발지를 허용해야 합니다",
        },
    }
)


def dsr_for(calico: Calico, clients: Sequence[IPNetwork]) -> bool | None:
    """Whether Felix answers these clients in DSR: the mode DSR and no client in
    bpfDSROptoutCIDRs (felix/bpf-gpl/tc.c marks a connection from such a source
    `CALI_CT_FLAG_NP_NO_DSR`: Tunnel). None: the clients are partly opted out, or not known.
    The CIDRs are read with the mode (a snapshot from before them: none)."""
    if calico.bpf_external_service_mode != "DSR":
        return False
    optout = calico.bpf_dsr_optout_cidrs
    if not optout:
        return True
    if not clients:
        return None
    inside = [any(net_within(c, o) for o in optout) for c in clients]
    if all(inside):
        return False
    overlaps = any(net_within(c, o) or net_within(o, c) for c in clients for o in optout)
    return None if overlaps else True


def calico_bpf(topo: Topology) -> Calico | None:
    """Calico's settings when Calico is the CNI and runs its eBPF data plane."""
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    return calico if calico is not None and calico.bpf_enabled is True else None


def serves_services(topo: Topology) -> bool:
    """Calico's eBPF data plane translates Services here: its programs sit on the interfaces,
    before kube-proxy's iptables rules, whether or not kube-proxy still runs."""
    return calico_bpf(topo) is not None


def replaced(topo: Topology) -> bool:
    """kube-proxy is gone and Calico's eBPF data plane serves Services alone."""
    cl = topo.snapshot.cluster
    return serves_services(topo) and cl is not None and cl.kube_proxy_mode == "none"


def node_port_proxy(topo: Topology) -> str:
    """Who serves the nodes' NodePorts and LoadBalancer addresses (one answer for the load
    balancer's texts): Calico's eBPF data plane, AntreaProxy with proxyAll
    (engine/antrea_proxy.py), Cilium's or kube-router's replacement once kube-proxy is gone,
    "the Service proxy" when something replaced kube-proxy that is not named, else kube-proxy."""
    if serves_services(topo):
        return CALICO_EBPF
    antrea = node_proxy(topo)
    if antrea is not None:
        return antrea
    cl = topo.snapshot.cluster
    if cl is None or cl.kube_proxy_mode != "none":
        return "kube-proxy"
    return {"cilium": "Cilium", "kube-router": "kube-router"}.get(
        cl.cni.type, Msg("proxy.service-proxy")
    )
