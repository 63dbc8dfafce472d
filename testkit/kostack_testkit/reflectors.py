"""Calico with its node-to-node mesh off and in-cluster route reflectors (engine/peering.py).

`with_reflectors` turns a BGP-routed Calico snapshot document into one whose sessions come
from BGPPeers: the mesh off, route reflectors by Node annotation (their label too, which the
BGPPeer's peerSelector selects), and the usual pair of BGPPeers (calico docs "Configure BGP
peering", route reflectors): every node peers with the reflectors.

`racks_doc` is the large heterogeneous case: per-node groups (builders.hetero_doc) without
TCP 179, three reflectors, and each client in one of three "rack" groups that the reflectors
admit TCP 179 from: rack a reaches reflector 0 only, rack b reflector 1 only, rack c all
three; so rack a and rack b have no route to each other's pods, every other pair has one.
"""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import (
    example_bgp_blocked,
    fake_id,
    hetero_doc,
    ports_of,
    registry_doc,
    rule,
    set_calico_mode,
)

Doc = dict[str, Any]
RR_LABEL = "route-reflector"
CLUSTER_ID = "244.0.0.1"
HOST = "kubernetes.io/hostname"


def with_reflectors(
    doc: Doc,
    reflectors: dict[str, str],
    peers: list[Doc] | None = None,
) -> Doc:
    """``reflectors``: node name -> cluster ID; ``peers``: the BGPPeers (default: every node
    peers with the nodes labelled route-reflector=true)."""
    calico = doc["cluster"]["cni"]["calico"]
    calico["node_to_node_mesh"] = False
    calico["route_reflectors"] = dict(reflectors)
    calico["bgp_peers"] = (
        peers
        if peers is not None
        else [
            {
                "name": "peer-with-route-reflectors",
                "node_selector": "all()",
                "peer_selector": f"{RR_LABEL} == 'true'",
            }
        ]
    )
    for node in doc["cluster"]["nodes"]:
        if node["name"] in reflectors:
            node["labels"] = {**(node.get("labels") or {}), RR_LABEL: "true"}
    return doc


def racks_doc(nodes: int) -> tuple[Doc, dict[str, list[str]]]:
    """The document, and the client nodes of each rack ("a", "b", "c") by name."""
    doc = hetero_doc(nodes, pods_per_node=1)
    set_calico_mode(doc)  # unencapsulated: routes from BIRD
    groups = doc["openstack"]["security_groups"]
    for g in groups:  # no node admits TCP 179 of its own accord
        g["rules"] = [r for r in g["rules"] if r.get("port_range_min") != 179]
    rack = {k: fake_id("sg", f"rack-{k}") for k in ("a", "b", "c", "rr")}
    names = [n["name"] for n in doc["cluster"]["nodes"]]
    rrs = names[:3]
    admits = {0: ("a", "c", "rr"), 1: ("b", "c", "rr"), 2: ("c",)}
    for k, sg in rack.items():
        groups.append({"id": sg, "name": f"rack-{k}", "rules": []})
    racks: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    by_port = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    index = {name: i for i, name in enumerate(names)}
    for port in ports_of(doc):
        name = by_port[port["id"]]
        i = index[name]
        own = port["security_group_ids"][0]
        if i < 3:
            k = "rr"
            own_group = next(g for g in groups if g["id"] == own)
            own_group["rules"] += [
                rule(own, "ingress", "tcp", 179, group=rack[r], name=own) for r in admits[i]
            ]
        else:
            k = "abc"[i % 3]
            racks[k].append(name)
        port["security_group_ids"] = [own, rack[k]]
    with_reflectors(doc, dict.fromkeys(rrs, CLUSTER_ID))
    return doc, racks


def per_node_peers_doc(nodes: int) -> Doc:
    """racks_doc, and a BGPPeer per node to its own router, selected by hostname."""
    doc, _ = racks_doc(nodes)
    for i, node in enumerate(doc["cluster"]["nodes"]):
        node["labels"] = {
            **(node.get("labels") or {}),
            HOST: node["name"],
            "rack": "abc"[i % 3],
        }
        doc["cluster"]["cni"]["calico"]["bgp_peers"].append(
            {
                "name": f"tor-{node['name']}",
                "node_selector": f"{HOST} == '{node['name']}'",
                "peer_ip": f"192.0.2.{i % 250 + 1}",
            }
        )
    return doc


def every_node_a_reflector_doc(nodes: int) -> Doc:
    """Every node a route reflector of its own cluster ID, each peered with every other:
    valid, and sessions in the square of the nodes (500 nodes took 354 s and 16 GB)."""
    doc, _ = racks_doc(nodes)
    calico = doc["cluster"]["cni"]["calico"]
    for i, node in enumerate(doc["cluster"]["nodes"]):
        node["labels"] = {**(node.get("labels") or {}), "route-reflector": "true"}
        calico["route_reflectors"][node["name"]] = f"10.0.{i // 250}.{i % 250}"
    return doc


def example_rr_blocked(doc: Doc) -> None:
    """example bgp-blocked with the mesh off and k8s-cp-1 the one route reflector: every
    worker's session with it is dropped (its group admits no TCP 179)."""
    example_bgp_blocked(doc)
    with_reflectors(doc, {"k8s-cp-1": CLUSTER_ID})


def example_rr_calicoctl_labels(doc: Doc) -> None:
    """example rr-blocked with the reflector labelled by calicoctl: route-reflector=true is
    Calico's own label of k8s-cp-1 (KDD: its Node's annotation projectcalico.org/labels), not
    a label of the Node. The BGPPeer still selects it: the cause is the blocked sessions."""
    example_rr_blocked(doc)
    calico = doc["cluster"]["cni"]["calico"]
    for node in doc["cluster"]["nodes"]:
        if node["labels"].pop(RR_LABEL, None) is not None:
            calico.setdefault("node_labels", {})[node["name"]] = {RR_LABEL: "true"}


REFLECTOR_EXAMPLES = {
    "calico-rr-blocked": (
        "Calico without encapsulation (BGP routes), its node-to-node mesh off, k8s-cp-1 the "
        "route reflector every node peers with (BGPPeer peerSelector route-reflector == 'true'), "
        "and TCP 179 blocked between nodes: no worker's session with it comes up.",
        example_rr_blocked,
    ),
    "calico-rr-calicoctl-labels": (
        "calico-rr-blocked with the reflector labelled by `calicoctl label nodes k8s-cp-1 "
        "route-reflector=true`: the label is Calico's own (the Node annotation "
        "projectcalico.org/labels), which Calico's selectors see; the sessions are blocked.",
        example_rr_calicoctl_labels,
    ),
}


def reflector_example_doc(name: str) -> Doc:
    return registry_doc(REFLECTOR_EXAMPLES, name)
