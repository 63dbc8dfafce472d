"""Snapshot records for the way in: Octavia load balancers and Neutron floating IPs.

Octavia objects keep the API's own field names and values (provisioning and
operating statuses in capitals, as `openstack loadbalancer ... show` prints
them), nested the way OCCM builds them: a load balancer holds its listeners
and pools, a pool its health monitor and members. ``members`` None means the
pool's member list was not read (see docs/loadbalancer.md: members have no
bulk listing in Octavia); ``member_ids`` comes with every pool listing.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kostack.model.types import CIDR, IP, Label, Name, Text
from kostack.model.types import Record as _Record

Status = Annotated[str, Field(max_length=64)]


class FloatingIP(_Record):
    """A Neutron floating IP (`GET /v2.0/floatingips`)."""

    id: Name
    floating_ip_address: IP
    floating_network_id: Name
    port_id: Name | None = None
    fixed_ip_address: IP | None = None
    router_id: Name | None = None
    status: Status = ""
    description: Text = Field(default="", max_length=1024)
    project_id: Name | None = None


class HealthMonitor(_Record):
    id: Name
    name: Label = ""
    type: Status
    delay: int | None = None
    timeout: int | None = None
    max_retries: int | None = None
    max_retries_down: int | None = None
    url_path: Name | None = None
    http_method: Status | None = None
    expected_codes: Status | None = None
    admin_state_up: bool = True
    provisioning_status: Status = ""
    operating_status: Status = ""


class Member(_Record):
    id: Name
    name: Label = ""
    address: IP
    protocol_port: int = Field(ge=1, le=65535)
    subnet_id: Name | None = None
    monitor_address: IP | None = None
    monitor_port: int | None = Field(default=None, ge=1, le=65535)
    weight: int | None = None
    backup: bool = False
    admin_state_up: bool = True
    provisioning_status: Status = ""
    operating_status: Status = ""


class Pool(_Record):
    id: Name
    name: Label = ""
    protocol: Status
    lb_algorithm: Status = ""
    session_persistence: Status | None = None  # its type: SOURCE_IP, HTTP_COOKIE, ...
    listener_ids: tuple[str, ...] = ()
    admin_state_up: bool = True
    provisioning_status: Status = ""
    operating_status: Status = ""
    healthmonitor: HealthMonitor | None = None
    member_ids: tuple[str, ...] = ()
    # None: the member list was not read (the pool's statuses decided it; docs/loadbalancer.md)
    members: tuple[Member, ...] | None = None


class Listener(_Record):
    id: Name
    name: Label = ""
    protocol: Status
    protocol_port: int = Field(ge=1, le=65535)
    default_pool_id: Name | None = None
    allowed_cidrs: tuple[CIDR, ...] = ()
    connection_limit: int | None = None
    admin_state_up: bool = True
    provisioning_status: Status = ""
    operating_status: Status = ""
    tags: tuple[str, ...] = ()


class LoadBalancer(_Record):
    """One Octavia load balancer with its listeners and pools."""

    id: Name
    name: Label = ""
    description: Text = Field(default="", max_length=1024)
    tags: tuple[str, ...] = ()
    provider: Name = ""
    project_id: Name | None = None
    vip_address: IP | None = None
    vip_port_id: Name | None = None
    vip_subnet_id: Name | None = None
    vip_network_id: Name | None = None
    admin_state_up: bool = True
    provisioning_status: Status = ""
    operating_status: Status = ""
    created_at: Name | None = None
    updated_at: Name | None = None
    listeners: tuple[Listener, ...] = ()
    pools: tuple[Pool, ...] = ()


class LoadBalancerQuota(_Record):
    """Octavia's quota for the project (`GET /v2/lbaas/quotas/{project}`); -1 = unlimited."""

    load_balancer: int | None = None
    listener: int | None = None
    pool: int | None = None
    member: int | None = None
    health_monitor: int | None = None
