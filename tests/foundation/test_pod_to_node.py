"""Which way a pod's traffic to another node's address takes (analyze/engine/pod_to_node.py;
docs/facts.md "Cilium, a pod's traffic to another node's address", "Cilium IPsec with native
routing"; Kube-OVN: test_kubeovn_to_node.py).

cilium/cilium pkg/node/manager/manager.go ``nodeAddressHasTunnelIP``: with the host firewall
on, every node address has its node as tunnel peer, so in tunnel mode a pod's packet to
another node crosses the tunnel. Before, kostack judged it masqueraded on the API server's
own port: with Geneve blocked and 6443 open, the kubernetes Service read "ok".
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.reach import parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack.collect._cni_cilium import parse_cilium
from kostack.collect._kube_objects import Notes
from kostack_testkit.builders import build, example_doc


def _cilium(**settings: Any) -> dict[str, Any]:
    doc = example_doc("cilium-geneve-no-6081")
    doc["cluster"]["cni"]["cilium"].update(settings)
    return doc


def _trace(doc: dict[str, Any], src: str, dst: str, port: int = 6443) -> Any:
    topo = Topology(build(doc))
    (result,) = trace(topo, parse_endpoint(topo, src)[0], parse_endpoint(topo, dst)[0], "tcp", port)
    return result


def _api(doc: dict[str, Any]) -> Status:
    found = {f.status for f in diagnose(build(doc)).findings if f.check_id == "net-api-service"}
    return found.pop() if len(found) == 1 else Status.UNKNOWN


def test_the_host_firewall_sends_a_pods_traffic_to_a_node_through_the_tunnel() -> None:
    result = _trace(_cilium(host_firewall=True), "pod:demo/netshoot", "node:k8s-cp-1")
    wire = result.wire
    assert (wire.encap, wire.dst_port) == ("Geneve", 6081)
    assert (str(wire.src), str(wire.inner_src)) == ("10.0.0.12", "10.244.1.7")
    assert not any(h.step == "nat-outgoing" for h in result.hops)
    assert result.hops[-1].disposition == Disposition.DENIED  # the group has no UDP 6081
    assert _api(_cilium(host_firewall=True, wireguard=False)) == Status.FAIL
    # WireGuard not read: off, the tunnel drops it; on, undecided (two worlds, never a PASS)
    assert _api(_cilium(host_firewall=True)) != Status.PASS


def test_without_it_the_node_masquerades_as_before() -> None:
    result = _trace(_cilium(), "pod:demo/netshoot", "node:k8s-cp-1")
    assert result.wire.encap is None and str(result.wire.src) == "10.0.0.12"
    assert any(h.step == "nat-outgoing" for h in result.hops)
    assert result.verdict == "accepted"
    assert _api(_cilium()) == Status.PASS


def test_native_routing_keeps_the_nodes_way_with_the_host_firewall() -> None:
    doc = _cilium(routing_mode="native", tunnel_protocol=None, host_firewall=True)
    result = _trace(doc, "pod:demo/netshoot", "node:k8s-cp-1")
    assert result.wire.encap is None


def test_with_wireguard_as_well_it_is_unknown_never_passed() -> None:
    result = _trace(
        _cilium(host_firewall=True, wireguard=True), "pod:demo/netshoot", "node:k8s-cp-1"
    )
    last = result.hops[-1]
    assert last.disposition == Disposition.UNKNOWN and result.verdict != "accepted"
    assert "cilium_wg0" in localize(last.detail, "en")
    assert "{" not in localize(last.detail, "ko") and "모델링하지 않습니다" in localize(
        last.detail, "ko"
    )


def test_ipsec_with_native_routing_leaves_the_route_undecided() -> None:
    """ESP between the nodes, not the pods' packets: kostack used to judge the pods' own
    addresses at anti-spoofing (a false FAIL, or a false PASS for the ESP rule)."""
    doc = _cilium(routing_mode="native", tunnel_protocol=None, ipsec=True)
    result = _trace(doc, "pod:demo/netshoot", "pod:demo/dns-test", 80)
    route = next(h for h in result.hops if h.step == "route")
    assert route.disposition == Disposition.UNKNOWN
    assert "ESP (IP protocol 50)" in localize(route.detail, "en")
    (p2p,) = [f for f in diagnose(build(doc)).findings if f.check_id == "net-pod-to-pod"]
    assert p2p.status == Status.UNKNOWN
    tunnel = _trace(_cilium(ipsec=True), "pod:demo/netshoot", "pod:demo/dns-test", 80)
    assert tunnel.wire.encap == "Geneve"  # ESP inside the tunnel: the tunnel is judged


def test_the_collector_reads_enable_host_firewall() -> None:
    notes = Notes()
    assert parse_cilium({"data": {}}, notes).cilium.host_firewall is False
    on = parse_cilium({"data": {"enable-host-firewall": "true"}}, notes)
    assert on.cilium.host_firewall is True
