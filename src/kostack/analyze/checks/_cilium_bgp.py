"""From which nodes Cilium's BGP control plane advertises each BGP announcer (docs/facts.md
"Cilium BGP announcing nodes").

Control plane v2: a CiliumBGPClusterConfig runs its BGP instances on the nodes its
``nodeSelector`` selects (nil: every node); each instance's peer takes its families from the
CiliumBGPPeerConfig its ``peerConfigRef`` names (none, or a config that does not exist:
nothing advertised), and each family (``afi``) advertises the CiliumBGPAdvertisements its
``advertisements`` selector selects by their labels (nil: none; cilium/cilium
pkg/bgpv1/manager/reconcilerv2/peer_advertisements.go). So an advertisement goes out, for a
family, from the nodes of every cluster config with a peer whose config's family of that afi
selects it. v1: a CiliumBGPPeeringPolicy's virtual routers run on the nodes its
``nodeSelector`` selects (nil: every node), except a node two policies select, which applies
none; a node any peering policy selects runs the peering policy, not a cluster config.

Cost: each distinct node selector once over the nodes, each distinct family selector once
over the advertisements (`SelectorNodes`), and each advertisement joins each distinct node set
once; the peering policies' conflicts are counted once per distinct selector.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kostack.analyze.node_sets import SelectorNodes, selector_key, union_once
from kostack.model.snapshot import CiliumAnnouncer, CiliumBGP, LabelSelector, Node

AFIS = ("ipv4", "ipv6")
ByAfi = dict[str, frozenset[str]]


@dataclass
class Places:
    """Each BGP announcer's nodes by afi (`of`); ``known`` False: the placement was not read
    (or did not all parse: ``why`` names what)."""

    known: bool
    why: tuple[str, ...] = ()
    adverts: dict[str, ByAfi] = field(default_factory=dict)  # advertisement name -> afi -> nodes
    peering: dict[str, frozenset[str]] = field(default_factory=dict)  # policy name -> nodes

    def of(self, a: CiliumAnnouncer) -> ByAfi | None:
        if not self.known:
            return None
        if a.peering:
            nodes = self.peering.get(a.name, frozenset())
            return dict.fromkeys(AFIS, nodes)
        return self.adverts.get(a.name, {})


def _peering(
    bgp: CiliumBGP, sets: SelectorNodes[Node]
) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """Each peering policy's nodes (less those two policies select), and every node any
    policy selects."""
    counts: dict[object, tuple[frozenset[str], int]] = {}
    for p in bgp.peering_policies:
        key = selector_key(p.node_selector) if p.node_selector is not None else None
        found, n = counts.get(key, (sets.of(p.node_selector), 0))
        counts[key] = (found, n + 1)
    seen: dict[str, int] = {}
    for found, n in counts.values():
        for name in found:
            seen[name] = seen.get(name, 0) + n
    twice = frozenset(name for name, n in seen.items() if n > 1)
    by_key = {key: found - twice for key, (found, _) in counts.items()}
    out = {
        p.name: by_key[selector_key(p.node_selector) if p.node_selector is not None else None]
        for p in bgp.peering_policies
    }
    return out, frozenset(seen)


def _named(refused: Iterable[CiliumAnnouncer]) -> tuple[str, ...]:
    kind = {True: "CiliumBGPPeeringPolicy", False: "CiliumBGPAdvertisement"}
    return tuple(
        dict.fromkeys(f"{kind[a.peering]} {a.name} {r}" for a in refused for r in a.refused)
    )


def bgp_places(
    bgp: CiliumBGP | None, announcers: Sequence[CiliumAnnouncer], sets: SelectorNodes[Node]
) -> Places:
    """Where each BGP announcer of ``announcers`` is advertised from."""
    if bgp is None or bgp.unread:
        return Places(False, bgp.unread if bgp is not None else ())
    refused = [a for a in announcers if a.kind == "bgp" and a.refused]
    if any(a.peering for a in refused):  # its virtual router's reconciliation fails
        return Places(False, _named(a for a in refused if a.peering))
    peering, taken = _peering(bgp, sets)
    adverts = SelectorNodes(
        {a.name: a for a in announcers if a.kind == "bgp" and not a.peering}.values()
    )
    configs = {c.name: c for c in bgp.peer_configs}
    # (afi, family selector) -> the node sets of the cluster configs whose peers use it
    families: dict[tuple[str, object], tuple[LabelSelector, dict[int, frozenset[str]]]] = {}
    placed: dict[object, frozenset[str]] = {}
    for cluster in bgp.cluster_configs:
        key = selector_key(cluster.node_selector) if cluster.node_selector is not None else None
        if key not in placed:
            placed[key] = sets.of(cluster.node_selector) - taken
        nodes = placed[key]
        for ref in dict.fromkeys(cluster.peer_configs):
            config = configs.get(ref)
            for family in config.families if config is not None else ():
                if family.advertisements is None:
                    continue  # nil: no advertisement for this family
                slot = (family.afi, selector_key(family.advertisements))
                entry = families.setdefault(slot, (family.advertisements, {}))
                entry[1][id(nodes)] = nodes
    found: dict[tuple[str, str], dict[int, frozenset[str]]] = {}
    for (afi, _), (selector, by_id) in families.items():
        nodes = union_once(by_id.values())
        for name in adverts.of(selector):
            found.setdefault((name, afi), {})[id(nodes)] = nodes
    # an advertisement whose selector Cilium refuses fails the service reconciliation of the
    # instances that advertise it: what their nodes advertise is not known
    fails = [a for a in refused if any(any(found.get((a.name, f), {}).values()) for f in AFIS)]
    if fails:
        return Places(False, _named(fails))
    places = Places(True, peering=peering)
    for (name, afi), by_id in found.items():
        places.adverts.setdefault(name, {})[afi] = union_once(by_id.values())
    return places
