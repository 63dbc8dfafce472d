"""Benchmark: `kostack guard` at 200 nodes against the real Neutron and the Kubernetes API double.

Setup: the Neutron harness seeded with 200 node ports (the seed incident's
topology, subnet widened), all fixed by hand (a person's pairs: nothing for
guard to do), and the matching kubeadm + Calico cluster served by the API
double. Guard runs as `kostack guard --mode enforce` would (`run_guard`:
the Lease, the Node and IPAM block watches, the exporter) with
``--interval INTERVAL``, talking to Neutron through the fault proxy, which
counts every request.

- ``requests_per_pass``: Neutron requests of one steady-state pass (nothing
  to change), counted by the proxy between the end of one pass and the end
  of the next. The same pass at ``--small`` nodes must send exactly as many:
  the listing is one GET per collection, never one per node.
- ``naive_requests_per_pass``: what a controller that looks each node's port
  up on its own sends for the same check, measured through the same proxy:
  per node one ``GET /v2.0/ports?fixed_ips=ip_address=IP`` (as the OpenStack
  cloud controller's route controller finds a node's port, getPortByIP in
  kubernetes/cloud-provider-openstack@v1.36.0:pkg/openstack/routes.go) and
  one ``GET /v2.0/security-groups/ID`` per group of the port.
- ``join_to_fixed_s``: a node joins (its port without pairs, its Node, its
  Calico IPAM block); the seconds until its port has the pairs, read from
  Neutron every 50 ms. Guard is woken by the Node watch, so this is a pass,
  not an interval.

The last line is::

    guard: nodes=200 join_to_fixed_s=.. requests_per_pass=.. naive_requests_per_pass=..

Targets: requests_per_pass equal at both sizes (constant in the node count),
join_to_fixed_s within 2 intervals. Exit status 0 when both hold.
Run: .venv/bin/python benchmarks/guard_pass.py [--nodes 200] [--small 20] [--interval 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "guard"))


def status(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "/status", timeout=10) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def wait(what: str, probe: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def measure(harness: Any, nodes: int, interval: float, tmp: Path, join: bool) -> dict[str, float]:
    from guard_testing import seed_api, world  # type: ignore[import-not-found]  # tests/guard, on sys.path at run time

    from kostack.guard.loop import GuardSettings
    from kostack.guard.run import GuardConfig, run_guard
    from kostack_lab.neutron_seed import seed_topology
    from kostack_testkit.faultproxy import FaultProxy

    harness.reset()
    ids = seed_topology(harness.endpoint, nodes)
    out: dict[str, float] = {}
    with FaultProxy(harness.endpoint) as proxy, seed_api(nodes) as api:
        w = world(tmp, proxy.endpoint, harness.endpoint, ids, api)
        w.fix_by_hand()
        out["naive"] = naive_pass(w, proxy)
        served: list[Any] = []
        stop = threading.Event()
        config = GuardConfig(
            settings=GuardSettings(mode="enforce", interval=interval, jitter=0.0, settle_s=0.5),
            collect=w.options(timeout_s=30),
            listen=("127.0.0.1", 0),
            journal_dir=tmp / "journal",
            instance="bench",
            lease=("kostack", "kostack-guard"),
        )
        log = open(tmp / "guard.log", "w")  # noqa: SIM115  # closed below
        thread = threading.Thread(
            target=run_guard,
            args=(config,),
            kwargs={
                "stderr": log,
                "version": "bench",
                "stop": stop,
                "signals": False,
                "on_serving": served.append,
            },
            daemon=True,
        )
        thread.start()
        try:
            url = f"http://127.0.0.1:{wait('the server', lambda: served, 60)[0].port}"
            wait(
                "the first pass",
                lambda: (status(url)["last_pass"] or {}).get("result") == "clean",
                120,
            )
            first = status(url)["last_pass"]["pass"]
            proxy.reset_counts()

            def steady_pass() -> Any:
                last = status(url)["last_pass"]
                return last if last["pass"] == first + 1 else None

            steady = wait("a steady pass", steady_pass, 3 * interval + 60)
            assert steady["result"] == "clean", steady
            out["requests"] = proxy.count()
            out["requests_by_guard"] = steady["requests"]["openstack"]
            out["kubernetes"] = steady["requests"]["kubernetes"]
            out["pass_s"] = steady["seconds"]
            if join:
                started = time.monotonic()
                w.join("k8s-joined")
                wait("the joined node's pairs", lambda: w.pairs("k8s-joined"), 2 * interval + 60)
                out["join_to_fixed_s"] = time.monotonic() - started
        finally:
            stop.set()
            thread.join(timeout=30)
            log.close()
    return out


def naive_pass(w: Any, proxy: Any) -> float:
    """One check done node by node: each node's port by its IP, then each of the port's groups."""
    proxy.reset_counts()
    net = w.conn.network
    endpoint = w.endpoint.rstrip("/") + "/v2.0"
    import requests

    session = requests.Session()
    for spec in w.nodes:
        ports = session.get(
            f"{endpoint}/ports",
            params={"fixed_ips": f"ip_address={spec.internal_ip}", "network_id": w.ids.network_id},
            timeout=30,
        ).json()["ports"]
        for group_id in ports[0]["security_groups"]:
            session.get(f"{endpoint}/security-groups/{group_id}", timeout=30).raise_for_status()
    del net
    return float(proxy.count())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--interval", type=float, default=10.0)
    args = parser.parse_args()

    from kostack_testkit.neutron_harness import NeutronHarness

    with tempfile.TemporaryDirectory() as tmp, NeutronHarness() as harness:
        small_dir, large_dir = Path(tmp, "small"), Path(tmp, "large")
        small_dir.mkdir()
        large_dir.mkdir()
        small = measure(harness, args.small, args.interval, small_dir, join=False)
        large = measure(harness, args.nodes, args.interval, large_dir, join=True)
    print(
        f"nodes={args.small}: requests_per_pass={small['requests']:g} "
        f"(guard counted {small['requests_by_guard']:g}) kubernetes_requests={small['kubernetes']:g} "
        f"pass_s={small['pass_s']:.2f} naive_requests_per_pass={small['naive']:g}"
    )
    print(
        f"nodes={args.nodes}: requests_per_pass={large['requests']:g} "
        f"(guard counted {large['requests_by_guard']:g}) kubernetes_requests={large['kubernetes']:g} "
        f"pass_s={large['pass_s']:.2f} naive_requests_per_pass={large['naive']:g} "
        f"interval_s={args.interval:g}"
    )
    constant = small["requests"] == large["requests"]
    in_time = large["join_to_fixed_s"] <= 2 * args.interval
    print(
        f"constant in the node count: {'yes' if constant else 'NO'}; "
        f"join fixed within 2 intervals: {'yes' if in_time else 'NO'}"
    )
    print(
        f"guard: nodes={args.nodes} join_to_fixed_s={large['join_to_fixed_s']:.2f} "
        f"requests_per_pass={large['requests']:g} naive_requests_per_pass={large['naive']:g}"
    )
    return 0 if constant and in_time else 1


if __name__ == "__main__":
    sys.exit(main())
