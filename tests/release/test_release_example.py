"""The Harbor half of the seed story from examples/ alone, offline (issue #13 item 5).

`examples/harbor-wrong-namespace.json` is the seed with its Helm state. The
installed `kostack` runs as a user would, with no kubeconfig, no
~/.kube/config and no OpenStack settings: `release check --snapshot` must
judge the releases from the file, and `report` must tell the whole story
(3.3 why the install failed, 5.3 the clean reinstall, the lesson).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kostack_testkit.cli import flat

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "harbor-wrong-namespace.json")
KOSTACK = str(Path(sys.executable).parent / "kostack")


def offline(*args: str, home: Path, lang: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    """kostack with nothing to reach: an empty HOME, no KUBECONFIG, no OS_* variables."""
    environ = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": lang}
    return subprocess.run(
        [KOSTACK, *args], capture_output=True, text=True, env=environ, cwd=home, check=False
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def test_release_check_on_the_example_needs_no_cluster(home: Path) -> None:
    result = offline("release", "check", "--snapshot", EXAMPLE, "-o", "json", home=home)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert doc["network_root_causes"] == ["antispoof"]
    failing = {
        (f["check_id"], f["resource"]["id"]) for f in doc["findings"] if f["status"] == "fail"
    }
    assert ("rel-pods-ready", "harbor/harbor") in failing  # jobservice -> core -> the network
    stale = [f for f in doc["findings"] if f["check_id"] == "rel-stale-volume"]
    assert [f["resource"]["name"] for f in stale] == ["database-data-harbor-database-0"]
    assert ("rel-namespace", "default/harbor") in failing  # installed without -n


def test_release_check_text_ends_the_chain_at_the_network_root_cause(home: Path) -> None:
    result = offline("release", "check", "harbor", "--snapshot", EXAMPLE, home=home)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "ROOT CAUSE Neutron anti-spoofing drops pod traffic" in out
    assert "harbor-jobservice" in out and "crash-looping" in out
    assert "dropped at Neutron port" in flat(out)
    assert "kostack release reinstall harbor --namespace harbor" in out
    korean = offline("release", "check", "harbor", "--snapshot", EXAMPLE, "--lang", "ko", home=home)
    assert korean.returncode == 1
    assert "근본 원인" in korean.stdout and "재시작을 반복합니다" in korean.stdout


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            (
                "### 3.3 Why the harbor install failed",
                "### 5.3 Reinstall harbor cleanly",
                "Clean up failed stateful installs completely",
            ),
        ),
        (
            "ko",
            (
                "### 3.3 harbor 설치 실패 원인",
                "### 5.3 애플리케이션(harbor) 재배포",
                "실패한 Stateful 설치는 완전히 정리한다",
            ),
        ),
    ],
)
def test_report_on_the_example_tells_the_harbor_story(
    home: Path, lang: str, expected: tuple[str, ...]
) -> None:
    result = offline(
        "report", "--snapshot", EXAMPLE, "-o", "-", "--format", "md", "--lang", lang, home=home
    )
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout
    # the stale database volume is named where the story explains the failure
    section = result.stdout.split("### 3.3", 1)[1].split("## 4.", 1)[0]
    assert "default/database-data-harbor-database-0" in section


def test_a_snapshot_without_helm_state_says_so(home: Path) -> None:
    seed = str(ROOT / "examples" / "seed-incident.json")
    result = offline("release", "check", "--snapshot", seed, home=home)
    assert result.returncode == 2
    assert "seed-incident.json has no Helm state" in result.stderr
    assert "harbor-wrong-namespace.json" in result.stderr
    assert result.stdout == ""
