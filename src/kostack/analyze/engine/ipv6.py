"""What Neutron does for IPv6 whatever the security groups say (docs/facts.md, "IPv6").

- A port may always send from the link-local address its MAC gives (EUI-64 in
  fe80::/64): neutron agent/linux/iptables_firewall.py `_build_ipv4v6_mac_ip_list`
  adds it next to every IPv6 fixed IP and pair; agent/linux/openvswitch_firewall/
  firewall.py allows `port.lla_address`; OVN's port security allows the derived
  link-local address too.
- ICMPv6 neighbour discovery and MLD pass without a rule: ingress MLD query,
  neighbour solicitation and advertisement (neutron agent/firewall.py
  ICMPV6_ALLOWED_INGRESS_TYPES) and router advertisements (the OVS firewall adds
  type 134 in `_initialize_ingress_ipv6_icmp`); egress MLD, router and neighbour
  solicitation (ICMPV6_ALLOWED_EGRESS_TYPES), advertisements from the port's own
  addresses (ICMPV6_RESTRICTED_EGRESS_TYPES). A port never sends a router
  advertisement (both drivers drop type 134 from the port). DHCPv6 client
  traffic (UDP 546 -> 547) leaves without a rule; replies to 546 from a port
  are dropped as DHCP spoofing.
- Echo (128/129) and everything else need a rule of ethertype IPv6; a rule of
  ethertype IPv6 with protocol ``icmp`` or ``1`` means ICMPv6 (neutron
  db/securitygroups_db.py `_get_ip_proto_name_and_num`).
"""

from __future__ import annotations

import ipaddress
from typing import Final

ICMPV6: Final = 58
ICMP: Final = 1


def link_local(mac: str) -> ipaddress.IPv6Address:
    """The EUI-64 link-local address of ``mac`` (fe80::/64, universal/local bit flipped)."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    eui = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
    interface = int.from_bytes(bytes(eui), "big")
    return ipaddress.IPv6Address((0xFE80 << 112) | interface)


def rule_protocol(proto: int | str | None, ethertype: str) -> int | str | None:
    """A rule's protocol as Neutron applies it: ``icmp``/``1`` in an IPv6 rule is ICMPv6."""
    return ICMPV6 if ethertype == "IPv6" and proto == ICMP else proto
