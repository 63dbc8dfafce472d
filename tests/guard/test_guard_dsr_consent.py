"""Guard and Calico eBPF DSR: net-calico-ebpf-dsr predicts the pairs DSR's answers need from
the Services' endpoints (no flapping), but they are node addresses on other nodes' ports, a
widening only `kostack fix plan` / `apply` may consent to. Guard adds none, removes none a
person added, and reports the ports in both languages (docs/guard.md "What guard leaves to
kostack fix")."""

from __future__ import annotations

from pathlib import Path

import kubernetes
import pytest

from kostack.analyze.diagnose import diagnose
from kostack.errors import ExitCode
from kostack.guard.breaker import BreakerDecision, BreakerSettings
from kostack.guard.drift import Drift, compute
from kostack.guard.events import COMPONENT, DriftMemory, pass_events
from kostack.guard.render import notes, pass_lines
from kostack.guard.state import PassReport, pass_result
from kostack.serve.events import KubeEventSink
from kostack_lab.kube_objects import namespace_object
from kostack_testkit.builders import add_pairs, build, ports_of
from kostack_testkit.calico_ebpf import ebpf_doc
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble


def _node_ips(doc: dict[str, object]) -> dict[str, str]:
    return {n["name"]: n["internal_ip"] for n in doc["cluster"]["nodes"]}  # type: ignore[index]


def test_predicted_dsr_pairs_are_reported_not_added() -> None:
    doc = ebpf_doc(mode="DSR")  # every member ONLINE: only the prediction sees the need
    snap = build(doc)
    d = diagnose(snap)
    assert "calico-ebpf-dsr" in [rc.key for rc in d.root_causes]
    assert not any(f.check_id == "lb-members-down" and f.cause for f in d.findings)
    drift = compute(snap)
    assert not any(p.add for p in drift.ports)
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    assert sorted(names[pid] for pid, _, _ in drift.consent) == ["k8s-w-1", "k8s-w-2"]
    assert all(name == names[pid] and pairs for pid, name, pairs in drift.consent)
    assert drift.as_dict()["consent"] == [
        {"port": pid, "name": n, "pairs": list(p)} for pid, n, p in drift.consent
    ]
    en = [n for n in notes(drift, "en") if "Calico eBPF DSR" in n]
    ko = [n for n in notes(drift, "ko") if "Calico eBPF DSR" in n]
    assert len(en) == len(ko) == 1
    assert en[0].startswith("2 node port(s) lack other nodes' addresses")
    assert "guard does not add them" in en[0] and "`kostack fix plan`" in en[0]
    assert "guard는 이를 추가하지 않습니다" in ko[0]


def test_dsr_pairs_a_person_added_are_kept_and_nothing_is_reported() -> None:
    doc = ebpf_doc(mode="DSR")
    ips = _node_ips(doc)
    add_pairs(doc, [f"{ip}/32" for ip in ips.values()])  # `kostack fix apply` added them
    snap = build(doc)
    assert "calico-ebpf-dsr" not in [rc.key for rc in diagnose(snap).root_causes]
    drift = compute(snap)
    assert drift.consent == () and not any(p.remove or p.add for p in drift.ports)
    assert all(len(p["allowed_address_pairs"]) >= len(ips) for p in ports_of(doc))
    assert not [n for n in notes(drift, "en") if "Calico eBPF DSR" in n]


def _dsr_drift() -> Drift:
    return compute(build(ebpf_doc(mode="DSR")))


def _report(mode: str, drift: Drift) -> PassReport:
    closed = BreakerDecision(open=False, changing=0, scope=3, allowed=3, removals=0, max_removals=3)
    result = pass_result(mode, drift, closed, [], 0, 0)
    return PassReport(1, mode, 0.0, 0.0, result, drift=drift, breaker=closed)


@pytest.mark.parametrize(("mode", "result"), [("audit", "drift"), ("enforce", "partial")])
def test_dsr_pairs_left_to_fix_make_once_exit_1_in_either_mode(mode: str, result: str) -> None:
    drift = _dsr_drift()
    assert drift.consent and not drift.items  # nothing of guard's own to do
    report = _report(mode, drift)
    assert report.result == result
    assert report.exit_code() == ExitCode.FINDINGS  # 1: drift left, as audit's drift is
    assert report.as_dict()["exit_code"] == 1
    lines = pass_lines(report, BreakerSettings(), 10, "en")
    pairs = sum(len(p) for _, _, p in drift.consent)
    if mode == "audit":
        assert "drift on 2 port(s) and 0 rule(s)" in lines[0]
    else:
        assert f"0 change(s) made, {pairs} drift item(s) left" in lines[0]


def test_without_dsr_pairs_missing_the_pass_stays_clean() -> None:
    doc = ebpf_doc(mode="DSR")
    add_pairs(doc, [f"{ip}/32" for ip in _node_ips(doc).values()])
    drift = compute(build(doc))
    for mode in ("audit", "enforce"):
        report = _report(mode, drift)
        assert report.result == "clean" and report.exit_code() == ExitCode.OK


@pytest.mark.parametrize("mode", ["audit", "enforce"])
def test_dsr_pairs_left_to_fix_raise_one_warning_per_node_once(mode: str) -> None:
    drift = _dsr_drift()
    report = _report(mode, drift)
    memory = DriftMemory()
    events = pass_events(report, "en", None, memory)
    assert sorted(e.name for e in events) == ["k8s-w-1", "k8s-w-2"]
    assert {(e.reason, e.type) for e in events} == {("ConsentNeeded", "Warning")}
    first = events[0].message
    assert "lacks allowed pairs" in first and "Calico eBPF DSR" in first
    assert "`kostack fix plan`" in first and "guard does not add them" in first
    assert pass_events(report, "en", None, memory) == []  # not again every pass
    ko = pass_events(report, "ko", None, DriftMemory())
    assert all("guard는 이를 추가하지 않습니다" in e.message for e in ko)


def test_the_dsr_warnings_reach_the_api_as_node_events(tmp_path: Path) -> None:
    drift = _dsr_drift()
    specs = pass_events(_report("audit", drift), "en", None, DriftMemory())
    with KubeApiDouble([*seed_cluster(), namespace_object("kostack")]) as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
        client = kubernetes.config.new_client_from_config(
            config_file=str(kubeconfig), context=api.context_name
        )
        sink = KubeEventSink(client, instance="guard-a", component=COMPONENT)
        try:
            sink.post(specs)
        finally:
            sink.close()
        events = [e for e in api.list_objects("v1", "Event") if e["reason"] == "ConsentNeeded"]
    assert sink.failed == 0 and sink.posted == 2
    assert sorted(e["involvedObject"]["name"] for e in events) == ["k8s-w-1", "k8s-w-2"]
    assert all(e["involvedObject"]["kind"] == "Node" and e["type"] == "Warning" for e in events)
    assert all(e["source"]["component"] == "kostack-guard" for e in events)
