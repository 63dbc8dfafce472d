"""The lab's network: what it is (`Topology`, pure data) and how it is built.

Layout (measured in docs/notes netns-lab.md):

- `<prefix>hv`: a Linux bridge `ks-br0` = the Neutron tenant network
  10.0.0.0/24 (MTU 1450). Every node VM and the router plug into it by a
  veth whose bridge-side end `ks-tap-nN` is the "Neutron port" the port
  security rules (portsec.py) apply to;
- `<prefix>nN`: one node VM, NIC `ks-eth0` with the port's MAC
  (fa:16:3e:..), 10.0.0.(10+N), default route via the router 10.0.0.1,
  pod block 10.244.(N-1).0/24; ip_forward on;
- `<prefix>nNpJ`: a pod in Calico's layout: /32 address on `ks-eth0`,
  default route via 169.254.1.1, node-side veth `ks-caliJ` with proxy_arp
  and a /32 route on the node;
- remote pod blocks: native (`10.244.M.0/24 via node M`) or through a VXLAN
  device `ks-vxlan` (VNI 4096, UDP 4789, static neighbour + FDB entries), under
  Canal flannel's `ks-flannel.1` (VNI 1, UDP 8472, the same entries);
- kube-proxy as nft DNAT in every node (no ICMP rule, so ping to a
  ClusterIP never answers), Calico natOutgoing as MASQUERADE when enabled;
- `<prefix>rt`: the Neutron router 10.0.0.1 / 203.0.113.1 (SNAT, blackhole
  default route, optional routes back to the pod blocks) and
  `<prefix>inet`: an "internet" host 203.0.113.10.

Every interface the lab creates is named `ks-...` and lives in a lab
namespace; nothing is created in, or attached to, the root namespace.
The `plan_*` functions are pure (unit-tested without root); `create_network`
runs them. The layout itself (`Topology`, `build_topology`, the interface
names) lives in `kostack_lab.topology_layout`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import TypeVar

from kostack_lab import netns
from kostack_lab.topology_layout import (
    BRIDGE,
    CALICO_GATEWAY,
    CALICO_GATEWAY6,
    CALICO_HOST_MAC,
    NODE_NIC,
    POD_NIC,
    ROUTER_TAP,
    ROUTER_UPLINK,
    NodePlan,
    PodPlan,
    Topology,
    _Frozen,
)

__all__ = [
    "create_network",
    "masq_fully_random",
    "plan_hv",
    "plan_kube_proxy",
    "plan_node",
    "plan_pod",
    "plan_router",
]

_T = TypeVar("_T")


# -- plans (pure) ---------------------------------------------------------------

_NO_IPV6 = {"net.ipv6.conf.all.disable_ipv6": 1, "net.ipv6.conf.default.disable_ipv6": 1}
_NO_RP_FILTER = {"net.ipv4.conf.all.rp_filter": 0, "net.ipv4.conf.default.rp_filter": 0}
# Dual-stack namespaces: IPv6 on, no duplicate address detection (an address is usable at
# once, so nothing waits; per interface the kernel takes max(all, interface), hence default
# too, set before any interface exists), no autoconfiguration from stray RAs.
_IPV6_NO_DAD = {
    "net.ipv6.conf.all.disable_ipv6": 0,
    "net.ipv6.conf.default.disable_ipv6": 0,
    "net.ipv6.conf.all.accept_dad": 0,
    "net.ipv6.conf.default.accept_dad": 0,
    "net.ipv6.conf.all.accept_ra": 0,
    "net.ipv6.conf.default.accept_ra": 0,
}


def pod_sysctls(topo: Topology) -> dict[str, int]:
    """A pod namespace before its interface exists: IPv6 off, or on without DAD (dual-stack)."""
    return dict(_IPV6_NO_DAD if topo.dual_stack else _NO_IPV6)


def _prefixlen(cidr: str) -> int:
    return ipaddress.IPv4Network(cidr).prefixlen


def plan_hv(topo: Topology) -> list[str]:
    """`ip` lines for the hypervisor namespace: the bridge and one tap per port.

    Each veth is created here with its VM end moved straight into the node
    (or router) namespace, so it never appears in the root namespace.
    """
    mtu = topo.network_mtu
    # Multicast snooping off: the bridge floods neighbour solicitations to every port, as
    # Neutron's networks deliver them (no MLD querier in the lab).
    lines = [
        "link set lo up",
        f"link add {BRIDGE} type bridge mcast_snooping 0",
        f"link set {BRIDGE} mtu {mtu} up",
    ]
    for node in topo.nodes:
        lines += [
            f"link add {node.tap} type veth peer name {NODE_NIC} netns {node.netns}",
            f"link set {node.tap} address {node.tap_mac} mtu {mtu} master {BRIDGE} up",
        ]
    lines += [
        f"link add {ROUTER_TAP} type veth peer name {NODE_NIC} netns {topo.router_netns}",
        f"link set {ROUTER_TAP} address fe{topo.router_mac[2:]} mtu {mtu} master {BRIDGE} up",
    ]
    return lines


def hv_sysctls() -> dict[str, str | int]:
    """Bridged IPv4 and IPv6 through the ip and ip6 hooks (br_netfilter): conntrack sees both.

    The hypervisor's own stack stays IPv4-only (it has no address on the
    bridge); bridged IPv6 frames still reach the ip6 hooks.
    """
    return {
        **_NO_IPV6,
        "net.bridge.bridge-nf-call-iptables": 1,
        "net.bridge.bridge-nf-call-ip6tables": 1,
    }


class NodeSetup(_Frozen):
    """Everything one node namespace needs, in order."""

    sysctls_before: dict[str, int]
    ip_lines: tuple[str, ...]
    sysctls_after: dict[str, int]
    fdb_lines: tuple[str, ...]
    nft: str


def plan_node(topo: Topology, node: NodePlan) -> NodeSetup:
    """Addresses, pod veths, routes to the other pod blocks, kube-proxy rules."""
    prefix_len = _prefixlen(topo.network_cidr)
    lines = [
        "link set lo up",
        f"link set {NODE_NIC} address {node.mac} mtu {topo.vm_nic_mtu} gso_max_segs 1 up",
        f"addr add {node.ip}/{prefix_len} dev {NODE_NIC}",
        f"route add default via {topo.gateway_ip} dev {NODE_NIC}",
        # Calico IPAM's blackhole for the node's own block (host-local IPAM under Canal: none)
        *([f"route add blackhole {node.pod_cidr}"] if topo.cni == "calico" else []),
        *([f"route add blackhole {node.pod_cidr2}"] if node.pod_cidr2 else []),
    ]
    if node.ip6 and node.pod_cidr6 and topo.network_cidr6:
        lines += [
            f"addr add {node.ip6}/{ipaddress.IPv6Network(topo.network_cidr6).prefixlen} "
            f"dev {NODE_NIC} nodad",
            f"route add blackhole {node.pod_cidr6}",
        ]
    after: dict[str, int] = {}
    for pod in topo.pods_on(node.name):
        lines += [
            f"link add {pod.host_veth} type veth peer name {POD_NIC} netns {pod.netns}",
            f"link set {pod.host_veth} address {CALICO_HOST_MAC} mtu {topo.pod_mtu} gso_max_segs 1 up",
            f"route add {pod.ip}/32 dev {pod.host_veth} scope link",
        ]
        if pod.ip6:
            lines.append(f"route add {pod.ip6}/128 dev {pod.host_veth}")
        after[f"net.ipv4.conf.{pod.host_veth}.proxy_arp"] = 1
        after[f"net.ipv4.neigh.{pod.host_veth}.proxy_delay"] = 0
    fdb: list[str] = []
    remote = [other for other in topo.nodes if other.index != node.index]
    vxlan_peers = [o for o in remote if topo.encapsulation.encapsulates(topo.same_subnet(node, o))]
    device = topo.vxlan_device
    if vxlan_peers:
        lines += [
            f"link add {device} type vxlan id {topo.vxlan_vni} dstport {topo.vxlan_port} "
            f"local {node.ip} dev {NODE_NIC} nolearning",
            f"link set {device} address {node.vtep_mac} "
            f"mtu {topo.vm_nic_mtu - 50} gso_max_segs 1 up",
            f"addr add {node.vtep_ip}/32 dev {device}",
        ]
    for other in remote:
        if other in vxlan_peers:
            lines += [
                f"neigh add {other.vtep_ip} lladdr {other.vtep_mac} dev {device} nud permanent",
                f"route add {other.pod_cidr} via {other.vtep_ip} dev {device} onlink",
            ]
            fdb.append(f"fdb append {other.vtep_mac} dev {device} dst {other.ip} self permanent")
        else:
            lines.append(f"route add {other.pod_cidr} via {other.ip} dev {NODE_NIC}")
        if other.pod_cidr2:  # the second pool's blocks: native (ipipMode, vxlanMode Never)
            lines.append(f"route add {other.pod_cidr2} via {other.ip} dev {NODE_NIC}")
        if other.pod_cidr6 and other.ip6:  # IPv6 pod blocks: native (one subnet)
            lines.append(f"route add {other.pod_cidr6} via {other.ip6} dev {NODE_NIC}")
    family: dict[str, int] = (
        {**_IPV6_NO_DAD, "net.ipv6.conf.all.forwarding": 1} if topo.dual_stack else _NO_IPV6
    )
    return NodeSetup(
        sysctls_before={**family, **_NO_RP_FILTER, "net.ipv4.ip_forward": 1},
        ip_lines=tuple(lines),
        sysctls_after=after,
        fdb_lines=tuple(fdb),
        nft=plan_kube_proxy(topo),
    )


def plan_pod(topo: Topology, pod: PodPlan) -> list[str]:
    """`ip` lines inside a pod: /32 address, default route via 169.254.1.1.

    Dual-stack: also a /128 and an IPv6 default route via the host veth's
    link-local address, as Calico wires IPv6 pods.
    """
    lines = [
        "link set lo up",
        f"link set {POD_NIC} mtu {topo.pod_mtu} gso_max_segs 1 up",
        f"addr add {pod.ip}/32 dev {POD_NIC}",
        f"route add {CALICO_GATEWAY} dev {POD_NIC} scope link",
        f"route add default via {CALICO_GATEWAY} dev {POD_NIC}",
    ]
    if pod.ip6:
        lines += [
            f"addr add {pod.ip6}/128 dev {POD_NIC} nodad",
            f"route add default via {CALICO_GATEWAY6} dev {POD_NIC}",
        ]
    return lines


def plan_kube_proxy(topo: Topology) -> str:
    """kube-proxy's DNAT (TCP/UDP only: ICMP to a ClusterIP goes nowhere) and natOutgoing."""
    service_rules: list[str] = []
    service_rules6: list[str] = []
    for service in topo.services:
        for port in service.ports:
            proto = port.protocol.lower()
            service_rules.append(
                f"ip daddr {service.cluster_ip} {proto} dport {port.port} "
                f"dnat to {port.target_ip}:{port.target_port}"
            )
            if service.cluster_ip6 and port.target_ip6:
                service_rules6.append(
                    f"ip6 daddr {service.cluster_ip6} {proto} dport {port.port} "
                    f"dnat to [{port.target_ip6}]:{port.target_port}"
                )
    lines = _kube_proxy_table("ip", service_rules)
    if service_rules6:  # a dual-stack service's IPv6 ClusterIP
        lines += _kube_proxy_table("ip6", service_rules6)
    if topo.nat_outgoing:
        # Calico's natOutgoing: pod sources to anything outside the IP pools (per pool, so
        # the IPv6 pool too in a dual-stack lab: its IPPool carries the same natOutgoing).
        # Traffic between two pools of a family is not masqueraded (docs/facts.md). Felix
        # masquerades with --random-fully where iptables has it (nft: fully-random) unless
        # FelixConfiguration's featureDetectOverride turns MASQFullyRandom off.
        # Antrea masquerades without --random-fully (snatFullyRandomPorts false, docs/facts.md)
        random = topo.cni != "antrea" and masq_fully_random(topo)
        masquerade = "masquerade fully-random" if random else "masquerade"
        pools4 = topo.pod_cidr if not topo.pod_cidr2 else "{ " + ", ".join(topo.pod_cidrs) + " }"
        table = "ks-antrea" if topo.cni == "antrea" else "ks-calico"  # the agent's, or Felix's
        for family, pools in (("ip", pools4), ("ip6", topo.pod_cidr6)):
            if pools is None:
                continue
            lines += [
                *netns.nft_table_anew(family, table),
                "chain nat-outgoing {",
                "type nat hook postrouting priority srcnat; policy accept;",
                f"{family} saddr {pools} {family} daddr != {pools} {masquerade}",
                "}",
                "}",
            ]
    return "\n".join(lines) + "\n"


def masq_fully_random(topo: Topology) -> bool:
    """Felix's MASQFullyRandom: detected on (the lab's nft has fully-random), unless
    featureDetectOverride forces it. Felix reads the override as calico's
    `stringutils.ParseKeyValueList` does (items split at ",", each `\\s*(\\w+)=(.+)`, the
    last of a key wins), then each value through Go's `strconv.ParseBool`, an unparsable one
    ignored (`felix/environment/feature_detect.go`); `MasqAction` renders `masquerade` plus
    ` fully-random` when the feature is on (`felix/nftables/actions.go`)."""
    found: dict[str, str] = {}
    for item in topo.felix_override.split(","):
        match = re.search(r"\s*(\w+)=(.+)", item)
        if match:
            found[match[1]] = match[2]
    return found.get("MASQFullyRandom") not in _GO_FALSE  # true, unparsable or unset: on


_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})  # Go's strconv.ParseBool


def _kube_proxy_table(family: str, service_rules: list[str]) -> list[str]:
    """The `ks-kube-proxy` table of one family (`ip`, `ip6`), replaced whole, with its DNAT rules."""
    return [
        *netns.nft_table_anew(family, "ks-kube-proxy"),
        "chain services {",
        *service_rules,
        "}",
        "chain prerouting {",
        "type nat hook prerouting priority dstnat; policy accept;",
        "jump services",
        "}",
        "chain output {",
        "type nat hook output priority -100; policy accept;",
        "jump services",
        "}",
        "}",
    ]


class RouterSetup(_Frozen):
    """The router and the internet host."""

    router_sysctls: dict[str, int]
    router_lines: tuple[str, ...]
    router_nft: str
    internet_sysctls: dict[str, int]
    internet_lines: tuple[str, ...]


def plan_router(topo: Topology) -> RouterSetup:
    """Neutron router: SNAT to 203.0.113.1, blackhole default, optional pod routes.

    Dual-stack: IPv6 forwarding, the gateway side's IPv6 address and a
    blackhole IPv6 default, no IPv6 NAT (Neutron routes IPv6 as it is), and
    the internet host's routes back to the tenant's IPv6 prefixes. The
    tenant side's IPv6 address comes later, from the router interface port
    on the IPv6 subnet (`kostack_lab.router6`).
    """
    external_len = _prefixlen(topo.external_cidr)
    router_lines = [
        "link set lo up",
        f"link set {NODE_NIC} address {topo.router_mac} mtu {topo.network_mtu} up",
        f"addr add {topo.gateway_ip}/{_prefixlen(topo.network_cidr)} dev {NODE_NIC}",
        f"link add {ROUTER_UPLINK} type veth peer name {NODE_NIC} netns {topo.internet_netns}",
        f"link set {ROUTER_UPLINK} up",
        f"addr add {topo.router_external_ip}/{external_len} dev {ROUTER_UPLINK}",
        "route add blackhole default",
    ]
    if topo.router_routes_to_pods:
        # Router extra routes, as the OpenStack cloud controller's route controller adds them.
        router_lines += [
            f"route add {cidr} via {n.ip} dev {NODE_NIC}"
            for n in topo.nodes
            for cidr in (n.pod_cidr, n.pod_cidr2)
            if cidr
        ]
    nft = "\n".join(
        [
            *netns.nft_table_anew("ip", "ks-router"),
            "chain postrouting {",
            "type nat hook postrouting priority srcnat; policy accept;",
            f'oifname "{ROUTER_UPLINK}" ip saddr {topo.network_cidr} snat to {topo.router_external_ip}',
            *(
                f'oifname "{ROUTER_UPLINK}" ip saddr {cidr} snat to {topo.router_external_ip}'
                for cidr in topo.pod_cidrs
            ),
            "}",
            "}",
        ]
    )
    internet_lines = [
        "link set lo up",
        f"link set {NODE_NIC} up",
        f"addr add {topo.internet_ip}/{external_len} dev {NODE_NIC}",
    ]
    family: dict[str, int] = dict(_NO_IPV6)
    internet_family: dict[str, int] = dict(_NO_IPV6)
    if topo.dual_stack:
        assert topo.network_cidr6 is not None and topo.pod_cidr6 is not None  # dual_stack
        external_len6 = ipaddress.IPv6Network(topo.external_cidr6).prefixlen
        router_lines += [
            f"addr add {topo.router_external_ip6}/{external_len6} dev {ROUTER_UPLINK} nodad",
            "route add blackhole ::/0",
        ]
        internet_lines += [
            f"addr add {topo.internet_ip6}/{external_len6} dev {NODE_NIC} nodad",
            f"route add {topo.network_cidr6} via {topo.router_external_ip6} dev {NODE_NIC}",
            f"route add {topo.pod_cidr6} via {topo.router_external_ip6} dev {NODE_NIC}",
        ]
        family = {**_IPV6_NO_DAD, "net.ipv6.conf.all.forwarding": 1}
        internet_family = dict(_IPV6_NO_DAD)
    return RouterSetup(
        router_sysctls={**family, **_NO_RP_FILTER, "net.ipv4.ip_forward": 1},
        router_lines=tuple(router_lines),
        router_nft=nft + "\n",
        internet_sysctls=internet_family,
        internet_lines=tuple(internet_lines),
    )


# -- building -------------------------------------------------------------------


def create_network(topo: Topology) -> None:
    """Create every namespace, link, address, route and nft table of `topo`.

    Port security is not part of this: the caller renders it (portsec.py)
    before any server starts. Raises LabError on the first failing command;
    the caller tears the half-built lab down.
    """
    names = topo.namespaces()
    netns.add_namespaces(names)
    hv = topo.hv_netns
    router = plan_router(topo)
    node_setups = {node.netns: plan_node(topo, node) for node in topo.nodes}

    # 1. sysctls that must hold before interfaces exist (IPv6 off: no stray
    #    router solicitations on the bridge, no noise in the drop counters;
    #    dual-stack: IPv6 on without DAD or autoconfiguration).
    before: list[Callable[[], None]] = [lambda: netns.set_sysctls(hv, hv_sysctls())]
    before += [_bind(netns.set_sysctls, n, dict(s.sysctls_before)) for n, s in node_setups.items()]
    before += [_bind(netns.set_sysctls, p.netns, pod_sysctls(topo)) for p in topo.pods]
    before += [
        _bind(netns.set_sysctls, topo.router_netns, dict(router.router_sysctls)),
        _bind(netns.set_sysctls, topo.internet_netns, dict(router.internet_sysctls)),
    ]
    netns.run_parallel(before)

    # 2. the bridge and the taps (creates the VM-side NICs inside the nodes).
    netns.ip_batch(hv, plan_hv(topo))

    # 3. nodes (each creates its pods' veths), then the pods and the router.
    netns.run_parallel(
        [_bind(netns.ip_batch, n, list(s.ip_lines)) for n, s in node_setups.items()]
        + [_bind(netns.ip_batch, topo.router_netns, list(router.router_lines))]
    )
    after: list[Callable[[], None]] = [
        _bind(netns.ip_batch, p.netns, plan_pod(topo, p)) for p in topo.pods
    ]
    after += [_bind(netns.ip_batch, topo.internet_netns, list(router.internet_lines))]
    for name, setup in node_setups.items():
        after.append(_bind(netns.set_sysctls, name, dict(setup.sysctls_after)))
        after.append(_bind(netns.bridge_batch, name, list(setup.fdb_lines)))
        after.append(_bind(netns.load_nft, name, setup.nft))
    after.append(_bind(netns.load_nft, topo.router_netns, router.router_nft))
    netns.run_parallel(after)


def _bind(function: Callable[[str, _T], None], name: str, argument: _T) -> Callable[[], None]:
    """A job for run_parallel (avoids late-binding lambdas in loops)."""

    def job() -> None:
        function(name, argument)

    return job
