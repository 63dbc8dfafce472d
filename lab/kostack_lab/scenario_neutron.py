"""Writing a lab scenario into a seeded Neutron: security groups, their rules, node ports.

`apply_scenario` is what `kostack lab up --neutron-endpoint` runs after
seeding (`kostack_lab.neutron_seed`), so that the real Neutron holds the
scenario's port security; `kostack_lab.agent` re-exports it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kostack_lab.errors import LabEnvironmentError, LabInputError, Msg
from kostack_lab.neutron import openstack_connection, seed_command
from kostack_lab.neutron_seed import ensure_ipv6
from kostack_lab.scenarios import RuleSpec, Scenario, SecurityGroupSpec
from kostack_lab.seed import ROUTER_NAME
from kostack_lab.topology_layout import Topology

__all__ = ["apply_scenario", "routes_to_pods"]


def _rule_key(
    direction: str,
    ethertype: str,
    protocol: str | None,
    port_min: int | None,
    port_max: int | None,
    prefix: str | None,
    remote_group_id: str | None,
) -> tuple[Any, ...]:
    normal_prefix = str(ipaddress.ip_network(prefix, strict=False)) if prefix else None
    normal_protocol = None if protocol in (None, "", "any") else str(protocol).lower()
    return (
        direction,
        ethertype,
        normal_protocol,
        port_min,
        port_max,
        normal_prefix,
        remote_group_id,
    )


def _neutron_ports(endpoint: str, topo: Topology) -> tuple[Any, dict[str, Any]]:
    """The network proxy and the seeded ports by name; every node must have one."""
    try:
        conn = openstack_connection(endpoint)
        network = conn.network
        ports = {p.name: p for p in network.ports()}
    except Exception as exc:  # any SDK/transport error means Neutron is unreachable
        raise LabEnvironmentError(
            Msg("lab.x.read_neutron", what=Msg("lab.w.ports"), url=endpoint, why=str(exc)),
            Msg("lab.x.check_endpoint"),
        ) from exc
    missing = [node.name for node in topo.nodes if node.name not in ports]
    if missing:
        raise LabInputError(
            Msg("lab.x.no_port_for", url=endpoint, nodes=", ".join(missing)),
            Msg("lab.x.seed_first", command=seed_command(endpoint, len(topo.nodes))),
        )
    return network, ports


def _ensure_groups(
    network: Any, scenario: Scenario, project_id: str, changes: list[str]
) -> dict[str, str]:
    """Create the scenario's missing security groups; returns every group's id by name."""
    existing = {g.name: g for g in network.security_groups(project_id=project_id)}
    group_ids: dict[str, str] = {}
    for spec in scenario.security_groups:
        group = existing.get(spec.name)
        if group is None:
            group = network.create_security_group(name=spec.name, description=spec.description)
            changes.append(f"created security group {spec.name}")
        group_ids[spec.name] = str(group.id)
    return group_ids


def _sync_rules(
    network: Any, spec: SecurityGroupSpec, group_ids: dict[str, str], changes: list[str]
) -> None:
    """Make the group's rules equal to the spec's: delete the extra ones, add the missing."""
    group = network.get_security_group(group_ids[spec.name])
    have = {
        _rule_key(
            r["direction"],
            r.get("ethertype", "IPv4"),
            r.get("protocol"),
            r.get("port_range_min"),
            r.get("port_range_max"),
            r.get("remote_ip_prefix"),
            r.get("remote_group_id"),
        ): r["id"]
        for r in group.security_group_rules or []
    }
    want: dict[tuple[Any, ...], RuleSpec] = {}
    for rule in spec.rules:
        remote = group_ids[rule.remote_group] if rule.remote_group else None
        key = _rule_key(
            rule.direction,
            rule.ethertype,
            rule.protocol,
            rule.port_range_min,
            rule.port_range_max,
            rule.remote_ip_prefix,
            remote,
        )
        want[key] = rule
    for key, rule_id in have.items():
        if key not in want:
            network.delete_security_group_rule(rule_id)
            changes.append(f"deleted rule {rule_id} from {spec.name}")
    for key, rule in want.items():
        if key in have:
            continue
        network.create_security_group_rule(
            security_group_id=group_ids[spec.name],
            direction=rule.direction,
            ether_type=rule.ethertype,
            protocol=rule.protocol,
            port_range_min=rule.port_range_min,
            port_range_max=rule.port_range_max,
            remote_ip_prefix=rule.remote_ip_prefix,
            remote_group_id=group_ids[rule.remote_group] if rule.remote_group else None,
        )
        changes.append(f"added rule {key} to {spec.name}")


def _sync_port(
    network: Any,
    scenario: Scenario,
    name: str,
    port: Any,
    group_ids: dict[str, str],
    changes: list[str],
) -> None:
    """Give node port `name` the scenario's port security, groups and pairs."""
    if not scenario.port_security:
        if port.is_port_security_enabled:
            network.update_port(
                port.id,
                is_port_security_enabled=False,
                security_group_ids=[],
                allowed_address_pairs=[],
            )
            changes.append(f"disabled port security on {name}")
        return
    if not port.is_port_security_enabled:
        network.update_port(port.id, is_port_security_enabled=True)
    groups = [group_ids[group] for group in scenario.node_groups]
    pairs = [{"ip_address": pair} for pair in scenario.allowed_pairs]
    current_pairs = sorted(p["ip_address"] for p in port.allowed_address_pairs or [])
    if sorted(port.security_group_ids or []) != sorted(groups) or current_pairs != sorted(
        scenario.allowed_pairs
    ):
        network.update_port(port.id, security_group_ids=groups, allowed_address_pairs=pairs)
        changes.append(
            f"set groups {scenario.node_groups} and pairs {scenario.allowed_pairs} on {name}"
        )


def apply_scenario(endpoint: str, scenario: Scenario, topo: Topology) -> list[str]:
    """Make a seeded Neutron match the scenario's port security; return what was changed.

    Expects the ports `seed_topology` creates (named like the nodes). Groups
    are created when missing and their rules made equal to the scenario's;
    each node port gets the scenario's port security, groups and pairs, in
    the order Neutron accepts (one PUT to disable port security, groups and
    pairs only once it is enabled). A dual-stack scenario first gets the
    IPv6 subnet and the nodes' IPv6 fixed IPs (`neutron_seed.ensure_ipv6`).
    """
    network, ports = _neutron_ports(endpoint, topo)
    project_id = ports[topo.nodes[0].name].project_id
    changes: list[str] = []
    if topo.dual_stack:
        node_ports = {node.name: ports[node.name] for node in topo.nodes}
        network_id = str(node_ports[topo.nodes[0].name].network_id)
        _subnet6, added = ensure_ipv6(network, network_id, node_ports)
        changes += added
        if added:  # re-read: the ports' revisions and fixed IPs changed
            network, ports = _neutron_ports(endpoint, topo)
    group_ids = _ensure_groups(network, scenario, project_id, changes)
    for spec in scenario.security_groups:
        _sync_rules(network, spec, group_ids, changes)
    for node in topo.nodes:
        _sync_port(network, scenario, node.name, ports[node.name], group_ids, changes)
    routers = list(network.routers(name=ROUTER_NAME))
    if routers:
        changes += routes_to_pods(network, routers[0], topo)
    return changes


def routes_to_pods(network: Any, router: Any, topo: Topology) -> list[str]:
    """Add the lab router's routes back to each node's pod blocks (via the node's address of
    that family) to the Neutron router when the scenario's router has them; the router's
    other routes stay, and none is removed (a scenario without them leaves it as it is)."""
    if not topo.router_routes_to_pods:
        return []
    have = {(str(r["destination"]), str(r["nexthop"])) for r in router.routes or ()}
    # one route per family and pod block, as the lab's router has them (topology, router6)
    wanted = [
        (cidr, hop)
        for n in topo.nodes
        for cidr, hop in ((n.pod_cidr, n.ip), (n.pod_cidr2, n.ip), (n.pod_cidr6, n.ip6))
        if cidr and hop
    ]
    missing = [(d, h) for d, h in wanted if (d, h) not in have]
    if not missing:
        return []
    routes = [*(router.routes or ()), *({"destination": d, "nexthop": h} for d, h in missing)]
    network.update_router(router.id, routes=routes)
    return [f"add route {d} via {h} to {ROUTER_NAME}" for d, h in missing]
