"""WireGuard carries pods' traffic between nodes (docs/facts.md, "WireGuard").

With Calico's WireGuard on (FelixConfiguration wireguardEnabled), Felix routes IPv4 pods'
traffic to other nodes' pods through wireguard.cali: UDP 51820 between the nodes' addresses,
whatever the pool's IPIP/VXLAN mode. With Cilium's (enable-wireguard), it leaves through
cilium_wg0, UDP 51871, tunnelled inside or not. Neutron sees only that: without a rule for
it pod-to-pod fails (it was "healthy" when the tunnel's own port was open), with one it
passes, and a node's own traffic to a pod keeps the pool's way (host encryption is off by
default).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from kostack.analyze.diagnose import diagnose
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.plan.build import build_plan
from kostack.report.jsonout import diagnosis_dict
from kostack_testkit.builders import SG_NODES, Doc, build, example_doc, group, rule


def _calico_vxlan_wireguard(wireguard: bool | None, *extra: Doc) -> Doc:
    """VXLAN Always whose UDP 4789 is admitted (between the nodes' group), WireGuard as given."""
    doc = example_doc("vxlan-always-no-4789")
    calico = doc["cluster"]["cni"]["calico"]
    calico["wireguard"] = calico["wireguard_v4"] = wireguard
    calico["wireguard_v6"] = None if wireguard is None else False
    if wireguard:  # Felix's wireguardMTU on a 1450 network: 60 bytes less
        calico["mtu"], calico["mtu_auto"] = 1390, False
    vxlan = rule(SG_NODES, "ingress", "udp", 4789, group=SG_NODES)
    group(doc, "k8s-nodes")["rules"].extend([vxlan, *extra])
    return doc


def _cilium_vxlan_wireguard(*extra: Doc) -> Doc:
    doc = example_doc("cilium-geneve-no-6081")
    cil = doc["cluster"]["cni"]["cilium"]
    cil["tunnel_protocol"] = "vxlan"
    cil["wireguard"] = True
    group(doc, "k8s-nodes")["rules"].extend(
        [rule(SG_NODES, "ingress", "udp", 8472, group=SG_NODES), *extra]
    )
    return doc


def test_calico_wireguard_without_its_rule_fails_pod_to_pod_with_the_rule_to_add() -> None:
    vxlan_only = diagnose(build(_calico_vxlan_wireguard(False)))
    assert vxlan_only.verdict.paths["pod-to-pod"] == "ok"  # the twin without WireGuard
    d = diagnose(build(_calico_vxlan_wireguard(True)))
    assert d.verdict.paths["pod-to-pod"] == "fail"
    text = json.dumps(diagnosis_dict(d, "test"))
    assert "WireGuard encapsulation (udp 51820)" in text
    rc = next(r for r in d.root_causes if r.key == "sg-encap")
    params = {(k, v) for f in rc.fix.remedies for k, v in f.params}
    assert {("protocol", "udp"), ("port_range_min", "51820")} <= params
    assert ("remote_group_id", SG_NODES) in params
    plan = build_plan(d.snapshot)
    assert "sg-encap" not in {r.key for r in plan.verification.after}


def test_calico_wireguard_with_its_rule_is_healthy_and_says_wireguard() -> None:
    d = diagnose(
        build(
            _calico_vxlan_wireguard(True, rule(SG_NODES, "ingress", "udp", 51820, group=SG_NODES))
        )
    )
    assert d.verdict.paths["pod-to-pod"] == "ok"
    assert not d.root_causes


def test_a_nodes_own_traffic_to_a_pod_keeps_the_pools_vxlan(tmp_path: Path) -> None:
    snapshot = build(_calico_vxlan_wireguard(True))
    path = tmp_path / "snap.json"
    path.write_text(snapshot.model_dump_json(), encoding="utf-8")
    pods = snapshot.cluster.pods if snapshot.cluster is not None else None
    pod = next(p for p in pods or () if p.node == "k8s-w-2" and not p.host_network)

    def trace(src: str) -> str:
        out, err = io.StringIO(), io.StringIO()
        env = Environment(
            stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False
        )
        main(["trace", "--snapshot", str(path), src, f"pod:{pod.namespace}/{pod.name}:80/tcp"], env)
        return out.getvalue()

    from_node = trace("node:k8s-w-1")
    assert "VXLAN (UDP 4789)" in from_node and "WireGuard" not in from_node, from_node
    source = next(p for p in pods or () if p.node == "k8s-w-1" and not p.host_network)
    from_pod = trace(f"pod:{source.namespace}/{source.name}")
    assert "WireGuard (UDP 51820)" in from_pod, from_pod


def test_cilium_wireguard_needs_51871_not_only_its_tunnel_port() -> None:
    d = diagnose(build(_cilium_vxlan_wireguard()))
    assert d.verdict.paths["pod-to-pod"] == "fail"
    assert "WireGuard encapsulation (udp 51871)" in json.dumps(diagnosis_dict(d, "test"))
    ok = diagnose(
        build(_cilium_vxlan_wireguard(rule(SG_NODES, "ingress", "udp", 51871, group=SG_NODES)))
    )
    assert ok.verdict.paths["pod-to-pod"] == "ok"


def test_wireguard_not_collected_is_tried_both_ways_for_the_route() -> None:
    d = diagnose(build(_calico_vxlan_wireguard(None)))
    assert [w.wireguard for w in d.worlds] == [False, True]
    text = json.dumps(diagnosis_dict(d, "test"))
    assert "if WireGuard is on" in text


def test_calico_ipv6_wireguard_alone_carries_ipv6_pods_on_51821_and_not_ipv4_ones() -> None:
    """wireguardEnabledV6 without wireguardEnabled: Felix's wg-v6.cali (UDP 51821 between the
    nodes' IPv6 addresses) carries IPv6 pods; IPv4 pods keep the pool's way. The collector kept
    one switch for both, so IPv4 pods would have been judged on 51820."""
    from kostack_testkit.dualstack import dualstack_example_doc

    doc = dualstack_example_doc("dualstack-fixed")
    calico = doc["cluster"]["cni"]["calico"]
    calico["wireguard"], calico["wireguard_v4"], calico["wireguard_v6"] = True, False, True
    calico["mtu"], calico["mtu_auto"] = 1370, False
    default = group(doc, "default")  # IPv4 stays admitted from the members, IPv6 not
    default["rules"] = [
        r
        for r in default["rules"]
        if not (r["direction"] == "ingress" and r["ethertype"] == "IPv6")
    ]
    d = diagnose(build(doc))
    assert d.verdict.paths["pod-to-pod"] == "fail"
    (encap,) = [f for f in d.findings if f.check_id == "net-sg-cni-encap" and f.status == "fail"]
    assert "WireGuard encapsulation over IPv6 (udp 51821)" in str(encap.message)
    assert "51820" not in json.dumps(diagnosis_dict(d, "test"))
    failing = [f for f in d.findings if f.check_id == "net-pod-to-pod" and f.status == "fail"]
    assert failing and all(str(f.message.params.get("family")) == "IPv6" for f in failing)
    wg6 = rule(group(doc, "default")["id"], "ingress", "udp", 51821, ethertype="IPv6",
               group=group(doc, "default")["id"])  # fmt: skip
    default["rules"].append(wg6)
    assert diagnose(build(doc)).verdict.paths["pod-to-pod"] == "ok"


def test_felix_subtracts_the_wireguard_overhead_of_the_families_it_is_on_for() -> None:
    """IPv4 WireGuard costs 60 bytes and IPv6 WireGuard 80: a dual-stack cluster with only
    IPv4's on is bounded by its IPv6 pool's VXLAN (70), not by 80 as when either switch
    counted as IPv6's."""
    from kostack.analyze.mtu import calico_overhead
    from kostack_testkit.dualstack import dualstack_example_doc

    def overhead(v4: bool, v6: bool) -> tuple[int, str] | None:
        doc = dualstack_example_doc("dualstack-fixed")
        calico = doc["cluster"]["cni"]["calico"]
        calico["wireguard"], calico["wireguard_v4"], calico["wireguard_v6"] = v4 or v6, v4, v6
        cni = build(doc).cluster.cni  # type: ignore[union-attr]
        assert cni is not None and cni.calico is not None
        return calico_overhead(cni.calico)

    assert overhead(False, False) == (70, "VXLAN")
    assert overhead(True, False) == (70, "VXLAN")
    assert overhead(False, True) == (80, "WireGuard")
    assert overhead(True, True) == (80, "WireGuard")
