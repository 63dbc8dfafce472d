"""Every renderer string exists in English and Korean, with the same placeholders."""

from __future__ import annotations

import re
import string
import typing
from pathlib import Path

from kostack.analyze.checks import CHECKS
from kostack.analyze.findings import Severity
from kostack.analyze.reach import Disposition
from kostack.catalog import LANGS
from kostack.model.snapshot import ProbeVerdict
from kostack.report import journal
from kostack.report.i18n import MESSAGES
from kostack.report.topology_svg import FLOW_KINDS

REPORT_SRC = Path(__file__).resolve().parents[2] / "src" / "kostack" / "report"
# the incident report's modules (other renderers keep their own strings and tests)
OWN_MODULES = (
    "incident.py",
    "incident_model.py",
    "incident_summary.py",
    "incident_causes.py",
    "incident_checked.py",
    "incident_solution.py",
    "markdown.py",
    "html.py",
    "topology_svg.py",
    "topology_picture.py",
    "topology_draw.py",
    "releases.py",
    "text.py",
)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# t(lang, "key") and mt(lang, 'key', ...): either quote (f-strings use the other one)
USED_KEY = re.compile(r"""\bm?t\(\s*\w+,\s*(?:"([^"]+)"|'([^']+)')""")


def _used_keys(text: str) -> list[str]:
    return [double or single for double, single in USED_KEY.findall(text)]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_in_every_language_with_the_same_placeholders() -> None:
    english = MESSAGES["en"]
    for lang in LANGS:
        table = MESSAGES[lang]
        assert set(table) == set(english), f"{lang}: missing {set(english) - set(table)}"
        for key, text in table.items():
            assert text.strip() or key.startswith("rep.title."), f"{lang} {key} is empty"
            assert placeholders(text) == placeholders(english[key]), f"{lang} {key}"


def test_every_key_the_report_code_uses_exists() -> None:
    used: set[str] = set()
    prefixes: set[str] = set()
    for path in (REPORT_SRC / name for name in OWN_MODULES):
        for key in _used_keys(path.read_text(encoding="utf-8")):
            (prefixes if key.endswith(".") else used).add(key)
    cli_report = REPORT_SRC.parent / "cli" / "report.py"
    used.update(_used_keys(cli_report.read_text(encoding="utf-8")))
    assert len(used) > 100  # the scan found the report's calls
    assert not used - set(MESSAGES["en"]), sorted(used - set(MESSAGES["en"]))
    families = {
        "pic.kind.": FLOW_KINDS,
        "rep.verdict.": typing.get_args(ProbeVerdict),
        "disp.": tuple(str(d) for d in Disposition),
        "sev.": tuple(str(s) for s in Severity),
        "short.": tuple(c.id for c in CHECKS),
        "rep.status.": (
            *journal.STATUS_WORDS.values(),
            *journal.OUTCOMES.values(),
            *(v for v in journal.UNDO_OUTCOMES.values() if v),
            "planned",
            "manual",
            "started",
        ),
    }
    assert prefixes <= set(families), prefixes - set(families)
    for prefix, members in families.items():
        for member in members:
            assert prefix + member in MESSAGES["en"], prefix + member


def test_korean_report_text_is_korean() -> None:
    """Headings and sentences are written in Korean, not left in English."""
    ko, en = MESSAGES["ko"], MESSAGES["en"]
    for key, text in ko.items():
        if not key.startswith(("rep.h.", "rep.lesson.", "rep.impact.", "rep.ping.", "rep.fix.")):
            continue
        assert HANGUL.search(text), f"ko {key} has no Korean: {text!r}"
        assert text != en[key]
    for heading, word in (
        ("rep.h.summary", "개요"),
        ("rep.h.environment", "환경 정보"),
        ("rep.h.rca", "원인 분석"),
        ("rep.h.troubleshooting", "해결 과정"),
        ("rep.h.solution", "최종 해결책"),
        ("rep.h.lessons", "교훈"),
    ):
        assert word in ko[heading]


def test_the_ping_lesson_does_not_say_a_ping_fails_where_the_node_answers() -> None:
    """IPVS before 1.25: the node answers a ClusterIP ping (the note says so); the lesson said
    "ping fails on every healthy cluster". It now says the ping proves nothing either way."""
    from kostack.analyze.diagnose import diagnose
    from kostack.report.incident import build_incident
    from kostack.report.markdown import render_markdown
    from kostack_testkit.builders import build, example_doc

    doc = example_doc("seed-incident")  # DNS broken: the lesson is given
    doc["cluster"].update(kube_proxy_mode="ipvs", kubernetes_version="v1.24.17")
    snapshot = build(doc)
    d = diagnose(snapshot)
    for lang, fails, says in (
        ("en", "fails on every healthy cluster", "proves nothing, healthy cluster or not"),
        ("ko", "정상 클러스터에서도 실패", "클러스터가 정상이든 아니든 아무것도 증명하지 못합니다"),
    ):
        text = " ".join(render_markdown(build_incident(snapshot, d, (), lang), "t").split())
        assert says in text and fails not in text
