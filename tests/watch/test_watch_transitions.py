"""What `kostack watch` says as things come and go: log lines and Events, cycle by cycle.

The loop reads a real snapshot file (`SnapshotSource`) rewritten between
cycles: the seed incident (a root cause), its fixed state (healthy), the
fixed state with a part not collected (Neutron's networks: HTTP 500, a gap),
and a file that cannot be read (the source is down). Every line logged and
every Event posted is compared with exactly what is expected, in English
and in Korean.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from watch_testing import EXAMPLES, metric_value

from kostack.watch.assess import VERDICTS
from kostack.watch.events import EventSpec, Workload
from kostack.watch.loop import LoopSettings, WatchLoop
from kostack.watch.metrics import WatchMetrics
from kostack.watch.sources import Collected, SnapshotSource
from kostack.watch.state import WatchState

WORKLOAD = Workload("kostack", "kostack-watch")


class Recorder:
    """An Event sink that keeps what it is given."""

    def __init__(self) -> None:
        self.posted: list[EventSpec] = []

    def post(self, specs: Sequence[EventSpec]) -> None:
        self.posted.extend(specs)


def fixed_with_gap() -> str:
    doc: dict[str, Any] = json.loads((EXAMPLES / "seed-fixed.json").read_text())
    doc["openstack"]["networks"] = None
    doc["gaps"] = [{"source": "openstack.networks", "error": "HTTP 500", "hint": ""}]
    return json.dumps(doc)


STATES = {
    "incident": (EXAMPLES / "seed-incident.json").read_text(),
    "fixed": (EXAMPLES / "seed-fixed.json").read_text(),
    "gap": fixed_with_gap(),
    "down": "{ not json",
}


def run(tmp_path: Path, lang: str, states: Sequence[str]) -> list[tuple[list[str], list[str]]]:
    """One cycle per state: (log lines but the cycle's own line, Events as 'Kind reason')."""
    path = tmp_path / "snapshot.json"
    state = WatchState(interval=60.0, lang=lang)
    log: list[str] = []
    events = Recorder()
    loop = WatchLoop(
        SnapshotSource(path),
        state,
        WatchMetrics(state, "test"),
        LoopSettings(interval=60.0),
        "test",
        log.append,
        events=events,
        workload=WORKLOAD,
    )
    said = []
    for name in states:
        path.write_text(STATES[name])
        log.clear()
        events.posted.clear()
        record = loop.run_cycle()
        assert record.result == ("stale" if name == "down" else "ok"), log
        lines = [line for line in log if not re.match(r"(cycle \d+ |\d+번째 주기)", line)]
        said.append((lines, [f"{e.kind} {e.reason}: {e.message}" for e in events.posted]))
    return said


EN_ANTISPOOF = "Neutron anti-spoofing drops pod traffic"
KO_ANTISPOOF = "Neutron 포트 보안(anti-spoofing)이 Pod 트래픽을 차단함"
NETWORKS_500 = "openstack.networks: HTTP 500"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_part_not_collected_is_said_when_it_appears_and_when_it_is_read_again(
    tmp_path: Path, lang: str
) -> None:
    """Neutron answering 500 on networks mid-run (the source stays up, the verdict stays
    healthy, net-mtu turns UNKNOWN) was said by no line at all, nor its recovery."""
    said = [lines for lines, _events in run(tmp_path, lang, ["fixed", "gap", "gap", "fixed"])]
    if lang == "en":
        expected = [
            [],
            [f"source snapshot: 1 part(s) not collected (first: {NETWORKS_500})"],
            [],
            ["source snapshot: every part is collected again"],
        ]
    else:
        expected = [
            [],
            [
                "수집 대상 snapshot: 1개 항목을 수집하지 못했습니다 "
                "(첫 번째: openstack.networks: “HTTP 500”)"
            ],
            [],
            ["수집 대상 snapshot: 모든 항목을 다시 수집했습니다"],
        ]
    assert said == expected


def test_a_source_down_at_the_start_posts_its_event_before_the_one_saying_it_is_back(
    tmp_path: Path,
) -> None:
    """A watch started while its source is down logged it but posted no SourceDown Event,
    then posted a SourceUp for an outage nothing had announced."""
    said = run(tmp_path, "en", ["down", "incident", "down", "incident"])
    events = [e for _lines, e in said]
    assert events[0] == [
        "Deployment SourceDown: kostack: cannot read snapshot; "
        "the log of kostack watch and its /status say why."
    ]
    assert [e for e in events[1] if "Source" in e] == [
        "Deployment SourceUp: kostack: snapshot can be read again."
    ]
    assert events[2] == events[0]  # down again: said again
    assert [e for e in events[3] if "Source" in e] == events[1][:1]
    ko = [e for _lines, e in run(tmp_path, "ko", ["down", "fixed"])]
    assert ko[0] == [
        "Deployment SourceDown: kostack: snapshot을 읽을 수 없습니다. "
        "원인은 kostack watch의 로그와 /status에서 확인하세요."
    ]
    assert ko[1][0] == "Deployment SourceUp: kostack: snapshot을 다시 읽을 수 있습니다."


def test_the_first_verdict_is_said_as_the_first_not_as_a_change_from_unknown(
    tmp_path: Path,
) -> None:
    """The first cycle's VerdictChanged Event said "changed from unknown to healthy", and in
    Korean "unknown에서 정상으로" (an English word, and no change: there was no verdict)."""
    for lang, text in (
        ("en", "kostack: the pod network verdict is healthy."),
        ("ko", "kostack: Pod 네트워크 판정: 정상."),
    ):
        ((_lines, events),) = run(tmp_path, lang, ["fixed"])
        assert events == [f"Deployment VerdictChanged: {text}"]


def test_a_root_cause_that_comes_and_goes_is_said_exactly_once_each_way(tmp_path: Path) -> None:
    """Appeared, kept through an outage (nothing said about the cause), cleared: the lines
    and Events of each cycle, in both languages."""
    states = ["fixed", "incident", "down", "incident", "fixed", "fixed"]
    en = run(tmp_path, "en", states)
    lines = [each for each, _events in en]
    not_json = f"{tmp_path / 'snapshot.json'}, line 1 column 3: not valid JSON"
    assert lines[2][0].startswith(f"source snapshot is down: snapshot {not_json}")
    lines[2] = ["(down)"]
    assert lines == [
        [],
        [
            f"root cause present: {EN_ANTISPOOF} [critical] (net-pod-src-antispoof), 4 node(s)",
            "verdict changed: healthy -> root causes",
        ],
        ["(down)"],
        ["source snapshot answers again"],
        [
            f"root cause cleared: {EN_ANTISPOOF} (net-pod-src-antispoof)",
            "verdict changed: root causes -> healthy",
        ],
        [],
    ]
    reasons = [[e.split(":", 1)[0] for e in events] for _lines, events in en]
    assert reasons == [
        ["Deployment VerdictChanged"],
        [
            "Deployment RootCauseDetected",
            *(["Node RootCauseDetected"] * 4),
            "Deployment VerdictChanged",
        ],
        ["Deployment SourceDown"],
        ["Deployment SourceUp"],
        [
            "Deployment RootCauseCleared",
            *(["Node RootCauseCleared"] * 4),
            "Deployment VerdictChanged",
        ],
        [],
    ]
    on_node = (
        f"Node RootCauseDetected: kostack: {EN_ANTISPOOF} [critical] (net-pod-src-antispoof) "
        "affects this node. Run `kostack diagnose` for the evidence and the fix."
    )
    assert en[1][1][1:5] == [on_node] * 4
    ko = [each for each, _events in run(tmp_path, "ko", states)]
    assert ko[1] == [
        f"근본 원인 감지: {KO_ANTISPOOF} [심각] (net-pod-src-antispoof), 노드 4대",
        "판정 변경: 정상 -> 근본 원인 있음",
    ]
    assert ko[2][0].startswith("수집 대상 snapshot에 접근할 수 없습니다: 스냅샷 ")
    assert ko[3] == ["수집 대상 snapshot에 다시 접근할 수 있습니다"]
    assert ko[4] == [
        f"근본 원인 해소: {KO_ANTISPOOF} (net-pod-src-antispoof)",
        "판정 변경: 근본 원인 있음 -> 정상",
    ]
    assert ko[0] == ko[5] == []


def test_an_unreachable_source_withdraws_a_healthy_verdict_and_says_when_it_is_back(
    tmp_path: Path,
) -> None:
    """A source down after a healthy cycle kept kostack_verdict{verdict="healthy"} at 1 and
    /status "healthy" for as long as it stayed down: a pass nothing backed. Now undecided
    (the critical checks cannot be decided) until every source is read again; root causes,
    known broken, stay (test_the_root_causes_of_a_stale_cycle_stay)."""
    path = tmp_path / "snapshot.json"
    state = WatchState(interval=60.0)
    metrics = WatchMetrics(state, "test")
    log: list[str] = []
    events = Recorder()
    loop = WatchLoop(
        SnapshotSource(path),
        state,
        metrics,
        LoopSettings(interval=60.0),
        "test",
        log.append,
        events=events,
        workload=WORKLOAD,
    )
    seen = []
    for name in ("fixed", "down", "down", "fixed"):
        path.write_text(STATES[name])
        log.clear()
        loop.run_cycle()
        exposition = metrics.exposition().decode()
        status = json.loads(state.status_json("test"))
        seen.append(
            (
                [v for v in VERDICTS if metric_value(exposition, "kostack_verdict", verdict=v)],
                status["verdict"]["state"],
                metric_value(exposition, "kostack_up", source="snapshot"),
                [line for line in log if line.startswith("verdict")],
            )
        )
    assert seen == [
        (["healthy"], "healthy", 1, []),
        (["undecided"], "undecided", 0, ["verdict changed: healthy -> undecided"]),
        (["undecided"], "undecided", 0, []),
        (["healthy"], "healthy", 1, ["verdict changed: undecided -> healthy"]),
    ]
    reasons = json.loads(state.status_json("test"))["history"]["transitions"]
    assert [(t["kind"], t["from"], t["to"]) for t in reasons if t["kind"] == "verdict"] == [
        ("verdict", "unknown", "healthy"),
        ("verdict", "healthy", "undecided"),
        ("verdict", "undecided", "healthy"),
    ]
    said = [f"{e.reason}: {e.message}" for e in events.posted if e.reason == "VerdictChanged"]
    assert said[1:] == [
        "VerdictChanged: kostack: the pod network verdict changed from healthy to undecided.",
        "VerdictChanged: kostack: the pod network verdict changed from undecided to healthy.",
    ]
    ko = run(tmp_path, "ko", ["fixed", "down", "fixed"])
    assert [line for line in ko[1][0] if line.startswith("판정")] == [
        "판정 변경: 정상 -> 판단 불가"
    ]
    assert "kostack: Pod 네트워크 판정이 정상에서 판단 불가로 바뀌었습니다." in [
        e.split(": ", 1)[1] for e in ko[1][1]
    ]
    assert [line for line in ko[2][0] if line.startswith("판정")] == [
        "판정 변경: 판단 불가 -> 정상"
    ]


def test_the_root_causes_of_a_stale_cycle_stay(tmp_path: Path) -> None:
    said = run(tmp_path, "en", ["incident", "down", "incident"])
    assert [line for line in said[1][0] if "verdict" in line or "root cause" in line] == []
    assert [e for e in said[1][1] if "Verdict" in e or "RootCause" in e] == []


class Crashing(SnapshotSource):
    """The snapshot file, but a cycle whose file says CRASH fails with an unexpected error."""

    def collect(self) -> Collected:
        if self.path.read_text() == "CRASH":
            raise RuntimeError("an unexpected error")
        return super().collect()


def test_a_crashed_cycle_does_not_keep_a_healthy_verdict_either(tmp_path: Path) -> None:
    """A cycle that crashed (an error nobody expected, in collection or the engine) kept
    "healthy" published, with every source still "up", for as long as cycles crashed."""
    path = tmp_path / "snapshot.json"
    state = WatchState(interval=60.0)
    log: list[str] = []
    loop = WatchLoop(
        Crashing(path),
        state,
        WatchMetrics(state, "test"),
        LoopSettings(interval=60.0),
        "test",
        log.append,
    )
    seen = []
    for text in (STATES["fixed"], "CRASH", "CRASH", STATES["fixed"]):
        path.write_text(text)
        log.clear()
        record = loop.run_cycle()
        assert state.published is not None
        verdicts = [line for line in log if line.startswith("verdict")]
        seen.append((record.result, state.published.verdict.state, verdicts))
    assert seen == [
        ("ok", "healthy", []),
        ("crashed", "undecided", ["verdict changed: healthy -> undecided"]),
        ("crashed", "undecided", []),
        ("ok", "healthy", ["verdict changed: undecided -> healthy"]),
    ]
