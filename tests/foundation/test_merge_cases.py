"""A cause that fails in every case, but not the same way, is decided (not conditional)."""

from __future__ import annotations

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.report.jsonout import diagnosis_dict
from kostack.report.text import render_diagnosis
from kostack_testkit.builders import build, example_doc


def _mtu_wireguard_unknown() -> dict[str, object]:
    doc = example_doc("mtu-1500")  # Calico MTU 1500 on a 1450 network, pairs fixed
    doc["cluster"]["cni"]["calico"]["wireguard"] = None  # FelixConfiguration not read
    return doc


def test_mtu_too_large_either_way_is_a_decided_root_cause_with_a_fix_per_case() -> None:
    d = diagnose(build(_mtu_wireguard_unknown()))
    assert [w.wireguard for w in d.worlds] == [False, True]
    mtu = [f for f in d.findings if f.check_id == "net-mtu"]
    # too large for the native path (limit 1450) and for WireGuard (1390): it fails both ways
    assert {f.status for f in mtu} == {Status.FAIL}
    assert sorted(localize(f.condition, "en") for f in mtu) == [
        "if WireGuard is off",
        "if WireGuard is on",
    ]
    assert d.verdict.kind == "root-causes" and not d.conditional
    (rc,) = [rc for rc in d.root_causes if rc.key == "mtu"]
    assert len(rc.cases) == 1 and rc.tell
    fixes = {localize(c, "en"): [r.param("command") for r in rs] for c, rs in rc.fix.cases}
    assert set(fixes) == {"if WireGuard is off", "if WireGuard is on"}
    assert '"mtu":1450' in fixes["if WireGuard is off"][0]
    assert '"mtu":1390' in fixes["if WireGuard is on"][0]
    assert rc.fix.remedies == ()  # nothing is common to both cases

    text = render_diagnosis(d, "en")
    assert "(if WireGuard is off)" in text and "Otherwise, if WireGuard is on:" in text
    assert "Fix (if WireGuard is on):" in text and "CONDITIONAL" not in text
    ko = render_diagnosis(d, "ko")
    assert "(WireGuard 꺼짐 조건)" in ko and "해결 (WireGuard 켜짐 조건):" in ko

    data = diagnosis_dict(d, "test")
    (j,) = [r for r in data["root_causes"] if r["key"] == "mtu"]
    assert [c["condition"] for c in j["fix"]["cases"]] == [
        "if WireGuard is off",
        "if WireGuard is on",
    ]
    assert j["cases"][0]["condition"] == "if WireGuard is on"


def test_a_failure_that_holds_everywhere_with_more_in_some_cases_leaves_the_more_conditional() -> (
    None
):
    # pairs on two ports only, backend not visible: the reply drop holds on both backends
    # (decided), the ML2/OVN pod-source rule only on ML2/OVN (conditional)
    d = diagnose(build(example_doc("reply-drop-backend-unknown")))
    assert {rc.key for rc in d.root_causes} == {"antispoof"}
    assert [rc.key for rc in d.conditional] == ["sg-pod-source"]
    assert all(not f.condition for rc in d.root_causes for f in rc.findings)


def test_fix_plan_lists_each_case_fix_with_its_condition() -> None:
    from kostack.plan.build import build_plan

    plan = build_plan(build(_mtu_wireguard_unknown()))
    manual = [a for a in plan.actions if not a.automatic]
    by_mtu = {('"mtu":1450' in a.command): str(a.reason) for a in manual}
    assert len(manual) == 2
    assert "(1450 - 0 for no encapsulation) (if WireGuard is off)" in by_mtu[True]
    assert "(1450 - 60 for WireGuard) (if WireGuard is on)" in by_mtu[False]
