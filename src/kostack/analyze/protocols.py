"""IP protocols and ports as Neutron security-group rules name them.

Pure: the protocol names and numbers a rule may carry, and what a rule's port range
admits (an ICMP rule's type and code, a ported protocol's destination ports).
"""

from __future__ import annotations

from functools import lru_cache

from kostack.model.snapshot import SecurityGroupRule

PROTOCOL_NUMBERS: dict[str, int] = {
    "icmp": 1,
    "igmp": 2,
    "ipip": 4,
    "tcp": 6,
    "egp": 8,
    "udp": 17,
    "ipv6-encap": 41,
    "dccp": 33,
    "rsvp": 46,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "icmpv6": 58,
    "ipv6-icmp": 58,
    "ospf": 89,
    "vrrp": 112,
    "pgm": 113,
    "sctp": 132,
    "udplite": 136,
}
PROTOCOL_NAMES: dict[int, str] = {1: "icmp", 4: "ipip", 6: "tcp", 17: "udp", 47: "gre", 132: "sctp"}
PORTED_PROTOCOLS = frozenset({6, 17, 132, 33, 136})


@lru_cache(maxsize=1024)
def protocol_number(protocol: str | None) -> int | str | None:
    """Neutron protocol field -> IP protocol number; None means any; a str is unrecognised
    (or, for "0", undecidable without the firewall driver)."""
    if protocol is None:
        return None
    p = protocol.strip().lower()
    if p in ("", "any"):
        return None
    if p.isdigit():
        # 0 depends on the firewall driver: iptables applies the rule to every protocol (no
        # -p), the Open vSwitch firewall and OVN to protocol 0 only (docs/facts.md section 2)
        return p if int(p) == 0 else int(p)
    return PROTOCOL_NUMBERS.get(p, p)


def protocol_label(number: int) -> str:
    return PROTOCOL_NAMES.get(number, str(number))


def port_span(lo: int | None, hi: int | None, sep: str = "-") -> str:
    """A rule's destination ports: "6443", or "2379-2380" (``sep`` between); "" for every port."""
    if lo is None:
        return ""
    return f"{lo}{sep}{hi}" if hi not in (None, lo) else str(lo)


def port_bounds(rule: SecurityGroupRule, proto: int | str | None) -> tuple[int, int] | None:
    """The destination ports ``rule`` limits protocol ``proto`` to (an absent end is open:
    0 or 65535); None when it limits none (no range, or a protocol without ports)."""
    lo, hi = rule.port_range_min, rule.port_range_max
    if proto not in PORTED_PROTOCOLS or (lo is None and hi is None):
        return None
    return (lo if lo is not None else 0, hi if hi is not None else 65535)


ECHO_REQUEST = {1: 8, 58: 128}  # ICMP and ICMPv6 echo request types


def other_icmp(rule: SecurityGroupRule, proto: int | str | None) -> bool:
    """An ICMP rule for another type or code than echo request (a ping), which admits none.

    Neutron keeps an ICMP rule's type in port_range_min and its code in port_range_max
    (docs/facts.md section 2); echo request is type 8 (ICMPv6: 128) with code 0."""
    echo = ECHO_REQUEST.get(proto) if isinstance(proto, int) else None
    lo, hi = rule.port_range_min, rule.port_range_max
    return echo is not None and ((lo is not None and lo != echo) or hi not in (None, 0))
