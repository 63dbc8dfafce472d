"""What the lab's network is: node, pod and service plans and their layout (pure data).

`build_topology` lays a lab out; `kostack_lab.topology` turns the layout
into `ip` and `nft` commands and builds it.
The interface names below are the ones every lab namespace uses.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kostack_lab import netns, seed

__all__ = [
    "BRIDGE",
    "CALICO_GATEWAY",
    "CALICO_GATEWAY6",
    "CALICO_HOST_MAC",
    "CNI",
    "FLANNEL_DEVICE",
    "MAX_NODES",
    "MAX_PODS_PER_NODE",
    "NODE_NIC",
    "POD_NIC",
    "ROUTER_TAP",
    "ROUTER_UPLINK",
    "VXLAN_DEVICE",
    "Encapsulation",
    "NodePlan",
    "PodPlan",
    "ServicePlan",
    "ServicePort",
    "Topology",
    "build_topology",
]

BRIDGE = "ks-br0"
NODE_NIC = "ks-eth0"
POD_NIC = "ks-eth0"
VXLAN_DEVICE = "ks-vxlan"
# Canal's flannel names its VXLAN device flannel.<VNI> (flannel pkg/backend/vxlan/vxlan.go): the
# lab's keeps its ks- prefix.
FLANNEL_DEVICE = "ks-flannel.1"
ROUTER_TAP = "ks-tap-rt"
ROUTER_UPLINK = "ks-eth1"
CALICO_HOST_MAC = "ee:ee:ee:ee:ee:ee"
CALICO_GATEWAY = "169.254.1.1"
# Calico's IPv6 pod gateway: the host veth's EUI-64 link-local address (MAC ee:ee:ee:ee:ee:ee).
CALICO_GATEWAY6 = "fe80::ecee:eeff:feee:eeee"
MAX_NODES = 40
MAX_PODS_PER_NODE = 8


# Who wires the lab: Calico (its CNI, IPAM and VXLAN), Canal (Calico's CNI plugin for the
# pods, host-local IPAM from the node's podCIDR, flannel's VXLAN between nodes), or Antrea in
# hybrid mode with every node in one subnet (native routing; kostack_lab.antrea_objects).
CNI = Literal["calico", "canal", "antrea"]


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
    ip6: str | None = None  # dual-stack labs: the port's IPv6 fixed IP
    pod_cidr6: str | None = None  # and the node's IPv6 pod block
    pod_cidr2: str | None = None  # a second IP pool's block on the node (second_pool labs)

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
    ip6: str | None = None  # dual-stack labs: the pod's IPv6 address
    pool: str = ""  # the second IP pool's name for its pods ("": the default pool)


class ServicePort(_Frozen):
    """One port of a ClusterIP service and the endpoint kube-proxy DNATs it to."""

    name: str
    port: int
    protocol: Literal["TCP", "UDP"]
    target_ip: str
    target_port: int
    target_ip6: str | None = None  # a dual-stack service: the endpoint's IPv6 address


class ServicePlan(_Frozen):
    """A ClusterIP service as kube-proxy programs it (one endpoint).

    `cluster_ip6` makes it dual-stack (ipFamilyPolicy PreferDualStack,
    ipFamilies IPv4 and IPv6): kube-proxy DNATs both ClusterIPs.
    """

    name: str
    namespace: str
    cluster_ip: str
    ports: tuple[ServicePort, ...]
    cluster_ip6: str | None = None
    selector: tuple[tuple[str, str], ...] = ()


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
    cni: CNI = "calico"
    nat_outgoing: bool = False
    # FelixConfiguration default's featureDetectOverride ("MASQFullyRandom=false": natOutgoing
    # masquerades without fully-random; topology.masq_fully_random)
    felix_override: str = ""
    router_routes_to_pods: bool = True
    # Calico's VXLAN (vxlan.calico: VNI 4096, UDP 4789), or under Canal flannel's (flannel.1:
    # VNI 1, the kernel's default port 8472).
    vxlan_device: str = VXLAN_DEVICE
    vxlan_vni: int = 4096
    vxlan_port: int = 4789
    echo_port: int = 8080
    apiserver_port: int = 6443
    http_port: int = 80
    dns_port: int = 53
    dns_domain: str = seed.DNS_DOMAIN
    # Dual-stack (None: IPv4 only): the IPv6 subnet of the network and the IPv6 pod CIDR.
    network_cidr6: str | None = None
    pod_cidr6: str | None = None
    # A second Calico IPv4 pool (None: one pool): a block of it on every node, one echo pod
    # in it per node, routed natively (its ipipMode and vxlanMode are Never).
    pod_cidr2: str | None = None
    # The IPv6 "outside": a documentation prefix (RFC 3849, never routed) between the router
    # and the internet host. Neutron routes IPv6 without NAT, so the internet host routes the
    # tenant's IPv6 prefixes back to the router's gateway address.
    external_cidr6: str = seed.PUBLIC_CIDR6
    router_external_ip6: str = seed.PUBLIC_GATEWAY_IP6
    internet_ip6: str = str(ipaddress.IPv6Network(seed.PUBLIC_CIDR6).network_address + 0x10)
    nodes: tuple[NodePlan, ...]
    pods: tuple[PodPlan, ...]
    services: tuple[ServicePlan, ...]

    @property
    def pod_cidrs(self) -> tuple[str, ...]:
        """The IPv4 pools' CIDRs: Calico's natOutgoing leaves traffic between them alone."""
        return (self.pod_cidr, *([self.pod_cidr2] if self.pod_cidr2 else []))

    @property
    def dual_stack(self) -> bool:
        """Whether nodes and pods also have IPv6 addresses."""
        return self.network_cidr6 is not None

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
            if key in {pod.name, f"{pod.namespace}/{pod.name}", pod.netns, pod.ip, pod.ip6}:
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

    @property
    def kubernetes_service_ip6(self) -> str | None:
        """The `kubernetes` service's IPv6 ClusterIP in a dual-stack lab (first of the IPv6 range)."""
        service = next((s for s in self.services if s.name == "kubernetes"), None)
        return service.cluster_ip6 if service else None

    @property
    def dns_service_ip6(self) -> str | None:
        """kube-dns's IPv6 ClusterIP in a dual-stack lab."""
        service = next((s for s in self.services if s.name == "kube-dns"), None)
        return service.cluster_ip6 if service else None

    def same_subnet(self, a: NodePlan, b: NodePlan) -> bool:
        """Whether two nodes share an IP subnet (all lab nodes do, for now)."""
        network = ipaddress.IPv4Network(self.network_cidr)
        return ipaddress.IPv4Address(a.ip) in network and ipaddress.IPv4Address(b.ip) in network


SECOND_POOL = "10.245.0.0/16"
SECOND_POOL_NAME = "second-ipv4-ippool"


def _node_plan(
    planned: seed.SeedNodePlan, prefix: str, dual_stack: bool = False, second_pool: bool = False
) -> NodePlan:
    index = planned.index + 1
    block = ipaddress.IPv4Network(planned.pod_cidr)
    ipv6: dict[str, str] = {}
    if dual_stack:
        # The IPv4 host number's digits (10.0.0.11 -> fd00:10::11) and one /64 pod block per
        # node inside the /56 (fd00:10:244:<index-1>::/64).
        pods6 = ipaddress.IPv6Network(seed.POD_SUBNET6)
        block6 = ipaddress.IPv6Network((int(pods6.network_address) + (planned.index << 64), 64))
        ipv6 = {"ip6": seed.ipv6_address_of(planned.ip), "pod_cidr6": str(block6)}
    return NodePlan(
        index=index,
        name=planned.name,
        role="control-plane" if planned.control_plane else "worker",
        netns=f"{prefix}n{index}",
        ip=planned.ip,
        mac=planned.mac,
        tap=f"ks-tap-n{index}",
        tap_mac="fe" + planned.mac[2:],
        pod_cidr=planned.pod_cidr,
        vtep_ip=str(block.network_address),
        vtep_mac=f"66:6b:73:00:{index // 100:02d}:{index % 100:02d}",
        pod_cidr2=seed.pod_cidr_of(planned.index, SECOND_POOL) if second_pool else None,
        **ipv6,
    )


def _pod_plans(node: NodePlan, prefix: str, pods_per_node: int) -> list[PodPlan]:
    """The node's pods: echo pods, except that the first pod of node 1 is CoreDNS."""
    block = ipaddress.IPv4Network(node.pod_cidr)
    block6 = ipaddress.IPv6Network(node.pod_cidr6) if node.pod_cidr6 else None
    pods = []
    for pod_index in range(1, pods_per_node + 1):
        is_dns = node.index == 1 and pod_index == 1
        pods.append(
            PodPlan(
                name="coredns-0" if is_dns else f"echo-{node.short_name}-{pod_index}",
                namespace="kube-system" if is_dns else "demo",
                node=node.name,
                node_index=node.index,
                index=pod_index,
                netns=f"{prefix}n{node.index}p{pod_index}",
                ip=str(block.network_address + 10 + pod_index),
                host_veth=f"ks-cali{pod_index}",
                app="coredns" if is_dns else "echo",
                # The IPv4 host number's digits again: 10.244.1.11 -> fd00:10:244:1::11.
                ip6=str(block6.network_address + int(str(10 + pod_index), 16)) if block6 else None,
            )
        )
    if node.pod_cidr2:  # one echo pod of the second pool, after the others
        index = pods_per_node + 1
        pods.append(
            PodPlan(
                name=f"echo-{node.short_name}-pool2",
                namespace="demo",
                node=node.name,
                node_index=node.index,
                index=index,
                netns=f"{prefix}n{node.index}p{index}",
                ip=str(ipaddress.IPv4Network(node.pod_cidr2).network_address + 11),
                host_veth=f"ks-cali{index}",
                app="echo",
                pool=SECOND_POOL_NAME,
            )
        )
    return pods


def _services(control_plane: NodePlan, dns_pod: PodPlan) -> tuple[ServicePlan, ...]:
    """The `kubernetes` service (to the API server) and `kube-dns` (to the CoreDNS pod).

    In a dual-stack lab both are PreferDualStack: kube-dns at fd00:10:96::a
    (the tenth address as for IPv4), `kubernetes` at fd00:10:96::1 (the first)
    to the control plane's IPv6 address, as an operator makes them to reach
    both over IPv6 (`kubectl patch` of ipFamilyPolicy; the API server creates
    `kubernetes` with its primary family only).
    """
    return (
        ServicePlan(
            name="kubernetes",
            namespace="default",
            cluster_ip=seed.KUBERNETES_SERVICE_IP,
            cluster_ip6=seed.KUBERNETES_SERVICE_IP6 if control_plane.ip6 else None,
            ports=(
                ServicePort(
                    name="https",
                    port=443,
                    protocol="TCP",
                    target_ip=control_plane.ip,
                    target_ip6=control_plane.ip6,
                    target_port=6443,
                ),
            ),
        ),
        ServicePlan(
            name="kube-dns",
            namespace="kube-system",
            cluster_ip=seed.CLUSTER_DNS_IP,
            cluster_ip6=seed.CLUSTER_DNS_IP6 if dns_pod.ip6 else None,
            ports=tuple(  # DNS over UDP and over TCP, as kube-dns serves it
                ServicePort(
                    name=name,
                    port=53,
                    protocol=protocol,
                    target_ip=dns_pod.ip,
                    target_ip6=dns_pod.ip6,
                    target_port=53,
                )
                for name, protocol in (("dns", "UDP"), ("dns-tcp", "TCP"))
            ),
        ),
    )


def _dual_stack_services(pods: list[PodPlan]) -> tuple[ServicePlan, ...]:
    """demo/echo, dual-stack, to the first echo pod of the last node (dual-stack labs only)."""
    if not pods or pods[0].ip6 is None:
        return ()
    last_node = pods[-1].node
    target = next(p for p in pods if p.node == last_node and p.app == "echo")
    return (
        ServicePlan(
            name="echo",
            namespace="demo",
            cluster_ip=seed.ECHO_SERVICE_IP,
            cluster_ip6=seed.ECHO_SERVICE_IP6,
            selector=(("kostack.io/lab-echo", "service"),),
            ports=(
                ServicePort(
                    name="http",
                    port=80,
                    protocol="TCP",
                    target_ip=target.ip,
                    target_ip6=target.ip6,
                    target_port=8080,
                ),
            ),
        ),
    )


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
    dual_stack: bool = False,
    second_pool: bool = False,
    cni: CNI = "calico",
) -> Topology:
    """Lay out a lab of `nodes` nodes (1 control plane + workers), `pods_per_node` pods each.

    The VM NIC MTU defaults to the network's (the VM was told the MTU); the
    pod MTU is what Calico's auto-detection picks: VM NIC MTU minus the
    encapsulation overhead (50 for VXLAN, even in CrossSubnet mode).

    `dual_stack` gives every node an IPv6 address on the network's IPv6
    subnet and an IPv6 pod block, every pod an IPv6 address; IPv6 pod traffic
    is routed natively (Calico's vxlanModeV6 CrossSubnet in one subnet), so a
    dual-stack lab needs an encapsulation that is native within the subnet.
    `second_pool` adds a second IPv4 pool (`SECOND_POOL`, routed natively): a block of it
    on every node and one echo pod in it per node.

    `cni` "canal": flannel's VXLAN between the nodes (`encapsulation` must be VXLAN), IPv4
    only, one pool; the pod MTU is the NIC's, as Felix picks it with no Calico encapsulation
    enabled (`felix/dataplane/linux/int_dataplane.go` `determinePodMTU`), flannel.1's the NIC's
    minus 50. `cni` "antrea": hybrid mode, every node in one subnet, so routed natively
    (`encapsulation` must be none), IPv4 only; the pod MTU is the NIC's minus Geneve's 50, as
    the agent deducts the tunnel in hybrid mode too (`node_config.go` `CalculateMTUDeduction`).
    """
    if cni == "canal" and (encapsulation is not Encapsulation.VXLAN or dual_stack or second_pool):
        raise ValueError("a Canal lab is flannel VXLAN, IPv4, one pool")
    if cni == "antrea" and (encapsulation is not Encapsulation.NONE or dual_stack or second_pool):
        raise ValueError("an Antrea lab is hybrid in one subnet (routed natively), IPv4, one pool")
    if dual_stack and encapsulation.encapsulates(True):
        raise ValueError("a dual-stack lab routes IPv6 natively: use none or vxlan-cross-subnet")
    if not 2 <= nodes <= MAX_NODES:
        raise ValueError(f"nodes must be between 2 and {MAX_NODES}, not {nodes}")
    if not 1 <= pods_per_node <= MAX_PODS_PER_NODE:
        raise ValueError(f"pods_per_node must be between 1 and {MAX_PODS_PER_NODE}")
    netns.check_netns_name(prefix + "hv")
    nic_mtu = network_mtu if vm_nic_mtu is None else vm_nic_mtu
    overhead = {"canal": 0, "antrea": 50}.get(cni, encapsulation.overhead)
    veth_mtu = nic_mtu - overhead if pod_mtu is None else pod_mtu
    flannel = (
        {"vxlan_device": FLANNEL_DEVICE, "vxlan_vni": 1, "vxlan_port": 8472}
        if cni == "canal"
        else {}
    )
    node_plans = [
        _node_plan(planned, prefix, dual_stack, second_pool)
        for planned in seed.seed_nodes(nodes, subnet_cidr=seed.NODE_SUBNET_CIDR)
    ]
    pod_plans = [pod for node in node_plans for pod in _pod_plans(node, prefix, pods_per_node)]
    return Topology(
        prefix=prefix,
        hv_netns=f"{prefix}hv",
        router_netns=f"{prefix}rt",
        internet_netns=f"{prefix}inet",
        network_mtu=network_mtu,
        vm_nic_mtu=nic_mtu,
        pod_mtu=veth_mtu,
        encapsulation=encapsulation,
        cni=cni,
        nat_outgoing=nat_outgoing,
        router_routes_to_pods=router_routes_to_pods,
        **flannel,
        network_cidr6=seed.NODE_SUBNET6_CIDR if dual_stack else None,
        pod_cidr6=seed.POD_SUBNET6 if dual_stack else None,
        pod_cidr2=SECOND_POOL if second_pool else None,
        nodes=tuple(node_plans),
        pods=tuple(pod_plans),
        services=_services(node_plans[0], pod_plans[0]) + _dual_stack_services(pod_plans),
    )
