"""Neutron port security and security groups, rendered as one nftables script.

`render_ruleset` writes one nft script that replaces the tables
`bridge ks-portsec` and `ip ks-portsec` in one transaction:

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
   drop. Rules are a union, as in Neutron; ARP always passes. A port whose
   groups are stateless meets its rules before 0x1 is accepted: its replies
   are filtered like any packet (docs/facts.md "Stateless security groups").

A port with `admin_state_up` false drops everything it sends or receives, as a tap
without a port does (ML2/OVS's dead VLAN, OVN's disabled port: docs/facts.md).
Ports with `port_security_enabled` false, and trusted ports (device_owner
`network:*`, e.g. the router interface) get no chain at all. Which addresses
a `remote_group_id` rule matches depends on the backend: ML2/OVS takes the
member ports' fixed IPs and allowed pairs, ML2/OVN only the fixed IPs
(`NeutronBackend`).

IPv6 the same way: a second per-port set of type `ether_addr . ipv6_addr`
(fixed IPv6 addresses, IPv6 pairs, and the EUI-64 link-local address of
each MAC that has an IPv6 address) and a third (`portna_<key>`) of the same
pairs as the neighbour advertisement targets the port may send (an NA for any
other target is an anti-spoofing drop, whatever its source), `ip6` conntrack marks (bridged IPv6
reaches the ip6 hooks through br_netfilter's bridge-nf-call-ip6tables), IPv6
rules (`ethertype IPv6`) with `ip6` addresses and ICMPv6 types, remote-group
sets of type `ipv6_addr`, and what Neutron always allows for IPv6 (neighbour
discovery, MLD, RAs only from unfiltered router ports, DHCPv6;
`kostack_lab.portsec_ipv6`, which cites the Neutron files).
Pure: nothing here runs a command (`kostack_lab.portsec` loads and reads).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kostack.catalog import Msg
from kostack_lab import texts_status  # noqa: F401  (registers the warnings' keys)
from kostack_lab.netns import nft_table_anew
from kostack_lab.portsec_ipv6 import (
    NA_TARGET_TYPEOF,
    egress_fixed_rules,
    ingress_fixed_rules,
    link_local,
    na_target_element,
    na_target_rule,
    unspecified_source_rule,
)
from kostack_lab.portsec_model import (
    CounterOwner,
    NeutronBackend,
    Port,
    PortBinding,
    Ruleset,
    SecurityGroup,
    SecurityGroupRule,
)

__all__ = [
    "MARK_ESTABLISHED",
    "MARK_INVALID",
    "TABLE",
    "antispoof_elements",
    "remote_group_addresses",
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
_ICMP_NAMES = {
    "icmp",
    "icmpv6",
    "ipv6-icmp",
    "58",
}  # with ethertype IPv6, Neutron reads icmp as ICMPv6
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_IPV6_ONLY = {
    "icmpv6",
    "ipv6-icmp",
    "ipv6-encap",
    "ipv6-frag",
    "ipv6-nonxt",
    "ipv6-opts",
    "ipv6-route",
}


@dataclass
class _Render:
    """The script as it is being written: table declarations, hook rules, chains."""

    lines: list[str] = field(default_factory=list)  # table header, counters and sets
    warnings: list[Msg] = field(default_factory=list)  # kostack_lab.texts_status
    owners: list[CounterOwner] = field(default_factory=list)
    prerouting: list[str] = field(default_factory=list)
    forward_out: list[str] = field(default_factory=list)
    forward_in: list[str] = field(default_factory=list)
    # stateless ports' rules for established packets, before those are accepted
    established: list[str] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)


def _ident(text: str) -> str:
    """An nft identifier from a lab key (`n2` stays, anything odd becomes `_`)."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", text.lower())
    return cleaned if cleaned[:1].isalpha() else "p_" + cleaned


def _comment(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9 ._:/=-]", "_", text)[:120]
    return f'comment "{cleaned}"'


def _networks(addresses: Iterable[str], version: int = 4) -> list[Network]:
    """The addresses of one IP version as collapsed networks (others and garbage skipped)."""
    networks: list[Network] = []
    for address in addresses:
        try:
            network = ipaddress.ip_network(address, strict=False)
        except ValueError:
            continue
        if network.version == version:
            networks.append(network)
    return list(ipaddress.collapse_addresses(networks))  # type: ignore[type-var]  # one IP version, filtered above


def _element(network: Network) -> str:
    full = network.max_prefixlen
    return str(network.network_address) if network.prefixlen == full else str(network)


def antispoof_elements(port: Port, version: int = 4) -> list[str]:
    """`mac . address` elements a port may send from (fixed IPs + pairs), collapsed per MAC.

    IPv6 also holds the EUI-64 link-local address of every MAC that has an
    IPv6 address, as Neutron adds it (`kostack_lab.portsec_ipv6`).
    """
    by_mac: dict[str, list[str]] = {port.mac_address: list(port.fixed_ips)}
    for pair in port.allowed_address_pairs:
        by_mac.setdefault((pair.mac_address or port.mac_address).lower(), []).append(
            pair.ip_address
        )
    elements: list[str] = []
    for mac, addresses in by_mac.items():
        networks = _networks(addresses, version)
        if version == 6 and networks:
            networks = _networks([*addresses, link_local(mac)], 6)
        elements += [f"{mac} . {_element(n)}" for n in networks]
    return elements


def remote_group_addresses(
    group_id: str, ports: Sequence[Port], backend: NeutronBackend, version: int = 4
) -> list[str]:
    """The addresses a `remote_group_id` rule matches: members' fixed IPs (and pairs on OVS)."""
    addresses: list[str] = []
    for port in ports:
        if group_id not in port.security_group_ids:
            continue
        addresses += port.fixed_ips
        if backend.remote_group_includes_pairs:
            addresses += [pair.ip_address for pair in port.allowed_address_pairs]
    return [_element(n) for n in _networks(addresses, version)]


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
    """The nft match for one rule (IPv4 or IPv6), or None when it can match no traffic."""
    version = 6 if rule.ethertype.lower() == "ipv6" else 4
    if rule.ethertype.lower() not in ("ipv4", "ipv6"):
        return None
    if version == 4 and (rule.protocol or "") in _IPV6_ONLY:
        return None
    where = Msg("lab.r.rule_of", rule=rule.id, group=group.name or group.id)
    protocol = rule.protocol
    if version == 6 and (protocol or "") in _ICMP_NAMES | {"1"}:
        protocol = "58"
    elif version == 6 and protocol in _IPV6_ONLY:
        out.warnings.append(Msg("lab.r.not_modelled", where=where, protocol=repr(protocol)))
        return None
    try:
        number = _protocol_number(protocol)
    except ValueError:
        out.warnings.append(
            Msg("lab.r.unknown_protocol", where=where, protocol=repr(rule.protocol))
        )
        return None
    parts = ["ether type ip" if version == 4 else "ether type ip6"]
    icmp = "icmp" if version == 4 else "icmpv6"
    if number is not None:
        parts.append(f"ip protocol {number}" if version == 4 else f"meta l4proto {number}")
        low, high = rule.port_range_min, rule.port_range_max
        if number in _PORTED and low is not None:
            span = str(low) if high is None or high == low else f"{low}-{high}"
            parts.append(f"{_PORTED[number]} dport {span}")
        elif number == (1 if version == 4 else 58) and low is not None:
            parts.append(f"{icmp} type {low}")
            if high is not None:
                parts.append(f"{icmp} code {high}")
    family = "ip" if version == 4 else "ip6"
    field_name = f"{family} saddr" if rule.direction == "ingress" else f"{family} daddr"
    if rule.remote_ip_prefix:
        networks = _networks([rule.remote_ip_prefix], version)
        if not networks:
            return None
        if networks[0].prefixlen > 0:
            parts.append(f"{field_name} {_element(networks[0])}")
    elif rule.remote_group_id:
        parts.append(
            f"{field_name} @{group_sets[rule.remote_group_id]}{'' if version == 4 else '_6'}"
        )
    elif rule.remote_address_group_id:
        out.warnings.append(Msg("lab.r.address_groups", where=where))
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
    group_sets = _remote_group_sets(bindings, groups_by_id)
    out.lines += nft_table_anew("bridge", TABLE)
    out.lines += ["counter invalid {", "}"]
    _declare_remote_groups(out, group_sets, groups_by_id, ports, backend)
    for binding in bindings:
        _render_port(out, binding, groups_by_id, group_sets)
    unbound = [_render_unbound(out, raw_key, tap) for raw_key, tap in unbound_taps]
    return Ruleset(
        text="\n".join([*out.lines, *_hooks_and_chains(out)]) + "\n",
        owners=tuple(out.owners),
        unbound_taps=tuple(unbound),
        warnings=tuple(dict.fromkeys(out.warnings)),
    )


def _remote_group_sets(
    bindings: Sequence[PortBinding], groups_by_id: Mapping[str, SecurityGroup]
) -> dict[str, str]:
    """An nft set name for every group a bound port's rules name as remote group."""
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
    return {gid: f"remote_group_{i}" for i, gid in enumerate(referenced)}


def _declare_remote_groups(
    out: _Render,
    group_sets: Mapping[str, str],
    groups_by_id: Mapping[str, SecurityGroup],
    ports: Sequence[Port],
    backend: NeutronBackend,
) -> None:
    """One interval set per remote group: the addresses its members send from."""
    for gid, set_name in group_sets.items():
        name = groups_by_id[gid].name if gid in groups_by_id else "(missing group)"
        if gid not in groups_by_id:
            out.warnings.append(Msg("lab.r.remote_missing", group=gid))
        for version, suffix in ((4, ""), (6, "_6")):
            out.lines += [
                f"set {set_name}{suffix} {{",
                f"type ipv{version}_addr",
                "flags interval",
                _comment(f"members of {name} {gid}"),
            ]
            elements = remote_group_addresses(gid, ports, backend, version)
            if elements:
                out.lines.append(f"elements = {{ {', '.join(elements)} }}")
            out.lines.append("}")


def _render_port(
    out: _Render,
    binding: PortBinding,
    groups_by_id: Mapping[str, SecurityGroup],
    group_sets: Mapping[str, str],
) -> None:
    """A bound port's counters, anti-spoofing set, hook rules and chains (none when exempt)."""
    port = binding.port
    key = _ident(binding.key)
    out.owners.append(
        CounterOwner(key=key, tap=binding.tap, port_id=port.id, port_name=port.name or binding.key)
    )
    if not port.admin_state_up:
        _render_dead(out, key, binding.tap, f"port {port.id} admin_state_up false")
        return
    if not port.port_security_enabled or port.trusted:
        return
    tag = _comment(f"port {port.label} {port.id}")
    out.lines += [
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
        out.lines.append(f"elements = {{ {', '.join(elements)} }}")
    out.lines += ["}", f"set portsec6_{key} {{", "type ether_addr . ipv6_addr", "flags interval"]
    elements6 = antispoof_elements(port, 6)
    if elements6:
        out.lines.append(f"elements = {{ {', '.join(elements6)} }}")
    out.lines += ["}", f"set portna_{key} {{", NA_TARGET_TYPEOF, "flags interval"]
    if elements6:  # the ND targets it may advertise: the same (MAC, address) pairs
        targets = ", ".join(na_target_element(e) for e in elements6)
        out.lines.append(f"elements = {{ {targets} }}")
    out.lines.append("}")
    out.prerouting.append(f'iifname "{binding.tap}" jump portsec_{key} {tag}')
    out.forward_out.append(f'iifname "{binding.tap}" jump sg_out_{key} {tag}')
    out.forward_in.append(f'oifname "{binding.tap}" jump sg_in_{key} {tag}')
    if any(not groups_by_id[g].stateful for g in port.security_group_ids if g in groups_by_id):
        # stateless (Neutron refuses a mix of kinds): a reply meets the rules like any packet
        out.established += [
            f'iifname "{binding.tap}" meta mark {MARK_ESTABLISHED} jump sg_out_{key} {tag}',
            f'oifname "{binding.tap}" meta mark {MARK_ESTABLISHED} jump sg_in_{key} {tag}',
        ]
    out.chains += [
        f"chain portsec_{key} {{",
        f"ether type ip ether saddr . ip saddr @portsec_{key} accept",
        f"ether type arp ether saddr . arp saddr ip @portsec_{key} accept",
        unspecified_source_rule(),
        na_target_rule(f"portna_{key}", f"portsec_drop_{key}"),
        f"ether type ip6 ether saddr . ip6 saddr @portsec6_{key} accept",
        f'counter name "portsec_drop_{key}" drop',
        "}",
    ]
    ingress, egress = _group_rules(out, port, groups_by_id, group_sets)
    out.chains += [
        f"chain sg_out_{key} {{",
        "ether type arp return",
        *egress_fixed_rules(f"sg_out_drop_{key}"),
        *egress,
        f'counter name "sg_out_drop_{key}" drop',
        "}",
        f"chain sg_in_{key} {{",
        "ether type arp accept",
        *ingress_fixed_rules([str(n.network_address) for n in _networks(port.fixed_ips, 6)]),
        *ingress,
        # IPv6 multicast no rule admits (other VMs' MLD reports, sent from link-local
        # addresses no remote group holds): Neutron drops it too. Not counted: the drop
        # counters stay the ground truth for unicast traffic.
        "ether type ip6 ip6 daddr ff00::/8 drop",
        f'counter name "sg_in_drop_{key}" drop',
        "}",
    ]


def _group_rules(
    out: _Render,
    port: Port,
    groups_by_id: Mapping[str, SecurityGroup],
    group_sets: Mapping[str, str],
) -> tuple[list[str], list[str]]:
    """The port's ingress (accept) and egress (return) rules from all its groups."""
    ingress: list[str] = []
    egress: list[str] = []
    for gid in port.security_group_ids:
        group = groups_by_id.get(gid)
        if group is None:
            out.warnings.append(Msg("lab.r.group_missing", port=port.label, group=gid))
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
    return ingress, egress


def _render_unbound(out: _Render, raw_key: str, tap: str) -> str:
    """A lab VM without a Neutron port: everything it sends or receives is dropped."""
    key = _ident(raw_key)
    out.owners.append(CounterOwner(key=key, tap=tap, port_id="", port_name=""))
    _render_dead(out, key, tap, "no Neutron port")
    return tap


def _render_dead(out: _Render, key: str, tap: str, why: str) -> None:
    """Drop (and count) everything ``tap`` sends or receives: no port, or one that is down."""
    out.lines += [f"counter portsec_drop_{key} {{", "}", f"counter sg_in_drop_{key} {{", "}"]
    out.prerouting.append(f'iifname "{tap}" counter name "portsec_drop_{key}" drop {_comment(why)}')
    out.forward_in.append(f'oifname "{tap}" counter name "sg_in_drop_{key}" drop {_comment(why)}')


def _hooks_and_chains(out: _Render) -> list[str]:
    """The base chains (hooks), the per-port chains, and the `ip` table's conntrack marks."""
    return [
        "chain prerouting {",
        "type filter hook prerouting priority -200; policy accept;",
        *out.prerouting,
        "}",
        "chain forward {",
        "type filter hook forward priority 0; policy accept;",
        *sorted(out.established, key=lambda r: r.startswith("oifname")),  # senders first
        f"meta mark {MARK_ESTABLISHED} accept",
        f'meta mark {MARK_INVALID} counter name "invalid" drop',
        *out.forward_out,
        *out.forward_in,
        "}",
        *out.chains,
        "}",
        *_conntrack_marks("ip"),
        # Bridged IPv6 reaches the ip6 hooks (bridge-nf-call-ip6tables): the same marks.
        *_conntrack_marks("ip6"),
    ]


def _conntrack_marks(family: str) -> list[str]:
    """The `family` table's prerouting chain: conntrack state into the mark (established, invalid)."""
    return [
        *nft_table_anew(family, TABLE),
        "chain prerouting {",
        "type filter hook prerouting priority -150; policy accept;",
        f"ct state established,related meta mark set {MARK_ESTABLISHED}",
        f"ct state invalid meta mark set {MARK_INVALID}",
        "}",
        "}",
    ]
