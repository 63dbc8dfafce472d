"""Calico's one-way mesh in the lab's data plane (docs/facts.md, "Which node opens a mesh
session"): two nodes, each port in a group of its own; the greater address's group admits TCP
179 from the smaller address, the smaller's not from the greater. The smaller node's
connection to port 179 opens, the greater's (the only one Calico's mesh makes) is dropped at
the smaller's port by the lab's nftables, as the engine's session judge says; so the engine
calls the session down (bgp_routes.py `opener`). One lab for the module."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from lab_testing import apply_port_description, module_lab
from test_lab_bgp6 import LISTEN, TIMEOUT, _rule
from test_lab_stateless import CONNECT, speaking  # CONNECT: one connection to port 179

from kostack.analyze.engine.bgp_routes import opener
from kostack.analyze.engine.path import session_judge
from kostack.analyze.engine.types import Disposition
from kostack.analyze.topology import Topology
from kostack_lab.lab import Lab
from kostack_lab.lab_snapshot import lab_snapshot
from kostack_lab.topology import NodeSetup

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    yield from module_lab("dualstack-fixed", tmp_path_factory.mktemp("bgp1") / "state")


def one_way_179(lab: Lab, prefix: str, *, v6: bool = False) -> tuple[NodeSetup, NodeSetup]:
    """Two nodes, each port in a group of its own (named PREFIX-NODE): the greater address's
    group admits TCP 179 from the smaller address only. Returns (greater, smaller)."""
    a, b = lab.topology.nodes[0], lab.topology.nodes[1]
    greater, smaller = (a, b) if str(a.ip) > str(b.ip) else (b, a)
    ports, groups = lab.port_description()
    own = {}
    for node, remote in ((greater, f"{smaller.ip}/32"), (smaller, None)):
        sg = f"{prefix}-{node.name}"
        rules = [_rule(0, "egress", "IPv4"), *([_rule(1, "egress", "IPv6")] if v6 else [])]
        if remote is not None:
            tcp = {"protocol": "tcp", "port_range_min": 179, "port_range_max": 179}
            rules.append(_rule(2, "ingress", "IPv4", remote_ip_prefix=remote, **tcp))
        for r in rules:
            r["id"] = f"{sg}-{r['id']}"
        own[node.ip] = {"id": sg, "name": sg, "stateful": True, "security_group_rules": rules}
    for port in ports:
        ips = [f["ip_address"] for f in port.get("fixed_ips", ())]
        found = next((own[ip] for ip in ips if ip in own), None)
        if found is not None:
            port["security_groups"] = [found["id"]]
            port["revision_number"] += 1
    assert apply_port_description(lab, ports, [*groups, *own.values()]).changed
    return greater, smaller


def connect(lab: Lab, client: NodeSetup, server: NodeSetup) -> str:
    """One connection from ``client`` to ``server``'s port 179: "open" or the error's name."""
    with speaking(server.netns, LISTEN):
        argv = [sys.executable, "-I", "-c", CONNECT, server.ip, str(TIMEOUT)]
        return str(lab.exec_in(client.netns, argv).stdout).strip()


def test_only_the_smaller_address_reaches_port_179_and_the_mesh_session_is_down(
    lab: Lab,
) -> None:
    greater, smaller = one_way_179(lab, "one-way", v6=True)

    assert connect(lab, smaller, greater) == "open"  # the way Calico's mesh never connects
    assert connect(lab, greater, smaller) == "TimeoutError"  # the opener's SYN is dropped
    topo = Topology(lab_snapshot(lab))
    g, s = topo.node_views[greater.name], topo.node_views[smaller.name]
    judge = session_judge(topo)
    assert judge(s, g, 4) is None
    dropped = judge(g, s, 4)
    assert dropped is not None and dropped.disposition == Disposition.DENIED
    assert dropped.step == "sg-ingress" and f"{greater.ip} -> {smaller.ip} tcp:179" in str(
        dropped.detail
    )
    assert opener(g, s, 4) and not opener(s, g, 4)  # so the engine's mesh session is down
