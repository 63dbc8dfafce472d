"""An overlay pod to an underlay pod without u2oInterconnection (docs/facts.md "Kube-OVN").

kubeovn/docs docs/start/underlay.en.md (commit 9f678c1f335d1803d48c7cbad5201961170072d5):
"by default, Pods in the Overlay subnet can access the Pod IPs in the Underlay subnet via a
gateway using NAT". kubeovn/kube-ovn (commit 1533681d7a6b3dbdd7e8870fa70f0dc6aa49a82a):
OVN's router has no port on such an underlay Subnet (pkg/controller/subnet.go ``needRouter``,
``reconcileOvnDefaultVpcRoute``), the overlay Subnet's distributed reroute policy sends the
traffic to the pod's node, and the node masquerades it (pkg/daemon/gateway_linux.go
``ovn40subnets-nat src, ! ovn40subnets dst -> MASQUERADE``; pkg/daemon/gateway.go
``getDefaultVpcSubnetsCIDR`` leaves the underlay CIDR out of ``ovn40subnets``). Before,
kostack put the overlay pod's own address on the wire: a false FAIL at the source port's
anti-spoofing with port security on, and a false PASS without natOutgoing."""

from __future__ import annotations

from typing import Any

from test_kubeovn import _u2o

from kostack.analyze.engine.types import Disposition
from kostack.analyze.messages import localize
from kostack.analyze.reach import parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack_testkit.builders import build


def _trace(doc: dict[str, Any], src: str, dst: str) -> Any:
    topo = Topology(build(doc))
    (result,) = trace(topo, parse_endpoint(topo, src)[0], parse_endpoint(topo, dst)[0], "tcp", 80)
    return result


def _secured(doc: dict[str, Any]) -> dict[str, Any]:
    for port in doc["openstack"]["ports"]:
        port["port_security_enabled"] = True
    return doc


def test_an_overlay_pod_leaves_its_node_masqueraded_to_an_underlay_pod() -> None:
    result = _trace(_u2o(False), "pod:demo/netshoot", "pod:apps/under-0")
    assert str(result.wire.src) == "10.0.0.12"  # k8s-w-1's address, not 10.244.1.7
    nat = next(h for h in result.hops if h.step == "nat-outgoing")
    assert nat.disposition == Disposition.ACCEPTED
    assert "masqueraded to the node IP" in localize(nat.detail, "en")
    assert all(h.disposition != Disposition.DENIED for h in result.hops)


def test_with_port_security_the_source_is_the_nodes_own_address() -> None:
    """Before: "source 10.244.1.7 not in fixed_ips", a cause no address pair fixes."""
    result = _trace(_secured(_u2o(False)), "pod:demo/netshoot", "pod:apps/under-0")
    spoof = next(h for h in result.hops if h.step == "antispoof")
    assert spoof.disposition == Disposition.ACCEPTED
    assert "10.0.0.12" in localize(spoof.detail, "en")


def test_without_nat_outgoing_the_reply_is_not_passed() -> None:
    doc = _u2o(False)
    for s in doc["cluster"]["cni"]["kube_ovn"]["subnets"]:
        if s["name"] == "ovn-default":
            s["nat_outgoing"] = False
    result = _trace(doc, "pod:demo/netshoot", "pod:apps/under-0")
    assert result.hops[-1].disposition == Disposition.UNKNOWN
    assert result.verdict != "accepted"
    en = localize(result.hops[-1].detail, "en")
    assert "ovn-default has no natOutgoing" in en and "knows no overlay address" in en
    ko = localize(result.hops[-1].detail, "ko")
    assert "ovn-default에 natOutgoing이 없어" in ko and "{" not in ko


def test_u2o_interconnection_and_the_reverse_way_keep_their_answers() -> None:
    """With u2oInterconnection OVN's router joins them (UNKNOWN, not via the node); an
    underlay pod to an overlay one stays UNKNOWN."""
    on = _trace(_u2o(True), "pod:demo/netshoot", "pod:apps/under-0")
    assert not any(h.step == "nat-outgoing" for h in on.hops)
    assert on.hops[-1].disposition == Disposition.UNKNOWN
    back = _trace(_u2o(False), "pod:apps/under-0", "pod:demo/netshoot")
    assert back.hops[-1].disposition == Disposition.UNKNOWN
