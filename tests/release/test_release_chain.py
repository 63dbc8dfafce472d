"""Failing pods are one cause chain: jobservice -> core -> database/redis or the network root cause."""

from __future__ import annotations

from release_testing import with_helm

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
from kostack.analyze.release_checks import check_releases
from kostack.analyze.release_checks.chain import build_chain
from kostack.analyze.release_checks.workload import parse_errors
from kostack.collect.helm import HelmCollection
from kostack.model import Snapshot


def chains(snapshot: Snapshot, with_diagnosis: bool = True) -> dict[str, object]:
    diagnosis = diagnose(snapshot) if with_diagnosis else None
    report = check_releases(snapshot, diagnosis)
    return {
        f.resource.id: f
        for f in report.findings
        if f.check_id == "rel-pods-ready" and f.status == Status.FAIL
    }


def test_seed_newer_attempt_is_one_chain_ending_at_the_network_root_cause(
    collected: HelmCollection,
) -> None:
    snapshot = with_helm("seed-incident.json", collected)
    report = check_releases(snapshot, diagnose(snapshot)).about("harbor", "harbor")
    failing_pods = [f for f in report.failing() if f.check_id == "rel-pods-ready"]
    assert len(failing_pods) == 1  # one chain, not a finding per symptom
    chain = failing_pods[0]
    assert chain.resource.id == "harbor/harbor"
    assert chain.cause == "antispoof"
    assert chain.extra["chain"] == ["jobservice", "core"]
    assert chain.extra["end"] == "network"
    assert str(chain.severity) == "critical"
    lines = chain.evidence
    assert "harbor-jobservice" in lines[0] and "crash-looping" in lines[0]
    assert "connection refused" in lines[0]
    assert "harbor-core is not listening" in lines[1]
    assert "harbor-core" in lines[2] and "not ready" in lines[2]
    assert "cannot reach harbor-database:5432 although it is ready" in lines[3]
    assert "ROOT CAUSE: Neutron anti-spoofing drops pod traffic" in lines[3]
    # the failing connection traced through the network model
    assert lines[4].startswith(
        "-> traced harbor-core-7d9f8b6c5d-q2x7m (k8s-w-3) -> harbor-database-0 (k8s-w-1)"
    )
    assert "dropped at Neutron port" in lines[4] and "not in fixed_ips" in lines[4]
    assert {r.name for r in chain.affected} == {
        "harbor-jobservice-5c8d7f9b4-k8p2n",
        "harbor-core-7d9f8b6c5d-q2x7m",
    }
    korean = localize(chain.message, "ko")
    assert "원인 사슬" in korean and "클러스터 네트워크" in korean


def test_seed_default_chain_ends_at_core_and_the_stale_database(collected: HelmCollection) -> None:
    found = chains(with_helm("seed-incident.json", collected))
    chain = found["default/harbor"]
    assert chain.extra["end"] == "component"  # type: ignore[attr-defined]
    text = "\n".join(chain.evidence)  # type: ignore[attr-defined]
    assert "password authentication failed" in text
    assert "harbor-core itself fails" in text
    assert (
        "database volume default/database-data-harbor-database-0 is older than this install" in text
    )
    assert "ending at harbor-core itself" in chain.message  # type: ignore[attr-defined]


def test_healthy_network_ends_the_chain_at_the_application(collected: HelmCollection) -> None:
    found = chains(with_helm("seed-fixed.json", collected))
    chain = found["harbor/harbor"]
    # the logs still say i/o timeout, but the diagnosis finds no network cause
    assert chain.extra["end"] == "unknown"  # type: ignore[attr-defined]
    assert "suspect the pod network" in chain.evidence[-1]  # type: ignore[attr-defined]
    assert chain.cause == ""  # type: ignore[attr-defined]


def test_without_a_diagnosis_the_chain_still_links_the_symptoms(collected: HelmCollection) -> None:
    found = chains(Snapshot(helm=collected.state), with_diagnosis=False)
    chain = found["harbor/harbor"]
    assert chain.extra["chain"] == ["jobservice", "core"]  # type: ignore[attr-defined]
    assert "run `kostack diagnose`" in chain.evidence[-1]  # type: ignore[attr-defined]


def test_static_dependencies_when_logs_say_nothing(collected: HelmCollection) -> None:
    state = collected.state
    assert state.pods is not None
    pods = tuple(p.model_copy(update={"log_lines": ()}) for p in state.pods)
    snapshot = with_helm("seed-incident.json", collected)
    snapshot = snapshot.model_copy(
        update={"helm": state.model_copy(update={"pods": pods, "events": ()})}
    )
    release = next(r for r in state.releases or () if r.namespace == "harbor")
    chain = build_chain(snapshot, release, diagnose(snapshot))
    assert chain is not None
    assert chain.failing == ("jobservice", "core")
    assert chain.end == "network"
    assert "needs to reach harbor-database, harbor-redis" in chain.lines()[-1]


def test_parse_errors() -> None:
    line = (
        'Failed on load rest config err:Get "http://harbor-core:80/api/v2.0/internalconfig": '
        "dial tcp 10.96.205.45:80: connect: connection refused"
    )
    errors = parse_errors(line)
    assert [(e.kind, e.host, e.port) for e in errors] == [
        ("refused", "harbor-core", 80),
        ("refused", "10.96.205.45", 80),
    ]
    dns = parse_errors(
        "lookup harbor-database on 10.96.0.10:53: read udp 10.244.3.4:51000->10.96.0.10:53: i/o timeout"
    )
    assert dns[0].kind == "dns" and dns[0].host == "harbor-database"
    timeout = parse_errors(
        "failed to connect to tcp:harbor-redis:6379, retry: dial tcp 10.96.1.2:6379: i/o timeout"
    )
    assert timeout[0].host == "harbor-redis" and timeout[0].kind == "timeout"
