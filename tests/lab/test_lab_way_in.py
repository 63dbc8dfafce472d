"""The way in, in the lab: a probe through a floating IP to the NodePorts confirms kostack's model.

The router namespace plays the load balancer (kostack_lab.way_in): amphora
mode SNATs to an address in the member subnet, OVN mode keeps the client's
address. The nodes' security groups (rendered from the lab's Neutron-style
port description) then decide, and the per-port drop counters say where a
blocked connection died: the same verdicts as lb-nodeport-source on the
examples lb-amphora-* and lb-ovn-node-subnet-only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from lab_testing import apply_port_description, lab_name

from kostack_lab.cli.lab import lab as lab_group
from kostack_lab.lab import Lab
from kostack_lab.way_in import WayIn, install, probe

pytestmark = pytest.mark.lab

NODE_PORT = 31080
WORKERS = ("k8s-w-1", "k8s-w-2", "k8s-w-3")


def _open(lab: Lab, prefix: str, port: int = NODE_PORT) -> None:
    """Add an ingress TCP rule for the NodePort to the nodes' group, as an operator would."""
    ports, groups = lab.port_description()
    nodes = next(g for g in groups if g.get("name") == "k8s-nodes")
    rule: dict[str, Any] = {
        "id": f"way-in-{prefix.replace('/', '-')}",
        "security_group_id": nodes["id"],
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "port_range_min": port,
        "port_range_max": port,
        "remote_ip_prefix": prefix,
        "remote_group_id": None,
    }
    nodes["security_group_rules"] = [*nodes.get("security_group_rules", []), rule]
    apply_port_description(lab, ports, groups)


def _ingress_drops(lab: Lab) -> set[str]:
    return {name for name, c in lab.counters().items() if c.ingress_drops}


def test_amphora_style_needs_the_member_subnet(lab: Lab) -> None:
    assert lab.up("fixed").up
    way = WayIn("amphora", node_port=NODE_PORT, members=WORKERS)
    install(lab, way)
    blocked = probe(lab, way)
    assert not blocked.ok, blocked
    assert _ingress_drops(lab) & set(WORKERS)  # dropped at a member node's port
    _open(lab, "10.0.0.0/24")  # the member subnet: where the amphora sends from
    answered = [probe(lab, way) for _ in WORKERS]
    assert all(p.ok for p in answered), answered
    # round robin over the three members: each answered from its own node's pod
    assert len({p.pod for p in answered}) == 3


def test_ovn_style_open_to_the_node_subnet_cuts_clients_off(lab: Lab) -> None:
    assert lab.up("fixed").up
    way = WayIn("ovn", node_port=NODE_PORT, members=WORKERS)
    install(lab, way)
    _open(lab, "10.0.0.0/24")  # what an amphora needs, and what OVN's health checks use
    cut_off = probe(lab, way)
    assert not cut_off.ok, cut_off  # the client 203.0.113.10 reaches the node unchanged
    assert _ingress_drops(lab) & set(WORKERS)
    _open(lab, "0.0.0.0/0")  # the fix kostack plans for a public Service on OVN
    assert probe(lab, way).ok


def _way_in(lab: Lab, *args: str) -> tuple[int, str]:
    where = ("--name", lab_name(), "--state-dir", str(lab.paths.root))
    result = CliRunner().invoke(lab_group, ["way-in", *args, *where])
    return result.exit_code, result.stdout + result.stderr


def test_the_command_installs_probes_and_removes(lab: Lab) -> None:
    """`kostack lab way-in`: exit 1 while the NodePort is closed to the amphora, 0 once open."""
    assert lab.up("fixed").up
    members = [a for node in WORKERS[:2] for a in ("--member", node)]
    code, out = _way_in(lab, "--mode", "amphora", *members, "--timeout", "1", "--json")
    assert code == 1, out
    assert json.loads(out)["ok"] is False
    _open(lab, "10.0.0.0/24")
    code, out = _way_in(lab, "--mode", "amphora", *members)
    assert code == 0, out
    assert "203.0.113.50:80 -> NodePort 31080 (amphora)  answered by" in out
    assert _way_in(lab, "--mode", "amphora", "--remove")[0] == 0
    assert not probe(lab, WayIn("amphora", node_port=NODE_PORT), timeout=1).ok  # gone


def test_the_command_needs_a_running_lab(lab: Lab) -> None:
    code, out = _way_in(lab, "--mode", "ovn")
    assert code == 2, out
    assert out.startswith("error: ")
