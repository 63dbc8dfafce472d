"""What the lab runner says about a source it could not probe from, in Korean.

`kostack probe --lab` printed the lab runner's problems in English under --lang ko
("node k8s-w-3 of the snapshot is not in the lab", "k8s-w-1: could not run the agent in
ks-...: ..."), and a pool source's skipped probes as quoted English. They are messages now;
the English is unchanged.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from foundation.english import english_lines

from kostack.catalog import localize
from kostack.model import load_snapshot
from kostack.probe.plan import build_probe_plan
from kostack.report.probe_words import observed
from kostack_lab.lab_runner import LabPod, run_in_lab

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _round(example: str, broken: bool) -> tuple[list[str], list[str]]:
    plan = build_probe_plan(load_snapshot(EXAMPLES / example))
    node = plan.sources[0]
    pods = {node: LabPod(node, "ks-test-none", "demo/probe", "10.244.0.9")}

    def execute(netns: str, argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        if broken:
            raise OSError(f"no namespace {netns}")
        return subprocess.CompletedProcess(argv, 2, "", "Traceback: boom\n")

    done = run_in_lab(plan, pods, {node: "10.244.0.9"}, execute=execute, sequential=True)
    skipped = sorted({r.detail for r in done.results if r.verdict == "skipped"})
    return [str(p) for p in done.problems], skipped + [localize(p, "ko") for p in done.problems]


def test_the_lab_runners_problems_are_korean() -> None:
    for example, broken in (("seed-incident.json", True), ("seed-incident.json", False),
                            ("calico-two-pools-native-no-pairs.json", True)):  # fmt: skip
        plan = build_probe_plan(load_snapshot(EXAMPLES / example))
        english, said = _round(example, broken)
        assert any("of the snapshot is not in the lab" in p for p in english), english
        korean = [observed("ko", text) if text.startswith("skipped") else text for text in said]
        text = "\n".join(korean)
        assert english_lines(text) == [], text
        assert "“skipped" not in text and "랩에 없습니다" in text, text
        if plan.pool_sources:
            assert "IP 풀" in text, text
    english, said = _round("seed-incident.json", False)
    assert any(p.endswith(": the agent exited 2: Traceback: boom") for p in english), english
    assert any("에이전트가 종료 코드 2로 끝났습니다: “Traceback: boom”" in p for p in said), said
