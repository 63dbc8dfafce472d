"""Read one OpenStack project's networking into the snapshot's OpenStack record.

openstacksdk supplies the connection (clouds.yaml, OS_CLOUD, OS_* variables,
``--os-cloud``, keystone authentication, the endpoint catalogue and version
discovery); the listings themselves are plain Neutron API GETs through the
SDK's authenticated network adapter, so SDK objects never leave this module
and the number of requests is under our control:

- one GET per collection (extensions, networks, subnets, routers, ports,
  security groups with their rules embedded, agents), plus the SDK's one
  version-discovery GET: 8 requests whatever the number of nodes;
- pages of ``PAGE_SIZE`` items (``limit``/``marker``), so only a project with
  more than ``PAGE_SIZE`` ports needs a second page;
- router interfaces come from the same port listing (device_owner
  ``network:router_interface*``), never from one request per router or node;
- in a project scope, networks and security groups that the project's ports
  use but another project owns (shared networks, the external network of a
  router) cost one more filtered GET each, only when there are some; so do
  the router interfaces on the networks of the project's ports whose subnets
  no listed router with a gateway serves (another project's router puts its
  own interface port there, which a listing filtered by project misses).

Failures: 401 (or a rejected keystone login) is an :class:`AuthError` and an
endpoint that cannot be reached at all is a :class:`CollectError` (both exit
3). A 403, an error status or a timeout on one listing becomes a
:class:`Gap` naming the exact error and what depends on it; the record then
holds ``None`` for that collection so checks answer UNKNOWN. The agents list
is admin-only on most clouds: a 403 there is normal and recorded nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from kostack.collect._neutron_fip import floating_ip
from kostack.collect._neutron_listing import PAGE_SIZE, ListingFailed, NeutronReader
from kostack.collect._neutron_records import (
    ROUTER_INTERFACE_OWNERS,
    R,
    consistent,
    convert_items,
    group_record,
    interface_subnets,
    network_record,
    port_record,
    router_record,
    subnet_record,
    unique_ids,
    unlisted_routers,
)
from kostack.collect._os_connection import (
    close_connection,
    count_requests,
    current_project,
    identity,
    open_connection,
    redact,
    secret_values,
)
from kostack.collect.gap_texts import make_gap
from kostack.collect.texts import Msg
from kostack.errors import AuthError
from kostack.gap_words import first_of
from kostack.model.snapshot import (
    Gap,
    Network,
    NeutronBackend,
    OpenStack,
    Port,
    Router,
    SecurityGroup,
    Subnet,
)

__all__ = [
    "PAGE_SIZE",
    "close_connection",
    "collect_openstack",
    "count_requests",
    "current_project",
    "detect_backend",
    "open_connection",
    "redact",
    "secret_values",
]

# Agent types (the `agent_type` field of GET /v2.0/agents) that reveal the backend.
_OVN_AGENTS: Final = frozenset(
    {
        "OVN Controller agent",
        "OVN Controller Gateway agent",
        "OVN Metadata agent",
        "OVN Neutron agent",
    }
)
_OVS_AGENTS: Final = frozenset({"Open vSwitch agent"})


# What a collection's absence breaks, said in the gap (the checks then say UNKNOWN).
_DEPENDENTS: Final = frozenset(
    {"extensions", "networks", "subnets", "routers", "ports", "security_groups", "floating_ips"}
    | {"router_interfaces"}
)


def _dependents(name: str) -> Msg:
    """What is unknown without listing ``name`` (kostack.collect.gap_texts, gap.os.dep.*)."""
    return Msg(f"gap.os.dep.{name}" if name in _DEPENDENTS else "gap.os.dep.other")


# --------------------------------------------------------------------------- backend


def detect_backend(
    agent_types: Iterable[str] | None,
    networks: Iterable[Network] | None,
    hint: NeutronBackend | None,
) -> tuple[NeutronBackend | None, str | None]:
    """The Neutron backend and how it was decided; the user's ``--neutron-backend`` wins.

    The agents list names "OVN Controller agent" or "Open vSwitch agent"; a
    Geneve tenant network means OVN. VXLAN says nothing (OVN can run VXLAN).
    """
    seen = set(agent_types or ())
    found: NeutronBackend | None = None
    source: str | None = None
    ovn, ovs = seen & _OVN_AGENTS, seen & _OVS_AGENTS
    if ovn and not ovs:
        found, source = "ml2/ovn", f"agents list: {sorted(ovn)[0]}"
    elif ovs and not ovn:
        found, source = "ml2/ovs", f"agents list: {sorted(ovs)[0]}"
    else:
        geneve = [n for n in networks or () if (n.network_type or "").lower() == "geneve"]
        if geneve:
            found = "ml2/ovn"
            source = f"network {geneve[0].name or geneve[0].id} is geneve (provider:network_type)"
    if hint is not None:
        if found is not None and found != hint:
            return hint, f"--neutron-backend (the API suggests {found}: {source})"
        return hint, "--neutron-backend"
    return found, source


# --------------------------------------------------------------------------- the collector


@dataclass
class _Listings:
    """Raw listings, None where the listing failed (its error is in `gaps`)."""

    extensions: list[dict[str, Any]] | None = None
    networks: list[dict[str, Any]] | None = None
    subnets: list[dict[str, Any]] | None = None
    routers: list[dict[str, Any]] | None = None
    ports: list[dict[str, Any]] | None = None
    security_groups: list[dict[str, Any]] | None = None
    agents: list[dict[str, Any]] | None = None
    floating_ips: list[dict[str, Any]] | None = None
    interfaces: list[dict[str, Any]] | None = field(default_factory=list)  # unlisted routers'
    gaps: list[Gap] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)


def collect_openstack(
    conn: Any,
    *,
    project_scope: str | None,
    backend_hint: NeutronBackend | None = None,
) -> tuple[OpenStack, tuple[Gap, ...]]:
    """Read networks, subnets, routers, ports, security groups, extensions and agents.

    ``project_scope`` is the project id to read (normally the token's project,
    from :func:`current_project`); None reads whatever the credentials see.
    ``backend_hint`` is the user's ``--neutron-backend``. Returns the record
    and the gaps (one per listing that failed). Raises AuthError when the
    credentials are rejected and CollectError when Neutron cannot be reached.
    """
    secrets = secret_values(conn)
    neutron = NeutronReader(conn, secrets)
    raw = _Listings()

    def fetch(name: str, resource: str, key: str, params: Mapping[str, Any]) -> Any:
        try:
            return neutron.list(resource, key, params)
        except ListingFailed as failed:
            if failed.status == 403:
                raw.forbidden.add(name)
            raw.gaps.append(_gap(name, failed, secrets))
            return None

    scope = {"project_id": project_scope} if project_scope else {}
    # The first request also does version discovery: if it cannot connect,
    # Neutron is unreachable and the whole command stops (exit 3).
    raw.extensions = fetch("extensions", "extensions", "extensions", {})
    raw.ports = fetch("ports", "ports", "ports", scope)
    raw.routers = fetch("routers", "routers", "routers", scope)
    raw.networks = fetch("networks", "networks", "networks", scope)
    if raw.networks is not None and project_scope:
        raw.networks += _referenced(
            fetch, "networks", "networks", raw.networks, _used_networks(raw)
        )
    raw.subnets = _fetch_subnets(raw, scope, fetch)
    if project_scope:
        raw.interfaces = _foreign_interfaces(raw, fetch)
    raw.security_groups = fetch("security_groups", "security-groups", "security_groups", scope)
    if raw.security_groups is not None and project_scope:
        used = {str(g) for p in raw.ports or () for g in _listed(p.get("security_groups"))}
        have = raw.security_groups
        raw.security_groups += _referenced(fetch, "security_groups", "security-groups", have, used)
    raw.agents = _fetch_agents(neutron)
    raw.floating_ips = fetch("floating_ips", "floatingips", "floatingips", scope)

    core = {"networks", "subnets", "routers", "ports", "security_groups"}
    if core <= raw.forbidden:
        raise AuthError(
            Msg("col.os.no-listing", error=raw.gaps[0].error), Msg("col.hint.os.no-listing")
        )
    return _record(conn, raw, project_scope, backend_hint, secrets)


def _fetch_subnets(
    raw: _Listings, scope: Mapping[str, Any], fetch: Callable[..., Any]
) -> list[dict[str, Any]] | None:
    if raw.networks is not None and scope:
        ids = sorted({str(n["id"]) for n in raw.networks if n.get("id")})
        if not ids:
            return []
        # One GET: list filters are repeated query parameters (network_id=a&network_id=b).
        result: list[dict[str, Any]] | None = fetch(
            "subnets", "subnets", "subnets", {"network_id": ids}
        )
        return result
    result = fetch("subnets", "subnets", "subnets", scope)
    return result


def _foreign_interfaces(raw: _Listings, fetch: Callable[..., Any]) -> list[dict[str, Any]] | None:
    """The router interface ports on the networks of the project's ports that have a subnet
    no listed router with a gateway serves: one GET, only when there are such networks
    (None: it failed)."""
    if raw.ports is None or raw.routers is None:
        return []
    gateways = {
        str(r.get("id"))
        for r in raw.routers
        if isinstance(r.get("external_gateway_info"), dict)
        and r["external_gateway_info"].get("network_id")
    }
    served = {
        subnet_id
        for router_id, subnets in interface_subnets(raw.ports).items()
        if router_id in gateways
        for subnet_id in subnets
    }
    wanted = sorted(
        {
            str(p["network_id"])
            for p in raw.ports
            if p.get("network_id")
            and p.get("device_owner") not in ROUTER_INTERFACE_OWNERS
            and any(
                isinstance(f, dict) and f.get("subnet_id") and str(f["subnet_id"]) not in served
                for f in _listed(p.get("fixed_ips"))
            )
        }
    )
    if not wanted:
        return []
    owners = list(ROUTER_INTERFACE_OWNERS)
    found: list[dict[str, Any]] | None = fetch(
        "router_interfaces", "ports", "ports", {"network_id": wanted, "device_owner": owners}
    )
    return found


def _used_networks(raw: _Listings) -> set[str]:
    """The networks the project's ports and routers (their gateways) are on."""
    wanted = {str(p["network_id"]) for p in raw.ports or () if p.get("network_id")}
    if raw.routers is not None:
        for router in raw.routers:
            gateway = router.get("external_gateway_info")
            if isinstance(gateway, dict) and gateway.get("network_id"):
                wanted.add(str(gateway["network_id"]))
    return wanted


def _listed(value: object) -> list[Any]:
    """A raw field that should be a list, or nothing (a hostile shape is the item's
    converter's to name, never an error that ends the collection)."""
    return value if isinstance(value, list) else []


def _referenced(
    fetch: Callable[..., Any], name: str, path: str, have: list[dict[str, Any]], wanted: set[str]
) -> list[dict[str, Any]]:
    """The ``wanted`` objects (by id) that ``have`` lacks: another project owns them (one GET)."""
    missing = sorted(wanted - {str(o.get("id")) for o in have})
    if not missing:
        return []
    found: list[dict[str, Any]] | None = fetch(name, path, name, {"id": missing})
    return found or []


def _fetch_agents(neutron: NeutronReader) -> list[dict[str, Any]] | None:
    """The agents list, or None: it is admin-only on most clouds, so failing is normal."""
    try:
        return neutron.list("agents", "agents", {"fields": ["agent_type", "binary"]})
    except ListingFailed:
        return None


def _gap(name: str, failed: ListingFailed, secrets: frozenset[str]) -> Gap:
    hint = _dependents(name)
    if failed.status == 403:
        hint = Msg("gap.hint.os.policy", dependents=hint, what=name.replace("_", " "))
    elif failed.status is None:
        hint = Msg("gap.hint.os.timeout", dependents=hint)
    return make_gap(f"openstack.{name}", failed.error, hint, lambda text: redact(text, secrets))


def _record(
    conn: Any,
    raw: _Listings,
    project_scope: str | None,
    backend_hint: NeutronBackend | None,
    secrets: frozenset[str],
) -> tuple[OpenStack, tuple[Gap, ...]]:
    problems: dict[str, list[str]] = {}

    def convert(name: str, items: list[dict[str, Any]] | None, make: Callable[..., R]) -> Any:
        if items is None:
            return None
        bad: list[str] = []
        out = convert_items(unique_ids(items), make, name.rstrip("s").replace("_", " ") + " ", bad)
        if bad:
            problems[name] = bad
        return out

    networks: tuple[Network, ...] | None = convert("networks", raw.networks, network_record)
    subnets: tuple[Subnet, ...] | None = convert("subnets", raw.subnets, subnet_record)
    ports: tuple[Port, ...] | None = convert("ports", raw.ports, port_record)
    groups: tuple[SecurityGroup, ...] | None = convert(
        "security_groups", raw.security_groups, group_record
    )
    routers: tuple[Router, ...] | None = None
    if raw.routers is not None and raw.ports is None:
        # Interfaces come from the port listing: without it a router would look
        # attached to nothing, which is a claim we cannot make.
        raw.gaps.append(
            make_gap(
                "openstack.routers", Msg("gap.os.routers-without-ports"), _dependents("routers")
            )
        )
    elif raw.routers is not None:
        interfaces = interface_subnets(raw.ports or ())
        routers = convert("routers", raw.routers, lambda r: router_record(r, interfaces))
    ports, subnets = consistent(ports, networks, subnets, problems)
    unlisted: dict[str, tuple[str, ...]] | None = None if raw.interfaces is None else {}
    if routers is not None and subnets is not None and raw.interfaces is not None:
        listed = {str(r.get("id")) for r in raw.routers or ()}
        known = {s.id for s in subnets}
        unlisted = unlisted_routers([*(raw.ports or ()), *raw.interfaces], listed, known)
    gaps = list(raw.gaps)
    for name, bad in problems.items():
        gaps.append(
            make_gap(
                f"openstack.{name}",
                Msg("gap.os.unreadable", shown=first_of(bad)),
                Msg("gap.hint.os.unreadable"),
                lambda text: redact(text, secrets),
            )
        )
    extensions = (
        tuple(sorted({str(e.get("alias")) for e in raw.extensions if e.get("alias")}))
        if raw.extensions is not None
        else None
    )
    agent_types = [str(a.get("agent_type", "")) for a in raw.agents] if raw.agents else None
    backend, backend_source = detect_backend(agent_types, networks, backend_hint)
    cloud, region, project_id, project_name = identity(conn, project_scope)
    record = OpenStack(
        cloud=cloud,
        region=region,
        project_id=project_id,
        project_name=project_name,
        backend=backend,
        backend_source=backend_source,
        extensions=extensions,
        networks=networks,
        subnets=subnets,
        routers=routers,
        ports=ports,
        security_groups=groups,
        floating_ips=convert("floating_ips", raw.floating_ips, floating_ip),
        unlisted_routers=unlisted,
    )
    return record, tuple(gaps)
