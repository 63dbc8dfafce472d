"""The incident report says what `kostack diagnose` says about cases: a root cause that fails in
every case but differently says its other cases and how to tell them apart (section 3); a
conditional cause's fast insecure alternative is its own group, under its condition (section 5),
and `kostack diagnose` prints it after the cause's fix."""

from __future__ import annotations

import pytest
from report_testing import ROOT, run
from test_report_conditional import CONDITIONAL, FIX_LABEL, TITLE, UNDECIDED, _section
from test_report_warnings import report, text_of

from kostack.analyze.diagnose import diagnose
from kostack.model.load import load_snapshot
from kostack.report.incident import build_incident
from kostack.report.journal import JournalAction

# Calico MTU 1500 on 1450, FelixConfiguration unreadable: too large whether WireGuard is off or
# on, by a different margin (one root cause with two cases)
MTU_CASES = "examples/mtu-wireguard-unknown.json"
EXAMPLES = sorted(f"examples/{p.name}" for p in (ROOT / "examples").glob("*.json"))
LEAD = {
    "en": "carries with no encapsulation (0 bytes): small requests and ping work, but TLS "
    "handshakes, image pushes and large responses stall. (if WireGuard is off)",
    "ko": "(MTU 1450, 캡슐화 없음: 오버헤드 0바이트)보다 큽니다: 작은 요청과 ping은 되지만 TLS "
    "핸드셰이크, 이미지 push, 큰 응답은 멈춥니다. (WireGuard 꺼짐 조건)",
}
OTHERWISE = {
    "en": "Otherwise, if WireGuard is on: The pod MTU 1500 (Installation default "
    "spec.calicoNetwork.mtu=1500) is above what network k8s-net (MTU 1450) carries with "
    "WireGuard (60 bytes)",
    "ko": "WireGuard 켜짐 조건에서는: Pod MTU(1500, Installation default "
    "spec.calicoNetwork.mtu=1500)가 네트워크 k8s-net에서 전달할 수 있는 크기(MTU 1450, "
    "WireGuard: 오버헤드 60바이트)보다 큽니다",
}
TELL = {"en": "How to tell the cases apart", "ko": "경우를 구별하는 방법"}
TELL_ITEM = {
    "en": "read FelixConfiguration wireguardEnabled (Calico)",
    "ko": "FelixConfiguration의 wireguardEnabled(Calico)",
}
DISABLE = "openstack port set --no-security-group --disable-port-security --no-allowed-address "
FAST_HEADING = {
    "en": "Only on ML2/OVN, fast alternative (insecure): ",
    "ko": "ML2/OVN 조건에서만, 빠른 대안 (보안 약화): ",
}
FAST_WARNING = {
    "en": "Removes anti-spoofing and every security group from these ports",
    "ko": "이 포트들에서 스푸핑 방지와 모든 보안 그룹을 제거합니다",
}
FIX_AT = {
    "en": "(section {n}: a fast alternative, insecure)",
    "ko": "{n}절 (빠른 대안, 보안 약화)",
}
TEXT_FAST = {
    "en": "Fix (fast, insecure: drops all filtering on these ports; only on ML2/OVN, do not run "
    "it otherwise):",
    "ko": "해결 (빠르지만 보안 취약: 이 포트의 모든 필터링 해제. ML2/OVN 조건에서만 실행하고, "
    "그 밖의 경우에는 실행하지 마세요):",
}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_cause_with_cases_says_the_other_cases_and_how_to_tell_in_section_3(lang: str) -> None:
    rca = _section(report(MTU_CASES, lang, "md"), "3")
    what = {"en": "- **What happens**: ", "ko": "- **현상**: "}[lang]
    (lead,) = [line for line in rca.splitlines() if line.startswith(what)]
    assert lead.endswith(LEAD[lang])  # the lead's own case, as diagnose says it
    assert f"\n- {OTHERWISE[lang]}" in rca
    tell = rca.index(f"**{TELL[lang]}**")
    assert TELL_ITEM[lang] in rca[tell:]
    # said once: not repeated in another section
    assert report(MTU_CASES, lang, "md").count(OTHERWISE[lang]) == 1


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_html_report_says_the_cases_too(lang: str) -> None:
    html = report(MTU_CASES, lang, "html")
    assert f"<li>{OTHERWISE[lang]}" in html
    said = text_of(html)
    assert LEAD[lang] in said
    assert f'<p class="label">{TELL[lang]}</p><ul>' in html
    assert TELL_ITEM[lang] in said


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", CONDITIONAL)
def test_a_conditional_alternative_follows_its_fix_under_its_condition(
    path: str, lang: str
) -> None:
    md = report(path, lang, "md")
    groups = _section(md, "5").split("\n### ")[1:]
    with_disable = [g for g in groups if any(DISABLE in line for line in g.splitlines())]
    fast = groups[-1]
    n = f"5.{len(groups)}"
    assert fast.startswith(f"{n} {FAST_HEADING[lang]}{TITLE[lang]}")
    # labelled with the condition and the fast fix's warning, as the conditional fix is
    (label,) = [line for line in fast.splitlines() if line.startswith("**")]
    assert label.startswith(f"**{FIX_LABEL[lang]}") and FAST_WARNING[lang] in label
    assert fast.count(DISABLE) == 4  # one per node port
    # after the recommended fix, never mixed into the unconditional fixes
    assert groups[-2].startswith(f"5.{len(groups) - 1} ") and FIX_LABEL[lang] in groups[-2]
    unconditional = [g for g in with_disable if FIX_LABEL[lang] not in g]
    if path == UNDECIDED:
        assert with_disable == [fast]
    else:  # the decided anti-spoofing cause's own fast fix: k8s-w-2 and k8s-w-3 only
        (own,) = unconditional
        assert own.count(DISABLE) == 2
    # section 3 points to both
    assert FIX_AT[lang].format(n=n) in _section(md, "3")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", CONDITIONAL)
def test_the_html_report_says_the_conditional_alternative(path: str, lang: str) -> None:
    html = report(path, lang, "html")
    said = text_of(html)
    assert f"{FAST_HEADING[lang]}{TITLE[lang]}" in said
    start = html.index(FAST_HEADING[lang])
    fast = html[start : html.index("</pre>", start)]
    assert f'<p class="conditional">{FIX_LABEL[lang]}' in fast
    assert FAST_WARNING[lang] in fast and fast.count(DISABLE) == 4


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", CONDITIONAL)
def test_diagnose_prints_the_conditional_alternative_after_its_fix(path: str, lang: str) -> None:
    code, out, err = run("--lang", lang, "diagnose", "--snapshot", path)
    assert code in (1, 4), err
    conditional = out[out.index({"en": "CONDITIONAL 1 of 1", "ko": "조건부 1/1"}[lang]) :]
    fix = conditional.index({"en": "Fix (on ML2/OVN):", "ko": "해결 (ML2/OVN 조건):"}[lang])
    fast = " ".join(conditional.split())  # the label wraps
    assert " ".join(TEXT_FAST[lang].split()) in fast
    assert conditional.index(DISABLE) > fix
    # two of four shown; the rest in the plan by that method, which lists them all
    assert conditional.count(DISABLE) == 2
    listed = f"`kostack fix plan --snapshot {path} --method disable-port-security`"
    assert listed in conditional
    code, plan, err = run(
        "--lang", lang, "fix", "plan", "--snapshot", path, "--method", "disable-port-security"
    )
    assert code == 0, err
    marked = {"en": "needed only on ML2/OVN", "ko": "ML2/OVN 조건에서만 필요하며"}[lang]
    # every port of the conditional cause, each marked for its case (in the reply-drop example
    # two of them are also the decided anti-spoofing cause's: no mark)
    assert " ".join(plan.split()).count(marked) == (4 if path == UNDECIDED else 2)


def test_an_applied_conditional_alternative_is_shown_in_its_group() -> None:
    d = diagnose(load_snapshot(UNDECIDED))
    command = DISABLE + "5f1c7974-c7a9-5b1e-ab2f-72fe4bdfb30b"
    applied = JournalAction(
        "a1",
        command,
        "applied",
        "k8s-cp-1",
        "2026-11-20T10:00:00Z",
        "2026-11-20T10:00:05Z",
        "",
        "j",
    )
    r = build_incident(d.snapshot, d, (applied,), "en")
    fix, fast = r.solution  # not listed again as a journal-only command
    assert fix.cause == fast.cause == "3.1" and fast.more == 0
    assert not any(c.status for c in fix.commands)
    assert [(c.command, c.status) for c in fast.commands if c.status] == [(command, "applied")]
    assert r.conditional[0].fix == (
        "section 5.1, a fix for this case only (section 5.2: a fast alternative, insecure)"
    )


@pytest.mark.parametrize("path", [p for p in EXAMPLES if p not in (*CONDITIONAL, MTU_CASES)])
def test_reports_without_cases_say_none(path: str) -> None:
    md = report(path, "en", "md")
    assert "Otherwise, " not in md
    assert "How to tell the cases apart" not in md
    assert "fast alternative (insecure)" not in md


def test_beyond_twenty_the_report_points_to_where_every_alternative_command_is() -> None:
    """The plan by --method disable-port-security lists a conditional cause's alternative, each
    port marked for its case: the report sends the reader there for the rest, not to the plain
    `kostack fix plan` (which has the cause's recommended fix instead)."""
    from dataclasses import replace

    from kostack.report.markdown import render_markdown

    d = diagnose(load_snapshot(UNDECIDED))
    (rc,) = d.conditional
    many = replace(rc, fix=replace(rc.fix, alternative=rc.fix.alternative * 6))  # 24 commands
    md = render_markdown(build_incident(d.snapshot, replace(d, conditional=(many,)), (), "en"))
    fast = _section(md, "5").split("\n### ")[-1]
    assert fast.count(DISABLE) == 20
    more = "# ... and 4 more: `kostack fix plan --method disable-port-security` plans them all"
    assert more in fast
    assert "`kostack fix plan`" not in fast


def test_beyond_twenty_a_decided_causes_fast_fix_points_to_the_plan_that_has_it() -> None:
    """A decided cause's fast alternative is not in the default plan (that has its recommended
    pairs): past twenty commands the report names the method that plans the rest."""
    from dataclasses import replace

    from kostack.report.markdown import render_markdown

    d = diagnose(load_snapshot(str(ROOT / "examples" / "seed-incident.json")))
    (rc,) = d.root_causes
    many = replace(rc, fix=replace(rc.fix, alternative=rc.fix.alternative * 6))  # 24 commands
    md = render_markdown(build_incident(d.snapshot, replace(d, root_causes=(many,)), (), "en"))
    fast = _section(md, "5").split("\n### ")[2]
    assert fast.count(DISABLE) == 20
    more = "# ... and 4 more: `kostack fix plan --method disable-port-security` plans them all"
    assert more in fast, fast
    assert "writes the full, reviewable plan" not in fast
