"""The watch's parts on their own: verdict, node classes, flows, history, metrics bound, messages."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from watch_testing import EXAMPLES, metric_value

from kostack.korean import josa
from kostack.model import Snapshot, load_snapshot
from kostack.probe.plan import ProbePlan
from kostack.probe.results import ProbeResult, ProbeRound
from kostack.watch.assess import OTHER, assess, class_table
from kostack.watch.events import RateLimiter, Workload, events_for
from kostack.watch.history import CauseState, History
from kostack.watch.loop import LoopSettings, WatchLoop
from kostack.watch.messages import MESSAGES, say
from kostack.watch.metrics import WatchMetrics, series_bound
from kostack.watch.probing import ProbeSettings
from kostack.watch.sources import Collected, Source
from kostack.watch.state import SourceStatus, WatchState
from kostack_testkit.builders import build, fake_id, rule, seed_doc, synthetic_doc
from kostack_testkit.cli import run_cli


def seed() -> Snapshot:
    return load_snapshot(EXAMPLES / "seed-incident.json")


# --------------------------------------------------------------------------- verdict


def test_verdict_root_causes_healthy_and_undecided() -> None:
    assert assess(seed()).verdict.state == "root-causes"
    assert assess(seed()).verdict.reasons == ("antispoof",)
    assert assess(load_snapshot(EXAMPLES / "seed-fixed.json")).verdict.state == "healthy"
    doc = seed_doc()
    doc["openstack"]["ports"] = None
    doc["node_ports"] = None
    doc["gaps"] = [{"source": "openstack.ports", "error": "HTTP 403", "hint": "a role"}]
    verdict = assess(build(doc)).verdict
    assert verdict.state == "undecided"
    assert set(verdict.reasons) == {
        "net-dns",
        "net-api-service",
        "net-pod-to-pod",
        "net-pod-egress",
    }


def test_the_watch_diagnosis_is_the_diagnose_commands() -> None:
    from kostack.analyze.diagnose import diagnose

    ours = assess(seed()).diagnosis
    theirs = diagnose(seed())
    assert [rc.key for rc in ours.root_causes] == [rc.key for rc in theirs.root_causes]
    assert ours.counts == theirs.counts and len(ours.findings) == len(theirs.findings)


# --------------------------------------------------------------------------- classes, flows


def many_classes_doc(nodes: int) -> dict[str, Any]:
    """Every node in a class of its own: each port has its own group admitting pod traffic
    from the next node's pod only (the engine classes nodes by what their ports admit)."""
    doc = synthetic_doc(nodes, groups=3, rules=20, pods_per_node=1)
    ports = [p for p in doc["openstack"]["ports"] if p["name"].startswith("node-")]
    pod_ips = [p["ip"] for p in doc["cluster"]["pods"] if p["namespace"] == "apps"]
    for i, port in enumerate(ports):
        gid = fake_id("sg", f"own-{i}")
        nxt = pod_ips[(i + 1) % len(pod_ips)]
        doc["openstack"]["security_groups"].append(
            {
                "id": gid,
                "name": f"own-{i}",
                "rules": [rule(gid, "ingress", "tcp", 8080, f"{nxt}/32")],
            }
        )
        port["security_group_ids"] = [*port["security_group_ids"], gid]
    return doc


def test_class_ids_are_stable_readable_and_folded_into_other() -> None:
    a = assess(seed())
    ids = [c.id for c in a.classes.classes]
    assert ids == ["worker:k8s-w-2", "control-plane:k8s-cp-1", "worker:k8s-w-1"]
    assert assess(seed()).classes == a.classes  # same snapshot, same ids
    from kostack.analyze.matrix import Matrix
    from kostack.analyze.topology import Topology

    matrix = Matrix(Topology(seed()))
    folded = class_table(matrix.classes, 1)
    assert [(c.id, c.size) for c in folded.classes] == [("worker:k8s-w-2", 2), (OTHER, 2)]
    assert folded.of("k8s-cp-1") == OTHER and folded.of("k8s-w-3") == "worker:k8s-w-2"


def test_flows_count_node_pairs_by_class() -> None:
    flows = assess(seed()).flows
    p2p = [f for f in flows if f.flow == "pod-to-pod"]
    assert sum(f.count for f in p2p) == 12 and {f.verdict for f in p2p} == {"blocked"}
    dns = [f for f in flows if f.flow == "dns-udp"]
    assert {f.dst_class for f in dns} == {"kube-dns"} and sum(f.count for f in dns) == 4
    fixed = assess(load_snapshot(EXAMPLES / "seed-fixed.json")).flows
    assert {f.verdict for f in fixed if f.flow == "pod-to-pod"} == {"open"}


# --------------------------------------------------------------------------- cardinality


def test_series_bound_is_under_2000_at_the_default() -> None:
    assert series_bound(8) <= 2000
    assert series_bound(12) <= 2700  # the largest --max-classes, documented in docs/watch.md


class FixedSource(Source):
    names = ("snapshot",)

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Collected:
        return Collected(self.snapshot, (SourceStatus("snapshot", True, 0.01),))


def passing_round(plan: ProbePlan) -> ProbeRound:
    results = tuple(ProbeResult(p.id, "pass", "ok", elapsed_ms=3.0) for p in plan.probes)
    return ProbeRound(plan, results, "test", 0.1, "2026-01-01T00:00:00Z")


def run_cycles(
    snapshot: Snapshot, cycles: int, **loop: Any
) -> tuple[WatchMetrics, WatchState, list[str]]:
    state = WatchState(interval=60.0)
    metrics = WatchMetrics(state, "test")
    log: list[str] = []
    watch = WatchLoop(
        FixedSource(snapshot),
        state,
        metrics,
        LoopSettings(interval=60.0, **loop),
        "test",
        log.append,
        probe_runner=passing_round,
        probe_settings=ProbeSettings(max_sources=40),
    )
    for _ in range(cycles):
        assert watch.run_cycle().result == "ok", log
    return metrics, state, log


def test_series_stay_within_the_bound_with_one_class_per_node() -> None:
    """60 nodes, 60 classes, probes every class pair the plan has: labels fold into 'other'."""
    snapshot = build(many_classes_doc(60))
    metrics, state, _ = run_cycles(snapshot, 2)
    published = state.published
    assert published is not None and published.engine_classes == 60
    assert len(published.classes) == 9 and published.classes[-1].id == OTHER
    assert metrics.series() <= series_bound(8) <= 2000
    exposition = metrics.exposition().decode()
    assert metric_value(exposition, "kostack_node_class_nodes", **{"class": OTHER}) == 52
    assert 'src_class="node-' not in exposition  # never a node or a node pair as a label


# --------------------------------------------------------------------------- history


def cause(key: str) -> CauseState:
    return CauseState(key, f"check-{key}", "critical", f"title {key}", ("n1",), 1)


def test_history_records_transitions_and_detects_flapping() -> None:
    history = History(limit=5, flap_window_s=100, flap_threshold=4)
    first = history.observe_causes(1, 0.0, {"mtu": cause("mtu")}, "root-causes")
    assert [(t.kind, t.before, t.after) for t in first] == [
        ("root-cause", "unknown", "present"),
        ("verdict", "unknown", "root-causes"),
    ]
    at = 0.0
    for cycle in range(2, 6):  # cleared, back, cleared, back
        at += 10
        present = {"mtu": cause("mtu")} if cycle % 2 else {}
        history.observe_causes(cycle, at, present, "root-causes" if present else "healthy")
    assert history.flapping(at) == {("root-cause", "mtu"): 4, ("verdict", "verdict"): 4}
    assert history.flapping(at + 1000) == {}
    assert len(history.transitions) == 5 and history.total == 10  # bounded
    doc = history.as_dict(at)
    assert doc["flapping"][0]["key"] == "mtu"


def test_what_flaps_is_named_in_the_runs_language() -> None:
    """The flapping log line said "verdict 상태가 반복해서 바뀝니다" (the key, English) in Korean."""
    from kostack.watch.messages import flapping_what

    said = [flapping_what("ko", k, key) for k, key in FLAPS]
    assert said == ["판정", "수집 대상 openstack", "근본 원인 mtu"]
    assert [flapping_what("en", k, key) for k, key in FLAPS] == ["verdict", "openstack", "mtu"]
    line = say("ko", "flapping", what=said[0], n=4, window="3600")
    assert line == "판정 상태가 반복해서 바뀝니다: 3600초 동안 4회"


FLAPS = (("verdict", "verdict"), ("source", "openstack"), ("root-cause", "mtu"))


# --------------------------------------------------------------------------- events


def test_events_name_the_affected_nodes_up_to_a_limit_and_the_deployment() -> None:
    history = History()
    nodes = tuple(f"node-{i}" for i in range(30))
    state = CauseState(
        "antispoof", "net-pod-src-antispoof", "critical", "Neutron drops", nodes, 4000
    )
    transitions = history.observe_causes(1, 0.0, {"antispoof": state}, "root-causes")
    events = events_for(
        transitions, "en", workload=Workload("kostack", "kostack-watch"), max_nodes=20
    )
    on_nodes = [e for e in events if e.kind == "Node"]
    assert len(on_nodes) == 20 and {e.namespace for e in on_nodes} == {"default"}
    (deployment, verdict) = [e for e in events if e.kind == "Deployment"]
    assert deployment.reason == "RootCauseDetected" and deployment.type == "Warning"
    assert "4000 node(s) affected" in deployment.message
    assert verdict.reason == "VerdictChanged"
    ko = events_for(transitions, "ko", workload=None)
    assert "이 노드에 영향을 줍니다" in ko[0].message
    assert all(e.kind == "Node" for e in ko)


def test_a_cause_on_no_node_is_not_said_to_affect_0_nodes() -> None:
    """A load balancer stuck in PENDING_* names no node: its Event read "0 node(s) affected"
    and its log line "..., 0 node(s)"."""
    state = CauseState("lb-stuck", "lb-provisioning", "critical", "LB stuck", (), 0)
    transitions = History().observe_causes(1, 0.0, {"lb-stuck": state}, "root-causes")
    for lang, count in (("en", "0 node(s)"), ("ko", "노드 0대")):
        events = events_for(transitions, lang, workload=Workload("kostack", "kostack-watch"))
        (deployment, _verdict) = events
        assert deployment.reason == "RootCauseDetected", deployment
        assert "(lb-provisioning)" in deployment.message and count not in deployment.message
    snapshot = str(EXAMPLES / "lb-pending-create.json")
    for lang, line in (
        (
            "en",
            "root cause present: A load balancer is stuck in PENDING_* [critical] (lb-provisioning)\n",
        ),
        ("ko", "근본 원인 감지: 로드밸런서가 PENDING_* 상태에서 멈춤 [심각] (lb-provisioning)\n"),
    ):
        args = ("--snapshot", snapshot, "--listen", "127.0.0.1:0", "--cycles", "1", "--lang", lang)
        code, out = run_cli("watch", *args)
        assert code == 0, out
        assert line in out, out


def test_rate_limiter_allows_a_burst_then_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(burst=3, per_seconds=30.0, clock=lambda: now[0])
    assert [limiter.allow() for _ in range(5)] == [True, True, True, False, False]
    now[0] = 10.0  # one token per 10 s
    assert [limiter.allow(), limiter.allow()] == [True, False]
    assert limiter.dropped == 3


# --------------------------------------------------------------------------- messages


def test_every_message_exists_in_english_and_korean_with_the_same_placeholders() -> None:
    def names(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    assert MESSAGES["en"].keys() == MESSAGES["ko"].keys()
    for key, text in MESSAGES["en"].items():
        assert names(text) == names(MESSAGES["ko"][key]), key


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("정상", "으로/로", "정상으로"),
        ("판단 보류", "으로/로", "판단 보류로"),
        ("서울", "으로/로", "서울로"),
        ("근본 원인 있음", "으로/로", "근본 원인 있음으로"),
        ("노드", "을/를", "노드를"),
        ("포트", "이/가", "포트가"),
        ("3", "을/를", "3을"),
        ("openstack", "을/를", "openstack을"),  # 오픈스택
        ("10.96.0.1", "이/가", "10.96.0.1이"),
    ],
)
def test_korean_particles_follow_the_last_syllable(word: str, pair: str, expected: str) -> None:
    assert josa(word, pair) == expected


def test_korean_event_text_reads_right() -> None:
    text = say("ko", "event.verdict", before="정상", after="판단 보류")
    assert text == "kostack: Pod 네트워크 판정이 정상에서 판단 보류로 바뀌었습니다."


def test_published_diagnosis_is_the_canonical_json(tmp_path: Path) -> None:
    _, state, log = run_cycles(seed(), 1)
    status = json.loads(state.status_json("test"))
    assert status["diagnosis"]["root_causes"][0]["key"] == "antispoof"
    assert status["verdict"] == {
        "state": "root-causes",
        "reasons": ["antispoof"],
        "cycle": 1,
        "at": status["verdict"]["at"],
    }
    assert status["probes"]["failed"] == 0 and status["probes"]["passed"] > 0
    assert any("root cause present" in line for line in log)
    assert json.loads(json.dumps(status)) == status  # plain JSON data only


def test_a_snapshot_that_cannot_be_read_is_down_in_the_loaders_words(tmp_path: Path) -> None:
    """The loader says every OS error (no file, a directory, no permission) as a
    SnapshotFormatError: the source reports it as such, in either language."""
    from kostack.catalog import localize
    from kostack.watch.sources import SnapshotSource

    unreadable = {tmp_path / "none.json": "no such file", tmp_path: "it is a directory, not a file"}
    for path, what in unreadable.items():
        collected = SnapshotSource(path).collect()
        (status,) = collected.statuses
        assert collected.snapshot is None and status.name == "snapshot" and not status.up
        assert localize(status.error, "en") == f"cannot read snapshot {path}: {what}"
        assert localize(status.error, "ko").startswith("스냅샷 ") and status.hint


def test_the_server_answers_get_and_head_only() -> None:
    import urllib.error
    import urllib.request

    from kostack.watch.run import watch_server

    metrics, state, _ = run_cycles(seed(), 1)
    server = watch_server(("127.0.0.1", 0), state, metrics, "test").start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with urllib.request.urlopen(
            urllib.request.Request(base + "/metrics", method="HEAD")
        ) as answer:
            assert answer.status == 200 and answer.read() == b""
            assert int(answer.headers["Content-Length"]) > 1000
        with urllib.request.urlopen(base + "/status") as answer:
            assert json.loads(answer.read())["diagnosis"]["summary"]["root_causes"] == 1
        for method, path, code in (("GET", "/nope", 404), ("POST", "/metrics", 405)):
            with pytest.raises(urllib.error.HTTPError) as raised:
                urllib.request.urlopen(
                    urllib.request.Request(
                        base + path, method=method, data=b"" if method == "POST" else None
                    )
                )
            assert raised.value.code == code
    finally:
        server.stop()


def test_readiness_counts_turns_of_the_loop_not_bare_intervals() -> None:
    """A cycle longer than the interval (a big cloud, a slow API) must not flap /readyz between
    successes: ready for 3 x (interval + the last successful cycle's duration). Before, 3
    intervals: 503 in the middle of every 150 s cycle at a 60 s interval."""
    now = [10_000.0]
    state = WatchState(interval=60.0, clock=lambda: now[0])
    state.last_success_at, state.last_success_seconds = now[0], 150.0
    now[0] += 500.0  # > 3 x 60, < 3 x (60 + 150)
    ready, reason = state.readiness()
    assert ready, reason
    now[0] += 140.0  # 640 s: past 630
    ready, reason = state.readiness()
    assert not ready and "the limit is 630s" in reason, reason
    state.lang = "ko"
    assert "한도 630초" in state.readiness()[1]
    # the loop records how long its successful cycle took, and /metrics shows it
    metrics, looped, _ = run_cycles(load_snapshot(EXAMPLES / "seed-fixed.json"), 1)
    assert looped.last is not None and looped.last_success_seconds == looped.last.seconds > 0
    took = metric_value(metrics.exposition().decode(), "kostack_last_success_duration_seconds")
    assert took == pytest.approx(looped.last.seconds)
