"""A node port with admin_state_up false passes nothing; a port's status is evidence only on a
node that is not Ready (docs/facts.md "Port admin state")."""

from __future__ import annotations

import json
from pathlib import Path

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status, command_for
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.messages import localize as L
from kostack.analyze.reach import Disposition, parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack.model import Snapshot
from kostack.report.jsonout import diagnosis_dict, dumps
from kostack.report.topology_picture import stage_of
from kostack_testkit.builders import (
    build,
    example_doc,
    hetero_doc,
    node_port_ids,
    port_of,
    set_port_state,
)

CHECK = "neutron-port-admin-down"


def _fixed(*down: str, status: str = "", ready: bool | None = True) -> Snapshot:
    """The fixed seed (healthy), with the ports of ``down`` administratively down."""
    doc = example_doc("seed-fixed")
    set_port_state(doc, set(down))
    if status:  # every port with this status, the nodes with this readiness
        for port in doc["openstack"]["ports"]:
            port["status"] = status
        for node in doc["cluster"]["nodes"]:
            node["ready"] = ready
    return build(doc)


def _trace(snap: Snapshot, src: str, dst: str):  # type: ignore[no-untyped-def]
    topo = Topology(snap)
    s, _, _ = parse_endpoint(topo, src)
    d, port, proto = parse_endpoint(topo, dst)
    return trace(topo, s, d, proto or "tcp", port)


def test_a_flow_into_an_admin_down_port_is_denied_at_that_port_in_both_languages() -> None:
    snap = _fixed("k8s-w-2")
    port = port_of(snap, "k8s-w-2")
    healthy = _trace(_fixed(), "node:k8s-w-1", "node:k8s-w-2:10250/tcp")
    assert healthy[0].ok
    (result,) = _trace(snap, "node:k8s-w-1", "node:k8s-w-2:10250/tcp")
    hop = result.blocking
    assert hop is not None and hop.step == "port-down-ingress"
    assert hop.disposition == Disposition.DENIED and hop.cause == "port-down"
    assert "k8s-w-2" in hop.where
    assert L(hop.detail, "en") == (
        f"port {port} is administratively down (admin_state_up false): Neutron passes no packet"
    )
    assert "관리상 비활성" in L(hop.detail, "ko") and port in L(hop.detail, "ko")
    assert [e.text() for e in hop.evidence] == [f"port {port} admin_state_up=false"]
    assert stage_of(result) == ("dst-port", False)  # the topology picture stops it there


def test_a_flow_out_of_an_admin_down_port_is_denied_before_anti_spoofing() -> None:
    snap = _fixed("k8s-w-1")
    for dst in (
        "node:k8s-w-2:10250/tcp",
        "pod:kube-system/coredns-674b8bbfcf-7xk2q",
        "ip:1.1.1.1:443/tcp",
    ):
        (result,) = _trace(snap, "node:k8s-w-1", dst)[:1]
        hop = result.blocking
        assert hop is not None and (hop.step, hop.disposition) == ("port-down", "denied"), dst
        assert stage_of(result) == ("src-port", False)
    # a flow between two other nodes does not care
    (other,) = _trace(snap, "node:k8s-w-2", "node:k8s-w-3:10250/tcp")
    assert other.ok


def test_diagnose_names_the_down_port_once_with_the_command_to_enable_it() -> None:
    snap = _fixed("k8s-w-2")
    port = port_of(snap, "k8s-w-2")
    d = diagnose(snap)
    assert d.verdict.kind == "root-causes"
    (rc,) = d.root_causes
    assert rc.key == "port-down" and rc.check_id == CHECK
    assert [r.id for r in rc.resources if r.kind == "port"] == [port]
    assert [command_for(r) for r in rc.fix.remedies] == [f"openstack port set --enable {port}"]
    assert rc.evidence == (f"port {port} admin_state_up=false",)
    # the broken pairs are symptoms of this cause, counted, not listed pair by pair
    pod_to_pod = [s for s in rc.symptoms if s.check_id == "net-pod-to-pod"]
    assert pod_to_pod and sum(dict(s.counts)["node_pairs"] for s in pod_to_pod) == 6
    # one node: one port, said in the singular
    assert L(rc.message, "en").startswith(
        "The Neutron port of node k8s-w-2 is administratively down (admin_state_up false): "
        "Neutron passes no packet to or from it, so every flow of that node fails."
    ), L(rc.message, "en")
    assert "관리상 비활성" in L(rc.message, "ko") and "k8s-w-2" in L(rc.message, "ko")


def test_a_down_port_on_a_ready_node_is_no_finding() -> None:
    """The local Neutron (no agents) shows every port DOWN: with the nodes Ready, all is well."""
    d = diagnose(_fixed(status="DOWN", ready=True))
    assert d.verdict.kind == "healthy" and d.root_causes == ()
    mine = [f for f in d.findings if f.check_id == CHECK]
    assert [f.status for f in mine] == [Status.PASS]


def test_a_down_port_on_a_not_ready_node_is_evidence() -> None:
    d = diagnose(_fixed(status="DOWN", ready=False))
    (f,) = [f for f in d.findings if f.check_id == CHECK]
    assert f.status == Status.FAIL and f.cause == "port-inactive"
    en = L(f.message, "en")
    assert "ports of nodes" in en and "these nodes are NotReady" in en, en
    assert "the virtual machines may be off" in en and "NotReady" in L(f.message, "ko")
    assert any("status=DOWN" in e and "ready=false" in e for e in f.evidence)
    assert "port-inactive" in {rc.key for rc in d.root_causes}


def test_a_down_port_on_a_node_of_unknown_readiness_is_undecided() -> None:
    d = diagnose(_fixed(status="DOWN", ready=None))
    (f,) = [f for f in d.findings if f.check_id == CHECK]
    assert f.status == Status.UNKNOWN and "ready=?" in f.evidence[0]
    assert "port-inactive" not in {rc.key for rc in d.root_causes}


def test_admin_state_not_collected_is_unknown_and_the_flows_are_not_denied() -> None:
    doc = example_doc("seed-fixed")
    for port in doc["openstack"]["ports"]:
        del port["admin_state_up"]
    d = diagnose(build(doc))
    (f,) = [f for f in d.findings if f.check_id == CHECK]
    assert f.status == Status.UNKNOWN and "admin_state_up" in L(f.message, "en")
    assert d.root_causes == ()


def test_many_nodes_with_a_few_down_ports_stay_a_few_classes() -> None:
    """5,000 nodes, three ports down: the pod-to-pod family grows by a class per down port at
    most, and the answer names the three ports once (no per-pair lists)."""
    doc = hetero_doc(5000, pods_per_node=1)
    ports = node_port_ids(doc)
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    down = {names[p] for p in ports[10:3000:1200]}
    base = ClusterFlows(build(doc)).pod_to_pod
    set_port_state(doc, down)
    snap = build(doc)
    flows = ClusterFlows(snap)
    family = flows.pod_to_pod
    assert len(family.sources) <= len(base.sources) + len(down)
    assert len(family.targets) <= len(base.targets) + len(down)
    d = diagnose(snap)
    (rc,) = [rc for rc in d.root_causes if rc.key == "port-down"]
    assert {r.name for r in rc.resources if r.kind == "port"} == down
    assert len(rc.fix.remedies) == len(down)
    data = json.loads(dumps(diagnosis_dict(d, "t")))
    assert len(data["findings"]) < 60


def test_load_balancer_members_on_an_admin_down_port_are_explained_by_it() -> None:
    """Octavia marks the members on a node whose port is down ERROR: that is the port's doing,
    a symptom of neutron-port-admin-down, not an 'unexplained' member failure."""
    path = Path(__file__).parents[2] / "examples" / "lb-amphora-healthy.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    set_port_state(doc, {"k8s-w-1"})
    ip = next(n["internal_ip"] for n in doc["cluster"]["nodes"] if n["name"] == "k8s-w-1")
    for lb in doc["openstack"]["load_balancers"]:
        for pool in lb["pools"]:
            for member in pool["members"]:
                if member["address"] == ip:
                    member["operating_status"] = "ERROR"
    d = diagnose(build(doc))
    (rc,) = d.root_causes
    assert rc.check_id == CHECK
    (members,) = [f for f in rc.symptoms if f.check_id == "lb-members-down"]
    en = L(members.message, "en")
    assert "the Neutron port of k8s-w-1 is administratively down" in en, en
    assert "k8s-w-1의 Neutron 포트가 관리상 비활성 상태라" in L(members.message, "ko")
    assert not [f for f in d.findings if f.cause == "unexplained"]
