"""The VolumeSnapshots of the claims a reinstall deletes: read (never taken), shown per claim.

Served by the Kubernetes API double with the snapshot CRD as external-snapshotter installs it
(kostack_testkit.volume_snapshots).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from release_testing import seed_state, serve, with_helm
from test_release_plan import SEED_FIVE, plan_for

from kostack.report.release_plan_text import plan_dict, render_plan
from kostack_lab.kube_objects import JsonObject
from kostack_testkit.cli import flat
from kostack_testkit.volume_snapshots import GROUP, snapshot_crd, volume_snapshot

NOW = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


SNAPSHOTS = [
    volume_snapshot(
        "registry-nightly", "harbor-registry", ready=True, taken="2026-12-05T12:00:00Z", size="10Gi"
    ),
    volume_snapshot(
        "db-now",
        "database-data-harbor-database-0",
        ready=False,
        taken="2026-12-05T14:50:00Z",
        size="1Gi",
    ),
    # of a claim the plan leaves alone: said of no claim it deletes
    volume_snapshot(
        "pg-weekly", "data-pg-postgresql-0", ready=True, taken="2026-12-01T00:00:00Z", size="8Gi"
    ),
]


def planned(tmp_path: Path, objects: list[JsonObject], fault: int | None = None, **options: Any):  # type: ignore[no-untyped-def]
    scenario = seed_state()
    scenario.objects.extend(objects)
    with serve(scenario, tmp_path) as served:
        if fault is not None:
            served.api.inject_fault(GROUP, "volumesnapshots", status=fault)
        collection = served.collect(volume_snapshots=True)
    snapshot = with_helm("seed-fixed.json", collection)
    return plan_for(snapshot, values_file="values.yaml", **options), collection


def lines_of(plan: Any, lang: str = "en") -> dict[str, str]:
    """The backup line of each deleted claim, its wrapped continuation lines joined."""
    text = render_plan(plan, now=NOW, lang=lang)
    title = "VolumeSnapshots of the claims" if lang == "en" else "삭제할 클레임의 VolumeSnapshot"
    said: dict[str, str] = {}
    line = ""
    for part in [*text[text.index(title) :].splitlines()[1:], ""]:
        if part.startswith("    "):
            line += " " + part.strip()
            continue
        if line:  # claims that say the same share a line: "a, b: what"
            keys, _, what = line.partition(": ")
            said.update(dict.fromkeys(keys.split(", "), what))
        if not part.startswith("  "):
            break
        line = part.strip()
    return said


def test_each_deleted_claim_says_its_snapshots(tmp_path: Path) -> None:
    plan, collection = planned(tmp_path, [snapshot_crd(), *SNAPSHOTS], discard_data=True)
    assert {p.key for p in plan.pvcs} == SEED_FIVE
    said = lines_of(plan)
    assert said == {
        "default/harbor-registry": "VolumeSnapshot registry-nightly of it, ready, taken 3h ago (restoreSize 10Gi)",
        "default/database-data-harbor-database-0": "VolumeSnapshot db-now of it, NOT ready, taken 10m ago (restoreSize 1Gi)",
        "default/harbor-jobservice": "no VolumeSnapshot of it",
        "default/data-harbor-redis-0": "no VolumeSnapshot of it",
        "default/data-harbor-trivy-0": "no VolumeSnapshot of it",
    }
    assert "pg-weekly" not in render_plan(plan, now=NOW)
    # the consent to delete data names the claims with no ready backup (a not-ready one is none)
    discard = next(w for w in plan.warnings if "--discard-data" in w)
    assert "4 of them have no ready VolumeSnapshot" in discard
    assert "default/harbor-registry" not in discard
    assert "default/database-data-harbor-database-0" in discard
    ko = lines_of(plan, "ko")
    assert ko["default/harbor-registry"] == (
        "이 클레임의 VolumeSnapshot registry-nightly: 준비됨, 3h 전에 생성 (restoreSize 10Gi)"
    )
    assert ko["default/harbor-jobservice"] == "이 클레임의 VolumeSnapshot 없음"
    document = json.loads(json.dumps(plan_dict(plan, "0")))
    pvcs = {p["pvc"]: p for p in document["pvcs"]}
    assert pvcs["default/harbor-registry"]["volume_snapshots"] == [
        {
            "name": "registry-nightly",
            "ready": True,
            "created": "2026-12-05T12:00:00Z",
            "restore_size": "10Gi",
        }
    ]
    assert pvcs["default/harbor-jobservice"]["volume_snapshots"] == []
    assert not [g for g in collection.gaps if g.source == "helm.volumesnapshots"]
    # all three read, the one of a claim left alone too
    assert {s.name for s in collection.state.volume_snapshots or ()} == {
        "registry-nightly",
        "db-now",
        "pg-weekly",
    }


def test_crd_absent_is_no_api_not_a_gap(tmp_path: Path) -> None:
    plan, collection = planned(tmp_path, [])
    assert not plan.blocked
    assert collection.state.volume_snapshots == ()
    assert collection.state.volume_snapshot_api is False
    assert collection.gaps == ()  # most clusters serve none: that is no partial collection
    said = lines_of(plan)
    assert set(said) == SEED_FIVE
    assert set(said.values()) == {
        "no VolumeSnapshot API in this cluster (snapshot.storage.k8s.io/v1 is not served)"
    }
    pvcs = plan_dict(plan, "0")["pvcs"]
    assert all(p["volume_snapshots"] is None for p in pvcs)
    assert all("no VolumeSnapshot API" in p["volume_snapshots_unread"] for p in pvcs)
    assert "이 클러스터에는 VolumeSnapshot API가 없음" in flat(
        render_plan(plan, now=NOW, lang="ko")
    )


def test_forbidden_says_the_rbac_beside_each_claim(tmp_path: Path) -> None:
    plan, collection = planned(tmp_path, [snapshot_crd(), *SNAPSHOTS], fault=403)
    assert not plan.blocked
    assert collection.state.volume_snapshots == ()
    assert collection.gaps == ()
    gap = collection.state.volume_snapshots_unread["default"]
    assert "403" in gap.error and "forbidden" in gap.error
    said = lines_of(plan)
    assert all(
        w.startswith("VolumeSnapshots not read: list volumesnapshots in default: 403")
        for w in said.values()
    )
    assert all(
        "Grant the kubeconfig user list on volumesnapshots in default" in w
        and "`kubectl auth can-i list volumesnapshots.snapshot.storage.k8s.io -n default`" in w
        for w in said.values()
    )
