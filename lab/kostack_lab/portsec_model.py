"""What port security reads from Neutron: ports, security groups, and the lab's bindings.

Input: plain dicts shaped like Neutron API port and security-group objects,
either the REST JSON (`port_security_enabled`, `security_groups`,
`ethertype`) or openstacksdk's `to_dict()` (`is_port_security_enabled`,
`security_group_ids`, `ether_type`), read by `port_from_api` and
`group_from_api`. Also here: which addresses a `remote_group_id` rule
matches per backend (`NeutronBackend`), and the records of a render and
its counters (`Ruleset`, `CounterOwner`, `PortCounters`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kostack_lab.errors import LabInputError, Msg

__all__ = [
    "AddressPair",
    "CounterOwner",
    "NeutronBackend",
    "Port",
    "PortBinding",
    "PortCounters",
    "Ruleset",
    "SecurityGroup",
    "SecurityGroupRule",
    "group_from_api",
    "port_from_api",
]


class NeutronBackend(StrEnum):
    """Which addresses a remote-group rule matches (see docs/facts.md section 2)."""

    ML2_OVS = "ml2/ovs"
    ML2_OVN = "ml2/ovn"

    @property
    def remote_group_includes_pairs(self) -> bool:
        """ML2/OVS adds members' allowed pairs to remote groups; OVN does not."""
        return self is NeutronBackend.ML2_OVS


@dataclass(frozen=True)
class AddressPair:
    """One allowed address pair; `mac_address` None means the port's MAC."""

    ip_address: str
    mac_address: str | None = None


@dataclass(frozen=True)
class Port:
    """The fields of a Neutron port that port security reads."""

    id: str
    name: str
    mac_address: str
    fixed_ips: tuple[str, ...]
    allowed_address_pairs: tuple[AddressPair, ...] = ()
    port_security_enabled: bool = True
    security_group_ids: tuple[str, ...] = ()
    device_owner: str = ""
    revision_number: int | None = None
    # false: Neutron passes nothing through the port (docs/facts.md "Port admin state")
    admin_state_up: bool = True

    @property
    def trusted(self) -> bool:
        """Neutron's firewall skips `network:*` ports (router interfaces, DHCP)."""
        return self.device_owner.startswith("network:")

    @property
    def label(self) -> str:
        """Name if it has one, else id."""
        return self.name or self.id


@dataclass(frozen=True)
class SecurityGroupRule:
    """One security-group rule, fields as Neutron names them."""

    id: str
    direction: str
    ethertype: str = "IPv4"
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    remote_address_group_id: str | None = None


@dataclass(frozen=True)
class SecurityGroup:
    """A security group and its rules."""

    id: str
    name: str
    rules: tuple[SecurityGroupRule, ...] = ()
    revision_number: int | None = None
    # false: no connection state, replies meet the rules too (docs/facts.md "Stateless ...")
    stateful: bool = True


def _first(source: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in source and source[name] is not None:
            return source[name]
    return None


def _optional_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def port_from_api(source: Mapping[str, Any]) -> Port:
    """A Port from a Neutron REST port object or an openstacksdk `Port.to_dict()`."""
    try:
        port_id = str(source["id"])
        fixed = tuple(
            str(entry["ip_address"])
            for entry in source.get("fixed_ips") or []
            if entry.get("ip_address")
        )
        pairs = tuple(
            AddressPair(str(pair["ip_address"]), pair.get("mac_address") or None)
            for pair in source.get("allowed_address_pairs") or []
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise LabInputError(
            Msg("lab.x.not_port", why=repr(exc)),
            Msg("lab.x.as_api_ports", fields="id, mac_address, fixed_ips[].ip_address, ..."),
        ) from exc
    security = _first(source, "port_security_enabled", "is_port_security_enabled")
    revision = _first(source, "revision_number")
    return Port(
        id=port_id,
        name=str(source.get("name") or ""),
        mac_address=str(source.get("mac_address") or "").lower(),
        fixed_ips=fixed,
        allowed_address_pairs=pairs,
        # A Neutron without the port_security extension still applies groups.
        port_security_enabled=True if security is None else bool(security),
        security_group_ids=tuple(
            str(g) for g in _first(source, "security_groups", "security_group_ids") or ()
        ),
        device_owner=str(source.get("device_owner") or ""),
        revision_number=_optional_int(revision),
        admin_state_up=_first(source, "admin_state_up", "is_admin_state_up") is not False,
    )


def group_from_api(source: Mapping[str, Any]) -> SecurityGroup:
    """A SecurityGroup from a Neutron REST object or openstacksdk `to_dict()`."""
    try:
        rules = tuple(
            SecurityGroupRule(
                id=str(rule.get("id") or ""),
                direction=str(rule["direction"]),
                ethertype=str(_first(rule, "ethertype", "ether_type") or "IPv4"),
                protocol=None
                if rule.get("protocol") in (None, "")
                else str(rule["protocol"]).lower(),
                port_range_min=_optional_int(rule.get("port_range_min")),
                port_range_max=_optional_int(rule.get("port_range_max")),
                remote_ip_prefix=rule.get("remote_ip_prefix") or None,
                remote_group_id=rule.get("remote_group_id") or None,
                remote_address_group_id=rule.get("remote_address_group_id") or None,
            )
            for rule in source.get("security_group_rules") or []
        )
        return SecurityGroup(
            id=str(source["id"]),
            name=str(source.get("name") or ""),
            rules=rules,
            revision_number=_optional_int(source.get("revision_number")),
            stateful=source.get("stateful") is not False,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LabInputError(
            Msg("lab.x.not_group", why=repr(exc)),
            Msg("lab.x.as_api_ports", fields="id, name, security_group_rules[]"),
        ) from exc


@dataclass(frozen=True)
class PortBinding:
    """A Neutron port plugged into the lab: `tap` is its bridge-side interface."""

    key: str
    tap: str
    port: Port


@dataclass(frozen=True)
class CounterOwner:
    """Which port (and tap) the counters named `*_<key>` belong to."""

    key: str
    tap: str
    port_id: str
    port_name: str


@dataclass(frozen=True)
class Ruleset:
    """A rendered nft script plus what is needed to read its counters back."""

    text: str
    owners: tuple[CounterOwner, ...]
    unbound_taps: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortCounters:
    """Drops on one port since the rules were last rendered (packets, bytes)."""

    port_id: str
    port_name: str
    tap: str
    antispoof_drops: int = 0
    antispoof_bytes: int = 0
    egress_drops: int = 0
    ingress_drops: int = 0
    tap_rx_dropped: int = 0

    @property
    def total_drops(self) -> int:
        """All packets this port's rules dropped (the tap's own MTU drops not included)."""
        return self.antispoof_drops + self.egress_drops + self.ingress_drops
