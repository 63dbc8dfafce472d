"""A report of a snapshot kostack could not decide (security groups forbidden) says so in its
title, symptoms and impact: it used to say "network check, no fault found", "No failing flow
or check was found" and "No impact found" over a table of UNKNOWN flows."""

from __future__ import annotations

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.report.incident import build_incident
from kostack.report.markdown import render_markdown
from kostack.report.text import render_diagnosis
from kostack_testkit.builders import POD_CIDR, SERVICE_CIDR, add_pairs, build, seed_doc


def _forbidden_groups() -> dict[str, object]:
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])  # healthy once the groups are known
    doc["openstack"]["security_groups"] = None
    doc["gaps"] = [{"source": "openstack.security_groups", "error": "403 Forbidden"}]
    return doc


@pytest.mark.parametrize(
    ("lang", "title", "symptom", "impact"),
    [
        (
            "en",
            "Kubernetes on OpenStack: network check, undecided (data missing)",
            "No failing flow or check was found, but DNS, the kubernetes service, pod-to-pod, "
            "egress could not be decided",
            "Not known: what could not be decided may be broken.",
        ),
        (
            "ko",
            "OpenStack K8s 네트워크 점검 결과: 판단 불가(데이터 부족)",
            "실패한 흐름이나 점검은 없지만 DNS, kubernetes 서비스, Pod 간 통신, 외부 통신은 판단할 수 "
            "없었습니다",
            "알 수 없음: 판단하지 못한 부분이 고장일 수 있습니다.",
        ),
    ],
)
def test_an_undecided_diagnosis_is_not_reported_as_no_fault(
    lang: str, title: str, symptom: str, impact: str
) -> None:
    snapshot = build(_forbidden_groups())  # type: ignore[arg-type]
    d = diagnose(snapshot)
    assert d.verdict.kind == "undecided" and not d.root_causes
    report = build_incident(snapshot, d, (), lang)
    assert report.title == title
    assert len(report.symptoms) == 1 and report.symptoms[0].startswith(symptom)
    assert report.impact == (impact,)
    md = render_markdown(report, "test")
    assert "no fault found" not in md and "장애 없음" not in md
    assert "No impact found" not in md and "확인된 영향이 없습니다" not in md


def test_a_decided_healthy_snapshot_keeps_no_fault_found() -> None:
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    snapshot = build(doc)
    report = build_incident(snapshot, diagnose(snapshot), (), "en")
    assert report.title == "Kubernetes on OpenStack: network check, no fault found"
    assert report.impact == ("No impact found.",)


def test_the_html_summary_of_an_undecided_diagnosis_is_amber_not_green() -> None:
    """The HTML summary box was green (healthy) whenever no root cause was found, undecided
    too: a reader saw an all-clear over flows nobody could decide."""
    from kostack.report.html import render_html

    undecided = build(_forbidden_groups())  # type: ignore[arg-type]
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    healthy = build(doc)
    boxes = {}
    for name, snapshot in (
        ("undecided", undecided),
        ("healthy", healthy),
        ("seed", build(seed_doc())),
    ):
        page = render_html(build_incident(snapshot, diagnose(snapshot), (), "en"), "test")
        boxes[name] = page.split('<div class="summary-box', 1)[1].split('"', 1)[0]
    assert boxes == {"undecided": " undecided", "healthy": " healthy", "seed": ""}


def _undecided_section(text: str, heading: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith(" "))
    return lines[start:end]


@pytest.mark.parametrize(
    ("lang", "heading", "says"),
    [
        ("en", "Could not decide (missing data):", "Cannot decide"),
        ("ko", "판단 불가 (데이터 없음):", "판단할 수 없음"),
    ],
)
def test_checks_undecided_for_one_reason_share_one_line(lang: str, heading: str, says: str) -> None:
    """One missing piece of data (the groups) leaves many checks undecided: the summary says
    the reason once, naming every check; -v keeps a line per check."""
    d = diagnose(build(_forbidden_groups()))  # type: ignore[arg-type]
    undecided = {
        f.check_id for f in d.findings if f.status.value == "unknown" and not f.explained_by
    }
    assert len(undecided) > 3
    short = " ".join(_undecided_section(render_diagnosis(d, lang=lang), heading))
    assert short.count(says) == 1, short
    assert all(check in short for check in undecided)
    verbose = _undecided_section(render_diagnosis(d, verbose=True, lang=lang), heading)
    assert {
        line.split(":")[0].strip() for line in verbose if line.startswith("  net-")
    } == undecided
