"""Correlation: probes confirm root causes, contradictions are MODEL MISMATCH, never hidden."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.model import Snapshot, dump_snapshot, loads_snapshot
from kostack.probe.correlate import add_observations, correlate
from kostack.probe.plan import PlannedProbe, build_probe_plan
from kostack.probe.results import ProbeResult, ProbeRound, parse_agent_output
from kostack.report.jsonout import diagnosis_dict
from kostack.report.probe_matrix import matrix_dict, render_matrix
from kostack.report.text import render_diagnosis
from kostack_testkit.builders import build, seed_doc

Verdict = Callable[[PlannedProbe], tuple[str, str]]


def as_model_says(p: PlannedProbe) -> tuple[str, str]:
    outcome = p.prediction.outcome
    if outcome == "no-reply-expected":
        return (
            "expected-no-reply",
            "not judged: virtual IP (no echo reply: iptables, nftables and Cilium do not answer), "
            "which says nothing about the service",
        )
    if outcome == "blocked":
        return "fail", "timed out after 2s"
    return "pass", "answered"


def probed(snapshot: Snapshot, verdict: Verdict = as_model_says, **plan_args: Any) -> Snapshot:
    plan = build_probe_plan(snapshot, **plan_args)
    results = []
    for p in plan.probes:
        v, detail = verdict(p)
        target = str(p.target_ip) if p.target_ip is not None else "10.244.9.9"
        results.append(
            ProbeResult(p.id, v, detail, 20.0, {}, f"demo/probe-{p.source_node}", None, target)
        )
    round_ = ProbeRound(plan, tuple(results), "lab", 2.1, "2026-11-20T09:14:00+00:00")
    return add_observations(snapshot, round_)


def seed() -> Snapshot:
    return build(seed_doc())


def natoutgoing() -> Snapshot:
    doc = seed_doc()
    doc["cluster"]["cni"]["calico"]["ip_pools"][0]["nat_outgoing"] = True
    return build(doc)


def test_probes_that_agree_confirm_the_root_cause_in_text_and_json() -> None:
    snapshot = probed(seed(), icmp_clusterip=True)
    corr = correlate(snapshot)
    assert corr.mismatches == ()
    assert {c.observation.kind for c in corr.confirming("antispoof")} >= {"dns-udp", "pod-http"}
    d = diagnose(snapshot)
    text = render_diagnosis(d)
    line = next(x for x in text.splitlines() if x.strip().startswith("Probes:"))
    assert "confirmed by" in line
    assert "DNS/udp from k8s-w-2 timed out" in line or "DNS/udp from k8s-w-3 timed out" in line
    assert "pod->pod HTTP" in line and "timed out" in line
    assert "0 MODEL MISMATCH" in text
    assert (
        "ping 10.96.0.1 from 4 pods: no reply. Not a symptom: a ClusterIP is a virtual IP" in text
    )
    data = diagnosis_dict(d, "test")
    assert data["probes"]["mismatches"] == []
    assert "dns-udp/k8s-w-2" in data["probes"]["confirmations"]["antispoof"]
    json.dumps(data)  # serialisable


def test_a_probe_that_contradicts_the_model_is_a_mismatch_with_both_sides() -> None:
    def contradict(p: PlannedProbe) -> tuple[str, str]:
        if p.id == "dns-udp/k8s-w-2":  # predicted blocked, observed open
            return "pass", "kubernetes.default.svc.cluster.local -> 10.96.0.1 over UDP"
        if p.id == "api-tcp/k8s-cp-1":  # predicted open, observed blocked
            return "fail", "timed out after 2s"
        return as_model_says(p)

    snapshot = probed(seed(), contradict)
    corr = correlate(snapshot)
    assert {c.observation.id for c in corr.mismatches} == {"dns-udp/k8s-w-2", "api-tcp/k8s-cp-1"}
    text = render_diagnosis(diagnose(snapshot))  # not verbose: mismatches still shown
    assert "2 MODEL MISMATCH" in text
    assert "MODEL MISMATCH  DNS/udp from k8s-w-2 to svc kube-system/kube-dns 10.96.0.10:53" in text
    assert (
        "model:  blocked at Neutron port 9b3d.. (k8s-w-2): source 10.244.2.5 not in fixed_ips"
        in text
    )
    assert "probe:  pass: kubernetes.default.svc.cluster.local -> 10.96.0.1 over UDP" in text
    assert "MODEL MISMATCH  TCP from k8s-cp-1 to svc default/kubernetes 10.96.0.1:443" in text
    assert "model:  open" in text and "probe:  fail: timed out after 2s" in text
    matrix = render_matrix(snapshot, seconds=2.1, timeout=2.0, node_count=4, class_count=3)
    assert "MODEL MISMATCH (1)" in matrix
    assert len(matrix_dict(snapshot)["mismatches"]) == 2


def test_probes_are_judged_against_the_snapshot_being_diagnosed() -> None:
    # Probed while the pairs were missing; the snapshot now claims they are there.
    before = probed(seed())
    doc = json.loads(dump_snapshot(before))
    for port in doc["openstack"]["ports"]:
        port["allowed_address_pairs"] = [{"ip_address": "10.244.0.0/16"}]
    edited = loads_snapshot(json.dumps(doc))
    corr = correlate(edited)
    assert corr.mismatches
    assert all(c.prediction.outcome == "open" for c in corr.mismatches)
    assert all(c.observation.verdict == "fail" for c in corr.mismatches)


def test_observations_survive_a_snapshot_round_trip() -> None:
    snapshot = probed(seed(), icmp_clusterip=True)
    again = loads_snapshot(dump_snapshot(snapshot))
    assert again.probes == snapshot.probes
    assert correlate(again).counts == correlate(snapshot).counts
    obs = next(o for o in again.probes if o.kind == "pod-http")
    assert obs.target_node is not None and obs.extra["runner"] == "lab"
    assert obs.extra["path"].startswith("same subnet")


def test_why_tcp_to_the_api_works_while_dns_fails_with_natoutgoing() -> None:
    snapshot = probed(natoutgoing())
    text = render_diagnosis(diagnose(snapshot))
    lines = text.splitlines()
    head = next(i for i, x in enumerate(lines) if "Why some probes pass and others fail" in x)
    block = "\n".join(lines[head : head + 5])
    assert "works: TCP to svc default/kubernetes 10.96.0.1:443" in block
    assert "natOutgoing" in block and "masqueraded to the node IP" in block
    assert "fails: DNS/udp to svc kube-system/kube-dns 10.96.0.10:53" in block
    assert "DNAT 10.96.0.10:53 -> 10.244.0.2:53" in block
    assert "Neutron anti-spoofing drops pod traffic" in block


def test_probes_that_could_not_run_are_counted_not_compared() -> None:
    def cannot(p: PlannedProbe) -> tuple[str, str]:
        if p.kind == "mtu":
            return "skipped", "skipped: no raw socket (no NET_RAW and ping_group_range excludes us)"
        if p.kind == "transfer":
            return "error", "the agent did not report this probe"
        return as_model_says(p)

    snapshot = probed(seed(), cannot)
    corr = correlate(snapshot)
    assert corr.mismatches == ()
    assert corr.counts["not-comparable"] == sum(
        1 for o in snapshot.probes if o.kind in ("mtu", "transfer")
    )
    text = render_diagnosis(diagnose(snapshot))
    assert "could not run" in text and "no raw socket" in text


def test_korean_probe_report_reads_korean() -> None:
    text = render_diagnosis(diagnose(probed(natoutgoing(), icmp_clusterip=True)), "ko")
    section = text[text.index("점검  ") :]
    assert "모델 불일치(MODEL MISMATCH) 0개" in section
    assert "통과하고 어떤 점검은 실패하는 이유" in section
    assert "ClusterIP는 가상 IP" in section
    matrix = render_matrix(
        probed(seed()), "ko", seconds=1.0, timeout=2.0, node_count=4, class_count=3
    )
    assert "점검 라운드" in matrix and "출발" in matrix


def test_without_probes_the_reports_are_unchanged() -> None:
    d = diagnose(seed())
    assert "PROBES" not in render_diagnosis(d)
    assert diagnosis_dict(d, "test")["probes"] is None


def test_the_matrix_and_the_plan_name_sources_and_services_in_korean() -> None:
    """The plan's source column said "control-plane node k8s-cp-1" and "worker nodes k8s-w-2,
    k8s-w-3" under --lang ko, and both tables "svc kube-system/kube-dns 10.96.0.10:53" (the
    address was fixed in English where its port was added); English and JSON are unchanged."""
    from kostack.report.probe_matrix import plan_dict, render_plan

    plan = build_probe_plan(seed())
    ko = render_plan(plan, "ko", "8 pods")
    assert "\n컨트롤 플레인 노드 k8s-cp-1 " in ko and "\n워커 노드 k8s-w-2, k8s-w-3 [2] " in ko
    assert "서비스 kube-system/kube-dns 10.96.0.10:53" in ko and "서비스 default/kubernetes" in ko
    assert "svc " not in ko and "worker node" not in ko and "control-plane" not in ko, ko
    en = render_plan(plan, "en", "8 pods")
    assert "\ncontrol-plane node k8s-cp-1 " in en and "svc kube-system/kube-dns 10.96.0.10:53" in en
    rows = plan_dict(plan)["probes"]
    assert {(r["source_class"], r["target"]) for r in rows if r["kind"] == "dns-udp"} >= {
        ("control-plane node k8s-cp-1", "svc kube-system/kube-dns 10.96.0.10:53")
    }
    # after a round, and after the snapshot went through its file
    snapshot = loads_snapshot(dump_snapshot(probed(seed())))
    matrix = render_matrix(snapshot, "ko", seconds=2.1, timeout=2.0, node_count=4, class_count=3)
    assert "서비스 kube-system/kube-dns 10.96.0.10:53" in matrix and "svc " not in matrix, matrix
    english = render_matrix(snapshot, seconds=2.1, timeout=2.0, node_count=4, class_count=3)
    assert "svc default/kubernetes 10.96.0.1:443" in english
    assert matrix_dict(snapshot)["rows"][0]["target"].startswith("svc ")


def test_the_probe_kinds_are_said_in_korean_and_the_plan_wraps() -> None:
    """The probe column said `egress TCP`, `ping pod`, `ping node` and `transfer` under
    --lang ko; the plan's first and last lines ran to 108 and 226 cells. English is as it was."""
    from kostack.report.cells import cells
    from kostack.report.probe_matrix import render_plan

    plan = build_probe_plan(seed())
    ko = render_plan(plan, "ko", "kostack-probe-* 네임스페이스와 이미지 " + "x" * 60 + "의 Pod 8개")
    for english in ("egress TCP", "ping pod", "ping node", "transfer", "pod->pod"):
        assert english not in ko, (english, ko)
    for korean in ("외부 TCP", "Pod ping", "노드 ping", "대용량 전송", "Pod->Pod HTTP"):
        assert korean in ko, (korean, ko)
    prose = [line for line in ko.splitlines() if not line.startswith(("컨트롤", "워커", "출발"))]
    assert all(cells(line) <= 100 for line in prose), prose
    en = render_plan(plan, "en", "8 pods")
    assert all(word in en for word in ("egress TCP", "ping pod", "ping node", "transfer"))
    snapshot = loads_snapshot(dump_snapshot(probed(seed())))
    matrix = render_matrix(snapshot, "ko", seconds=2.1, timeout=2.0, node_count=4, class_count=3)
    assert "ping pod" not in matrix and "transfer" not in matrix, matrix


def test_a_log_line_nested_past_the_parser_is_garbage_not_a_crash() -> None:
    """A probe pod's log is whatever its image prints: the round reads on."""
    result = json.dumps({"id": "dns-udp/k8s-w-1", "verdict": "pass", "detail": "ok"})
    output = parse_agent_output("[" * 100_000 + "]" * 100_000 + "\n" + result + "\n")
    assert output.garbage == 1 and [r["id"] for r in output.results] == ["dns-udp/k8s-w-1"]


def test_a_dns_server_that_answered_nxdomain_does_not_confirm_a_blocked_path() -> None:
    """The model says anti-spoofing drops DNS from k8s-w-2; a probe there that got NXDOMAIN back
    had its query and the reply carried both ways: a mismatch, never a confirmation."""
    snapshot = probed(seed())
    nxdomain = {"answered": True, "rcode": 3}
    probes = tuple(
        p.model_copy(
            update={
                "detail": "answered NXDOMAIN for kubernetes.default.svc.cluster.local over UDP",
                "extra": {**p.extra, **nxdomain},
            }
        )
        if p.id == "dns-udp/k8s-w-2"
        else p
        for p in snapshot.probes or ()
    )
    corr = correlate(snapshot.model_copy(update={"probes": probes}))
    assert "dns-udp/k8s-w-2" not in {c.observation.id for c in corr.confirming("antispoof")}
    assert {c.observation.id for c in corr.mismatches} == {"dns-udp/k8s-w-2"}
    assert {c.observation.kind for c in corr.confirming("antispoof")} >= {"dns-udp", "pod-http"}
