"""What a planned cluster needs of the network: the rules its CNI and control plane need
between nodes (`needed_rules`), and the bytes its CNI adds to every packet
(`encapsulation_overhead`). The spec they read is `kostack.plan.preflight_spec`.
"""

from __future__ import annotations

from typing import Protocol

from kostack.plan import preflight_antrea as antrea
from kostack.plan import preflight_kubeovn as kubeovn
from kostack.plan import preflight_ovnk as ovnk
from kostack.plan.preflight_errors import Msg
from kostack.plan.preflight_spec import GROUP_ID, NeededRule, PreflightSpec
from kostack.plan.rules import Rule


def encapsulation_overhead(spec: PreflightSpec, version: int | None = None) -> tuple[int, str]:
    """Bytes the CNI adds to a packet of one pod family between nodes (Calico "Configure MTU"),
    and what; without ``version``, the largest over the cluster's families (what sets the pod
    MTU: one veth MTU carries both families).

    The tunnel's underlay decides: Calico's IPv6 pools and Flannel's IPv6 network tunnel over
    the nodes' IPv6 addresses (VXLAN 70 = 40 IPv6 + 8 UDP + 8 VXLAN + 14 Ethernet, not 50);
    Cilium tunnels both families over IPv4 when nodes have it. Calico has no IPIP for IPv6.
    """
    if version is None:
        return max(
            (encapsulation_overhead(spec, v) for v in spec.families), key=lambda pair: pair[0]
        )
    if spec.cni == "kube-router":  # pods get the interface's MTU; its tunnels their own
        return 0, "kube-router --auto-mtu"
    if spec.cni == "ovn-kubernetes":  # one tunnel, over the primary family
        return ovnk.overhead()
    if spec.cni == "kube-ovn":  # kube-ovn-cni's deduction (its tunnel runs over the primary)
        return kubeovn.overhead(spec.mode, spec.families[0])
    if spec.cni == "antrea":
        tunnel = spec.antrea_tunnel
        return antrea.overhead(spec.mode, tunnel, wireguard=spec.wireguard, version=version)
    v6 = spec.tunnel_version(version) == 6
    table = {
        "vxlan": (70 if v6 else 50, "VXLAN"),
        "vxlan-crosssubnet": (70 if v6 else 50, Msg("preflight.kind.vxlan-cross")),
        "geneve": (70 if v6 else 50, "Geneve"),
    }
    if version == 4:
        table["ipip"] = (20, "IPIP")
        table["ipip-crosssubnet"] = (20, Msg("preflight.kind.ipip-cross"))
    overhead, name = table.get(spec.mode, (0, Msg("preflight.kind.none")))
    if spec.wireguard and spec.cni == "cilium":
        # Cilium's WireGuard adds to the tunnel (pkg/mtu: tunnel 50 + WireGuard 80).
        return overhead + 80, (f"{name} + WireGuard" if overhead else "WireGuard")
    if spec.wireguard:
        wg = 80 if v6 else 60
        if wg > overhead:
            overhead, name = wg, "WireGuard"
    return overhead, name


def needed_rules(spec: PreflightSpec, *, group_id: str = GROUP_ID) -> tuple[NeededRule, ...]:
    """Exactly what the CNI and control plane need between nodes (docs/facts.md section 3).

    Node-sourced traffic is admitted from the group's own members (``group_id``),
    pod-sourced traffic from the pod CIDR; never from 0.0.0.0/0. A remote-group
    rule matches the members' addresses of its ethertype only, so on a dual-stack
    cluster what runs over the nodes' IPv6 addresses (Calico's IPv6 VXLAN and BGP,
    Flannel's IPv6 VXLAN, Cilium's IPv6 health checks) gets a rule of ethertype
    IPv6, and pod-sourced packets a rule per family that sends natively. The
    control plane (API server, kubelet, etcd, Typha) talks over the primary family.
    """
    out: list[NeededRule] = []
    primary = spec.families[0]

    def add(
        slug: str,
        why: str,
        protocol: str | None,
        lo: int | None = None,
        hi: int | None = None,
        prefix: str | None = None,
        version: int = primary,
    ) -> None:
        tagged = spec.dual_stack and version == 6
        rule = Rule(
            direction="ingress",
            ethertype="IPv6" if version == 6 else "IPv4",
            protocol=protocol,
            port_range_min=lo,
            port_range_max=hi if hi is not None else lo,
            remote_ip_prefix=prefix,
            remote_group_id=None if prefix else group_id,
            description=f"kostack: {why}" + (" over IPv6" if tagged else ""),
        )
        out.append(
            NeededRule(
                rule, why + (" over IPv6" if tagged else ""), slug + ("_v6" if tagged else "")
            )
        )

    add("apiserver", "Kubernetes API server (tcp 6443)", "tcp", 6443)
    add("kubelet", "kubelet (tcp 10250)", "tcp", 10250)
    if sum(1 for n in spec.nodes if n.control_plane) > 1:
        add("etcd", "etcd between control-plane nodes (tcp 2379-2380)", "tcp", 2379, 2380)
    if spec.cni == "calico":
        _calico_rules(spec, add)
    elif spec.cni == "flannel":
        if spec.mode == "vxlan":
            for v in spec.families:  # flannel.1 over IPv4, flannel-v6.1 over IPv6
                add("flannel_vxlan", "Flannel VXLAN (udp 8472)", "udp", 8472, version=v)
    elif spec.cni == "kube-router":
        _kube_router_rules(spec, add)
    elif spec.cni == "antrea":
        tunnel, families = spec.antrea_tunnel, spec.families
        antrea.rules(spec.mode, tunnel, wireguard=spec.wireguard, families=families, add=add)
    elif spec.cni == "kube-ovn":
        planes = sum(1 for n in spec.nodes if n.control_plane)
        kubeovn.rules(spec.mode, primary=primary, control_planes=planes, add=add)
    elif spec.cni == "ovn-kubernetes":
        ovnk.rules(primary=primary, add=add)
    elif spec.cni == "cilium":
        under = spec.underlay_version
        if spec.mode == "vxlan":
            add("cilium_vxlan", "Cilium VXLAN (udp 8472)", "udp", 8472, version=under)
        if spec.mode == "geneve":
            add("cilium_geneve", "Cilium Geneve (udp 6081)", "udp", 6081, version=under)
        for v in spec.families:  # cilium-health probes every node address it has
            add("cilium_health", "Cilium health checks (tcp 4240)", "tcp", 4240, version=v)
            icmp = "ipv6-icmp" if v == 6 else "icmp"
            add("cilium_icmp", "Cilium health checks (ICMP)", icmp, version=v)
        if spec.wireguard:
            add("cilium_wireguard", "Cilium WireGuard (udp 51871)", "udp", 51871, version=under)
    for v in spec.families:
        cidr = spec.pod_cidr_of(v)
        if cidr is not None and spec.needs_pairs_of(v):
            # pods' packets cross the network with their own source: to pods on other nodes
            # (native routing), or to node addresses such as the API server (no masquerade)
            why = "pod-sourced packets between nodes (any protocol from the pod CIDR)"
            add("pod_cidr", why, None, prefix=str(cidr), version=v)
    return tuple(out)


class _Add(Protocol):
    def __call__(
        self,
        slug: str,
        why: str,
        protocol: str | None,
        lo: int | None = None,
        hi: int | None = None,
        prefix: str | None = None,
        version: int = 4,
    ) -> None: ...


def _calico_rules(spec: PreflightSpec, add: _Add) -> None:
    """Calico's node-to-node rules: IPIP (IPv4 pools), VXLAN, BGP and WireGuard per family."""
    families = spec.families
    if spec.mode in ("ipip", "ipip-crosssubnet") and 4 in families:
        add("calico_ipip", "Calico IPIP (IP protocol 4)", "ipip", version=4)
    for v in families:
        if spec.mode in ("vxlan", "vxlan-crosssubnet"):  # vxlan.calico / vxlan-v6.calico
            add("calico_vxlan", "Calico VXLAN (udp 4789)", "udp", 4789, version=v)
        if spec.bgp_on:  # BIRD and BIRD6 peer over each family's node addresses
            add("calico_bgp", "Calico BGP (tcp 179)", "tcp", 179, version=v)
    if spec.typha_on:
        add("calico_typha", "Calico Typha (tcp 5473)", "tcp", 5473, version=families[0])
    if spec.wireguard:
        # wireguard.cali on wireguardListeningPort (51820), wg-v6.cali on
        # wireguardListeningPortV6 (51821): FelixConfiguration's defaults
        if 4 in families:
            add("calico_wireguard", "Calico WireGuard (udp 51820)", "udp", 51820, version=4)
        if 6 in families:
            add("calico_wireguard6", "Calico WireGuard (udp 51821)", "udp", 51821, version=6)


def _kube_router_rules(spec: PreflightSpec, add: _Add) -> None:
    """kube-router's: its iBGP mesh (TCP 179) per family, and its tunnel (IPIP: IP protocol
    4, IPv6 pods' ip6ip6 41; FOU: UDP 5555), which subnet mode uses to nodes of another
    subnet only: planned all the same, so that a node added in another subnet works."""
    for v in spec.families:
        add("kube_router_bgp", "kube-router BGP (tcp 179)", "tcp", 179, version=v)
        if spec.mode in ("ipip", "full"):
            proto = "ipip" if v == 4 else "ipv6-encap"
            add("kube_router_ipip", f"kube-router IPIP ({proto})", proto, version=v)
        if spec.mode == "fou":
            add("kube_router_fou", "kube-router FOU (udp 5555)", "udp", 5555, version=v)
