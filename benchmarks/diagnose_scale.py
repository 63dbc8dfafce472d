"""Benchmark: diagnose at 500 and 5,000 nodes (issue: foundation, item 8; engine v2), and fix
plan against diagnose at 20,000 nodes (issue: safety first, item 4).

Each size runs in its own process so peak RSS is that size's own. Prints one
line per size, then the heterogeneous-groups line (every node in a security
group of its own, rules written differently and relevant to node and pod
traffic, some genuinely different; against the same cluster with one shared
group), the fix-plan line, the dual-stack line (the 5,000-node cluster with an
IPv6 address, block and pod address per node, both families judged), and, last,
the 5,000-node line with the 5,000/500 scaling:

    diagnose-hetero: nodes=5000 same_s=.. het_s=.. ratio=.. rss_mb=.. out_mb=.. classes=..
    fix-plan: nodes=20000 diagnose_s=.. plan_s=.. ratio=..
    diagnose-dualstack: nodes=5000 snapshot_mb=.. root_causes=.. load_s=.. analyze_s=.. ratio=.. rss_mb=..
    diagnose: nodes=5000 load_s=.. analyze_s=.. ratio=.. rss_mb=.. scaling=..

and, with --subnets N, the many-subnet line instead (kostack_testkit.subnets: 5,000 nodes
round-robin over N small subnets, so N node classes on each side of every flow family;
"mixed" adds four security-group sets within every subnet, pairs on two subnets in three
and a second router; "uniform" is the same 5,000 nodes on one subnet), each kind at 5,000
nodes and at 500 nodes on N/10 subnets (the same nodes per subnet):

    diagnose-subnets: nodes=5000 subnets=N uniform_s=.. subnets_s=.. mixed_s=.. ratio=.. mixed_ratio=.. rss_mb=.. scaling=..

Targets: ratio (analysis / JSON load) <= 2, rss_mb < 1024, scaling <= 12;
hetero: het_s/same_s <= 3, rss_mb < 1024, out_mb (the `-o json` answer) <= 20;
fix-plan ratio (`kostack fix plan` / `kostack diagnose`, both -o json on the
same snapshot file, CPU seconds of each command's own process) <= 1.6; dual stack: ratio <= 2,
rss_mb < 1024; subnets: ratio and mixed_ratio (CPU seconds of diagnose and its JSON answer
against the uniform case) <= 3, rss_mb < 1024, scaling (5,000 / 500 nodes, subnets) <= 12.

With --both-hetero N, the line for clusters whose groups differ on BOTH sides
(kostack_testkit.bothhetero: per-node stateless groups admitting replies from the next
node's /32; per-node egress sets for BGP), against the same cluster with one shared group:

    diagnose-both-hetero: kind=.. nodes=N s=.. same_s=.. ratio=.. rss_mb=.. traces=..

Targets: ratio <= 3, rss_mb < 1024.
Run: .venv/bin/python benchmarks/diagnose_scale.py
     .venv/bin/python benchmarks/diagnose_scale.py --both-hetero 1000 (only those lines)
     .venv/bin/python benchmarks/diagnose_scale.py --fix-plan 20000   (only that line)
     .venv/bin/python benchmarks/diagnose_scale.py --dual-stack 5000  (only that line)
     .venv/bin/python benchmarks/diagnose_scale.py --subnets 300      (only that line)
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def measure(nodes: int, dual_stack: bool = False) -> dict[str, float]:
    from kostack.analyze.diagnose import diagnose
    from kostack.model import loads_snapshot
    from kostack_testkit.builders import synthetic_doc
    from kostack_testkit.dualstack import synthetic_dual_stack_doc

    doc = (
        synthetic_dual_stack_doc(nodes)
        if dual_stack
        else synthetic_doc(nodes, groups=100, rules=10_000, pods_per_node=30)
    )
    text = json.dumps(doc)
    t0 = time.perf_counter()
    snapshot = loads_snapshot(text)
    t1 = time.perf_counter()
    result = diagnose(snapshot)
    t2 = time.perf_counter()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "nodes": nodes,
        "load_s": t1 - t0,
        "analyze_s": t2 - t1,
        "rss_mb": rss_mb,
        "root_causes": len(result.root_causes),
        "classes": result.node_classes,
        "bytes": len(text),
    }


def measure_hetero(nodes: int, heterogeneous: bool) -> dict[str, float]:
    """`kostack diagnose -o json` on a loaded snapshot: analysis and the JSON answer."""
    from kostack.analyze.diagnose import diagnose
    from kostack.model import loads_snapshot
    from kostack.report.jsonout import diagnosis_dict, dumps
    from kostack_testkit.builders import hetero_doc

    snapshot = loads_snapshot(json.dumps(hetero_doc(nodes, heterogeneous=heterogeneous)))
    # CPU seconds of this process: the machine is shared, wall time says more about the others
    t0 = time.process_time()
    result = diagnose(snapshot)
    answer = dumps(diagnosis_dict(result, "bench"))
    t1 = time.process_time()
    return {
        "seconds": t1 - t0,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "out_mb": len(answer.encode()) / 1e6,
        "classes": result.classes[1],
        "src_classes": result.classes[0],
        "traces": result.classes[2],
        "root_causes": len(result.root_causes),
        "groups": len(snapshot.openstack.security_groups or ()) if snapshot.openstack else 0,
    }


def hetero(nodes: int = 5000) -> bool:
    """Print the heterogeneous-groups line; True when its targets are met."""
    rows = {}
    for kind in ("same", "het"):
        out = subprocess.run(
            [sys.executable, __file__, "--hetero-one", kind, str(nodes)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows[kind] = json.loads(out.strip().splitlines()[-1])
    same, het = rows["same"], rows["het"]
    ratio = het["seconds"] / same["seconds"]
    ok = ratio <= 3 and het["rss_mb"] < 1024 and het["out_mb"] <= 20
    print(
        f"hetero: groups same={same['groups']} het={het['groups']} "
        f"target_classes same={same['classes']} het={het['classes']} "
        f"source_classes same={same['src_classes']} het={het['src_classes']} "
        f"traces same={same['traces']} het={het['traces']} "
        f"root_causes same={same['root_causes']} het={het['root_causes']}"
    )
    print(f"targets: het/same<=3 rss_mb<1024 out_mb<=20 -> {'met' if ok else 'MISSED'}")
    print(
        f"diagnose-hetero: nodes={nodes} same_s={same['seconds']:.2f} het_s={het['seconds']:.2f} "
        f"ratio={ratio:.2f} rss_mb={het['rss_mb']:.0f} out_mb={het['out_mb']:.1f} "
        f"classes={het['classes']}"
    )
    return bool(ok)


def measure_both(nodes: int, kind: str, heterogeneous: bool) -> dict[str, float]:
    """CPU seconds of diagnose and its JSON answer on a loaded both-sides-heterogeneous one."""
    from kostack.analyze.diagnose import diagnose
    from kostack.model import loads_snapshot
    from kostack.report.jsonout import diagnosis_dict, dumps
    from kostack_testkit.bothhetero import both_hetero_doc

    doc = both_hetero_doc(nodes, kind, heterogeneous=heterogeneous)
    snapshot = loads_snapshot(json.dumps(doc))
    t0 = time.process_time()
    result = diagnose(snapshot)
    dumps(diagnosis_dict(result, "bench"))
    return {
        "seconds": time.process_time() - t0,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "traces": result.classes[2],
    }


def both_line(nodes: int) -> bool:
    """Print a both-sides-heterogeneous line per kind; True when their targets are met."""
    from kostack_testkit.bothhetero import KINDS

    ok = True
    for kind in KINDS:
        rows = []
        for het in ("het", "same"):
            out = subprocess.run(
                [sys.executable, __file__, "--both-one", kind, het, str(nodes)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
        het_r, same = rows
        ratio = het_r["seconds"] / same["seconds"]
        met = ratio <= 3 and het_r["rss_mb"] < 1024
        ok = ok and met
        print(
            f"diagnose-both-hetero: kind={kind} nodes={nodes} s={het_r['seconds']:.2f} "
            f"same_s={same['seconds']:.2f} ratio={ratio:.2f} rss_mb={het_r['rss_mb']:.0f} "
            f"traces={het_r['traces']} same_traces={same['traces']} "
            f"-> {'met' if met else 'MISSED'}"
        )
    return ok


def measure_subnets(nodes: int, subnets: int, kind: str) -> dict[str, float]:
    """CPU seconds of diagnose and its JSON answer on a loaded many-subnet snapshot."""
    from kostack.analyze.diagnose import diagnose
    from kostack.model import loads_snapshot
    from kostack.report.jsonout import diagnosis_dict, dumps
    from kostack_testkit.builders import synthetic_doc
    from kostack_testkit.subnets import subnets_doc

    doc = (
        synthetic_doc(nodes, groups=3, rules=11, pods_per_node=30)
        if kind == "uniform"
        else subnets_doc(nodes, subnets, mixed=kind == "mixed")
    )
    snapshot = loads_snapshot(json.dumps(doc))
    t0 = time.process_time()
    result = diagnose(snapshot)
    dumps(diagnosis_dict(result, "bench"))
    t1 = time.process_time()
    return {
        "seconds": t1 - t0,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "classes": result.classes[1],
        "traces": result.classes[2],
    }


def subnets_line(subnets: int = 300, nodes: int = 5000) -> bool:
    """Print the many-subnet line; True when its targets are met."""
    rows: dict[tuple[str, int], dict[str, float]] = {}
    for kind in ("uniform", "subnets", "mixed"):
        for n, k in ((nodes // 10, max(1, subnets // 10)), (nodes, subnets)):
            out = subprocess.run(
                [sys.executable, __file__, "--subnets-one", kind, str(n), str(k)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            rows[(kind, n)] = json.loads(out.strip().splitlines()[-1])
            r = rows[(kind, n)]
            print(
                f"subnets-size: kind={kind} nodes={n} subnets={1 if kind == 'uniform' else k} "
                f"cpu_s={r['seconds']:.2f} rss_mb={r['rss_mb']:.0f} "
                f"target_classes={r['classes']} traces={r['traces']}"
            )
    uni, sub, mix = (rows[(k, nodes)] for k in ("uniform", "subnets", "mixed"))
    ratio, mixed_ratio = sub["seconds"] / uni["seconds"], mix["seconds"] / uni["seconds"]
    scaling = sub["seconds"] / rows[("subnets", nodes // 10)]["seconds"]
    rss = max(sub["rss_mb"], mix["rss_mb"])
    ok = ratio <= 3 and mixed_ratio <= 3 and rss < 1024 and scaling <= 12
    print(
        f"targets: ratio<=3 mixed_ratio<=3 rss_mb<1024 scaling<=12 -> {'met' if ok else 'MISSED'}"
    )
    print(
        f"diagnose-subnets: nodes={nodes} subnets={subnets} uniform_s={uni['seconds']:.2f} "
        f"subnets_s={sub['seconds']:.2f} mixed_s={mix['seconds']:.2f} ratio={ratio:.2f} "
        f"mixed_ratio={mixed_ratio:.2f} rss_mb={rss:.0f} scaling={scaling:.1f}"
    )
    return ok


def measure_fix_plan(nodes: int) -> dict[str, float]:
    """CPU seconds of `kostack diagnose -o json` and `kostack fix plan -o json` on one file.

    Each command runs in a process of its own, as a user runs it: CPU time
    (user + system, from start to exit) of that process, not wall time: the
    machine the benchmark runs on may be busy, and both commands are
    single-threaded. (Run one after the other in one process, fix plan also
    paid for collecting the garbage diagnose left: 3.7 s of 24.6 at 10,000
    nodes.)
    """
    import os
    import tempfile
    from pathlib import Path

    from kostack_testkit.builders import synthetic_doc

    def run(args: list[str]) -> tuple[float, int]:
        code = "import sys; from kostack.cli.main import entrypoint; sys.exit(entrypoint())"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            stdout=subprocess.DEVNULL,
            env={**os.environ, "LANG": "C"},
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return cpu, done.returncode

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.json"
        path.write_text(
            json.dumps(synthetic_doc(nodes, groups=100, rules=10_000, pods_per_node=30))
        )
        diagnose_s, diagnose_code = run(["diagnose", "--snapshot", str(path), "-o", "json"])
        plan_s, plan_code = run(["fix", "plan", "--snapshot", str(path), "-o", "json"])
    return {
        "nodes": nodes,
        "diagnose_s": diagnose_s,
        "plan_s": plan_s,
        "diagnose_exit": diagnose_code,
        "plan_exit": plan_code,
    }


def fix_plan_line(nodes: int = 20_000) -> bool:
    """Print `fix-plan: nodes=.. diagnose_s=.. plan_s=.. ratio=..`; True when ratio <= 1.6."""
    out = subprocess.run(
        [sys.executable, __file__, "--one-fix-plan", str(nodes)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    r = json.loads(out.strip().splitlines()[-1])
    if r["diagnose_exit"] not in (0, 1) or r["plan_exit"] != 0:
        # exit 2 would mean the snapshot was refused: the times would measure nothing
        raise SystemExit(
            f"fix-plan: the commands failed (exit {r['diagnose_exit']}, {r['plan_exit']})"
        )
    ratio = r["plan_s"] / r["diagnose_s"]
    print(
        f"fix-plan: nodes={nodes} diagnose_s={r['diagnose_s']:.2f} plan_s={r['plan_s']:.2f} "
        f"ratio={ratio:.2f}"
    )
    return bool(ratio <= 1.6)


def dual_stack_line(nodes: int = 5000) -> bool:
    """The same cluster dual stack (an IPv6 address, block and pod address per node, both
    families judged): the same targets as the single-stack line."""
    out = subprocess.run(
        [sys.executable, __file__, "--one-dual", str(nodes)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    r = json.loads(out.strip().splitlines()[-1])
    ratio = r["analyze_s"] / r["load_s"]
    ok = ratio <= 2 and r["rss_mb"] < 1024
    print(
        f"diagnose-dualstack: nodes={nodes} snapshot_mb={r['bytes'] / 1e6:.1f} "
        f"root_causes={r['root_causes']} load_s={r['load_s']:.2f} analyze_s={r['analyze_s']:.2f} "
        f"ratio={ratio:.2f} rss_mb={r['rss_mb']:.0f} -> {'met' if ok else 'MISSED'}"
    )
    return bool(ok)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]))))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--one-dual":
        print(json.dumps(measure(int(sys.argv[2]), dual_stack=True)))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--dual-stack":
        return 0 if dual_stack_line(int(sys.argv[2])) else 1
    if len(sys.argv) == 4 and sys.argv[1] == "--hetero-one":
        print(json.dumps(measure_hetero(int(sys.argv[3]), sys.argv[2] == "het")))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--hetero":
        return 0 if hetero(int(sys.argv[2])) else 1
    if len(sys.argv) == 5 and sys.argv[1] == "--subnets-one":
        print(json.dumps(measure_subnets(int(sys.argv[3]), int(sys.argv[4]), sys.argv[2])))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--subnets":
        return 0 if subnets_line(int(sys.argv[2])) else 1
    if len(sys.argv) == 5 and sys.argv[1] == "--both-one":
        print(json.dumps(measure_both(int(sys.argv[4]), sys.argv[2], sys.argv[3] == "het")))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--both-hetero":
        return 0 if both_line(int(sys.argv[2])) else 1
    if len(sys.argv) == 3 and sys.argv[1] == "--one-fix-plan":
        print(json.dumps(measure_fix_plan(int(sys.argv[2]))))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--fix-plan":
        return 0 if fix_plan_line(int(sys.argv[2])) else 1
    rows = {}
    for n in (500, 5000):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True
        ).stdout
        rows[n] = json.loads(out.strip().splitlines()[-1])
    for n, r in rows.items():
        print(
            f"size: nodes={n} snapshot_mb={r['bytes'] / 1e6:.1f} classes={r['classes']} "
            f"root_causes={r['root_causes']} load_s={r['load_s']:.2f} analyze_s={r['analyze_s']:.2f} "
            f"rss_mb={r['rss_mb']:.0f}"
        )
    big, small = rows[5000], rows[500]
    ratio = big["analyze_s"] / big["load_s"]
    scaling = (big["load_s"] + big["analyze_s"]) / (small["load_s"] + small["analyze_s"])
    ok = ratio <= 2 and big["rss_mb"] < 1024 and scaling <= 12
    print(f"targets: ratio<=2 rss_mb<1024 scaling<=12 -> {'met' if ok else 'MISSED'}")
    ok = hetero() and ok
    ok = fix_plan_line() and ok
    ok = dual_stack_line() and ok
    print(
        f"diagnose: nodes=5000 load_s={big['load_s']:.2f} analyze_s={big['analyze_s']:.2f} "
        f"ratio={ratio:.2f} rss_mb={big['rss_mb']:.0f} scaling={scaling:.1f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
