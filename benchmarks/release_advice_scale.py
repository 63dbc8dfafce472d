"""Benchmark: destructive advice (release check + the report's reinstall plans) at 100 and 1,000 releases.

Half the releases failed (each in its own namespace, harbor-helm with its five
volumes), half are healthy lookalikes of the same names in team namespaces.
Each size runs in its own process. Measures the release checks alone and the
report's release part (checks + one reinstall plan per failed release, as
`kostack report` and `kostack release check` compute them). Last line:

    release-advice: releases=1000 checks_s=.. advice_s=.. ratio=.. scaling=..

Targets: ratio (advice / checks) <= 3 and scaling (1,000 / 100 releases) <= 15.
Run: .venv/bin/python benchmarks/release_advice_scale.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any


def _harbor(name: str, namespace: str, status: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    statefulsets, pvcs = [], []
    for component, template in (
        ("database", "database-data"),
        ("redis", "data"),
        ("trivy", "data"),
    ):
        selector = {"app": "harbor", "component": component, "release": name}
        statefulsets.append(
            {
                "name": f"{name}-{component}",
                "selector": selector,
                "claim_templates": [{"name": template, "labels": {"app": "harbor"}}],
            }
        )
        pvcs.append(
            {
                "namespace": namespace,
                "name": f"{template}-{name}-{component}-0",
                "volume_name": f"pv-{namespace}-{component}",
                "labels": selector,
                "created": "2026-11-20T08:30:00Z",
            }
        )
    declared = []
    for part in ("registry", "jobservice"):
        labels = {"app": "harbor", "release": name, "component": part}
        declared.append({"name": f"{name}-{part}", "labels": labels, "keep": True})
        pvcs.append(
            {
                "namespace": namespace,
                "name": f"{name}-{part}",
                "volume_name": f"pv-{namespace}-{part}",
                "labels": labels,
                "created": "2026-11-20T08:30:00Z",
            }
        )
    release = {
        "name": name,
        "namespace": namespace,
        "revision": 1,
        "status": status,
        "chart": "harbor",
        "chart_version": "1.18.0",
        "first_deployed": "2026-11-20T08:30:00Z",
        "manifest_statefulsets": statefulsets,
        "manifest_pvcs": declared,
        "values_keys": ["harborAdminPassword"],
    }
    return release, pvcs


def snapshot_of(releases: int) -> Any:
    """The snapshot: ``releases`` Harbor releases, half failed, every claim backed up."""
    from kostack.model import loads_snapshot
    from kostack_testkit.builders import example_doc

    doc = example_doc("seed-fixed")
    items, claims = [], []
    for i in range(releases // 2):
        for namespace, status in ((f"app-{i}", "failed"), (f"team-{i}", "deployed")):
            release, pvcs = _harbor(f"harbor{i}", namespace, status)
            items.append(release)
            claims.extend(pvcs)
    # a VolumeSnapshot of every claim, read in every namespace: the advice says each beside it
    backups = [
        {
            "namespace": c["namespace"],
            "name": f"snap-{c['name']}",
            "claim": c["name"],
            "ready": True,
        }
        for c in claims
    ]
    read = sorted({c["namespace"] for c in claims})
    doc["helm"] = {"releases": items, "pvcs": claims, "pvs": [], "pods": [], "events": []}
    doc["helm"].update(volume_snapshots=backups, volume_snapshots_in=read)
    return loads_snapshot(json.dumps(doc))


def measure(releases: int) -> dict[str, float]:
    from kostack.analyze.release_checks import check_releases
    from kostack.report.releases import release_troubles

    snapshot = snapshot_of(releases)
    t0 = time.perf_counter()
    check_releases(snapshot, None)
    t1 = time.perf_counter()
    troubles = release_troubles(snapshot, None)
    t2 = time.perf_counter()
    assert sum(1 for t in troubles if t.advice is not None) == releases // 2
    assert all(
        p.backups for t in troubles if t.advice and t.advice.plan for p in t.advice.plan.pvcs
    )
    return {"checks_s": t1 - t0, "advice_s": t2 - t1}


def main() -> int:
    if len(sys.argv) == 2:
        print(json.dumps(measure(int(sys.argv[1]))))
        return 0
    results = {}
    for size in (100, 1000):
        done = subprocess.run(
            [sys.executable, __file__, str(size)], capture_output=True, text=True, check=True
        )
        results[size] = json.loads(done.stdout.strip().splitlines()[-1])
        r = results[size]
        print(
            f"release-advice: releases={size} checks_s={r['checks_s']:.2f} advice_s={r['advice_s']:.2f}"
        )
    big, small = results[1000], results[100]
    ratio = big["advice_s"] / max(big["checks_s"], 1e-9)
    scaling = big["advice_s"] / max(small["advice_s"], 1e-9)
    print(
        f"release-advice: releases=1000 checks_s={big['checks_s']:.2f} "
        f"advice_s={big['advice_s']:.2f} ratio={ratio:.2f} scaling={scaling:.1f}"
    )
    return 0 if ratio <= 3 and scaling <= 15 else 1


if __name__ == "__main__":
    sys.exit(main())
