"""The kernel's answer to "which source port does a masquerade pick?" (engine/stateless.py
`masquerade_ports`, docs/facts.md "Stateless security groups").

Three namespaces of this test's own (client, a router that masquerades, server); the client
sends one UDP datagram from each of 200 fixed source ports in 40000-40199, and the server
says which source ports arrived. Plain MASQUERADE keeps them; `fully-random` (iptables'
--random-fully, what Calico's natOutgoing and flannel's ip-masq use) picks any port in
1024-65535, so a stateless group's reply rule for the ephemeral range 32768-60999 misses
many of them. A different range of client ports per rule keeps conntrack entries apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from lab_testing import assert_nothing_left, lab_name

from kostack.analyze.engine.stateless import EPHEMERAL, NAT_PORTS
from kostack_lab.netns import (
    add_namespaces,
    delete_namespaces,
    exec_argv,
    exec_in,
    ip_batch,
    load_nft,
    set_sysctls,
)

pytestmark = [pytest.mark.lab]
COUNT = 200

SERVER = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.2.2", 9999))
s.settimeout(10)
print("ready", flush=True)
for _ in range(int(sys.argv[1])):
    print(s.recvfrom(16)[1][1], flush=True)
"""
CLIENT = """
import socket, sys
for port in range(int(sys.argv[1]), int(sys.argv[1]) + int(sys.argv[2])):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.bind(("10.99.1.2", port))
    c.sendto(b"x", ("10.99.2.2", 9999))
    c.close()
"""


@pytest.fixture
def three() -> Iterator[tuple[str, str, str]]:
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root to create namespaces (CI runs as root)")
    name = lab_name()
    names = (f"ks-{name}-mc", f"ks-{name}-mr", f"ks-{name}-ms")
    add_namespaces(names)
    try:
        client, router, server = names
        ip_batch(client, ["link add mc0 type veth peer name mr0 netns " + router])
        ip_batch(router, ["link add mr1 type veth peer name ms0 netns " + server])
        ip_batch(
            client,
            ["addr add 10.99.1.2/24 dev mc0", "link set mc0 up", "route add default via 10.99.1.1"],
        )
        ip_batch(
            router,
            [
                "addr add 10.99.1.1/24 dev mr0",
                "addr add 10.99.2.1/24 dev mr1",
                "link set mr0 up",
                "link set mr1 up",
            ],
        )
        ip_batch(server, ["addr add 10.99.2.2/24 dev ms0", "link set ms0 up"])
        set_sysctls(router, {"net.ipv4.ip_forward": 1})
        yield names
    finally:
        delete_namespaces(names)
        assert_nothing_left(name)


def _ports_seen(names: tuple[str, str, str], masquerade: str, first: int) -> list[int]:
    client, router, server = names
    load_nft(
        router,
        "table ip ksmasq\ndelete table ip ksmasq\ntable ip ksmasq {\n chain post {\n"
        f'  type nat hook postrouting priority 100;\n  oifname "mr1" {masquerade}\n }}\n}}\n',
    )
    argv = exec_argv(server, [sys.executable, "-c", SERVER, str(COUNT)])
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"  # bound: the client may send
        exec_in(client, [sys.executable, "-c", CLIENT, str(first), str(COUNT)])
        ports = [int(line) for line in proc.stdout]
        assert proc.wait(timeout=15) == 0
    return ports


def test_plain_masquerade_keeps_the_source_port(three: tuple[str, str, str]) -> None:
    ports = _ports_seen(three, "masquerade", 40000)
    assert sorted(ports) == list(range(40000, 40000 + COUNT))


def test_fully_random_masquerade_picks_any_port_from_1024(three: tuple[str, str, str]) -> None:
    ports = _ports_seen(three, "masquerade fully-random", 41000)
    assert len(ports) == COUNT
    assert all(NAT_PORTS[0] <= p <= NAT_PORTS[1] for p in ports)
    outside = [p for p in ports if not EPHEMERAL[0] <= p <= EPHEMERAL[1]]
    # (65535-1024+1 - 28232) / 64512 = 56% of picks land outside 32768-60999; 200 picks with
    # fewer than 40 outside has a probability below 1e-60
    assert len(outside) >= 40, sorted(ports)
    assert any(p < EPHEMERAL[0] for p in ports) and any(p > EPHEMERAL[1] for p in ports)
