"""Neutron API items (plain JSON) into the snapshot's records; an item the model rejects is named."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

from pydantic import ValidationError

from kostack.model.snapshot import (
    AllocationPool,
    AllowedAddressPair,
    FixedIP,
    Network,
    Port,
    Router,
    RouterRoute,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)

# Ports that put a router on a subnet (legacy, DVR and HA routers).
ROUTER_INTERFACE_OWNERS: Final = (
    "network:router_interface",
    "network:router_interface_distributed",
    "network:ha_router_replicated_interface",
)

# --------------------------------------------------------------------------- conversion

R = TypeVar("R")


def convert_items(
    items: Iterable[dict[str, Any]],
    make: Callable[[dict[str, Any]], R],
    what: str,
    problems: list[str],
    error: Callable[[Exception], str] | None = None,
) -> tuple[R, ...]:
    """Convert raw items; an item the model rejects is left out and named in `problems`:
    ``WHAT ID left out: ERROR`` (``error`` says the error, by default with its location)."""
    out: list[R] = []
    for item in items:
        try:
            out.append(make(item))
        except (ValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # AttributeError: a field of the wrong shape (fixed_ips a string, not a list of objects)
            ident = item.get("id", "?")
            problems.append(f"{what}{ident} left out: {(error or _short_error)(exc)}")
    return tuple(out)


def _short_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        return f"{loc}: {first['msg']}"
    return f"{type(exc).__name__}: {exc}"


def _cidr(value: object) -> str:
    """A CIDR with host bits cleared (Neutron accepts `10.0.0.5/24` in some fields)."""
    return str(ipaddress.ip_network(str(value).strip(), strict=False))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _optional_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def network_record(raw: dict[str, Any]) -> Network:
    mtu = raw.get("mtu")
    return Network(
        id=str(raw["id"]),
        name=_text(raw.get("name")),
        mtu=int(mtu) if isinstance(mtu, int) and mtu > 0 else None,
        port_security_enabled=_optional_bool(raw.get("port_security_enabled")),
        network_type=raw.get("provider:network_type") or None,
        router_external=bool(raw.get("router:external", False)),
        project_id=raw.get("project_id") or raw.get("tenant_id") or None,
    )


def subnet_record(raw: dict[str, Any]) -> Subnet:
    return Subnet(
        id=str(raw["id"]),
        name=_text(raw.get("name")),
        network_id=str(raw["network_id"]),
        cidr=_cidr(raw["cidr"]),
        gateway_ip=raw.get("gateway_ip") or None,
        ip_version=raw["ip_version"] if raw.get("ip_version") in (4, 6) else None,
        ipv6_ra_mode=raw.get("ipv6_ra_mode") or None,
        ipv6_address_mode=raw.get("ipv6_address_mode") or None,
        enable_dhcp=_optional_bool(raw.get("enable_dhcp")),
        allocation_pools=_allocation_pools(raw.get("allocation_pools")),
    )


def _allocation_pools(raw: object) -> tuple[AllocationPool, ...] | None:
    """Neutron's allocation_pools ([{start, end}]); None when absent or not that shape."""
    if not isinstance(raw, list):
        return None
    try:
        return tuple(AllocationPool(start=p["start"], end=p["end"]) for p in raw)
    except (KeyError, TypeError, ValidationError):
        return None


def port_record(raw: dict[str, Any]) -> Port:
    pairs = [
        AllowedAddressPair(
            ip_address=_cidr(pair["ip_address"]),
            mac_address=pair.get("mac_address") or None,
        )
        for pair in raw.get("allowed_address_pairs") or ()
    ]
    fixed = [
        FixedIP(subnet_id=fip.get("subnet_id") or None, ip_address=fip["ip_address"])
        for fip in raw.get("fixed_ips") or ()
    ]
    revision = raw.get("revision_number")
    return Port(
        id=str(raw["id"]),
        name=_text(raw.get("name")),
        network_id=str(raw["network_id"]),
        mac_address=str(raw["mac_address"]),
        fixed_ips=tuple(fixed),
        allowed_address_pairs=tuple(pairs),
        port_security_enabled=_optional_bool(raw.get("port_security_enabled")),
        admin_state_up=_optional_bool(raw.get("admin_state_up", raw.get("is_admin_state_up"))),
        vnic_type=_text(raw.get("binding:vnic_type", raw.get("binding_vnic_type"))) or None,
        vif_type=_text(raw.get("binding:vif_type", raw.get("binding_vif_type"))) or None,
        security_group_ids=tuple(str(g) for g in raw.get("security_groups") or ()),
        device_id=_text(raw.get("device_id")),
        device_owner=_text(raw.get("device_owner")),
        revision_number=revision if isinstance(revision, int) else None,
        status=_text(raw.get("status")),
        project_id=raw.get("project_id") or raw.get("tenant_id") or None,
        tags=tuple(str(t) for t in raw.get("tags") or () if isinstance(t, str)),
    )


def _rule(raw: dict[str, Any]) -> SecurityGroupRule:
    protocol = raw.get("protocol")
    prefix = raw.get("remote_ip_prefix")
    return SecurityGroupRule(
        id=str(raw["id"]),
        direction=raw["direction"],
        ethertype=raw.get("ethertype") or "IPv4",
        protocol=None if protocol in (None, "") else str(protocol),
        port_range_min=raw.get("port_range_min"),
        port_range_max=raw.get("port_range_max"),
        remote_ip_prefix=_cidr(prefix) if prefix else None,
        remote_group_id=raw.get("remote_group_id") or None,
        remote_address_group_id=raw.get("remote_address_group_id") or None,
        description=_text(raw.get("description")),
    )


def group_record(raw: dict[str, Any]) -> SecurityGroup:
    revision = raw.get("revision_number")
    stateful = raw.get("stateful")
    return SecurityGroup(
        id=str(raw["id"]),
        name=_text(raw.get("name")),
        project_id=raw.get("project_id") or raw.get("tenant_id") or None,
        revision_number=revision if isinstance(revision, int) else None,
        stateful=stateful if isinstance(stateful, bool) else True,
        rules=tuple(_rule(r) for r in raw.get("security_group_rules") or ()),
    )


def router_record(raw: dict[str, Any], interface_subnets: Mapping[str, tuple[str, ...]]) -> Router:
    gateway = raw.get("external_gateway_info") or {}
    routes = [
        RouterRoute(destination=_cidr(r["destination"]), nexthop=r["nexthop"])
        for r in raw.get("routes") or ()
    ]
    revision = raw.get("revision_number")
    router_id = str(raw["id"])
    return Router(
        id=router_id,
        name=_text(raw.get("name")),
        external_network_id=gateway.get("network_id") or None,
        enable_snat=_optional_bool(gateway.get("enable_snat")) if gateway else None,
        interface_subnet_ids=interface_subnets.get(router_id, ()),
        routes=tuple(routes),
        revision_number=revision if isinstance(revision, int) else None,
    )


def interface_subnets(raw_ports: Iterable[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Router id -> the subnets it has interfaces on, from the router's own ports."""
    out: dict[str, list[str]] = {}
    for raw in raw_ports:
        if str(raw.get("device_owner", "")) not in ROUTER_INTERFACE_OWNERS:
            continue
        router_id = str(raw.get("device_id") or "")
        if not router_id:
            continue
        subnets = out.setdefault(router_id, [])
        fixed_ips = raw.get("fixed_ips")
        for fip in fixed_ips if isinstance(fixed_ips, list) else ():
            subnet_id = fip.get("subnet_id") if isinstance(fip, dict) else None
            if subnet_id and subnet_id not in subnets:
                subnets.append(str(subnet_id))
    return {router_id: tuple(ids) for router_id, ids in out.items()}


def unlisted_routers(
    raw_ports: Iterable[dict[str, Any]], listed: set[str], subnet_ids: set[str]
) -> dict[str, tuple[str, ...]]:
    """Subnet id -> the routers with an interface on it that are not ``listed`` (another
    project's router: its interface port shows, the router does not), over ``subnet_ids``."""
    out: dict[str, set[str]] = {}
    for router_id, subnets in interface_subnets(raw_ports).items():
        if router_id in listed:
            continue
        for subnet_id in subnets:
            if subnet_id in subnet_ids:
                out.setdefault(subnet_id, set()).add(router_id)
    return {subnet_id: tuple(sorted(ids)) for subnet_id, ids in sorted(out.items())}


def unique_ids(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeated ids (a page boundary moving under concurrent changes)."""
    seen: set[str] = set()
    out = []
    for item in items:
        ident = str(item.get("id", ""))
        if ident and ident in seen:
            continue
        seen.add(ident)
        out.append(item)
    return out


def consistent(
    ports: tuple[Port, ...] | None,
    networks: tuple[Network, ...] | None,
    subnets: tuple[Subnet, ...] | None,
    problems: dict[str, list[str]],
) -> tuple[tuple[Port, ...] | None, tuple[Subnet, ...] | None]:
    """Keep references resolvable, as the snapshot format requires.

    A subnet of an unseen network, or a port on one, is left out and named;
    a fixed IP on an unseen subnet keeps its address but loses the subnet id.
    """
    if networks is not None and subnets is not None:
        network_ids = {n.id for n in networks}
        kept = tuple(s for s in subnets if s.network_id in network_ids)
        for s in subnets:
            if s.network_id not in network_ids:
                problems.setdefault("subnets", []).append(
                    f"subnet {s.id} left out: its network {s.network_id} is not visible"
                )
        subnets = kept
    if ports is None:
        return ports, subnets
    if networks is not None:
        network_ids = {n.id for n in networks}
        for p in ports:
            if p.network_id not in network_ids:
                problems.setdefault("ports", []).append(
                    f"port {p.id} left out: its network {p.network_id} is not visible"
                )
        ports = tuple(p for p in ports if p.network_id in network_ids)
    if subnets is not None:
        by_id = {s.id: s for s in subnets}
        fixed_ports = []
        for p in ports:
            fips = []
            for fip in p.fixed_ips:
                sn = by_id.get(fip.subnet_id or "")
                if fip.subnet_id is not None and (sn is None or fip.ip_address not in sn.cidr):
                    fip = fip.model_copy(update={"subnet_id": None})
                fips.append(fip)
            fixed_ports.append(p.model_copy(update={"fixed_ips": tuple(fips)}))
        ports = tuple(fixed_ports)
    return ports, subnets
