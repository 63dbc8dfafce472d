"""Remedies: the changes that fix findings, and applying them to a snapshot (pure).

Applying remedies to a copy of the snapshot lets kostack re-run the analysis on
the would-be state: the fix plan is verified before anything is touched, and
layer checks can ask "what if the allowed pairs were there?".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from kostack.analyze.findings import Remedy
from kostack.analyze.topology import Topology, protocol_number
from kostack.model.snapshot import (
    AllowedAddressPair,
    IPNetwork,
    Port,
    RouterRoute,
    SecurityGroup,
    SecurityGroupRule,
    Snapshot,
)


def cluster_group(topo: Topology) -> SecurityGroup | None:
    """The group to add cluster-internal rules to: shared by every node port, not `default` if possible."""
    ports = [v.port for v in topo.node_views.values() if v.port is not None]
    if not ports:
        return None
    shared = set(ports[0].security_group_ids)
    for p in ports[1:]:
        shared &= set(p.security_group_ids)
    groups = [
        topo.groups[g] for g in ports[0].security_group_ids if g in shared and g in topo.groups
    ]
    if not groups:
        return None
    non_default = [g for g in groups if g.name != "default"]
    return (non_default or groups)[0]


def pair_remedy(
    port: Port, node: str, cidr: IPNetwork, reason: str, cause: str, note: str = ""
) -> Remedy:
    return Remedy(
        "add-allowed-pair",
        "port",
        port.id,
        node,
        (("ip_address", str(cidr)),),
        reason,
        cause,
        note,
    )


def rule_remedy(
    group: SecurityGroup,
    *,
    protocol: str | None,
    port: int | None = None,
    port_max: int | None = None,
    remote_group: str | None = None,
    remote_prefix: str | None = None,
    reason: str,
    cause: str,
    description: str = "",
    direction: str = "ingress",
) -> Remedy:
    ethertype = "IPv6" if remote_prefix and ":" in remote_prefix else "IPv4"
    params: list[tuple[str, str]] = [("direction", direction), ("ethertype", ethertype)]
    if protocol:
        params.append(("protocol", protocol))
    if port is not None:
        params.append(("port_range_min", str(port)))
        params.append(("port_range_max", str(port_max if port_max is not None else port)))
    if remote_group:
        params.append(("remote_group_id", remote_group))
    if remote_prefix:
        params.append(("remote_ip_prefix", remote_prefix))
    if description:
        params.append(("description", description))
    return Remedy(
        "add-sg-rule", "security_group", group.id, group.name, tuple(params), reason, cause
    )


def disable_remedy(port: Port, node: str, cause: str) -> Remedy:
    return Remedy(
        "disable-port-security",
        "port",
        port.id,
        node,
        (
            ("port_security_enabled", "false"),
            ("security_groups", "[]"),
            ("allowed_address_pairs", "[]"),
        ),
        f"turns off anti-spoofing and every security group on {node}'s port",
        cause,
        "insecure: the VM's port then accepts and sends anything",
    )


def same_change(r: Remedy) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What a remedy changes (two remedies with the same are one change)."""
    return (r.op, r.target_id, tuple(p for p in r.params if p[0] != "description"))


def dedupe(remedies: Iterable[Remedy]) -> tuple[Remedy, ...]:
    seen: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
    out = []
    for r in remedies:
        key = same_change(r)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return tuple(out)


def apply_remedies(snapshot: Snapshot, remedies: Iterable[Remedy]) -> Snapshot:
    """The snapshot as it would be after ``remedies`` (manual ones are ignored)."""
    os_ = snapshot.openstack
    if os_ is None:
        return snapshot
    ports = {p.id: p for p in os_.ports or ()}
    groups = {g.id: g for g in os_.security_groups or ()}
    routers = {r.id: r for r in os_.routers or ()}
    counter = 0
    for r in remedies:
        if r.op == "add-allowed-pair" and r.target_id in ports:
            port = ports[r.target_id]
            net = ipaddress.ip_network(r.param("ip_address"))
            if not any(p.ip_address == net for p in port.allowed_address_pairs):
                ports[port.id] = port.model_copy(
                    update={
                        "allowed_address_pairs": (
                            *port.allowed_address_pairs,
                            AllowedAddressPair(ip_address=net),
                        )
                    }
                )
        elif r.op == "disable-port-security" and r.target_id in ports:
            ports[r.target_id] = ports[r.target_id].model_copy(
                update={
                    "port_security_enabled": False,
                    "security_group_ids": (),
                    "allowed_address_pairs": (),
                }
            )
        elif r.op == "add-sg-rule" and r.target_id in groups:
            grp = groups[r.target_id]
            counter += 1
            lo = r.param("port_range_min")
            hi = r.param("port_range_max")
            prefix = r.param("remote_ip_prefix")
            new = SecurityGroupRule(
                id=f"planned-{counter}",
                direction="ingress" if r.param("direction", "ingress") == "ingress" else "egress",
                ethertype="IPv6" if r.param("ethertype") == "IPv6" else "IPv4",
                protocol=r.param("protocol") or None,
                port_range_min=int(lo) if lo else None,
                port_range_max=int(hi) if hi else None,
                remote_ip_prefix=ipaddress.ip_network(prefix) if prefix else None,
                remote_group_id=r.param("remote_group_id") or None,
            )
            groups[grp.id] = grp.model_copy(update={"rules": (*grp.rules, new)})
        elif r.op == "add-router-route" and r.target_id in routers:
            rt = routers[r.target_id]
            route = RouterRoute(
                destination=ipaddress.ip_network(r.param("destination")),
                nexthop=ipaddress.ip_address(r.param("nexthop")),
            )
            if route not in rt.routes:
                routers[rt.id] = rt.model_copy(update={"routes": (*rt.routes, route)})
    new_os = os_.model_copy(
        update={
            "ports": tuple(ports.values()) if os_.ports is not None else None,
            "security_groups": tuple(groups.values()) if os_.security_groups is not None else None,
            "routers": tuple(routers.values()) if os_.routers is not None else None,
        }
    )
    return snapshot.model_copy(update={"openstack": new_os})


def rule_admits(rule: SecurityGroupRule, protocol: str | None, port: int | None) -> bool:
    """Whether an existing rule already covers protocol/port (ignoring the remote)."""
    want = protocol_number(protocol)
    have = protocol_number(rule.protocol)
    if have is not None and have != want:
        return False
    if port is None or rule.port_range_min is None:
        return True
    hi = rule.port_range_max if rule.port_range_max is not None else rule.port_range_min
    return rule.port_range_min <= port <= hi
