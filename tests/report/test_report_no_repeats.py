"""No paragraph or list line of the incident report appears twice.

The seed's 3.1 "Result" used to repeat section 1's symptom list line for
line; 3.2's ClusterIP text used to repeat in 4.1 (tests/report/test_report_incident.py).
Checked over the examples with a story (network only, network and Harbor,
a fix that is not enough, an MTU cause, probe data), in both languages.
"""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest
from report_testing import run, seed_with_probes, write_doc

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.model.load import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["seed-incident", "harbor-wrong-namespace", "ovn-seed-fix-not-enough", "mtu-1500"]
# causes no finding of their own leads: their first symptom's message is the cause's ("What
# happens"), and used to be said again under "Breaks:" / "Result"
LED_BY_A_SYMPTOM = [
    "metallb-lb-class-no-controller",
    "antrea-no-node-port-proxy",
    "lb-node-port-addresses",
]


def repeated(markdown: str) -> list[str]:
    """Paragraphs and list lines (not table rows, not short labels) that appear more than once."""
    paragraphs = [p.strip() for p in markdown.split("\n\n") if len(p.strip()) > 30]
    lines = [
        line.strip()
        for line in markdown.splitlines()
        if len(line.strip()) > 30 and not line.lstrip().startswith("|")
    ]
    twice = [text for text, n in collections.Counter(paragraphs).items() if n > 1]
    twice += [text for text, n in collections.Counter(lines).items() if n > 1]
    return twice


def report(snapshot: str, lang: str) -> str:
    code, out, err = run(
        "report", "--snapshot", snapshot, "--lang", lang, "--format", "md", "-o", "-"
    )
    assert code in (0, 1, 4), err
    return out


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("example", EXAMPLES + LED_BY_A_SYMPTOM)
def test_no_text_twice(example: str, lang: str) -> None:
    text = report(str(ROOT / "examples" / f"{example}.json"), lang)
    assert repeated(text) == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_text_twice_with_probe_data(tmp_path: Path, lang: str) -> None:
    doc: dict[str, Any] = seed_with_probes()
    text = report(write_doc(doc, tmp_path / "probes.json"), lang)
    assert repeated(text) == []


def test_the_seed_result_points_to_the_summary() -> None:
    text = report(str(ROOT / "examples" / "seed-incident.json"), "en")
    cause = text.split("### 3.1", 1)[1].split("###", 1)[0]
    assert "- **Result**:\n  - every symptom listed in the Summary (1)\n" in cause
    harbor = report(str(ROOT / "examples" / "harbor-wrong-namespace.json"), "ko")
    assert "개요(1절)에 적은 증상 중 처음 4개" in harbor


def test_the_check_sees_a_repeat() -> None:
    assert (
        repeated(
            "a\n\n- the same line, long enough to count\n\nb\n\n- the same line, long enough to count"
        )
        != []
    )


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("example", LED_BY_A_SYMPTOM)
def test_a_cause_led_by_its_symptom_says_it_once_in_the_text(example: str, lang: str) -> None:
    path = ROOT / "examples" / f"{example}.json"
    (rc,) = diagnose(load_snapshot(path)).root_causes
    assert not rc.findings and rc.symptoms  # led by its symptom
    said = " ".join(localize(rc.message, lang).split())
    code, out, err = run("diagnose", "--snapshot", str(path), "--lang", lang)
    assert code == 1, err
    assert " ".join(out.split()).count(said) == 1
    label = "Breaks:" if lang == "en" else "영향:"
    assert label not in out  # nothing else breaks that the cause does not say
