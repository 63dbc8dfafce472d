"""`release check NAME` where no release has that name is an error (exit 2) naming the ones there.

It used to print "No Helm release named X was found." and exit 0, so a script
checking a mistyped name saw success.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from kostack.cli.common import Environment
from kostack.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "harbor-wrong-namespace.json"


def run_env(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False)
    return main(["release", "check", *args], env), out.getvalue(), err.getvalue()


def write(tmp_path: Path, change: Any) -> str:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_missing_name_is_an_error_listing_the_releases(output: str) -> None:
    code, out, err = run_env("nosuch", "--snapshot", str(EXAMPLE), "-o", output)
    assert code == 2, (out, err)
    assert out == ""
    assert err.startswith("error: no Helm release is named nosuch; releases there are: ")
    assert "default/harbor, harbor/harbor" in err
    assert "hint: Give one of those names" in err


def test_a_name_in_the_wrong_namespace_is_an_error() -> None:
    code, _out, err = run_env("harbor", "-n", "nosuch", "--snapshot", str(EXAMPLE))
    assert code == 2
    assert "no Helm release is named harbor in namespace nosuch" in err


def test_a_release_that_exists_still_checks() -> None:
    code, out, _err = run_env("harbor", "-n", "harbor", "--snapshot", str(EXAMPLE))
    assert code in (0, 1)
    assert "Helm releases named harbor" in out


def test_in_korean() -> None:
    code, _out, err = run_env("harbor", "-n", "nosuch", "--snapshot", str(EXAMPLE), "--lang", "ko")
    assert code == 2
    assert "네임스페이스 nosuch에 이름이 harbor인 Helm 릴리스가 없습니다" in err
    assert "있는 릴리스: default/harbor, harbor/harbor" in err
    assert "no Helm release" not in err


def test_many_releases_are_listed_in_part(tmp_path: Path) -> None:
    def many(data: dict[str, Any]) -> None:
        first = data["helm"]["releases"][0]
        data["helm"]["releases"] = []
        for i in range(500):
            release = copy.deepcopy(first)
            release["name"] = f"app-{i:03d}"
            release["history"] = []
            data["helm"]["releases"].append(release)

    code, _out, err = run_env("nosuch", "--snapshot", write(tmp_path, many))
    assert code == 2
    assert "app-000" in err
    assert "app-499" not in err
    assert "and 480 more" in err


def test_no_release_at_all(tmp_path: Path) -> None:
    def none(data: dict[str, Any]) -> None:
        data["helm"]["releases"] = []

    code, _out, err = run_env("harbor", "--snapshot", write(tmp_path, none))
    assert code == 2
    assert "the cluster has no Helm release" in err


def test_releases_not_read_decide_nothing(tmp_path: Path) -> None:
    def gap(data: dict[str, Any]) -> None:
        data["gaps"] = [{"source": "helm.releases", "error": "forbidden: secrets"}]

    code, out, _err = run_env("nosuch", "--snapshot", write(tmp_path, gap))
    assert code == 4
    assert "No Helm release named nosuch was found" in out
