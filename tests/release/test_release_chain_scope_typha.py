"""Typha's security group drops, scoped by who talks to whom: every calico-node (Felix)
connects to one of the nodes Typha's pods run on (TCP 5473), so a failing pair breaks the pods
on its source, the node whose Felix cannot reach Typha, not on every node of the pair. Where
Typha's nodes were not read, every node to every node, and the pods on either end (as before).
hetero_doc: every 50th node's own group has no Typha rule."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kostack.analyze.checks import net_sg_typha
from kostack.analyze.diagnose import RootCause, diagnose
from kostack.analyze.findings import Status
from kostack.analyze.release_checks import scope as scope_module
from kostack.model.snapshot import WorkloadPod
from kostack_testkit.builders import build, hetero_doc

NODES = 200


def _doc(typha_nodes: list[str] | None) -> dict[str, Any]:
    doc = hetero_doc(NODES, pods_per_node=1)
    calico = doc["cluster"]["cni"]["calico"]
    assert calico["typha"] is True
    calico["typha_nodes"] = typha_nodes
    return doc


def _pod(name: str, node: str) -> WorkloadPod:
    return WorkloadPod.model_validate({"namespace": "n", "name": name, "ip": None, "node": node})


def _typha_root(doc: dict[str, Any]) -> RootCause | None:
    d = diagnose(build(doc))
    return next(
        (
            rc
            for rc in d.root_causes
            if rc.key == "sg-node" and any(f.check_id == net_sg_typha.ID for f in rc.findings)
        ),
        None,
    )


def _typha(doc: dict[str, Any]) -> list[Any]:
    d = diagnose(build(doc))
    return [f for f in d.findings if f.check_id == net_sg_typha.ID]


def test_typha_where_its_rule_is_passes_although_other_nodes_lack_it() -> None:
    """Typha runs on node-00001, whose group admits 5473: no calico-node is cut off, although
    node-00049's group (no Typha rule) would drop it, were Typha there."""
    found = _typha(_doc(["node-00001"]))
    assert [f.status for f in found] == [Status.PASS]
    assert _typha_root(_doc(["node-00001"])) is None
    # not knowing where Typha runs: every node to every node, the drops at every 50th node fail
    unscoped = _typha(_doc(None))
    assert Status.FAIL in {f.status for f in unscoped}


def test_typha_on_a_dropping_node_breaks_the_pods_of_the_other_nodes() -> None:
    """Typha runs on node-00049 only, whose group drops 5473: every other node's Felix is cut
    off (its pods break); node-00049's own Felix reaches its local Typha (spared)."""
    doc = _doc(["node-00049"])
    root = _typha_root(doc)
    assert root is not None
    failing = [f for f in root.findings if f.check_id == net_sg_typha.ID]
    assert failing and all(f.status == Status.FAIL for f in failing)
    pod_nodes = {n for f in failing for n in f.extra["pod_nodes"]}
    assert "node-00049" not in pod_nodes and len(pod_nodes) == NODES - 1
    for f in failing:  # linear: each node named once at most
        assert len(f.extra["pod_nodes"]) == len(set(f.extra["pod_nodes"])) <= NODES
    # Typha's part of the cause (the kubelet rules of hetero_doc join it elsewhere)
    typha = replace(root, findings=tuple(failing))
    assert scope_module.touches(typha, [_pod("a", "node-00049")]) == "no"
    assert scope_module.touches(typha, [_pod("b", "node-00003")]) == "yes"


def test_typha_nodes_not_seen_fall_back_to_every_pair() -> None:
    """A Typha node kostack does not see (not among the nodes): where Typha is is not known,
    so every node to every node, the pods on either end."""
    found = _typha(_doc(["node-99999"]))
    failing = [f for f in found if f.status == Status.FAIL]
    assert failing
    named = {n for f in failing for n in f.extra["pod_nodes"]}
    assert "node-00049" in named
