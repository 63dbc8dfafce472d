"""A Kube-OVN pod to another node's address crosses OVN's tunnel (docs/facts.md "Kube-OVN").

kubeovn/kube-ovn commit b60f10006130cc29357b7b70d09f8a4509835155, pkg/controller/init.go
``buildNodeRoute``: OVN's router has a policy ``ip4.dst == <node address>`` rerouting to that
node's join address (its ovn0), priority ``NodeRouterPolicyPriority`` 30000 (pkg/util/const.go),
above the Subnet's gateway reroute (29000). The packet leaves the pod's node inside the tunnel,
its pod source kept; no node masquerades it. Before, kostack traced it as masqueraded to the
node and judged the destination port's TCP rule: with Geneve blocked, pods on the workers
could not reach the API server on the control-plane node (the kubernetes Service), and kostack
said "kubernetes service ok" (a false PASS).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from test_kubeovn import _u2o

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.kubeovn import node_tunnel
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.reach import parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.kubeovn import FIXED, kube_ovn_example_doc

IP = ipaddress.ip_address


def _trace(doc: dict[str, Any], src: str, dst: str, port: int = 6443) -> Any:
    topo = Topology(build(doc))
    (result,) = trace(topo, parse_endpoint(topo, src)[0], parse_endpoint(topo, dst)[0], "tcp", port)
    return result


def test_a_pod_reaches_another_node_inside_the_tunnel() -> None:
    result = _trace(
        kube_ovn_example_doc("kube-ovn-geneve-blocked"), "pod:demo/netshoot", "node:k8s-cp-1"
    )
    wire = result.wire
    assert (wire.encap, wire.proto, wire.dst_port) == ("Geneve", 17, 6081)
    assert (str(wire.src), str(wire.dst)) == ("10.0.0.12", "10.0.0.11")  # the nodes' addresses
    assert (str(wire.inner_src), str(wire.inner_dst)) == ("10.244.1.7", "10.0.0.11")
    assert not any(h.step == "nat-outgoing" for h in result.hops)  # no node masquerades it
    assert result.hops[-1].step == "sg-ingress"
    assert result.hops[-1].disposition == Disposition.DENIED
    assert "udp:6081" in localize(result.hops[-1].detail, "en")


def test_with_geneve_admitted_the_api_server_is_reached() -> None:
    doc = kube_ovn_example_doc("kube-ovn-geneve-blocked")
    FIXED["kube-ovn-geneve-blocked"](doc)
    result = _trace(doc, "pod:demo/netshoot", "node:k8s-cp-1")
    assert result.verdict == "accepted"
    assert result.wire.encap == "Geneve"


def test_the_kubernetes_service_breaks_with_geneve_blocked() -> None:
    """The API server's endpoint is the control-plane node's address: from pods on the three
    workers it is through the tunnel, so the blocked tunnel breaks it (old code: PASS)."""
    doc = kube_ovn_example_doc("kube-ovn-geneve-blocked")
    (api,) = [f for f in diagnose(build(doc)).findings if f.check_id == "net-api-service"]
    assert api.status == Status.FAIL
    FIXED["kube-ovn-geneve-blocked"](doc)
    (api,) = [f for f in diagnose(build(doc)).findings if f.check_id == "net-api-service"]
    assert api.status == Status.PASS


def test_a_node_address_inside_an_underlay_subnet_is_a_nodes_way() -> None:
    """vlan-apps (underlay, no logicalGateway) holds the nodes' subnet: it has no router port,
    so the node policy decides (kostack used to read the address as an underlay pod's and
    left the pod's own source on the wire)."""
    doc = _u2o(False)
    topo = Topology(build(doc))
    assert node_tunnel(topo, IP("10.244.1.7"), IP("10.0.0.13")) is not None
    result = _trace(doc, "pod:demo/netshoot", "node:k8s-w-2", 10250)
    assert result.wire.encap == "Geneve" and str(result.wire.src) == "10.0.0.12"
    assert result.verdict == "accepted"


def test_what_is_not_an_overlay_pod_to_another_node_keeps_its_way() -> None:
    doc = _u2o(False)
    topo = Topology(build(doc))
    assert node_tunnel(topo, IP("10.0.0.150"), IP("10.0.0.13")) is None  # an underlay pod
    assert node_tunnel(topo, IP("10.0.0.12"), IP("10.0.0.13")) is None  # a node's own
    assert node_tunnel(topo, IP("10.244.1.7"), IP("1.1.1.1")) is None  # outside: egress
    calico = Topology(build(seed_doc()))
    assert node_tunnel(calico, IP("10.244.1.7"), IP("10.0.0.13")) is None  # not Kube-OVN


def test_a_logical_gateway_subnet_holding_the_node_keeps_the_subnets_way() -> None:
    """With logicalGateway the Subnet has a router port and its CIDR an ``allow`` policy at
    31000, above the node policy: the address is the Subnet's, not the node's way."""
    doc = _u2o(False)
    for s in doc["cluster"]["cni"]["kube_ovn"]["subnets"]:
        if s["name"] == "vlan-apps":
            s["logical_gateway"] = True
    topo = Topology(build(doc))
    assert node_tunnel(topo, IP("10.244.1.7"), IP("10.0.0.13")) is None


def test_the_native_hop_names_the_nodes_address_as_the_source() -> None:
    """A node's own traffic to a pod on a native route leaves with the node's address, and so
    does an overlay pod's to an underlay pod (masqueraded): the hop said "pod source IP"."""
    seed = Topology(build(seed_doc()))
    (node_first,) = trace(
        seed,
        parse_endpoint(seed, "node:k8s-w-2")[0],
        parse_endpoint(seed, "pod:demo/netshoot")[0],
        "tcp",
        80,
    )
    route = next(h for h in node_first.hops if h.step == "route")
    assert "the node's address 10.0.0.13 is the source" in localize(route.detail, "en")
    assert "노드 주소 10.0.0.13이 출발지로" in localize(route.detail, "ko")
    o2u = _trace(_u2o(False), "pod:demo/netshoot", "pod:apps/under-0", 80)
    route = next(h for h in o2u.hops if h.step == "route")
    assert "the node's address 10.0.0.12 is the source" in localize(route.detail, "en")
    pod_first = _trace(seed_doc(), "pod:demo/netshoot", "pod:demo/dns-test", 80)
    route = next(h for h in pod_first.hops if h.step == "route")
    assert "pod source IP on the wire" in localize(route.detail, "en")
