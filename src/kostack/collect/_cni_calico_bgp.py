"""Calico's BGPPeers and route reflectors to snapshot records: pure parsers, no I/O.

A BGPPeer (crd.projectcalico.org/v1 or projectcalico.org/v3, cluster-scoped) applies to the
node ``spec.node``, else to the nodes ``spec.nodeSelector`` selects, else to every node, and
peers them with the Calico nodes ``spec.peerSelector`` selects, or with ``spec.peerIP``
(calico confd/pkg/backends/calico/client.go, docs/facts.md "BGPPeers"). A peer's password
is a Secret reference: kostack notes that one is set and never reads the Secret. A node is a
route reflector when its Node carries the annotation
``projectcalico.org/RouteReflectorClusterID`` (libcalico-go lib/backend/k8s/resources/node.go,
``nodeBgpCIDAnnotation``: the Calico Node's ``spec.bgp.routeReflectorClusterID`` in KDD).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kostack.collect._kube_objects import Notes, annotations_of, as_dict, as_str, name_of
from kostack.model.snapshot import CalicoBGPPeer

RR_ANNOTATION: Final = "projectcalico.org/RouteReflectorClusterID"
MAX_SELECTOR: Final = 1024  # characters of a selector a snapshot holds (model cni.py)


def kept_selector(value: object) -> str | None:
    """A Calico selector as written; None when unset or empty; "?" (never evaluated) when
    kostack cannot keep it (not a string, over the 1,024 characters a snapshot holds)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > MAX_SELECTOR:
        return "?"
    return value


def parse_bgp_peer(obj: Mapping[str, Any], notes: Notes) -> CalicoBGPPeer | None:
    spec = as_dict(obj.get("spec"))
    name = name_of(obj)
    peer_selector = kept_selector(spec.get("peerSelector"))
    peer_ip = as_str(spec.get("peerIP"))
    if not name or (peer_selector is None and peer_ip is None):
        # confd skips a peer without peerSelector and peerIP ("PeerIP is not assigned")
        notes.skip("cluster.cni.calico.bgp_peers", f"BGPPeer {name}: no peerSelector or peerIP")
        return None
    asn = spec.get("asNumber")
    password = as_dict(as_dict(spec.get("password")).get("secretKeyRef"))
    return CalicoBGPPeer(
        name=name,
        node=as_str(spec.get("node")),
        node_selector=kept_selector(spec.get("nodeSelector")),
        peer_selector=peer_selector,
        peer_ip=None if peer_selector is not None else peer_ip,
        as_number=asn if isinstance(asn, int) and 0 <= asn <= 4294967295 else None,
        password=bool(password),
    )


def route_reflector_id(node: Mapping[str, Any]) -> tuple[str, str] | None:
    """(node name, cluster ID) of a route reflector's Node; None for any other node."""
    cluster_id = annotations_of(node).get(RR_ANNOTATION, "").strip()
    name = name_of(node)
    return (name, cluster_id) if cluster_id and name else None
