"""Dual stack against the real Neutron: an IPv6 SLAAC subnet on the seed network, IPv6 fixed
IPs on the node ports, pairs for the IPv4 pod range only (so only IPv6 breaks). The plan adds
the IPv6 pair (ML2/OVS) or an ethertype IPv6 rule for the IPv6 pod range (ML2/OVN); apply,
re-collect, re-diagnose clean; roll back to exactly the state before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.apply.engine import apply_plan, rollback_journal
from kostack.apply.journal import Journal
from kostack.apply.neutron import Neutron
from kostack.apply.recollect import recollected_snapshot
from kostack.collect.match import match_nodes
from kostack.collect.openstack import collect_openstack
from kostack.model import Snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, SERVICE_CIDR, build, seed_device_id
from kostack_testkit.dualstack import NODE_SUBNET_V6, POD_CIDR_V6, dual_stack_doc, node_ip_v6
from kostack_testkit.faultproxy import FaultKind, FaultProxy
from kostack_testkit.multipool import POOL_B, two_pools

pytestmark = pytest.mark.neutron


def _dual_stack_cloud(endpoint: str, mode: str = "dhcpv6-stateful") -> None:
    """What an operator does to go dual stack: an IPv6 subnet, an IPv6 address per node
    port; the IPv4 pod and service ranges as pairs (the seed's fix, IPv4 only)."""
    conn = openstack_connection(endpoint)
    net = conn.network.get("/networks").json()["networks"]
    network = next(n for n in net if n["name"] == "k8s-net")
    body = {
        "subnet": {
            "name": "k8s-subnet-v6",
            "network_id": network["id"],
            "ip_version": 6,
            "cidr": NODE_SUBNET_V6,
            "ipv6_ra_mode": mode,
            "ipv6_address_mode": mode,
        }
    }
    resp = conn.network.post("/subnets", json=body)
    assert resp.status_code == 201, resp.text
    subnet = resp.json()["subnet"]
    # what Neutron stores for an IPv6 SLAAC subnet (pinned)
    assert (subnet["ip_version"], subnet["ipv6_ra_mode"], subnet["ipv6_address_mode"]) == (
        6,
        mode,
        mode,
    )
    ports = conn.network.get("/ports").json()["ports"]
    names = [n["name"] for n in dual_stack_doc()["cluster"]["nodes"]]
    for i, name in enumerate(names):
        port = next(p for p in ports if p["device_id"] == seed_device_id(name))
        fixed = [
            *(
                {"subnet_id": f["subnet_id"], "ip_address": f["ip_address"]}
                for f in port["fixed_ips"]
            ),
            {"subnet_id": subnet["id"], "ip_address": node_ip_v6(i)},
        ]
        pairs = [{"ip_address": POD_CIDR}, {"ip_address": SERVICE_CIDR}]
        resp = conn.network.put(
            f"/ports/{port['id']}",
            json={"port": {"fixed_ips": fixed, "allowed_address_pairs": pairs}},
        )
        if mode == "slaac":  # addresses come from the MAC (EUI-64): none can be chosen
            assert resp.status_code == 400 and "AllocationOnAutoAddressSubnet" in resp.text
            return
        assert resp.status_code == 200, resp.text
        got = resp.json()["port"]
        assert node_ip_v6(i) in [f["ip_address"] for f in got["fixed_ips"]]


def _snapshot(endpoint: str, backend: str, doc: dict[str, Any] | None = None) -> Snapshot:
    conn = openstack_connection(endpoint)
    record, gaps = collect_openstack(conn, project_scope=None, backend_hint=backend)  # type: ignore[arg-type]
    assert gaps == ()
    doc = doc or dual_stack_doc()
    # IPv6 pods masquerade on the node: a Neutron router does not NAT IPv6, and without it
    # IPv6 egress needs a CNI change no Neutron plan can make (ipv6-egress-no-nat)
    doc["cluster"]["cni"]["calico"]["ip_pools"][1]["nat_outgoing"] = True
    cluster = build(doc)
    assert cluster.cluster is not None and cluster.cluster.nodes is not None
    assert record.ports is not None
    links = match_nodes(cluster.cluster.nodes, record.ports)
    assert all(link.port_id for link in links), links
    return cluster.model_copy(update={"openstack": record, "node_ports": links})


def _apply_and_roll_back(endpoint: str, snapshot: Snapshot, tmp_path: Path) -> Snapshot:
    journal_path = tmp_path / "j.jsonl"
    plan = build_plan(snapshot)
    assert plan.verification.after == ()
    with Journal.create(journal_path, plan) as journal:
        report = apply_plan(journal, Neutron(openstack_connection(endpoint)))
    assert report.ok, report.problems
    after = recollected_snapshot(snapshot, openstack_connection(endpoint))
    assert diagnose(after).root_causes == ()
    with Journal.open(journal_path) as journal:
        back = rollback_journal(journal, Neutron(openstack_connection(endpoint)))
    assert back.ok, back.problems
    return after


def pairs_added_then_rolled_back(
    endpoint: str, snapshot: Snapshot, tmp_path: Path, added: str, kept: list[str]
) -> Snapshot:
    """The plan adds only ``added`` to each of the four node ports; applied, the ports hold
    ``kept`` and it; re-diagnosed clean, then rolled back (`_apply_and_roll_back`). The
    snapshot re-collected after the apply is returned."""
    plan = build_plan(snapshot)
    adds = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert len(adds) == 4 and {p.ip_address for a in adds for p in a.pairs} == {added}, adds
    after = _apply_and_roll_back(endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.ports is not None
    node_ports = {link.port_id for link in after.node_ports or ()}
    for port in after.openstack.ports:
        if port.id in node_ports:
            assert sorted(str(p.ip_address) for p in port.allowed_address_pairs) == sorted(
                [*kept, added]
            )
    return after


def test_ovs_plan_adds_only_the_ipv6_pair_and_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    _dual_stack_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = _snapshot(seed_cloud.endpoint, "ml2/ovs")
    assert snapshot.openstack is not None and snapshot.openstack.subnets is not None
    v6 = [s for s in snapshot.openstack.subnets if s.ip_version == 6]
    assert [(str(s.cidr), s.ipv6_ra_mode) for s in v6] == [(NODE_SUBNET_V6, "dhcpv6-stateful")]
    found = diagnose(snapshot)
    # the harness's router has no routes yet: the seed's route-back cause comes too
    assert found.root_causes[0].key == "antispoof"
    rc = found.root_causes[0]
    assert localize(rc.message, "en").startswith("IPv4 works, IPv6 pod traffic is dropped")
    pairs_added_then_rolled_back(
        seed_cloud.endpoint, snapshot, tmp_path, POD_CIDR_V6, [POD_CIDR, SERVICE_CIDR]
    )
    assert diff_states(original, seed_cloud.state()) == []


def test_ovn_plan_adds_an_ipv6_rule_for_the_ipv6_pod_range(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    _dual_stack_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = _snapshot(seed_cloud.endpoint, "ml2/ovn")
    plan = build_plan(snapshot)
    rules: list[Any] = [
        a.rule for a in plan.automatic if a.operation == Operation.ADD_SG_RULE and a.rule
    ]
    assert (POD_CIDR_V6, "IPv6") in {(r.remote_ip_prefix, r.ethertype) for r in rules}, rules
    _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert diff_states(original, seed_cloud.state()) == []


def test_neutron_refuses_a_chosen_address_on_a_slaac_subnet(seed_cloud: SeedCloud) -> None:
    """Pinned: on a SLAAC subnet Neutron derives each port's address from its MAC."""
    _dual_stack_cloud(seed_cloud.endpoint, "slaac")


def test_the_script_adds_ipv6_pairs_and_ethertype_ipv6_rules() -> None:
    """No Neutron needed: the reviewed script of the dual-stack OVN plan (`fix plan -o script`)."""
    from kostack.report.fixplan import render_script
    from kostack_testkit.dualstack import dualstack_example_doc

    doc = dualstack_example_doc("dualstack-ipv6-broken")
    doc["openstack"]["backend"] = "ml2/ovn"
    script = render_script(build_plan(build(doc)))
    assert "--ingress --ethertype IPv6 --protocol any --remote-ip fd00:10:244::/56" in script
    adds = [line for line in script.splitlines() if line.startswith("kostack_add_pairs ")]
    # one per node port, the IPv6 pod range only (the IPv4 pairs are already there)
    assert len(adds) == 4 and all(line.split()[4:] == ["fd00:10:244::/56"] for line in adds)


def test_two_pools_and_ipv6_stopped_midway_roll_back_exactly(
    seed_cloud: SeedCloud, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    """Dual stack with a second IPv4 pool: the plan adds each port the pairs it lacks (the IPv6
    pod range, pool B); Neutron refuses the third port update; rollback undoes the two before it
    and reports the third as not changed, and the cloud is exactly as it was."""
    _dual_stack_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    doc = dual_stack_doc()
    two_pools(doc, ipip="Never")
    snapshot = _snapshot(seed_cloud.endpoint, "ml2/ovs", doc)
    plan = build_plan(snapshot)
    ports = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert {p.ip_address for a in ports for p in a.pairs} == {POD_CIDR_V6, POOL_B}
    fault_proxy.inject(
        FaultKind.HTTP_STATUS, "PUT", r"^/v2\.0/ports/", nth=3, status=409, error_type="Conflict"
    )
    conn = openstack_connection(fault_proxy.endpoint)
    path = tmp_path / "j.jsonl"
    with Journal.create(path, plan) as journal:
        report = apply_plan(journal, Neutron(conn))
    assert [s.outcome for s in report.steps if s.action_id in {a.id for a in ports}] == [
        "applied",
        "applied",
        "failed",
    ]
    with Journal.open(path) as journal:
        back = rollback_journal(journal, Neutron(conn))
    assert back.ok, back.problems
    assert [s.outcome for s in back.steps].count("restored") == len(report.steps) - 1
    assert diff_states(original, seed_cloud.state()) == []
