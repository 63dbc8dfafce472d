"""The class-and-set engine against brute force: every pair traced one by one must agree.

A fixed case budget: every bundled example, each with the unknowns opened,
and seeded random mutations of heterogeneous clouds (per-node groups, prefixes,
remote groups, pairs on some ports, CNI modes).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest

from kostack.analyze.engine.addrsets import Universe, contains, merge, patterns
from kostack.analyze.engine.cases import World, condition, worlds
from kostack.analyze.engine.families import Families
from kostack.analyze.engine.family_records import End, hop_id
from kostack.analyze.engine.path import trace
from kostack.analyze.engine.types import PASSING
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.topology import Topology
from kostack_testkit.builders import (
    EXAMPLES,
    build,
    example_doc,
    fake_id,
    hetero_doc,
    rule,
    set_calico_mode,
)

Doc = dict[str, Any]
FLOWS = (("pod", "tcp", 8080), ("node", "udp", 4789), ("node", "tcp", 179))


def _brute(topos: list[Topology], ends: list[End], proto: str, port: int) -> tuple[Any, ...]:
    per = [Counter[Any]() for _ in topos]
    ok = [0] * len(topos)
    total = 0
    for s in ends:
        for t in ends:
            if s.name == t.name:
                continue
            total += 1
            results = [trace(tp, s.endpoint, t.endpoint, proto, port, full=True)[0] for tp in topos]
            failing = [[h for h in r.hops if h.disposition not in PASSING] for r in results]
            common: set[Any] = set()
            if all(failing):
                common = set.intersection(*({hop_id(h) for h in f} for f in failing))
            for w, hops in enumerate(failing):
                if not hops:
                    ok[w] += 1
                    continue
                chosen = next((h for h in hops if hop_id(h) in common), hops[0])
                per[w][hop_id(chosen)] += 1
    return total, ok, per


def _agree(doc: Doc) -> int:
    snap = build(doc)
    flows = ClusterFlows(snap)
    checked = 0
    for kind, proto, port in FLOWS:
        ends = flows.pods if kind == "pod" else flows.nodes
        result = flows.families.evaluate(ends, ends, lambda s, t, p=proto, n=port: (p, n))
        total, ok, per = _brute(flows.topos, ends, proto, port)
        got = [Counter({f.hop: f.pairs for f in facts}) for facts in result.facts]
        assert (result.total, result.ok, got) == (total, ok, per), (kind, proto, port)
        checked += total
    return checked


def _open(doc: Doc) -> Doc:
    """The same cloud with every enumerable unknown open."""
    doc["openstack"]["backend"] = None
    doc["openstack"]["backend_source"] = None
    cni = doc["cluster"]["cni"]
    if cni.get("calico"):
        cni["calico"]["bgp"] = None
        for pool in cni["calico"]["ip_pools"] or ():
            pool["nat_outgoing"] = None
    return doc


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_agrees_with_brute_force(name: str) -> None:
    assert _agree(example_doc(name)) > 0


@pytest.mark.parametrize("name", ["seed-incident", "pairs-some-ports", "bgp-blocked"])
def test_every_example_with_the_unknowns_open_agrees_with_brute_force(name: str) -> None:
    assert _agree(_open(example_doc(name))) > 0


def _mutated(seed: int) -> Doc:
    rng = random.Random(seed)
    doc = hetero_doc(12, pods_per_node=1)
    set_calico_mode(
        doc, **rng.choice([{}, {"ipip": "Always"}, {"vxlan": "Always"}, {"vxlan": "CrossSubnet"}])
    )
    doc["cluster"]["cni"]["calico"]["bgp"] = rng.choice([True, False, None])
    if rng.random() < 0.5:
        doc["openstack"]["backend"] = None
    ports = doc["openstack"]["ports"]
    groups = doc["openstack"]["security_groups"]
    for i, port in enumerate(ports):
        if rng.random() < 0.3:
            port["allowed_address_pairs"] = []
        if rng.random() < 0.3:
            other = rng.choice(groups)["id"]
            sg = port["security_group_ids"][0]
            grp = next(g for g in groups if g["id"] == sg)
            grp["rules"].append(rule(sg, "ingress", rng.choice([None, "tcp", "udp"]), group=other))
        if rng.random() < 0.2:
            sg = fake_id("sg", f"extra-{seed}-{i}")
            groups.append(
                {
                    "id": sg,
                    "name": f"extra-{i}",
                    "rules": [
                        rule(sg, "ingress", "tcp", (rng.randint(1, 200), 9000), "10.0.0.0/20"),
                        rule(sg, "egress", None, None, "10.0.0.0/16"),
                    ],
                }
            )
            port["security_group_ids"] = [sg]
    return doc


@pytest.mark.parametrize("seed", range(12))
def test_random_heterogeneous_clouds_agree_with_brute_force(seed: int) -> None:
    assert _agree(_mutated(seed)) > 0


# --------------------------------------------------------------------------- parts


def test_patterns_count_by_segments_like_one_by_one() -> None:
    rng = random.Random(7)
    for _ in range(50):
        n = rng.randint(1, 60)
        sets = [
            merge(
                (a, a + rng.randint(1, 8))
                for a in (rng.randint(0, n) for _ in range(rng.randint(0, 5)))
            )
            for _ in range(rng.randint(0, 4))
        ]
        positions = sorted(rng.sample(range(n + 10), rng.randint(0, n)))
        expected = Counter(tuple(contains(s, p) for s in sets) for p in positions)
        assert patterns(sets, positions) == dict(expected)


def test_universe_canonicalises_equal_admitted_sets() -> None:
    import ipaddress

    u = Universe([ipaddress.ip_address(f"10.0.0.{i}") for i in (11, 12, 13)])
    whole = u.of_net(ipaddress.ip_network("10.0.0.0/24"))
    wider = u.of_net(ipaddress.ip_network("10.0.0.0/16"))
    assert whole == wider == (0, 3)


def test_conditions_are_named_minimally() -> None:
    doc = _open(example_doc("seed-fixed"))
    ws = worlds(build(doc))
    assert next(w.open for w in ws) == ("backend", "masquerade", "bgp")
    ovn = [i for i, w in enumerate(ws) if w.backend == "ml2/ovn"]
    assert condition(ovn, ws) == "on ML2/OVN"
    assert condition(range(len(ws)), ws) == "in every case"
    masq_ovs = [i for i, w in enumerate(ws) if w.backend == "ml2/ovs" and w.masquerade]
    assert condition(masq_ovs, ws) == (
        "on ML2/OVS and if pod traffic leaving the cluster is masqueraded"
    )
    assert World().label() == ""


def test_an_ovn_only_extension_decides_the_backend() -> None:
    doc = example_doc("backend-unknown-healthy")
    doc["openstack"]["extensions"].append("l3-agent-scheduler-ha-chassis-priority")
    ws = worlds(build(doc))
    assert len(ws) == 1 and Topology(build(doc)).backend == "ml2/ovn"


def test_json_answer_grows_with_nodes_not_pairs() -> None:
    from kostack.analyze.diagnose import diagnose
    from kostack.report.jsonout import diagnosis_dict, dumps

    sizes = {}
    for n in (60, 240):
        d = diagnose(build(hetero_doc(n, pods_per_node=1)))
        out = dumps(diagnosis_dict(d, "t"))
        data = json.loads(out)
        assert len(data["findings"]) < 41  # findings per cause, not per pair (one more check: 41)
        sizes[n] = len(out)
    assert sizes[240] < 4.5 * sizes[60]  # 4x the nodes, 16x the pairs


def test_families_share_classes_across_rule_texts() -> None:
    flows = ClusterFlows(build(hetero_doc(90, pods_per_node=1)))
    family = flows.pod_to_pod
    # 90 groups whose rules read differently but admit the same: a handful of classes
    assert len(family.targets) <= 4 and family.traced <= 20
    kubelet = flows.node_to_node("tcp", 10250, "from-cp")
    # kubelet rules differ genuinely (the next node's /32): one class per node, no blow-up
    assert len(kubelet.targets) >= 85 and kubelet.traced <= 30  # (a few /32s fall in the /30)


def test_families_accept_a_shared_universe() -> None:
    flows = ClusterFlows(build(example_doc("seed-fixed")))
    again = Families(flows.topos, [], universe=flows.families.universe)
    result = again.evaluate(flows.pods, flows.pods, lambda s, t: ("tcp", 8080))
    assert result.total == 12 and result.ok == [12]


def test_wireguard_not_collected_is_tried_both_ways_for_the_mtu() -> None:
    from kostack.analyze.diagnose import diagnose
    from kostack.analyze.findings import Status

    doc = example_doc("cilium-geneve-no-6081")
    assert doc["cluster"]["cni"]["cilium"].get("wireguard") is None
    d = diagnose(build(doc))
    assert [w.wireguard for w in d.worlds] == [False, True]
    (mtu,) = [f for f in d.findings if f.check_id == "net-mtu"]
    # Cilium subtracts its overheads from its mtu: it fits whether WireGuard is on or off
    assert mtu.status == Status.PASS
    doc["cluster"]["cni"]["cilium"]["mtu"] = 1450
    d = diagnose(build(doc))
    statuses = {f.status for f in d.findings if f.check_id == "net-mtu"}
    assert Status.UNKNOWN not in statuses
