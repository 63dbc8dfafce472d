"""What `kostack guard` owns in Neutron, and how it is marked.

Guard only ever removes what it added, so what it added must be recognisable
by anyone reading Neutron (and by a guard that restarted):

- an allowed address pair guard added to a port is named by a tag on that
  port, ``kostack-guard:pair=10.244.0.0_16`` (the CIDR with ``_`` for ``/``:
  Neutron routes ``DELETE /v2.0/ports/ID/tags/TAG`` by path, so a tag holding
  ``/`` could be added but never removed on its own); the bare tag
  ``kostack-guard`` marks every port guard manages (``openstack port list
  --tags kostack-guard``);
- a security-group rule guard created carries the description prefix
  ``kostack-guard:`` (rules cannot be tagged individually in every release,
  and a rule's description is set at creation, atomically with the rule).

A pair is guard's when the port has its tag and the pair's MAC is the
port's own; everything else on the port (a person's pairs, pairs of a
keepalived VIP, other tags) is never touched. A tag whose pair is not on the
port claims nothing: guard drops it. Neutron allows 50 tags per port and 255
characters per tag (neutron/extensions/tagging.py: MAX_TAGS_COUNT,
MAX_TAG_LEN).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from kostack.model.snapshot import IPNetwork, Port, SecurityGroupRule, Snapshot

__all__ = [
    "MARKER_TAG",
    "MAX_TAGS",
    "PAIR_TAG_PREFIX",
    "RULE_MARKER",
    "PortOwnership",
    "cidr_text",
    "is_owned_rule",
    "pair_tag",
    "port_ownership",
    "rule_description",
    "strip_owned",
    "tag_cidr",
]

MARKER_TAG: Final = "kostack-guard"
PAIR_TAG_PREFIX: Final = "kostack-guard:pair="
RULE_MARKER: Final = "kostack-guard:"
MAX_TAGS: Final = 50
MAX_DESCRIPTION: Final = 255


def cidr_text(value: object) -> str:
    """The canonical text of a CIDR (``10.0.0.5`` -> ``10.0.0.5/32``)."""
    return str(ipaddress.ip_network(str(value), strict=False))


def pair_tag(cidr: str | IPNetwork) -> str:
    """The tag that says guard added the pair ``cidr`` to this port."""
    net = ipaddress.ip_network(str(cidr), strict=False)
    return f"{PAIR_TAG_PREFIX}{net.network_address}_{net.prefixlen}"


def tag_cidr(tag: str) -> str | None:
    """The CIDR a guard pair tag names (canonical text), or None for any other tag."""
    if not tag.startswith(PAIR_TAG_PREFIX):
        return None
    address, sep, length = tag[len(PAIR_TAG_PREFIX) :].rpartition("_")
    if not sep or not length.isdigit():
        return None
    try:
        return str(ipaddress.ip_network(f"{address}/{length}"))
    except ValueError:
        return None


def rule_description(reason: str) -> str:
    """A guard rule's description: the marker, then why (Neutron allows 255 characters)."""
    text = f"{RULE_MARKER} {reason}".strip()
    return text[:MAX_DESCRIPTION]


def is_owned_rule(rule: SecurityGroupRule) -> bool:
    return rule.description.startswith(RULE_MARKER)


@dataclass(frozen=True)
class PortOwnership:
    """Which pairs of one port are guard's, as its tags (and the journal) say."""

    port_id: str
    owned: frozenset[str]  # CIDRs of guard's pairs present on the port
    tagged: frozenset[str]  # CIDRs named by guard's pair tags
    claimable: frozenset[str]  # present, untagged, and the journal says guard added them
    stale: frozenset[str]  # tagged, but no such pair on the port
    marker: bool  # the bare kostack-guard tag is there
    tags: int  # tags on the port (Neutron allows MAX_TAGS)

    @property
    def managed(self) -> bool:
        return bool(self.owned or self.tagged or self.marker)


def _own_pairs(port: Port) -> set[str]:
    """CIDRs of the port's pairs that use the port's own MAC (the only ones guard adds)."""
    mac = port.mac_address.lower()
    return {
        cidr_text(p.ip_address)
        for p in port.allowed_address_pairs
        if p.mac_address is None or p.mac_address.lower() == mac
    }


def port_ownership(port: Port, claims: Iterable[str] = ()) -> PortOwnership:
    """Guard's share of ``port``; ``claims`` are CIDRs the journal says guard added (in doubt)."""
    tagged = {c for c in (tag_cidr(t) for t in port.tags) if c is not None}
    present = _own_pairs(port)
    claimable = {cidr_text(c) for c in claims} & present - tagged
    return PortOwnership(
        port_id=port.id,
        owned=frozenset((tagged & present) | claimable),
        tagged=frozenset(tagged),
        claimable=frozenset(claimable),
        stale=frozenset(tagged - present),
        marker=MARKER_TAG in port.tags,
        tags=len(port.tags),
    )


def strip_owned(
    snapshot: Snapshot, ownership: Mapping[str, PortOwnership], owned_rules: Iterable[str]
) -> Snapshot:
    """The snapshot without guard's pairs and rules: what a person alone has put in place.

    The plan builder run on this is what "right" needs from guard; comparing
    it with what guard owns gives what to add and what to remove.
    """
    os_ = snapshot.openstack
    if os_ is None:
        return snapshot
    rule_ids = set(owned_rules)
    ports = None
    if os_.ports is not None:
        ports = tuple(_without_owned(p, ownership.get(p.id)) for p in os_.ports)
    groups = None
    if os_.security_groups is not None:
        groups = tuple(
            g.model_copy(update={"rules": tuple(r for r in g.rules if r.id not in rule_ids)})
            if any(r.id in rule_ids for r in g.rules)
            else g
            for g in os_.security_groups
        )
    return snapshot.model_copy(
        update={"openstack": os_.model_copy(update={"ports": ports, "security_groups": groups})}
    )


def _without_owned(port: Port, ownership: PortOwnership | None) -> Port:
    if ownership is None or not ownership.owned:
        return port
    mac = port.mac_address.lower()
    kept = tuple(
        p
        for p in port.allowed_address_pairs
        if not (
            cidr_text(p.ip_address) in ownership.owned
            and (p.mac_address is None or p.mac_address.lower() == mac)
        )
    )
    return port.model_copy(update={"allowed_address_pairs": kept})
