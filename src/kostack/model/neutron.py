"""The OpenStack side of a snapshot: Neutron's ports, security groups, networks, subnets and
routers, and the project (`OpenStack`) that holds them with its floating IPs and load balancers.

Part of the snapshot (model/snapshot.py re-exports every record: import them from there).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from kostack.model.loadbalancer import FloatingIP, LoadBalancer, LoadBalancerQuota
from kostack.model.types import CIDR, IP, MAC, Label, Name, Once, Record, StrSet, Text


class FixedIP(Record):
    subnet_id: str | None = None
    ip_address: IP


class AllowedAddressPair(Record):
    """Neutron allowed address pair; ``mac_address`` None means the port's own MAC."""

    ip_address: CIDR
    mac_address: MAC | None = None


class Port(Record):
    id: Name
    name: Label = ""
    network_id: Name
    mac_address: MAC
    fixed_ips: Annotated[tuple[FixedIP, ...], Once] = ()
    allowed_address_pairs: Annotated[tuple[AllowedAddressPair, ...], Once] = ()
    port_security_enabled: bool | None = None
    # false: Neutron passes no packet through the port (docs/facts.md "Port admin state")
    admin_state_up: bool | None = None
    # binding:vnic_type: not "normal" may mean Neutron's firewall does not filter the port
    # (SR-IOV, bare metal: docs/facts.md "Ports Neutron's firewall may not filter")
    vnic_type: Name | None = None
    # binding:vif_type (admin-only): how the port was bound, which tells whether it is filtered
    vif_type: Name | None = None
    security_group_ids: StrSet = ()
    device_id: Name = ""
    device_owner: Name = ""
    revision_number: int | None = None
    status: Name = ""
    project_id: Name | None = None
    # Neutron tags (standard-attr-tag): `kostack guard` marks the pairs it added with them.
    tags: tuple[str, ...] = ()


Direction = Literal["ingress", "egress"]
EtherType = Literal["IPv4", "IPv6"]


class SecurityGroupRule(Record):
    id: Name
    direction: Direction
    ethertype: EtherType = "IPv4"
    protocol: str | None = Field(default=None, max_length=32)
    port_range_min: int | None = Field(default=None, ge=0, le=65535)
    port_range_max: int | None = Field(default=None, ge=0, le=65535)
    remote_ip_prefix: CIDR | None = None
    remote_group_id: str | None = None
    remote_address_group_id: str | None = None
    description: Text = ""


class SecurityGroup(Record):
    id: Name
    name: Label = ""
    project_id: Name | None = None
    revision_number: int | None = None
    stateful: bool = True
    rules: tuple[SecurityGroupRule, ...] = ()


class Network(Record):
    id: Name
    name: Label = ""
    mtu: int | None = Field(default=None, ge=68, le=65535)
    port_security_enabled: bool | None = None
    network_type: Name | None = None
    router_external: bool = False
    project_id: Name | None = None


IPv6Mode = Literal["slaac", "dhcpv6-stateful", "dhcpv6-stateless"]


class AllocationPool(Record):
    """A range Neutron hands fixed IPs from (start and end included)."""

    start: IP
    end: IP


class Subnet(Record):
    id: Name
    name: Label = ""
    network_id: Name
    cidr: CIDR
    gateway_ip: IP | None = None
    # Neutron's ip_version; None in a hand-written snapshot means the CIDR's family.
    ip_version: Literal[4, 6] | None = None
    # IPv6 subnets only: who sends router advertisements and how ports get addresses
    # (None: not set, so no RA from Neutron's router; docs/snapshot.md).
    ipv6_ra_mode: IPv6Mode | None = None
    ipv6_address_mode: IPv6Mode | None = None
    enable_dhcp: bool | None = None
    # None: not collected (a hand-written snapshot): an address's fate is then unknown
    allocation_pools: tuple[AllocationPool, ...] | None = None

    @model_validator(mode="after")
    def _family_agrees(self) -> Subnet:
        if self.ip_version is not None and self.ip_version != self.cidr.version:
            raise ValueError(
                f"ip_version {self.ip_version} but cidr {self.cidr} is IPv{self.cidr.version}"
            )
        if self.cidr.version == 4 and (self.ipv6_ra_mode or self.ipv6_address_mode):
            raise ValueError("ipv6_ra_mode / ipv6_address_mode on an IPv4 subnet")
        if self.gateway_ip is not None and self.gateway_ip.version != self.cidr.version:
            raise ValueError(f"gateway_ip {self.gateway_ip} is not in the family of {self.cidr}")
        return self

    @property
    def version(self) -> int:
        return self.cidr.version


class RouterRoute(Record):
    destination: CIDR
    nexthop: IP


class Router(Record):
    id: Name
    name: Label = ""
    external_network_id: Name | None = None
    enable_snat: bool | None = None
    interface_subnet_ids: StrSet = ()
    routes: Annotated[tuple[RouterRoute, ...], Once] = ()
    revision_number: int | None = None


NeutronBackend = Literal["ml2/ovs", "ml2/ovn"]


class OpenStack(Record):
    cloud: Name | None = None
    region: Name | None = None
    project_id: Name | None = None
    project_name: Label | None = None
    release: Name | None = None
    backend: NeutronBackend | None = None
    backend_source: Name | None = None
    extensions: StrSet | None = None
    networks: tuple[Network, ...] | None = None
    subnets: tuple[Subnet, ...] | None = None
    routers: tuple[Router, ...] | None = None
    ports: tuple[Port, ...] | None = None
    security_groups: tuple[SecurityGroup, ...] | None = None
    floating_ips: tuple[FloatingIP, ...] | None = None
    # subnet id -> routers with an interface on it that the router listing did not return
    # (another project's: docs/facts.md "Routers of another project"); None: not readable
    unlisted_routers: dict[str, StrSet] | None = Field(default_factory=dict)
    # Octavia (docs/loadbalancer.md); None: not collected (no load-balancer endpoint, or failed)
    load_balancers: tuple[LoadBalancer, ...] | None = None
    load_balancer_quota: LoadBalancerQuota | None = None
