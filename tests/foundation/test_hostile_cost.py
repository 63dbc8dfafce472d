"""Cost on the hostile inputs of the cost audit (kostack_testkit.hostile).

A remote group whose members interleave with addresses that are not its members (every other
node) has a range per member; every per-node group that admits it read all of them again,
per node and query (`SetEngine._read` merged every rule's ranges): 1,000 -> 2,000 such nodes
made diagnose's Python calls 2.9 times as many. The union now merges a remote group's ranges
once per combination of groups and splices each node's few own ranges in (`SetEngine._union`).

The ClusterIP classes of the source pods (analyze/proxy_classes.py) read every pod's node
again per pod; `kostack fix plan` pays that pass once per verifying diagnosis (three at
20,000 nodes of benchmarks/diagnose_scale.py): now once per node.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from kostack.analyze import proxy_classes as proxy_mod
from kostack.analyze.engine.addrsets import SetEngine, Universe, covers, merge, splice
from kostack.analyze.engine.secgroups import Query
from kostack.analyze.topology import Topology
from kostack.model import loads_snapshot
from kostack_testkit.cost import python_calls
from kostack_testkit.hostile import hostile_doc, interleaved_doc

KUBELET = Query("ingress", 4, 6, 10250)


def _engine(doc: dict[str, Any]) -> tuple[list[Any], SetEngine]:
    topo = Topology(loads_snapshot(json.dumps(doc)))
    ips = [ip for v in topo.node_views.values() for ip in v.ips]
    ports = [v.port for v in topo.node_views.values() if v.port is not None]
    return ports, SetEngine(topo, Universe(ips))


def _admitted_calls(nodes: int) -> tuple[int, list[Any]]:
    ports, engine = _engine(interleaved_doc(nodes, pods_per_node=1))
    return python_calls(lambda: [engine.admitted(p, KUBELET).ranges for p in ports])


def test_a_shared_interleaved_group_costs_linear_per_node_group() -> None:
    small, _ = _admitted_calls(300)
    big, sets = _admitted_calls(600)
    assert big <= 2.3 * small, (small, big, big / small)
    # and the sets are what they were: the workers (every other node) and the next node
    workers = {i for i in range(600) if i % 2 == 0}
    for i, ranges in enumerate(sets):
        held = {p for lo, hi in ranges for p in range(lo, hi)}
        assert held == workers | {(i + 1) % 600}, i


def test_the_union_is_the_merge() -> None:
    """Seeded: splicing ranges into a merged set gives what merging them all gives, and a
    range is covered exactly when it adds nothing."""
    rng = random.Random(11)
    for _ in range(3000):
        a = [(x, x + rng.randint(0, 4)) for x in (rng.randint(0, 80) for _ in range(9))]
        b = [(x, x + rng.randint(1, 5)) for x in (rng.randint(0, 80) for _ in range(4))]
        base = merge(a)
        assert splice(base, b) == merge(a + b), (a, b)
        for r in b:
            assert covers(base, r) == (merge([*base, r]) == base), (base, r)


def test_the_hostile_snapshot_loads_and_is_seeded() -> None:
    """The audit's generator: every kind it promises, the same document for the same seed."""
    doc = hostile_doc(128, seed=3)
    assert json.dumps(doc) == json.dumps(hostile_doc(128, seed=3))
    snap = loads_snapshot(json.dumps(doc))
    assert snap.cluster is not None and snap.openstack is not None
    kinds = {s.type for s in snap.cluster.services or ()}
    assert {"ClusterIP", "ExternalName", "NodePort", "LoadBalancer"} <= kinds
    assert any(s.cluster_ip is None and s.type == "ClusterIP" for s in snap.cluster.services or ())
    assert snap.openstack.load_balancers and snap.helm and snap.helm.releases
    assert len({n.internal_ip for n in snap.cluster.nodes or ()}) < len(snap.cluster.nodes or ())
    assert any(len(n.name) > 200 for n in (g for g in snap.openstack.security_groups or ()))


def test_the_clusterip_classes_read_a_node_once_not_each_pod(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Off Kube-OVN a pod's proxy class is its node's (`proxy_key` reads the node alone):
    read once per node, not once per pod, and the classes are those per pod."""
    topo = Topology(loads_snapshot(json.dumps(hostile_doc(128, pods_per_node=8))))
    pods = list(topo.pods)
    keys: list[object] = []
    real = proxy_mod.proxy_key

    def counted(t: Topology, ip: Any, node: Any) -> tuple[object, ...]:
        keys.append(node)
        return real(t, ip, node)

    monkeypatch.setattr(proxy_mod, "proxy_key", counted)
    for version in (None, 4, 6):
        keys.clear()
        found = proxy_mod.proxy_classes(topo, [], pods, version)
        assert len(keys) == len(set(keys)) <= len(topo.node_views)
        on_nodes = [
            p
            for p in pods
            if not p.host_network
            and p.node in topo.node_views
            and any(version in (None, a.version) for a in p.addresses)
        ]
        assert sum(c.pods for c in found.classes) == len(on_nodes) > 8 * len(keys) // 2
        by_key = {c.key: c for c in found.classes}
        for p in on_nodes:
            ip = next(a for a in p.addresses if version in (None, a.version))
            assert p.node in by_key[real(topo, ip, p.node)].nodes
