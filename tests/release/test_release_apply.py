"""Carrying out the reinstall against the API double: the cluster ends exactly as planned."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from release_testing import Served, with_helm

from kostack.analyze.diagnose import diagnose
from kostack.apply.release import HelmResult, Reinstaller, ReleaseJournal, read_journal
from kostack.apply.release_result import ApplyResult
from kostack.plan.release import ReinstallPlan, build_reinstall_plan
from kostack_testkit.helm_fake import FakeHelm

SEED_FIVE = {
    "default/harbor-registry",
    "default/harbor-jobservice",
    "default/database-data-harbor-database-0",
    "default/data-harbor-redis-0",
    "default/data-harbor-trivy-0",
}


def plan(served: Served, name: str = "harbor", **options: Any) -> ReinstallPlan:
    snapshot = with_helm("seed-fixed.json", served.collect())
    args: dict[str, Any] = {
        "name": name,
        "namespace": name,
        "chart": f"harbor/{name}",
        "timeout": 20,
    }
    args.update(options)
    return build_reinstall_plan(snapshot, diagnose(snapshot), **args)


def run(served: Served, the_plan: ReinstallPlan, journal: Path, helm: bool = True) -> ApplyResult:
    with ReleaseJournal(journal) as j:
        runner = FakeHelm(served.client) if helm else None
        return Reinstaller(served.client, runner, j).run(the_plan, "test")


def identity(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj["metadata"]
    return meta["uid"], meta["resourceVersion"]


def test_executed_plan_leaves_the_cluster_as_planned(served: Served, tmp_path: Path) -> None:
    before_pvcs = served.pvcs()
    before_pvs = served.pvs()
    the_plan = plan(served)
    assert {p.key for p in the_plan.pvcs} == SEED_FIVE
    seed_volumes = {p.volume for p in the_plan.pvcs}
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    assert result.status == "complete", result.reason
    after_pvcs = served.pvcs()
    after_pvs = served.pvs()
    # the five are gone; their volumes stay, Retain and Released, still naming the old claim
    assert not SEED_FIVE & set(after_pvcs)
    for volume in seed_volumes:
        pv = after_pvs[volume]
        assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
        assert pv["status"]["phase"] == "Released"
        assert (
            f"{pv['spec']['claimRef']['namespace']}/{pv['spec']['claimRef']['name']}" in SEED_FIVE
        )
    # every other claim and volume is untouched: same uid, same resourceVersion
    for key, pvc in before_pvcs.items():
        if key in SEED_FIVE:
            continue
        assert identity(after_pvcs[key]) == identity(pvc), key
    for name, pv in before_pvs.items():
        if name in seed_volumes:
            continue
        assert identity(after_pvs[name]) == identity(pv), name
    # the release now lives in its own namespace, with fresh volumes; default holds none of it
    assert "harbor/sh.helm.release.v1.harbor.v1" in served.releases()
    assert "default/sh.helm.release.v1.harbor.v2" not in served.releases()
    assert "team-a/sh.helm.release.v1.harbor.v1" in served.releases()
    fresh = {k for k in after_pvcs if k.startswith("harbor/")}
    assert fresh == {
        "harbor/harbor-registry",
        "harbor/harbor-jobservice",
        "harbor/database-data-harbor-database-0",
        "harbor/data-harbor-redis-0",
        "harbor/data-harbor-trivy-0",
    }
    assert all(after_pvcs[k]["status"]["phase"] == "Bound" for k in fresh)
    outcomes = {(s.action.op, s.outcome) for s in result.steps}
    assert ("wait-ready", "applied") in outcomes and ("check-ready", "applied") in outcomes
    # core was judged before jobservice
    ops = [
        s.action.target.name for s in result.steps if s.action.op in ("wait-ready", "check-ready")
    ]
    assert ops[0] == "component=core,release=harbor"
    assert ops[1] == "component=jobservice,release=harbor"


def test_journal_records_every_step_and_the_recovery(served: Served, tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    the_plan = plan(served)
    result = run(served, the_plan, journal)
    records = read_journal(journal)
    types = [r["type"] for r in records]
    assert types[0] == "plan" and types[1] == "run" and types[-1] == "end"
    assert types.count("intent") == types.count("result") == len(the_plan.actions)
    assert records[0]["pvcs"] and {p["pvc"] for p in records[0]["pvcs"]} == SEED_FIVE
    retain = next(r for r in records if r["type"] == "result" and r["op"] == "retain-pv")
    assert retain["outcome"] == "applied" and retain["after"]["reclaimPolicy"] == "Retain"
    recovery = next(r for r in records if r["type"] == "recovery")
    assert {r["claim"] for r in recovery["retained"]} == SEED_FIVE
    assert {r["volume"] for r in recovery["retained"]} == {p.volume for p in the_plan.pvcs}
    recipe = "\n".join(recovery["recipe"])
    for pvc in the_plan.pvcs:
        assert f'volumeName: "{pvc.volume}"' in recipe
        assert f'"name":"{pvc.name}","uid":null' in recipe
    assert records[-1]["status"] == "complete"
    assert result.journal == journal


def test_without_helm_it_stops_with_the_command_and_a_rerun_finishes(
    served: Served, tmp_path: Path
) -> None:
    first = run(served, plan(served), tmp_path / "first.jsonl", helm=False)
    assert first.status == "stopped"
    manual = next(s for s in first.steps if s.outcome == "manual")
    assert manual.action.op == "helm-uninstall"
    assert manual.command.startswith("helm uninstall harbor --namespace default --wait")
    assert "run `helm uninstall harbor --namespace default" in first.reason
    # the volumes were already made safe; nothing was deleted
    assert set(served.pvcs()) >= SEED_FIVE
    assert all(
        served.pvs()[p["spec"]["volumeName"]]["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
        for k, p in served.pvcs().items()
        if k in SEED_FIVE
    )
    records = read_journal(tmp_path / "first.jsonl")
    assert records[-1]["status"] == "stopped"
    assert any(r.get("outcome") == "manual" and r.get("command") for r in records)
    # the operator runs the printed command by hand ...
    FakeHelm(served.client).run(["uninstall", "harbor", "--namespace", "default"], 30)
    # ... and reruns kostack: the release records are gone, the volumes still proven
    second_plan = plan(served)
    assert {p.key for p in second_plan.pvcs} == SEED_FIVE
    assert all("release gone" in p.release for p in second_plan.pvcs)
    assert "retain-pv" not in [a.op for a in second_plan.actions]  # already Retain
    second = run(served, second_plan, tmp_path / "second.jsonl")
    assert second.status == "complete", second.reason
    assert not SEED_FIVE & set(served.pvcs())
    assert len(second.retained) == 5


def test_a_changed_volume_is_refused_and_nothing_after_it_is_done(
    served: Served, tmp_path: Path
) -> None:
    the_plan = plan(served)
    first_volume = the_plan.actions[1].target.name
    pv = served.api.get("v1", "PersistentVolume", first_volume)
    assert pv is not None
    pv["metadata"].setdefault("labels", {})["touched"] = "yes"
    served.api.add(pv)  # someone else changed it after planning
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    assert result.status == "failed"
    assert result.steps[-1].outcome == "refused"
    assert result.steps[-1].action.step == 2
    assert "changed since the plan" in result.reason
    assert set(served.pvcs()) >= SEED_FIVE
    assert "default/sh.helm.release.v1.harbor.v2" in served.releases()


def test_a_volume_set_back_to_delete_after_retain_keeps_its_claim(
    served: Served, tmp_path: Path
) -> None:
    """Something (a person, a controller) sets the volumes back to Delete after kostack made
    them Retain: deleting their claims would delete the data, so nothing is deleted."""
    the_plan = plan(served)
    volumes = {p.volume for p in the_plan.pvcs}

    class Reverting(FakeHelm):
        def run(self, args: Sequence[str], timeout: int) -> HelmResult:
            done = super().run(args, timeout)
            if args[0] == "uninstall":
                for name in volumes:
                    pv = served.api.get("v1", "PersistentVolume", str(name))
                    assert pv is not None
                    pv["spec"]["persistentVolumeReclaimPolicy"] = "Delete"
                    served.api.add(pv)
            return done

    with ReleaseJournal(tmp_path / "journal.jsonl") as j:
        result = Reinstaller(served.client, Reverting(served.client), j).run(the_plan, "test")
    assert result.status == "failed" and result.steps[-1].outcome == "refused"
    assert result.steps[-1].action.op == "delete-pvc"
    assert "is Delete again, not Retain" in result.reason
    assert volumes <= set(served.pvs()) and set(served.pvcs()) >= SEED_FIVE


def test_a_release_stored_in_configmaps_is_not_taken_for_uninstalled(
    served: Served, tmp_path: Path
) -> None:
    """default/harbor kept by HELM_DRIVER=configmap: the helm kostack runs finds no release,
    which must not read as "already uninstalled" and delete the claims of a running release."""
    for secret in list(served.api.list_objects("v1", "Secret")):
        meta = secret["metadata"]
        if secret.get("type") != "helm.sh/release.v1" or meta["namespace"] != "default":
            continue
        if meta["labels"].get("name") != "harbor":
            continue
        served.api.remove("v1", "Secret", meta["name"], "default")
        data = {"release": base64.b64decode(secret["data"]["release"]).decode()}
        served.api.add(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": meta["name"],
                    "namespace": "default",
                    "labels": meta["labels"],
                },
                "data": data,
            }
        )
    the_plan = plan(served)
    uninstalls = [a for a in the_plan.actions if a.op == "helm-uninstall"]
    (uninstall,) = [a for a in uninstalls if a.target.namespace == "default"]
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    assert result.status == "failed" and result.steps[-1].action is uninstall
    assert result.steps[-1].outcome == "refused"
    assert "HELM_DRIVER=configmap helm uninstall harbor" in result.reason
    assert set(served.pvcs()) >= SEED_FIVE  # nothing deleted


def test_discard_data_deletes_the_volumes(served: Served, tmp_path: Path) -> None:
    the_plan = plan(served, discard_data=True)
    volumes = {p.volume for p in the_plan.pvcs}
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    assert result.status == "complete", result.reason
    assert not volumes & set(served.pvs())
    assert result.retained == [] and result.recovery == ()


def test_second_chart_postgresql(served: Served, tmp_path: Path) -> None:
    before = served.pvcs()
    snapshot = with_helm("seed-fixed.json", served.collect())
    the_plan = build_reinstall_plan(
        snapshot,
        diagnose(snapshot),
        name="pg",
        namespace="databases",
        chart="bitnami/postgresql",
        timeout=20,
        from_namespaces=("default",),  # default/pg is deployed: moved only when asked
    )
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    assert result.status == "complete", result.reason
    after = served.pvcs()
    assert "default/data-pg-postgresql-0" not in after
    assert "databases/data-pg-postgresql-0" in after
    assert [r["claim"] for r in result.retained] == ["default/data-pg-postgresql-0"]
    for key, pvc in before.items():
        if key != "default/data-pg-postgresql-0":
            assert identity(after[key]) == identity(pvc), key
    assert "databases/sh.helm.release.v1.pg.v1" in served.releases()


def test_a_refused_step_reads_in_korean_in_the_report(served: Served, tmp_path: Path) -> None:
    """The journal keeps the step's English detail and what kostack said, so the Korean incident
    report says why the step was refused in Korean (before: the English detail as it was)."""
    from kostack.catalog import localize
    from kostack.report.journal import read_journal as report_journal

    the_plan = plan(served)
    pv = served.api.get("v1", "PersistentVolume", the_plan.actions[1].target.name)
    assert pv is not None
    pv["metadata"].setdefault("labels", {})["touched"] = "yes"
    served.api.add(pv)
    journal = tmp_path / "journal.jsonl"
    run(served, the_plan, journal)
    (refused,) = [r for r in read_journal(journal) if r.get("outcome") == "refused"]
    assert refused["said"]["detail"]["key"]
    (failed,) = [a for a in report_journal(journal.read_text(), "j") if a.status == "failed"]
    assert localize(failed.error, "en") == refused["detail"]
    korean = localize(failed.error, "ko")
    assert korean != refused["detail"] and "계획" in korean, korean


def test_the_journals_own_errors_are_said_in_either_language(tmp_path: Path) -> None:
    """An unwritable journal and one another run holds: before, English whatever --lang said."""
    import pytest

    from kostack.catalog import localize
    from kostack.errors import ApplyError

    with pytest.raises(ApplyError) as unwritable:
        ReleaseJournal(tmp_path / "no-such-dir" / "j.jsonl").__enter__()
    assert localize(unwritable.value.message, "en").startswith("cannot open journal ")
    assert "열 수 없습니다" in localize(unwritable.value.message, "ko")
    assert "--journal FILE" in localize(unwritable.value.hint, "ko")
    path = tmp_path / "j.jsonl"
    with ReleaseJournal(path) as first:
        first.write("run", note="held")
        with pytest.raises(ApplyError) as held:
            ReleaseJournal(path).__enter__()
    assert "in use by another kostack process" in localize(held.value.message, "en")
    assert "다른 kostack 프로세스가" in localize(held.value.message, "ko")
    (record,) = read_journal(path)
    assert record["type"] == "run" and record["note"] == "held" and record["at"].endswith("Z")
