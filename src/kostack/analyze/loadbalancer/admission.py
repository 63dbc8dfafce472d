"""Does a node port's security groups admit a *set* of sources on one port?

The load balancer path often knows only where traffic comes from, not the
exact address: an amphora talks to members from its own address in the
member subnet, an OVN load balancer keeps each client's address. So a
source here is a list of prefixes, and the answer is ALL (every address of
every prefix is admitted), SOME, NONE or UNKNOWN, with the rules that
decided it. Exact addresses are prefixes too (/32, /128).

Rules that match the protocol and destination port admit:
- any remote (no prefix, no group): everything;
- a ``remote_ip_prefix``: the part of each source prefix inside it;
- a ``remote_group_id``: an exact source address by the engine's own rule
  (members' fixed IPs; allowed pairs under ML2/OVS only); a source prefix
  never (the amphora's and OVN's ports are not in the project's groups);
- a ``remote_address_group_id``: undecided (address groups are not collected).

Pure: a function of the Topology.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kostack.analyze.protocols import port_bounds, protocol_number
from kostack.analyze.reach import group_member
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPNetwork, Port, SecurityGroupRule


class Coverage(StrEnum):
    ALL = "all"
    SOME = "some"
    NONE = "none"
    UNKNOWN = "unknown"
    NO_FILTER = "no-filter"  # port security off: nothing is filtered


@dataclass(frozen=True)
class Admission:
    coverage: Coverage
    rules: tuple[SecurityGroupRule, ...] = ()
    admitted: tuple[IPNetwork, ...] = ()
    refused: tuple[IPNetwork, ...] = ()
    groups: tuple[str, ...] = ()
    reason: str = ""


def _rule_applies(rule: SecurityGroupRule, proto: int, port: int, version: int) -> bool | None:
    if rule.direction != "ingress" or (rule.ethertype == "IPv4") != (version == 4):
        return False
    want = protocol_number(rule.protocol)
    if isinstance(want, str):
        return None
    if want is not None and want != proto:
        return False
    bounds = port_bounds(rule, want)
    return bounds is None or bounds[0] <= port <= bounds[1]


def _pieces(source: IPNetwork, covered: Sequence[IPNetwork]) -> list[IPNetwork]:
    """The parts of ``source`` no prefix in ``covered`` contains."""
    # one version per call (uncovered skips the others), which collapse_addresses needs
    return list(ipaddress.collapse_addresses(uncovered(source, covered)))  # type: ignore[type-var]


def uncovered(source: IPNetwork, covered: Iterable[IPNetwork]) -> list[IPNetwork]:
    """The parts of ``source`` outside every prefix of ``covered`` (of its version), as
    ``address_exclude`` cuts them: at most 32 pieces (128 for IPv6) per prefix cut."""
    left = [source]
    for cover in covered:
        if cover.version != source.version:
            continue
        nxt: list[IPNetwork] = []
        for piece in left:
            if piece.subnet_of(cover):  # type: ignore[arg-type]  # same version checked
                continue
            if cover.subnet_of(piece):  # type: ignore[arg-type]
                nxt.extend(piece.address_exclude(cover))  # type: ignore[arg-type]
            else:
                nxt.append(piece)
        left = nxt
    return left


def admission(
    topo: Topology, port: Port, sources: Iterable[IPNetwork], protocol: str, dst_port: int
) -> Admission:
    """How much of ``sources`` the port's ingress rules admit on ``protocol``/``dst_port``."""
    srcs = list(sources)
    if port.port_security_enabled is False:
        return Admission(Coverage.NO_FILTER, admitted=tuple(srcs))
    os_ = topo.snapshot.openstack
    if os_ is None or os_.security_groups is None:
        return Admission(Coverage.UNKNOWN, reason="security groups were not collected")
    proto = protocol_number(protocol)
    if not isinstance(proto, int):
        return Admission(Coverage.UNKNOWN, reason=f"protocol {protocol}")
    missing = [g for g in port.security_group_ids if g not in topo.groups]
    prefixes: list[IPNetwork] = []
    used: list[SecurityGroupRule] = []
    undecided = False
    groups = tuple(topo.groups[g].name or g for g in port.security_group_ids if g in topo.groups)
    exact = {s.network_address for s in srcs if s.num_addresses == 1}
    for gid in port.security_group_ids:
        grp = topo.groups.get(gid)
        for rule in grp.rules if grp is not None else ():
            versions = {s.version for s in srcs}
            applies = [_rule_applies(rule, proto, dst_port, v) for v in versions]
            if not any(a is not False for a in applies):
                continue
            if any(a is None for a in applies):
                undecided = True
                continue
            if rule.remote_ip_prefix is not None:
                prefixes.append(rule.remote_ip_prefix)
                used.append(rule)
            elif rule.remote_group_id is not None:
                for ip in exact:
                    member = group_member(topo, rule.remote_group_id, ip)
                    if member is None:
                        undecided = True
                    elif member:
                        prefixes.append(ipaddress.ip_network(ip))
                        used.append(rule)
            elif rule.remote_address_group_id is not None:
                undecided = True
            else:
                prefixes.extend(ipaddress.ip_network(v) for v in ("0.0.0.0/0", "::/0"))
                used.append(rule)
    refused = [piece for s in srcs for piece in _pieces(s, prefixes)]
    admitted = [s for s in srcs if not _pieces(s, prefixes)]
    rules = tuple(dict.fromkeys(used))
    if not refused:
        return Admission(Coverage.ALL, rules, tuple(srcs), (), groups)
    if undecided or missing:
        why = "a rule kostack cannot evaluate" if undecided else f"groups {missing} not collected"
        return Admission(Coverage.UNKNOWN, rules, tuple(admitted), tuple(refused), groups, why)
    total = sum(s.num_addresses for s in srcs)
    left = sum(r.num_addresses for r in refused)
    coverage = Coverage.NONE if left == total else Coverage.SOME
    return Admission(coverage, rules, tuple(admitted), tuple(refused), groups)
