"""The incident report says the conditional causes `kostack diagnose` prints: the condition, what
breaks then, how to tell the cases apart, and the fix for that case only, apart from the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_testing import ROOT
from test_report_warnings import md_sections, report, text_of

from kostack.analyze.diagnose import diagnose
from kostack.model.load import load_snapshot
from kostack.report.incident import build_incident
from kostack.report.journal import JournalAction
from kostack_testkit.builders import POD_CIDR, add_pairs, seed_doc

REPLY_DROP = "examples/reply-drop-backend-unknown.json"  # a root cause, and one only on ML2/OVN
UNDECIDED = "examples/backend-unknown-healthy.json"  # nothing broken but on ML2/OVN
CONDITIONAL = (REPLY_DROP, UNDECIDED)
EXAMPLES = sorted(f"examples/{p.name}" for p in (ROOT / "examples").glob("*.json"))
RULE = (
    "openstack security group rule create --ingress --ethertype IPv4 --protocol any "
    "--remote-ip 10.244.0.0/16 --description 'kostack: pod CIDR' "
    "07cf102a-e375-5404-93ae-0a476a53aeb8"
)
TITLE = {
    "en": "Security groups drop pod-sourced packets between nodes",
    "ko": "보안 그룹이 노드 간 Pod 출발 패킷을 차단함",
}
HEADING = {"en": "Conditional cause (only on ML2/OVN)", "ko": "조건부 원인(ML2/OVN 조건에서만)"}
WHEN = {
    "en": "Only on ML2/OVN; in every other case this is healthy.",
    "ko": "ML2/OVN 조건에서만 해당하며, 그 밖의 경우에는 정상입니다.",
}
TELL = {"en": "How to tell the cases apart", "ko": "경우를 구별하는 방법"}
SUMMARY = {
    "en": "only on ML2/OVN, which depends on what the snapshot does not say",
    "ko": "ML2/OVN 조건에서만 해당하며, 스냅샷에 없는 정보에 따라 달라짐",
}
FIX_HEADING = {"en": "Only on ML2/OVN: ", "ko": "ML2/OVN 조건에서만: "}
FIX_LABEL = {
    "en": "Only on ML2/OVN: do not run these commands otherwise.",
    "ko": "ML2/OVN 조건에서만 실행하고, 그 밖의 경우에는 이 명령을 실행하지 마세요.",
}


def _section(md: str, number: str) -> str:
    """The text of `## number.` up to the next `## `."""
    start = md.index(f"\n## {number}. ")
    return md[start : md.index("\n## ", start + 1)]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", CONDITIONAL)
def test_a_conditional_cause_is_in_section_3_with_its_condition_and_how_to_tell(
    path: str, lang: str
) -> None:
    md = report(path, lang, "md")
    rca = _section(md, "3")
    n = 2 if path == REPLY_DROP else 1  # after the root cause
    assert f"### 3.{n} {HEADING[lang]}: {TITLE[lang]}" in rca
    assert WHEN[lang] in rca
    assert f"**{TELL[lang]}**" in rca
    # the diagnosis's tell items, their commands as code
    assert "`openstack network agent list`" in rca
    assert "`openstack extension list --network`" in rca
    assert "`--neutron-backend ml2/ovs|ml2/ovn`" in rca
    # its evidence and what breaks then
    assert "security_group 07cf102a-e375-5404-93ae-0a476a53aeb8 rules=ingress" in rca
    assert "pod -> pod across nodes" in rca or "노드 간 Pod -> Pod 통신" in rca
    # the summary names it: what it depends on, where section 3 says it
    summary = _section(md, "1")
    assert f"- {TITLE[lang]}: {SUMMARY[lang]}" in summary
    assert f"3.{n}" in summary
    # no pointer elsewhere for what the report now says itself
    assert "`kostack diagnose` shows each" not in md
    assert "`kostack diagnose`가 각각의" not in md


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", CONDITIONAL)
def test_a_conditional_fix_is_its_own_labelled_group_in_section_5(path: str, lang: str) -> None:
    md = report(path, lang, "md")
    solution = _section(md, "5")
    groups = solution.split("\n### ")[1:]
    with_rule = [g for g in groups if RULE in g]
    assert len(with_rule) == 1, solution  # said once, never mixed into another fix
    (group,) = with_rule
    n = len(groups) - 1  # its fast insecure alternative follows it
    assert group.startswith(f"5.{n} {FIX_HEADING[lang]}{TITLE[lang]}")
    assert f"**{FIX_LABEL[lang]}" in group
    assert "```bash" in group  # the command quoted as a command
    # section 3 points to it
    assert f"5.{n}" in _section(md, "3")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", CONDITIONAL)
def test_the_html_report_says_the_same(path: str, lang: str) -> None:
    html = report(path, lang, "html")
    said = text_of(html)
    assert f"{HEADING[lang]}: {TITLE[lang]}" in said
    assert WHEN[lang] in said
    assert TELL[lang] in said
    assert "<code>openstack network agent list</code>" in html
    assert SUMMARY[lang] in said
    assert f"{FIX_HEADING[lang]}{TITLE[lang]}" in said
    assert f'<p class="conditional">{FIX_LABEL[lang]}' in html
    assert RULE.replace("'", "&#x27;") in html


def test_nothing_broken_in_every_case_says_so_and_the_fix_is_for_its_case() -> None:
    md = report(UNDECIDED, "en", "md")
    sections = md_sections(md)
    assert any(
        "No network root cause holds in every case" in s for s in sections["3. Root cause analysis"]
    )
    solution = sections["5. Solution"]
    assert solution[0].startswith("No fix holds in every case")
    assert "No fix is proposed" not in md  # a fix is proposed: for its case


def test_a_conditional_fix_that_was_applied_is_shown_in_its_own_group() -> None:
    d = diagnose(load_snapshot(UNDECIDED))
    applied = JournalAction(
        "a1", RULE, "applied", "k8s-nodes", "2026-11-20T10:00:00Z", "2026-11-20T10:00:05Z", "", "j"
    )
    r = build_incident(d.snapshot, d, (applied,), "en")
    group, fast = r.solution  # not listed again as a journal-only command
    assert group.cause == fast.cause == "3.1"
    assert [(c.command, c.status) for c in group.commands] == [(RULE, "applied")]
    assert r.conditional[0].fix.startswith("section 5.1")


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p not in CONDITIONAL])
def test_a_report_without_conditional_causes_has_no_conditional_part(path: str) -> None:
    md = report(path, "en", "md")
    assert "Depends on the case" not in md
    assert "Conditional cause" not in md
    assert "which depends on what the snapshot does not say" not in md


def _unseen_network_type(tmp_path: Path) -> str:
    """The seed with pod pairs, no router, and its network's type not visible (a project
    member's view): "no router" holds only on a tenant network, and is undecided otherwise."""
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR])
    doc["openstack"]["routers"] = []
    (net,) = [n for n in doc["openstack"]["networks"] if n.get("network_type") == "vxlan"]
    net["network_type"], net["mtu"] = None, 1500
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "lang, when",
    [
        (
            "en",
            "Only if the node network is a tenant network; in the other cases it cannot be "
            "decided (section 4.1).",
        ),
        (
            "ko",
            "테넌트 노드 네트워크 조건에서만 해당하며, 그 밖의 경우에는 판단할 수 없습니다(4.1절).",
        ),
    ],
)
def test_a_condition_undecided_otherwise_is_not_said_healthy_otherwise(
    tmp_path: Path, lang: str, when: str
) -> None:
    md = report(_unseen_network_type(tmp_path), lang, "md")
    rca = _section(md, "3")
    assert when in rca
    assert "healthy" not in rca and "정상입니다" not in rca
    # how to tell: the admin's command, as code (a Msg's command parameter, shell.as_code)
    assert (
        "`openstack network show e74d7a36-5959-58a4-b942-6335d34f67eb -c provider:network_type`"
        in rca
    )
    assert "\\`" not in rca  # no backtick escaped as if it were data


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_command_kostack_quotes_inside_a_message_is_code(lang: str) -> None:
    """A command a finding's message quotes (shell.as_code) is a code span, not data."""
    path = "examples/admin-binding-failed.json"
    md = report(path, lang, "md")
    assert "(`openstack network agent list`)" in md
    assert "\\`openstack" not in md
    assert "<code>openstack network agent list</code>" in report(path, lang, "html")
