"""Red team of the reinstall against the API double: nothing of anyone else is touched or lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from release_testing import Served, seed_state, serve
from test_release_apply import SEED_FIVE, identity, plan, run
from test_release_cli import Run, Session, example

from kostack.analyze.messages import localize
from kostack.analyze.release_checks.ownership import analyse
from kostack.model.snapshot import HelmState, PersistentVolume, PersistentVolumeClaim
from kostack.plan.release import recovery_recipe
from kostack_testkit.cli import flat
from kostack_testkit.helm_fixture_cluster import provision


def _get(served: Served, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    obj = served.api.get("v1", kind, name, namespace)
    assert obj is not None, name
    return obj


def test_a_volume_bound_to_another_namespaces_claim_is_never_touched(
    served: Served, tmp_path: Path
) -> None:
    """default's database claim lost its volume and names team-a's (spec.volumeName): that volume
    is bound to team-a/database-data-harbor-database-0, whose data it holds. Before, the plan set
    it to Retain (another team's object) and the recipe pre-bound it to default's claim, which
    takes team-a's database away from it when pasted."""
    team_claim = _get(served, "PersistentVolumeClaim", "database-data-harbor-database-0", "team-a")
    team_volume = team_claim["spec"]["volumeName"]
    ours = _get(served, "PersistentVolumeClaim", "database-data-harbor-database-0", "default")
    served.api.remove("v1", "PersistentVolume", ours["spec"]["volumeName"])
    ours["spec"]["volumeName"] = team_volume
    ours["status"] = {"phase": "Lost"}
    served.api.add(ours)
    team_before = identity(_get(served, "PersistentVolume", team_volume))
    the_plan = plan(served)
    assert {p.key for p in the_plan.pvcs} == SEED_FIVE  # the claim itself is still the release's
    database = next(p for p in the_plan.pvcs if p.name == "database-data-harbor-database-0")
    assert database.volume is None
    assert all(team_volume not in a.target.name for a in the_plan.actions)
    assert team_volume not in "\n".join(recovery_recipe(the_plan))
    (said,) = [w for w in the_plan.warnings if team_volume in localize(w, "en")]
    assert "bound to team-a/database-data-harbor-database-0, not to it" in localize(said, "en")
    assert "바인딩되어 있습니다" in localize(said, "ko")
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    assert result.status == "complete", result.reason
    assert identity(_get(served, "PersistentVolume", team_volume)) == team_before
    assert team_volume not in {r["volume"] for r in result.retained}


def test_a_released_volume_of_an_earlier_claim_of_that_name_is_not_the_new_claims() -> None:
    """A volume Retained by a reinstall still names the deleted claim (with its old uid); a new,
    still Pending claim of the same name does not hold that data (before: it was said to)."""
    old = PersistentVolume(
        name="pvc-old",
        reclaim_policy="Retain",
        phase="Released",
        claim_namespace="default",
        claim_name="harbor-registry",
        claim_uid="uid-old",
    )
    pending = PersistentVolumeClaim(
        namespace="default", name="harbor-registry", uid="uid-new", phase="Pending"
    )
    prebound = old.model_copy(update={"name": "pvc-prebound", "claim_uid": None})
    (claim,) = analyse(HelmState(releases=(), pvcs=(pending,), pvs=(old,))).claims
    assert claim.volume is None
    # pre-bound by name only (the recovery recipe's patch drops the uid): it is that claim's
    (claim,) = analyse(HelmState(releases=(), pvcs=(pending,), pvs=(old, prebound))).claims
    assert claim.volume is not None and claim.volume.name == "pvc-prebound"


def _reinstall(session: Session, *extra: str, lang: str = "C") -> Run:
    return session.run(
        "release",
        "reinstall",
        "harbor",
        "--namespace",
        "harbor",
        "--chart",
        "harbor/harbor",
        "--snapshot",
        example("seed-fixed.json"),
        "--timeout",
        "60",
        *extra,
        lang=lang,
    )


def test_a_second_run_after_a_successful_reinstall_does_nothing(
    tmp_path: Path, fake_helm_bin: Path
) -> None:
    """The same command again (shell history, a runbook) once Harbor works: before, it uninstalled
    the working release and deleted the claims of its new volumes (images pushed since then),
    installing an empty Harbor; now it keeps the release and changes nothing."""
    with serve(seed_state(), tmp_path) as served:
        session = Session(served, tmp_path, path=str(fake_helm_bin))
        first = _reinstall(session, "--yes", "--journal", str(tmp_path / "first.jsonl"))
        assert first.code == 0, first.out + first.err
        pvcs, pvs, releases = served.pvcs(), served.pvs(), served.releases()
        served.api.reset_requests()
        for lang, words in (("C", "Nothing to do"), ("ko_KR.UTF-8", "할 일이 없습니다")):
            journal = tmp_path / f"again-{lang}.jsonl"
            again = _reinstall(session, "--yes", "--journal", str(journal), lang=lang)
            assert again.code == 0, again.out + again.err
            assert words in again.out
            assert not journal.exists()
        said = flat(again.out)
        assert "릴리스 harbor/harbor는 배포(deployed)되어 있고 Pod" in said
        assert "--replace-ready" in said
        dry = json.loads(_reinstall(session, "--yes", "-o", "json").out)
        assert dry["actions"] == [] and dry["pvcs"] == [] and dry["removing"] == []
        assert any("is deployed and its" in w for w in dry["warnings"])
        writes = [r for r in served.api.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]
        assert writes == []
        assert {k: identity(v) for k, v in served.pvcs().items()} == {
            k: identity(v) for k, v in pvcs.items()
        }
        assert {k: identity(v) for k, v in served.pvs().items()} == {
            k: identity(v) for k, v in pvs.items()
        }
        assert served.releases() == releases
        # asked for, it is still replaced: its volumes are retained first
        forced = _reinstall(session, "--replace-ready")
        assert forced.code == 0 and "helm uninstall harbor --namespace harbor" in forced.out


def _pod_mounting(namespace: str, name: str, claim: str) -> dict[str, Any]:
    """A running pod that is no release's (a backup, a debug shell) with the claim mounted."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {
            "containers": [{"name": "sh", "image": "postgres:17", "command": ["sleep", "1d"]}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}],
        },
        "status": {"phase": "Running"},
    }


def test_a_claim_a_pod_mounts_since_the_plan_is_not_deleted(served: Served, tmp_path: Path) -> None:
    """Someone starts a pod on the old database claim (to dump it) after the plan was read.
    Before, kostack deleted the claim anyway: it stayed Terminating under the pod and went
    when the pod did. Now the claim is read for users right before its deletion and kept."""
    the_plan = plan(served, timeout=5)
    claim = "database-data-harbor-database-0"
    served.api.add(_pod_mounting("default", "pgdump", claim))
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    assert result.status == "failed"
    last = result.steps[-1]
    assert (last.action.op, last.action.target.name, last.outcome) == (
        "delete-pvc",
        claim,
        "refused",
    )
    assert "mounted by pod default/pgdump, not part of release harbor" in localize(
        last.detail, "en"
    )
    assert "마운트하고 있어 삭제하지" in localize(last.detail, "ko")
    kept = _get(served, "PersistentVolumeClaim", claim, "default")
    assert "deletionTimestamp" not in kept["metadata"]
    assert "harbor/sh.helm.release.v1.harbor.v1" not in served.releases()  # nothing after it


def test_pods_that_could_not_be_read_block_the_plan(served: Served) -> None:
    """Without the pods, nothing shows that no other workload mounts the claims to delete
    (before: the plan went ahead as if none did)."""
    served.api.inject_fault("", "pods", status=403, verbs=["list"])
    the_plan = plan(served)
    said = [localize(b, "en") for b in the_plan.blockers]
    assert any("pods were not collected" in b and "the 5 claims" in b for b in said), said
    assert any("Pod를 수집하지 못해" in localize(b, "ko") for b in the_plan.blockers)


def test_pods_are_read_where_helm_only_annotated_a_claim(served: Served) -> None:
    """An uninstalled release's claim in a namespace with no release and no release label is
    proven by Helm's annotations; a pod of another workload mounts it. Before, that namespace's
    pods were never read, so the plan did not see the pod and deleted the claim."""
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": "harbor-registry",
            "namespace": "old",
            "annotations": {
                "meta.helm.sh/release-name": "harbor",
                "meta.helm.sh/release-namespace": "old",
                "helm.sh/resource-policy": "keep",
            },
        },
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}},
    }
    for obj in provision(claim, 100.0):
        served.api.add(obj)
    served.api.add(_pod_mounting("old", "restore", "harbor-registry"))
    the_plan = plan(served, from_namespaces=("old",))
    assert "old/harbor-registry" in {p.key for p in the_plan.pvcs}
    said = [localize(b, "en") for b in the_plan.blockers]
    assert any("old/harbor-registry is mounted by pod old/restore" in b for b in said), said


def test_a_claim_another_controller_holds_says_which_finalizer(
    served: Served, tmp_path: Path
) -> None:
    """A backup tool's finalizer keeps the deleted claim Terminating. Before, the step said only
    "still there after 3 s"; now it names the finalizer and who must remove it. The volume was
    retained first, and nothing after the step ran."""
    claim = _get(served, "PersistentVolumeClaim", "harbor-jobservice", "default")
    claim["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection", "backup.example.com/hold"]
    served.api.add(claim)
    the_plan = plan(served, timeout=3)
    result = run(served, the_plan, tmp_path / "journal.jsonl")
    last = result.steps[-1]
    assert (last.action.op, last.action.target.name, last.outcome) == (
        "delete-pvc",
        "harbor-jobservice",
        "failed",
    )
    detail = localize(last.detail, "en")
    assert "held by backup.example.com/hold: whatever added that finalizer" in detail, detail
    assert "pvc-protection" not in detail
    assert "backup.example.com/hold" in localize(last.detail, "ko")
    volume = _get(served, "PersistentVolume", claim["spec"]["volumeName"])
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert "harbor/sh.helm.release.v1.harbor.v1" not in served.releases()
