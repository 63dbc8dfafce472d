"""Neutron port security and security groups, rendered as nftables in the lab's hypervisor.

Input: plain dicts shaped like Neutron API port and security-group objects,
either the REST JSON (`port_security_enabled`, `security_groups`,
`ethertype`) or openstacksdk's `to_dict()` (`is_port_security_enabled`,
`security_group_ids`, `ether_type`). Output: one nft script that replaces the
tables `bridge ks-portsec` and `ip ks-portsec` in one transaction:

1. bridge prerouting (priority -200, before br_netfilter): per port
   `iifname <tap> jump portsec_<key>`; accept when `ether saddr . ip saddr`
   (ARP: `ether saddr . arp saddr ip`) is in the port's interval set (fixed
   IPs + allowed address pairs, pair MAC defaulting to the port MAC), else
   count and drop: Neutron's anti-spoofing;
2. ip prerouting (priority -150, reached through br_netfilter): conntrack
   state into the mark, established/related -> 0x1, invalid -> 0x2;
3. bridge forward (priority 0): 0x1 accept, 0x2 drop, then the sending
   port's egress rules (`sg_out_<key>`, return when allowed) and the
   receiving port's ingress rules (`sg_in_<key>`), each ending in a counted
   drop. Rules are a union, as in Neutron; ARP always passes.

Ports with `port_security_enabled` false, and trusted ports (device_owner
`network:*`, e.g. the router interface) get no chain at all. Which addresses
a `remote_group_id` rule matches depends on the backend: ML2/OVS takes the
member ports' fixed IPs and allowed pairs, ML2/OVN only the fixed IPs
(`NeutronBackend`). IPv6 rules and addresses are ignored: the lab is IPv4.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kostack.lab import netns
from kostack.lab.errors import LabInputError

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
    "load_ruleset",
    "port_from_api",
    "read_counters",
    "render_ruleset",
]

TABLE = "ks-portsec"
MARK_ESTABLISHED = "0x1"
MARK_INVALID = "0x2"

_PROTOCOL_NUMBERS: Mapping[str, int] = {
    "icmp": 1,
    "igmp": 2,
    "ipip": 4,
    "tcp": 6,
    "egp": 8,
    "udp": 17,
    "dccp": 33,
    "rsvp": 46,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "ospf": 89,
    "vrrp": 112,
    "pgm": 113,
    "sctp": 132,
    "udplite": 136,
}
_PORTED = {6: "tcp", 17: "udp", 33: "dccp", 132: "sctp", 136: "udplite"}
_IPV6_ONLY = {
    "icmpv6",
    "ipv6-icmp",
    "ipv6-encap",
    "ipv6-frag",
    "ipv6-nonxt",
    "ipv6-opts",
    "ipv6-route",
}


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
            f"port description is not shaped like a Neutron port: {exc!r}",
            "give dicts as the Neutron API returns them (id, mac_address, fixed_ips[].ip_address, ...)",
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
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LabInputError(
            f"security group description is not shaped like a Neutron group: {exc!r}",
            "give dicts as the Neutron API returns them (id, name, security_group_rules[])",
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


@dataclass
class _Render:
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _ident(text: str) -> str:
    """An nft identifier from a lab key (`n2` stays, anything odd becomes `_`)."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", text.lower())
    return cleaned if cleaned[:1].isalpha() else "p_" + cleaned


def _comment(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9 ._:/=-]", "_", text)[:120]
    return f'comment "{cleaned}"'


def _ipv4_networks(addresses: Iterable[str]) -> list[ipaddress.IPv4Network]:
    networks: list[ipaddress.IPv4Network] = []
    for address in addresses:
        try:
            network = ipaddress.ip_network(address, strict=False)
        except ValueError:
            continue
        if isinstance(network, ipaddress.IPv4Network):
            networks.append(network)
    return list(ipaddress.collapse_addresses(networks))


def _element(network: ipaddress.IPv4Network) -> str:
    return str(network.network_address) if network.prefixlen == 32 else str(network)


def antispoof_elements(port: Port) -> list[str]:
    """`mac . address` elements a port may send from (fixed IPs + pairs), collapsed per MAC."""
    by_mac: dict[str, list[str]] = {port.mac_address: list(port.fixed_ips)}
    for pair in port.allowed_address_pairs:
        by_mac.setdefault((pair.mac_address or port.mac_address).lower(), []).append(
            pair.ip_address
        )
    elements: list[str] = []
    for mac, addresses in by_mac.items():
        elements += [f"{mac} . {_element(n)}" for n in _ipv4_networks(addresses)]
    return elements


def remote_group_addresses(
    group_id: str, ports: Sequence[Port], backend: NeutronBackend
) -> list[str]:
    """The addresses a `remote_group_id` rule matches: members' fixed IPs (and pairs on OVS)."""
    addresses: list[str] = []
    for port in ports:
        if group_id not in port.security_group_ids:
            continue
        addresses += port.fixed_ips
        if backend.remote_group_includes_pairs:
            addresses += [pair.ip_address for pair in port.allowed_address_pairs]
    return [_element(n) for n in _ipv4_networks(addresses)]


def _protocol_number(protocol: str | None) -> int | None:
    if protocol is None or protocol in {"any", "0"}:
        return None
    if protocol.isdigit():
        return int(protocol)
    if protocol in _PROTOCOL_NUMBERS:
        return _PROTOCOL_NUMBERS[protocol]
    raise ValueError(protocol)


def _rule_match(
    rule: SecurityGroupRule, group: SecurityGroup, group_sets: Mapping[str, str], out: _Render
) -> str | None:
    """The nft match for one IPv4 rule, or None when it cannot match IPv4 traffic."""
    if rule.ethertype.lower() != "ipv4" or (rule.protocol or "") in _IPV6_ONLY:
        return None
    where = f"rule {rule.id} of group {group.name or group.id}"
    try:
        number = _protocol_number(rule.protocol)
    except ValueError:
        out.warnings.append(f"{where}: unknown protocol {rule.protocol!r}, rule ignored")
        return None
    parts = ["ether type ip"]
    if number is not None:
        parts.append(f"ip protocol {number}")
        low, high = rule.port_range_min, rule.port_range_max
        if number in _PORTED and low is not None:
            span = str(low) if high is None or high == low else f"{low}-{high}"
            parts.append(f"{_PORTED[number]} dport {span}")
        elif number == 1 and low is not None:
            parts.append(f"icmp type {low}")
            if high is not None:
                parts.append(f"icmp code {high}")
    field_name = "ip saddr" if rule.direction == "ingress" else "ip daddr"
    if rule.remote_ip_prefix:
        networks = _ipv4_networks([rule.remote_ip_prefix])
        if not networks:
            return None
        if networks[0].prefixlen > 0:
            parts.append(f"{field_name} {_element(networks[0])}")
    elif rule.remote_group_id:
        parts.append(f"{field_name} @{group_sets[rule.remote_group_id]}")
    elif rule.remote_address_group_id:
        out.warnings.append(f"{where}: remote address groups are not modelled, rule ignored")
        return None
    return " ".join(parts)


def render_ruleset(
    bindings: Sequence[PortBinding],
    ports: Sequence[Port],
    groups: Sequence[SecurityGroup],
    backend: NeutronBackend = NeutronBackend.ML2_OVS,
    unbound_taps: Sequence[tuple[str, str]] = (),
) -> Ruleset:
    """Render port security for the bound ports as one atomic nft script.

    `ports` are all ports of the network (remote-group members may have no
    tap in the lab); `unbound_taps` are (key, tap) pairs of lab VMs without
    a Neutron port: everything they send or receive is dropped, as for an
    unplugged VM.
    """
    out = _Render()
    groups_by_id = {g.id: g for g in groups}
    referenced = sorted(
        {
            rule.remote_group_id
            for binding in bindings
            for gid in binding.port.security_group_ids
            if gid in groups_by_id
            for rule in groups_by_id[gid].rules
            if rule.remote_group_id
        }
    )
    group_sets = {gid: f"remote_group_{i}" for i, gid in enumerate(referenced)}
    owners: list[CounterOwner] = []

    lines = out.lines
    lines += [f"table bridge {TABLE}", f"delete table bridge {TABLE}", f"table bridge {TABLE} {{"]
    lines += ["counter invalid {", "}"]
    for gid, set_name in group_sets.items():
        name = groups_by_id[gid].name if gid in groups_by_id else "(missing group)"
        if gid not in groups_by_id:
            out.warnings.append(
                f"remote group {gid} is not among the security groups: it matches nothing"
            )
        lines += [
            f"set {set_name} {{",
            "type ipv4_addr",
            "flags interval",
            _comment(f"members of {name} {gid}"),
        ]
        elements = remote_group_addresses(gid, ports, backend)
        if elements:
            lines.append(f"elements = {{ {', '.join(elements)} }}")
        lines.append("}")

    prerouting: list[str] = []
    forward_out: list[str] = []
    forward_in: list[str] = []
    chains: list[str] = []
    for binding in bindings:
        port = binding.port
        key = _ident(binding.key)
        owners.append(
            CounterOwner(
                key=key, tap=binding.tap, port_id=port.id, port_name=port.name or binding.key
            )
        )
        if not port.port_security_enabled or port.trusted:
            continue
        tag = _comment(f"port {port.label} {port.id}")
        lines += [
            f"counter portsec_drop_{key} {{",
            "}",
            f"counter sg_out_drop_{key} {{",
            "}",
            f"counter sg_in_drop_{key} {{",
            "}",
            f"set portsec_{key} {{",
            "type ether_addr . ipv4_addr",
            "flags interval",
        ]
        elements = antispoof_elements(port)
        if elements:
            lines.append(f"elements = {{ {', '.join(elements)} }}")
        lines.append("}")
        prerouting.append(f'iifname "{binding.tap}" jump portsec_{key} {tag}')
        forward_out.append(f'iifname "{binding.tap}" jump sg_out_{key} {tag}')
        forward_in.append(f'oifname "{binding.tap}" jump sg_in_{key} {tag}')
        chains += [
            f"chain portsec_{key} {{",
            f"ether type ip ether saddr . ip saddr @portsec_{key} accept",
            f"ether type arp ether saddr . arp saddr ip @portsec_{key} accept",
            f'counter name "portsec_drop_{key}" drop',
            "}",
        ]
        ingress: list[str] = []
        egress: list[str] = []
        for gid in port.security_group_ids:
            group = groups_by_id.get(gid)
            if group is None:
                out.warnings.append(f"port {port.label}: security group {gid} not found, ignored")
                continue
            for rule in group.rules:
                match = _rule_match(rule, group, group_sets, out)
                if match is None:
                    continue
                note = _comment(f"{group.name or group.id} rule {rule.id}")
                if rule.direction == "ingress":
                    ingress.append(f"{match} accept {note}")
                else:
                    egress.append(f"{match} return {note}")
        chains += [
            f"chain sg_out_{key} {{",
            "ether type arp return",
            *egress,
            f'counter name "sg_out_drop_{key}" drop',
            "}",
            f"chain sg_in_{key} {{",
            "ether type arp accept",
            *ingress,
            f'counter name "sg_in_drop_{key}" drop',
            "}",
        ]
    unbound: list[str] = []
    for raw_key, tap in unbound_taps:
        key = _ident(raw_key)
        unbound.append(tap)
        owners.append(CounterOwner(key=key, tap=tap, port_id="", port_name=""))
        lines += [f"counter portsec_drop_{key} {{", "}", f"counter sg_in_drop_{key} {{", "}"]
        prerouting.append(
            f'iifname "{tap}" counter name "portsec_drop_{key}" drop {_comment("no Neutron port")}'
        )
        forward_in.append(
            f'oifname "{tap}" counter name "sg_in_drop_{key}" drop {_comment("no Neutron port")}'
        )

    lines += [
        "chain prerouting {",
        "type filter hook prerouting priority -200; policy accept;",
        *prerouting,
        "}",
        "chain forward {",
        "type filter hook forward priority 0; policy accept;",
        f"meta mark {MARK_ESTABLISHED} accept",
        f'meta mark {MARK_INVALID} counter name "invalid" drop',
        *forward_out,
        *forward_in,
        "}",
        *chains,
        "}",
        f"table ip {TABLE}",
        f"delete table ip {TABLE}",
        f"table ip {TABLE} {{",
        "chain prerouting {",
        "type filter hook prerouting priority -150; policy accept;",
        f"ct state established,related meta mark set {MARK_ESTABLISHED}",
        f"ct state invalid meta mark set {MARK_INVALID}",
        "}",
        "}",
    ]
    return Ruleset(
        text="\n".join(lines) + "\n",
        owners=tuple(owners),
        unbound_taps=tuple(unbound),
        warnings=tuple(dict.fromkeys(out.warnings)),
    )


def load_ruleset(hv_netns: str, ruleset: Ruleset) -> None:
    """Replace the port-security tables in the hypervisor namespace (one transaction)."""
    netns.load_nft(hv_netns, ruleset.text)


def read_counters(hv_netns: str, owners: Sequence[CounterOwner]) -> dict[str, PortCounters]:
    """Per-port drop counters, keyed by port name (or id, or tap when unbound)."""
    document = netns.nft_json(hv_netns, ["list", "counters", "table", "bridge", TABLE])
    values: dict[str, tuple[int, int]] = {}
    for item in document.get("nftables", []):
        counter = item.get("counter") if isinstance(item, dict) else None
        if isinstance(counter, dict):
            values[str(counter.get("name"))] = (
                int(counter.get("packets", 0)),
                int(counter.get("bytes", 0)),
            )
    taps = read_tap_drops(hv_netns)
    result: dict[str, PortCounters] = {}
    for owner in owners:
        antispoof = values.get(f"portsec_drop_{owner.key}", (0, 0))
        result[owner.port_name or owner.port_id or owner.tap] = PortCounters(
            port_id=owner.port_id,
            port_name=owner.port_name,
            tap=owner.tap,
            antispoof_drops=antispoof[0],
            antispoof_bytes=antispoof[1],
            egress_drops=values.get(f"sg_out_drop_{owner.key}", (0, 0))[0],
            ingress_drops=values.get(f"sg_in_drop_{owner.key}", (0, 0))[0],
            tap_rx_dropped=taps.get(owner.tap, 0),
        )
    return result


def read_tap_drops(hv_netns: str) -> dict[str, int]:
    """rx "dropped" per tap: frames from the VM the tap refused, e.g. longer than its MTU.

    That is where a VM NIC MTU above the network's shows (veth drops them
    before any nft hook sees them).
    """
    completed = netns.run(
        ["ip", "-n", netns.check_netns_name(hv_netns), "-j", "-s", "link", "show"]
    )
    drops: dict[str, int] = {}
    for link in json.loads(completed.stdout or "[]"):
        stats = link.get("stats64", {}).get("rx", {})
        drops[str(link.get("ifname"))] = int(stats.get("dropped", 0))
    return drops


def read_invalid_drops(hv_netns: str) -> int:
    """Packets dropped because conntrack called them invalid."""
    document = netns.nft_json(hv_netns, ["list", "counter", "bridge", TABLE, "invalid"])
    for item in document.get("nftables", []):
        counter = item.get("counter") if isinstance(item, dict) else None
        if isinstance(counter, dict):
            return int(counter.get("packets", 0))
    return 0
