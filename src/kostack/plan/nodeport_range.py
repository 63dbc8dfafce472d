"""One rule over the NodePort range instead of many single-NodePort rules from one source.

A thousand blocked LoadBalancer Services would be a thousand rules, one per
NodePort; Neutron's default quota is 100 rules per project
(``quota_security_group_rule``, neutron ``conf/quota.py`` DEFAULT_QUOTA_SG_RULE),
and every rule is evaluated on every node. When more than ``THRESHOLD`` such
rules go into one group from the same cluster-internal source (a remote group,
or a prefix inside one of the project's subnets: the amphora's member subnet,
OVN's health-check port), the plan adds one rule over the NodePort range from
that source and says what it opens. Never for a rule open to every address,
and never for a prefix that overlaps a Service's loadBalancerSourceRanges (the
OVN provider's clients): those stay one NodePort each.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPNetwork
from kostack.plan.rules import Rule

# More single-NodePort rules than this into one group from one source become one range rule.
THRESHOLD = 10
# Kubernetes' default --service-node-port-range.
NODEPORTS = (30000, 32767)
# Neutron's default security-group rule quota per project.
RULE_QUOTA = 100
# Neutron's default max_allowed_address_pair: the most allowed address pairs on one port.
PAIR_LIMIT = 10


@dataclass(frozen=True)
class RangeRule:
    """The range rule for group ``gid`` and the keys of the single-port rules it replaces."""

    gid: str
    rule: Rule
    replaced: tuple[tuple[object, ...], ...]


def _source(rule: Rule) -> Rule:
    return replace(rule, port_range_min=None, port_range_max=None, description="")


class Sources:
    """Which rule sources are cluster-internal, hence may be widened to the NodePort range."""

    def __init__(self, topo: Topology) -> None:
        self.subnets = [s.cidr for s in topo.subnets.values()]
        cluster = topo.snapshot.cluster
        services = (cluster.services if cluster is not None else None) or ()
        self.clients: list[IPNetwork] = [r for s in services for r in s.load_balancer_source_ranges]

    def internal(self, rule: Rule) -> bool:
        if rule.remote_group_id is not None:
            return rule.remote_ip_prefix is None
        if rule.remote_ip_prefix is None:
            return False
        prefix = _net(rule.remote_ip_prefix)
        if prefix is None or prefix.prefixlen == 0:
            return False
        same = [c for c in self.clients if c.version == prefix.version]
        if any(prefix.overlaps(c) for c in same):
            return False
        return any(
            s.version == prefix.version and prefix.subnet_of(s)  # type: ignore[arg-type]
            for s in self.subnets
        )


def _net(text: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def single_nodeport(rule: Rule) -> bool:
    lo, hi = rule.port_range_min, rule.port_range_max
    return lo is not None and lo == hi and rule.direction == "ingress" and rule.protocol is not None


def range_rules(
    rules: Iterable[tuple[str, Rule, Sequence[str]]], sources: Sources
) -> list[RangeRule]:
    """The range rules to plan for ``rules`` (group id, rule, root-cause keys), in order."""
    by: dict[tuple[str, tuple[object, ...]], list[Rule]] = {}
    for gid, rule, keys in rules:
        if "lb-nodeport-blocked" not in keys or not single_nodeport(rule):
            continue
        if sources.internal(rule):
            by.setdefault((gid, _source(rule).key()), []).append(rule)
    out: list[RangeRule] = []
    for (gid, _key), singles in by.items():
        if len(singles) <= THRESHOLD:
            continue
        ports = [r.port_range_min for r in singles if r.port_range_min is not None]
        lo, hi = min(ports), max(ports)
        if NODEPORTS[0] <= lo and hi <= NODEPORTS[1]:
            lo, hi = NODEPORTS
        wide = replace(
            singles[0],
            port_range_min=lo,
            port_range_max=hi,
            description=f"kostack: LoadBalancer NodePorts {lo}-{hi} ({len(singles)} Services)",
        )
        out.append(RangeRule(gid, wide, tuple(r.key() for r in singles)))
    return out


def over_quota(added: int, existing: Mapping[str, int]) -> int | None:
    """The project's rule count after the plan when the plan is what passes Neutron's default
    quota (a project already past it has a raised quota, whose size is not known)."""
    have = sum(existing.values())
    total = added + have
    return total if have <= RULE_QUOTA < total else None
