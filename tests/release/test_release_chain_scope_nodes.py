"""Anti-spoofing (antispoof), calico-node's address (calico-address) and a security group that
drops some nodes' traffic (sg-node) break only the pods on the nodes they name (Kind.SOME_NODES):
a release's chain ends at one only when a pod of the failing part, or of what it reaches, runs
there. Harbor's core runs on k8s-w-3 and its database on k8s-w-1 (helm_fixtures.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from release_testing import EXAMPLES, harbor, with_helm

from kostack.analyze.diagnose import Fix, RootCause, diagnose
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.messages import localize
from kostack.analyze.release_checks import scope as scope_module
from kostack.collect.helm import HelmCollection
from kostack.model import Snapshot, loads_snapshot
from kostack.model.snapshot import WorkloadPod
from kostack_testkit.builders import build, hetero_doc, ports_of

CORE = "harbor-core-7d9f8b6c5d-q2x7m"
PAIRS = "pairs-some-ports.json"  # k8s-cp-1 and k8s-w-1 have the pod CIDR's pair, w-2, w-3 not
GROUPS = "hetero-groups.json"  # k8s-w-3's group drops kubelet (TCP 10250) from k8s-cp-1


def moved(snapshot: Snapshot, **nodes: str) -> Snapshot:
    """The snapshot with the named Harbor pods (namespace harbor) on other nodes."""
    assert snapshot.helm is not None
    pods = tuple(
        p.model_copy(update={"node": nodes[p.name]})
        if p.namespace == "harbor" and p.name in nodes
        else p
        for p in snapshot.helm.pods or ()
    )
    return snapshot.model_copy(update={"helm": snapshot.helm.model_copy(update={"pods": pods})})


DNS = "coredns-674b8bbfcf-7xk2q, coredns-674b8bbfcf-m9w4d"  # kube-dns's, on k8s-cp-1 and k8s-w-1


def dns_on(snapshot: Snapshot, node: str) -> Snapshot:
    """The snapshot with kube-system/kube-dns's endpoints (CoreDNS's pods) all on ``node``."""
    assert snapshot.cluster is not None
    services = tuple(
        s.model_copy(
            update={"endpoints": tuple(e.model_copy(update={"node": node}) for e in s.endpoints)}
        )
        if (s.namespace, s.name) == ("kube-system", "kube-dns") and s.endpoints
        else s
        for s in snapshot.cluster.services or ()
    )
    cluster = snapshot.cluster.model_copy(update={"services": services})
    return snapshot.model_copy(update={"cluster": cluster})


def edited(example: str, collection: HelmCollection, change: Any) -> Snapshot:
    """An example changed by ``change`` (on its JSON document), with the collected Helm state."""
    doc = json.loads((EXAMPLES / example).read_text(encoding="utf-8"))
    change(doc)
    base = loads_snapshot(json.dumps(doc))
    return base.model_copy(update={"helm": collection.state, "gaps": base.gaps + collection.gaps})


def test_ports_without_pairs_under_core_are_the_release_cause(collected: HelmCollection) -> None:
    found, lines = harbor(with_helm(PAIRS, collected))
    assert found.extra["end"] == "network"
    assert found.cause == "antispoof"
    assert not any("breaks only the pods" in line for line in lines)


def test_ports_without_pairs_away_from_harbor_spare_the_release(
    collected: HelmCollection,
) -> None:
    """core moved to k8s-cp-1: core and the database are on ports whose pairs pass their pods,
    so the drop on k8s-w-2 and k8s-w-3 is not why core cannot reach the database."""
    found, lines = harbor(moved(with_helm(PAIRS, collected), **{CORE: "k8s-cp-1"}))
    assert found.extra["end"] == "unknown"
    assert found.cause == ""
    assert lines[-1] == (
        "-> the root cause (Neutron anti-spoofing drops pod traffic) breaks only the pods on "
        f"nodes k8s-w-2, k8s-w-3: none of {CORE}, harbor-database-0, {DNS} is among them, so "
        "it is not this release's cause"
    )
    korean = localize(found.evidence[-1], "ko")
    assert "노드 k8s-w-2, k8s-w-3의 Pod만" in korean and "원인이 아닙니다" in korean


def test_dns_pods_on_a_port_without_pairs_make_it_the_cause(collected: HelmCollection) -> None:
    """Harbor's pods on ports whose pairs pass them, CoreDNS on k8s-w-2 (none): core finds the
    database by its Service name, and the lookups' replies are dropped (the release's cause)."""
    snapshot = dns_on(moved(with_helm(PAIRS, collected), **{CORE: "k8s-cp-1"}), "k8s-w-2")
    found, lines = harbor(snapshot)
    assert (found.extra["end"], found.cause) == ("network", "antispoof")
    assert not any("breaks only the pods" in line for line in lines)


def test_the_database_on_a_port_without_pairs_makes_it_the_cause(
    collected: HelmCollection,
) -> None:
    """core on k8s-cp-1 (pairs), the database on k8s-w-2 (none): the replies are dropped."""
    snapshot = moved(
        with_helm(PAIRS, collected), **{CORE: "k8s-cp-1", "harbor-database-0": "k8s-w-2"}
    )
    found, _ = harbor(snapshot)
    assert (found.extra["end"], found.cause) == ("network", "antispoof")


def test_a_node_without_a_port_leaves_the_drop_undecided_for_its_pods(
    collected: HelmCollection,
) -> None:
    """k8s-w-1's port is not matched (no node_ports link): whether its pods' packets pass is
    not judged, so with the database there the chain cannot spare the release."""

    def unmatched(doc: dict[str, Any]) -> None:
        doc["node_ports"] = [n for n in doc["node_ports"] if n["node"] != "k8s-w-1"]

    snapshot = moved(edited(PAIRS, collected, unmatched), **{CORE: "k8s-cp-1"})
    d = diagnose(snapshot)
    (rc,) = [rc for rc in d.root_causes if rc.key == "antispoof"]
    assert {n for f in rc.findings for n in f.extra["undecided_nodes"]} == {"k8s-w-1"}
    found, lines = harbor(snapshot)
    assert found.cause == ""
    assert found.extra["end"] == "unknown"
    note = next(line for line in lines if "anti-spoofing" in line and "only the pods" in line)
    assert note.endswith(
        "breaks only the pods on nodes k8s-w-2, k8s-w-3; harbor-database-0, "
        "coredns-674b8bbfcf-m9w4d run on node k8s-w-1, which its check could not judge, so "
        "whether it is this release's cause is not known"
    )
    index = next(i for i, e in enumerate(found.evidence) if str(e) == note)
    assert "점검이 판단하지 못한 노드 k8s-w-1에서" in localize(found.evidence[index], "ko")


def test_a_group_dropping_kubelet_on_another_node_spares_the_release(
    collected: HelmCollection,
) -> None:
    """k8s-w-3's group drops TCP 10250 from k8s-cp-1: the pods on either end may suffer (a
    node agent's traffic); core moved to k8s-w-2, no Harbor pod of the chain is there."""
    found, lines = harbor(with_helm(GROUPS, collected))
    assert (found.extra["end"], found.cause) == ("network", "sg-node")
    # CoreDNS on k8s-cp-1 (one end) would make it the release's cause too: moved to k8s-w-2
    found, lines = harbor(
        dns_on(moved(with_helm(GROUPS, collected), **{CORE: "k8s-w-2"}), "k8s-w-2")
    )
    assert found.cause == ""
    assert "breaks only the pods on nodes k8s-cp-1, k8s-w-3: none of" in lines[-1]


def _shared_bridge(doc: dict[str, Any]) -> None:
    """calico-node on k8s-w-2 and k8s-w-3 took the same bridge address; the others use their
    InternalIPs."""
    ips = {n["name"]: n["internal_ip"] for n in doc["cluster"]["nodes"]}
    addresses = doc["cluster"]["cni"]["calico"]["node_addresses"]
    for name in ("k8s-cp-1", "k8s-w-1"):
        addresses[name] = [ips[name]]


def test_calico_on_a_shared_bridge_address_elsewhere_spares_the_release(
    collected: HelmCollection,
) -> None:
    snapshot = edited("calico-first-found-bridge.json", collected, _shared_bridge)
    found, _ = harbor(snapshot)
    assert (found.extra["end"], found.cause) == ("network", "calico-address")
    found, lines = harbor(moved(snapshot, **{CORE: "k8s-w-1"}))
    assert found.cause == ""
    assert any("breaks only the pods on nodes k8s-w-2, k8s-w-3: none of" in line for line in lines)


def _root(key: str, *findings: Finding) -> RootCause:
    return RootCause(key, "x", key, Severity.HIGH, "", (), findings, (), (), Fix(()))


def _finding(nodes: tuple[str, ...] = (), **extra: object) -> Finding:
    where = Resource("cluster", "c")
    return Finding("x", Status.FAIL, Severity.HIGH, where, "", nodes=nodes, extra=extra)


def _pod(name: str, node: str | None) -> WorkloadPod:
    return WorkloadPod.model_validate({"namespace": "n", "name": name, "ip": None, "node": node})


@pytest.mark.parametrize(
    ("pods", "touch"),
    [
        ([("a", "cp"), ("b", "w3")], "yes"),  # b on an end of the dropped pairs
        ([("a", "w1"), ("b", "w2")], "no"),
        ([("a", "w1"), ("b", "w5")], "unknown"),  # w5: its pairs undecided
        ([("a", "w5"), ("b", "w3")], "yes"),  # a known end is enough
    ],
)
def test_pod_nodes_and_undecided_nodes(pods: list[tuple[str, str]], touch: str) -> None:
    """A failing security group finding names the side that drops (``nodes``: w3) and every
    end of its pairs (``pod_nodes``); the nodes of undecided pairs make a pod there unknown."""
    found = _finding(("w3",), pod_nodes=("cp", "w3"), undecided_nodes=("w5",))
    root = _root("sg-node", found)
    assert scope_module.touches(root, [_pod(*p) for p in pods]) == touch


def test_one_finding_without_nodes_makes_the_cause_touch_every_pod() -> None:
    """Another check's finding of the same cause names no node: kostack cannot say which pods
    it breaks, so it keeps the cause (never a 'spared' it cannot back)."""
    root = _root("antispoof", _finding(("w3",)), _finding())
    assert scope_module.touches(root, [_pod("a", "w1")]) == "yes"


def test_five_thousand_heterogeneous_nodes_name_the_dropping_ports_once() -> None:
    """5,000 nodes, each port in a group of its own (every 50th without Typha's rule), three
    ports without the pod CIDR's pair: the antispoof cause names those three nodes once (no
    per-pair lists), and a pod anywhere else is spared by it, one set lookup per pod; the
    Typha drop (kostack does not know where Typha runs) may touch a pod on any node."""
    doc = hetero_doc(5000, pods_per_node=1)
    ports = ports_of(doc)
    for i in (7, 2500, 4999):
        ports[i]["allowed_address_pairs"] = []
    d = diagnose(build(doc))
    roots = {rc.key: rc for rc in d.root_causes}
    dropping = {"node-00007", "node-02500", "node-04999"}
    antispoof = roots["antispoof"]
    assert {n for f in antispoof.findings for n in f.nodes} == dropping
    names = [n["name"] for n in doc["cluster"]["nodes"]]
    for rc in d.root_causes:  # linear: each finding names each node once at most
        for f in rc.findings:
            for named in (
                f.nodes,
                f.extra.get("pod_nodes", ()),
                f.extra.get("undecided_nodes", ()),
            ):
                assert len(named) == len(set(named)) <= len(names)
    pods = [_pod(f"p{i}", n) for i, n in enumerate(names) if n not in dropping]
    assert scope_module.touches(antispoof, pods) == "no"
    assert scope_module.touches(antispoof, [*pods, _pod("x", "node-02500")]) == "yes"
    text = localize(scope_module.note(antispoof, "t", "no", pods), "en")
    assert "on nodes node-00007, node-02500, node-04999: none of p0, p1, p2, p3 and" in text
    assert scope_module.touches(roots["sg-node"], pods[:1]) == "yes"


def test_dns_endpoints_not_read_leave_a_scoped_cause_undecided(collected: HelmCollection) -> None:
    """Where CoreDNS runs is not known (kube-dns's endpoints not read): a cause that breaks the
    pods on some nodes may break name lookups, so it neither spares the release nor is its cause."""
    from kostack.analyze.release_checks.chain_network import dns_pods

    snapshot = moved(with_helm(PAIRS, collected), **{CORE: "k8s-cp-1"})
    assert snapshot.cluster is not None
    services = tuple(
        s.model_copy(update={"endpoints": None}) if s.name == "kube-dns" else s
        for s in snapshot.cluster.services or ()
    )
    unread = snapshot.model_copy(
        update={"cluster": snapshot.cluster.model_copy(update={"services": services})}
    )
    assert [(p.namespace, p.name, p.node) for p in dns_pods(unread)] == [
        ("kube-system", "kube-dns", None)
    ]
    found, lines = harbor(unread)
    assert (found.extra["end"], found.cause) == ("unknown", "")
    assert "kube-dns" in lines[-1] and "is not known" in lines[-1]
