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
runs after a warm-up, the naive loop runs once.

Then the way in: a real Octavia (the test harness, kostack_testkit.octavia_harness)
against the same Neutron, with OCCM-style load balancers (listener, pool,
TCP monitor, 3 members each: members per pool do not change kostack's
request count) and a floating IP on each VIP. Measured through a second
counting proxy in front of Octavia, for LBS_SMALL and LBS load balancers all
healthy, then with UNHEALTHY pools reported DEGRADED (each such pool costs one
member listing: Octavia has no listing of members across pools), and the
naive way (`openstack loadbalancer status show` and a member listing per
load balancer). The last line is::

    collect: nodes=200 requests=.. naive_requests=.. speedup=.. lbs=50 requests=.. ...

Targets: Neutron requests constant in the node count (also measured at 4
nodes) and at most 10 at 200 nodes; speedup at least 10x; requests the same
for LBS_SMALL and LBS healthy load balancers; exactly UNHEALTHY more with
UNHEALTHY degraded pools. Exit status 0 when all hold.
Run: .venv/bin/python benchmarks/collect_requests.py  (--no-lb: Neutron only)
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
LBS_SMALL = 5
LBS = 50
UNHEALTHY = 5
MEMBERS = 3


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
    from kostack_lab.neutron import openstack_connection
    from kostack_lab.neutron_seed import seed_topology
    from kostack_lab.seed import node_names
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

            lb_line, lb_ok = ("", True) if "--no-lb" in sys.argv else way_in(harness, ids)

    speedup = naive_s / collect_s
    ok = requests == small_requests and requests <= 10 and speedup >= 10 and lb_ok
    print(
        f"collect: nodes={NODES} requests={requests} naive_requests={naive_requests} "
        f"speedup={speedup:.1f}{lb_line}"
    )
    return 0 if ok else 1


def way_in(harness: Any, ids: Any) -> tuple[str, bool]:
    """Octavia's part: constant in the load balancer count, +1 per unhealthy pool.

    Long because it seeds, measures three states and the naive way in one run.
    """
    import openstack

    from kostack.collect.octavia import collect_octavia
    from kostack.collect.openstack import collect_openstack
    from kostack_testkit.faultproxy import FaultProxy
    from kostack_testkit.octavia_harness import OctaviaHarness

    with (
        OctaviaHarness(neutron_endpoint=harness.endpoint) as octavia,
        FaultProxy(harness.endpoint) as nproxy,
        FaultProxy(octavia.endpoint) as oproxy,
    ):
        seeder = openstack.connection.Connection(
            auth_type="none",
            auth={"endpoint": harness.endpoint},
            network_endpoint_override=harness.endpoint,
            load_balancer_endpoint_override=octavia.endpoint,
        )
        nodes = [(n.name, n.ip_address) for n in ids.nodes[1 : 1 + MEMBERS]]

        def seed_lbs(first: int, last: int) -> list[Any]:
            made = []
            for k in range(first, last):
                made.append(_occm_lb(seeder, ids, nodes, k))
            octavia.settle()
            for lb in made:
                seeder.network.create_ip(
                    floating_network_id=ids.public_network_id, port_id=lb.vip_port_id
                )
            return made

        def measured() -> tuple[int, int, int]:
            conn = openstack.connection.Connection(
                auth_type="none",
                auth={"endpoint": nproxy.endpoint},
                network_endpoint_override=nproxy.endpoint,
                load_balancer_endpoint_override=oproxy.endpoint,
            )
            nproxy.reset_counts()
            oproxy.reset_counts()
            record, _ = collect_openstack(conn, project_scope=None)
            result = collect_octavia(conn, project_scope=None)
            assert result.load_balancers is not None and record.ports is not None
            conn.close()
            return nproxy.count(), oproxy.count(), result.member_requests

        started = time.perf_counter()
        lbs = seed_lbs(0, LBS_SMALL)
        measured()  # warm-up
        small = measured()
        lbs += seed_lbs(LBS_SMALL, LBS)
        print(f"seed: lbs={LBS} members={MEMBERS} seconds={time.perf_counter() - started:.1f}")
        measured()
        big = measured()
        collect_s = statistics.median(timed(measured, RUNS))
        for lb in lbs[:UNHEALTHY]:
            pool = next(iter(seeder.load_balancer.pools(loadbalancer_id=lb.id)))
            member = next(iter(seeder.load_balancer.members(pool.id)))
            octavia.report(
                {
                    "members": [{"id": member.id, "operating_status": "ERROR"}],
                    "pools": [{"id": pool.id, "operating_status": "DEGRADED"}],
                    "loadbalancers": [{"id": lb.id, "operating_status": "DEGRADED"}],
                }
            )
        degraded = measured()

        def naive() -> None:
            # what operators script: every load balancer's status tree and pools' members
            conn = openstack.connection.Connection(
                auth_type="none",
                auth={"endpoint": nproxy.endpoint},
                network_endpoint_override=nproxy.endpoint,
                load_balancer_endpoint_override=oproxy.endpoint,
            )
            for lb in conn.load_balancer.load_balancers():
                conn.load_balancer.get(f"/lbaas/loadbalancers/{lb.id}/status")
                for pool in conn.load_balancer.pools(loadbalancer_id=lb.id):
                    list(conn.load_balancer.members(pool.id))
            list(conn.network.ips())
            conn.close()

        oproxy.reset_counts()
        (naive_s,) = timed(naive, 1)
        naive_lb = oproxy.count()
    for label, (n, o, m) in (
        (f"lbs={LBS_SMALL}", small),
        (f"lbs={LBS}", big),
        (f"lbs={LBS} unhealthy_pools={UNHEALTHY}", degraded),
    ):
        print(
            f"collect: nodes={NODES} {label} requests={n + o} neutron={n} octavia={o} member_gets={m}"
        )
    print(f"naive: lbs={LBS} octavia_requests={naive_lb} seconds={naive_s:.3f}")
    total = big[0] + big[1]
    ok = small == big and degraded[1] == big[1] + UNHEALTHY
    line = (
        f" lbs={LBS} requests={total} octavia={big[1]} lb_seconds={collect_s:.3f} "
        f"unhealthy_pools={UNHEALTHY}:+{degraded[1] - big[1]} naive_lb_requests={naive_lb}"
    )
    return line, ok


def _occm_lb(conn: Any, ids: Any, nodes: list[tuple[str, Any]], k: int) -> Any:
    """One load balancer as OCCM creates it (testkit/kostack_testkit/occm.py has the details)."""
    name = f"kube_service_kubernetes_bench_svc{k}"
    pool = {
        "name": f"pool_0_{name}",
        "protocol": "TCP",
        "lb_algorithm": "ROUND_ROBIN",
        "members": [
            {"name": n, "address": str(ip), "protocol_port": 30000 + k, "subnet_id": ids.subnet_id}
            for n, ip in nodes
        ],
        "healthmonitor": {
            "name": f"monitor_0_{name}",
            "type": "TCP",
            "delay": 5,
            "timeout": 3,
            "max_retries": 1,
            "max_retries_down": 3,
        },
    }
    return conn.load_balancer.create_load_balancer(
        name=name,
        description=f"Kubernetes external service bench/svc{k} from cluster kubernetes",
        tags=[name],
        vip_subnet_id=ids.subnet_id,
        listeners=[
            {
                "name": f"listener_0_{name}",
                "protocol": "TCP",
                "protocol_port": 80,
                "connection_limit": -1,
                "tags": [name],
                "default_pool": pool,
            }
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
