"""What `fix plan` costs beyond `diagnose`: its verification walks no snapshot for garbage.

Verifying a plan diagnoses the snapshot with the changes applied (two or three times: the
anti-spoofing fix reveals a missing route back, then the last check). Each of those diagnoses
makes as many objects as the first, so Python's cyclic collector came due again and again and
walked every object of the snapshot and its diagnosis, none of them garbage: a third of the
verification's CPU at 5,000 nodes. The speed target itself lives in
benchmarks/diagnose_scale.py --fix-plan (no timed tests).
"""

from __future__ import annotations

import gc
import ipaddress
import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from fix_cloud import run_cli

import kostack.analyze.diagnose
import kostack.plan.build
import kostack.report.fixplan
import kostack.report.jsonout
from kostack.analyze.diagnose import diagnose, run_checks
from kostack.analyze.findings import Finding
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.proxy_classes import ProxyClasses, _keyed_by_address, proxy_classes
from kostack.analyze.remedy import pair_remedy
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Snapshot
from kostack.plan.assemble import Builder
from kostack.plan.build import _remedies, build_plan, diagnosed
from kostack.plan.codec import plan_to_dict
from kostack.plan.model import Operation, PlanOptions
from kostack_testkit.builders import build, example_doc, synthetic_doc
from kostack_testkit.hostile import hostile_doc


def test_verifying_a_plan_runs_no_garbage_collection(
    collections: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = build(synthetic_doc(60, groups=4, rules=40, pods_per_node=5))
    during: list[int] = []  # collections started inside each verifying diagnosis

    def counting(run: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Any:
            before = len(collections)
            try:
                return run(*args, **kwargs)
            finally:
                during.append(len(collections) - before)

        return counted

    monkeypatch.setattr(kostack.plan.build, "diagnose", counting(diagnose))
    monkeypatch.setattr(kostack.plan.build, "diagnosed", counting(diagnosed))
    assert gc.isenabled()
    plan = build_plan(snapshot)
    # the verification took three diagnoses (the first, the revealed route back, the last)
    assert plan.verification.iterations == 2 and plan.verification.revealed
    assert during == [0, 0, 0]
    assert gc.isenabled()  # and the collector is on again


@pytest.mark.parametrize("output", ["json", "text"])
def test_fix_plan_runs_no_collection_from_the_diagnosis_to_the_written_plan(
    collections: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, output: str
) -> None:
    """All `fix plan` makes after reading the snapshot lives until it ends: collections there
    walked the snapshot, its diagnosis and the plan for nothing (at 10,000 nodes 2.7 s after the
    verification, more while the plan was rendered)."""
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(synthetic_doc(60, groups=4, rules=40, pods_per_node=5)))
    marks: list[int] = []  # collections so far: at each diagnosis, when the plan is written

    def marked(*args: Any, **kwargs: Any) -> tuple[list[Finding], ClusterFlows]:
        marks.append(len(collections))
        return run_checks(*args, **kwargs)

    def written(render: Any) -> Any:
        def recorded(*args: Any, **kwargs: Any) -> str:
            text: str = render(*args, **kwargs)
            marks.append(len(collections))
            return text

        return recorded

    monkeypatch.setattr(kostack.analyze.diagnose, "run_checks", marked)
    monkeypatch.setattr(kostack.report.jsonout, "dumps", written(kostack.report.jsonout.dumps))
    monkeypatch.setattr(
        kostack.report.fixplan, "render_plan", written(kostack.report.fixplan.render_plan)
    )
    run = run_cli("fix", "plan", "--snapshot", str(path), "-o", output, environ={})
    assert run.code == 0, run.stderr
    assert "antispoof" in run.stdout and "router-no-route-back" in run.stdout
    assert len(marks) == 4 and len(set(marks)) == 1  # three diagnoses, then the plan written
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    snapshot = build(synthetic_doc(3, groups=3, rules=6, pods_per_node=1))
    gc.disable()
    try:
        build_plan(snapshot)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_digest_of_the_written_plan_is_the_plans() -> None:
    snapshot = build(synthetic_doc(20, groups=3, rules=10, pods_per_node=3))
    plan = build_plan(snapshot)
    assert plan_to_dict(plan, "1.0")["digest"] == plan.digest()


def counting(monkeypatch: pytest.MonkeyPatch, index: str) -> list[int]:
    """The number of pods of every ``index`` (a pod index of `Topology`) built meanwhile."""
    built: list[int] = []
    plain = getattr(Topology, index).func

    def counted(topo: Topology) -> Any:
        built.append(len(topo.pods))
        return plain(topo)

    prop = cached_property(counted)
    prop.__set_name__(Topology, index)
    monkeypatch.setattr(Topology, index, prop)
    return built


@pytest.fixture
def pod_indexes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of pods of every pod-address index a topology builds meanwhile."""
    return counting(monkeypatch, "pod_by_ip")


def test_fix_plan_indexes_the_pods_once(pod_indexes: list[int], tmp_path: Path) -> None:
    """The verification diagnoses copies of the snapshot with ports, groups and routers changed:
    the pods are the same objects, and so is their index (0.6 s a diagnosis at 10,000 nodes)."""
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(synthetic_doc(60, groups=4, rules=40, pods_per_node=5)))
    run = run_cli("fix", "plan", "--snapshot", str(path), "-o", "json", environ={})
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["verification"]["iterations"] == 2  # three diagnoses
    assert pod_indexes == [300]


def test_fix_plan_finds_each_nodes_pod_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first pod of each node (whose address the pod flows trace) is a pod index too: the
    verifying diagnoses and the pod-source hypothesis share it."""
    built = counting(monkeypatch, "pod_by_node")
    snapshot = build(synthetic_doc(40, groups=4, rules=40, pods_per_node=3))
    diagnosis, topo = diagnosed(snapshot)  # as `kostack fix plan` does
    plan = build_plan(snapshot, diagnosis=diagnosis, reuse=topo)
    assert plan.verification.iterations == 2 and not plan.verification.after
    assert built == [120]


def test_a_verification_sharing_the_pod_index_plans_the_same(pod_indexes: list[int]) -> None:
    snapshot = build(synthetic_doc(40, groups=4, rules=40, pods_per_node=3))
    diagnosis, topo = diagnosed(snapshot)
    shared = build_plan(snapshot, diagnosis=diagnosis, reuse=topo)
    assert pod_indexes == [120]
    alone = build_plan(snapshot)  # its own diagnosis, then the verification's first index
    assert pod_indexes == [120, 120, 120]
    assert shared == alone and plan_to_dict(shared, "1.0") == plan_to_dict(alone, "1.0")
    assert shared.verification.revealed and not shared.verification.after


def test_a_topology_over_other_pods_builds_its_own_index() -> None:
    mine = Topology(build(synthetic_doc(4, groups=3, rules=6, pods_per_node=2)))
    other = Topology(build(synthetic_doc(3, groups=3, rules=6, pods_per_node=2)), reuse=mine)
    assert len(mine.pod_by_ip) == 8 and len(other.pod_by_ip) == 6
    assert other.pod_by_ip == Topology(other.snapshot).pod_by_ip


@pytest.mark.parametrize("name", ["ovn-seed-fix-not-enough", "seed-fixed"])
def test_a_cluster_with_the_pod_pairs_judges_the_pod_source_hypothesis_on_itself(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The pod-source hypothesis is the snapshot with the pod ranges' pairs on every node port:
    when every port has them (the plan's verifying diagnoses, a fixed cluster) it is the snapshot
    itself, judged by the families that judge it, not by topologies and classes made again."""
    snapshot = build(example_doc(name))
    built: list[Snapshot] = []
    plain = Topology.__init__

    def counted(self: Topology, snap: Snapshot, *args: Any, **kwargs: Any) -> None:
        built.append(snap)
        plain(self, snap, *args, **kwargs)

    monkeypatch.setattr(Topology, "__init__", counted)
    flows = ClusterFlows(snapshot)
    assert flows.pod_source_hypothesis.total > 0
    assert built == [snapshot] * len(flows.worlds)  # the diagnosis' own topologies only
    # the group that drops pod-sourced packets under ML2/OVN is still what it finds
    found = "sg-pod-source" in {rc.key for rc in diagnose(snapshot).root_causes}
    assert found == (name == "ovn-seed-fix-not-enough")


def test_an_unchanged_port_item_is_rendered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`fix plan`'s second iteration renders the actions again with a route added: each port's
    action is its item's, unchanged, and is not made again; an item that grew is."""
    snapshot = build(synthetic_doc(20, groups=3, rules=10, pods_per_node=3))
    rendered: list[str] = []
    plain = Builder._pairs_action

    def counted(self: Builder, item: Any) -> Any:
        rendered.append(item.port.id)
        return plain(self, item)

    monkeypatch.setattr(Builder, "_pairs_action", counted)
    plan = build_plan(snapshot)
    assert plan.verification.iterations == 2
    ports = [a.target.id for a in plan.actions if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert len(ports) == 20 and sorted(rendered) == sorted(ports)  # once each, not twice
    builder = Builder(snapshot, PlanOptions())
    builder.add(_remedies(diagnose(snapshot), PlanOptions()))
    first = builder.actions()
    port = next(a for a in first if a.operation == Operation.ADD_ALLOWED_PAIRS)
    extra = pair_remedy(
        builder.topo.ports[port.target.id],
        port.target.name,
        ipaddress.ip_network("10.250.0.0/24"),
        "t",
        "",
    )
    assert builder.add([(extra, "antispoof", False)])
    again = next(a for a in builder.actions() if a.target.id == port.target.id)
    assert [p.ip_address for p in again.pairs] == [
        *(p.ip_address for p in port.pairs),
        "10.250.0.0/24",
    ]


class CountedPods(tuple):  # type: ignore[type-arg]
    """A snapshot's pods that count the passes made over them."""

    passes = 0

    def __iter__(self) -> Any:
        CountedPods.passes += 1
        return super().__iter__()


def test_the_verifying_diagnoses_make_no_pass_over_the_pods(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the ClusterIP hop reads of the source pods (each node's first pod of a family and
    how many it has: `Topology.node_pods`) is a pod index: the verifying diagnoses, whose pods
    are the first's, walk none of the snapshot's pods (two passes of 20,000 nodes' pods each,
    before: analyze/proxy_classes.py)."""
    snapshot = build(synthetic_doc(40, groups=4, rules=40, pods_per_node=5))
    assert snapshot.cluster is not None
    monkeypatch.setattr(CountedPods, "passes", 0)
    object.__setattr__(snapshot.cluster, "pods", CountedPods(snapshot.cluster.pods))
    diagnosis, topo = diagnosed(snapshot)  # as `kostack fix plan` does
    assert CountedPods.passes > 0
    monkeypatch.setattr(CountedPods, "passes", 0)
    plan = build_plan(snapshot, diagnosis=diagnosis, reuse=topo)
    assert plan.verification.iterations == 2 and not plan.verification.after
    assert CountedPods.passes == 0


def _classes(found: ProxyClasses) -> list[tuple[object, ...]]:
    return [
        (c.key, c.rep, list(c.nodes), c.pods, [(e.name, e.endpoint, e.ip) for e in c.ends])
        for c in found.classes
    ]


@pytest.mark.parametrize("seed", [0, 1])
def test_the_clusterip_classes_from_each_nodes_first_pod_are_those_from_every_pod(
    seed: int,
) -> None:
    """Off Kube-OVN `proxy_classes` reads each node's first pod and count (`node_pods`), not
    every pod: the same classes, representatives, nodes, ends and counts, in the same order, on
    the hostile cluster (dual stack, host-network pods, pods on unknown nodes)."""
    flows = ClusterFlows(build(hostile_doc(128, seed, pods_per_node=8)))
    topo = flows.topo
    assert not _keyed_by_address(topo)
    for version in (None, 4, 6):
        ends = flows.pods if version is None else flows.pods_of(version)
        fast = proxy_classes(topo, ends, topo.pods, version)
        every = proxy_classes(topo, ends, list(topo.pods), version)  # each pod, as before
        assert _classes(fast) == _classes(every) and fast.of_node == every.of_node
        assert sum(c.pods for c in fast.classes) > len(topo.node_views)
