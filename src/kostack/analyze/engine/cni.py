"""The CNI hops: masquerade (natOutgoing, ip-masq) and how pod traffic crosses nodes.

Calico: the destination's IP pool decides encapsulation (``vxlanMode``,
``ipipMode``: Always, or CrossSubnet when the nodes' subnets differ);
natOutgoing masquerades pod traffic to destinations outside every pool, and
with FelixConfiguration ``natOutgoingExclusions: IPPoolsAndHostIPs`` (Calico
3.31) also not to other hosts. Flannel: the backend type. Cilium: the routing
mode. kube-router: --enable-overlay and --overlay-type (engine/encap.py), and
--enable-pod-egress masquerades pod traffic to anything but pods and nodes.
Routes to pods learned over BGP (Calico's mesh, kube-router's): engine/bgp_routes.py.
"""

from __future__ import annotations

from kostack.analyze.engine import kubeovn, ovnk
from kostack.analyze.engine.antrea import CONFIG as ANTREA_CONFIG
from kostack.analyze.engine.encap import KUBE_ROUTER
from kostack.analyze.engine.types import Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Antrea, Flannel, IPAddress, KubeRouter

register(
    {
        "where.route": {"en": "node {node} (routing)", "ko": "노드 {node}의 라우팅"},
        "hop.nat-case": {
            "en": "{text} (not collected: {case})",
            "ko": "{text} (수집되지 않음: {case})",
        },
        "hop.nat-host-excluded": {
            "en": "IP pool {pool} has natOutgoing, but natOutgoingExclusions is IPPoolsAndHostIPs: "
            "traffic to host {dst} keeps the pod source {ip}",
            "ko": "IP 풀 {pool}의 natOutgoing이 켜져 있지만 natOutgoingExclusions가 IPPoolsAndHostIPs라 "
            "호스트 {dst:으로/로} 가는 트래픽은 Pod 출발지 {ip:을/를} 그대로 씁니다",
        },
        "hop.kube-router-masq-node": {
            "en": "kube-router: traffic from {ip} to node address {dst} is not masqueraded "
            "(--enable-pod-egress leaves out node addresses): it keeps the pod source",
            "ko": "kube-router: {ip}에서 노드 주소 {dst:으로/로} 가는 트래픽은 마스커레이드되지 "
            "않습니다(--enable-pod-egress는 노드 주소를 제외함). Pod 출발지 그대로 나갑니다",
        },
        "hop.kube-router-masq-true": {
            "en": "kube-router --enable-pod-egress: {ip} is masqueraded to the node IP",
            "ko": "kube-router --enable-pod-egress: {ip:이/가} 노드 IP로 마스커레이드됩니다",
        },
        "hop.kube-router-masq-false": {
            "en": "kube-router --enable-pod-egress=false: {ip} is not masqueraded: it leaves "
            "with the pod source",
            "ko": "kube-router --enable-pod-egress=false: {ip:이/가} 마스커레이드되지 않고 Pod "
            "출발지 그대로 나갑니다",
        },
        "hop.masq-unknown-cni": {
            "en": "the CNI is not known, so whether pod traffic is masqueraded is not known",
            "ko": "CNI를 알 수 없어 Pod 트래픽의 마스커레이드 여부를 알 수 없습니다",
        },
        "hop.no-pool": {
            "en": "no Calico IP pool contains {ip}",
            "ko": "{ip:을/를} 포함하는 Calico IP 풀이 없습니다",
        },
        "hop.nat-on": {
            "en": "IP pool {pool} has natOutgoing: {ip} is masqueraded to the node IP",
            "ko": "IP 풀 {pool}의 natOutgoing이 켜져 있어 {ip:이/가} 노드 IP로 마스커레이드됩니다",
        },
        "hop.nat-off": {
            "en": "IP pool {pool} has natOutgoing off: the packet leaves with the pod source {ip}",
            "ko": "IP 풀 {pool}의 natOutgoing이 꺼져 있어 패킷이 Pod 출발지 {ip} 그대로 나갑니다",
        },
        "hop.canal-felix-masq": {
            "en": "Canal: IP pool {pool} has natOutgoing, so Felix masquerades {ip} to the node IP "
            "(whatever flannel's --ip-masq says)",
            "ko": "Canal: IP 풀 {pool}의 natOutgoing이 켜져 있어 Felix가 {ip:을/를} 노드 IP로 "
            "마스커레이드합니다(flannel의 --ip-masq와 무관)",
        },
        "hop.canal-masq-off": {
            "en": "Canal: flannel's --ip-masq is off and Felix's natOutgoing does not apply to {ip} "
            "-> {dst} (no natOutgoing IP pool holds the source, the destination is in a pool, or "
            "natOutgoingExclusions IPPoolsAndHostIPs spares hosts): it leaves with the pod source",
            "ko": "Canal: flannel의 --ip-masq가 꺼져 있고 Felix의 natOutgoing도 {ip} -> {dst}에는 "
            "적용되지 않습니다(출발지를 포함하는 natOutgoing IP 풀이 없거나, 목적지가 IP 풀 안에 "
            "있거나, natOutgoingExclusions IPPoolsAndHostIPs가 호스트를 제외함). Pod 출발지 그대로 "
            "나갑니다",
        },
        "hop.flannel-masq-true": {
            "en": "flannel: {ip} is masqueraded to the node IP",
            "ko": "flannel: {ip:이/가} 노드 IP로 마스커레이드됩니다",
        },
        "hop.flannel-masq-false": {
            "en": "flannel: {ip} is not masqueraded: it leaves with the pod source",
            "ko": "flannel: {ip:이/가} 마스커레이드되지 않고 Pod 출발지 그대로 나갑니다",
        },
        "hop.cilium-masq-true": {
            "en": "cilium: {ip} is masqueraded to the node IP",
            "ko": "cilium: {ip:이/가} 노드 IP로 마스커레이드됩니다",
        },
        "hop.cilium-masq-false": {
            "en": "cilium: {ip} is not masqueraded: it leaves with the pod source",
            "ko": "cilium: {ip:이/가} 마스커레이드되지 않고 Pod 출발지 그대로 나갑니다",
        },
    }
)


def _nat_value(topo: Topology, collected: bool | None) -> tuple[bool, bool]:
    """(masquerade on?, assumed from the world?) for a setting that may not be collected."""
    if collected is not None:
        return collected, False
    return bool(topo.world.masquerade), True


def host_excluded(topo: Topology) -> bool:
    """Calico natOutgoingExclusions is IPPoolsAndHostIPs (the world decides when not read)."""
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None else None
    if calico is None:
        return False
    if calico.nat_outgoing_exclusions is not None:
        return calico.nat_outgoing_exclusions == "IPPoolsAndHostIPs"
    return bool(topo.world.host_exclusion)


def _nat_hop(text: str, assumed: bool, topo: Topology, ev: tuple[Evidence, ...]) -> Hop:
    if assumed:
        text = Msg("hop.nat-case", text=text, case=topo.world.label())
        ev = (*ev, Evidence("case", "masquerade", "", "on" if topo.world.masquerade else "off"))
    return Hop("nat-outgoing", "", Disposition.ACCEPTED, text, ev)


def masquerade(topo: Topology, src_ip: IPAddress, dst_ip: IPAddress) -> tuple[Hop, bool] | None:
    """Does the CNI SNAT this pod's traffic to the node IP? (hop, on); None: no NAT question."""
    cl = topo.snapshot.cluster
    cni = cl.cni if cl else None
    if cni is None or cni.type == "unknown":
        hop = Hop("nat-outgoing", "", Disposition.UNKNOWN, Msg("hop.masq-unknown-cni"), cause="gap")
        return hop, False
    if cni.type == "calico":
        return _calico_masquerade(topo, src_ip, dst_ip)
    if cni.type == "kube-router":
        return _kube_router_masquerade(topo, src_ip, dst_ip, cni.kube_router)
    if cni.type == "antrea":
        return _antrea_masquerade(topo, src_ip, dst_ip, cni.antrea)
    if cni.type == "kube-ovn":
        return kubeovn.masquerade(topo, src_ip, dst_ip, cni.kube_ovn, _nat_value, _nat_hop)
    if cni.type == "ovn-kubernetes":
        return ovnk.masquerade(topo, src_ip, dst_ip, cni.ovn_kubernetes, _nat_hop)
    if cni.type == "flannel":
        fl = cni.flannel
        felix = fl is not None and fl.bundle == "canal" and fl.ip_masq is not True
        decided = _canal_masquerade(topo, src_ip, dst_ip, fl) if fl and felix else None
        if decided is not None:
            return decided
        # Canal undecided here: Felix may masquerade where flannel does not (the world says)
        on, assumed = _nat_value(topo, None if felix else fl.ip_masq if fl else True)
        ev = (Evidence("configmap", "kube-flannel/kube-flannel-cfg", "ip-masq", str(on).lower()),)
        return _nat_hop(Msg(f"hop.flannel-masq-{on}".lower(), ip=src_ip), assumed, topo, ev), on
    v6 = src_ip.version == 6  # enable-ipv6-masquerade decides IPv6 (docs/facts.md)
    cilium = cni.cilium
    on, assumed = _nat_value(
        topo, (cilium.masquerade_v6 if v6 else cilium.masquerade) if cilium else True
    )
    key = "enable-ipv6-masquerade" if v6 else "enable-ipv4-masquerade"
    ev = (Evidence("configmap", "kube-system/cilium-config", key, str(on).lower()),)
    return _nat_hop(Msg(f"hop.cilium-masq-{on}".lower(), ip=src_ip), assumed, topo, ev), on


def _canal_masquerade(
    topo: Topology, src_ip: IPAddress, dst_ip: IPAddress, fl: Flannel
) -> tuple[Hop, bool] | None:
    """Canal with flannel's --ip-masq off or unknown: Felix's natOutgoing masquerades from a
    natOutgoing IP pool to anything outside every pool (felix masq_mgr.go), and with
    natOutgoingExclusions IPPoolsAndHostIPs to anything but the hosts too. None: not decided
    here (the pools, a pool's natOutgoing, Felix's exclusions or flanneld's flag not read)."""
    pools = fl.canal_pools
    if pools is None:
        return None
    pool = topo.canal_pool_for(src_ip)
    felix = False if pool is None or topo.canal_pool_for(dst_ip) is not None else pool.nat_outgoing
    if felix and dst_ip in topo.node_by_ip:  # natOutgoingExclusions IPPoolsAndHostIPs spares it
        excluded = fl.canal_nat_exclusions
        felix = None if excluded is None else excluded != "IPPoolsAndHostIPs"
    if felix and pool is not None:
        ev = (Evidence("ippool", pool.name, "natOutgoing", "true"),)
        text = Msg("hop.canal-felix-masq", pool=pool.name, ip=src_ip)
        return _nat_hop(text, False, topo, ev), True
    if felix is False and fl.ip_masq is False:
        ev = (Evidence("daemonset", "canal", "--ip-masq", "false"),)
        text = Msg("hop.canal-masq-off", ip=src_ip, dst=dst_ip)
        return _nat_hop(text, False, topo, ev), False
    return None


def _kube_router_masquerade(
    topo: Topology, src_ip: IPAddress, dst_ip: IPAddress, kr: KubeRouter | None
) -> tuple[Hop, bool] | None:
    """kube-router's pod egress rule: MASQUERADE from the pod ranges to anything but the pod
    ranges and the nodes' addresses (ipsets kube-router-pod-subnets, kube-router-node-ips;
    kube-router pkg/controllers/routing/pod_egress.go). None for a pod destination."""
    if topo.node_of_pod_ip(dst_ip) is not None:
        return None
    if dst_ip in topo.node_by_ip:
        text = Msg("hop.kube-router-masq-node", ip=src_ip, dst=dst_ip)
        return Hop("nat-outgoing", "", Disposition.ACCEPTED, text), False
    on, assumed = _nat_value(topo, kr.enable_pod_egress if kr is not None else None)
    ev = (Evidence("daemonset", KUBE_ROUTER, "--enable-pod-egress", str(on).lower()),)
    text = Msg(f"hop.kube-router-masq-{on}".lower(), ip=src_ip)
    return _nat_hop(text, assumed, topo, ev), on


def _antrea_masquerade(
    topo: Topology, src_ip: IPAddress, dst_ip: IPAddress, antrea: Antrea | None
) -> tuple[Hop, bool] | None:
    """Antrea's rule (route_linux.go "Antrea: masquerade Pod to external packets"): from the
    node's pod CIDR to anything outside every node's pod CIDR (ipset ANTREA-POD-IP), other
    nodes included, unless noSNAT; with networkPolicyOnly the chained CNI decides."""
    if topo.node_of_pod_ip(dst_ip) is not None:
        return None
    if antrea is not None and antrea.traffic_encap_mode == "networkPolicyOnly":
        detail = Msg("hop.antrea-masq-unknown")
        return Hop("nat-outgoing", "", Disposition.UNKNOWN, detail, cause="gap"), False
    no_snat = antrea.no_snat if antrea is not None else None
    on, assumed = _nat_value(topo, None if no_snat is None else not no_snat)
    ev = (Evidence("configmap", ANTREA_CONFIG, "noSNAT", str(not on).lower()),)
    return _nat_hop(Msg(f"hop.antrea-masq-{on}".lower(), ip=src_ip), assumed, topo, ev), on


def _calico_masquerade(
    topo: Topology, src_ip: IPAddress, dst_ip: IPAddress
) -> tuple[Hop, bool] | None:
    pool = topo.pool_for(src_ip)
    if pool is None:
        hop = Hop(
            "nat-outgoing", "", Disposition.UNKNOWN, Msg("hop.no-pool", ip=src_ip), cause="gap"
        )
        return hop, False
    if any(dst_ip in p.cidr for p in topo.calico_pools if p.cidr.version == dst_ip.version):
        return None
    on, assumed = _nat_value(topo, pool.nat_outgoing)
    ev: tuple[Evidence, ...] = (Evidence("ippool", pool.name, "natOutgoing", str(on).lower()),)
    if on and dst_ip in topo.node_by_ip and host_excluded(topo):
        ev = (
            *ev,
            Evidence("felixconfiguration", "default", "natOutgoingExclusions", "IPPoolsAndHostIPs"),
        )
        text = Msg("hop.nat-host-excluded", pool=pool.name, dst=dst_ip, ip=src_ip)
        return _nat_hop(text, assumed, topo, ev), False
    key = "hop.nat-on" if on else "hop.nat-off"
    return _nat_hop(Msg(key, pool=pool.name, ip=src_ip), assumed, topo, ev), on
