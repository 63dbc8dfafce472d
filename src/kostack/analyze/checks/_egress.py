"""The egress IPs pods' traffic leaves with, and the nodes that may hold each (docs/facts.md
"Egress IPs").

Antrea: an ExternalIPPool an Egress allocates from may put any of its IPs on any node its
nodeSelector selects (every node when empty), and moves it on failover: the whole pool is
judged on every such node. An Egress with an IP and no pool is held where the user put it
(``status.egressNode``). Cilium: a CiliumEgressGatewayPolicy's gateway is a node its
``nodeSelector`` selects (the first by name; the next takes over), SNATing to ``egressIP``;
with neither ``egressIP`` nor ``interface`` the node's own address (the default route's
device), nothing to judge. Cost: each selector is evaluated once over the nodes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from kostack.analyze.node_sets import SelectorNodes
from kostack.model.egress import EgressIPs
from kostack.model.snapshot import IPNetwork, Node
from kostack.model.vip import LabelSelector


@dataclass
class Held:
    """One pool, static Egress or gateway: its ranges and the nodes that may hold them, or
    why that is not known (``unknown``: a message key of the check and its parameters)."""

    kind: str  # "antrea-pool" | "antrea-egress" | "cilium"
    name: str
    cidrs: tuple[IPNetwork, ...] = ()
    nodes: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)  # the Egresses of a pool
    unknown: tuple[str, dict[str, str]] | None = None


def _selected(selector: LabelSelector, sets: SelectorNodes[Node]) -> list[str]:
    return sorted(sets.of(selector))


def antrea_held(egress: EgressIPs, nodes: Sequence[Node]) -> list[Held]:
    """The pools the Egresses use (in the pools' order), then each Egress without a pool."""
    pools = {p.name: p for p in egress.pools or ()}
    sets = SelectorNodes(nodes)
    users: dict[str, list[str]] = {}
    out: list[Held] = []
    for e in egress.egresses or ():
        for name in e.pools:
            users.setdefault(name, []).append(e.name)
        if e.pools or not e.ips:
            continue
        held = Held("antrea-egress", e.name, tuple(ipaddress.ip_network(ip) for ip in e.ips))
        if e.egress_node:
            held.nodes = [e.egress_node]
        else:
            held.unknown = ("no-node", {})
        out.append(held)
    used: list[Held] = []
    for name, pool in pools.items():
        if name not in users:
            continue  # no Egress allocates from it (Antrea's Service external IPs may)
        held = Held("antrea-pool", name, pool.cidrs, users=users[name])
        if pool.node_selector is None:
            held.unknown = ("selector", {})
        elif pool.vlan is not None:
            held.unknown = ("vlan", {"vlan": str(pool.vlan)})
        else:
            held.nodes = _selected(pool.node_selector, sets)
        used.append(held)
    return used + out


def cilium_held(egress: EgressIPs, nodes: Sequence[Node]) -> list[Held]:
    """Each gateway with an egress IP, or that kostack cannot judge; a gateway that SNATs to
    the node's own address needs no pair and is left out."""
    out: list[Held] = []
    sets = SelectorNodes(nodes)
    for policy in egress.policies or ():
        for i, gw in enumerate(policy.gateways):
            if (gw.egress_ip is None) == (gw.interface is None):
                continue  # the node's own address, or both set (Cilium ignores the policy)
            name = policy.name if len(policy.gateways) == 1 else f"{policy.name}[{i}]"
            held = Held("cilium", name)
            if gw.interface is not None:
                held.unknown = ("interface", {"interface": gw.interface})
            elif gw.node_selector is None:
                held.unknown = ("selector", {})
            else:
                assert gw.egress_ip is not None
                held.cidrs = (ipaddress.ip_network(gw.egress_ip),)
                held.nodes = _selected(gw.node_selector, sets)
            out.append(held)
    return out
