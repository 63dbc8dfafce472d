"""Calico on a second NIC against the real Neutron (example `calico-second-nic-no-pairs`): every
seed server gets a second port on a storage network (192.168.100.0/24, the project's default
group, no allowed pairs) and calico-node took its address on every node; the node ports carry
the pod and service ranges as pairs (the fixed seed). Pod traffic between nodes leaves by the
storage ports, whose anti-spoofing drops the pods' addresses: the plan adds the pod range as a
pair to the storage ports only (never to the InternalIPs' ports, which have it already); apply,
re-collect, re-diagnose clean; roll back to exactly before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_bgp_one_way import live_snapshot
from test_apply_dualstack import _apply_and_roll_back

from kostack.analyze.diagnose import diagnose
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, SERVICE_CIDR, seed_device_id
from kostack_testkit.calico_address import STORAGE_CIDR, calico_address_example_doc, storage_ip

pytestmark = pytest.mark.neutron
EXAMPLE = "calico-second-nic-no-pairs"


def _post(conn: Any, path: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = conn.network.post(path, json={kind: body})
    assert resp.status_code == 201, resp.text
    found: dict[str, Any] = resp.json()[kind]
    return found


def _storage_group(conn: Any) -> str:
    """`k8s-storage`: TCP and UDP from the storage subnet, not IP protocol 4."""
    sg = _post(conn, "/security-groups", "security_group", {"name": "k8s-storage"})["id"]
    for protocol in ("tcp", "udp"):
        body = {"security_group_id": sg, "direction": "ingress", "ethertype": "IPv4"}
        body |= {"protocol": protocol, "remote_ip_prefix": STORAGE_CIDR}
        _post(conn, "/security-group-rules", "security_group_rule", body)
    return str(sg)


def _second_nic_cloud(endpoint: str, group: str | None = None) -> dict[str, str]:
    """The storage network and a port on it for each seed server (in ``group``, else the
    project's default); node name -> its id."""
    conn = openstack_connection(endpoint)
    doc = calico_address_example_doc(EXAMPLE)
    net = _post(conn, "/networks", "network", {"name": "storage-net"})
    subnet = _post(
        conn,
        "/subnets",
        "subnet",
        {
            "name": "storage-subnet",
            "network_id": net["id"],
            "ip_version": 4,
            "cidr": STORAGE_CIDR,
            "gateway_ip": None,
            "enable_dhcp": False,
        },
    )
    ports = conn.network.get("/ports").json()["ports"]
    named = {
        g["id"]: g["name"] for g in conn.network.get("/security-groups").json()["security_groups"]
    }
    out: dict[str, str] = {}
    for node in doc["cluster"]["nodes"]:
        name = node["name"]
        port = next(p for p in ports if p["device_id"] == seed_device_id(name))
        pairs = [{"ip_address": POD_CIDR}, {"ip_address": SERVICE_CIDR}]
        resp = conn.network.put(
            f"/ports/{port['id']}", json={"port": {"allowed_address_pairs": pairs}}
        )
        assert resp.status_code == 200, resp.text
        # the node port's `default` (Neutron lists a port's groups in no set order)
        default = next(g for g in port["security_groups"] if named.get(g) == "default")
        chosen = [group or default]
        storage = _post(
            conn,
            "/ports",
            "port",
            {
                "name": f"{name}-storage",
                "network_id": net["id"],
                "device_id": seed_device_id(name),
                "device_owner": "compute:nova",
                "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": storage_ip(doc, name)}],
                "security_groups": chosen,
            },
        )
        out[name] = storage["id"]
    return out


def _doc(ipip: bool = False) -> dict[str, Any]:
    """The example's cluster, its pool masquerading what leaves the cluster (the harness's
    router has no routes back to the pods: not this test's subject); ``ipip``: IPIP Always."""
    doc = calico_address_example_doc(EXAMPLE)
    pool = doc["cluster"]["cni"]["calico"]["ip_pools"][0]
    pool["nat_outgoing"] = True
    if ipip:
        pool.update(ipip_mode="Always", vxlan_mode="Never")
    return doc


def test_the_plan_adds_the_pod_pair_to_the_second_nics_only_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    storage = _second_nic_cloud(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, _doc())
    assert {link.port_id for link in snapshot.node_ports or ()}.isdisjoint(storage.values())
    found = diagnose(snapshot)
    assert [rc.key for rc in found.root_causes] == ["antispoof"], found.root_causes
    plan = build_plan(snapshot)
    adds = [a for a in plan.automatic if a.operation == Operation.ADD_ALLOWED_PAIRS]
    assert {a.target.id for a in adds} == set(storage.values())
    assert {p.ip_address for a in adds for p in a.pairs} == {POD_CIDR}
    node_ports = {link.port_id for link in snapshot.node_ports or ()}
    assert not {a.target.id for a in plan.actions if a.target.kind == "port"} & node_ports
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.ports is not None
    for port in after.openstack.ports:
        if port.id in storage.values():
            assert [str(p.ip_address) for p in port.allowed_address_pairs] == [POD_CIDR]
    assert diff_states(original, seed_cloud.state()) == []


def test_the_plan_opens_ipip_in_the_second_nics_group_only_then_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    """IPIP between the storage ports, whose own group admits TCP and UDP only: the rule goes
    into that group (not `k8s-nodes` or `default` of the node ports)."""
    conn = openstack_connection(seed_cloud.endpoint)
    group = _storage_group(conn)
    _second_nic_cloud(seed_cloud.endpoint, group)
    original = seed_cloud.state()
    snapshot = live_snapshot(seed_cloud.endpoint, _doc(ipip=True))
    found = diagnose(snapshot)
    assert [rc.key for rc in found.root_causes] == ["sg-encap"], found.root_causes
    plan = build_plan(snapshot)
    rules = [a for a in plan.automatic if a.operation == Operation.ADD_SG_RULE]
    assert {a.target.id for a in rules} == {group}
    assert {a.rule.protocol for a in rules if a.rule is not None} == {"ipip"}
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.security_groups is not None
    (storage,) = [g for g in after.openstack.security_groups if g.id == group]
    assert any(r.protocol in ("ipip", "4") for r in storage.rules)
    assert diff_states(original, seed_cloud.state()) == []
