"""What Neutron's firewall always does for IPv6, whatever the security groups say.

Sources (neutron 29.0.0; the same lines on master):

- ``neutron/agent/firewall.py``: ``ICMPV6_ALLOWED_INGRESS_TYPES`` (MLD query
  130, neighbour solicitation 135, neighbour advertisement 136) and
  ``ICMPV6_ALLOWED_EGRESS_TYPES`` (MLD query 130, router solicitation 133,
  NS 135) plus ``ICMPV6_RESTRICTED_EGRESS_TYPES`` (NA 136, only for the
  port's own addresses);
- ``neutron/agent/linux/openvswitch_firewall/firewall.py``:
  ``_initialize_ingress_ipv6_icmp`` accepts those ingress types and router
  advertisements (134) into every port; ``_initialize_egress_ipv6_icmp``
  lets a port send the egress types from its allowed (MAC, address) pairs
  and its link-local address; "Drop Router Advertisements from instances"
  drops RAs a port sends: so RAs only ever come from the router and DHCP
  ports, which Neutron's firewall does not filter (``network:*`` owners);
- ``neutron/agent/linux/iptables_firewall.py``: ``_spoofing_rule`` accepts
  NS and MLD reports (``ICMPV6_ALLOWED_UNSPEC_ADDR_TYPES`` = 131, 135, 143)
  from the unspecified address ``::`` to ``ff02::/16`` (duplicate address
  detection) and allows DHCPv6 client requests (UDP 546 -> 547);
  ``_build_ipv4v6_mac_ip_list`` adds the EUI-64 link-local address of a MAC
  with an IPv6 address to the anti-spoofing list; ``_drop_dhcp_rule`` drops
  DHCPv6 server replies (547 -> 546) sent by a port;
- ``neutron/plugins/ml2/drivers/openvswitch/agent/openflow/native/br_int.py``:
  ``install_icmpv6_na_spoofing_protection`` lets a port send a neighbour
  advertisement only with an ND target (``ipv6_nd_target``, masked: a pair's
  CIDR) among its fixed IPs and allowed address pairs, whatever its IPv6
  source, and drops the rest in the ARP spoof table; the OVS firewall's
  ``_initialize_egress_ipv6_icmp`` likewise matches NAs on ``nd_target``
  (``ICMPV6_RESTRICTED_EGRESS_TYPES``). So an NA from the port's link-local
  address (MetalLB's NDP responder) for a target the port does not own is
  dropped, as is the kernel's, sent from the target itself;
- ``neutron/db/securitygroups_rpc_base.py``: ``_add_ingress_dhcp_rule``
  admits DHCPv6 replies (UDP 547 -> 546) to the port's IPv6 fixed IPs and
  ``fe80::/64``; ``_add_ingress_ra_rule`` admits RAs into ports with an
  IPv6 fixed IP.

Rendered as nft statements of the bridge family (``kostack_lab.portsec_render``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

__all__ = [
    "EGRESS_ICMPV6_TYPES",
    "INGRESS_ICMPV6_TYPES",
    "UNSPECIFIED_SOURCE_TYPES",
    "egress_fixed_rules",
    "ingress_fixed_rules",
    "link_local",
    "na_target_element",
    "na_target_rule",
    "unspecified_source_rule",
]

ICMPV6 = 58
MLD_QUERY, MLD_REPORT, ROUTER_SOLICITATION, ROUTER_ADVERTISEMENT = 130, 131, 133, 134
NEIGHBOUR_SOLICITATION, NEIGHBOUR_ADVERTISEMENT, MLD2_REPORT = 135, 136, 143
INGRESS_ICMPV6_TYPES = (MLD_QUERY, NEIGHBOUR_SOLICITATION, NEIGHBOUR_ADVERTISEMENT)
EGRESS_ICMPV6_TYPES = (MLD_QUERY, ROUTER_SOLICITATION, NEIGHBOUR_SOLICITATION)
UNSPECIFIED_SOURCE_TYPES = (MLD_REPORT, NEIGHBOUR_SOLICITATION, MLD2_REPORT)
DHCPV6_CLIENT, DHCPV6_SERVER = 546, 547


def link_local(mac: str) -> str:
    """The EUI-64 link-local address of ``mac`` (fa:16:3e:00:00:12 -> fe80::f816:3eff:fe00:12)."""
    octets = [int(part, 16) for part in mac.split(":")]
    if len(octets) != 6:
        raise ValueError(f"not a MAC address: {mac!r}")
    octets[0] ^= 0x02  # the universal/local bit, inverted (RFC 4291 appendix A)
    eui = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
    interface_id = int.from_bytes(bytes(eui), "big")
    return str(ipaddress.IPv6Address((0xFE80 << 112) | interface_id))


def _types(types: Sequence[int]) -> str:
    return "{ " + ", ".join(str(t) for t in types) + " }"


def unspecified_source_rule() -> str:
    """Duplicate address detection: NS and MLD reports from :: to ff02::/16 pass anti-spoofing."""
    return (
        f"ether type ip6 ip6 saddr :: ip6 daddr ff02::/16 "
        f"icmpv6 type {_types(UNSPECIFIED_SOURCE_TYPES)} accept"
    )


def na_target_element(element: str) -> str:
    """An anti-spoofing element ``mac . address[/prefix]`` as ``mac . 0x<first>[-0x<last>]``:
    nft has no selector for an NA's target, so it is matched as the 128 bits that follow the
    NA's type, code, checksum and flags (``@th,64,128``, RFC 4861 section 4.4)."""
    mac, _, address = element.partition(" . ")
    net = ipaddress.IPv6Network(address, strict=False)
    first, last = int(net.network_address), int(net.broadcast_address)
    return f"{mac} . 0x{first:032x}" + (f"-0x{last:032x}" if last != first else "")


NA_TARGET_TYPEOF = "typeof ether saddr . @th,64,128"


def na_target_rule(set_name: str, drop_counter: str) -> str:
    """Neutron's NA spoofing protection: a neighbour advertisement whose (MAC, target) is
    not the port's is counted and dropped, whatever its source address."""
    return (
        f"ether type ip6 icmpv6 type {NEIGHBOUR_ADVERTISEMENT} "
        f'ether saddr . @th,64,128 != @{set_name} counter name "{drop_counter}" drop'
    )


def egress_fixed_rules(drop_counter: str) -> list[str]:
    """What a port may always send once its source passed anti-spoofing (before its groups).

    Router advertisements from a port are dropped (counted); ND, RS and MLD
    queries pass, NAs too (their target passed anti-spoofing: `na_target_rule`); DHCPv6 requests pass, DHCPv6 server replies
    from a port are dropped.
    """
    allowed = (*EGRESS_ICMPV6_TYPES, NEIGHBOUR_ADVERTISEMENT)
    return [
        f'ether type ip6 icmpv6 type {ROUTER_ADVERTISEMENT} counter name "{drop_counter}" drop',
        f"ether type ip6 icmpv6 type {_types(allowed)} return",
        f"ether type ip6 udp sport {DHCPV6_CLIENT} udp dport {DHCPV6_SERVER} return",
        f'ether type ip6 udp sport {DHCPV6_SERVER} udp dport {DHCPV6_CLIENT} counter name "{drop_counter}" drop',
    ]


def ingress_fixed_rules(fixed_ipv6: Sequence[str]) -> list[str]:
    """What a port always receives: ND, MLD queries, RAs (when it has IPv6), DHCPv6 replies."""
    types = (*INGRESS_ICMPV6_TYPES, ROUTER_ADVERTISEMENT) if fixed_ipv6 else INGRESS_ICMPV6_TYPES
    rules = [f"ether type ip6 icmpv6 type {_types(types)} accept"]
    destinations = [*fixed_ipv6, "fe80::/64"] if fixed_ipv6 else []
    if destinations:
        rules.append(
            f"ether type ip6 udp sport {DHCPV6_SERVER} udp dport {DHCPV6_CLIENT} "
            f"ip6 daddr {{ {', '.join(destinations)} }} accept"
        )
    return rules
