"""Calico BGP with the mesh off and route reflectors, over VXLAN pools (no pod route comes over
BGP): net-sg-bgp judges the sessions the BGPPeers define (each node with the reflectors), not
every node pair; a dropped one is `sg-node` (high) whose pods are those at its ends, so the
release chain scopes it by who talks to whom (scope.py: Kind.SOME_NODES). Before, every node
pair had to pass TCP 179, and a drop named every node."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from test_bgp_route_reflectors import CP, W1, W2, W3, _doc, _ip

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.release_checks import scope as scope_module
from kostack.model.snapshot import WorkloadPod
from kostack_testkit.builders import _own_group, build, rule

Doc = dict[str, Any]


def _vxlan(doc: Doc) -> Doc:
    for pool in doc["cluster"]["cni"]["calico"]["ip_pools"]:
        pool["vxlan_mode"] = "Always"
    return doc


def _bgp(doc: Doc) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == "net-sg-bgp"]


def _pod(name: str, node: str) -> WorkloadPod:
    return WorkloadPod.model_validate({"namespace": "n", "name": name, "ip": None, "node": node})


def _workers_admit_the_reflector(doc: Doc, but: str = "") -> Doc:
    """Each worker (but ``but``, which admits TCP 22 only) admits TCP 179 from the reflector
    k8s-cp-1 only, in a group of its own."""
    for n in (W1, W2, W3):
        port = 22 if n == but else 179
        source = "0.0.0.0/0" if n == but else f"{_ip(doc, CP)}/32"
        _own_group(doc, n, [rule(n, "ingress", "tcp", port, source)])
    return doc


def test_the_sessions_with_the_reflector_pass_though_workers_do_not_admit_each_other() -> None:
    found = _bgp(_workers_admit_the_reflector(_vxlan(_doc())))
    assert [f.status for f in found] == [Status.PASS], found
    assert "the BGPPeers define" in found[0].message


def test_a_dropped_session_is_sg_node_scoped_to_its_ends() -> None:
    doc = _workers_admit_the_reflector(_vxlan(_doc()), but=W3)  # w-3: 179 from nobody
    found = [f for f in _bgp(doc) if f.status == Status.FAIL]
    assert len(found) == 1
    (f,) = found
    assert f.cause == "sg-node" and f.severity == Severity.HIGH
    assert f.nodes == (W3,) and f.extra["pod_nodes"] == (CP, W3)
    assert f.remedies and {r.cause for r in f.remedies} == {"sg-node"}
    root = next(rc for rc in diagnose(build(doc)).root_causes if rc.key == "sg-node")
    mine = replace(root, findings=tuple(x for x in root.findings if x.check_id == "net-sg-bgp"))
    assert scope_module.touches(mine, [_pod("a", W1), _pod("b", W2)]) == "no"
    assert scope_module.touches(mine, [_pod("c", W3)]) == "yes"


def test_routed_pools_keep_their_critical_bgp_blocked() -> None:
    """The same drop over unencapsulated pools: the pods' routes come over these sessions."""
    doc = _workers_admit_the_reflector(_doc(), but=W3)
    found = [f for f in _bgp(doc) if f.status == Status.FAIL]
    assert found and {f.cause for f in found} == {"bgp-blocked"}
    assert all("pod_nodes" not in f.extra for f in found)
