"""A node port whose binding failed (binding:vif_type binding_failed, which an admin's
snapshot has) has no data path: every flow of its node fails at that port, and
neutron-port-admin-down names it once, pointing at the L2 agents. Before, kostack read
the failed binding as nothing and judged the node's flows by its security groups (healthy)."""

from __future__ import annotations

import json
from pathlib import Path

from kostack.analyze.checks import neutron_port_admin_down
from kostack.analyze.checks.base import CheckContext
from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize as L
from kostack.analyze.reach import Disposition, parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack.model import Snapshot
from kostack_testkit.builders import Doc, build, example_doc, port_of

CHECK = "neutron-port-admin-down"


def _unbound(doc: Doc, *nodes: str, vif: str = "binding_failed") -> Snapshot:
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in doc["openstack"]["ports"]:
        if names.get(port["id"]) in nodes:
            port["vif_type"] = vif
    return build(doc)


def test_a_flow_into_or_out_of_an_unbound_port_is_denied_at_that_port() -> None:
    snap = _unbound(example_doc("seed-fixed"), "k8s-w-2")
    port = port_of(snap, "k8s-w-2")
    topo = Topology(snap)
    for src, dst, step in (
        ("node:k8s-w-1", "node:k8s-w-2:10250/tcp", "port-down-ingress"),
        ("node:k8s-w-2", "node:k8s-w-1:10250/tcp", "port-down"),
    ):
        s, _, _ = parse_endpoint(topo, src)
        d, dport, proto = parse_endpoint(topo, dst)
        (result, *_) = trace(topo, s, d, proto or "tcp", dport)
        hop = result.blocking
        assert hop is not None and (hop.step, hop.disposition) == (step, Disposition.DENIED)
        assert hop.cause == "port-unbound"
        assert [e.text() for e in hop.evidence] == [f"port {port} binding:vif_type=binding_failed"]
        assert L(hop.detail, "en") == (
            f"port {port} failed to bind (binding:vif_type binding_failed): no mechanism driver "
            "could bind it on its host, so Neutron gives it no data path"
        )
        assert f"포트 {port}는 바인딩에 실패했습니다" in L(hop.detail, "ko")


def test_diagnose_names_the_unbound_port_once_with_the_agents_command() -> None:
    snap = _unbound(example_doc("seed-fixed"), "k8s-w-2", "k8s-w-3")
    d = diagnose(snap)
    (rc,) = d.root_causes
    assert rc.key == "port-unbound" and rc.check_id == CHECK
    assert L(rc.title, "en") == "Node ports failed to bind: Neutron gives them no data path"
    assert {r.id for r in rc.resources if r.kind == "port"} == {
        port_of(snap, "k8s-w-2"),
        port_of(snap, "k8s-w-3"),
    }
    en, ko = L(rc.message, "en"), L(rc.message, "ko")
    assert en.startswith("The Neutron ports of nodes k8s-w-2, k8s-w-3 failed to bind"), en
    assert "(`openstack network agent list`)" in en
    assert "포트 바인딩이 실패했습니다" in ko and "(`openstack network agent list`)" in ko
    assert rc.fix.remedies == ()  # nothing kostack can change on the port fixes a binding
    assert sum(dict(s.counts).get("node_pairs", 0) for s in rc.symptoms) > 0


def test_other_bindings_are_no_finding() -> None:
    for vif in ("ovs", "unbound", "hw_veb"):
        d = diagnose(_unbound(example_doc("seed-fixed"), "k8s-w-2", vif=vif))
        assert d.verdict.kind == "healthy", vif
        assert [f.status for f in d.findings if f.check_id == CHECK] == [Status.PASS]


def test_load_balancer_members_on_an_unbound_port_are_explained_by_it() -> None:
    path = Path(__file__).parents[2] / "examples" / "lb-amphora-healthy.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    ip = next(n["internal_ip"] for n in doc["cluster"]["nodes"] if n["name"] == "k8s-w-1")
    for lb in doc["openstack"]["load_balancers"]:
        for pool in lb["pools"]:
            for member in pool["members"]:
                if member["address"] == ip:
                    member["operating_status"] = "ERROR"
    d = diagnose(_unbound(doc, "k8s-w-1"))
    (rc,) = d.root_causes
    assert rc.key == "port-unbound"
    (members,) = [f for f in rc.symptoms if f.check_id == "lb-members-down"]
    assert "the Neutron port of k8s-w-1 failed to bind" in L(members.message, "en")
    assert "k8s-w-1의 Neutron 포트가 바인딩에 실패해" in L(members.message, "ko")
    assert not [f for f in d.findings if f.cause == "unexplained"]


def test_under_ovn_or_an_unknown_backend_a_failed_binding_is_undecided() -> None:
    """Only ML2/OVS's agent kills a port whose binding failed (`port_dead`); ovn-controller
    claims a port by its OVS interface and the requested chassis, whatever the binding says."""
    for backend, said_en, said_ko in (
        ("ml2/ovn", "the backend is ml2/ovn", "백엔드는 ml2/ovn입니다"),
        (None, "the Neutron backend is not known", "Neutron 백엔드를 알 수 없습니다"),
    ):
        doc = example_doc("seed-fixed")
        doc["openstack"]["backend"] = backend
        snap = _unbound(doc, "k8s-w-2")
        topo = Topology(snap)
        s, _, _ = parse_endpoint(topo, "node:k8s-w-1")
        d, dport, proto = parse_endpoint(topo, "node:k8s-w-2:10250/tcp")
        (result, *_) = trace(topo, s, d, proto or "tcp", dport)
        (hop,) = [h for h in result.hops if h.step == "port-down-ingress"]
        assert (hop.disposition, hop.cause) == (Disposition.UNKNOWN, "port-unbound")
        assert said_en in L(hop.detail, "en") and said_ko in L(hop.detail, "ko")
        result_d = diagnose(snap)
        # (under OVN the seed's remote-group rules no longer admit the pods: another matter)
        assert "port-unbound" not in {rc.key for rc in result_d.root_causes}, backend
        mine = [f for f in result_d.findings if f.check_id == CHECK]
        if backend is None:  # the seed's groups open the backend's cases: one a world
            assert [f.status for f in mine] == [Status.CONDITIONAL, Status.UNKNOWN]
            assert "failed to bind" in L(mine[0].message, "en")
            mine = mine[1:]
        (f,) = mine
        assert f.status == Status.UNKNOWN and f.nodes == ("k8s-w-2",)
        assert "(the backend here: ml2/ovn)" in L(f.message, "en"), L(f.message, "en")
        assert "(여기의 백엔드: ml2/ovn)" in L(f.message, "ko")


def test_the_backend_not_known_and_no_case_open_is_said_so() -> None:
    doc = example_doc("seed-fixed")
    doc["openstack"]["backend"] = None
    snap = _unbound(doc, "k8s-w-2")
    topo = Topology(snap)  # the check in a world without the backend's cases
    assert topo.backend is None
    (f,) = neutron_port_admin_down.run(CheckContext(snap, topo, ClusterFlows(snap)))
    assert f.status == Status.UNKNOWN
    assert "(the backend here: not known)" in L(f.message, "en")
    assert "(여기의 백엔드: 알 수 없음)" in L(f.message, "ko")
