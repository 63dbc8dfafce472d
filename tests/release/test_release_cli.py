"""`kostack release check` and `kostack release reinstall` end to end, and the secret canary.

The CLI runs against the API double (KUBECONFIG), with the network state
from the example snapshots, and for --yes a `helm` on PATH that is kostack's
fake (a real subprocess). Every output, the snapshot and the journal are
searched for the canary secrets from the release values.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from release_testing import EXAMPLES, Served, seed_state, serve, with_helm

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.model import dump_snapshot
from kostack_testkit import helm_fixtures as hf
from kostack_testkit.cli import flat

SEED_FIVE = {
    "default/harbor-registry",
    "default/harbor-jobservice",
    "default/database-data-harbor-database-0",
    "default/data-harbor-redis-0",
    "default/data-harbor-trivy-0",
}


@dataclass
class Run:
    code: int
    out: str
    err: str


HARBOR = ("release", "reinstall", "harbor", "--namespace", "harbor", "--chart", "harbor/harbor")


@dataclass
class Session:
    served: Served
    tmp: Path
    path: str = "/nonexistent"
    seen: list[str] = field(default_factory=list)  # every output, for the canary test

    def reinstall(self, snapshot: str, *extra: str, lang: str = "C") -> Run:
        """`release reinstall harbor` of harbor/harbor from an example snapshot."""
        return self.run(*HARBOR, "--snapshot", example(snapshot), *extra, lang=lang)

    def run(self, *args: str, kubeconfig: bool = True, lang: str = "C") -> Run:
        out, err = io.StringIO(), io.StringIO()
        environ = {"PATH": self.path, "LANG": lang}
        if kubeconfig:
            environ["KUBECONFIG"] = str(self.served.kubeconfig)
        env = Environment(out, err, environ, stdin_isatty=False, stdout_isatty=False)
        code = main(list(args), env)
        result = Run(code, out.getvalue(), err.getvalue())
        self.seen.extend([result.out, result.err])
        return result


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    tmp = tmp_path_factory.mktemp("cli")
    with serve(seed_state(), tmp) as served:
        yield Session(served, tmp)


def example(name: str) -> str:
    return str(EXAMPLES / name)


def test_help_shows_examples(session: Session) -> None:
    for args in (
        ["release", "--help"],
        ["release", "check", "--help"],
        ["release", "reinstall", "--help"],
    ):
        result = session.run(*args)
        assert result.code == 0
        assert "Examples:" in result.out and "kostack release" in result.out


def test_check_reports_the_seed_as_one_chain_with_the_root_cause(session: Session) -> None:
    result = session.run("release", "check", "harbor", "--snapshot", example("seed-incident.json"))
    assert result.code == 1, result.err
    out = result.out
    assert out.startswith("Helm releases named harbor: default/harbor")
    assert "Network: ROOT CAUSE Neutron anti-spoofing drops pod traffic" in flat(out)
    first = flat(out.split("\n\n")[1])
    assert first.startswith("[critical] rel-pods-ready: Release harbor/harbor: harbor-jobservice")
    assert "ending at the cluster network (Neutron anti-spoofing drops pod traffic)" in first
    assert (
        "-> traced harbor-core-7d9f8b6c5d-q2x7m (k8s-w-3) -> harbor-database-0 (k8s-w-1)" in first
    )
    assert "[high] rel-stale-volume: PVC default/database-data-harbor-database-0" in flat(out)
    assert "Looks related, not proven" in out and "default/data-harbor-redis-1" in out


def test_check_one_namespace_json(session: Session) -> None:
    result = session.run(
        "release",
        "check",
        "harbor",
        "--namespace",
        "harbor",
        "--snapshot",
        example("seed-incident.json"),
        "-o",
        "json",
    )
    assert result.code == 1
    document = json.loads(result.out)
    assert document["schema_version"] == 1
    assert document["network_root_causes"] == ["antispoof"]
    chains = [
        f
        for f in document["findings"]
        if f["check_id"] == "rel-pods-ready" and f["status"] == "fail"
    ]
    assert len(chains) == 1 and chains[0]["cause"] == "antispoof"
    assert [r["namespace"] for r in document["releases"]] == ["harbor"]


def test_check_in_korean(session: Session) -> None:
    result = session.run(
        "release",
        "check",
        "harbor",
        "--snapshot",
        example("seed-incident.json"),
        lang="ko_KR.UTF-8",
    )
    assert "이름이 harbor인 Helm 릴리스" in result.out
    assert "원인 사슬" in result.out
    assert "근본 원인" in result.out


def test_check_from_a_snapshot_alone(session: Session) -> None:
    snapshot = with_helm("seed-incident.json", session.served.collect())
    path = session.tmp / "with-helm.json"
    path.write_text(dump_snapshot(snapshot), encoding="utf-8")
    session.seen.append(path.read_text(encoding="utf-8"))
    result = session.run("release", "check", "harbor", "--snapshot", str(path), kubeconfig=False)
    assert result.code == 1, result.err
    assert "rel-pods-ready" in result.out


def test_reinstall_is_blocked_while_the_network_is_broken(session: Session) -> None:
    before = session.served.pvcs()
    result = session.reinstall("seed-incident.json", "--yes")
    assert result.code == 1
    assert result.err.startswith(
        "error: reinstall blocked: the cluster network is not healthy: DNS from pods fails"
    )
    assert "ROOT CAUSE: Neutron anti-spoofing drops pod traffic" in result.err
    assert "Nothing was changed" in result.err
    assert session.served.pvcs().keys() == before.keys()


def test_reinstall_dry_run_lists_exactly_the_five(session: Session) -> None:
    result = session.reinstall("seed-fixed.json")
    assert result.code == 0, result.err
    assert "Deletes exactly these 5 PVCs" in result.out
    table = result.out.split("Deletes exactly these 5 PVCs")[1].split("VolumeSnapshots of")[0]
    rows = {line.split()[0] for line in table.splitlines()[2:] if line.strip()}
    assert rows == SEED_FIVE
    assert "Delete -> Retain" in table
    # the reinstall read the cluster's VolumeSnapshots (this one serves no such API) for each claim
    backups = result.out.split("VolumeSnapshots of the claims")[1].split("Left alone")[0]
    line = flat(backups.split("\n", 1)[1])  # the five say the same: one line
    assert line.endswith(
        ": no VolumeSnapshot API in this cluster (snapshot.storage.k8s.io/v1 is not served)"
    )
    assert set(line.split(": ")[0].split(", ")) == SEED_FIVE
    assert "Dry run: nothing was changed" in result.out
    plan = session.reinstall("seed-fixed.json", "-o", "json")
    document = json.loads(plan.out)
    assert {p["pvc"] for p in document["pvcs"]} == SEED_FIVE
    assert all(p["volume_snapshots"] is None for p in document["pvcs"])
    assert document["gate"]["passed"] is True


def test_bad_input_is_a_usage_error(session: Session) -> None:
    result = session.run("release", "reinstall", "harbor", "--namespace", "harbor")
    assert result.code == 2
    assert "--chart" in result.err


def test_reinstall_yes_without_helm_prints_the_command(tmp_path: Path) -> None:
    with serve(hf.harbor_seed(), tmp_path) as served:
        session = Session(served, tmp_path)
        result = session.reinstall(
            "seed-fixed.json", "--yes", "--journal", str(tmp_path / "j.jsonl")
        )
        assert result.code == 5
        assert "error: reinstall stopped" in result.err
        assert "run: `helm uninstall harbor --namespace default --wait" in result.out
        assert f"--kubeconfig {served.kubeconfig}" in result.out
        assert set(served.pvcs()) >= SEED_FIVE
        # again, as JSON, in Korean: the volumes are already Retain, it stops at the same step
        again = session.reinstall(
            "seed-fixed.json",
            "--yes",
            "-o",
            "json",
            "--journal",
            str(tmp_path / "j2.jsonl"),
            lang="ko_KR.UTF-8",
        )
        assert again.code == 5
        document = json.loads(again.out)
        assert document["result"]["status"] == "stopped"
        outcomes = [s["outcome"] for s in document["result"]["steps"]]
        assert outcomes == ["manual"]  # nothing left to retain: the plan has no retain step now
        assert {p["pvc"] for p in document["pvcs"]} == SEED_FIVE


def test_plan_in_korean(session: Session) -> None:
    result = session.reinstall("seed-incident.json", lang="ko_KR.UTF-8")
    assert result.code == 1
    assert "시험 실행" in result.out
    assert "정확히 다음 PVC 5개만 삭제합니다" in result.out
    assert "클러스터 네트워크가 정상이 아닙니다" in result.out


def test_reinstall_yes_with_helm_and_the_canary(session: Session, fake_helm_bin: Path) -> None:
    values = session.tmp / "values.yaml"
    values.write_text(yaml.safe_dump(hf.seed_values()), encoding="utf-8")
    journal = session.tmp / "reinstall.journal.jsonl"
    session.path = str(fake_helm_bin)
    result = session.run(
        *HARBOR,
        "--values",
        str(values),
        "--snapshot",
        example("seed-fixed.json"),
        "--yes",
        "--journal",
        str(journal),
        "--timeout",
        "60",
    )
    assert result.code == 0, result.out + result.err
    assert "Reinstall complete." in result.out
    assert "Retained volumes (5)" in result.out
    # the API server sees kostack's deletes and patches as the reinstall, never as the collector
    writes = [
        r
        for r in session.served.api.requests
        if r.method in ("POST", "PUT", "PATCH", "DELETE") and r.user_agent.startswith("kostack")
    ]
    assert writes, "the reinstall changed the cluster"
    assert {r.user_agent for r in writes} == {"kostack (release reinstall)"}
    assert not SEED_FIVE & set(session.served.pvcs())
    assert "harbor/sh.helm.release.v1.harbor.v1" in session.served.releases()
    text = journal.read_text(encoding="utf-8")
    session.seen.append(text)
    records = [json.loads(line) for line in text.splitlines()]
    assert records[-1]["status"] == "complete"
    assert {
        r["claim"] for r in next(r for r in records if r["type"] == "recovery")["retained"]
    } == SEED_FIVE
    # the incident report takes the reinstall's journal and says what each step did
    report = session.tmp / "incident.md"
    reported = session.run(
        "report",
        "--snapshot",
        example("seed-fixed.json"),
        "--journal",
        str(journal),
        "-o",
        str(report),
    )
    assert reported.code == 0, reported.err
    steps = [r for r in records if r["type"] == "result"]
    assert f"{len(steps)} journaled actions" in reported.out
    markdown = report.read_text(encoding="utf-8")
    session.seen.append(markdown)
    uninstall = next(a for a in records[0]["actions"] if a["op"] == "helm-uninstall")
    assert f"{uninstall['command']}   # {uninstall['target']}, applied" in markdown, markdown
    # afterwards, the check sees a healthy harbor/harbor and no trace of the old one
    after = session.run(
        "release",
        "check",
        "harbor",
        "--namespace",
        "harbor",
        "--snapshot",
        example("seed-fixed.json"),
    )
    assert "rel-pods-ready" not in after.out.split("Also checked")[0]

    # ---- the canary: the release values' secrets never appear anywhere kostack wrote
    for extra in (["-v"], ["-o", "json"], ["--lang", "ko", "-v"]):
        session.run("release", "check", "--snapshot", example("seed-incident.json"), *extra)
    session.run(
        *HARBOR,
        "--values",
        str(values),
        "--snapshot",
        example("seed-fixed.json"),
        "-o",
        "json",
    )
    assert len(session.seen) > 20
    secrets = [*hf.CANARIES, "Harbor12345", "not-a-secure-key", "changeit"]
    forms = secrets + [base64.b64encode(s.encode()).decode() for s in secrets]
    for text in session.seen:
        for form in forms:
            assert form not in text, form


def test_live_without_openstack_still_checks_and_the_gate_says_why(
    served: Served, tmp_path: Path
) -> None:
    session = Session(served, tmp_path)
    check = session.run("release", "check", "harbor", "--namespace", "harbor")
    assert check.code == 1
    assert "Network: not judged" in check.out
    assert "suspect the pod network" in flat(check.out)
    assert "note: network not judged: no OpenStack credentials" in check.err
    plan = session.run(*HARBOR)
    assert plan.code == 1
    assert "no OpenStack credentials" in plan.out
    assert plan.err.startswith(
        "error: reinstall blocked: the cluster network is not healthy: DNS from pods not confirmed"
    )
