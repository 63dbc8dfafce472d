"""`kostack release reinstall --lang ko`, against the local Kubernetes API and kostack's fake helm:
the plan (why each step, what must still hold, why a claim is left alone), every step's line, the
stop and the recovery recipe read in Korean, while the journal keeps its English words.

Before, only the headings were Korean: "keep the data of …", "in namespace default, outside this
reinstall; …", "[1] retain-pv …: applied - reclaim policy Delete -> Retain", "# when the data is
no longer needed: …" and "error: reinstall stopped: …" were printed as they were.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import yaml
from release_testing import EXAMPLES, serve

from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack_testkit import helm_fixtures as hf
from kostack_testkit.cli import flat

# what the English plan and run said, none of which may stand in the Korean output
ENGLISH = (
    "keep the data of",
    "proven volume of",
    "outside this reinstall",
    "is still the newest revision",
    "its own namespace",
    "wait for the part",
    "only now that",
    "no Helm release made it",
    ": applied -",
    ": skipped -",
    "reclaim policy",
    "deleted and gone",
    "uninstalled",
    "when the data is no longer needed",
    "backing store",
    "[pass]",
    "do not match",
    "names another release",
    "reinstall stopped",
    "records every step",
    "run: ",
)


def _run(*args: str, kubeconfig: Path, path: str, lang: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    environ = {"PATH": path, "LANG": lang, "KUBECONFIG": str(kubeconfig)}
    env = Environment(out, err, environ, stdin_isatty=False, stdout_isatty=False)
    code = main(list(args), env)
    return code, out.getvalue(), err.getvalue()


def _reinstall(values: Path, journal: Path) -> list[str]:
    return [
        "release",
        "reinstall",
        "harbor",
        "--namespace",
        "harbor",
        "--chart",
        "harbor/harbor",
        "--values",
        str(values),
        "--snapshot",
        str(EXAMPLES / "seed-fixed.json"),
        "--journal",
        str(journal),
        "--timeout",
        "60",
    ]


def test_reinstall_in_korean(tmp_path: Path, fake_helm_bin: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(hf.seed_values()), encoding="utf-8")
    journal = tmp_path / "reinstall.jsonl"
    scenario = hf.harbor_seed()
    scenario.extend(hf.lookalikes())
    with serve(scenario, tmp_path) as served:
        code, out, err = _run(
            *_reinstall(values, journal),
            "--yes",
            kubeconfig=served.kubeconfig,
            path=str(fake_helm_bin),
            lang="ko_KR.UTF-8",
        )
    assert code == 0, out + err
    out = flat(out)  # sentences wherever the terminal layout broke them
    for english in ENGLISH:
        assert english not in out, (english, out)
    # the plan
    assert "클레임이 삭제되어도 default/harbor-jobservice의 데이터를 보존" in out
    assert "default/harbor의 것으로 증명된 볼륨(database)" in out
    assert "harbor가 아니라 이미 없는 릴리스 harbor-staging이 만든 것" in out
    assert "sh.helm.release.v1.harbor.v2가 여전히 최신 리비전 (2, failed)" in out
    assert "이번 재설치 범위 밖의 네임스페이스 team-a에 있음; 릴리스 team-a/harbor의 것" in out
    assert "harbor를 전용 네임스페이스 harbor에 설치" in out
    assert "[통과] " in out
    # the run, step by step
    assert ": 적용됨 - 회수 정책 Delete -> Retain" in out
    assert ": 적용됨 - 릴리스 harbor/harbor를 제거함" in out
    assert ": 적용됨 - 삭제되어 없어짐; 볼륨 pvc-" in out
    # the recovery recipe's comments
    assert "# 데이터가 더 필요 없을 때: kubectl delete pv pvc-" in out
    # the journal keeps the engine's English
    records = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    details = [r["detail"] for r in records if r["type"] == "result"]
    assert "reclaim policy Delete -> Retain" in details
    assert "release harbor/harbor uninstalled" in details
    recipe = next(r for r in records if r["type"] == "recovery")["recipe"]
    assert any(line.startswith("# when the data is no longer needed: ") for line in recipe)
    assert records[-1]["status"] == "complete"


def test_a_stopped_reinstall_in_korean(tmp_path: Path) -> None:
    """No helm on PATH: the run stops at the uninstall, says so in Korean and quotes the command."""
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(hf.seed_values()), encoding="utf-8")
    with serve(hf.harbor_seed(), tmp_path) as served:
        code, out, err = _run(
            *_reinstall(values, tmp_path / "j.jsonl"),
            "--yes",
            kubeconfig=served.kubeconfig,
            path="/nonexistent",
            lang="ko_KR.UTF-8",
        )
    assert code == 5, out + err
    assert ": 직접 실행 - helm이 설치되어 있지 않음" in out
    assert "\n    실행: `helm uninstall harbor --namespace " in out
    assert "재설치가 중단되었습니다: " in err
    assert "helm이 필요한데 설치되어 있지 않습니다: `helm uninstall harbor" in out + err
    for english in ENGLISH:
        assert english not in flat(out + err), (english, out + err)


def test_a_blocked_reinstall_in_korean(tmp_path: Path) -> None:
    """The network is broken (the seed): nothing is changed, and the refusal is Korean."""
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(hf.seed_values()), encoding="utf-8")
    args = _reinstall(values, tmp_path / "j.jsonl")
    args[args.index("--snapshot") + 1] = str(EXAMPLES / "seed-incident.json")
    with serve(hf.harbor_seed(), tmp_path) as served:
        before = served.pvcs()
        code, out, err = _run(
            *args, "--yes", kubeconfig=served.kubeconfig, path="/nonexistent", lang="ko_KR.UTF-8"
        )
        assert served.pvcs().keys() == before.keys()
    assert code == 1, out + err
    assert err.startswith("오류: "), err
    assert "근본 원인" in err and "blocked" not in err and "Nothing was changed" not in err, err


def test_release_check_says_why_the_network_is_not_judged_in_korean(tmp_path: Path) -> None:
    """Read live without OpenStack credentials, `release check` notes on stderr why it judges
    no network: its lead-in was "note: network not judged:" in every language."""
    from test_release_check_snapshots import run, served_with

    with served_with(tmp_path, []) as served:
        en = run(served, "release", "check", "harbor")
        ko = run(served, "release", "check", "harbor", lang="ko_KR.UTF-8")
    assert en.code == ko.code == 1  # the failed releases, judged from the cluster alone
    assert en.err.startswith("note: network not judged: no OpenStack credentials found"), en.err
    assert ko.err.startswith(
        "참고: 네트워크는 판단하지 않았습니다: OpenStack 자격 증명이 없습니다"
    ), ko.err
    assert "network not judged" not in ko.err
