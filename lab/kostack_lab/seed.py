"""The seed incident's topology, defined once.

One cloud and one cluster: a VXLAN tenant network `k8s-net` (MTU 1450) with
subnet `k8s-subnet` 10.0.0.0/24 behind router `k8s-router` (gateway on the flat
external network `public`, 203.0.113.0/24); node VMs `k8s-cp-1`, `k8s-w-1` ...
at 10.0.0.11, .12 ... whose ports carry the project's `default` group and
`k8s-nodes` (ingress tcp/22, tcp/6443 and icmp from anywhere); kubeadm with
pod subnet 10.244.0.0/16 (node N gets 10.244.N.0/24) and service subnet
10.96.0.0/12.

Everything that shows this topology derives it from here: the lab's network
(`topology.py`), its scenarios' Neutron and Kubernetes views
(`scenarios.py`), the seeding of a real Neutron (`neutron_seed.py`) and the
test fixtures and snapshot builders (kostack_testkit). Pure data; no I/O.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CLUSTER_DNS_IP",
    "CLUSTER_DNS_IP6",
    "CONTROL_PLANE_PREFIX",
    "DEFAULT_GROUP",
    "DEFAULT_GROUP_RULES",
    "DNS_DOMAIN",
    "ECHO_SERVICE_IP",
    "ECHO_SERVICE_IP6",
    "FIRST_NODE_HOST",
    "KUBERNETES_SERVICE_IP",
    "KUBERNETES_SERVICE_IP6",
    "KUBERNETES_VERSION",
    "NETWORK_MTU",
    "NETWORK_NAME",
    "NEW_GROUP_RULES",
    "NODES_GROUP",
    "NODES_GROUP_DESCRIPTION",
    "NODES_GROUP_RULES",
    "NODE_SUBNET6_CIDR",
    "NODE_SUBNET_CIDR",
    "POD_SUBNET",
    "POD_SUBNET6",
    "PUBLIC_CIDR",
    "PUBLIC_CIDR6",
    "PUBLIC_GATEWAY_IP",
    "PUBLIC_GATEWAY_IP6",
    "PUBLIC_NETWORK_NAME",
    "PUBLIC_SUBNET_NAME",
    "ROUTER6_MAC",
    "ROUTER_NAME",
    "SECOND_SUBNET_CIDR",
    "SECOND_SUBNET_NAME",
    "SEED_NODE_COUNT",
    "SERVICE_SUBNET",
    "SERVICE_SUBNET6",
    "SUBNET6_ADDRESS_MODE",
    "SUBNET6_NAME",
    "SUBNET6_RA_MODE",
    "SUBNET_NAME",
    "WORKER_PREFIX",
    "RuleSpec",
    "SeedNodePlan",
    "ipv6_address_of",
    "node_device_id",
    "node_mac",
    "node_names",
    "pod_cidr_of",
    "router_mac",
    "seed_nodes",
    "subnet_for",
]

SEED_NODE_COUNT: Final = 4  # k8s-cp-1 and three workers
CONTROL_PLANE_PREFIX: Final = "k8s-cp-"
WORKER_PREFIX: Final = "k8s-w-"

# OpenStack side
NETWORK_NAME: Final = "k8s-net"
NETWORK_MTU: Final = 1450  # what Neutron gives a VXLAN network on a 1500 underlay
SUBNET_NAME: Final = "k8s-subnet"
NODE_SUBNET_CIDR: Final = "10.0.0.0/24"
# Dual-stack labs: an IPv6 subnet on the same network (ULA, RFC 4193: never routed), node
# k8s-cp-1 at ::11 as in IPv4, and kubeadm's dual-stack podSubnet second half.
SUBNET6_NAME: Final = "k8s-subnet-v6"
NODE_SUBNET6_CIDR: Final = "fd00:10::/64"
# Neutron's router advertises the subnet (M flag: addresses from DHCPv6, prefix not
# autonomous), so the subnet can be a router interface (neutron/db/l3_db.py refuses one
# with an address mode but no RA mode: "configured to receive RAs from an external router").
SUBNET6_RA_MODE: Final = "dhcpv6-stateful"
SUBNET6_ADDRESS_MODE: Final = "dhcpv6-stateful"
# The router's own port on the IPv6 subnet in the lab's built-in description (Neutron gives
# that port a MAC of its own; "f6" is never a node MAC, whose octets read as decimal digits).
ROUTER6_MAC: Final = "fa:16:3e:f6:00:01"
SECOND_SUBNET_NAME: Final = "k8s-subnet-2"
SECOND_SUBNET_CIDR: Final = "10.1.0.0/24"
FIRST_NODE_HOST: Final = 11  # k8s-cp-1 is 10.0.0.11; the gateway (router) is .1
ROUTER_NAME: Final = "k8s-router"
PUBLIC_NETWORK_NAME: Final = "public"
PUBLIC_SUBNET_NAME: Final = "public-subnet"
PUBLIC_CIDR: Final = "203.0.113.0/24"  # TEST-NET-3 (RFC 5737): never a real network
PUBLIC_GATEWAY_IP: Final = "203.0.113.1"
# The lab's IPv6 outside (dual-stack labs): documentation prefix (RFC 3849), never routed.
PUBLIC_CIDR6: Final = "2001:db8:113::/64"
PUBLIC_GATEWAY_IP6: Final = "2001:db8:113::1"
DEFAULT_GROUP: Final = "default"
NODES_GROUP: Final = "k8s-nodes"
NODES_GROUP_DESCRIPTION: Final = "Kubernetes nodes: SSH, API server, ping"

# Kubernetes side (kubeadm defaults where kubeadm has one)
KUBERNETES_VERSION: Final = "v1.33.5"
POD_SUBNET: Final = "10.244.0.0/16"
POD_SUBNET6: Final = "fd00:10:244::/56"  # kubeadm podSubnet "10.244.0.0/16,fd00:10:244::/56"
SERVICE_SUBNET: Final = "10.96.0.0/12"
# Dual-stack: kubeadm serviceSubnet "10.96.0.0/12,fd00:10:96::/112", and the lab's
# dual-stack Services (demo/echo, kube-dns, kubernetes; PreferDualStack) at these ClusterIPs.
SERVICE_SUBNET6: Final = "fd00:10:96::/112"
ECHO_SERVICE_IP: Final = "10.96.0.20"
ECHO_SERVICE_IP6: Final = "fd00:10:96::20"
KUBERNETES_SERVICE_IP6: Final = "fd00:10:96::1"  # `kubernetes` made PreferDualStack
CLUSTER_DNS_IP6: Final = "fd00:10:96::a"  # kube-dns made PreferDualStack: the tenth address
KUBERNETES_SERVICE_IP: Final = "10.96.0.1"  # first address of the service subnet
CLUSTER_DNS_IP: Final = "10.96.0.10"  # kubeadm's tenth address
DNS_DOMAIN: Final = "cluster.local"

# Node device ids (the Nova server ids) are uuid5(NAMESPACE_URL, "kostack-seed/" + name);
# the Kubernetes providerID is `openstack:///<device id>`.
_DEVICE_PREFIX: Final = "kostack-seed/"


class RuleSpec(BaseModel):
    """A security-group rule as Neutron stores it; `remote_group` names a group of the cloud.

    `label` names the rule where the seed refers to it (the rule ids `seed_topology`
    returns); the lab's scenarios use the same type for their own rules.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    direction: Literal["ingress", "egress"]
    ethertype: Literal["IPv4", "IPv6"] = "IPv4"
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group: str | None = None
    label: str = ""


# What Neutron gives every new group (egress anywhere) and, in addition, the
# project's `default` group (ingress from its own members): the security-group
# default-rule templates of Neutron's migration c33da356b165.
NEW_GROUP_RULES: Final = (
    RuleSpec(direction="egress", ethertype="IPv4"),
    RuleSpec(direction="egress", ethertype="IPv6"),
)
DEFAULT_GROUP_RULES: Final = (
    *NEW_GROUP_RULES,
    RuleSpec(direction="ingress", ethertype="IPv4", remote_group=DEFAULT_GROUP),
    RuleSpec(direction="ingress", ethertype="IPv6", remote_group=DEFAULT_GROUP),
)
# The ingress rules the operator added to `k8s-nodes` (on top of NEW_GROUP_RULES).
NODES_GROUP_RULES: Final = (
    RuleSpec(label="ssh", direction="ingress", protocol="tcp", port_range_min=22,
             port_range_max=22, remote_ip_prefix="0.0.0.0/0"),
    RuleSpec(label="kube-apiserver", direction="ingress", protocol="tcp",
             port_range_min=6443, port_range_max=6443, remote_ip_prefix="0.0.0.0/0"),
    RuleSpec(label="icmp", direction="ingress", protocol="icmp", remote_ip_prefix="0.0.0.0/0"),
)  # fmt: skip


@dataclass(frozen=True)
class SeedNodePlan:
    """One node VM of the seed: its name, port address and MAC, server id and pod range."""

    index: int  # 0 for the control plane, then the workers in order
    name: str
    control_plane: bool
    ip: str
    mac: str
    subnet_cidr: str
    subnet_index: int  # 0: k8s-subnet, 1: k8s-subnet-2

    @property
    def pod_cidr(self) -> str:
        """The node's pod range: 10.244.<index>.0/24 (ValueError past the 256th node)."""
        return pod_cidr_of(self.index)

    @property
    def device_id(self) -> str:
        """The Nova server id: the port's device_id."""
        return node_device_id(self.name)

    @property
    def provider_id(self) -> str:
        """The Kubernetes providerID the OpenStack cloud provider sets."""
        return f"openstack:///{self.device_id}"

    @property
    def gateway_ip(self) -> str:
        """The router's address on the node's subnet."""
        return str(ipaddress.IPv4Network(self.subnet_cidr).network_address + 1)


def node_device_id(node_name: str) -> str:
    """The deterministic server (device) id of a node: uuid5 of its name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, _DEVICE_PREFIX + node_name))


def node_names(nodes: int) -> tuple[str, ...]:
    """`k8s-cp-1` then workers `k8s-w-1` ... `k8s-w-(nodes-1)`."""
    if nodes < 1:
        raise ValueError(f"a cluster needs at least one node, not {nodes}")
    return (f"{CONTROL_PLANE_PREFIX}1", *(f"{WORKER_PREFIX}{n}" for n in range(1, nodes)))


def node_mac(host_number: int, *, subnet_index: int = 0) -> str:
    """MAC whose last digits read like the node's host number.

    Host 11 -> fa:16:3e:00:00:11, 210 -> fa:16:3e:00:02:10, 1234 ->
    fa:16:3e:00:12:34 (decimal digits are valid hex). The fourth octet holds
    the subnet index so MACs stay unique across the second subnet.
    """
    if not 0 <= host_number <= 9999 or not 0 <= subnet_index <= 99:
        raise ValueError(f"host number {host_number} / subnet {subnet_index} out of range")
    digits = f"{subnet_index:02d}{host_number:04d}"
    return "fa:16:3e:" + ":".join(digits[i : i + 2] for i in range(0, 6, 2))


def router_mac(subnet_index: int = 0) -> str:
    """The MAC of the router's interface on a seed subnet (host 1 of it)."""
    return node_mac(1, subnet_index=subnet_index)


def ipv6_address_of(ipv4: str) -> str:
    """A node's IPv6 fixed IP on `k8s-subnet-v6`: the IPv4 host number's digits (.11 -> ::11)."""
    subnet6 = ipaddress.IPv6Network(NODE_SUBNET6_CIDR)
    return str(subnet6.network_address + int(ipv4.rsplit(".", 1)[1], 16))


def pod_cidr_of(index: int, pod_subnet: str = POD_SUBNET) -> str:
    """The /24 pod range of the node at `index` (0-based): 10.244.<index>.0/24."""
    network = ipaddress.IPv4Network(pod_subnet)
    block = ipaddress.IPv4Network((int(network.network_address) + index * 256, 24))
    if not block.subnet_of(network):
        raise ValueError(f"node {index} has no /24 left in {pod_subnet}")
    return str(block)


def subnet_for(nodes: int, base: str = NODE_SUBNET_CIDR) -> ipaddress.IPv4Network:
    """The smallest subnet (from /24 widening to /16) holding `nodes` node IPs from .11."""
    network = ipaddress.IPv4Network(base)
    last = network.network_address + FIRST_NODE_HOST + nodes - 1
    prefix = network.prefixlen
    while last >= ipaddress.IPv4Network((network.network_address, prefix)).broadcast_address:
        prefix -= 1
        if prefix < 16:
            raise ValueError(f"{nodes} nodes do not fit in a /16 from {network.network_address}")
    return ipaddress.IPv4Network((network.network_address, prefix))


def seed_nodes(
    nodes: int = SEED_NODE_COUNT,
    *,
    subnet_cidr: str | None = None,
    second_subnet_nodes: int = 0,
) -> tuple[SeedNodePlan, ...]:
    """The node VMs of a seed cluster with `nodes` nodes.

    Nodes get consecutive host numbers from .11 of `k8s-subnet` (widened towards
    /16 when they do not fit, or `subnet_cidr`); `second_subnet_nodes` puts the
    last that many workers on `k8s-subnet-2`, again from .11.
    """
    if not 0 <= second_subnet_nodes < nodes:
        raise ValueError("second_subnet_nodes must leave the control-plane node on k8s-subnet")
    first_nodes = nodes - second_subnet_nodes
    first = ipaddress.IPv4Network(subnet_cidr) if subnet_cidr else subnet_for(first_nodes)
    second = subnet_for(second_subnet_nodes, SECOND_SUBNET_CIDR) if second_subnet_nodes else None
    plans = []
    for index, name in enumerate(node_names(nodes)):
        on_second = index >= first_nodes
        network = second if on_second and second is not None else first
        host = FIRST_NODE_HOST + (index - first_nodes if on_second else index)
        subnet_index = 1 if on_second else 0
        plans.append(
            SeedNodePlan(
                index=index,
                name=name,
                control_plane=index == 0,
                ip=str(network.network_address + host),
                mac=node_mac(host, subnet_index=subnet_index),
                subnet_cidr=str(network),
                subnet_index=subnet_index,
            )
        )
    return tuple(plans)
