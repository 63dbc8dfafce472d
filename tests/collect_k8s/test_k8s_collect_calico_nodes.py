"""Calico's own settings of each node with the Kubernetes datastore (KDD): the Node
annotations projectcalico.org/labels, /ASNumber and /RouteReflectorClusterID, read from the
Nodes already listed (libcalico-go lib/backend/k8s/resources/node.go `K8sNodeToCalico`;
docs/facts.md "A Calico node in KDD")."""

from __future__ import annotations

import json

from k8s_collect_served import ServeFn
from test_k8s_collect_published import _rr_objects

from kostack.analyze.messages import localize
from kostack.collect._cni_calico_bgp import as_number, cluster_id, node_address
from kostack_testkit.k8s_fixture_objects import JsonObject

LABELS = "projectcalico.org/labels"
ASN = "projectcalico.org/ASNumber"
RR = "projectcalico.org/RouteReflectorClusterID"


def _objects(annotations: dict[str, dict[str, str]]) -> list[JsonObject]:
    """The route reflector setup (k8s-cp-1 labelled and annotated), then ``annotations`` by
    node name: the reflector's label only as Calico's (calicoctl label nodes), not the Node's."""
    objects = _rr_objects()
    for obj in objects:
        if obj["kind"] != "Node":
            continue
        meta = obj["metadata"]
        meta["labels"].pop("route-reflector", None)
        meta["annotations"].update(annotations.get(meta["name"], {}))
    return objects


def test_calico_labels_asn_and_cluster_id_come_from_the_node_annotations(serve: ServeFn) -> None:
    own = {"route-reflector": "true", "kubernetes.io/os": "calico-says-other"}
    served = serve(
        _objects(
            {
                "k8s-cp-1": {LABELS: json.dumps(own), ASN: "64512"},
                "k8s-w-1": {ASN: "64513"},
                "k8s-w-2": {ASN: "1.10"},  # asdot: 1 * 65536 + 10
            }
        )
    )
    collection = served.collect()
    calico = collection.cluster.cni.calico
    assert calico is not None
    assert calico.node_labels == {"k8s-cp-1": own}
    assert calico.node_as_numbers == {"k8s-cp-1": 64512, "k8s-w-1": 64513, "k8s-w-2": 65546}
    assert calico.route_reflectors == {"k8s-cp-1": "244.0.0.1"}
    assert calico.as_number == 64512  # the BGPConfiguration's
    # Calico's view: its own labels under the Node's (a Kubernetes label wins)
    node = next(n for n in collection.cluster.nodes if n.name == "k8s-cp-1")
    merged = calico.calico_labels(node.name, node.labels)
    assert merged["route-reflector"] == "true"
    assert merged["kubernetes.io/os"] == "linux"
    assert "route-reflector" not in node.labels
    assert collection.gaps == ()


def test_annotations_calico_ignores_are_ignored_and_said(serve: ServeFn) -> None:
    served = serve(
        _objects(
            {
                "k8s-cp-1": {RR: "not-an-address"},
                "k8s-w-1": {ASN: "sixty-four", LABELS: '{"zone": 7}'},
                "k8s-w-2": {LABELS: "{not json"},
                "k8s-w-3": {RR: "10.0.0.1/8"},  # an unmasked network: refused too
            }
        )
    )
    collection = served.collect()
    calico = collection.cluster.cni.calico
    assert calico is not None
    assert calico.route_reflectors == {}
    assert calico.node_labels == {} and calico.node_as_numbers == {}
    (gap,) = [g for g in collection.gaps if g.source == "cluster.nodes"]
    en, ko = localize(gap.error, "en"), localize(gap.error, "ko")
    assert "node k8s-cp-1: Calico ignores its annotation " + RR in en
    assert "노드 k8s-cp-1: Calico가 받아들이는 값이 아니어서 어노테이션 " + RR in ko
    assert "not-an-address" not in en  # the value itself is not repeated


def test_the_values_calico_takes() -> None:
    """numorstring.ASNumberFromString (ParseUint: ASCII digits, 32 bits; asdot 16.16) and
    ValidateIPv4Network (an IPv4 address, or a network with no host bits)."""
    taken = {"64512": 64512, "1.10": 65546, "4294967295": 4294967295, "0.0": 0}
    for text, value in taken.items():
        assert as_number(text) == value, text
    for text in (" 64512", "+1", "²", "4294967296", "65536.1", "1.", "AS64512", ""):
        assert as_number(text) is None, text
    assert [cluster_id(t) for t in ("244.0.0.1", "10.0.0.0/8")] == ["244.0.0.1", "10.0.0.0/8"]
    for text in ("10.0.0.1/8", "fd00::1", " 244.0.0.1", "244.0.0", "rr-1"):
        assert cluster_id(text) is None, text


V4 = "projectcalico.org/IPv4Address"
V6 = "projectcalico.org/IPv6Address"


def test_calico_node_addresses_come_from_the_node_annotations(serve: ServeFn) -> None:
    """calico-node publishes the address it detected as IPv4Address / IPv6Address (CIDR form);
    kostack keeps the address, IPv4 first, from the Nodes already listed."""
    served = serve(
        _objects(
            {
                "k8s-cp-1": {V4: "10.0.0.11/24"},
                "k8s-w-1": {V4: "172.18.0.1/16", V6: "fd00:0:0:1::12/64"},
                "k8s-w-2": {V4: "10.0.0.13"},  # an address alone is taken too
            }
        )
    )
    collection = served.collect()
    calico = collection.cluster.cni.calico
    assert calico is not None
    assert {k: [str(a) for a in v] for k, v in (calico.node_addresses or {}).items()} == {
        "k8s-cp-1": ["10.0.0.11"],
        "k8s-w-1": ["172.18.0.1", "fd00:0:0:1::12"],
        "k8s-w-2": ["10.0.0.13"],
        "k8s-w-3": ["10.0.0.14"],  # the published fixture's own annotation (10.0.0.14/24)
    }
    assert collection.gaps == ()


def test_node_addresses_calico_ignores_are_skipped_naming_the_annotation(serve: ServeFn) -> None:
    served = serve(
        _objects(
            {
                "k8s-cp-1": {V4: "fd00::11/64"},  # an IPv6 address under the IPv4 annotation
                "k8s-w-1": {V4: "10.0.0.312/24", V6: "10.0.0.12"},
                "k8s-w-2": {V4: "10.0.0.13/255.255.255.0"},  # Go's ParseCIDR takes no netmask
            }
        )
    )
    collection = served.collect()
    calico = collection.cluster.cni.calico
    assert calico is not None and set(calico.node_addresses or {}) == {"k8s-w-3"}
    (gap,) = [g for g in collection.gaps if g.source == "cluster.nodes"]
    en, ko = localize(gap.error, "en"), localize(gap.error, "ko")
    assert "skipped 4 value(s)" in en  # the gap names the first three
    for node, key in (("k8s-cp-1", V4), ("k8s-w-1", V4), ("k8s-w-1", V6)):
        assert f"node {node}: Calico ignores its annotation {key}" in en
        assert f"노드 {node}: Calico가 받아들이는 값이 아니어서 어노테이션 {key}" in ko
    assert "10.0.0.312" not in en and "fd00::11" not in en  # never the value


def test_the_node_addresses_calico_takes() -> None:
    """libcalico-go ValidateCIDRv4 / ValidateCIDRv6: cnet.ParseCIDROrIP (Go's net.ParseCIDR,
    else net.ParseIP), then the family; host bits allowed."""
    for text, version, want in (
        ("10.0.0.11/24", 4, "10.0.0.11"),
        ("10.0.0.11", 4, "10.0.0.11"),
        ("::ffff:10.0.0.11", 4, "10.0.0.11"),  # To4() is not nil: IPv4 to Calico
        ("FD00::1/64", 6, "fd00::1"),
    ):
        found = node_address(text, version)
        assert found is not None and str(found) == want, text
    for text, version in (
        ("10.0.0.11/33", 4),
        ("10.0.0.11/", 4),
        ("010.0.0.11", 4),
        (" 10.0.0.11", 4),
        ("fe80::1%eth0", 6),
        ("10.0.0.11", 6),
        ("::ffff:10.0.0.11", 6),
        ("fd00::1/129", 6),
        ("first-found", 4),
    ):
        assert node_address(text, version) is None, text
