"""Neutron port security and security groups, enforced by nftables in the lab's hypervisor.

The pieces: `kostack_lab.portsec_model` reads Neutron ports and groups (REST
JSON or openstacksdk `to_dict()`) into plain records;
`kostack_lab.portsec_render` renders them as one nft script (anti-spoofing
per port, conntrack marks, each port's egress and ingress rules; see its
docstring for the chains). Here: loading that script into the hypervisor
namespace in one transaction, and reading its drop counters back per port.
Every name importers used from this module stays importable from here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from kostack_lab import netns
from kostack_lab.portsec_model import (
    CounterOwner,
    NeutronBackend,
    Port,
    PortBinding,
    PortCounters,
    Ruleset,
    SecurityGroup,
    group_from_api,
    port_from_api,
)
from kostack_lab.portsec_render import (
    TABLE,
    antispoof_elements,
    remote_group_addresses,
    render_ruleset,
)

__all__ = [
    "CounterOwner",
    "NeutronBackend",
    "Port",
    "PortBinding",
    "PortCounters",
    "Ruleset",
    "SecurityGroup",
    "antispoof_elements",
    "group_from_api",
    "load_ruleset",
    "port_from_api",
    "read_counters",
    "read_tap_drops",
    "remote_group_addresses",
    "render_ruleset",
]


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
