"""Benchmark: reading Neutron for 200 nodes, kostack's way against one port listing per node.

Starts its own real Neutron (the harness), seeds the seed incident's topology
with 200 node ports, puts the counting fault proxy in front and measures:

- ``collect``: ``collect_openstack`` (what ``kostack collect`` runs): one GET
  per listing, router interfaces from the same port listing;
- ``naive``: what operators script by hand (and Kubespray's docs show): the
  same listings once, but the ports one node at a time, ``GET
  /v2.0/ports?device_id=<server>`` per node, which is what ``openstack port
  list --server X`` sends (here through the SDK in one process, so the baseline
  is kinder than a CLI process per node).

Requests are counted by the proxy (each run opens a fresh connection, so the
SDK's version-discovery GET counts); collect's time is the median of three
runs after a warm-up, the naive loop runs once. The last line is::

    collect: nodes=200 requests=.. naive_requests=.. speedup=..

Targets: requests constant in the node count (also measured at 4 nodes) and
at most 10 at 200 nodes; speedup at least 10x. Exit status 0 when both hold.
Run: .venv/bin/python benchmarks/collect_requests.py
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

NODES = 200
SMALL = 4
RUNS = 3


def timed(fn: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    warnings.simplefilter("ignore")  # the SDK's deprecation chatter is not the benchmark's
    from kostack.collect.openstack import collect_openstack
    from kostack.lab.neutron import openstack_connection
    from kostack.lab.neutron_seed import seed_topology
    from kostack.lab.seed import node_names
    from kostack_testkit.faultproxy import FaultProxy
    from kostack_testkit.neutron_harness import NeutronHarness

    with NeutronHarness() as harness:
        endpoint = harness.endpoint
        with FaultProxy(endpoint) as proxy:

            def collect() -> None:
                # A fresh connection each time, as `kostack collect` makes one:
                # its version-discovery GET is counted too.
                conn = openstack_connection(proxy.endpoint)
                record, gaps = collect_openstack(conn, project_scope=None)
                assert not gaps and record.ports is not None

            seed_topology(endpoint, SMALL)
            collect()  # warm-up: imports, Neutron's first-request caches
            proxy.reset_counts()
            collect()
            small_requests = proxy.count()
            print(f"collect: nodes={SMALL} requests={small_requests}")

            harness.reset()
            started = time.perf_counter()
            ids = seed_topology(endpoint, NODES)
            print(f"seed: nodes={NODES} seconds={time.perf_counter() - started:.1f}")
            devices = [ids.device_ids[name] for name in node_names(NODES)]

            def naive() -> None:
                net = openstack_connection(proxy.endpoint).network
                list(net.extensions())
                list(net.networks())
                list(net.subnets())
                list(net.routers())
                list(net.security_groups())
                found = [list(net.ports(device_id=device)) for device in devices]
                assert all(len(ports) == 1 for ports in found)

            collect()  # warm-up at this size
            proxy.reset_counts()
            collect_s = statistics.median(timed(collect, RUNS))
            requests = proxy.count() // RUNS
            port_gets = proxy.count("GET", r"^/v2\.0/ports$") // RUNS
            print(
                f"collect: nodes={NODES} requests={requests} port_gets={port_gets} "
                f"seconds={collect_s:.3f}"
            )

            proxy.reset_counts()
            (naive_s,) = timed(naive, 1)
            naive_requests = proxy.count()
            print(f"naive: nodes={NODES} requests={naive_requests} seconds={naive_s:.3f}")

    speedup = naive_s / collect_s
    ok = requests == small_requests and requests <= 10 and speedup >= 10
    print(
        f"collect: nodes={NODES} requests={requests} naive_requests={naive_requests} "
        f"speedup={speedup:.1f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
