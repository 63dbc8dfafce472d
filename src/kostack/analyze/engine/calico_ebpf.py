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

Felix takes these settings per node (calico-node's environment, then the node's own
FelixConfiguration `node.<name>`, then `default`): the collector folds the environment in and
keeps each node's differing fields (model `felix_nodes`). `effective` gives the value every
node shares; a field the nodes disagree on is unknown (None) for the whole cluster, so an
eBPF data plane on some nodes only is neither judged as Felix's nor as kube-proxy's:
the checks say UNKNOWN and name the nodes (`mixed_bpf`).
"""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from kostack.analyze.engine.antrea_proxy import node_proxy
from kostack.analyze.engine.node_names import nodes_label
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import net_within
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Calico, Cluster, IPNetwork
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
        "hop.ebpf-mixed-unserved": {
            "en": "Calico's eBPF data plane is off on {node} and no kube-proxy pod runs: unless "
            "kube-proxy runs outside pods (a systemd unit), nothing there translates {ip}",
            "ko": "{node}에서는 Calico eBPF 데이터 플레인이 꺼져 있고 kube-proxy Pod도 없습니다. "
            "kube-proxy가 Pod 밖(systemd 유닛)에서 돌지 않는다면 그 노드에서는 {ip:을/를} 변환하는 "
            "것이 없습니다",
        },
        "ping.story.mixed": {
            "en": "A ClusterIP such as {ip} is a virtual address translated only on the "
            "service's TCP/UDP/SCTP ports, and by which proxy depends on the node the ping "
            "leaves from: Calico's eBPF data plane runs on {on} only, where a ping gets {ebpf}; "
            "on {off} kube-proxy translates, and a ping gets {what} ({mode}). Healthy or not, "
            "that proves nothing: test with nslookup, nc -zv or curl.",
            "ko": "{ip:과/와} 같은 ClusterIP는 서비스의 TCP/UDP/SCTP 포트만 변환되는 가상 주소이며, "
            "어느 프록시가 변환하는지는 ping이 나가는 노드에 따라 다릅니다. Calico eBPF 데이터 "
            "플레인은 {on}에서만 동작하며 그곳의 ping 결과는 {ebpf}. {off}에서는 kube-proxy가 "
            "변환하며 ping 결과는 {what} ({mode}). 클러스터 상태와 무관하게 이는 아무것도 증명하지 "
            "못하므로 nslookup, nc -zv, curl로 확인하세요.",
        },
        "ping.story.mixed-unserved": {
            "en": "A ClusterIP such as {ip} is a virtual address translated only on the "
            "service's TCP/UDP/SCTP ports: Calico's eBPF data plane translates it on {on} only, "
            "where a ping gets {ebpf}; on {off} no kube-proxy pod runs, so unless kube-proxy "
            "runs outside pods (a systemd unit) nothing translates it there: a ping gets no "
            "reply, and nslookup, nc -zv and curl fail there too.",
            "ko": "{ip:과/와} 같은 ClusterIP는 서비스의 TCP/UDP/SCTP 포트만 변환되는 가상 "
            "주소입니다. Calico eBPF 데이터 플레인은 {on}에서만 이를 변환하며 그곳의 ping 결과는 "
            "{ebpf}. {off}에서는 kube-proxy Pod가 없으므로, kube-proxy가 Pod 밖(systemd 유닛)에서 "
            "돌지 않는다면 변환하는 것이 없어 ping에 응답이 없고 nslookup, nc -zv, curl도 "
            "실패합니다.",
        },
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
        "lb.ebpf-back-unknown": {
            "en": "whether the reply comes back the same way is not known "
            "(bpfExternalServiceMode was not read, or differs between nodes)",
            "ko": "응답이 같은 길로 돌아오는지 알 수 없습니다 "
            "(bpfExternalServiceMode를 읽지 못했거나 노드마다 다름)",
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
    `CALI_CT_FLAG_NP_NO_DSR`: Tunnel). None: the mode is not known, or the clients are partly
    opted out, or not known.
    The CIDRs are read with the mode (a snapshot from before them: none)."""
    if calico.bpf_external_service_mode is None:
        return None
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


EBPF_FIELDS = (
    "bpf_enabled",
    "bpf_external_service_mode",
    "bpf_dsr_optout_cidrs",
    "bpf_exclude_cidrs_from_nat",
    "vxlan_port",
)


def _values(cl: Cluster | None, calico: Calico, attr: str) -> list[object]:
    """The first two distinct values of ``attr`` the cluster's nodes have (one: they all
    agree): a node's own where its FelixConfiguration changes it, else the cluster-wide one.
    Objects of nodes not in the cluster are left out; with the nodes not known, every object
    counts. Linear: it stops at the second value (5,000 nodes each with its own opt-out CIDRs
    made a list of 5,000 values compared with each other)."""
    names = [n.name for n in cl.nodes] if cl is not None and cl.nodes is not None else None
    own = calico.felix_nodes
    base = getattr(calico, attr)
    keys = list(own) if names is None else [n for n in names if n in own]
    out: list[object] = []
    if names is None or not keys or len(keys) < len(names):
        out.append(base)
    for key in keys:
        value = getattr(own[key], attr)
        value = base if value is None else value
        if value not in out:
            out.append(value)
            if len(out) == 2:
                break
    return out


def effective(cl: Cluster | None, calico: Calico) -> Calico:
    """Calico's settings with each eBPF field the value every node has, None where the nodes
    differ (their `node.<name>` FelixConfigurations)."""
    if not calico.felix_nodes:
        return calico
    update: dict[str, object] = {}
    for attr in EBPF_FIELDS:
        values = _values(cl, calico, attr)
        update[attr] = values[0] if len(values) == 1 else None
    return calico.model_copy(update=update)


def mixed_bpf(cl: Cluster | None, calico: Calico) -> tuple[list[str], list[str]] | None:
    """(the nodes with the eBPF data plane on, those with it off) when some of the cluster's
    nodes differ from the others; None when they all agree (or the nodes are not known)."""
    if cl is None or cl.nodes is None or calico.bpf_enabled is None:
        return None
    if len(_values(cl, calico, "bpf_enabled")) < 2:
        return None
    on: list[str] = []
    off: list[str] = []
    for node in cl.nodes:
        own = calico.felix_nodes.get(node.name)
        value = own.bpf_enabled if own is not None and own.bpf_enabled is not None else None
        (on if (calico.bpf_enabled if value is None else value) else off).append(node.name)
    return on, off


def calico_bpf(topo: Topology) -> Calico | None:
    """Calico's settings (`effective`: as every node has them) when Calico is the CNI and runs
    its eBPF data plane on every node."""
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    if calico is None:
        return None
    calico = effective(cl, calico)
    return calico if calico.bpf_enabled is True else None


def mixed(topo: Topology) -> bool:
    """Calico's eBPF data plane runs on some of the nodes only: who serves Services depends
    on the node (`mixed_bpf`)."""
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    return calico is not None and mixed_bpf(cl, calico) is not None


def mixed_ping_story(topo: Topology, ip: object, what: str, mode: str) -> str | None:
    """The ClusterIP ping story where Calico's eBPF data plane runs on some nodes only: which
    nodes translate with it and which with kube-proxy (``what`` a ping gets from kube-proxy
    in its ``mode``), or that nothing translates on the others when no kube-proxy pod runs
    (unless it runs outside pods).
    None: eBPF is not on some nodes only."""
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    split = mixed_bpf(cl, calico) if calico is not None else None
    if cl is None or split is None:
        return None
    on, off = (nodes_label(side) for side in split)
    ebpf = Msg("icmp.calico-ebpf")
    if cl.kube_proxy_mode == "none" or cl.kube_proxy_pods == 0:
        return Msg("ping.story.mixed-unserved", ip=ip, on=on, off=off, ebpf=ebpf)
    return Msg("ping.story.mixed", ip=ip, on=on, off=off, ebpf=ebpf, what=what, mode=mode)


_SIDES: WeakKeyDictionary[Topology, dict[str, bool]] = WeakKeyDictionary()


def ebpf_side(topo: Topology, node: str | None) -> bool | None:
    """With Calico's eBPF data plane on some nodes only (`mixed_bpf`): whether it runs on
    ``node`` (the node a connection leaves from translates it); None when the nodes agree or
    ``node`` is not known. The split is computed once per Topology."""
    if topo not in _SIDES:
        cl = topo.snapshot.cluster
        calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
        split = mixed_bpf(cl, calico) if calico is not None else None
        on, off = split if split is not None else ([], [])
        _SIDES[topo] = {**dict.fromkeys(off, False), **dict.fromkeys(on, True)}
    return _SIDES[topo].get(node) if node is not None else None


def unserved_side(topo: Topology, node: str | None) -> bool:
    """``node`` is on the side without eBPF and no kube-proxy pod runs (the collector's mode
    "none", or its pods listed and none)."""
    cl = topo.snapshot.cluster
    if cl is None or ebpf_side(topo, node) is not False:
        return False
    return cl.kube_proxy_mode == "none" or cl.kube_proxy_pods == 0


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
    "the Service proxy" when something replaced kube-proxy that is not named or when eBPF runs
    on some nodes only (`mixed`), else kube-proxy."""
    if serves_services(topo):
        return CALICO_EBPF
    antrea = node_proxy(topo)
    if antrea is not None:
        return antrea
    cl = topo.snapshot.cluster
    if cl is not None and mixed(topo):
        return Msg("proxy.service-proxy")
    if cl is not None and cl.cni.type == "ovn-kubernetes":  # engine/ovnk.py
        return Msg("proxy.ovnk")
    if cl is None or cl.kube_proxy_mode != "none":
        return "kube-proxy"
    return {"cilium": "Cilium", "kube-router": "kube-router"}.get(
        cl.cni.type, Msg("proxy.service-proxy")
    )
