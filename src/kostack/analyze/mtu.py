"""The MTU pods really get on a node, per CNI, including the CNIs' own auto-detection.

Pure: a function of the snapshot (through its Topology). The node's interface
MTU is its Neutron network's ``mtu`` (Neutron hands it to the VM by DHCP and
the metadata service). What each CNI does with it:

- Calico (felix/dataplane/linux/int_dataplane.go): a configured value
  (Installation mtu, calico-config veth_mtu, FelixConfiguration
  ipipMTU/vxlanMTU/wireguardMTU) IS the pod MTU. Unset or "0", Felix takes
  the host interface MTU minus the overhead of each enabled encapsulation
  (IPIP 20, VXLAN 50 / 70 for IPv6, WireGuard 60 / 80 for IPv6) and uses
  the smallest result. The operator reports the result in Installation status.mtu.
- Cilium (pkg/mtu): ``mtu`` replaces the detected MTU of the underlying
  network (the node's device); pods' routes get it minus the tunnel (50; 70 with
  ``underlay-protocol`` ipv6) and WireGuard (80) overhead.
- Flannel (pkg/backend/*): Backend.MTU replaces the external interface's
  MTU; pods get it minus the backend's overhead (vxlan 50, wireguard 80,
  udp 28, host-gw 0) and flanneld writes that to subnet.env. Its vxlan
  subtracts 50 even for the IPv6 device, whose packets need 70 (docs/facts.md):
  net-mtu then judges IPv6 pod traffic against 70.
- Canal (flannel's vxlan between nodes, Calico's CNI plugin wiring the pods): the pods get
  canal-config's veth_mtu, and with canal.yaml's "0" Felix's detection, which under Canal
  enables no encapsulation and so is the host interface's MTU; flannel.1 still has the
  interface's (or Backend.MTU) minus 50. A node answers its own pods' bigger packets with
  ICMP "fragmentation needed" (net-mtu: a warning, `tunnel_mtu`).
- kube-router (v1.6.0 on, pkg/controllers/routing `initCNIConfig`): with --auto-mtu (its
  default) the pod MTU is the MTU of the node's primary interface, nothing subtracted; its
  tunnels (ip link ... type ipip) get the kernel's own MTU (the interface's minus the
  header), so the node itself tells a pod that sends too big a packet into one
  (kube-router commit f97eb7cc, "remove multiple MTU reductions"). Without --auto-mtu the
  MTU is kube-router-cfg's cni-conf.json, which kostack does not read.
- Antrea (cmd/antrea-agent, pkg/agent/agent.go `getInterfaceMTU`): a non-zero antrea-agent.conf
  defaultMTU IS the pod MTU; 0 (its default) is the transport interface's MTU minus
  `CalculateMTUDeduction` (engine/antrea.py `overhead`: Geneve/VXLAN 50, GRE 42, STT 0,
  WireGuard 60 instead, IPsec ESP 38 more; 20 more on a node with an IPv6 address).
- Kube-OVN (pkg/daemon/config.go `initNicConfig`): a non-zero kube-ovn-cni --mtu IS the pod
  MTU; 0 (its default) is the tunnel interface's MTU minus Kube-OVN's own deduction by
  --network-type (engine/kubeovn.py: Geneve 100, VXLAN 50, STT 72; 20 more when the encap
  address, the node's primary one, is IPv6).
- OVN-Kubernetes (go-controller/pkg/config/config.go): ``[default] mtu`` IS the pod MTU
  (default 1400); OpenShift's operator sets it to the machine network's MTU minus 100 for
  Geneve (46 more for IPsec). Geneve with OVN's option costs 58 bytes on the wire (78 over
  IPv6), so net-mtu judges the pod MTU plus that against the network's.
"""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.engine.antrea import overhead as antrea_overhead
from kostack.analyze.engine.encap import cilium_underlay
from kostack.analyze.engine.kubeovn import mtu_deduction
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import Antrea, Calico, Cilium, Flannel, KubeOvn, OvnKubernetes

# Overheads in bytes, as the CNIs themselves count them (module docstring).
CALICO_IPIP = 20
CALICO_VXLAN = (50, 70)  # IPv4, IPv6
CALICO_WIREGUARD = (60, 80)
CILIUM_TUNNEL = (50, 70)  # over an IPv4 underlay, an IPv6 one (pkg/mtu TunnelOverheadIPv4/6)
CILIUM_WIREGUARD = 80
FLANNEL_BACKENDS = {"vxlan": 50, "wireguard": 80, "udp": 28, "host-gw": 0}

register(
    {
        "mtu.unknown-cni": {"en": "the CNI is not known", "ko": "CNI를 알 수 없습니다"},
        "mtu.no-settings": {
            "en": "{cni}'s settings were not collected",
            "ko": "{cni} 설정을 수집하지 못했습니다",
        },
        "mtu.no-calico-mtu": {
            "en": "Calico's MTU settings (Installation, calico-config, FelixConfiguration) were not collected",
            "ko": "Calico의 MTU 설정(Installation, calico-config, FelixConfiguration)을 수집하지 못했습니다",
        },
        "mtu.no-calico-encap": {
            "en": "Calico's IP pools or Felix's WireGuard setting were not collected",
            "ko": "Calico IP 풀 또는 Felix의 WireGuard 설정을 수집하지 못했습니다",
        },
        "mtu.no-net-mtu": {
            "en": "network {net}'s mtu was not collected",
            "ko": "네트워크 {net}의 mtu 값을 수집하지 못했습니다",
        },
        "mtu.no-setting": {
            "en": "{setting} was not collected",
            "ko": "설정값 {setting}: 수집하지 못했습니다",
        },
        "mtu.cilium-routing": {
            "en": "Cilium's routing mode is not known",
            "ko": "Cilium의 라우팅 모드를 알 수 없습니다",
        },
        "mtu.cilium-ipsec": {
            "en": "Cilium IPsec is on, and its overhead depends on the key",
            "ko": "Cilium IPsec이 켜져 있고 그 오버헤드는 키에 따라 달라집니다",
        },
        "mtu.cilium-wireguard": {
            "en": "whether Cilium's WireGuard is on was not collected",
            "ko": "Cilium WireGuard 사용 여부를 수집하지 못했습니다",
        },
        "mtu.flannel-backend": {
            "en": "flannel backend {backend} is not modelled",
            "ko": "flannel 백엔드({backend})는 모델링되지 않았습니다",
        },
        "mtu.configured": {"en": "{setting}={mtu}", "ko": "{setting}={mtu}"},
        "mtu.base-minus": {
            "en": "{setting}={base} - {size} ({kind})",
            "ko": "{setting}={base} - {size} ({kind})",
        },
        "mtu.canal-detected": {
            "en": 'calico-node detects {net_mtu} (network {net}), {setting} "0"',
            "ko": 'calico-node 감지값 {net_mtu}(네트워크 {net}), {setting} "0"',
        },
        "mtu.detected": {
            "en": "{who} detects {net_mtu} (network {net}) - {size} ({kind})",
            "ko": "{who} 감지값 {net_mtu}(네트워크 {net}) - {size} ({kind})",
        },
    }
)


@dataclass(frozen=True)
class EffectiveMtu:
    """The pod MTU on one node and where it comes from.

    ``pod_mtu`` None means it cannot be known; ``unknown`` says why.
    ``network_mtu`` is the node's Neutron network MTU (its interface MTU).
    ``auto`` is True when the CNI derived the value from the interface MTU.
    ``source`` names the fields that decided it, for evidence.
    """

    pod_mtu: int | None
    network_mtu: int | None
    source: str
    auto: bool = False
    unknown: str = ""  # a Msg when set
    # the CNI's tunnel device's MTU where pods are not given it (Canal's flannel.1)
    tunnel_mtu: int | None = None


def calico_overhead(calico: Calico) -> tuple[int, str] | None:
    """What Felix subtracts from the host MTU when it detects the pod MTU; None: unknown."""
    if calico.ip_pools is None:
        return None
    candidates: list[tuple[int, str]] = [(0, "no encapsulation")]
    for pool in calico.ip_pools:
        if pool.disabled:
            continue
        v6 = pool.cidr.version == 6
        if pool.vxlan_mode != "Never":
            candidates.append((CALICO_VXLAN[v6], "VXLAN"))
        if pool.ipip_mode != "Never" and not v6:
            candidates.append((CALICO_IPIP, "IPIP"))
    if calico.wireguard is None:
        return None
    families = {p.cidr.version for p in calico.ip_pools if not p.disabled}
    if calico.wireguard_v4 is None:  # a snapshot without each family's switch
        if calico.wireguard:
            candidates.append((CALICO_WIREGUARD[6 in families], "WireGuard"))
        return max(candidates)
    if calico.wireguard_v4 and 4 in families:  # wireguard.cali: 60 bytes
        candidates.append((CALICO_WIREGUARD[False], "WireGuard"))
    if calico.wireguard_v6 and 6 in families:  # wg-v6.cali: 80 bytes
        candidates.append((CALICO_WIREGUARD[True], "WireGuard"))
    return max(candidates)


def cilium_overhead(cilium: Cilium) -> tuple[int, str] | Msg:
    """The overhead pods' routes leave for (tunnel, WireGuard), or why it is not known."""
    if cilium.routing_mode is None:
        return Msg("mtu.cilium-routing")
    if cilium.ipsec:
        return Msg("mtu.cilium-ipsec")
    if cilium.wireguard is None:
        return Msg("mtu.cilium-wireguard")
    overhead, kinds = 0, []
    if cilium.routing_mode == "tunnel":
        overhead += CILIUM_TUNNEL[cilium_underlay(cilium) == 6]
        kinds.append("Geneve" if cilium.tunnel_protocol == "geneve" else "VXLAN")
    if cilium.wireguard:
        overhead += CILIUM_WIREGUARD
        kinds.append("WireGuard")
    return overhead, " + ".join(kinds) or "no encapsulation"


def flannel_overhead(flannel: Flannel) -> tuple[int, str] | Msg:
    backend = flannel.backend_type
    if backend is None or backend not in FLANNEL_BACKENDS:
        return Msg("mtu.flannel-backend", backend=backend or "?")
    return FLANNEL_BACKENDS[backend], f"flannel {backend}"


def _calico(calico: Calico, net: str, net_mtu: int | None) -> EffectiveMtu:
    if calico.mtu is not None and calico.mtu_auto is not True:
        setting = calico.mtu_source or "Calico MTU"
        return EffectiveMtu(
            calico.mtu, net_mtu, Msg("mtu.configured", setting=setting, mtu=calico.mtu)
        )
    if calico.mtu_auto is None:
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-calico-mtu"))
    overhead = calico_overhead(calico)
    if overhead is None:
        return EffectiveMtu(None, net_mtu, "", True, Msg("mtu.no-calico-encap"))
    if net_mtu is None:
        return EffectiveMtu(None, None, "", True, Msg("mtu.no-net-mtu", net=net))
    size, kind = overhead
    detected = net_mtu - size
    if calico.mtu is not None and calico.mtu < detected:
        setting = calico.mtu_source or "Calico MTU"
        return EffectiveMtu(
            calico.mtu, net_mtu, Msg("mtu.configured", setting=setting, mtu=calico.mtu), True
        )
    source = Msg("mtu.detected", who="calico-node", net_mtu=net_mtu, net=net, size=size, kind=kind)
    return EffectiveMtu(detected, net_mtu, source, True)


def _base_minus(
    configured: int | None,
    auto: bool | None,
    overhead: tuple[int, str] | Msg,
    setting: str,
    agent: str,
    net: str,
    net_mtu: int | None,
) -> EffectiveMtu:
    """Cilium and Flannel: a base MTU (configured, else the interface's) minus the overhead."""
    if isinstance(overhead, Msg):
        return EffectiveMtu(None, net_mtu, "", unknown=overhead)
    size, kind = overhead
    if configured is not None:
        source = Msg("mtu.base-minus", setting=setting, base=configured, size=size, kind=kind)
        return EffectiveMtu(configured - size, net_mtu, source)
    if auto is not True:
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-setting", setting=setting))
    if net_mtu is None:
        return EffectiveMtu(None, None, "", True, Msg("mtu.no-net-mtu", net=net))
    source = Msg("mtu.detected", who=agent, net_mtu=net_mtu, net=net, size=size, kind=kind)
    return EffectiveMtu(net_mtu - size, net_mtu, source, True)


def _antrea(antrea: Antrea | None, view: NodeView, net: str, net_mtu: int | None) -> EffectiveMtu:
    """antrea-agent.conf defaultMTU, else the interface's minus Antrea's deduction."""
    if antrea is None:
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-settings", cni="Antrea"))
    if antrea.default_mtu is None:
        setting = "antrea-agent.conf defaultMTU"
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-setting", setting=setting))
    if antrea.default_mtu:
        source = Msg(
            "mtu.configured", setting="antrea-agent.conf defaultMTU", mtu=antrea.default_mtu
        )
        return EffectiveMtu(antrea.default_mtu, net_mtu, source)
    size = antrea_overhead(antrea, 6 if view.ip_of(6) is not None else 4)
    if size is None:  # the mode, the encryption or the tunnel type not read
        setting = "antrea-agent.conf trafficEncapMode/trafficEncryptionMode/tunnelType"
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-setting", setting=setting))
    kind = "antrea-agent" if not size else f"Antrea {antrea.tunnel_type or ''}".strip()
    return _base_minus(None, True, (size, kind), "", "antrea-agent", net, net_mtu)


def _kube_ovn(ko: KubeOvn | None, view: NodeView, net: str, net_mtu: int | None) -> EffectiveMtu:
    """kube-ovn-cni --mtu, else the interface's minus Kube-OVN's deduction."""
    if ko is None:
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-settings", cni="Kube-OVN"))
    if ko.mtu:
        source = Msg("mtu.configured", setting="kube-ovn-cni --mtu", mtu=ko.mtu)
        return EffectiveMtu(ko.mtu, net_mtu, source)
    size = mtu_deduction(ko, view.ip.version if view.ip is not None else 4)
    if ko.mtu is None or size is None:
        setting = "kube-ovn-cni --mtu" if ko.mtu is None else "kube-ovn-cni --network-type"
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-setting", setting=setting))
    kind = f"Kube-OVN {ko.tunnel_type}"
    return _base_minus(None, True, (size, kind), "", "kube-ovn-cni", net, net_mtu)


def _ovnk(ovnk: OvnKubernetes | None, net_mtu: int | None) -> EffectiveMtu:
    """[default] mtu IS the pods' MTU (ovnkube's default 1400 when nothing sets it)."""
    if ovnk is None:
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-settings", cni="OVN-Kubernetes"))
    if ovnk.mtu is None:
        setting = "OVN-Kubernetes [default] mtu"
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-setting", setting=setting))
    source = Msg("mtu.configured", setting="OVN-Kubernetes [default] mtu", mtu=ovnk.mtu)
    return EffectiveMtu(ovnk.mtu, net_mtu, source)


def effective_mtu(topo: Topology, view: NodeView) -> EffectiveMtu:
    """The MTU the CNI gives pods on ``view``'s node (see the module docstring)."""
    network = topo.network_of(view)
    net = (network.name or network.id) if network is not None else "?"
    net_mtu = network.mtu if network is not None else None
    cluster = topo.snapshot.cluster
    cni = cluster.cni if cluster is not None else None
    if cni is None or cni.type == "unknown":
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.unknown-cni"))
    if cni.type == "calico":
        if cni.calico is None:
            return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-settings", cni="Calico"))
        return _calico(cni.calico, net, net_mtu)
    if cni.type == "cilium":
        if cni.cilium is None:
            return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-settings", cni="Cilium"))
        c = cni.cilium
        return _base_minus(
            c.mtu, c.mtu_auto, cilium_overhead(c), "cilium-config mtu", "cilium-agent", net, net_mtu
        )
    if cni.type == "kube-router":
        kr = cni.kube_router
        if kr is None or kr.auto_mtu is None:
            return EffectiveMtu(
                None, net_mtu, "", unknown=Msg("mtu.no-settings", cni="kube-router")
            )
        if not kr.auto_mtu:
            setting = "kube-router-cfg cni-conf.json mtu (--auto-mtu=false)"
            return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-setting", setting=setting))
        return _base_minus(None, True, (0, "kube-router"), "", "kube-router", net, net_mtu)
    if cni.type == "antrea":
        return _antrea(cni.antrea, view, net, net_mtu)
    if cni.type == "kube-ovn":
        return _kube_ovn(cni.kube_ovn, view, net, net_mtu)
    if cni.type == "ovn-kubernetes":
        return _ovnk(cni.ovn_kubernetes, net_mtu)
    if cni.flannel is None:
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-settings", cni="flannel"))
    f = cni.flannel
    if f.bundle == "canal":
        return _canal(f, net, net_mtu)
    return _base_minus(
        f.mtu,
        f.mtu_auto,
        flannel_overhead(f),
        "kube-flannel-cfg Backend.MTU",
        "flanneld",
        net,
        net_mtu,
    )


def _canal(f: Flannel, net: str, net_mtu: int | None) -> EffectiveMtu:
    """Canal: the pods' MTU is Calico's (veth_mtu, else the interface's), flannel.1's is
    flannel's (module docstring)."""
    setting = f"ConfigMap kube-system/{f.canal_config or 'canal-config'} veth_mtu"
    overhead = flannel_overhead(f)
    if isinstance(overhead, Msg):
        return EffectiveMtu(None, net_mtu, "", unknown=overhead)
    if f.canal_veth_mtu is None:
        return EffectiveMtu(None, net_mtu, "", unknown=Msg("mtu.no-setting", setting=setting))
    if net_mtu is None:
        return EffectiveMtu(None, None, "", True, Msg("mtu.no-net-mtu", net=net))
    tunnel = (f.mtu or net_mtu) - overhead[0]
    if f.canal_veth_mtu:
        source = Msg("mtu.configured", setting=setting, mtu=f.canal_veth_mtu)
        return EffectiveMtu(f.canal_veth_mtu, net_mtu, source, tunnel_mtu=tunnel)
    source = Msg("mtu.canal-detected", net_mtu=net_mtu, net=net, setting=setting)
    return EffectiveMtu(net_mtu, net_mtu, source, True, tunnel_mtu=tunnel)
