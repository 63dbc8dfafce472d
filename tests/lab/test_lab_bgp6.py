"""BGP over IPv6 in the lab's data plane (docs/facts.md, "BGP over IPv6"): the dual-stack lab's
node ports in one group admitting TCP 179 from itself for IPv4 only. A session between the
nodes' IPv4 addresses comes up; one between their IPv6 addresses (BIRD6's) is dropped at the
server's port by the lab's nftables, as the engine's session judge says; the rule net-sg-bgp
proposes (`--ethertype IPv6`) brings it up. One lab for the module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from lab_testing import apply_port_description, module_lab
from test_lab_stateless import CONNECT, speaking  # CONNECT: one connection to port 179

from kostack.analyze.engine.path import session_judge
from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.topology import Topology
from kostack_lab.lab import Lab
from kostack_lab.lab_snapshot import lab_snapshot

pytestmark = pytest.mark.lab

TIMEOUT = 1.5
SG = "k8s-nodes-bgp"

# a BGP speaker's packet pattern on both families: one TCP connection to port 179
LISTEN = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET6)\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n"
    "s.bind(('::', 179)); s.listen(8)\n"
    "print('ready', flush=True)\n"
    "while True:\n"
    "    c, _ = s.accept(); c.sendall(b'open'); c.close()\n"
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    yield from module_lab("dualstack-fixed", tmp_path_factory.mktemp("bgp6") / "state")


def _rule(n: int, direction: str, ethertype: str, **more: Any) -> dict[str, Any]:
    return {"id": f"{SG}-{n}", "direction": direction, "ethertype": ethertype, **more}


def _nodes_group(lab: Lab, *ethertypes: str) -> None:
    """Every node port in `k8s-nodes-bgp` alone: egress open, TCP 179 in from the group in
    ``ethertypes``."""
    ports, groups = lab.port_description()
    rules = [_rule(0, "egress", "IPv4"), _rule(1, "egress", "IPv6")]
    rules += [
        _rule(2 + i, "ingress", e, protocol="tcp", port_range_min=179, port_range_max=179)
        | {"remote_group_id": SG}
        for i, e in enumerate(ethertypes)
    ]
    group = {"id": SG, "name": "k8s-nodes", "stateful": True, "security_group_rules": rules}
    for port in ports:
        if port["device_owner"].startswith("compute:"):
            port["security_groups"] = [SG]
            port["revision_number"] += 1
    others = [g for g in groups if g["id"] != SG]
    assert apply_port_description(lab, ports, [*others, group]).changed


def _judged(lab: Lab, src: str, dst: str, version: int) -> Hop | None:
    """The engine's judgement of a TCP 179 session src -> dst over ``version`` on the lab's
    snapshot."""
    topo = Topology(lab_snapshot(lab))
    return session_judge(topo)(topo.node_views[src], topo.node_views[dst], version)


def test_tcp_179_over_ipv6_is_dropped_by_an_ipv4_only_rule_until_the_ipv6_rule(lab: Lab) -> None:
    _nodes_group(lab, "IPv4")
    server, client = lab.topology.nodes[0], lab.topology.nodes[1]
    assert server.ip6 and client.ip6
    with speaking(server.netns, LISTEN):

        def session(address: str) -> str:
            argv = [sys.executable, "-I", "-c", CONNECT, address, str(TIMEOUT)]
            return lab.exec_in(client.netns, argv).stdout.strip()

        assert session(server.ip) == "open"  # BIRD's IPv4 session comes up
        assert _judged(lab, client.name, server.name, 4) is None
        before = lab.counters()[server.name].ingress_drops
        assert session(server.ip6) == "TimeoutError"  # BIRD6's SYN never reaches the speaker
        assert lab.counters()[server.name].ingress_drops > before
        dropped = _judged(lab, client.name, server.name, 6)
        assert dropped is not None and dropped.step == "sg-ingress"
        assert dropped.disposition == Disposition.DENIED
        assert f"{client.ip6} -> {server.ip6} tcp:179" in str(dropped.detail)

        _nodes_group(lab, "IPv4", "IPv6")  # what net-sg-bgp proposes: --ethertype IPv6
        assert session(server.ip6) == "open"
        assert _judged(lab, client.name, server.name, 6) is None
