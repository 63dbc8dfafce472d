"""Put the seed incident's cloud (lab/seed.py) into a real Neutron, through openstacksdk.

`seed_topology(endpoint)` creates the networks, router, security groups and
node ports exactly as an operator's script would, and returns every id it
made; `kostack lab` then binds its VMs to those ports, and
`agent.apply_scenario` changes their port security per scenario.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kostack_lab import seed
from kostack_lab.neutron import openstack_connection

__all__ = ["SeedIds", "SeedNode", "ensure_ipv6", "seed_topology"]


@dataclass(frozen=True)
class SeedNode:
    """One node of the seeded cluster: its Neutron port and server identity."""

    name: str
    port_id: str
    device_id: str
    ip_address: str
    mac_address: str
    subnet_id: str
    ip6_address: str | None = None  # dual-stack seeds: the port's IPv6 fixed IP

    @property
    def provider_id(self) -> str:
        """The Kubernetes providerID the OpenStack cloud provider would set."""
        return f"openstack:///{self.device_id}"


@dataclass(frozen=True)
class SeedIds:
    """Every id `seed_topology` created, for tests and the lab to refer to."""

    project_id: str
    public_network_id: str
    public_subnet_id: str
    network_id: str
    subnet_id: str
    second_subnet_id: str | None
    router_id: str
    router_gateway_port_id: str
    router_interface_port_ids: tuple[str, ...]
    default_sg_id: str
    nodes_sg_id: str
    nodes_sg_rule_ids: Mapping[str, str]
    nodes: tuple[SeedNode, ...]
    subnet6_id: str | None = None  # dual-stack seeds: `k8s-subnet-v6`
    port_ids: Mapping[str, str] = field(init=False)
    device_ids: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # Derived lookups by node name; read-only so the record stays frozen in spirit.
        object.__setattr__(
            self, "port_ids", MappingProxyType({n.name: n.port_id for n in self.nodes})
        )
        object.__setattr__(
            self, "device_ids", MappingProxyType({n.name: n.device_id for n in self.nodes})
        )

    def node(self, name: str) -> SeedNode:
        """The node called `name`."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)


def _subnet(net_api: Any, name: str, network_id: str, cidr: ipaddress.IPv4Network) -> Any:
    return net_api.create_subnet(
        name=name,
        network_id=network_id,
        ip_version=4,
        cidr=str(cidr),
        gateway_ip=str(cidr.network_address + 1),
    )


def ensure_ipv6(net_api: Any, network_id: str, ports: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """The IPv6 subnet `k8s-subnet-v6` on the network, and an IPv6 fixed IP on every port.

    `ports` maps node names to openstacksdk ports (with their IPv4 fixed IP).
    The subnet is created when missing: fd00:10::/64, gateway fd00:10::1,
    ipv6_ra_mode and ipv6_address_mode dhcpv6-stateful (addresses assigned
    by Neutron's DHCPv6, no SLAAC address added to ports; Neutron's router
    advertises the subnet), and attached to `k8s-router` when the cloud has
    it (Neutron makes the router a port of its own at the gateway IP; an
    older subnet without an RA mode cannot be attached and stays without
    one). Returns the subnet and what was changed.
    """
    changes: list[str] = []
    found = list(net_api.subnets(name=seed.SUBNET6_NAME, network_id=network_id))
    if found:
        subnet6 = found[0]
    else:
        cidr = ipaddress.IPv6Network(seed.NODE_SUBNET6_CIDR)
        subnet6 = net_api.create_subnet(
            name=seed.SUBNET6_NAME,
            network_id=network_id,
            ip_version=6,
            cidr=str(cidr),
            gateway_ip=str(cidr.network_address + 1),
            ipv6_ra_mode=seed.SUBNET6_RA_MODE,
            ipv6_address_mode=seed.SUBNET6_ADDRESS_MODE,
            is_dhcp_enabled=True,
        )
        changes.append(f"created IPv6 subnet {seed.SUBNET6_NAME} {cidr}")
    changes += _attach_to_router(net_api, network_id, subnet6)
    for name, port in ports.items():
        fixed = list(port.fixed_ips or [])
        if any(entry.get("subnet_id") == subnet6.id for entry in fixed):
            continue
        ipv4 = next(
            e["ip_address"] for e in fixed if ipaddress.ip_address(e["ip_address"]).version == 4
        )
        wanted = {"subnet_id": subnet6.id, "ip_address": seed.ipv6_address_of(ipv4)}
        net_api.update_port(port.id, fixed_ips=[*fixed, wanted])
        changes.append(f"added IPv6 fixed IP {wanted['ip_address']} to {name}")
    return subnet6, changes


def _attach_to_router(net_api: Any, network_id: str, subnet6: Any) -> list[str]:
    """Attach the IPv6 subnet to `k8s-router` unless it is attached or cannot be."""
    if not subnet6.ipv6_ra_mode:  # RAs from a router outside Neutron: l3_db refuses it
        return []
    routers = list(net_api.routers(name=seed.ROUTER_NAME))
    if not routers:
        return []
    owned = net_api.ports(
        device_id=routers[0].id, device_owner="network:router_interface", network_id=network_id
    )
    if any(e.get("subnet_id") == subnet6.id for p in owned for e in p.fixed_ips or []):
        return []
    net_api.add_interface_to_router(routers[0], subnet6.id)  # positional: subnet_id
    return [f"attached {seed.SUBNET6_NAME} to {seed.ROUTER_NAME}"]


def seed_topology(
    endpoint: str,
    nodes: int = seed.SEED_NODE_COUNT,
    *,
    second_subnet_nodes: int = 0,
    dual_stack: bool = False,
) -> SeedIds:
    """Create the seed incident's cloud (lab/seed.py) through openstacksdk; return its ids.

    - `public`: external flat network, subnet 203.0.113.0/24 (no DHCP);
    - `k8s-net`: VXLAN tenant network (MTU 1450 from Neutron), port security
      on, subnet `k8s-subnet` 10.0.0.0/24 gateway 10.0.0.1 (widened towards
      /16 when the node IPs do not fit);
    - `k8s-router`: gateway on `public`, an interface on each k8s subnet (at
      its gateway IP, MAC fa:16:3e:00:00:01 as in the network lab);
    - the project's `default` group as Neutron creates it, and `k8s-nodes`
      with the seed's ingress rules (tcp/22, tcp/6443, icmp from 0.0.0.0/0);
    - one port per node (`seed.seed_nodes`): name, IP, MAC and device_id of
      the node, groups default + k8s-nodes, no allowed pairs, device_owner
      compute:nova.

    `second_subnet_nodes` puts the last that many workers on a second subnet
    `k8s-subnet-2` (on the same network and router) for
    cross-subnet scenarios; their IPs start at .11 of that subnet.

    `dual_stack` adds the IPv6 subnet `k8s-subnet-v6` fd00:10::/64 to
    `k8s-net` and an IPv6 fixed IP to every node port (`ensure_ipv6`).
    """
    plans = seed.seed_nodes(nodes, second_subnet_nodes=second_subnet_nodes)
    net_api = openstack_connection(endpoint).network
    public, public_subnet = _public_network(net_api)
    network = net_api.create_network(name=seed.NETWORK_NAME, is_port_security_enabled=True)
    first_cidr = ipaddress.IPv4Network(plans[0].subnet_cidr)
    subnets = [_subnet(net_api, seed.SUBNET_NAME, network.id, first_cidr)]
    if second_subnet_nodes:
        second_cidr = ipaddress.IPv4Network(plans[-1].subnet_cidr)
        subnets.append(_subnet(net_api, seed.SECOND_SUBNET_NAME, network.id, second_cidr))
    router, interface_port_ids = _router(net_api, public.id, network.id, subnets)
    gateway_ports = list(net_api.ports(device_id=router.id, device_owner="network:router_gateway"))
    project_id = str(network.project_id)
    # Listing groups makes Neutron create the project's `default` group if needed.
    default_sg = next(iter(net_api.security_groups(name=seed.DEFAULT_GROUP, project_id=project_id)))
    nodes_sg, rule_ids = _nodes_group(net_api)
    seeded_nodes = _node_ports(net_api, plans, network.id, subnets, (default_sg.id, nodes_sg.id))
    subnet6_id: str | None = None
    if dual_stack:
        by_name = {
            p.name: p for p in net_api.ports(network_id=network.id, device_owner="compute:nova")
        }
        subnet6, _changes = ensure_ipv6(net_api, str(network.id), by_name)
        subnet6_id = str(subnet6.id)
        seeded_nodes = tuple(
            SeedNode(**{**vars(n), "ip6_address": seed.ipv6_address_of(n.ip_address)})
            for n in seeded_nodes
        )
    return SeedIds(
        project_id=project_id,
        public_network_id=str(public.id),
        public_subnet_id=str(public_subnet.id),
        network_id=str(network.id),
        subnet_id=str(subnets[0].id),
        second_subnet_id=str(subnets[1].id) if len(subnets) > 1 else None,
        router_id=str(router.id),
        router_gateway_port_id=str(gateway_ports[0].id) if gateway_ports else "",
        router_interface_port_ids=tuple(interface_port_ids),
        default_sg_id=str(default_sg.id),
        nodes_sg_id=str(nodes_sg.id),
        nodes_sg_rule_ids=MappingProxyType(rule_ids),
        nodes=seeded_nodes,
        subnet6_id=subnet6_id,
    )


def _public_network(net_api: Any) -> tuple[Any, Any]:
    """The external flat network `public` and its subnet (no DHCP)."""
    public = net_api.create_network(
        name=seed.PUBLIC_NETWORK_NAME,
        is_router_external=True,
        provider_network_type="flat",
        provider_physical_network="public",
    )
    public_subnet = net_api.create_subnet(
        name=seed.PUBLIC_SUBNET_NAME,
        network_id=public.id,
        ip_version=4,
        cidr=seed.PUBLIC_CIDR,
        gateway_ip=seed.PUBLIC_GATEWAY_IP,
        is_dhcp_enabled=False,
    )
    return public, public_subnet


def _router(
    net_api: Any, public_id: str, network_id: str, subnets: list[Any]
) -> tuple[Any, list[str]]:
    """`k8s-router`, gateway on `public`, an interface at each subnet's gateway IP."""
    router = net_api.create_router(
        name=seed.ROUTER_NAME, external_gateway_info={"network_id": public_id}
    )
    # The router's inside ports get the MACs the network lab gives its router
    # (fa:16:3e:00:00:01, then fa:16:3e:01:00:01 on the second subnet).
    interface_port_ids = []
    for subnet_index, on_subnet in enumerate(subnets):
        interface = net_api.create_port(
            network_id=network_id,
            fixed_ips=[{"subnet_id": on_subnet.id, "ip_address": on_subnet.gateway_ip}],
            mac_address=seed.router_mac(subnet_index),
        )
        # positional: the keyword changed (port_id in openstacksdk 4.0, port in 4.22)
        net_api.add_interface_to_router(router, None, interface.id)
        interface_port_ids.append(str(interface.id))
    return router, interface_port_ids


def _nodes_group(net_api: Any) -> tuple[Any, dict[str, str]]:
    """`k8s-nodes` with the seed's ingress rules; the rule ids by label."""
    nodes_sg = net_api.create_security_group(
        name=seed.NODES_GROUP, description=seed.NODES_GROUP_DESCRIPTION
    )
    rule_ids = {
        rule.label: str(
            net_api.create_security_group_rule(
                security_group_id=nodes_sg.id,
                direction=rule.direction,
                ether_type=rule.ethertype,
                remote_ip_prefix=rule.remote_ip_prefix,
                protocol=rule.protocol,
                port_range_min=rule.port_range_min,
                port_range_max=rule.port_range_max,
            ).id
        )
        for rule in seed.NODES_GROUP_RULES
    }
    return nodes_sg, rule_ids


def _node_ports(
    net_api: Any,
    plans: tuple[seed.SeedNodePlan, ...],
    network_id: str,
    subnets: list[Any],
    group_ids: tuple[str, str],
) -> tuple[SeedNode, ...]:
    """One port per node (name, IP, MAC, device_id of the node), created in one bulk POST."""
    port_specs = [
        {
            "name": plan.name,
            "network_id": network_id,
            "fixed_ips": [{"subnet_id": subnets[plan.subnet_index].id, "ip_address": plan.ip}],
            "mac_address": plan.mac,
            "security_groups": list(group_ids),
            "port_security_enabled": True,
            "allowed_address_pairs": [],
            "device_owner": "compute:nova",
            "device_id": plan.device_id,
        }
        for plan in plans
    ]
    # One bulk POST: Neutron creates them in one request, several times faster.
    by_name = {port.name: port for port in net_api.create_ports(port_specs)}
    return tuple(
        SeedNode(
            name=plan.name,
            port_id=str(by_name[plan.name].id),
            device_id=plan.device_id,
            ip_address=str(by_name[plan.name].fixed_ips[0]["ip_address"]),
            mac_address=str(by_name[plan.name].mac_address),
            subnet_id=str(by_name[plan.name].fixed_ips[0]["subnet_id"]),
        )
        for plan in plans
    )
