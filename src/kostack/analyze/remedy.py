"""Remedies: the changes that fix findings, and applying them to a snapshot (pure).

Applying remedies to a copy of the snapshot lets kostack re-run the analysis on
the would-be state: the fix plan is verified before anything is touched, and
layer checks can ask "what if the allowed pairs were there?".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from kostack.analyze.findings import Remedy
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import parse_net
from kostack.analyze.topology import Topology
from kostack.model.snapshot import (
    AllowedAddressPair,
    IPAddress,
    IPNetwork,
    Port,
    RouterRoute,
    SecurityGroup,
    SecurityGroupRule,
    Snapshot,
)

register(
    {
        "remedy.ranges-more": {"en": "{ranges} and {n} more", "ko": "{ranges} 외 {n}개"},
        "remedy.disable.reason": {
            "en": "turns off anti-spoofing and every security group on {node}'s port",
            "ko": "{node}의 포트에서 스푸핑 방지와 모든 보안 그룹을 끔",
        },
        "remedy.disable.note": {
            "en": "insecure: the VM's port then accepts and sends anything",
            "ko": "보안 취약: 그 뒤로 VM의 포트는 무엇이든 받고 보냄",
        },
    }
)


def cluster_group(topo: Topology) -> SecurityGroup | None:
    """The group to add cluster-internal rules to: shared by every node port, not `default` if possible."""
    return shared_group(topo, [v.port for v in topo.node_views.values() if v.port is not None])


def shared_group(topo: Topology, ports: list[Port]) -> SecurityGroup | None:
    """A group every one of ``ports`` has (in the first port's order), not `default` if possible."""
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


def pair_remedy(port: Port, node: str, cidr: IPNetwork, reason: str, cause: str) -> Remedy:
    return Remedy(
        "add-allowed-pair", "port", port.id, node, (("ip_address", str(cidr)),), reason, cause
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
    ethertype: str | None = None,
) -> Remedy:
    """``ethertype``: IPv4 or IPv6; None: the remote prefix's family (IPv4 without one)."""
    if ethertype is None:
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
        Msg("remedy.disable.reason", node=node),
        cause,
        Msg("remedy.disable.note"),
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


@dataclass
class _PortChange:
    """A port's fields as the remedies so far leave them (built into a Port once at the end)."""

    port: Port
    pairs: list[AllowedAddressPair]
    nets: set[IPNetwork]  # the pairs' networks, for "already there" in O(1)
    enabled: bool | None
    groups: tuple[str, ...]

    @classmethod
    def of(cls, port: Port) -> _PortChange:
        pairs = list(port.allowed_address_pairs)
        return cls(
            port,
            pairs,
            {p.ip_address for p in pairs},
            port.port_security_enabled,
            port.security_group_ids,
        )

    def build(self) -> Port:
        pairs = tuple(self.pairs)
        if (
            pairs == self.port.allowed_address_pairs
            and self.enabled == self.port.port_security_enabled
            and self.groups == self.port.security_group_ids
        ):
            return self.port
        return self.port.model_copy(
            update={
                "allowed_address_pairs": pairs,
                "port_security_enabled": self.enabled,
                "security_group_ids": self.groups,
            }
        )


def apply_remedies(snapshot: Snapshot, remedies: Iterable[Remedy]) -> Snapshot:
    """The snapshot as it would be after ``remedies`` (manual ones are ignored).

    Linear in the remedies and the objects they touch: each port, group and
    router is rebuilt once with all its changes (not copied per remedy), and
    "already there" is a set lookup, not a scan of the port's pairs, the
    group's rules or the router's routes.
    """
    os_ = snapshot.openstack
    if os_ is None:
        return snapshot
    ports = {p.id: p for p in os_.ports or ()}
    groups = {g.id: g for g in os_.security_groups or ()}
    routers = {r.id: r for r in os_.routers or ()}
    port_changes: dict[str, _PortChange] = {}
    new_pairs: dict[IPNetwork, AllowedAddressPair] = {}
    new_rules: dict[str, list[SecurityGroupRule]] = {}
    new_routes: dict[str, dict[tuple[IPNetwork, IPAddress], RouterRoute]] = {}
    counter = 0
    for r in remedies:
        if r.op in ("add-allowed-pair", "disable-port-security") and r.target_id in ports:
            change = port_changes.get(r.target_id)
            if change is None:
                change = port_changes[r.target_id] = _PortChange.of(ports[r.target_id])
            if r.op == "disable-port-security":
                change.enabled, change.groups = False, ()
                change.pairs, change.nets = [], set()
                continue
            net = parse_net(r.param("ip_address"))
            if net not in change.nets:
                pair = new_pairs.get(net)
                if pair is None:  # one immutable record per network, shared by every port
                    pair = new_pairs[net] = AllowedAddressPair(ip_address=net)
                change.pairs.append(pair)
                change.nets.add(net)
        elif r.op == "add-sg-rule" and r.target_id in groups:
            counter += 1
            lo = r.param("port_range_min")
            hi = r.param("port_range_max")
            prefix = r.param("remote_ip_prefix")
            new_rules.setdefault(r.target_id, []).append(
                SecurityGroupRule(
                    id=f"planned-{counter}",
                    direction="ingress"
                    if r.param("direction", "ingress") == "ingress"
                    else "egress",
                    ethertype="IPv6" if r.param("ethertype") == "IPv6" else "IPv4",
                    protocol=r.param("protocol") or None,
                    port_range_min=int(lo) if lo else None,
                    port_range_max=int(hi) if hi else None,
                    remote_ip_prefix=parse_net(prefix) if prefix else None,
                    remote_group_id=r.param("remote_group_id") or None,
                )
            )
        elif r.op == "add-router-route" and r.target_id in routers:
            pending = new_routes.get(r.target_id)
            if pending is None:
                pending = new_routes[r.target_id] = {
                    (x.destination, x.nexthop): x for x in routers[r.target_id].routes
                }
            route = RouterRoute(
                destination=parse_net(r.param("destination")),
                nexthop=ipaddress.ip_address(r.param("nexthop")),
            )
            pending.setdefault((route.destination, route.nexthop), route)
    for pid, change in port_changes.items():
        ports[pid] = change.build()
    for gid, rules in new_rules.items():
        groups[gid] = groups[gid].model_copy(update={"rules": (*groups[gid].rules, *rules)})
    for rid, routes in new_routes.items():
        if len(routes) != len(routers[rid].routes):
            routers[rid] = routers[rid].model_copy(update={"routes": tuple(routes.values())})
    new_os = os_.model_copy(
        update={
            "ports": tuple(ports.values()) if os_.ports is not None else None,
            "security_groups": tuple(groups.values()) if os_.security_groups is not None else None,
            "routers": tuple(routers.values()) if os_.routers is not None else None,
        }
    )
    return snapshot.model_copy(update={"openstack": new_os})


def ranges_label(remedies: Iterable[Remedy], fallback: Iterable[object]) -> str:
    """`pair_ranges` (else ``fallback``) as a reader sees them: four, then a count; "?"."""
    ranges = pair_ranges(remedies) or [str(c) for c in fallback]
    shown = ", ".join(ranges[:4]) or "?"
    return Msg("remedy.ranges-more", ranges=shown, n=len(ranges) - 4) if len(ranges) > 4 else shown


def pair_ranges(remedies: Iterable[Remedy]) -> list[str]:
    """The ranges a fix adds as allowed pairs, each once: what anti-spoofing drops (on a
    dual-stack cluster, possibly one family's ranges only)."""
    return list(
        dict.fromkeys(
            str(value)
            for r in remedies
            if r.op == "add-allowed-pair"
            for key, value in r.params
            if key == "ip_address"
        )
    )
