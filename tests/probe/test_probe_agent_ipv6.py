"""The probe agent over IPv6, for real: three network namespaces, a router with a smaller MTU.

    ks-<lab>-6a (client)  fd00:a::2/64 --mtu 1500-- fd00:a::1  ks-<lab>-6r (router)
                          fd00:b::1 --mtu 1400-- fd00:b::2/64   ks-<lab>-6b (server)

The server runs the agent's own echo server (``--serve``) and the lab's DNS
server (A and AAAA answers). DAD is off in every namespace (``nodad`` and
``accept_dad=0`` there only), so no address waits. Needs root: it fails, never
skips, when run as root without the tools.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from probe_testing import assert_nothing_left, lab_name

from kostack.probe.results import AGENT_PATH, parse_agent_output
from kostack_lab import netns

CLIENT = "fd00:a::2"
SERVER = "fd00:b::2"
NAME = "kubernetes.default.svc.cluster.local"


def _names() -> tuple[str, str, str]:
    prefix = f"ks-{lab_name()}-6"
    return prefix + "a", prefix + "r", prefix + "b"


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    # Polls for the ready file the server writes once bound (not a sleep as synchronisation:
    # it ends at the event, bounded).
    deadline = time.monotonic() + 20
    while not path.exists():
        assert process.poll() is None, "server exited"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)


@pytest.fixture
def ipv6_path(root_only: None, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(client namespace, server namespace), the server's listeners up."""
    client, router, server = names = _names()
    processes: list[subprocess.Popen[str]] = []
    netns.add_namespaces(list(names))
    try:
        for name in names:
            netns.set_sysctls(
                name,
                {
                    "net.ipv6.conf.all.accept_dad": 0,
                    "net.ipv6.conf.default.accept_dad": 0,
                    "net.ipv6.conf.all.disable_ipv6": 0,
                },
            )
        netns.set_sysctls(router, {"net.ipv6.conf.all.forwarding": 1})
        netns.run(
            [
                "ip",
                "link",
                "add",
                "ks6a",
                "netns",
                client,
                "type",
                "veth",
                "peer",
                "name",
                "ks6ra",
                "netns",
                router,
            ]
        )
        netns.run(
            [
                "ip",
                "link",
                "add",
                "ks6b",
                "netns",
                server,
                "type",
                "veth",
                "peer",
                "name",
                "ks6rb",
                "netns",
                router,
            ]
        )
        netns.ip_batch(
            client,
            [
                "link set lo up",
                "link set ks6a up",
                f"addr add {CLIENT}/64 dev ks6a nodad",
                "route add default via fd00:a::1",
            ],
        )
        netns.ip_batch(
            router,
            [
                "link set lo up",
                "link set ks6ra up",
                "link set ks6rb mtu 1400",
                "link set ks6rb up",
                "addr add fd00:a::1/64 dev ks6ra nodad",
                "addr add fd00:b::1/64 dev ks6rb nodad",
            ],
        )
        netns.ip_batch(
            server,
            [
                "link set lo up",
                "link set ks6b mtu 1400",
                "link set ks6b up",
                f"addr add {SERVER}/64 dev ks6b nodad",
                "route add default via fd00:b::1",
            ],
        )
        echo = subprocess.Popen(
            netns.exec_argv(
                server,
                [
                    sys.executable,
                    "-I",
                    "-B",
                    str(AGENT_PATH),
                    "--serve",
                    "8080",
                    "--serve-seconds",
                    "120",
                ],
            ),
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(echo)
        assert echo.stdout is not None
        assert json.loads(echo.stdout.readline())["serving"] == 8080
        ready = tmp_path / "dns.ready"
        dns = subprocess.Popen(
            netns.exec_argv(
                server,
                [
                    sys.executable,
                    "-m",
                    "kostack_lab.servers",
                    "--lab-tag",
                    f"ks-{lab_name()}-6",
                    "--ready-file",
                    str(ready),
                    "--dns",
                    "53",
                    "--dns-record",
                    f"{NAME}=10.96.0.1",
                    "--dns-record",
                    f"{NAME}=fd00:10:96::1",
                ],
            ),
            text=True,
        )
        processes.append(dns)
        _wait_for(ready, dns)
        yield client, server
    finally:
        for process in processes:
            process.kill()
            process.wait(10)
        netns.delete_namespaces(list(names))
    assert_nothing_left(lab_name())


def _run(client: str, probes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    plan = {"timeout": 2.0, "probes": probes}
    done = netns.exec_in(
        client, [sys.executable, "-I", "-S", "-B", str(AGENT_PATH), json.dumps(plan)], timeout=60
    )
    output = parse_agent_output(done.stdout)
    assert output.summary is not None and output.summary["source_ip"] == CLIENT, done.stdout
    return {r["id"]: r for r in output.results}


def test_every_kind_over_ipv6(ipv6_path: tuple[str, str]) -> None:
    client, _server = ipv6_path
    results = _run(
        client,
        [
            {"id": "ping", "kind": "icmp", "host": SERVER},
            {"id": "ping-none", "kind": "icmp", "host": "fd00:b::99", "timeout": 1.0},
            {"id": "tcp", "kind": "tcp", "host": SERVER, "port": 8080},
            {"id": "refused", "kind": "tcp", "host": SERVER, "port": 9},
            {"id": "http", "kind": "http", "host": SERVER, "port": 8080, "path": "/x"},
            {
                "id": "transfer",
                "kind": "transfer",
                "host": SERVER,
                "port": 8080,
                "sizes": [1 << 20],
            },
            {
                "id": "aaaa",
                "kind": "dns",
                "host": SERVER,
                "name": NAME,
                "record": "AAAA",
                "expect": "fd00:10:96:0::1",
            },
            {
                "id": "aaaa-tcp",
                "kind": "dns",
                "host": SERVER,
                "name": NAME,
                "record": "AAAA",
                "transport": "tcp",
            },
            {"id": "a-over-v6", "kind": "dns", "host": SERVER, "name": NAME, "expect": "10.96.0.1"},
        ],
    )
    assert {r["family"] for r in results.values()} == {6}
    assert results["ping"]["verdict"] == "pass", results["ping"]
    assert results["ping"]["extra"]["socket"] == "raw"
    # No neighbour answers for fd00:b::99: the router says address unreachable or nothing comes.
    assert results["ping-none"]["verdict"] == "fail", results["ping-none"]
    assert results["tcp"]["verdict"] == "pass" and results["tcp"]["target"] == f"[{SERVER}]:8080"
    assert results["refused"]["verdict"] == "fail" and "refused" in results["refused"]["detail"]
    assert results["http"]["verdict"] == "pass" and results["http"]["detail"] == "HTTP 200"
    assert results["transfer"]["verdict"] == "pass", results["transfer"]
    assert results["aaaa"]["verdict"] == "pass", results["aaaa"]
    assert results["aaaa"]["detail"] == f"{NAME} AAAA -> fd00:10:96::1 over UDP"
    assert results["aaaa-tcp"]["extra"]["addresses"] == ["fd00:10:96::1"]
    assert results["a-over-v6"]["verdict"] == "pass"
    assert results["a-over-v6"]["detail"] == f"{NAME} -> 10.96.0.1 over UDP"


def test_ipv6_mtu_finds_the_smaller_hop(ipv6_path: tuple[str, str]) -> None:
    """IPv6 routers never fragment: 1450 and 1500 get "packet too big" from the 1400 hop."""
    client, _server = ipv6_path
    results = _run(
        client,
        [
            {
                "id": "mtu",
                "kind": "mtu",
                "host": SERVER,
                "sizes": [1280, 1400, 1450, 1500],
                "expect": 1500,
            },
        ],
    )
    mtu = results["mtu"]
    assert mtu["verdict"] == "fail", mtu
    assert mtu["extra"]["largest_ok"] == 1400
    assert mtu["extra"]["sizes"]["1280"] == mtu["extra"]["sizes"]["1400"] == "ok"
    assert mtu["extra"]["sizes"]["1450"] in ("too-big", "local")
    assert "unfragmented" in mtu["detail"] and "packet too big (MTU 1400)" in mtu["detail"]
    again = _run(
        client, [{"id": "mtu", "kind": "mtu", "host": SERVER, "sizes": [1400], "expect": 1400}]
    )
    assert again["mtu"]["verdict"] == "pass", again
