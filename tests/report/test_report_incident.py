"""The incident report is the seed's own structure, filled from the data (not a fixed text)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from report_testing import (
    SEED_PORTS,
    fix_journal,
    seed_with_harbor,
    seed_with_probes,
)

from kostack.analyze.diagnose import diagnose
from kostack.report.incident import IncidentReport, build_incident
from kostack.report.journal import JournalLineError, read_journal
from kostack.report.markdown import render_markdown
from kostack_testkit.builders import build, example_doc

KO_HEADINGS = ("개요", "환경 정보", "원인 분석", "해결 과정", "최종 해결책", "교훈")


def report_of(doc: dict[str, object], lang: str = "ko", journal: str = "") -> IncidentReport:
    snapshot = build(doc)  # type: ignore[arg-type]
    actions = read_journal(journal, "journal.jsonl") if journal else ()
    return build_incident(snapshot, diagnose(snapshot), actions, lang)


def test_seed_in_korean_follows_the_seed_report() -> None:
    report = report_of(example_doc("seed-incident"))
    md = render_markdown(report, "test")
    positions = [md.index(h) for h in KO_HEADINGS]
    assert positions == sorted(positions), "sections in the seed's order"
    assert report.title == "OpenStack K8s 네트워크 통신 장애 (harbor 영향)"
    env = dict(report.environment)
    assert env["Infra"].startswith("OpenStack Flamingo (2025.2)")
    assert env["OS"].startswith("Ubuntu 22.04.5 LTS")
    assert env["Kubernetes"].startswith("v1.33.5 (Master 1, Worker 3")
    assert "VXLANCrossSubnet" in env["CNI"] and "natOutgoing 꺼짐" in env["CNI"]
    assert env["Application"].startswith("harbor (harbor: harbor-core, harbor-jobservice")
    (cause,) = report.causes
    assert cause.heading == "3.1 핵심 원인: Neutron 포트 보안(anti-spoofing)이 Pod 트래픽을 차단함"
    assert {p.port_id for p in cause.ports} == set(SEED_PORTS.values())
    assert all(p.pairs == "[]" and p.port_security == "on" for p in cause.ports)
    assert "노드 쌍 12개 중 12개" in " ".join(report.symptoms)
    assert cause.breaks == ("개요(1절)에 적은 증상 전부",)  # not the same list twice
    assert report.notes[0].heading == "3.2 부차적 혼란: ClusterIP의 특성"
    assert "10.96.0.1" in report.notes[0].paragraphs[0]
    commands = [c.command for g in report.solution for c in g.commands]
    for port in SEED_PORTS.values():
        assert f"openstack port set --allowed-address ip-address=10.244.0.0/16 {port}" in commands
    titles = [lesson.title for lesson in report.lessons]
    assert titles[0] == "OpenStack + K8s: 포트 보안은 구축 전에 계획한다"
    assert any("ClusterIP" in title for title in titles)
    assert not any("Clean Re-install" in title for title in titles)  # no release data: no claim
    # nothing was applied: said, not invented
    assert report.applied == () and "조치 기록" in report.applied_note
    # what was checked, statically: every kind of flow, dropped at the real ports
    kinds = {f.kind: f for f in report.flows}
    assert set(kinds) == {"DNS", "API", "Pod→Pod", "외부", "ping"}
    assert kinds["ping"].verdict == "응답 없음 (정상)" and kinds["ping"].ok
    assert kinds["Pod→Pod"].count == 12 and "Neutron 포트" in kinds["Pod→Pod"].where


def test_the_report_changes_with_the_data() -> None:
    doc = example_doc("seed-incident")
    text = json.dumps(doc)
    text = text.replace("10.244.", "10.32.").replace(SEED_PORTS["k8s-w-2"], "0123abcd-new-port-id")
    text = text.replace('"2025.2"', '"2024.2"').replace("harbor", "gitlab")
    report = report_of(json.loads(text), "en")
    md = render_markdown(report, "test")
    assert "10.244." not in md and "harbor" not in md
    assert "ip-address=10.32.0.0/16 0123abcd-new-port-id" in md
    assert "OpenStack Dalmatian (2024.2)" in md and "gitlab" in report.title
    assert "pod addresses (10.32.0.0/16)" in report.lessons[0].text


def test_a_healthy_cluster_gets_a_healthy_report() -> None:
    report = report_of(example_doc("seed-fixed"), "en")
    assert report.title == "Kubernetes on OpenStack: network check, no fault found"
    assert report.causes == () and report.solution == ()
    assert report.symptoms == ("No failing flow or check was found.",)
    assert [lesson.title for lesson in report.lessons] == ["Nothing to fix"]
    assert all(f.ok for f in report.flows)


def test_port_security_off_gets_its_stopgap_lesson() -> None:
    """The fast fix of the seed (port security off everywhere) works, and the lesson says it is
    a stopgap; a pair as wide as 0.0.0.0/0 (the same warning's cause) is not that lesson's."""
    report = report_of(example_doc("seed-port-security-off"), "en")
    assert [lesson.title for lesson in report.lessons] == ["Disabling port security is a stopgap"]
    assert report_of(example_doc("seed-fixed"), "en").lessons[0].title == "Nothing to fix"


def test_probe_results_are_the_symptoms_and_the_clusterip_ping_is_not() -> None:
    report = report_of(seed_with_probes())
    assert report.symptoms[:2] == (
        "demo/dns-test에서 `nslookup kubernetes.default.svc.cluster.local 10.96.0.10` 실패: timeout",
        "demo/netshoot에서 `wget https://10.96.0.1:443` 실패: timeout",
    )
    assert not any("ping" in s for s in report.symptoms)
    rows = {p.command: p for p in report.probes}
    assert rows["ping 10.96.0.1"].ok is None and "ClusterIP" in rows["ping 10.96.0.1"].meaning
    assert rows["nslookup kubernetes.default.svc.cluster.local 10.96.0.10"].ok is False
    assert "관측: ping 10.96.0.1 -> 판단하지 않음 (가상 IP)" in report.notes[0].paragraphs[1]
    assert report.checked_intro.startswith("클러스터 안의 Pod에서 실행한 테스트")


def test_a_failed_stateful_install_gets_its_cause_cleanup_and_lesson() -> None:
    report = report_of(seed_with_harbor())
    assert report.title == "OpenStack K8s 네트워크 통신 장애 및 harbor 배포 실패"
    note = next(n for n in report.notes if "harbor" in n.heading)
    assert note.heading == "3.3 harbor 설치 실패 원인"
    text = " ".join(note.paragraphs)
    assert "Pod 네트워크가 끊긴 상태에서 설치" in text
    assert "`rel-status`" in text and "`rel-orphan-pvc`" in text
    assert "default/database-data-harbor-database-0" in text
    recovery = report.solution[-1]
    assert recovery.title == "5.3 애플리케이션(harbor) 재배포"
    # exactly what `kostack release reinstall harbor --namespace harbor` plans: the release by
    # namespace and name, its earlier install's volumes in default kept (Retain) and deleted
    leftovers = (
        "harbor-jobservice",
        "harbor-registry",
        "data-harbor-redis-0",
        "database-data-harbor-database-0",
    )
    retain = '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'
    assert [c.command for c in recovery.commands] == [
        "kostack release reinstall harbor --namespace harbor --chart '<REPO>/harbor' "
        "--values values.yaml",
        *(f"kubectl patch pv pv-{name} -p '{retain}'" for name in leftovers),
        "helm uninstall harbor --namespace harbor --wait --timeout 600s",
        *(
            f"kubectl delete pvc {name} --namespace default --wait --timeout=600s"
            for name in leftovers
        ),
        "helm install harbor '<REPO>/harbor' --namespace harbor --create-namespace "
        "--values values.yaml",
        "kubectl wait pod --namespace harbor -l component=core,release=harbor "
        "--for=condition=Ready --timeout=600s",
        "kubectl wait pod --namespace harbor -l component=jobservice,release=harbor "
        "--for=condition=Ready --timeout=600s",
        "kubectl wait pod --namespace harbor -l component=nginx,release=harbor "
        "--for=condition=Ready --timeout=600s",
    ]
    assert "재설치가 거부됩니다" in recovery.note  # the network comes first
    assert any(lesson.title.startswith("Clean Re-install") for lesson in report.lessons)


def test_fix_journals_say_what_was_applied_and_what_failed(tmp_path: Path) -> None:
    doc = example_doc("seed-incident")
    journal = fix_journal(tmp_path / "fix.journal.jsonl", doc, failed_node="k8s-w-3")
    report = report_of(doc, "en", journal.read_text(encoding="utf-8"))
    assert "From the fix journals" in report.applied_note
    by_command = {c.command: c for c in report.applied}
    pod_pair = "openstack port set --allowed-address ip-address=10.244.0.0/16 "
    assert by_command[pod_pair + SEED_PORTS["k8s-cp-1"]].status == "applied"
    failed = by_command[pod_pair + SEED_PORTS["k8s-w-3"]]
    assert failed.status == "failed" and "409 Conflict" in failed.error
    # the planned fix shows which of its commands ran
    planned = {c.command: c for c in report.solution[0].commands}
    assert planned[pod_pair + SEED_PORTS["k8s-w-1"]].status == "applied"
    assert planned[pod_pair + SEED_PORTS["k8s-w-3"]].status == "failed"
    # the plan also added the service CIDR: journaled, not in the diagnosis' fix
    extra = next(g for g in report.solution if "fix journals" in g.title)
    assert all("10.96.0.0/12" in c.command for c in extra.commands)
    md = render_markdown(report, "test")
    assert "FAILED: 409 Conflict: revision changed" in md


def test_any_json_lines_log_is_read_tolerantly() -> None:
    text = "\n".join(
        [
            "# written by hand",
            json.dumps(
                {"ts": "t1", "id": "1", "phase": "before", "cmd": ["openstack", "port", "set", "x"]}
            ),
            json.dumps(
                {"ts": "t2", "id": "1", "phase": "after", "result": "ok", "token": "s3cr3t"}
            ),
            json.dumps({"at": "t3", "action": {"op": "helm-uninstall", "target": "harbor"}}),
            json.dumps(
                {
                    "at": "t4",
                    "command": "kubectl delete pvc x",
                    "status": "failed",
                    "error": "forbidden",
                }
            ),
        ]
    )
    actions = read_journal(text, "ops.log")
    assert [(a.command, a.status, a.finished) for a in actions] == [
        ("openstack port set x", "applied", "t2"),
        ("# helm-uninstall harbor", "unknown", "t3"),
        ("kubectl delete pvc x", "failed", "t4"),
    ]
    assert actions[2].error == "forbidden"
    assert "s3cr3t" not in repr(actions)


def test_a_damaged_journal_names_its_line() -> None:
    try:
        read_journal('{"command": "a"}\nnot json\n{"command": "b"}\n', "j.jsonl")
    except JournalLineError as exc:
        assert (exc.source, exc.line) == ("j.jsonl", 2)
    else:
        raise AssertionError("a damaged line must not be skipped")
    # a torn last line (a crash mid-write) is skipped, as the journal writer documents
    assert len(read_journal('{"command": "a"}\n{"comm', "j.jsonl")) == 1


def test_what_happens_names_every_affected_port() -> None:
    # engine v2 aggregates the seed's drops into one finding that names all four nodes'
    # ports itself: nothing is appended, and no port is left unnamed
    for lang in ("en", "ko"):
        (cause,) = report_of(example_doc("seed-incident"), lang).causes
        what = str(cause.what)
        for node in ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"):
            assert node in what, (lang, node)
        assert "affected ports" not in what and "영향받는 포트" not in what
    # one finding already names all its ports (k8s-w-2, k8s-w-3): nothing added
    (cause,) = report_of(example_doc("pairs-some-ports"), "en").causes
    assert "ports of nodes k8s-w-2, k8s-w-3 drops" in str(cause.what)
    assert "affected ports" not in str(cause.what)


def test_the_clusterip_explanation_is_not_repeated_in_4_1() -> None:
    for lang in ("en", "ko"):
        md = render_markdown(report_of(example_doc("seed-incident"), lang), "test")
        section3, section4 = md.split("## 4.", 1)
        explanation = report_of(example_doc("seed-incident"), lang).notes[0].paragraphs[0]
        assert str(explanation) in section3
        assert str(explanation) not in section4
        assert "3.2" in section4.split("### 4.2", 1)[0]  # 4.1 points to it


def test_a_large_probe_round_is_one_row_per_kind_and_outcome_failures_first() -> None:
    doc = seed_with_probes()
    base = doc["probes"]
    probes = []
    for i in range(60):  # pod-to-pod from every node to every other, some pass
        probes.append(
            {
                "id": f"pod-tcp/{i}",
                "kind": "pod-tcp",
                "source_pod": "demo/netshoot",
                "target": f"pod-{i}",
                "target_ip": f"10.244.{i % 4}.{10 + i}",
                "target_port": 8080,
                "protocol": "tcp",
                "verdict": "fail" if i % 3 else "pass",
                "detail": "timeout" if i % 3 else "connected",
            }
        )
    doc["probes"] = [*probes, *base]
    report = report_of(doc, "en")
    kinds = [(row.command.split()[0], row.ok, row.count) for row in report.probes]
    assert len(report.probes) == 5  # pod-tcp fail, pod-tcp pass, dns, api, ping
    assert [ok for _, ok, _ in kinds] == sorted(
        (ok for _, ok, _ in kinds), key=lambda ok: {False: 0, None: 1, True: 2}[ok]
    )
    assert sorted(row.count for row in report.probes) == [1, 1, 1, 20, 40]
    md = render_markdown(report, "test")
    assert "(+39 alike)" in md and "(+19 alike)" in md


@pytest.mark.parametrize(
    ("example", "lang", "title"),
    [
        ("seed-incident", "en", "# Kubernetes on OpenStack: pod network outage affecting harbor"),
        (
            "metallb-lb-class-no-controller",
            "en",
            "# Kubernetes on OpenStack: LoadBalancer outage: shop/web",
        ),
        (
            "lb-amphora-nodeport-blocked",
            "en",
            "# Kubernetes on OpenStack: LoadBalancer outage: shop/web",
        ),
        ("lb-amphora-nodeport-blocked", "ko", "# OpenStack K8s LoadBalancer 서비스 장애: shop/web"),
        ("lb-pending-create", "ko", "# OpenStack K8s LoadBalancer 서비스 장애: shop/web"),
        ("metallb-l2-no-pairs", "en", "# Kubernetes on OpenStack: LoadBalancer outage: shop/web"),
        ("antrea-egress-no-pairs", "en", "# Kubernetes on OpenStack: network fault"),
        ("unmatched-node", "ko", "# OpenStack K8s 네트워크 장애"),
    ],
)
def test_the_title_says_pod_network_outage_only_when_pod_traffic_breaks(
    example: str, lang: str, title: str
) -> None:
    """A Service that no controller takes was titled "pod network outage affecting harbor,
    web": no pod traffic broke, and harbor is behind no Service of type LoadBalancer."""
    from kostack_testkit.cli import run_cli

    path = Path(__file__).resolve().parents[2] / "examples" / f"{example}.json"
    code, out = run_cli(
        "report", "--snapshot", str(path), "-o", "-", "--format", "md", "--lang", lang
    )
    assert code == 0, out
    assert out.splitlines()[0] == title


def _example(name: str) -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "examples" / f"{name}.json"
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _lb_doc(names: list[str]) -> dict[str, object]:
    """lb-pending-create with one more pending LoadBalancer Service per name (no load
    balancer, no controller's event: each one Octavia never finished)."""
    doc = _example("lb-pending-create")
    services = doc["cluster"]["services"]  # type: ignore[index]
    web = next(s for s in services if s["name"] == "web")
    for i, name in enumerate(names):
        svc = json.loads(json.dumps(web))
        svc["name"], svc["uid"] = name, f"00000000-0000-4000-8000-{i:012d}"
        svc["cluster_ip"] = f"10.96.7.{i + 10}"
        svc["annotations"] = {}  # not web's load balancer: each one without any
        services.append(svc)
    return doc


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "Kubernetes on OpenStack: LoadBalancer outage: a/1, b/2, c/3 +2 more"),
        ("ko", "OpenStack K8s LoadBalancer 서비스 장애: a/1, b/2, c/3 외 2개"),
    ],
)
def test_the_title_names_at_most_three_services_then_counts(lang: str, title: str) -> None:
    from kostack.report.incident_summary import title as title_of

    roots = diagnose(build(_example("lb-pending-create"))).root_causes  # type: ignore[arg-type]
    said = title_of(roots, (), (), lang, services=("a/1", "b/2", "c/3", "d/4", "e/5"))
    assert str(said) == title
    three = title_of(roots, (), (), lang, services=("a/1", "b/2", "c/3"))
    assert str(three).endswith("a/1, b/2, c/3")


def test_the_title_names_every_service_the_causes_break() -> None:
    """shop/web's load balancer is stuck; four more Services have none and no controller:
    the title names the first three and counts the rest, in either language."""
    from kostack.analyze.topology import Topology
    from kostack.report.incident_services import services_hit

    doc = _lb_doc(["api", "shop", "x", "y"])
    snapshot = build(doc)  # type: ignore[arg-type]
    hit = services_hit(diagnose(snapshot), Topology(snapshot))
    assert hit == ("shop/web", "shop/api", "shop/shop", "shop/x", "shop/y")
    assert str(report_of(doc, "en").title) == (
        "Kubernetes on OpenStack: LoadBalancer outage: shop/web, shop/api, shop/shop +2 more"
    )
    assert str(report_of(doc, "ko").title) == (
        "OpenStack K8s LoadBalancer 서비스 장애: shop/web, shop/api, shop/shop 외 2개"
    )
