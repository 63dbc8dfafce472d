"""Calico eBPF DSR's answers against the real Neutron harness (docs/facts.md "Calico's eBPF
data plane", DSR and security groups): the egress rules Neutron gives every new group (any
protocol, IPv4 and IPv6, to every address) are read as admitting the answers, which leaves a
TCP answer's conntrack-invalid SYN-ACK to the firewall driver (UNKNOWN); with the node
groups' egress rules deleted through the API the answers have no rule (FAIL,
calico-ebpf-dsr-egress); a stateless group under ML2/OVS stays undecided (the openvswitch
driver ignores the attribute)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest_neutron import SeededNeutron

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.collect.match import match_nodes
from kostack.collect.openstack import collect_openstack
from kostack.model import Snapshot
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, build
from kostack_testkit.calico_ebpf import ebpf_doc

pytestmark = pytest.mark.neutron
NODE_ADDRESSES = "10.0.0.8/29"  # every node's address: the DSR pairs are in place


def _snapshot(endpoint: str) -> Snapshot:
    record, gaps = collect_openstack(
        openstack_connection(endpoint),
        project_scope=None,  # type: ignore[arg-type]
        backend_hint="ml2/ovs",
    )
    assert gaps == ()
    cluster = build(ebpf_doc(mode="DSR"))
    assert cluster.cluster is not None and cluster.cluster.nodes is not None
    assert record.ports is not None
    links = match_nodes(cluster.cluster.nodes, record.ports)
    assert all(link.port_id for link in links), links
    return cluster.model_copy(update={"openstack": record, "node_ports": links})


def _egress(snapshot: Snapshot) -> list[Finding]:
    return [
        f
        for f in diagnose(snapshot).findings
        if f.check_id == "net-calico-ebpf-dsr"
        and getattr(f.message, "key", "").startswith("ebpf-dsr-sg.")
    ]


def _pairs(conn: Any, seeded: SeededNeutron) -> None:
    for port in seeded.ids.port_ids.values():
        pairs = [{"ip_address": POD_CIDR}, {"ip_address": NODE_ADDRESSES}]
        resp = conn.network.put(f"/ports/{port}", json={"port": {"allowed_address_pairs": pairs}})
        assert resp.status_code == 200, resp.text


def test_neutrons_default_egress_then_none(seeded_neutron: SeededNeutron) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    _pairs(conn, seeded_neutron)
    (f,) = _egress(_snapshot(seeded_neutron.endpoint))
    assert f.status == Status.UNKNOWN and "firewall_driver" in f.message
    assert set(f.nodes) == {"k8s-w-1", "k8s-w-2"}
    ids = seeded_neutron.ids
    rules = conn.network.get("/security-group-rules").json()["security_group_rules"]
    egress = [
        r
        for r in rules
        if r["direction"] == "egress"
        and r["security_group_id"] in (ids.default_sg_id, ids.nodes_sg_id)
    ]
    assert {r["ethertype"] for r in egress} == {"IPv4", "IPv6"}  # Neutron's own, per group
    for rule in egress:
        assert conn.network.delete(f"/security-group-rules/{rule['id']}").status_code == 204
    (f,) = _egress(_snapshot(seeded_neutron.endpoint))
    assert f.status == Status.FAIL and f.cause == "calico-ebpf-dsr-egress"
    assert "admits TCP to every address" in f.message


def test_a_stateless_group_under_ml2_ovs_stays_undecided(seeded_neutron: SeededNeutron) -> None:
    conn = openstack_connection(seeded_neutron.endpoint)
    _pairs(conn, seeded_neutron)
    resp = conn.network.post(
        "/security-groups", json={"security_group": {"name": "dsr-stateless", "stateful": False}}
    )
    assert resp.status_code == 201, resp.text
    group = resp.json()["security_group"]
    assert group["stateful"] is False
    for port in seeded_neutron.ids.port_ids.values():
        resp = conn.network.put(f"/ports/{port}", json={"port": {"security_groups": [group["id"]]}})
        assert resp.status_code == 200, resp.text
    (f,) = _egress(_snapshot(seeded_neutron.endpoint))
    assert f.status == Status.UNKNOWN and "ignores stateless groups" in f.message
