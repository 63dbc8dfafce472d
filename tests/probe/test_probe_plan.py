"""The probe plan: every node-pair class, a bounded seeded sample, O(N) probes, predictions."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.matrix import Matrix
from kostack.analyze.topology import Topology
from kostack.probe.plan import ALL_PAIRS_CLASSES, build_probe_plan
from kostack_testkit.builders import build, example_doc, fake_id, rule, seed_doc, synthetic_doc


def seed() -> Any:
    return build(seed_doc())


def test_seed_plan_covers_every_class_pair_with_predictions() -> None:
    snapshot = seed()
    plan = build_probe_plan(snapshot)
    matrix = Matrix(Topology(snapshot))
    class_of = {m.name: c for c in matrix.classes for m in c.members}
    pairs = {
        (class_of[p.source_node].key, class_of[p.target_node].key)
        for p in plan.probes
        if p.kind == "pod-http" and p.reason == "class-pair" and p.target_node
    }
    expected = {
        (a.key, b.key) for a in matrix.classes for b in matrix.classes if a is not b or a.size >= 2
    }
    assert pairs == expected
    # small cluster: every node is a source; every pod target has a listener node
    assert sorted(plan.sources) == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    assert set(plan.echo_nodes) == {p.target_node for p in plan.probes if p.target_ip is None}
    kinds = Counter(p.kind for p in plan.probes)
    assert kinds["dns-udp"] == kinds["dns-tcp"] == kinds["api-tcp"] == kinds["egress"] == 4
    assert kinds["icmp-clusterip"] == 0  # only when asked
    # predictions come from the engine: the seed's DNS from k8s-w-2 dies at anti-spoofing
    by_id = {p.id: p for p in plan.probes}
    dns = by_id["dns-udp/k8s-w-2"].prediction
    assert dns.outcome == "blocked" and dns.cause == "antispoof"
    assert "DNAT 10.96.0.10:53" in dns.via
    assert by_id["api-tcp/k8s-cp-1"].prediction.outcome == "open"
    assert by_id["pod-http/k8s-w-1->k8s-cp-1"].prediction.cause == "antispoof"
    assert "same subnet, native" in by_id["pod-http/k8s-w-1->k8s-cp-1"].path


def test_clusterip_ping_only_when_asked_and_expects_no_reply() -> None:
    plan = build_probe_plan(seed(), icmp_clusterip=True)
    pings = [p for p in plan.probes if p.kind == "icmp-clusterip"]
    assert len(pings) == 4
    for ping in pings:
        assert str(ping.target_ip) == "10.96.0.1"
        assert ping.prediction.outcome == "no-reply-expected"
        assert ping.prediction.cause == "clusterip-icmp"
        assert ping.agent_spec(None, 2.0)["virtual"] is True


def test_agent_plan_fills_in_listeners_and_leaves_out_nodes_without_one() -> None:
    plan = build_probe_plan(seed(), timeout=1.5)
    document, unresolved = plan.agent_plan("k8s-w-1", {"k8s-cp-1": "10.244.0.99"}, parallel=False)
    assert document["timeout"] == 1.5 and document["parallel"] is False
    hosts = {s["id"]: s["host"] for s in document["probes"]}
    assert hosts["pod-http/k8s-w-1->k8s-cp-1"] == "10.244.0.99"
    assert hosts["dns-udp/k8s-w-1"] == "10.96.0.10"
    assert unresolved and {p.target_node for p in unresolved} <= {"k8s-w-2", "k8s-w-3"}
    for spec in document["probes"]:
        assert spec["kind"] in ("dns", "tcp", "tls", "http", "transfer", "icmp", "mtu")
        assert spec["timeout"] == 1.5


def test_egress_target_and_echo_port_are_configurable() -> None:
    plan = build_probe_plan(seed(), egress=("203.0.113.10", 80), echo_port=9090)
    egress = [p for p in plan.probes if p.kind == "egress"]
    assert {(str(p.target_ip), p.target_port) for p in egress} == {("203.0.113.10", 80)}
    assert {p.target_port for p in plan.probes if p.kind == "pod-http"} == {9090}
    assert build_probe_plan(seed(), egress=None).probes and not [
        p for p in build_probe_plan(seed(), egress=None).probes if p.kind == "egress"
    ]


@pytest.mark.parametrize("nodes", [200, 2000])
def test_plan_grows_at_most_linearly_and_never_full_mesh(nodes: int) -> None:
    snapshot = build(synthetic_doc(nodes, groups=10, rules=100, pods_per_node=1))
    plan = build_probe_plan(snapshot, max_sources=16, seed=7)
    assert len(plan.sources) <= 16 + plan.class_count
    assert len(plan.probes) <= 20 * len(plan.sources) + 5 * plan.class_count**2
    assert len(plan.probes) < nodes * (nodes - 1) / 10
    # seeded: the same seed, the same sample; another seed, another sample
    assert build_probe_plan(snapshot, max_sources=16, seed=7).sources == plan.sources
    assert build_probe_plan(snapshot, max_sources=16, seed=8).sources != plan.sources


def _many_classes(nodes: int) -> Any:
    """Every node port in its own group admitting pod traffic from the next node's pod only:
    no two nodes admit the same sources, so one class per node."""
    doc = synthetic_doc(nodes, groups=3, rules=11, pods_per_node=1)
    pod_ips = [p["ip"] for p in doc["cluster"]["pods"] if p["namespace"] == "apps"]
    for i, port in enumerate(doc["openstack"]["ports"]):
        sg = fake_id("sg", f"own-{i}")
        nxt = pod_ips[(i + 1) % len(pod_ips)]
        doc["openstack"]["security_groups"].append(
            {
                "id": sg,
                "name": f"own-{i}",
                "rules": [rule(sg, "ingress", "tcp", 8080, f"{nxt}/32")],
            }
        )
        port["security_group_ids"] = [*port["security_group_ids"], sg]
    return build(doc)


def test_many_classes_get_o_of_classes_pairs_not_all_pairs() -> None:
    snapshot = _many_classes(120)
    plan = build_probe_plan(snapshot, max_sources=16)
    assert plan.class_count > ALL_PAIRS_CLASSES
    class_pairs = [p for p in plan.probes if p.kind == "pod-http" and p.reason == "class-pair"]
    # a ring over the classes plus to/from the control plane: O(classes)
    assert len(class_pairs) <= 4 * plan.class_count
    assert len(plan.probes) < 120 * 119 / 4
    cp = [p for p in class_pairs if p.target_node == "node-00000"]
    assert cp, "every class probes the control plane"


def test_mtu_probe_predicts_the_mtu_root_cause() -> None:
    snapshot = build(example_doc("mtu-1500"))
    plan = build_probe_plan(snapshot)
    mtu = [p for p in plan.probes if p.kind == "mtu"]
    assert mtu
    predicted = {p.prediction.cause for p in mtu if p.prediction.outcome == "blocked"}
    assert predicted == {"mtu"}
    assert {d.key for d in diagnose(snapshot).root_causes} >= {"mtu"}
    spec = mtu[0].agent_spec("10.244.1.5", 2.0)
    assert spec["expect"] == snapshot.cluster.cni.calico.mtu
    assert spec["expect"] in spec["sizes"]


def test_vxlan_no_4789_predicts_the_security_group_root_cause() -> None:
    plan = build_probe_plan(build(example_doc("vxlan-always-no-4789")))
    pod = [p for p in plan.probes if p.kind == "pod-http"]
    assert {p.prediction.cause for p in pod} == {"sg-encap"}
    assert all("VXLAN UDP 4789" in p.path for p in pod)


def test_empty_snapshot_plans_nothing_and_says_why() -> None:
    doc = seed_doc()
    doc["cluster"]["nodes"] = []
    doc["cluster"]["pods"] = []
    for svc in doc["cluster"]["services"]:
        svc["endpoints"] = []
    doc["node_ports"] = []
    plan = build_probe_plan(build(doc))
    assert plan.probes == () and plan.notes


# ---------------------------------------------------------------------------- dual-stack


def dual_stack_doc() -> dict[str, Any]:
    """The seed with an IPv6 pod CIDR per node and an IPv6 InternalIP (kubeadm dual-stack)."""
    doc = seed_doc()
    cluster = doc["cluster"]
    cluster["pod_cidrs"] = [*cluster["pod_cidrs"], "fd00:10:244::/56"]
    for index, node in enumerate(cluster["nodes"]):
        host = node["internal_ip"].rsplit(".", 1)[1]
        node["pod_cidrs"] = [*node["pod_cidrs"], f"fd00:10:244:{index:x}::/64"]
        node["addresses"].insert(1, {"type": "InternalIP", "address": f"fd00:10::{host}"})
    return doc


def test_dual_stack_plans_the_class_pairs_once_per_family() -> None:
    v4_only = build_probe_plan(seed())
    plan = build_probe_plan(build(dual_stack_doc()))
    assert not any(p.family == 6 for p in v4_only.probes)
    v4 = [p for p in plan.probes if p.family == 4]
    v6 = [p for p in plan.probes if p.family == 6]
    assert [p.id for p in v4] == [p.id for p in v4_only.probes]  # IPv4 unchanged
    pairs4 = {(p.source_node, p.target_node, p.kind) for p in v4 if p.reason == "class-pair"}
    pairs6 = {(p.source_node, p.target_node, p.kind.removesuffix("6")) for p in v6}
    assert pairs6 == pairs4  # every class pair, every pair kind, over IPv6 too
    assert {p.kind for p in v6} == {"pod-http6", "icmp-pod6", "icmp-node6", "mtu6", "transfer6"}
    assert len(v6) <= len(v4)  # bounded by the class pairs: the plan stays O(classes)
    assert len({p.id for p in plan.probes}) == len(plan.probes)  # ids stay unique
    for probe in v6:
        # Neutron has no IPv6 here (no IPv6 subnet, fixed IP or pair) and Calico's IPAM
        # blocks are IPv4: the model cannot decide, so UNKNOWN, never a guess.
        assert probe.prediction.outcome == "unknown", probe
        assert "IPv6" in probe.info.label
    node6 = next(p for p in v6 if p.kind == "icmp-node6" and p.id.endswith("->k8s-cp-1"))
    assert str(node6.target_ip) == "fd00:10::11"
    mtu6 = next(p for p in v6 if p.kind == "mtu6")
    assert min(mtu6.params["sizes"]) >= 1280  # every IPv6 link carries 1280


def test_dual_stack_agent_plan_aims_ipv6_probes_at_the_ipv6_listener() -> None:
    plan = build_probe_plan(build(dual_stack_doc()), timeout=1.0)
    echo4 = {"k8s-cp-1": "10.244.0.99", "k8s-w-2": "10.244.2.99"}
    echo6 = {"k8s-cp-1": "fd00:10:244::99"}
    document, unresolved = plan.agent_plan("k8s-w-1", echo4, echo_ips6=echo6)
    hosts = {s["id"]: s["host"] for s in document["probes"]}
    assert hosts["pod-http/k8s-w-1->k8s-cp-1"] == "10.244.0.99"
    assert hosts["pod-http6/k8s-w-1->k8s-cp-1"] == "fd00:10:244::99"
    assert hosts["icmp-node6/k8s-w-1->k8s-cp-1"] == "fd00:10::11"
    # No IPv6 listener on k8s-w-2: its IPv6 probes are left out, not sent to an IPv4 address.
    left_out = {p.id for p in unresolved}
    assert "pod-http6/k8s-w-1->k8s-w-2" in left_out
    assert "pod-http/k8s-w-1->k8s-w-2" not in left_out
    _, without = plan.agent_plan("k8s-w-1", echo4)
    assert {p.family for p in without if p.target_node == "k8s-cp-1"} == {6}


@pytest.mark.parametrize(
    ("example", "http6", "cause6"),
    [("dualstack-ipv6-broken", "blocked", "antispoof"), ("dualstack-fixed", "open", "")],
)
def test_ipv6_probes_carry_the_engines_per_family_prediction(
    example: str, http6: str, cause6: str
) -> None:
    """The examples: pairs for IPv4 only, then for both; IPv4 pod traffic is open in both."""
    import json
    from pathlib import Path

    from kostack.model import parse_snapshot

    path = Path(__file__).resolve().parents[2] / "examples" / f"{example}.json"
    plan = build_probe_plan(parse_snapshot(json.loads(path.read_text(encoding="utf-8"))))
    outcomes = {(p.kind, p.prediction.outcome, p.prediction.cause) for p in plan.probes}
    assert {o for o in outcomes if o[0] == "pod-http"} == {("pod-http", "open", "")}
    assert {o for o in outcomes if o[0] == "pod-http6"} == {("pod-http6", http6, cause6)}
    assert {o for o in outcomes if o[0] == "icmp-pod6"} == {("icmp-pod6", http6, cause6)}


@pytest.mark.parametrize(("pod_mtu", "mtu6"), [(1400, "blocked"), (1380, "open")])
def test_mtu_probes_are_sized_and_predicted_per_family(pod_mtu: int, mtu6: str) -> None:
    """VXLAN Always on both pools of the fixed dual-stack example, network MTU 1450: the
    IPv4 pool's VXLAN runs over IPv4 (50 bytes: path 1400), the IPv6 pool's over the nodes'
    IPv6 addresses (70 bytes: path 1380). One pod MTU (1400) fits IPv4 only."""
    from kostack_testkit.dualstack import dualstack_example_doc

    doc = dualstack_example_doc("dualstack-fixed")
    calico = doc["cluster"]["cni"]["calico"]
    for pool in calico["ip_pools"]:
        pool["vxlan_mode"] = "Always"
    calico["mtu"] = pod_mtu
    plan = build_probe_plan(build(doc))
    mtu4 = [p for p in plan.probes if p.kind == "mtu"]
    six = [p for p in plan.probes if p.kind == "mtu6"]
    assert mtu4 and len(six) == len(mtu4)
    for probe in mtu4:
        assert probe.prediction.outcome == "open", probe.prediction
        sizes = probe.params["sizes"]
        assert 1400 in sizes and (1380 in sizes) == (pod_mtu == 1380)  # the IPv6 path's size
        assert probe.params["expect"] == pod_mtu
    for probe in six:
        assert probe.prediction.outcome == mtu6, probe.prediction
        assert 1380 in probe.params["sizes"] and min(probe.params["sizes"]) >= 1280
        assert probe.params["expect"] == pod_mtu
        assert "VXLAN" in probe.path
        if mtu6 == "blocked":
            assert probe.prediction.cause == "mtu"
            assert "1380 (1450 - 70 for VXLAN)" in probe.prediction.detail
    transfer6 = {p.prediction.outcome for p in plan.probes if p.kind == "transfer6"}
    assert transfer6 == {mtu6}  # a transfer stalls where large IPv6 packets are lost


def _with_not_ready(*names: str) -> Any:
    doc = seed_doc()
    for node in doc["cluster"]["nodes"]:
        if node["name"] in names:
            node["ready"] = False
    return build(doc)


def test_not_ready_nodes_run_no_probe_and_their_class_is_probed_from_ready_nodes() -> None:
    """A NotReady node's kubelet starts no pod: a probe or echo pod pinned there would wait
    out the start timeout and fail the whole round. It is left out, and the plan says so."""
    plan = build_probe_plan(_with_not_ready("k8s-w-1"))
    assert sorted(plan.sources) == ["k8s-cp-1", "k8s-w-2", "k8s-w-3"]
    assert "k8s-w-1" not in plan.echo_nodes
    assert all("k8s-w-1" not in (p.source_node, p.target_node) for p in plan.probes)
    pairs = {(p.source_node, p.target_node) for p in plan.probes if p.reason == "class-pair"}
    assert ("k8s-w-2", "k8s-w-3") in pairs  # the workers' class, from its Ready nodes
    assert ("k8s-w-2", "k8s-cp-1") in pairs and ("k8s-cp-1", "k8s-w-2") in pairs
    assert any("1 NotReady node(s) (k8s-w-1)" in note for note in plan.notes)


def test_a_class_without_a_ready_node_is_not_probed() -> None:
    plan = build_probe_plan(_with_not_ready("k8s-cp-1"), max_sources=2)
    assert "k8s-cp-1" not in plan.sources and "k8s-cp-1" not in plan.echo_nodes
    assert all("k8s-cp-1" not in (p.source_node, p.target_node) for p in plan.probes)
    assert plan.sources and plan.probes
