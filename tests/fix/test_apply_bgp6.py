"""BGP over IPv6 against the real Neutron: the dual-stack seed cloud with its node ports only in
a `k8s-nodes` group that admits TCP 179 from the group for IPv4 only (the common rule), and a
cluster whose IPv6 pool is BGP-routed (example `dualstack-ipv6-bgp-blocked`). BIRD6 peers over
the nodes' IPv6 addresses (docs/facts.md, "BGP over IPv6"), so the plan adds the TCP 179 rule
of ethertype IPv6; apply, re-collect, re-diagnose clean; roll back to exactly the state before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fix_cloud import SeedCloud, diff_states
from test_apply_dualstack import _apply_and_roll_back, _dual_stack_cloud, _snapshot

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.plan.build import build_plan
from kostack.plan.model import Operation
from kostack_lab.neutron import openstack_connection
from kostack_testkit.builders import POD_CIDR, seed_device_id
from kostack_testkit.dualstack import POD_CIDR_V6, dualstack_example_doc

pytestmark = pytest.mark.neutron

# (ethertype, protocol, port, remote: "group" or a prefix): the example's k8s-nodes rules
RULES = [
    ("IPv4", "tcp", 22, "0.0.0.0/0"),
    ("IPv4", "tcp", 6443, "group"),
    ("IPv4", "tcp", 10250, "group"),
    ("IPv4", "tcp", 5473, "group"),
    ("IPv4", "tcp", 179, "group"),  # for IPv4 only
    ("IPv4", "icmp", None, "group"),
    ("IPv6", "icmp", None, "group"),
    ("IPv4", None, None, POD_CIDR),
    ("IPv6", None, None, POD_CIDR_V6),
]


def _nodes_group_only(endpoint: str) -> str:
    """Create `k8s-nodes` with ``RULES`` and put every node port in it alone."""
    conn = openstack_connection(endpoint)
    resp = conn.network.post("/security-groups", json={"security_group": {"name": "k8s-nodes"}})
    assert resp.status_code == 201, resp.text
    sg = resp.json()["security_group"]["id"]
    for ethertype, protocol, port, remote in RULES:
        body: dict[str, Any] = {
            "security_group_id": sg,
            "direction": "ingress",
            "ethertype": ethertype,
            "protocol": protocol,
            "port_range_min": port,
            "port_range_max": port,
        }
        body.update({"remote_group_id": sg} if remote == "group" else {"remote_ip_prefix": remote})
        resp = conn.network.post("/security-group-rules", json={"security_group_rule": body})
        assert resp.status_code == 201, resp.text
    names = [n["name"] for n in dualstack_example_doc("dualstack-fixed")["cluster"]["nodes"]]
    devices = {seed_device_id(name) for name in names}
    for port in conn.network.get("/ports").json()["ports"]:
        if port["device_id"] in devices:
            resp = conn.network.put(
                f"/ports/{port['id']}", json={"port": {"security_groups": [sg]}}
            )
            assert resp.status_code == 200, resp.text
    return sg


def test_the_plan_adds_tcp_179_of_ethertype_ipv6_and_rolls_back(
    seed_cloud: SeedCloud, tmp_path: Path
) -> None:
    _dual_stack_cloud(seed_cloud.endpoint)
    sg = _nodes_group_only(seed_cloud.endpoint)
    original = seed_cloud.state()
    snapshot = _snapshot(
        seed_cloud.endpoint, "ml2/ovs", dualstack_example_doc("dualstack-ipv6-bgp-blocked")
    )
    found = diagnose(snapshot)
    bgp = [rc for rc in found.root_causes if rc.key == "bgp-blocked"]
    assert len(bgp) == 1, [rc.key for rc in found.root_causes]
    assert localize(bgp[0].message, "en").startswith(
        "BGP over IPv4 works, IPv6 pod routes are lost"
    )
    plan = build_plan(snapshot)
    rules = [a.rule for a in plan.automatic if a.operation == Operation.ADD_SG_RULE and a.rule]
    assert [(r.ethertype, r.protocol, r.port_range_min, r.remote_group_id) for r in rules] == [
        ("IPv6", "tcp", 179, sg)
    ], rules
    after = _apply_and_roll_back(seed_cloud.endpoint, snapshot, tmp_path)
    assert after.openstack is not None and after.openstack.security_groups is not None
    (nodes,) = [g for g in after.openstack.security_groups if g.id == sg]
    assert any(
        r.ethertype == "IPv6" and r.port_range_min == 179 and r.remote_group_id == sg
        for r in nodes.rules
    )
    assert diff_states(original, seed_cloud.state()) == []
