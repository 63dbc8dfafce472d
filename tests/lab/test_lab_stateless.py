"""Stateless security groups in the lab's data plane, driven by the real Neutron: the reply
of a connection meets the rules like any packet (docs/facts.md "Stateless security groups")."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kostack.analyze.engine.path import session_judge
from kostack.analyze.engine.types import Disposition, Hop
from kostack.analyze.topology import Topology
from kostack_lab.lab import Lab
from kostack_lab.lab_snapshot import lab_snapshot
from kostack_lab.neutron import openstack_connection

pytestmark = [pytest.mark.lab, pytest.mark.neutron]

TIMEOUT = 1.5
CLUSTER = ("10.244.0.0/16", "10.0.0.0/24")  # the seed's pods and nodes


def test_a_stateless_group_drops_replies_until_the_ephemeral_ports_are_admitted(
    lab: Lab, seeded_neutron: Any
) -> None:
    endpoint, ids = seeded_neutron.endpoint, seeded_neutron.ids
    lab.up("seed", neutron_endpoint=endpoint)
    network = openstack_connection(endpoint).network
    for node in ids.nodes:  # the seed's own fix: pairs for the pod CIDR
        network.update_port(node.port_id, allowed_address_pairs=[{"ip_address": CLUSTER[0]}])
    assert lab.sync().changed
    assert lab.probe_round(timeout=TIMEOUT)["egress_http"].ok  # stateful: the reply passes

    # the same cluster on a stateless group admitting everything from inside the cluster:
    # the web server outside answers, and its reply is dropped at the client's port
    sg = network.create_security_group(name="nodes-stateless", stateful=False)
    for prefix in CLUSTER:
        network.create_security_group_rule(
            security_group_id=sg.id, direction="ingress", remote_ip_prefix=prefix
        )
    for node in ids.nodes:
        network.update_port(node.port_id, security_group_ids=[sg.id])
    assert lab.sync().changed
    probes = lab.probe_round(timeout=TIMEOUT)
    assert not probes["egress_http"].ok
    assert "meta mark 0x1 jump sg_in_" in lab.paths.portsec_nft.read_text()
    assert probes["pod_to_pod"].ok and probes["dns"].ok  # inside the cluster: admitted
    assert lab.counters()["k8s-w-1"].ingress_drops > 0

    for proto in ("tcp", "udp"):  # what net-sg-stateless proposes for replies from outside
        network.create_security_group_rule(
            security_group_id=sg.id,
            direction="ingress",
            protocol=proto,
            port_range_min=32768,
            port_range_max=60999,
            remote_ip_prefix="0.0.0.0/0",
        )
    assert lab.sync().changed
    assert lab.probe_round(timeout=TIMEOUT)["egress_http"].ok


# a BGP speaker's packet pattern: one TCP connection to port 179 (path.py `session_judge`)
LISTEN = (
    "import socket, sys\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('0.0.0.0', 179)); s.listen(8)\n"
    "print('ready', flush=True)\n"
    "while True:\n"
    "    c, _ = s.accept(); c.sendall(b'open'); c.close()\n"
)
CONNECT = (
    "import socket, sys\n"
    "try:\n"
    "    c = socket.create_connection((sys.argv[1], 179), timeout=float(sys.argv[2]))\n"
    "    print(c.recv(4).decode())\n"
    "except OSError as e:\n"
    "    print(type(e).__name__)\n"
)


@contextmanager
def speaking(netns: str, listen: str = LISTEN) -> Iterator[None]:
    """A BGP speaker listening on port 179 in ``netns`` while inside (ready when entered)."""
    speaker = subprocess.Popen(
        ["ip", "netns", "exec", netns, sys.executable, "-I", "-c", listen],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert speaker.stdout is not None and speaker.stdout.readline().strip() == "ready"
        yield
    finally:
        speaker.kill()
        speaker.wait()


def test_a_bgp_session_under_a_stateless_group_needs_its_replies_admitted(
    lab: Lab, seeded_neutron: Any
) -> None:
    """TCP 179 admitted from the nodes' group on a stateless group: the SYN reaches the
    speaker, its SYN-ACK to the client's ephemeral port is dropped, no session; with the rule
    net-sg-bgp proposes (ingress TCP 32768:60999 from the group) the session comes up."""
    endpoint, ids = seeded_neutron.endpoint, seeded_neutron.ids
    lab.up("seed", neutron_endpoint=endpoint)
    network = openstack_connection(endpoint).network
    sg = network.create_security_group(name="nodes-bgp-stateless", stateful=False)
    network.create_security_group_rule(
        security_group_id=sg.id,
        direction="ingress",
        protocol="tcp",
        port_range_min=179,
        port_range_max=179,
        remote_group_id=sg.id,
    )
    for node in ids.nodes:
        network.update_port(node.port_id, security_group_ids=[sg.id])
    assert lab.sync().changed
    server, client = lab.topology.nodes[0], lab.topology.nodes[1]
    with speaking(server.netns):

        def session() -> str:
            argv = [sys.executable, "-I", "-c", CONNECT, server.ip, str(TIMEOUT)]
            return lab.exec_in(client.netns, argv).stdout.strip()

        before = lab.counters()[client.name].ingress_drops
        assert session() == "TimeoutError"  # the SYN passed; its SYN-ACK did not come back
        assert lab.counters()[client.name].ingress_drops > before
        dropped = judged(lab, client.name, server.name)
        assert dropped is not None and dropped.step == "reply-sg-source-ingress"
        assert dropped.disposition == Disposition.DENIED

        network.create_security_group_rule(
            security_group_id=sg.id,
            direction="ingress",
            protocol="tcp",
            port_range_min=32768,
            port_range_max=60999,
            remote_group_id=sg.id,
        )
        assert lab.sync().changed
        assert session() == "open"
        assert judged(lab, client.name, server.name) is None


def judged(lab: Lab, src: str, dst: str) -> Hop | None:
    """The engine's judgement of a TCP 179 session src -> dst on the lab's snapshot, read as
    ML2/OVN (the lab enforces stateless groups as the iptables driver does; the seed's
    ML2/OVS backend would leave a drop UNKNOWN, naming the firewall driver)."""
    snap = lab_snapshot(lab)
    assert snap.openstack is not None
    ovn = snap.openstack.model_copy(update={"backend": "ml2/ovn"})
    topo = Topology(snap.model_copy(update={"openstack": ovn}))
    return session_judge(topo)(topo.node_views[src], topo.node_views[dst], 4)
