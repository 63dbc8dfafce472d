"""Calico's own view of a node in KDD (docs/facts.md "A Calico node in KDD"): the labels that
`calicoctl label nodes` writes into the Node annotation projectcalico.org/labels select it
(BGPPeer selectors, an IPPool's nodeSelector) under the Node's labels, and a node's own AS
number (projectcalico.org/ASNumber) makes its sessions with a reflector of another AS eBGP,
which a reflector does not reflect for.

Before, Calico's selectors saw the Node's labels only: reflectors labelled with calicoctl
were selected by no BGPPeer, and every pod route was a false `bgp-no-peer`; and every node
was taken to be in one AS (a false pass through a reflector of another AS).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from test_bgp_route_reflectors import CP, W1, W2, W3, _doc, _pods, _route

from kostack.analyze.checks._pools import on_node
from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack_testkit.builders import build
from kostack_testkit.reflectors import RR_LABEL

Doc = dict[str, Any]


def _calicoctl_labelled(doc: Doc) -> Doc:
    """The reflector's route-reflector=true moved from its Node's labels to Calico's own
    (the annotation `calicoctl label nodes k8s-cp-1 route-reflector=true` writes)."""
    for node in doc["cluster"]["nodes"]:
        if node["labels"].pop(RR_LABEL, None) is not None:
            calico = doc["cluster"]["cni"]["calico"]
            calico.setdefault("node_labels", {})[node["name"]] = {RR_LABEL: "true"}
    return doc


def test_a_reflector_labelled_with_calicoctl_is_peered_not_a_false_bgp_no_peer() -> None:
    doc = _calicoctl_labelled(_doc(open_179=True))
    assert not any(RR_LABEL in n["labels"] for n in doc["cluster"]["nodes"])
    pods = _pods(doc)
    assert pods and {f.status for f in pods} == {Status.PASS}
    hop = _route(doc, W1, W2)
    assert hop.disposition == Disposition.ACCEPTED
    assert "through route reflector k8s-cp-1" in localize(hop.detail, "en")
    causes = {f.cause for f in diagnose(build(doc)).findings}
    assert "bgp-no-peer" not in causes
    # blocked TCP 179 still fails, now for the real reason
    blocked = _calicoctl_labelled(_doc(open_179=False))
    assert {f.cause for f in _pods(blocked)} == {"bgp-blocked"}


def test_the_node_label_wins_over_calicos_own() -> None:
    """libcalico-go `mergeCalicoAndK8sLabels`: the Kubernetes label overwrites Calico's."""
    doc = _calicoctl_labelled(_doc(open_179=True))
    cp = next(n for n in doc["cluster"]["nodes"] if n["name"] == CP)
    cp["labels"][RR_LABEL] = "false"
    hop = _route(doc, W1, W2)
    assert hop.disposition == Disposition.NO_ROUTE and hop.cause == "bgp-no-peer"


def test_an_ippool_node_selector_sees_calicos_labels() -> None:
    doc = _doc(open_179=True)
    calico = doc["cluster"]["cni"]["calico"]
    calico["ip_pools"].append(
        {"name": "zone-a", "cidr": "10.250.0.0/16", "node_selector": "zone == 'a'"}
    )
    calico["node_labels"] = {W1: {"zone": "a"}}
    topo = Topology(build(doc))
    cidr = ipaddress.ip_network("10.250.0.0/16")
    views = topo.node_views
    assert on_node(topo, views[W1], cidr) is True
    assert on_node(topo, views[W2], cidr) is False


def test_a_client_in_another_as_is_not_reflected_for_undecided_never_passed() -> None:
    """w-1 in AS 64513, the reflector in the BGPConfiguration's 64512: their session is eBGP,
    not a reflector client's (bgp_processor.go: only an iBGP peer is a client); where w-1's
    routes go then is not judged: UNKNOWN, never a pass. Nodes of the reflector's AS keep
    their route through it."""
    doc = _doc(open_179=True)
    calico = doc["cluster"]["cni"]["calico"]
    calico["as_number"] = 64512
    calico["node_as_numbers"] = {W1: 64513}
    hop = _route(doc, W1, W2)
    assert hop.disposition == Disposition.UNKNOWN and hop.cause == "gap"
    said = localize(hop.detail, "en")
    assert "session of k8s-w-1 with k8s-cp-1 is eBGP (AS 64513 and AS 64512)" in said
    assert "eBGP" in localize(hop.detail, "ko")
    assert ("k8s-w-1", "projectcalico.org/ASNumber", "64513") in {
        (e.id, e.field, e.value) for e in hop.evidence
    }
    assert _route(doc, W2, W3).disposition == Disposition.ACCEPTED
    statuses = {f.status for f in _pods(doc)}
    assert Status.UNKNOWN in statuses and Status.FAIL not in statuses
    # its own AS written out, the same as the BGPConfiguration's: iBGP, reflected
    calico["node_as_numbers"] = {W1: 64512}
    assert _route(doc, W1, W2).disposition == Disposition.ACCEPTED
    # the BGPConfiguration not read: whether the session is iBGP is not known
    calico["as_number"] = None
    hop = _route(doc, W2, W3)
    assert hop.disposition == Disposition.UNKNOWN
    assert "(AS ? and AS ?)" in localize(hop.detail, "en")
