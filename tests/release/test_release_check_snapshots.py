"""Beside the advice that deletes claims, `release check` and the report say what backs each up.

The API double serves the seed's Helm state with external-snapshotter's CRD and four
VolumeSnapshots: a ready one of default/harbor-registry, a not-ready one of the database claim,
one of a claim no advice deletes (pg's) and one in team-a. Each claim the clean reinstall of
harbor/harbor deletes is said with its snapshots (ready or not, age, restoreSize), "no
VolumeSnapshot of it", or why they are unknown: no snapshot API in the cluster (which is no
gap: the exit codes stay), a 403 in default only (those claims say it, with the Role rule and
a quoted `kubectl auth can-i`; team-a and harbor are read), or a snapshot file from a kostack
that did not read them ("not collected", never "none"). `kostack collect` writes them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from release_testing import EXAMPLES, Served, seed_state, serve, with_helm
from test_release_plan import plan_for
from test_release_volume_snapshots import NOW
from test_release_volume_snapshots import SNAPSHOTS as RELEASE_SNAPSHOTS

from kostack.analyze.diagnose import diagnose
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.collect.helm import HelmCollection
from kostack.korean import particle
from kostack.report.incident import build_incident
from kostack.report.markdown import render_markdown
from kostack_lab.kube_objects import JsonObject
from kostack_testkit.cli import flat
from kostack_testkit.volume_snapshots import GROUP, snapshot_crd, volume_snapshot

SNAPSHOTS = [
    *RELEASE_SNAPSHOTS,  # a ready and a not-ready one of deleted claims, one of a kept claim
    volume_snapshot(  # in another namespace
        "team-a-nightly",
        "harbor-registry",
        ready=True,
        taken="2026-12-04T15:00:00Z",
        size="5Gi",
        namespace="team-a",
    ),
]
READY = "VolumeSnapshot registry-nightly of it, ready, taken 3h ago (restoreSize 10Gi)"
NOT_READY = "VolumeSnapshot db-now of it, NOT ready, taken 10m ago (restoreSize 1Gi)"
NONE = ("default/harbor-jobservice", "default/data-harbor-redis-0", "default/data-harbor-trivy-0")
SEED_FIVE = {*NONE, "default/harbor-registry", "default/database-data-harbor-database-0"}
NO_API = "no VolumeSnapshot API in this cluster (snapshot.storage.k8s.io/v1 is not served)"
CAN_I = "`kubectl auth can-i list volumesnapshots.snapshot.storage.k8s.io -n default`"


@dataclass
class Run:
    code: int
    out: str
    err: str


def run(served: Served, *args: str, lang: str = "C") -> Run:
    out, err = io.StringIO(), io.StringIO()
    environ = {"KUBECONFIG": str(served.kubeconfig), "LANG": lang, "PATH": "/nonexistent"}
    env = Environment(out, err, environ, stdin_isatty=False, stdout_isatty=False, clock=lambda: NOW)
    return Run(main(list(args), env), out.getvalue(), err.getvalue())


def check(served: Served, *extra: str, name: str = "harbor", lang: str = "C") -> Run:
    """`release check NAME` with the releases read live (the network from seed-fixed.json)."""
    return run(served, "release", "check", name, "--snapshot", example(), *extra, lang=lang)


def example(name: str = "seed-fixed.json") -> str:
    return str(EXAMPLES / name)


def backups_said(
    text: str, title: str = "VolumeSnapshots of the claims it deletes"
) -> dict[str, str]:
    """Under the title: each claim -> what is said of it (claims that say the same share a line
    "a, b: what"; wrapped lines joined)."""
    lines = text[text.rfind("\n", 0, text.index(title)) + 1 :].splitlines()
    depth = len(lines[0]) - len(lines[0].lstrip())
    said: dict[str, str] = {}
    entries: list[str] = []
    for line in lines[1:]:
        indent = len(line) - len(line.lstrip())
        if indent <= depth:
            break
        if indent == depth + 2:
            entries.append(line.strip())
        else:
            entries[-1] += " " + line.strip()
    for entry in entries:
        keys, _, what = entry.partition(": ")
        said.update(dict.fromkeys(keys.split(", "), what))
    return said


def served_with(tmp_path: Path, objects: list[JsonObject]):  # type: ignore[no-untyped-def]
    scenario = seed_state()
    scenario.objects.extend(objects)
    return serve(scenario, tmp_path)


def test_release_check_says_each_deleted_claims_snapshots(tmp_path: Path) -> None:
    with served_with(tmp_path, [snapshot_crd(), *SNAPSHOTS]) as served:
        text, ko, as_json = (
            check(served),
            check(served, lang="ko_KR.UTF-8"),
            check(served, "-o", "json"),
        )
    assert text.code == ko.code == as_json.code == 1, text.err  # the failed releases, as before
    said = backups_said(text.out)
    assert said == {
        "default/harbor-registry": READY,
        "default/database-data-harbor-database-0": NOT_READY,
        **dict.fromkeys(NONE, "no VolumeSnapshot of it"),
    }
    # next to the advice that deletes them, before its commands
    advice = text.out[text.out.index("What to do:") :]
    assert advice.index("registry-nightly") < advice.index("$ kostack release reinstall harbor")
    assert "pg-weekly" not in text.out and "team-a-nightly" not in text.out
    ko_said = backups_said(ko.out, "삭제할 클레임의 VolumeSnapshot")
    assert ko_said == {
        "default/harbor-registry": (
            "이 클레임의 VolumeSnapshot registry-nightly: 준비됨, 3h 전에 생성 (restoreSize 10Gi)"
        ),
        "default/database-data-harbor-database-0": (
            "이 클레임의 VolumeSnapshot db-now: 준비되지 않음, 10m 전에 생성 (restoreSize 1Gi)"
        ),
        **dict.fromkeys(NONE, "이 클레임의 VolumeSnapshot 없음"),
    }
    document = json.loads(as_json.out)
    (advice_json,) = document["advice"]
    backups = {b["pvc"]: b for b in advice_json["backups"]}
    assert set(backups) == set(advice_json["deletes_pvcs"]) == SEED_FIVE
    assert backups["default/harbor-registry"]["volume_snapshots"] == [
        {
            "name": "registry-nightly",
            "ready": True,
            "created": "2026-12-05T12:00:00Z",
            "restore_size": "10Gi",
        }
    ]
    assert (
        backups["default/database-data-harbor-database-0"]["volume_snapshots"][0]["ready"] is False
    )
    assert all(backups[k]["volume_snapshots"] == [] for k in NONE)
    assert document["gaps"] == []


def test_no_snapshot_api_is_said_and_is_no_gap(tmp_path: Path) -> None:
    with served_with(tmp_path, []) as served:  # external-snapshotter's CRD not installed
        harbor, pg = check(served), check(served, name="pg")
        as_json = check(served, "-o", "json")
        ko = check(served, lang="ko_KR.UTF-8")
        snapshot_file = tmp_path / "snap.json"
        collect = run(served, "collect", "--no-openstack", "-o", str(snapshot_file))
    # the exit codes a cluster without the API gave before kostack read them
    assert (harbor.code, pg.code, collect.code) == (1, 0, 0), (pg.out, collect.err)
    assert set(backups_said(harbor.out).values()) == {NO_API}
    assert set(backups_said(harbor.out)) == SEED_FIVE
    assert "Not collected" not in harbor.out and "Not collected" not in pg.out
    assert json.loads(as_json.out)["gaps"] == []
    assert set(backups_said(ko.out, "삭제할 클레임의 VolumeSnapshot").values()) == {
        "이 클러스터에는 VolumeSnapshot API가 없음 (snapshot.storage.k8s.io/v1을 제공하지 않음)"
    }
    written = json.loads(snapshot_file.read_text(encoding="utf-8"))
    assert written["gaps"] == []
    assert written["helm"]["volume_snapshots"] == []
    assert written["helm"]["volume_snapshot_api"] is False


def test_forbidden_in_one_namespace_is_said_for_its_claims_only(tmp_path: Path) -> None:
    with served_with(tmp_path, [snapshot_crd(), *SNAPSHOTS]) as served:
        token = served.api.token
        served.api.inject_fault(
            GROUP,
            "volumesnapshots",
            status=403,
            namespace="default",
            message=f'volumesnapshots.snapshot.storage.k8s.io is forbidden: User "ops" cannot list resource "volumesnapshots" in API group "snapshot.storage.k8s.io" in the namespace "default" (token {token})',
        )
        collection = served.collect()
        text, ko, as_json = (
            check(served),
            check(served, lang="ko_KR.UTF-8"),
            check(served, "-o", "json"),
        )
        pg = check(served, name="pg")
    state = collection.state
    assert collection.gaps == ()  # no check needs them: never a partial collection
    assert set(state.volume_snapshots_unread) == {"default"}
    assert state.volume_snapshots_in == ("harbor", "team-a")  # the other namespaces, read
    assert {s.name for s in state.volume_snapshots or ()} == {"team-a-nightly"}
    assert (text.code, pg.code) == (1, 0)
    assert json.loads(as_json.out)["gaps"] == []
    said = backups_said(text.out)
    assert set(said) == SEED_FIVE and len(set(said.values())) == 1
    (why,) = set(said.values())
    assert why.startswith("VolumeSnapshots not read: list volumesnapshots in default: 403")
    assert "Grant the kubeconfig user list on volumesnapshots in default, a Role rule" in why
    assert "apiGroups [snapshot.storage.k8s.io], resources [volumesnapshots], verbs [list]" in why
    assert CAN_I in why
    (ko_why,) = set(backups_said(ko.out, "삭제할 클레임의 VolumeSnapshot").values())
    assert ko_why.startswith(f"VolumeSnapshot{particle('VolumeSnapshot', '을/를')} 읽지 못함: ")
    assert "kubeconfig 사용자에게 default의 volumesnapshots list 권한을 부여하세요" in ko_why
    assert CAN_I + "의 답이 yes입니다" in ko_why
    for output in (text.out, text.err, ko.out, as_json.out, state.model_dump_json()):
        assert token not in output
    # one plan over both namespaces: team-a's claim has its snapshot, default's are unread
    snapshot = with_helm("seed-fixed.json", collection)
    plan = plan_for(snapshot, namespace="team-a", replace_ready=True)
    claims = {p.key: p for p in plan.pvcs}
    assert [b.name for b in claims["team-a/harbor-registry"].backups or ()] == ["team-a-nightly"]
    assert claims["default/harbor-registry"].backups is None
    assert "403" in claims["default/harbor-registry"].backups_unread


def collected_with_snapshots(tmp_path: Path) -> HelmCollection:
    with served_with(tmp_path, [snapshot_crd(), *SNAPSHOTS]) as served:
        return served.collect()


def test_the_report_says_them_beside_its_clean_reinstall(tmp_path: Path) -> None:
    snapshot = with_helm("seed-incident.json", collected_with_snapshots(tmp_path))
    snapshot = snapshot.model_copy(update={"created_at": "2026-12-05T15:00:00Z"})
    diagnosis = diagnose(snapshot)
    en = flat(render_markdown(build_incident(snapshot, diagnosis, (), "en"), "t"))
    section = en[en.index("Reinstall harbor cleanly") :]
    assert section.index("VolumeSnapshots of the claims it deletes") < section.index("```bash")
    assert f"default/harbor-registry: {READY}." in section
    assert f"default/database-data-harbor-database-0: {NOT_READY}." in section
    assert (
        "default/harbor-jobservice, default/data-harbor-redis-0, default/data-harbor-trivy-0: no VolumeSnapshot of it."
        in section
    )
    assert "pg-weekly" not in en and "team-a-nightly" not in en
    ko = flat(render_markdown(build_incident(snapshot, diagnosis, (), "ko"), "t"))
    assert (
        "이 클레임의 VolumeSnapshot registry-nightly: 준비됨, 3h 전에 생성 (restoreSize 10Gi)."
        in ko
    )
    assert "이 클레임의 VolumeSnapshot 없음." in ko


def test_collect_writes_them_and_an_older_snapshot_says_not_collected(tmp_path: Path) -> None:
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    with served_with(tmp_path, [snapshot_crd(), *SNAPSHOTS]) as served:
        assert run(served, "collect", "--no-openstack", "-o", str(new)).code == 0
        written = json.loads(new.read_text(encoding="utf-8"))
        for field in [f for f in written["helm"] if f.startswith("volume_snapshot")]:
            del written["helm"][field]  # as a kostack that did not read them wrote it
        old.write_text(json.dumps(written), encoding="utf-8")
        # read offline: the snapshots hold the Helm state
        report_new = run(served, "report", "--snapshot", str(new), "-o", "-", "--format", "md")
        check_old = run(served, "release", "check", "harbor", "--snapshot", str(old))
        report_old = run(served, "report", "--snapshot", str(old), "-o", "-", "--format", "md")
    helm = json.loads(new.read_text(encoding="utf-8"))["helm"]
    assert {s["name"] for s in helm["volume_snapshots"]} == {
        "registry-nightly",
        "db-now",
        "pg-weekly",
        "team-a-nightly",
    }
    assert helm["volume_snapshots_in"] == ["default", "harbor", "team-a"]
    assert "default/harbor-registry: VolumeSnapshot registry-nightly of it, ready, taken" in flat(
        report_new.out
    )
    for said in (check_old, report_old):
        out = flat(said.out)
        assert said.code in (0, 1), said.err
        assert (
            "VolumeSnapshots not read: not collected "
            "(the snapshot was taken by a kostack that did not read them)" in out
        )
        assert "no VolumeSnapshot of it" not in out and "registry-nightly" not in out


def test_json_gives_every_claim_its_snapshots_as_the_advice_does(tmp_path: Path) -> None:
    """`pvcs` (every claim, the advice's or not) carried no VolumeSnapshots: only
    `advice[].backups` did."""
    with served_with(tmp_path, [snapshot_crd(), *SNAPSHOTS]) as served:
        every = json.loads(
            run(served, "release", "check", "--snapshot", example(), "-o", "json").out
        )
        harbor = json.loads(check(served, "-o", "json").out)
        served.api.inject_fault(GROUP, "volumesnapshots", status=403, namespace="default")
        forbidden = json.loads(check(served, "-o", "json").out)
    claims = {p["pvc"]: p for p in every["pvcs"]}
    names = {k: [s["name"] for s in p["volume_snapshots"]] for k, p in claims.items()}
    assert names == {
        **{key: [] for key in claims},
        "default/harbor-registry": ["registry-nightly"],
        "default/database-data-harbor-database-0": ["db-now"],
        "default/data-pg-postgresql-0": ["pg-weekly"],  # a claim no advice deletes
        "team-a/harbor-registry": ["team-a-nightly"],
    }
    assert claims["default/data-pg-postgresql-0"]["volume_snapshots"] == [
        {
            "name": "pg-weekly",
            "ready": True,
            "created": "2026-12-01T00:00:00Z",
            "restore_size": "8Gi",
        }
    ]
    for document in (every, harbor, forbidden):
        by_claim = {p["pvc"]: p for p in document["pvcs"]}
        (advice,) = document["advice"]
        assert advice["backups"]  # the same shape and words as the advice's, claim by claim
        for backup in advice["backups"]:
            assert {k: by_claim[backup["pvc"]][k] for k in backup} == backup
    unread = {p["pvc"]: p["volume_snapshots_unread"] for p in forbidden["pvcs"]}
    assert unread["team-a/harbor-registry"] is None
    assert unread["default/harbor-registry"].startswith(
        "VolumeSnapshots not read: list volumesnapshots in default: 403"
    )
    in_default = [p for p in forbidden["pvcs"] if p["pvc"].startswith("default/")]
    assert (
        len(in_default) > 5 and [p for p in in_default if p["volume_snapshots"] is not None] == []
    )
