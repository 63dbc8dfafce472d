"""Benchmark: building the probe plan at 5,000 nodes, dual stack against single stack.

The cluster is the diagnose benchmark's (`synthetic_doc(N, groups=100, rules=10_000,
pods_per_node=30)`) with its nodes spread over /28 subnets (16 addresses each: about
315 subnets at 5,000 nodes), so the engine tells ~315 node classes apart and the plan
has O(classes) class-pair probes, not the handful of a uniform cluster; the dual-stack
twin is the same cluster through `kostack_testkit.dualstack.make_dual_stack` (an IPv6
address, block and pod address per node, so every class pair is probed over IPv6 too).
Each build runs in a child process on the loaded snapshot and is timed in CPU seconds
(the machine is shared; wall time says more about the others). `kostack diagnose` of the
dual-stack snapshot is timed the same way, for scale. It prints

    probe-plan: nodes=5000 classes=.. single_s=.. dual_s=.. ratio=.. probes_single=.. probes_dual=..
    diagnose (dual stack, same snapshot): diagnose_s=.. plan/diagnose=..

Targets: ratio (dual / single) <= 1.5, and dual_s at most a fifth of diagnose_s.

Differential check (the plan's content must not change with speed work): write every
plan of a set of snapshots (every example, the uniform and the many-subnet clusters,
single and dual stack, at a few sizes) with every field and message in both languages:

    .venv/bin/python benchmarks/probe_plan_scale.py --dump /tmp/before   (old commit)
    .venv/bin/python benchmarks/probe_plan_scale.py --dump /tmp/after    (new one)
    diff -r /tmp/before /tmp/after && echo identical

Run: .venv/bin/python benchmarks/probe_plan_scale.py [--nodes N] [--no-diagnose]
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Doc = dict[str, Any]


def many_subnets_doc(nodes: int, *, dual: bool, prefix: int = 28) -> Doc:
    """The benchmark cluster with node i in the /``prefix`` holding its address."""
    from kostack_testkit.builders import fake_id, synthetic_doc
    from kostack_testkit.dualstack import make_dual_stack

    doc = synthetic_doc(nodes, groups=100, rules=10_000, pods_per_node=30)
    os_ = doc["openstack"]
    base = os_["subnets"][0]
    subnets: dict[ipaddress.IPv4Network, Doc] = {}
    for port in os_["ports"]:
        ip = ipaddress.ip_address(port["fixed_ips"][0]["ip_address"])
        net = ipaddress.IPv4Network(f"{ip}/{prefix}", strict=False)
        if net not in subnets:
            subnets[net] = {
                **base,
                "id": fake_id("subnet", str(net)),
                "name": f"nodes-{net.network_address}",
                "cidr": str(net),
                "gateway_ip": str(net.network_address + 1),
            }
        port["fixed_ips"][0]["subnet_id"] = subnets[net]["id"]
    base["cidr"] = "10.0.0.0/24"
    os_["subnets"] = [base, *subnets.values()]
    for router in os_["routers"]:
        router["interface_subnet_ids"] = [s["id"] for s in os_["subnets"]]
    if dual:
        make_dual_stack(doc)
    return doc


def _snapshot_text(kind: str, nodes: int) -> str:
    from kostack_testkit.builders import synthetic_doc
    from kostack_testkit.dualstack import synthetic_dual_stack_doc

    if kind.startswith("many"):
        return json.dumps(many_subnets_doc(nodes, dual=kind.endswith("dual")))
    if kind == "uniform-dual":
        return json.dumps(synthetic_dual_stack_doc(nodes))
    return json.dumps(synthetic_doc(nodes, groups=100, rules=10_000, pods_per_node=30))


def measure(path: str, what: str) -> dict[str, float]:
    """CPU seconds of one probe plan build (or one diagnose) of the snapshot at ``path``."""
    from kostack.model import load_snapshot

    snapshot = load_snapshot(path)
    t0 = time.process_time()
    if what == "diagnose":
        from kostack.analyze.diagnose import diagnose

        diagnose(snapshot)
        return {"seconds": time.process_time() - t0}
    from kostack.probe.plan import build_probe_plan

    plan = build_probe_plan(snapshot)
    return {
        "seconds": time.process_time() - t0,
        "probes": len(plan.probes),
        "classes": plan.class_count,
    }


def _child(path: Path, what: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(path), what],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def bench(nodes: int, with_diagnose: bool = True) -> bool:
    with tempfile.TemporaryDirectory(prefix="kostack-plan-") as tmp:
        single, dual = Path(tmp) / "single.json", Path(tmp) / "dual.json"
        single.write_text(_snapshot_text("many", nodes))
        dual.write_text(_snapshot_text("many-dual", nodes))
        s = _child(single, "plan")
        d = _child(dual, "plan")
        ratio = d["seconds"] / s["seconds"]
        print(
            f"probe-plan: nodes={nodes} classes={d['classes']:.0f} single_s={s['seconds']:.2f} "
            f"dual_s={d['seconds']:.2f} ratio={ratio:.2f} "
            f"probes_single={s['probes']:.0f} probes_dual={d['probes']:.0f}",
            flush=True,
        )
        ok = ratio <= 1.5
        if with_diagnose:
            diag = _child(dual, "diagnose")
            ok = ok and d["seconds"] * 5 <= diag["seconds"]
            print(
                f"diagnose (dual stack, same snapshot): diagnose_s={diag['seconds']:.2f} "
                f"plan/diagnose={d['seconds'] / diag['seconds']:.3f}"
            )
    targets = "dual/single<=1.5" + (" dual_s<=diagnose_s/5" if with_diagnose else "")
    print(f"targets: {targets} -> {'met' if ok else 'MISSED'}")
    return ok


# --------------------------------------------------------------------------- differential


def _plain(value: Any) -> Any:
    """A plan's value as JSON: messages in both languages, addresses as text."""
    from kostack.analyze.messages import Msg

    if isinstance(value, Msg):
        return {"en": str(value), "ko": value.render("ko")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def dump(folder: Path) -> None:
    """Every plan of the differential set, one JSON file per snapshot."""
    from kostack.model import loads_snapshot
    from kostack.probe.plan import build_probe_plan

    folder.mkdir(parents=True, exist_ok=True)
    texts = {p.stem: p.read_text() for p in sorted((ROOT / "examples").glob("*.json"))}
    for kind, sizes in (
        ("uniform", (3, 200)),
        ("uniform-dual", (3, 200)),
        ("many", (40, 400)),
        ("many-dual", (40, 400)),
    ):
        for n in sizes:
            texts[f"{kind}-{n}"] = _snapshot_text(kind, n)
    for name, text in texts.items():
        snapshot = loads_snapshot(text)
        plans = [
            build_probe_plan(snapshot),
            build_probe_plan(snapshot, icmp_clusterip=True, max_sources=3, seed=7),
        ]
        (folder / f"{name}.json").write_text(json.dumps(_plain(plans), indent=1) + "\n")
        print(f"{name}: {sum(len(p.probes) for p in plans)} probes")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--dump", metavar="DIR", help="write the differential set's plans")
    parser.add_argument(
        "--no-diagnose", action="store_true", help="skip timing diagnose (minutes at 5,000)"
    )
    parser.add_argument("--one", nargs=2, metavar=("FILE", "WHAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], args.one[1])))
        return 0
    if args.dump:
        dump(Path(args.dump))
        return 0
    return 0 if bench(args.nodes, not args.no_diagnose) else 1


if __name__ == "__main__":
    sys.exit(main())
