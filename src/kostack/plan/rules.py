"""A security-group rule as kostack plans it, and a Neutron rule seen as one: the key Neutron
compares for duplicates (docs/facts.md "Duplicate rules"), its `openstack` options and text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Final

from kostack.analyze.protocols import port_span, protocol_number
from kostack.model.snapshot import SecurityGroupRule


@dataclass(frozen=True)
class Rule:
    """A security-group rule as kostack plans it (ingress between the cluster's nodes)."""

    direction: str
    ethertype: str
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    description: str = ""
    remote_address_group_id: str | None = None  # only read from Neutron: kostack plans none

    def key(self) -> tuple[object, ...]:
        """What Neutron compares for duplicates, as it compares it (docs/facts.md, "Duplicate
        rules"): in an IPv6 rule icmp and 1 are ipv6-icmp, 0.0.0.0/0 and ::/0 are no remote,
        ports 1-65535 are no range; the description is not compared."""
        ports = (self.port_range_min, self.port_range_max)
        return (
            self.direction,
            self.ethertype,
            _protocol_key(self.protocol, self.ethertype),
            *((None, None) if ports == (1, 65535) else ports),
            None if self.remote_ip_prefix in _ANY_PREFIX else self.remote_ip_prefix,
            self.remote_group_id or None,
            self.remote_address_group_id or None,
        )

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if out["remote_address_group_id"] is None:
            del out["remote_address_group_id"]
        return out

    def cli_options(self, remote_group: str | None = None) -> list[str]:
        """The rule as `openstack security group rule create` options (the group not included);
        ``remote_group`` names the remote group in the command instead of its id."""
        args = [f"--{self.direction}", "--ethertype", self.ethertype]
        args += ["--protocol", self.protocol or "any"]
        if self.port_range_min is not None:
            args += ["--dst-port", self.port_span(":")]
        if self.remote_group_id:
            group = self.remote_group_id if remote_group is None else remote_group
            args += ["--remote-group", group]
        elif self.remote_ip_prefix:
            args += ["--remote-ip", self.remote_ip_prefix]
        if self.description:
            args += ["--description", self.description]
        return args

    def port_span(self, sep: str = "-") -> str:
        """The destination ports: "6443", or "2379-2380" (``sep`` between); "" for every port."""
        return port_span(self.port_range_min, self.port_range_max, sep)

    def text(self) -> str:
        proto = self.protocol or "any protocol"
        ports = f" {self.port_span()}" if self.port_range_min is not None else ""
        way = "to" if self.direction == "egress" else "from"  # an egress rule's far end
        if self.remote_group_id:
            remote = f"{way} remote group {self.remote_group_id}"
        elif self.remote_ip_prefix:
            remote = f"{way} {self.remote_ip_prefix}"
        else:
            remote = f"{way} anywhere"
        return f"{self.direction} {self.ethertype} {proto}{ports} {remote}"


_ANY_PREFIX: Final = frozenset({None, "", "0.0.0.0/0", "::/0"})
# names Neutron accepts that the analysis leaves undecided (neutron-lib IP_PROTOCOL_MAP; its
# duplicate check compares "0" with "ip", not with "hopopt")
_MORE_PROTOCOLS: Final[dict[str, int | str]] = {
    "ip": "0",
    "ipv6-route": 43,
    "ipv6-frag": 44,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
}


def _protocol_key(protocol: str | None, ethertype: str) -> int | str | None:
    """A protocol as Neutron's duplicate check sees it (``_get_ip_proto_name_and_num``): names
    and numbers alike, icmp/icmpv6/1 in an IPv6 rule as 58."""
    number = protocol_number(protocol)
    if isinstance(number, str):
        number = _MORE_PROTOCOLS.get(number, number)
    if ethertype == "IPv6" and number == 1:
        return 58
    return number


def rule_of(rule: SecurityGroupRule) -> Rule:
    """A Neutron rule as a planned one (with its description)."""
    return Rule(
        direction=rule.direction,
        ethertype=rule.ethertype,
        protocol=rule.protocol,
        port_range_min=rule.port_range_min,
        port_range_max=rule.port_range_max,
        remote_ip_prefix=str(rule.remote_ip_prefix) if rule.remote_ip_prefix else None,
        remote_group_id=rule.remote_group_id,
        description=rule.description,
        remote_address_group_id=rule.remote_address_group_id,
    )


def rule_key(rule: SecurityGroupRule) -> tuple[object, ...]:
    """What makes a Neutron rule the same rule as a planned one (`Rule.key`)."""
    return rule_of(rule).key()
