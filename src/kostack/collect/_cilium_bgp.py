"""Which nodes Cilium's BGP control plane announces from (docs/facts.md "Cilium BGP announcing
nodes"): CiliumBGPClusterConfigs (``spec.nodeSelector``, nil every node; each
``bgpInstances[].peers[].peerConfigRef.name``), CiliumBGPPeerConfigs (``spec.families[]``:
``afi`` and the ``advertisements`` selector over CiliumBGPAdvertisements' labels), and the
CiliumBGPPeeringPolicies' node selectors (already listed for the announcers: passed in, no
request more). Listed when cilium-config ``enable-bgp-control-plane`` is true, each as
``cilium.io/v2``, then ``v2alpha1`` on a 404; none served: none. A list that fails otherwise
is a gap and the placement is not known (None); an object whose selector does not parse is
named in ``unread``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kostack.collect._cilium_lb import GapSink, list_cilium
from kostack.collect._kube_objects import as_dict, as_list, name_of
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure
from kostack.collect._label_selector import selector_error, strict_selector
from kostack.gap_words import Msg
from kostack.model.snapshot import (
    CiliumBGP,
    CiliumBGPClusterConfig,
    CiliumBGPFamily,
    CiliumBGPPeerConfig,
    CiliumBGPPeering,
    CiliumLBConfig,
    LabelSelector,
)
from kostack.shell import as_code, render

SOURCE: Final = "cluster.virtual_ips.cilium_bgp"
CLUSTER: Final = "ciliumbgpclusterconfigs"
PEERS: Final = "ciliumbgppeerconfigs"


def _nodes(raw: object, name: str, unread: list[str]) -> LabelSelector | None:
    """A nodeSelector (None: nil, every node); one that does not parse: None, and named."""
    if raw is None:
        return None
    why = selector_error(raw)
    if why is not None:
        unread.append(f"{name} spec.nodeSelector ({why})")
        return None
    return strict_selector(raw)


def cluster_config(obj: Mapping[str, Any], unread: list[str]) -> CiliumBGPClusterConfig:
    spec = as_dict(obj.get("spec"))
    refs: dict[str, None] = {}
    for instance in as_list(spec.get("bgpInstances")):
        for peer in as_list(as_dict(instance).get("peers")):
            ref = as_dict(as_dict(peer).get("peerConfigRef")).get("name")
            if ref:
                refs[str(ref)] = None
    name = name_of(obj)
    return CiliumBGPClusterConfig(
        name=name,
        node_selector=_nodes(spec.get("nodeSelector"), f"CiliumBGPClusterConfig {name}", unread),
        peer_configs=tuple(refs),
    )


def peer_config(obj: Mapping[str, Any], unread: list[str]) -> CiliumBGPPeerConfig:
    name = name_of(obj)
    families: list[CiliumBGPFamily] = []
    for i, raw in enumerate(as_list(as_dict(obj.get("spec")).get("families"))):
        family = as_dict(raw)
        selector = family.get("advertisements")
        why = selector_error(selector) if selector is not None else None
        parsed = strict_selector(selector) if selector is not None and why is None else None
        if why is not None:
            unread.append(f"CiliumBGPPeerConfig {name} spec.families[{i}].advertisements ({why})")
        families.append(CiliumBGPFamily(afi=str(family.get("afi") or ""), advertisements=parsed))
    return CiliumBGPPeerConfig(name=name, families=tuple(families))


def peering_policy(obj: Mapping[str, Any], unread: list[str]) -> CiliumBGPPeering:
    name = name_of(obj)
    raw = as_dict(obj.get("spec")).get("nodeSelector")
    return CiliumBGPPeering(
        name=name, node_selector=_nodes(raw, f"CiliumBGPPeeringPolicy {name}", unread)
    )


def read_cilium_bgp(
    reader: Reader,
    gap: GapSink,
    config: CiliumLBConfig | None,
    peering: Sequence[Mapping[str, Any]],
) -> CiliumBGP | None:
    """The BGP control plane's node placement when cilium-config turns it on; None when it
    is off, or a list could not be read (a gap says which)."""
    if config is None or not config.bgp_control_plane:
        return None
    unread: list[str] = []
    found: dict[str, list[Mapping[str, Any]]] = {}
    for plural in (CLUSTER, PEERS):
        try:
            found[plural] = list_cilium(reader, plural)
        except ReadFailure as failure:
            argv = ["kubectl", "get", f"{plural}.cilium.io", "-o", "yaml"]
            gap(SOURCE, failure, Msg("gap.hint.cilium-bgp", command=as_code(render(argv))))
            return None
    return CiliumBGP(
        cluster_configs=tuple(cluster_config(o, unread) for o in found[CLUSTER]),
        peer_configs=tuple(peer_config(o, unread) for o in found[PEERS]),
        peering_policies=tuple(peering_policy(o, unread) for o in peering),
        unread=tuple(dict.fromkeys(unread)),
    )
