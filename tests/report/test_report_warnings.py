"""The incident report says the warnings `kostack diagnose` prints, and no section is left empty."""

from __future__ import annotations

import re

import pytest
from report_testing import run

from kostack.analyze.diagnose import WARNING_CAUSES, diagnose
from kostack.report.incident import build_incident
from kostack.report.incident_warnings import warning_title
from kostack_testkit.builders import build, example_doc

PORTSEC_OFF = "examples/seed-port-security-off.json"
CILIUM = "examples/cilium-geneve-no-6081.json"  # a root cause and a warning with a command
UNDECIDED = "examples/backend-unknown-healthy.json"
HEALTHY = "examples/seed-fixed.json"

# (what the warning's subsection is headed, what its message says), per language
PORTSEC_WORDS = {
    "en": ("Warning: Anti-spoofing is effectively off on node ports", "Anti-spoofing is off"),
    "ko": ("경고: 노드 포트의 anti-spoofing이 사실상 꺼져 있음", "anti-spoofing이 꺼져 있습니다"),
}
NOT_OUTAGE = {"en": "not an outage", "ko": "장애가 아닌 경고"}
OPTIONAL = {
    "en": "Optional, to clear this warning (`kostack fix plan` does not make this change)",
    "ko": "선택 사항: 이 경고를 없애려면 (`kostack fix plan`은 이 변경을 하지 않음)",
}


def report(path: str, lang: str, fmt: str) -> str:
    code, out, err = run("--lang", lang, "report", "--snapshot", path, "-o", "-", "--format", fmt)
    assert code == 0, err
    return out


def text_of(html: str) -> str:
    """The HTML's text, in order (what a reader sees, code spans without their backticks)."""
    return re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'").replace("&quot;", '"')


def md_sections(md: str) -> dict[str, list[str]]:
    """Each `## ` section's non-empty lines before the next `##` or `###` heading."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in md.splitlines():
        if line.startswith("## "):
            current = out.setdefault(line[3:], [])
        elif line.startswith("###"):
            current = None  # a subsection is content of its own
            out[list(out)[-1]].append(line)
        elif current is not None and line.strip():
            current.append(line)
    return out


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_warning_is_in_the_report_with_its_evidence(lang: str, fmt: str) -> None:
    out = report(PORTSEC_OFF, lang, fmt)
    said = out if fmt == "md" else text_of(out)
    heading, message = PORTSEC_WORDS[lang]
    assert f"3.1 {heading}" in said
    assert message in said
    assert NOT_OUTAGE[lang] in said
    # its evidence: the ports whose port security is off
    assert "port 5f1c7974-c7a9-5b1e-ab2f-72fe4bdfb30b port_security_enabled=false" in said
    # the summary names it and points to its subsection
    summary = said.split("3.1")[0]
    assert heading.split(": ", 1)[1] in summary
    assert "(1 warning)" in said if lang == "en" else "(경고 1건)" in said


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_warnings_command_is_marked_optional_and_left_to_the_reader(lang: str, fmt: str) -> None:
    out = report(CILIUM, lang, fmt)
    said = out if fmt == "md" else text_of(out)
    assert (OPTIONAL[lang] if fmt == "md" else OPTIONAL[lang].replace("`", "")) in said
    command = "openstack security group rule create --ingress --ethertype IPv4 --protocol tcp --dst-port 4240"
    # the optional command is in the warning's subsection (3), not in the solution (5)
    solution = said.split("5. ")[-1]
    assert command in said.split("## 4" if fmt == "md" else "4. ")[0]
    assert command not in solution
    # a root cause and the warning after it, then the ClusterIP note after both
    assert re.search(r"3\.1 .*\n(.*\n)*.*3\.2 (Warning|경고): ", said)
    assert "3.3 " in said


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    "path, rca, solution",
    [
        (
            HEALTHY,
            {"en": "every check was decided", "ko": "모든 점검이 판단을 마쳤고"},
            {"en": "No outage to fix", "ko": "고칠 장애가 없습니다"},
        ),
        (
            UNDECIDED,
            {"en": "1 conditional cause depends on", "ko": "조건부 원인 1개가"},
            # its fix is for its case only (section 5 says so, then gives it under its condition)
            {"en": "No fix holds in every case", "ko": "모든 경우에 필요한 해결책은 없습니다"},
        ),
        (
            PORTSEC_OFF,
            {"en": "every check was decided", "ko": "모든 점검이 판단을 마쳤고"},
            {"en": "`kostack fix plan` does not make", "ko": "`kostack fix plan`은 이 변경을"},
        ),
    ],
)
def test_no_section_is_left_empty(
    path: str, rca: dict[str, str], solution: dict[str, str], lang: str
) -> None:
    sections = md_sections(report(path, lang, "md"))
    for heading, lines in sections.items():
        assert lines, f"section {heading!r} is a heading and nothing"
    (rca_lines,) = [lines for heading, lines in sections.items() if heading.startswith("3.")]
    (fix_lines,) = [lines for heading, lines in sections.items() if heading.startswith("5.")]
    assert rca[lang] in rca_lines[0]
    assert solution[lang] in " ".join(fix_lines)
    html = text_of(report(path, lang, "html"))  # code spans are <code>, not backticks
    assert rca[lang] in html and solution[lang].replace("`", "") in html


def test_an_undecided_report_never_says_every_check_was_decided() -> None:
    md = report(UNDECIDED, "en", "md")
    assert "every check was decided" not in md
    assert "Every check that could run passed" not in md  # the healthy lesson
    assert "Decide what is still open" in md


def test_every_warning_cause_has_a_title_in_every_language() -> None:
    for cause in WARNING_CAUSES:
        for lang in ("en", "ko"):
            title = warning_title(cause, "some-check", lang)
            assert title != "some-check", (cause, lang)
    assert (
        warning_title("cilium-health", "x", "ko") == "보안 그룹이 노드 간 Cilium 헬스 체크를 차단함"
    )


def test_many_warnings_of_one_cause_are_one_subsection() -> None:
    snapshot = build(example_doc("seed-port-security-off"))
    d = diagnose(snapshot)
    report_ = build_incident(snapshot, d, (), "en")
    assert len(report_.warnings) == len({f.cause for f in d.warnings}) == 1
    assert report_.warning_lines == (
        "Anti-spoofing is effectively off on node ports (not an outage; section 3.1)",
    )
