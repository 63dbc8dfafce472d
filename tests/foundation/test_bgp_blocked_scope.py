"""bgp-blocked scoped to nodes (Kind.SOME_NODES): when only some nodes' groups drop TCP 179,
the finding names the node class whose pods lose their routes, the smaller end of each blocked
class pair (every dropped session has an end there), and a release whose pods are all
elsewhere is spared (analyze/release_checks/scope.py). Built from the class facts, never the
node pairs."""

from __future__ import annotations

import copy
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.release_checks import scope as scope_module
from kostack.model.snapshot import WorkloadPod
from kostack_testkit.builders import build, example_doc, fake_id, ports_of

Doc = dict[str, Any]


def _one_node_apart(doc: Doc, node: str = "k8s-cp-1") -> Doc:
    """TCP 179 admitted from the node group's members, and ``node``'s port moved to a group of
    its own that admits TCP 179 from its own members only: the sessions every other node
    opens to it (Calico's mesh: the greater address opens; k8s-cp-1 has the smallest, 10.0.0.11)
    are dropped at its ingress, and those between the others come up."""
    groups = doc["openstack"]["security_groups"]
    nodes = next(g for g in groups if g["name"] == "k8s-nodes")
    bgp = {
        "id": fake_id("rule", "bgp-179"),
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": 179,
        "port_range_max": 179,
        "remote_group_id": nodes["id"],
    }
    nodes["rules"].append(bgp)
    apart = copy.deepcopy(nodes)
    apart.update(id=fake_id("sg", "k8s-apart"), name="k8s-apart")
    for i, rule in enumerate(apart["rules"]):
        rule["id"] = fake_id("rule", f"apart-{i}")
        if rule.get("port_range_min") == 179:
            rule["remote_group_id"] = apart["id"]
    groups.append(apart)
    link = next(n for n in doc["node_ports"] if n["node"] == node)
    port = next(p for p in ports_of(doc) if p["id"] == link["port_id"])
    port["security_group_ids"] = [apart["id"]]
    return doc


def test_one_node_apart_names_its_class_as_the_pods_that_lose_routes() -> None:
    d = diagnose(build(_one_node_apart(example_doc("bgp-blocked"))))
    (f,) = [f for f in d.findings if f.check_id == "net-sg-bgp" and f.status == Status.FAIL]
    assert f.cause == "bgp-blocked"
    assert f.extra["pod_nodes"] == ("k8s-cp-1",)
    assert "Only the routes with pods on node k8s-cp-1 are lost" in f.message
    assert "k8s-cp-1의 Pod와 오가는 경로만 사라집니다" in localize(f.message, "ko")
    (rc,) = [rc for rc in d.root_causes if rc.key == "bgp-blocked"]
    assert "bgp-blocked" in scope_module.ON_NODES
    assert scope_module._nodes(rc) == (frozenset({"k8s-cp-1"}), frozenset())
    on_it = [WorkloadPod(namespace="app", name="db", node="k8s-cp-1")]
    assert scope_module.touches(rc, on_it) == "yes"
    elsewhere = [WorkloadPod(namespace="app", name="web", node=n) for n in ("k8s-w-1", "k8s-w-2")]
    assert scope_module.touches(rc, elsewhere) == "no"


def test_every_node_blocked_keeps_the_cover_but_names_no_scope_sentence() -> None:
    """All six sessions dropped: the workers (the openers) are an end of each, so a release
    whose pods all run on k8s-cp-1 keeps its routes, but no traffic between two nodes is
    spared, and the text does not say "only"."""
    d = diagnose(build(example_doc("bgp-blocked")))
    fails = [f for f in d.findings if f.check_id == "net-sg-bgp" and f.status == Status.FAIL]
    assert [f.extra["pod_nodes"] for f in fails] == [("k8s-w-1", "k8s-w-2", "k8s-w-3")]
    assert all("Only the routes" not in f.message for f in fails)
