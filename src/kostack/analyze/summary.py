"""One-line descriptions of the environment and of root causes, in English and Korean."""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.engine.calico_moved import calico_views, split
from kostack.analyze.findings import Finding
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.model.cni import KUBE_OVN_TUNNEL_PORTS
from kostack.model.snapshot import (
    Antrea,
    CalicoIPPool,
    Cilium,
    KubeOvn,
    KubeRouter,
    OvnKubernetes,
    Snapshot,
)

register(
    {
        "env.network-mtu": {"en": "{name} MTU {mtu}", "ko": "{name} MTU {mtu}"},
        "env.network-calico": {
            "en": "{name} MTU {mtu} (Calico's BGP and tunnels)",
            "ko": "{name} MTU {mtu}(Calico BGP와 터널)",
        },
        # how the CNI carries pod traffic, in the "collected" line and the report
        "env.mode.bgp": {"en": "no encapsulation (BGP)", "ko": "캡슐화 없음 (BGP)"},
        "env.nat.on": {"en": "natOutgoing on", "ko": "natOutgoing 켜짐"},
        "env.nat.off": {"en": "natOutgoing off", "ko": "natOutgoing 꺼짐"},
        "env.nat.unknown": {"en": "natOutgoing ?", "ko": "natOutgoing ?"},
        "env.pool": {"en": "IPPool {cidr} {mode}, {nat}", "ko": "IPPool {cidr} {mode}, {nat}"},
        "env.pool-mode": {"en": "{mode}, {nat}", "ko": "{mode}, {nat}"},
        "env.tunnel": {"en": "tunnel {protocol}", "ko": "{protocol} 터널"},
        "env.native": {"en": "native routing", "ko": "네이티브 라우팅"},
        "env.routing-unknown": {"en": "routing mode ?", "ko": "라우팅 모드 ?"},
        "env.cni-unknown": {"en": "unknown CNI", "ko": "알 수 없는 CNI"},
        "env.cni-unknown-v": {"en": "unknown CNI {version}", "ko": "알 수 없는 CNI {version}"},
        "env.flannel-network": {"en": "network {cidr}", "ko": "네트워크 {cidr}"},
        "env.cni-mode": {"en": "{name} {mode}", "ko": "{name} {mode}"},
        "env.headline": {"en": "{name} ({mode})", "ko": "{name} ({mode})"},
        "env.ipam": {"en": "ipam {mode}{ranges}", "ko": "IPAM {mode}{ranges}"},
        "env.kr-overlay": {
            "en": "{encap} overlay {where}, pod egress masquerade {egress}",
            "ko": "{where} {encap} 오버레이, Pod egress 마스커레이드 {egress}",
        },
        "env.kr-subnet": {"en": "across subnets", "ko": "서브넷 간"},
        "env.kr-full": {"en": "between all nodes", "ko": "모든 노드 간"},
        "env.kr-native": {
            "en": "no overlay, pod egress masquerade {egress}",
            "ko": "오버레이 없음, Pod egress 마스커레이드 {egress}",
        },
        "env.kr-on": {"en": "on", "ko": "켜짐"},
        "env.kr-off": {"en": "off", "ko": "꺼짐"},
        "env.kr-no-router": {"en": "--run-router=false", "ko": "--run-router=false"},
        "env.kr-peers": {"en": "BGP peers {ips}", "ko": "BGP 피어 {ips}"},
        "env.antrea": {
            "en": "{mode}, {tunnel}, pod egress masquerade {egress}",
            "ko": "{mode}, {tunnel}, Pod egress 마스커레이드 {egress}",
        },
        "env.antrea-native": {
            "en": "{mode}, pod egress masquerade {egress}",
            "ko": "{mode}, Pod egress 마스커레이드 {egress}",
        },
        "env.antrea-across": {"en": "{label} across subnets", "ko": "서브넷 간 {label}"},
        "env.kube-ovn": {
            "en": "Subnet {subnet} {mode}, pod egress masquerade {egress}",
            "ko": "Subnet {subnet} {mode}, Pod egress 마스커레이드 {egress}",
        },
        "env.kube-ovn-underlay": {"en": "underlay (vlan {vlan})", "ko": "언더레이(vlan {vlan})"},
        "env.ovnk": {
            "en": "Geneve UDP {port}, gateway mode {gateway}",
            "ko": "Geneve UDP {port}, 게이트웨이 모드 {gateway}",
        },
    }
)

# Antrea's (and Kube-OVN's) tunnels as the summary names them (engine/antrea.py has the same
# facts).
_ANTREA_TUNNELS = {"geneve": "Geneve UDP", "vxlan": "VXLAN UDP", "stt": "STT TCP", "gre": "GRE"}


def _antrea_mode(a: Antrea) -> str:
    """Antrea's trafficEncapMode, its tunnel or WireGuard, and its masquerade in a few words
    ("encap, Geneve UDP 6081, pod egress masquerade on")."""
    egress = "?" if a.no_snat is None else Msg("env.kr-off" if a.no_snat else "env.kr-on")
    mode = a.traffic_encap_mode or "trafficEncapMode ?"
    if a.traffic_encap_mode in ("encap", "hybrid"):
        label = f"{_ANTREA_TUNNELS.get(a.tunnel_type or '', '?')} {a.tunnel_port or ''}".strip()
        if a.traffic_encryption_mode == "wireguard":
            label = f"WireGuard UDP {a.wireguard_port or '?'}"
        elif a.traffic_encryption_mode == "ipsec":
            label = f"{label} + IPsec"
        if a.traffic_encap_mode == "hybrid":
            label = Msg("env.antrea-across", label=label)
        return Msg("env.antrea", mode=mode, tunnel=label, egress=egress)
    return Msg("env.antrea-native", mode=mode, egress=egress)


def _kube_ovn_mode(ko: KubeOvn) -> str:
    """The default Subnet's way across nodes and whether its pods' egress is masqueraded
    ("Subnet ovn-default Geneve UDP 6081, pod egress masquerade on")."""
    subnets = ko.subnets or ()
    subnet = next((s for s in subnets if s.default), subnets[0] if subnets else None)
    if subnet is None:
        return ""
    # isSubnetNeedNat: an underlay Subnet masquerades only with logicalGateway
    nat = subnet.nat_outgoing and (not subnet.vlan or subnet.logical_gateway)
    egress = "?" if subnet.nat_outgoing is None else Msg(f"env.kr-{'on' if nat else 'off'}")
    mode: str
    if subnet.vlan:
        mode = Msg("env.kube-ovn-underlay", vlan=subnet.vlan)
    else:
        tunnel = ko.tunnel_type
        mode = f"{_ANTREA_TUNNELS[tunnel]} {KUBE_OVN_TUNNEL_PORTS[tunnel]}" if tunnel else "?"
        mode = f"{mode} + IPsec" if ko.ipsec else mode
    return Msg("env.kube-ovn", subnet=subnet.name, mode=mode, egress=egress)


@dataclass(frozen=True)
class Environment:
    project: str
    networks: tuple[str, ...]
    node_ports: int
    security_groups: int
    kubernetes_version: str
    nodes: int
    control_plane: int
    workers: int
    cni: str
    cni_version: str
    pools: tuple[str, ...]
    kube_proxy: str
    backend: str
    node_subnets: tuple[str, ...]
    os_images: tuple[str, ...]
    release: str


def _with_version(name: str, version: str | None) -> str:
    return f"{name} {version}" if version else name


def _calico_pool_mode(pool: CalicoIPPool) -> str:
    if pool.vxlan_mode != "Never":
        return "VXLAN" + ("CrossSubnet" if pool.vxlan_mode == "CrossSubnet" else " Always")
    if pool.ipip_mode != "Never":
        return "IPIP " + pool.ipip_mode
    return Msg("env.mode.bgp")


def _nat(pool: CalicoIPPool) -> Msg:
    if pool.nat_outgoing is None:
        return Msg("env.nat.unknown")
    return Msg("env.nat.on" if pool.nat_outgoing else "env.nat.off")


def _cilium_mode(cilium: Cilium) -> str:
    if cilium.routing_mode == "tunnel":
        return Msg("env.tunnel", protocol=cilium.tunnel_protocol or "vxlan")
    if cilium.routing_mode == "native":
        return Msg("env.native")
    return Msg("env.routing-unknown")


def _kube_router_mode(kr: KubeRouter) -> str:
    """kube-router's routing and masquerade in a few words ("ipip overlay (subnet), ...")."""
    switch = {True: "env.kr-on", False: "env.kr-off"}
    egress = "?" if kr.enable_pod_egress is None else Msg(switch[kr.enable_pod_egress])
    if kr.run_router is False:
        return Msg("env.kr-no-router")
    if kr.enable_overlay is False:
        return Msg("env.kr-native", egress=egress)
    where = {"subnet": "env.kr-subnet", "full": "env.kr-full"}.get(kr.overlay_type or "")
    return Msg(
        "env.kr-overlay",
        encap=(kr.overlay_encap or "?").upper(),
        where=Msg(where) if where else f"({kr.overlay_type or '?'})",
        egress=egress,
    )


def describe_cni(snapshot: Snapshot) -> tuple[str, tuple[str, ...]]:
    """(the CNI's name with install method, version and mode; details such as its pools).

    Both are English strings that are messages where words are said (`localize` them)."""
    cl = snapshot.cluster
    if cl is None:
        return Msg("env.cni-unknown"), ()
    cni = cl.cni
    if cni.type == "calico" and cni.calico is not None:
        method = {"operator": "Calico operator", "manifest": "Calico manifest"}.get(
            cni.calico.install_method, "Calico"
        )
        pools = tuple(
            Msg("env.pool", cidr=p.cidr, mode=_calico_pool_mode(p), nat=_nat(p))
            for p in cni.calico.ip_pools or ()
        )
        return _with_version(method, cni.version), pools
    if cni.type == "flannel" and cni.flannel is not None:
        fl = cni.flannel
        extra = ", DirectRouting" if fl.direct_routing else ""
        bundle = {"canal": "Canal: ", "k3s": "k3s: "}.get(fl.bundle or "", "")
        name = bundle + _with_version("Flannel", cni.version)
        return f"{name} {fl.backend_type or '?'}{extra}", (
            (Msg("env.flannel-network", cidr=fl.network),) if fl.network else ()
        )
    if cni.type == "cilium" and cni.cilium is not None:
        c = cni.cilium
        details = []
        if c.ipam_mode:
            ranges = ", ".join(str(p) for p in c.cluster_pool_cidrs)
            details.append(Msg("env.ipam", mode=c.ipam_mode, ranges=f" {ranges}" if ranges else ""))
        name = _with_version("Cilium", cni.version)
        return Msg("env.cni-mode", name=name, mode=_cilium_mode(c)), tuple(details)
    if cni.type == "kube-router" and cni.kube_router is not None:
        kr = cni.kube_router
        name = ("k0s: " if kr.bundle == "k0s" else "") + _with_version("kube-router", cni.version)
        peers = ", ".join(str(ip) for ip in kr.peer_router_ips or ())
        said = (_kube_router_mode(kr), *((Msg("env.kr-peers", ips=peers),) if peers else ()))
        return name, said
    if cni.type == "antrea" and cni.antrea is not None:
        name = _with_version("Antrea", cni.version)
        return Msg("env.cni-mode", name=name, mode=_antrea_mode(cni.antrea)), ()
    if cni.type == "kube-ovn" and cni.kube_ovn is not None:
        name = _with_version("Kube-OVN", cni.version)
        return Msg("env.cni-mode", name=name, mode=_kube_ovn_mode(cni.kube_ovn)), ()
    if cni.type == "ovn-kubernetes" and cni.ovn_kubernetes is not None:
        name = _with_version("OVN-Kubernetes", cni.version)
        return Msg("env.cni-mode", name=name, mode=_ovnk_mode(cni.ovn_kubernetes)), ()
    if cni.type == "unknown":
        version = cni.version
        return Msg("env.cni-unknown-v", version=version) if version else Msg("env.cni-unknown"), ()
    return _with_version(cni.type, cni.version), ()


def cni_mode(snapshot: Snapshot) -> str:
    """How the CNI carries pod traffic, in a few words ("VXLANCrossSubnet, natOutgoing off")."""
    cl = snapshot.cluster
    cni = cl.cni if cl is not None else None
    if cni is None:
        return ""
    if cni.type == "calico" and cni.calico is not None and cni.calico.ip_pools:
        pool = cni.calico.ip_pools[0]
        nat = Msg("env.nat.on" if pool.nat_outgoing else "env.nat.off")
        return Msg("env.pool-mode", mode=_calico_pool_mode(pool), nat=nat)
    if cni.type == "flannel" and cni.flannel is not None:
        return str(cni.flannel.backend_type or "")
    if cni.type == "cilium" and cni.cilium is not None:
        return _cilium_mode(cni.cilium)
    if cni.type == "kube-router" and cni.kube_router is not None:
        return _kube_router_mode(cni.kube_router)
    if cni.type == "antrea" and cni.antrea is not None:
        return _antrea_mode(cni.antrea)
    if cni.type == "kube-ovn" and cni.kube_ovn is not None:
        return _kube_ovn_mode(cni.kube_ovn)
    if cni.type == "ovn-kubernetes" and cni.ovn_kubernetes is not None:
        return _ovnk_mode(cni.ovn_kubernetes)
    return ""


def _ovnk_mode(o: OvnKubernetes) -> str:
    """OVN-Kubernetes' tunnel port and gateway mode ("?" where not read)."""
    port = o.encap_port if o.encap_type == "geneve" else None
    return Msg("env.ovnk", port=port or "?", gateway=o.gateway_mode or "?")


def cni_headline(snapshot: Snapshot) -> str:
    """The CNI's name with its mode once: "Calico operator (VXLANCrossSubnet, natOutgoing off)",
    "Cilium v1.18.2 native routing" (the name already says the mode)."""
    name, _ = describe_cni(snapshot)
    mode = cni_mode(snapshot)
    return Msg("env.headline", name=name, mode=mode) if mode and mode not in name else name


def _calico_networks(topo: Topology) -> dict[str, None]:
    """The networks of the ports Calico's traffic between nodes runs on (a second NIC's, each
    port of a node whose addresses are on several), in node order; linear in nodes."""
    views, apart = calico_views(topo), split(topo)
    out: dict[str, None] = {}
    for name in topo.node_views:
        view = views.get(name)
        if view is not None and view.port is not None:
            out.setdefault(view.port.network_id, None)
        for _ip, port in apart.get(name, ()):
            out.setdefault(port.network_id, None)
    return out


def environment(snapshot: Snapshot, topo: Topology) -> Environment:
    os_ = snapshot.openstack
    cl = snapshot.cluster
    nets = []
    seen: set[str] = set()
    for view in topo.node_views.values():
        net = topo.network_of(view)
        if net is not None and net.id not in seen:
            seen.add(net.id)
            mtu = net.mtu if net.mtu is not None else "?"
            nets.append(Msg("env.network-mtu", name=net.name or net.id, mtu=mtu))
    for net_id in _calico_networks(topo):  # where calico-node runs on another network
        net = topo.networks.get(net_id)
        if net is not None and net.id not in seen:
            seen.add(net.id)
            mtu = net.mtu if net.mtu is not None else "?"
            nets.append(Msg("env.network-calico", name=net.name or net.id, mtu=mtu))
    cni, pools = describe_cni(snapshot)
    views = list(topo.node_views.values())
    subnets = tuple(sorted({str(v.subnet.cidr) for v in views if v.subnet is not None}))
    return Environment(
        project=(os_.project_name or os_.project_id or os_.cloud or "?") if os_ else "?",
        networks=tuple(nets),
        node_ports=sum(1 for v in views if v.port is not None),
        security_groups=len({g for v in views if v.port for g in v.port.security_group_ids}),
        kubernetes_version=(cl.kubernetes_version or "?") if cl else "?",
        nodes=len(views),
        control_plane=sum(1 for v in views if v.is_control_plane),
        workers=sum(1 for v in views if not v.is_control_plane),
        cni=cni,
        cni_version=(cl.cni.version or "unknown") if cl else "unknown",
        pools=pools,
        kube_proxy=(cl.kube_proxy_mode or "unknown") if cl else "unknown",
        backend=(topo.backend or "unknown") if os_ else "unknown",
        node_subnets=subnets,
        os_images=tuple(sorted({v.node.os_image for v in views if v.node.os_image})),
        release=(os_.release or "unknown") if os_ else "unknown",
    )


def dns_cluster_ips(topo: Topology, findings: list[Finding]) -> str | None:
    """The DNS ClusterIPs the findings fail on: the primary, and another family's when a
    finding names it (a dual-stack kube-dns failing over IPv6 only names its IPv6 one, in
    brackets: the message appends ":53")."""
    primary = topo.snapshot.cluster.cluster_dns_ip if topo.snapshot.cluster else None
    ips = dict.fromkeys(
        f"[{f.extra['cluster_ip']}]" if "cluster_ip" in f.extra else str(primary or "?")
        for f in findings
    )
    return ", ".join(ips) if ips else (str(primary) if primary else None)
