"""A BGPPeer's localASNumber (docs/facts.md "A BGPPeer's localASNumber"): confd gives a
`peerIP` peer's sessions BIRD's `local as <localASNumber>`, while the reverse session it builds
at the far Calico node expects the local node's own AS; BIRD refuses an OPEN from another AS.
So a localASNumber other than the node's own AS leaves the session undecided (it comes up
only where the far side is written by hand, reversePeering: Manual, which kostack does not
read), never passed; one equal to it changes nothing; a `peerSelector` peer's is not applied
by confd at all. The route reflector is k8s-cp-1, TCP 179 open between the nodes."""

from __future__ import annotations

from typing import Any

import pytest
from test_bgp_route_reflectors import CP, W1, W2, _doc, _ip, _route

from kostack.analyze.engine.types import Disposition
from kostack.analyze.messages import localize
from kostack.collect._cni_calico_bgp import parse_bgp_peer
from kostack.collect._kube_objects import Notes

Doc = dict[str, Any]


def _peer_ip(doc: Doc, local_as: int | None, *, selector: bool = False) -> Doc:
    calico = doc["cluster"]["cni"]["calico"]
    calico["as_number"] = 64512
    peer: Doc = {"name": "to-the-reflector", "node_selector": "all()", "as_number": 64512}
    if selector:
        peer["peer_selector"] = "route-reflector == 'true'"
    else:
        peer["peer_ip"] = _ip(doc, CP)
    if local_as is not None:
        peer["local_as_number"] = local_as
    calico["bgp_peers"] = [peer]
    return doc


@pytest.mark.parametrize("local_as", [None, 64512])
def test_no_local_as_or_the_nodes_own_changes_nothing(local_as: int | None) -> None:
    hop = _route(_peer_ip(_doc(open_179=True), local_as), W1, W2)
    assert hop.disposition == Disposition.ACCEPTED, localize(hop.detail, "en")


def test_another_local_as_leaves_the_sessions_undecided() -> None:
    hop = _route(_peer_ip(_doc(open_179=True), 65000), W1, W2)
    assert hop.disposition == Disposition.UNKNOWN
    said = localize(hop.detail, "en")
    assert "BGPPeer to-the-reflector has k8s-w-1 speak AS 65000 (localASNumber)" in said, said
    assert "k8s-w-1's own AS (64512)" in said and "reversePeering: Manual" in said
    assert "localASNumber" in localize(hop.detail, "ko")


def test_a_peer_selectors_local_as_is_not_applied() -> None:
    """confd builds a peerSelector's sessions with nodeAsBGPPeers, which sets no local AS."""
    hop = _route(_peer_ip(_doc(open_179=True), 65000, selector=True), W1, W2)
    assert hop.disposition == Disposition.ACCEPTED, localize(hop.detail, "en")


@pytest.mark.parametrize(
    ("written", "read"),
    [(65000, 65000), ("65000", 65000), ("1.10", 65546), ("x", None), (-1, None), (None, None)],
)
def test_the_collector_reads_local_as_number(written: object, read: int | None) -> None:
    spec: Doc = {"peerIP": "10.0.0.11", "asNumber": 64512}
    if written is not None:
        spec["localASNumber"] = written
    peer = parse_bgp_peer({"metadata": {"name": "p"}, "spec": spec}, Notes())
    assert peer is not None and peer.local_as_number == read
