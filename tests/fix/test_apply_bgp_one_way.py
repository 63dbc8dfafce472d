"""Calico's one-way mesh against the real Neutron (example `calico-bgp-one-way`): the seed
cloud's node ports in `k8s-nodes` (no TCP 179) plus `k8s-workers` (TCP 179 from the masters'
group and its own) or `k8s-masters` (none). Calico's mesh has the greater address connect
(docs/facts.md, "Which node opens a mesh session"): every worker connects to the master and is
dropped. The plan's rule (TCP 179 from `k8s-nodes`, on it) admits that direction: apply,
re-collect, re-diagnose clean; roll back to exactly the state before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_dualstack import _apply_and_roll_back

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.collect.match import match_nodes
from kostack.collect.openstack import collect_openstack
from kostack.model import Snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, build, example_doc, seed_device_id

pytestmark = pytest.mark.neutron
NODES_RULES = [("tcp", 22, None), ("tcp", 6443, "nodes"), ("tcp", 10250, "nodes")]
NODES_RULES += [("tcp", 5473, "nodes"), ("icmp", None, "nodes"), (None, None, POD_CIDR)]


def _group(conn: Any, name: str, rules: list[tuple[str | None, int | None, str | None]]) -> str:
    """A group with ``rules`` (protocol, port, remote: a group id, "nodes" (its own) or a
    prefix; None: anywhere)."""
    resp = conn.network.post("/security-groups", json={"security_group": {"name": name}})
    assert resp.status_code == 201, resp.text
    sg = resp.json()["security_group"]["id"]
    for protocol, port, remote in rules:
        body: dict[str, Any] = {
            "security_group_id": sg,
            "direction": "ingress",
            "ethertype": "IPv4",
            "protocol": protocol,
            "port_range_min": port,
            "port_range_max": port,
        }
        if remote is not None and "/" in remote:
            body["remote_ip_prefix"] = remote
        elif remote is not None:
            body["remote_group_id"] = sg if remote == "nodes" else remote
        else:
            body["remote_ip_prefix"] = "0.0.0.0/0"
        resp = conn.network.post("/security-group-rules", json={"security_group_rule": body})
        assert resp.status_code == 201, resp.text
    return sg


def _one_way_cloud(endpoint: str) -> str:
    """The example's groups on the seed cloud's node ports (and the pod range as pairs)."""
    conn = openstack_connection(endpoint)
    nodes = _group(conn, "k8s-nodes", NODES_RULES)
    masters = _group(conn, "k8s-masters", [])
    workers = _group(conn, "k8s-workers", [("tcp", 179, masters)])
    resp = conn.network.post(
        "/security-group-rules",
        json={
            "security_group_rule": {
                "security_group_id": workers,
                "direction": "ingress",
                "ethertype": "IPv4",
                "protocol": "tcp",
                "port_range_min": 179,
                "port_range_max": 179,
                "remote_group_id": workers,
            }
        },
    )
    assert resp.status_code == 201, resp.text
    ports = conn.network.get("/ports").json()["ports"]
    for node in example_doc("calico-bgp-one-way")["cluster"]["nodes"]:
        port = next(p for p in ports if p["device_id"] == seed_device_id(node["name"]))
        extra = masters if node["name"] == "k8s-cp-1" else workers
        body = {
            "security_groups": [nodes, extra],
            "allowed_address_pairs": [{"ip_address": POD_CIDR}],
        }
        resp = conn.network.put(f"/ports/{port['id']}", json={"port": body})
        assert resp.status_code == 200, resp.text
    return nodes


def live_snapshot(endpoint: str, doc: dict[str, Any]) -> Snapshot:
    """``doc``'s cluster with the OpenStack half collected from the real Neutron (ML2/OVS)."""
    record, gaps = collect_openstack(
        openstack_connection(endpoint),
        project_scope=None,  # type: ignore[arg-type]
        backend_hint="ml2/ovs",
    )
    assert gaps == ()
    cluster = build(doc)
    assert cluster.cluster is not None and cluster.cluster.nodes is not None
    assert record.ports is not None
    links = match_nodes(cluster.cluster.nodes, record.ports)
    assert all(link.port_id for link in links), links
    return cluster.model_copy(update={"openstack": record, "node_ports": links})


def _snapshot(endpoint: str) -> Snapshot:
    return live_snapshot(endpoint, example_doc("calico-bgp-one-way"))


def test_the_plan_admits_the_openers_direction_and_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    nodes = _one_way_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = _snapshot(seed_cloud.endpoint)
    found = diagnose(snapshot)
    assert [rc.key for rc in found.root_causes] == ["bgp-blocked"], found.root_causes
    en = localize(found.root_causes[0].message, "en")
    assert "The ingress rules of node k8s-cp-1 drop Calico BGP (tcp 179) from nodes k8s-w-1" in en
    assert "(3 node pairs)" in en, en
    # the master-worker pod routes are lost both ways (kostack said pod -> pod was fine)
    p2p = [f for f in found.root_causes[0].symptoms if f.check_id == "net-pod-to-pod"]
    assert sum(dict(f.counts)["node_pairs"] for f in p2p) == 6, p2p
    plan = build_plan(snapshot)
    rules = [a.rule for a in plan.automatic if a.operation == Operation.ADD_SG_RULE and a.rule]
    assert [(r.direction, r.protocol, r.port_range_min, r.remote_group_id) for r in rules] == [
        ("ingress", "tcp", 179, nodes)
    ], rules
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.security_groups is not None
    (group,) = [g for g in after.openstack.security_groups if g.id == nodes]
    assert any(r.port_range_min == 179 and r.remote_group_id == nodes for r in group.rules)
    assert diff_states(original, seed_cloud.state()) == []
