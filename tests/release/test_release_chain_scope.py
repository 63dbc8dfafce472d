"""A cause that breaks only some pods' traffic ends a release's chain only when the release's
pods are among them: Kube-OVN underlay addresses Neutron ports hold (Kind.SOME_ADDRESSES, the
pods at those addresses) and a node's port down or unbound (Kind.SOME_NODES, the pods on that
node). When none of the pods of the failing part, or of what it reaches, is among them, the
chain says the cause spares the release; when a pod's address or node is not known, it says
that it cannot tell, and does not name the cause."""

from __future__ import annotations

import ipaddress

import pytest
from release_testing import harbor, with_helm

from kostack.analyze.diagnose import Fix, RootCause
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.messages import localize
from kostack.analyze.release_checks import scope as scope_module
from kostack.collect.helm import HelmCollection
from kostack.model import Snapshot
from kostack.model.snapshot import WorkloadPod

KUBE_OVN = "kube-ovn-underlay-pool-overlap.json"  # Neutron holds 10.0.0.150 and 10.0.0.201
UNBOUND = "admin-binding-failed.json"  # k8s-w-3's port failed to bind


def moved(snapshot: Snapshot, **changes: dict[str, object]) -> Snapshot:
    """The snapshot with the named Harbor pods (namespace harbor) changed."""
    assert snapshot.helm is not None
    pods = tuple(
        p.model_copy(update=changes[p.name]) if p.namespace == "harbor" and p.name in changes else p
        for p in snapshot.helm.pods or ()
    )
    assert sum(p.namespace == "harbor" and p.name in changes for p in pods) == len(changes)
    return snapshot.model_copy(update={"helm": snapshot.helm.model_copy(update={"pods": pods})})


def test_the_scoped_causes_are_declared_on_their_checks() -> None:
    assert {"kube-ovn-address"} == scope_module.AT_ADDRESSES
    assert {
        "port-down",
        "port-unbound",
        "port-inactive",
        "antispoof",
        "calico-address",
        "sg-node",
        "bgp-blocked",
    } == scope_module.ON_NODES


def test_a_kube_ovn_overlap_away_from_harbors_pods_spares_the_release(
    collected: HelmCollection,
) -> None:
    found, lines = harbor(with_helm(KUBE_OVN, collected))
    assert found.extra["end"] == "unknown"
    assert found.cause == ""
    assert "suspect the pod network" in lines[3]
    assert lines[4] == (
        "-> the root cause (Kube-OVN's underlay hands pods addresses that Neutron ports hold) "
        "breaks only the pods at 10.0.0.150, 10.0.0.201: none of "
        "harbor-core-7d9f8b6c5d-q2x7m, harbor-database-0, coredns-674b8bbfcf-7xk2q, "
        "coredns-674b8bbfcf-m9w4d is among them, so it is not this release's cause"
    )
    korean = localize(found.evidence[4], "ko")
    assert "주소 10.0.0.150, 10.0.0.201의 Pod만" in korean and "원인이 아닙니다" in korean


def test_a_harbor_pod_at_a_held_address_makes_the_overlap_the_release_cause(
    collected: HelmCollection,
) -> None:
    """The database drew 10.0.0.201, which the Octavia VIP holds (ARP detection off): core's
    connections to it time out, and the overlap is the release's cause."""
    snapshot = moved(
        with_helm(KUBE_OVN, collected),
        **{"harbor-database-0": {"ip": ipaddress.ip_address("10.0.0.201")}},
    )
    found, lines = harbor(snapshot)
    assert found.extra["end"] == "network"
    assert found.cause == "kube-ovn-address"
    assert "ROOT CAUSE: Kube-OVN's underlay hands pods addresses" in lines[3]
    assert not any("breaks only the pods" in line for line in lines)


def test_a_harbor_pod_without_an_address_leaves_the_overlap_undecided(
    collected: HelmCollection,
) -> None:
    """A pod that drew a held address while ARP detection is on stays ContainerCreating with no
    address: it may be one of them, so the chain names no cause and says why."""
    snapshot = moved(with_helm(KUBE_OVN, collected), **{"harbor-database-0": {"ip": None}})
    found, lines = harbor(snapshot)
    assert found.extra["end"] == "unknown"
    assert found.cause == ""
    assert lines[-1] == (
        "-> the root cause (Kube-OVN's underlay hands pods addresses that Neutron ports hold) "
        "breaks only the pods at 10.0.0.150, 10.0.0.201; harbor-database-0 has no address or "
        "node in the snapshot, so whether it is this release's cause is not known"
    )
    assert "알 수 없습니다" in localize(found.evidence[-1], "ko")


def test_an_unbound_port_under_a_harbor_pod_is_the_release_cause(
    collected: HelmCollection,
) -> None:
    found, lines = harbor(with_helm(UNBOUND, collected))
    assert found.extra["end"] == "network"
    assert found.cause == "port-unbound"
    assert not any("breaks only the pods" in line for line in lines)


def test_an_unbound_port_on_another_node_spares_the_release(collected: HelmCollection) -> None:
    """core moved from k8s-w-3 (the unbound port) to k8s-w-2: no pod of core or the database
    is on k8s-w-3, so the port is not why core cannot reach the database."""
    snapshot = moved(
        with_helm(UNBOUND, collected),
        **{"harbor-core-7d9f8b6c5d-q2x7m": {"node": "k8s-w-2"}},
    )
    found, lines = harbor(snapshot)
    assert found.extra["end"] == "unknown"
    assert found.cause == ""
    assert "breaks only the pods on node k8s-w-3: none of" in lines[-1]
    assert "노드 k8s-w-3의 Pod만" in localize(found.evidence[-1], "ko")


def _root(key: str, *findings: Finding) -> RootCause:
    return RootCause(key, "x", key, Severity.HIGH, "", (), findings, (), (), Fix(()))


def _finding(nodes: tuple[str, ...] = (), extra: dict[str, object] | None = None) -> Finding:
    where = Resource("cluster", "c")
    return Finding("x", Status.FAIL, Severity.HIGH, where, "", nodes=nodes, extra=extra or {})


def _pod(name: str, ip: str | None, node: str | None) -> WorkloadPod:
    return WorkloadPod.model_validate({"namespace": "n", "name": name, "ip": ip, "node": node})


@pytest.mark.parametrize(
    ("pods", "touch"),
    [
        ([("a", "10.0.0.5", "w1")], "yes"),  # inside the span
        ([("a", "10.0.0.9", "w1"), ("b", "10.0.0.3", "w1")], "yes"),  # one of them
        ([("a", "10.0.0.11", "w1")], "no"),  # past its end
        ([("a", "10.0.0.11", "w1"), ("b", None, "w1")], "unknown"),  # b not known
        ([], "unknown"),  # no pod at all
        ([("a", "fd00::5", "w1")], "no"),  # another family
    ],
)
def test_touches_by_address(pods: list[tuple[str, str | None, str]], touch: str) -> None:
    spans = ((4, int(ipaddress.ip_address("10.0.0.3")), int(ipaddress.ip_address("10.0.0.9"))),)
    root = _root("kube-ovn-address", _finding(extra={"pod_spans": spans}))
    assert scope_module.touches(root, [_pod(*p) for p in pods]) == touch


@pytest.mark.parametrize(
    ("pods", "touch"),
    [
        ([("a", "10.0.0.5", "w3")], "yes"),
        ([("a", "10.0.0.5", "w1"), ("b", None, "w3")], "yes"),  # its node is enough
        ([("a", "10.0.0.5", "w1")], "no"),
        ([("a", "10.0.0.5", None)], "unknown"),
    ],
)
def test_touches_by_node(pods: list[tuple[str, str | None, str | None]], touch: str) -> None:
    root = _root("port-down", _finding(nodes=("w3",)), _finding(nodes=("w4",)))
    assert scope_module.touches(root, [_pod(*p) for p in pods]) == touch


def test_a_scoped_cause_whose_findings_say_no_scope_touches_every_pod() -> None:
    """No pod_spans, no nodes: kostack does not know which pods, so it keeps the cause (as a
    cause that breaks every pod's traffic), and so does any other cause."""
    pods = [_pod("a", "10.0.0.5", "w1")]
    assert scope_module.touches(_root("kube-ovn-address", _finding()), pods) == "yes"
    assert scope_module.touches(_root("port-down", _finding()), pods) == "yes"
    assert scope_module.touches(_root("mtu", _finding(nodes=("w9",))), []) == "yes"
