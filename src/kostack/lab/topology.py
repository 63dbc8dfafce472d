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
  device `ks-vxlan` (VNI 4096, UDP 4789, static neighbour + FDB entries);
- kube-proxy as nft DNAT in every node (no ICMP rule, so ping to a
  ClusterIP never answers), Calico natOutgoing as MASQUERADE when enabled;
- `<prefix>rt`: the Neutron router 10.0.0.1 / 203.0.113.1 (SNAT, blackhole
  default route, optional routes back to the pod blocks) and
  `<prefix>inet`: an "internet" host 203.0.113.10.

Every interface the lab creates is named `ks-...` and lives in a lab
namespace; nothing is created in, or attached to, the root namespace.
The `plan_*` functions are pure (unit-tested without root); `create_network`
runs them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from kostack.lab import netns, seed

__all__ = [
    "BRIDGE",
    "NODE_NIC",
    "POD_NIC",
    "VXLAN_DEVICE",
    "Encapsulation",
    "NodePlan",
    "PodPlan",
    "ServicePlan",
    "ServicePort",
    "Topology",
    "build_topology",
    "create_network",
    "plan_hv",
    "plan_kube_proxy",
    "plan_node",
    "plan_pod",
    "plan_router",
]

BRIDGE = "ks-br0"
NODE_NIC = "ks-eth0"
POD_NIC = "ks-eth0"
VXLAN_DEVICE = "ks-vxlan"
ROUTER_TAP = "ks-tap-rt"
ROUTER_UPLINK = "ks-eth1"
CALICO_HOST_MAC = "ee:ee:ee:ee:ee:ee"
CALICO_GATEWAY = "169.254.1.1"
MAX_NODES = 40
MAX_PODS_PER_NODE = 8
_T = TypeVar("_T")


class Encapsulation(StrEnum):
    """Calico's encapsulation names (Installation `encapsulation`)."""

    NONE = "None"
    VXLAN_CROSS_SUBNET = "VXLANCrossSubnet"
    VXLAN = "VXLAN"

    @property
    def overhead(self) -> int:
        """Bytes Calico subtracts from the host MTU for the pod MTU (IPv4)."""
        return 0 if self is Encapsulation.NONE else 50

    def encapsulates(self, same_subnet: bool) -> bool:
        """Whether pod traffic between two nodes is VXLAN-encapsulated."""
        if self is Encapsulation.VXLAN:
            return True
        return self is Encapsulation.VXLAN_CROSS_SUBNET and not same_subnet


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NodePlan(_Frozen):
    """One node VM of the lab."""

    index: int
    name: str
    role: Literal["control-plane", "worker"]
    netns: str
    ip: str
    mac: str
    tap: str
    tap_mac: str
    pod_cidr: str
    vtep_ip: str
    vtep_mac: str

    @property
    def short_name(self) -> str:
        """`cp-1` / `w-3`: the node name without the `k8s-` prefix."""
        return self.name.removeprefix("k8s-")


class PodPlan(_Frozen):
    """One pod: a namespace wired the way Calico wires pods."""

    name: str
    namespace: str
    node: str
    node_index: int
    index: int
    netns: str
    ip: str
    host_veth: str
    app: Literal["coredns", "echo"]


class ServicePort(_Frozen):
    """One port of a ClusterIP service and the endpoint kube-proxy DNATs it to."""

    name: str
    port: int
    protocol: Literal["TCP", "UDP"]
    target_ip: str
    target_port: int


class ServicePlan(_Frozen):
    """A ClusterIP service as kube-proxy programs it (one endpoint)."""

    name: str
    namespace: str
    cluster_ip: str
    ports: tuple[ServicePort, ...]


class Topology(_Frozen):
    """Everything the lab builds, as data: names, addresses, MTUs, routing mode."""

    prefix: str
    hv_netns: str
    router_netns: str
    internet_netns: str
    network_cidr: str = seed.NODE_SUBNET_CIDR
    gateway_ip: str = str(ipaddress.IPv4Network(seed.NODE_SUBNET_CIDR).network_address + 1)
    router_mac: str = seed.router_mac()
    network_mtu: int = seed.NETWORK_MTU
    vm_nic_mtu: int = seed.NETWORK_MTU
    pod_mtu: int = seed.NETWORK_MTU - 50  # Calico's VXLAN overhead
    pod_cidr: str = seed.POD_SUBNET
    service_cidr: str = seed.SERVICE_SUBNET
    external_cidr: str = seed.PUBLIC_CIDR
    router_external_ip: str = seed.PUBLIC_GATEWAY_IP
    internet_ip: str = str(ipaddress.IPv4Network(seed.PUBLIC_CIDR).network_address + 10)
    encapsulation: Encapsulation = Encapsulation.VXLAN_CROSS_SUBNET
    nat_outgoing: bool = False
    router_routes_to_pods: bool = True
    vxlan_vni: int = 4096
    vxlan_port: int = 4789
    echo_port: int = 8080
    apiserver_port: int = 6443
    http_port: int = 80
    dns_port: int = 53
    dns_domain: str = seed.DNS_DOMAIN
    nodes: tuple[NodePlan, ...]
    pods: tuple[PodPlan, ...]
    services: tuple[ServicePlan, ...]

    def namespaces(self) -> list[str]:
        """Every namespace of the lab, in creation order."""
        return [
            self.hv_netns,
            *(n.netns for n in self.nodes),
            *(p.netns for p in self.pods),
            self.router_netns,
            self.internet_netns,
        ]

    def node(self, key: str) -> NodePlan:
        """A node by name (`k8s-w-1`), namespace or IP."""
        for node in self.nodes:
            if key in {node.name, node.netns, node.ip, node.short_name}:
                return node
        raise KeyError(key)

    def pod(self, key: str) -> PodPlan:
        """A pod by name, `namespace/name`, namespace (netns) or IP."""
        for pod in self.pods:
            if key in {pod.name, f"{pod.namespace}/{pod.name}", pod.netns, pod.ip}:
                return pod
        raise KeyError(key)

    def pods_on(self, node_name: str) -> list[PodPlan]:
        """The pods scheduled on `node_name`."""
        return [p for p in self.pods if p.node == node_name]

    @property
    def control_plane(self) -> NodePlan:
        """The (first) control-plane node."""
        return self.nodes[0]

    @property
    def dns_pod(self) -> PodPlan:
        """The CoreDNS pod the kube-dns service points at."""
        return next(p for p in self.pods if p.app == "coredns")

    @property
    def kubernetes_service_ip(self) -> str:
        """First address of the service CIDR (the `kubernetes` service)."""
        return str(ipaddress.IPv4Network(self.service_cidr).network_address + 1)

    @property
    def dns_service_ip(self) -> str:
        """The kube-dns ClusterIP (10th address of the service CIDR, as kubeadm does)."""
        return str(ipaddress.IPv4Network(self.service_cidr).network_address + 10)

    def same_subnet(self, a: NodePlan, b: NodePlan) -> bool:
        """Whether two nodes share an IP subnet (all lab nodes do, for now)."""
        network = ipaddress.IPv4Network(self.network_cidr)
        return ipaddress.IPv4Address(a.ip) in network and ipaddress.IPv4Address(b.ip) in network


def build_topology(
    *,
    prefix: str,
    nodes: int,
    encapsulation: Encapsulation,
    nat_outgoing: bool,
    router_routes_to_pods: bool = True,
    network_mtu: int = seed.NETWORK_MTU,
    vm_nic_mtu: int | None = None,
    pod_mtu: int | None = None,
    pods_per_node: int = 2,
) -> Topology:
    """Lay out a lab of `nodes` nodes (1 control plane + workers), `pods_per_node` pods each.

    The VM NIC MTU defaults to the network's (the VM was told the MTU); the
    pod MTU is what Calico's auto-detection picks: VM NIC MTU minus the
    encapsulation overhead (50 for VXLAN, even in CrossSubnet mode).
    """
    if not 2 <= nodes <= MAX_NODES:
        raise ValueError(f"nodes must be between 2 and {MAX_NODES}, not {nodes}")
    if not 1 <= pods_per_node <= MAX_PODS_PER_NODE:
        raise ValueError(f"pods_per_node must be between 1 and {MAX_PODS_PER_NODE}")
    netns.check_netns_name(prefix + "hv")
    nic_mtu = network_mtu if vm_nic_mtu is None else vm_nic_mtu
    veth_mtu = nic_mtu - encapsulation.overhead if pod_mtu is None else pod_mtu
    node_plans: list[NodePlan] = []
    pod_plans: list[PodPlan] = []
    for planned in seed.seed_nodes(nodes, subnet_cidr=seed.NODE_SUBNET_CIDR):
        index, name = planned.index + 1, planned.name
        block = ipaddress.IPv4Network(planned.pod_cidr)
        node = NodePlan(
            index=index,
            name=name,
            role="control-plane" if planned.control_plane else "worker",
            netns=f"{prefix}n{index}",
            ip=planned.ip,
            mac=planned.mac,
            tap=f"ks-tap-n{index}",
            tap_mac="fe" + planned.mac[2:],
            pod_cidr=planned.pod_cidr,
            vtep_ip=str(block.network_address),
            vtep_mac=f"66:6b:73:00:{index // 100:02d}:{index % 100:02d}",
        )
        node_plans.append(node)
        for pod_index in range(1, pods_per_node + 1):
            is_dns = index == 1 and pod_index == 1
            pod_plans.append(
                PodPlan(
                    name="coredns-0" if is_dns else f"echo-{node.short_name}-{pod_index}",
                    namespace="kube-system" if is_dns else "demo",
                    node=name,
                    node_index=index,
                    index=pod_index,
                    netns=f"{prefix}n{index}p{pod_index}",
                    ip=str(block.network_address + 10 + pod_index),
                    host_veth=f"ks-cali{pod_index}",
                    app="coredns" if is_dns else "echo",
                )
            )
    control_plane = node_plans[0]
    dns_pod = pod_plans[0]
    services = (
        ServicePlan(
            name="kubernetes",
            namespace="default",
            cluster_ip=seed.KUBERNETES_SERVICE_IP,
            ports=(
                ServicePort(
                    name="https",
                    port=443,
                    protocol="TCP",
                    target_ip=control_plane.ip,
                    target_port=6443,
                ),
            ),
        ),
        ServicePlan(
            name="kube-dns",
            namespace="kube-system",
            cluster_ip=seed.CLUSTER_DNS_IP,
            ports=(
                ServicePort(
                    name="dns", port=53, protocol="UDP", target_ip=dns_pod.ip, target_port=53
                ),
                ServicePort(
                    name="dns-tcp", port=53, protocol="TCP", target_ip=dns_pod.ip, target_port=53
                ),
            ),
        ),
    )
    return Topology(
        prefix=prefix,
        hv_netns=f"{prefix}hv",
        router_netns=f"{prefix}rt",
        internet_netns=f"{prefix}inet",
        network_mtu=network_mtu,
        vm_nic_mtu=nic_mtu,
        pod_mtu=veth_mtu,
        encapsulation=encapsulation,
        nat_outgoing=nat_outgoing,
        router_routes_to_pods=router_routes_to_pods,
        nodes=tuple(node_plans),
        pods=tuple(pod_plans),
        services=services,
    )


# -- plans (pure) ---------------------------------------------------------------

_NO_IPV6 = {"net.ipv6.conf.all.disable_ipv6": 1, "net.ipv6.conf.default.disable_ipv6": 1}
_NO_RP_FILTER = {"net.ipv4.conf.all.rp_filter": 0, "net.ipv4.conf.default.rp_filter": 0}


def _prefixlen(cidr: str) -> int:
    return ipaddress.IPv4Network(cidr).prefixlen


def plan_hv(topo: Topology) -> list[str]:
    """`ip` lines for the hypervisor namespace: the bridge and one tap per port.

    Each veth is created here with its VM end moved straight into the node
    (or router) namespace, so it never appears in the root namespace.
    """
    mtu = topo.network_mtu
    lines = ["link set lo up", f"link add {BRIDGE} type bridge", f"link set {BRIDGE} mtu {mtu} up"]
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
    """Bridged IPv4 through the ip hooks (br_netfilter), so conntrack sees it."""
    return {**_NO_IPV6, "net.bridge.bridge-nf-call-iptables": 1}


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
        f"route add blackhole {node.pod_cidr}",
    ]
    after: dict[str, int] = {}
    for pod in topo.pods_on(node.name):
        lines += [
            f"link add {pod.host_veth} type veth peer name {POD_NIC} netns {pod.netns}",
            f"link set {pod.host_veth} address {CALICO_HOST_MAC} mtu {topo.pod_mtu} gso_max_segs 1 up",
            f"route add {pod.ip}/32 dev {pod.host_veth} scope link",
        ]
        after[f"net.ipv4.conf.{pod.host_veth}.proxy_arp"] = 1
        after[f"net.ipv4.neigh.{pod.host_veth}.proxy_delay"] = 0
    fdb: list[str] = []
    remote = [other for other in topo.nodes if other.index != node.index]
    vxlan_peers = [o for o in remote if topo.encapsulation.encapsulates(topo.same_subnet(node, o))]
    if vxlan_peers:
        lines += [
            f"link add {VXLAN_DEVICE} type vxlan id {topo.vxlan_vni} dstport {topo.vxlan_port} "
            f"local {node.ip} dev {NODE_NIC} nolearning",
            f"link set {VXLAN_DEVICE} address {node.vtep_mac} "
            f"mtu {topo.vm_nic_mtu - 50} gso_max_segs 1 up",
            f"addr add {node.vtep_ip}/32 dev {VXLAN_DEVICE}",
        ]
    for other in remote:
        if other in vxlan_peers:
            lines += [
                f"neigh add {other.vtep_ip} lladdr {other.vtep_mac} dev {VXLAN_DEVICE} nud permanent",
                f"route add {other.pod_cidr} via {other.vtep_ip} dev {VXLAN_DEVICE} onlink",
            ]
            fdb.append(
                f"fdb append {other.vtep_mac} dev {VXLAN_DEVICE} dst {other.ip} self permanent"
            )
        else:
            lines.append(f"route add {other.pod_cidr} via {other.ip} dev {NODE_NIC}")
    return NodeSetup(
        sysctls_before={**_NO_IPV6, **_NO_RP_FILTER, "net.ipv4.ip_forward": 1},
        ip_lines=tuple(lines),
        sysctls_after=after,
        fdb_lines=tuple(fdb),
        nft=plan_kube_proxy(topo),
    )


def plan_pod(topo: Topology, pod: PodPlan) -> list[str]:
    """`ip` lines inside a pod: /32 address, default route via 169.254.1.1."""
    return [
        "link set lo up",
        f"link set {POD_NIC} mtu {topo.pod_mtu} gso_max_segs 1 up",
        f"addr add {pod.ip}/32 dev {POD_NIC}",
        f"route add {CALICO_GATEWAY} dev {POD_NIC} scope link",
        f"route add default via {CALICO_GATEWAY} dev {POD_NIC}",
    ]


def plan_kube_proxy(topo: Topology) -> str:
    """kube-proxy's DNAT (TCP/UDP only: ICMP to a ClusterIP goes nowhere) and natOutgoing."""
    service_rules: list[str] = []
    for service in topo.services:
        for port in service.ports:
            proto = port.protocol.lower()
            service_rules.append(
                f"ip daddr {service.cluster_ip} {proto} dport {port.port} "
                f"dnat to {port.target_ip}:{port.target_port}"
            )
    lines = [
        "table ip ks-kube-proxy",
        "delete table ip ks-kube-proxy",
        "table ip ks-kube-proxy {",
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
    if topo.nat_outgoing:
        # Calico's natOutgoing: pod sources to anything outside the IP pools.
        lines += [
            "table ip ks-calico {",
            "chain nat-outgoing {",
            "type nat hook postrouting priority srcnat; policy accept;",
            f"ip saddr {topo.pod_cidr} ip daddr != {topo.pod_cidr} masquerade",
            "}",
            "}",
        ]
    return "\n".join(lines) + "\n"


class RouterSetup(_Frozen):
    """The router and the internet host."""

    router_sysctls: dict[str, int]
    router_lines: tuple[str, ...]
    router_nft: str
    internet_lines: tuple[str, ...]


def plan_router(topo: Topology) -> RouterSetup:
    """Neutron router: SNAT to 203.0.113.1, blackhole default, optional pod routes."""
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
        router_lines += [f"route add {n.pod_cidr} via {n.ip} dev {NODE_NIC}" for n in topo.nodes]
    nft = "\n".join(
        [
            "table ip ks-router",
            "delete table ip ks-router",
            "table ip ks-router {",
            "chain postrouting {",
            "type nat hook postrouting priority srcnat; policy accept;",
            f'oifname "{ROUTER_UPLINK}" ip saddr {topo.network_cidr} snat to {topo.router_external_ip}',
            f'oifname "{ROUTER_UPLINK}" ip saddr {topo.pod_cidr} snat to {topo.router_external_ip}',
            "}",
            "}",
        ]
    )
    internet_lines = [
        "link set lo up",
        f"link set {NODE_NIC} up",
        f"addr add {topo.internet_ip}/{external_len} dev {NODE_NIC}",
    ]
    return RouterSetup(
        router_sysctls={**_NO_IPV6, **_NO_RP_FILTER, "net.ipv4.ip_forward": 1},
        router_lines=tuple(router_lines),
        router_nft=nft + "\n",
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
    #    router solicitations on the bridge, no noise in the drop counters).
    before: list[Callable[[], None]] = [lambda: netns.set_sysctls(hv, hv_sysctls())]
    before += [_bind(netns.set_sysctls, n, dict(s.sysctls_before)) for n, s in node_setups.items()]
    before += [_bind(netns.set_sysctls, p.netns, dict(_NO_IPV6)) for p in topo.pods]
    before += [
        _bind(netns.set_sysctls, topo.router_netns, dict(router.router_sysctls)),
        _bind(netns.set_sysctls, topo.internet_netns, dict(_NO_IPV6)),
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


def interface_names(topo: Topology) -> Sequence[str]:
    """Every interface name the lab creates (all carry the ks- prefix)."""
    names = {BRIDGE, NODE_NIC, POD_NIC, VXLAN_DEVICE, ROUTER_TAP, ROUTER_UPLINK}
    names |= {n.tap for n in topo.nodes} | {p.host_veth for p in topo.pods}
    return sorted(names)
