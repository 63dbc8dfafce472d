"""The watch cycle: collect, diagnose, probe, publish, tell; every ``interval`` with jitter.

One cycle (`WatchLoop.run_cycle`):

1. read the source(s) (`kostack.watch.sources`); each source's ``up``,
   duration and request count are recorded whatever happens;
2. when every source was read: diagnose (`kostack.watch.assess`), run a
   probe round when a runner is given (`kostack.watch.probing`), and publish
   the result for /metrics and /status at once;
3. compare with the cycle before (`kostack.watch.history`): log each
   transition and post Kubernetes Events (`kostack.watch.events`).

When a source cannot be read the cycle is *stale*: the last diagnosis stays
published (nothing new is known about the network), ``kostack_up`` says
which source failed, and /readyz turns 503 once no cycle has succeeded for 3
turns (3 x (interval + the last successful cycle's duration)). Nothing a cycle raises ends the loop: an unexpected error is
logged and counted (``kostack_cycles_total{result="crashed"}``), and the
next cycle starts on time.
"""

from __future__ import annotations

import ctypes
import gc
import json
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from kostack.analyze.diagnose import root_cause_title
from kostack.analyze.messages import localize
from kostack.errors import KostackError
from kostack.model.snapshot import IPAddress, Snapshot
from kostack.redact import redact
from kostack.report.jsonout import diagnosis_dict
from kostack.watch.assess import CRITICAL_CHECKS, Assessment, Verdict, assess
from kostack.watch.events import EventSpec, Workload, events_for
from kostack.watch.history import CauseState, Transition
from kostack.watch.messages import flapping_what, say, severity_name, verdict_name
from kostack.watch.metrics import WatchMetrics
from kostack.watch.probing import (
    ProbeRunner,
    ProbeSettings,
    ProbeSummary,
    plan_round,
    summarize_round,
)
from kostack.watch.sources import Source
from kostack.watch.state import CycleRecord, Published, SourceStatus, WatchState

__all__ = ["LoopSettings", "WatchLoop"]

EVENT_NODES = 20  # affected nodes named per root cause (and so Events per node at most)


@dataclass(frozen=True)
class LoopSettings:
    interval: float = 60.0
    jitter: float = 0.1  # each wait is interval * (1 +- jitter), so many watches do not align
    egress_target: IPAddress | None = None
    max_classes: int = 8
    max_cycles: int | None = None  # None: until stopped


class EventPoster(Protocol):
    """What the loop needs of an Event sink (`kostack.watch.events.KubeEventSink`)."""

    def post(self, specs: Sequence[EventSpec]) -> None: ...


@dataclass
class WatchLoop:
    source: Source
    state: WatchState
    metrics: WatchMetrics
    settings: LoopSettings
    version: str
    log: Callable[[str], None]
    probe_runner: ProbeRunner | None = None
    probe_settings: ProbeSettings = field(default_factory=ProbeSettings)
    events: EventPoster | None = None
    workload: Workload | None = None
    rng: random.Random = field(default_factory=random.Random)
    _flapping: set[tuple[str, str]] = field(default_factory=set)
    _gaps: dict[str, int] = field(default_factory=dict)  # parts not read, per source, when up

    @property
    def lang(self) -> str:
        return self.state.lang

    def run(self, stop: threading.Event) -> None:
        """Cycles until ``stop`` is set (or ``max_cycles`` ran)."""
        ran = 0
        while not stop.is_set():
            self.run_cycle()
            ran += 1
            if self.settings.max_cycles is not None and ran >= self.settings.max_cycles:
                return
            stop.wait(self.next_delay())

    def next_delay(self) -> float:
        spread = self.settings.jitter * self.settings.interval
        return max(0.0, self.settings.interval + self.rng.uniform(-spread, spread))

    def run_cycle(self) -> CycleRecord:
        with self.state.lock:
            self.state.cycle += 1
            cycle = self.state.cycle
        started_wall = self.state.clock()
        started = time.monotonic()
        try:
            result = self._cycle(cycle)
            error = ""
        except Exception as exc:  # never let one cycle end the watch
            result, error = "crashed", f"{type(exc).__name__}: {exc}"
            self.log(say(self.lang, "cycle.crashed", cycle=cycle, error=error))
        if result != "ok":
            try:
                self._withdraw_healthy(cycle)
            except Exception as exc:  # telling must not end the watch either
                said = f"{type(exc).__name__}: {exc}"
                self.log(say(self.lang, "cycle.crashed", cycle=cycle, error=said))
        _release_memory()
        record = CycleRecord(cycle, started_wall, time.monotonic() - started, result, error)
        with self.state.lock:
            self.state.last = record
            if result == "ok":
                self.state.last_success_at = record.started_at + record.seconds
                self.state.last_success_seconds = record.seconds
        self.metrics.observe_cycle(record)
        return record

    # -- one cycle -------------------------------------------------------------------

    def _cycle(self, cycle: int) -> str:
        started = time.monotonic()
        collected = self.source.collect()
        self._record_sources(cycle, collected.statuses)
        snapshot = collected.snapshot
        if snapshot is None:
            seconds = f"{time.monotonic() - started:.2f}"
            if self.state.published:  # the last diagnosis stays; else there is none to keep
                last = self.state.published.cycle
                self.log(say(self.lang, "cycle.stale", cycle=cycle, seconds=seconds, last=last))
            else:
                self.log(say(self.lang, "cycle.stale.none", cycle=cycle, seconds=seconds))
            return "stale"
        assessment = assess(
            snapshot, self.settings.egress_target, max_classes=self.settings.max_classes
        )
        published = self._published(cycle, assessment)
        del assessment  # the snapshot's memory goes before the probe round
        summary, probe_status = self._probe(cycle, snapshot, published)
        transitions = self.state.history.observe_causes(
            cycle,
            published.at,
            {c.key: c for c in published.root_causes},
            published.verdict.state,
        )
        with self.state.lock:
            self.state.published = published
            if probe_status is not None:
                self.state.sources["probes"] = probe_status
                self.state.probe_error = probe_status.error
            if summary is not None:
                self.state.probes = summary
        if summary is not None:  # said once /metrics and /status show the round
            done = dict(passed=summary.passed, failed=summary.failed, sources=summary.sources)
            self.log(say(self.lang, "probes.done", **done, seconds=f"{summary.seconds:.1f}"))
        self._tell(transitions)
        seconds = f"{time.monotonic() - started:.2f}"
        self.log(
            say(
                self.lang,
                "cycle.ok",
                cycle=cycle,
                seconds=seconds,
                verdict=self._verdict(published),
            )
        )
        return "ok"

    def _withdraw_healthy(self, cycle: int) -> None:
        """A stale or crashed cycle knows nothing new: root causes stay published (their
        alerts keep firing), but "healthy" is a pass nothing backs any more: the verdict turns
        undecided (the critical checks cannot be decided) until a cycle succeeds again."""
        published = self.state.published
        if published is None or published.verdict.state != "healthy":
            return
        blind = replace(published, verdict=Verdict("undecided", CRITICAL_CHECKS))
        history = self.state.history
        transitions = history.observe_causes(
            cycle, self.state.clock(), history.causes, blind.verdict.state
        )
        with self.state.lock:
            self.state.published = blind
        self._tell(transitions)

    def _record_sources(self, cycle: int, statuses: Iterable[SourceStatus]) -> None:
        statuses = tuple(statuses)
        self.metrics.observe_sources(statuses)
        with self.state.lock:
            for status in statuses:
                self.state.sources[status.name] = status
        changes = self.state.history.observe_sources(
            cycle, self.state.clock(), {s.name: s.up for s in statuses}
        )
        changed = {t.key for t in changes}
        for status in statuses:
            if not status.up:
                if status.name in changed:
                    self.log(say(self.lang, "source.down", source=status.name, error=status.error))
                continue
            # parts not read (gaps) are said when they appear and when they are read again,
            # not only when the source comes up: an API that starts failing one listing
            # mid-run (Neutron 500s on networks) must not go unsaid while cycles say healthy
            before = self._gaps.get(status.name, 0)
            self._gaps[status.name] = status.gaps
            if status.gaps and (status.name in changed or not before):
                self.log(
                    say(
                        self.lang,
                        "source.gaps",
                        source=status.name,
                        n=status.gaps,
                        error=status.error,
                    )
                )
            elif before and not status.gaps:
                self.log(say(self.lang, "source.whole", source=status.name))
        for change in changes:
            if change.after == "up" and change.before == "down":
                self.log(say(self.lang, "source.up", source=change.key))
        self._tell(changes, log=False)

    def _published(self, cycle: int, assessment: Assessment) -> Published:
        diagnosis = assessment.diagnosis
        snapshot = diagnosis.snapshot
        port_node = {np.port_id: np.node for np in snapshot.node_ports or () if np.port_id}
        causes: list[CauseState] = []
        for rc in diagnosis.root_causes:
            nodes = sorted(
                {r.name or r.id for r in rc.resources if r.kind == "node"}
                | {port_node[r.id] for r in rc.resources if r.kind == "port" and r.id in port_node}
            )
            causes.append(
                CauseState(
                    rc.key,
                    rc.check_id,
                    str(rc.severity),
                    rc.title,
                    tuple(nodes[:EVENT_NODES]),
                    len(nodes),
                )
            )
        findings: dict[tuple[str, str], int] = {}
        for finding in diagnosis.findings:
            key = (finding.check_id, str(finding.status))
            findings[key] = findings.get(key, 0) + 1
        node_count = len(snapshot.cluster.nodes or ()) if snapshot.cluster else 0
        return Published(
            at=self.state.clock(),
            cycle=cycle,
            verdict=assessment.verdict,
            root_causes=tuple(causes),
            findings=tuple((c, s, n) for (c, s), n in sorted(findings.items())),
            class_table=assessment.classes,
            flows=assessment.flows,
            nodes=node_count,
            # text: nothing published keeps the snapshot (or the engine's objects) alive;
            # redacted once here, not on every /status request (kostack.redact)
            diagnosis_json=redact(
                json.dumps(diagnosis_dict(diagnosis, self.version, self.lang), ensure_ascii=False)
            ),
        )

    def _probe(
        self, cycle: int, snapshot: Snapshot, published: Published
    ) -> tuple[ProbeSummary | None, SourceStatus | None]:
        if self.probe_runner is None:
            return None, None
        started = time.monotonic()
        table = published.class_table
        try:
            plan = plan_round(snapshot, self.probe_settings, cycle)
            round_ = self.probe_runner(plan)
        except KostackError as err:
            return None, self._probe_failed(started, err.message, err.hint)
        except Exception as exc:  # a runner bug must not end the watch either
            return None, self._probe_failed(started, f"{type(exc).__name__}: {exc}", "")
        summary = summarize_round(round_, table)
        self.metrics.observe_probes(summary, [c.id for c in published.classes])
        problem = "; ".join(localize(p, self.lang) for p in summary.problems)
        status = SourceStatus("probes", True, time.monotonic() - started, error=problem)
        return summary, status

    def _probe_failed(self, started: float, error: str, hint: str) -> SourceStatus:
        self.log(say(self.lang, "probes.failed", error=error))
        return SourceStatus("probes", False, time.monotonic() - started, error=error, hint=hint)

    def _tell(self, transitions: list[Transition], *, log: bool = True) -> None:
        if not transitions:
            return
        self.metrics.observe_transitions(transitions)
        if log:
            for t in transitions:
                self._log_transition(t)
        flapping = set(self.state.history.flapping(self.state.clock()))
        for kind, key in sorted(flapping - self._flapping):
            n = self.state.history.flapping(self.state.clock())[(kind, key)]
            self.log(
                say(
                    self.lang,
                    "flapping",
                    what=flapping_what(self.lang, kind, key),
                    n=n,
                    window=f"{self.state.history.flap_window_s:g}",
                )
            )
        self._flapping = flapping
        if self.events is not None:
            self.events.post(
                events_for(transitions, self.lang, workload=self.workload, max_nodes=EVENT_NODES)
            )

    def _log_transition(self, t: Transition) -> None:
        if t.kind == "root-cause":
            key = "cause.appeared" if t.node_count else "cause.appeared.none"
            text = say(
                self.lang,
                key if t.after == "present" else "cause.cleared",  # cleared: no severity, nodes
                title=root_cause_title(t.key, self.lang),
                severity=severity_name(self.lang, t.severity),
                check=t.check_id,
                nodes=t.node_count,
            )
            self.log(text)
        elif t.kind == "verdict" and t.before != "unknown":
            self.log(
                say(
                    self.lang,
                    "verdict.changed",
                    before=verdict_name(self.lang, t.before),
                    after=verdict_name(self.lang, t.after),
                )
            )

    def _verdict(self, published: Published) -> str:
        verdict = published.verdict
        if verdict.state == "root-causes":
            causes = ", ".join(
                f"{rc.key} [{severity_name(self.lang, rc.severity)}]"
                for rc in published.root_causes
            )
            return say(
                self.lang, "verdict.detail.root-causes", n=len(published.root_causes), causes=causes
            )
        if verdict.state == "undecided":
            return say(self.lang, "verdict.detail.undecided", checks=", ".join(verdict.reasons))
        return verdict_name(self.lang, verdict.state)


def _release_memory() -> None:
    """Give the memory of the cycle's snapshot back: collect cycles, then trim the C heap.

    A 5,000-node snapshot takes hundreds of MB while a cycle runs and none
    after it; without the trim glibc keeps the freed pages, and resident
    memory reflects the largest cycle ever rather than what is alive.
    """
    gc.collect()
    # CPython's type attribute cache keeps a reference to each attribute name it saw
    # (slot chosen by the string's address): names made afresh each cycle pile up,
    # scattered over the heap, until evicted. Emptied, their pages can be trimmed.
    sys._clear_type_cache()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018  # glibc only; musl has none
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()
