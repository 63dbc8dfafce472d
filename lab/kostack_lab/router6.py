"""The lab router's IPv6 side, taken from the Neutron router interface on the IPv6 subnet.

Neutron gives a router one port per IPv6 subnet it is attached to
(``neutron/db/l3_db.py`` ``_add_interface_by_subnet``: the subnet's gateway
IP on a new port with its own MAC, device_owner
``network:router_interface``), and its L3 agent runs radvd on that port
(``neutron/agent/linux/ra.py``): every attached IPv6 subnet is advertised,
so the instances take their IPv6 default route from the router's RAs (via
the port's link-local address); with ``ipv6_ra_mode`` dhcpv6-stateful the
RA carries the M flag and a non-autonomous prefix, so the address itself
comes from DHCPv6 (the port's fixed IP, which the lab configures as is).
An IPv6 subnet with an address mode but no RA mode cannot be attached
(l3_db ``_validate_subnet_address_mode``): its RAs would come from a
router outside Neutron, which the lab does not have, so its nodes get no
IPv6 default route.

The lab renders that state instead of sending RAs: the router namespace
gets the port's address (and the link-local address of the port's MAC),
IPv6 routes back to the pod blocks when the router has them, and every
node an IPv6 default route via that link-local address, ``proto ra`` as
the kernel marks a route learnt from an RA. Nothing here leaves the lab's
namespaces.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kostack_lab import netns
from kostack_lab.portsec_ipv6 import link_local
from kostack_lab.topology_layout import NODE_NIC, Topology

__all__ = ["Router6", "configure_router6", "find_router6", "plan_router6"]

# What Neutron's routers own on a tenant network (neutron_lib constants ROUTER_INTERFACE_OWNERS).
_ROUTER_OWNERS = frozenset(
    {
        "network:router_interface",
        "network:router_interface_distributed",
        "network:ha_router_replicated_interface",
    }
)


@dataclass(frozen=True)
class Router6:
    """The router interface on the lab's IPv6 subnet: its address and MAC."""

    address: str
    mac: str

    @property
    def link_local(self) -> str:
        """The port's EUI-64 link-local address: the source of its RAs, the nodes' next hop."""
        return link_local(self.mac)


def find_router6(topo: Topology, ports: Sequence[Mapping[str, Any]]) -> Router6 | None:
    """The router interface port holding an address of the lab's IPv6 subnet, if any."""
    if topo.network_cidr6 is None:
        return None
    subnet = ipaddress.IPv6Network(topo.network_cidr6)
    for port in sorted(ports, key=lambda p: str(p.get("id"))):
        if str(port.get("device_owner") or "") not in _ROUTER_OWNERS:
            continue
        for fixed in port.get("fixed_ips") or []:
            address = ipaddress.ip_address(str(fixed.get("ip_address")))
            if address.version == 6 and address in subnet:
                return Router6(str(address), str(port.get("mac_address") or ""))
    return None


@dataclass(frozen=True)
class Router6Setup:
    """`ip` lines for the router namespace and for every node namespace."""

    router_lines: tuple[str, ...]
    node_lines: tuple[str, ...]


def plan_router6(topo: Topology, router: Router6) -> Router6Setup:
    """The router's tenant-side IPv6 address and pod routes; the nodes' RA-learnt default route."""
    assert topo.network_cidr6 is not None  # find_router6 found one
    length = ipaddress.IPv6Network(topo.network_cidr6).prefixlen
    lines = [f"addr add {router.address}/{length} dev {NODE_NIC} nodad"]
    next_hop = router.link_local
    if router.mac and next_hop != link_local(topo.router_mac):
        # Neutron's IPv6 port has its own MAC; the lab's router has one NIC, so it
        # answers for that port's link-local address too.
        lines.append(f"addr add {next_hop}/64 dev {NODE_NIC} nodad")
    if topo.router_routes_to_pods:
        # The cloud controller's route controller adds a route per family and node.
        lines += [
            f"route add {n.pod_cidr6} via {n.ip6} dev {NODE_NIC}"
            for n in topo.nodes
            if n.pod_cidr6 and n.ip6
        ]
    node_lines = (f"route replace default via {next_hop} dev {NODE_NIC} proto ra",)
    return Router6Setup(router_lines=tuple(lines), node_lines=node_lines)


def configure_router6(topo: Topology, ports: Sequence[Mapping[str, Any]]) -> Router6 | None:
    """Give the router and the nodes their IPv6 side from `ports`; None when there is none."""
    router = find_router6(topo, ports)
    if router is None:
        return None
    setup = plan_router6(topo, router)
    netns.ip_batch(topo.router_netns, list(setup.router_lines))
    netns.run_parallel(
        [_job(node.netns, setup.node_lines) for node in topo.nodes if node.ip6 is not None]
    )
    return router


def _job(namespace: str, lines: Sequence[str]) -> Any:
    def job() -> None:
        netns.ip_batch(namespace, list(lines))

    return job
