"""The Prometheus exposition of `kostack watch`, with the official prometheus-client.

Gauges are produced at scrape time from the watch's state (`_StateCollector`):
what the last cycle saw, and nothing that was seen before (a cleared root
cause or a class that no longer exists simply has no series). Counters and
histograms accumulate across cycles. Every label takes its values from a
fixed vocabulary (sources, checks, severities, verdicts, probe kinds) or from
node-class ids, which are at most ``max_classes + 1`` (`kostack.watch.assess`):
`series_bound` is the resulting worst case, documented in docs/watch.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kostack.analyze.checks import CHECKS
from kostack.analyze.diagnose import ROOT_CAUSE_TITLES
from kostack.analyze.findings import Severity, Status
from kostack.serve.metrics import RUNTIME_SERIES, ModeMetrics, gauge, histogram_series
from kostack.watch.assess import CRITICAL_CHECKS, FLOW_KINDS, FLOW_VERDICTS, VERDICTS
from kostack.watch.history import Transition
from kostack.watch.probing import KIND_GROUPS, ProbeSummary
from kostack.watch.state import CycleRecord, Published, SourceStatus, WatchState

__all__ = ["SOURCES", "WatchMetrics", "series_bound"]

SOURCES = ("snapshot", "openstack", "kubernetes", "probes")
CYCLE_RESULTS = ("ok", "stale", "crashed")
TRANSITION_KINDS = ("root-cause", "verdict", "source")
PROBE_VERDICTS = ("pass", "fail", "error", "expected-no-reply", "skipped")
SERVICE_PROBE_KINDS = ("dns", "api-service", "egress")
PAIR_PROBE_KINDS = ("pod-to-pod", "mtu", "node")
SERVICE_FLOWS = tuple(f for f in FLOW_KINDS if f != "pod-to-pod")
COLLECT_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CYCLE_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
PROBE_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5)


def _cause_vocabulary() -> int:
    """Root-cause keys: the engine's named causes, a check id as fallback, 'unexplained'."""
    return len(ROOT_CAUSE_TITLES) + len(CHECKS) + 1


def series_bound(max_classes: int) -> int:
    """The most series one exposition can hold with ``max_classes`` (the formula in docs/watch.md)."""
    c = max_classes + 1  # the named classes and "other"
    causes = _cause_vocabulary()
    gauges = (
        len(SOURCES)  # kostack_up
        + len(SOURCES)  # kostack_collect_gaps
        + len(VERDICTS)  # kostack_verdict
        + causes
        + len(CRITICAL_CHECKS)  # kostack_verdict_reason
        + causes  # kostack_root_cause
        + len(Severity)  # kostack_root_causes
        + len(CHECKS) * len(Status)  # kostack_findings
        + c * c * len(FLOW_VERDICTS)  # kostack_flows, pod-to-pod
        + len(SERVICE_FLOWS) * c * len(FLOW_VERDICTS)  # kostack_flows, services
        + c  # kostack_node_class_nodes
        + 2  # kostack_nodes, kostack_node_classes
        + len(SERVICE_PROBE_KINDS) * c
        + len(PAIR_PROBE_KINDS) * c * c  # kostack_probe_success_ratio
        + causes
        + len(SOURCES)
        + 1  # kostack_flapping
        + 6  # last success/cycle timestamps, ready, interval, build info, diagnosis cycle
    )
    accumulating = (
        len(KIND_GROUPS) * c * histogram_series(PROBE_BUCKETS)
        + len(KIND_GROUPS) * len(PROBE_VERDICTS)  # kostack_probes_total
        + histogram_series(CYCLE_BUCKETS)  # probe round duration
        + 3 * histogram_series(COLLECT_BUCKETS)  # collection duration by source
        + 3  # requests by source
        + histogram_series(CYCLE_BUCKETS)
        + len(CYCLE_RESULTS)
        + len(TRANSITION_KINDS)
    )
    return gauges + accumulating + RUNTIME_SERIES


class _StateCollector(Collector):
    """Gauges from the watch's current state, built at each scrape."""

    def __init__(self, state: WatchState, version: str) -> None:
        self.state = state
        self.version = version

    def collect(self) -> Iterable[Metric]:
        return list(self._families())

    def _families(self) -> Iterator[Metric]:
        published, probes, sources = self.state.snapshot()
        info = gauge("kostack_build_info", "kostack's version (always 1).", ["version"])
        info.add_metric([self.version], 1)
        yield info
        up = gauge(
            "kostack_up", "1 when the source was read in the last cycle, else 0.", ["source"]
        )
        gaps = gauge(
            "kostack_collect_gaps",
            "Parts of a source that could not be read in the last cycle (UNKNOWN, not PASS).",
            ["source"],
        )
        for name, status in sorted(sources.items()):
            up.add_metric([name], 1 if status.up else 0)
            gaps.add_metric([name], status.gaps)
        yield up
        yield gaps
        ready, _ = self.state.readiness()
        yield GaugeMetricFamily(
            "kostack_ready",
            "1 when a cycle succeeded within 3 times the interval plus that cycle's duration.",
            value=int(ready),
        )
        yield GaugeMetricFamily(
            "kostack_interval_seconds", "The configured cycle interval.", value=self.state.interval
        )
        with self.state.lock:
            success, last = self.state.last_success_at, self.state.last
            took = self.state.last_success_seconds
            flapping = self.state.history.flapping(self.state.clock())
        if success is not None:
            yield GaugeMetricFamily(
                "kostack_last_success_timestamp_seconds",
                "When the last cycle that read every source ended (Unix time).",
                value=success,
            )
            yield GaugeMetricFamily(
                "kostack_last_success_duration_seconds",
                "How long the last cycle that read every source took.",
                value=took,
            )
        if last is not None:
            yield GaugeMetricFamily(
                "kostack_last_cycle_timestamp_seconds",
                "When the last cycle ended, whatever its result (Unix time).",
                value=last.started_at + last.seconds,
            )
        flap = gauge(
            "kostack_flapping",
            "Transitions within the flap window, for keys that flap (kind: root-cause, verdict, source).",
            ["kind", "key"],
        )
        for (kind, key), n in sorted(flapping.items()):
            flap.add_metric([kind, key], n)
        yield flap
        if published is not None:
            yield from self._diagnosis(published)
        if probes is not None:
            ratio = gauge(
                "kostack_probe_success_ratio",
                "Share of the last round's decided probes that passed, by kind and node class.",
                ["kind", "src_class", "dst_class"],
            )
            for (kind, src, dst), value in sorted(probes.success().items()):
                ratio.add_metric([kind, src, dst], value)
            yield ratio

    def _diagnosis(self, published: Published) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "kostack_diagnosis_cycle",
            "The cycle of the published diagnosis.",
            value=published.cycle,
        )
        verdict = gauge(
            "kostack_verdict",
            "The overall verdict: 1 for the current one of healthy, root-causes, undecided.",
            ["verdict"],
        )
        for name in VERDICTS:
            verdict.add_metric([name], 1 if published.verdict.state == name else 0)
        yield verdict
        reason = gauge(
            "kostack_verdict_reason",
            "Why the verdict is what it is: root-cause keys or undecided check ids.",
            ["verdict", "reason"],
        )
        for key in published.verdict.reasons:
            reason.add_metric([published.verdict.state, key], 1)
        yield reason
        cause = gauge(
            "kostack_root_cause",
            "1 for each root cause present, by cause key, check and severity.",
            ["cause", "check", "severity"],
        )
        by_severity = dict.fromkeys((str(s) for s in Severity), 0)
        for rc in published.root_causes:
            cause.add_metric([rc.key, rc.check_id, rc.severity], 1)
            by_severity[rc.severity] = by_severity.get(rc.severity, 0) + 1
        yield cause
        count = gauge("kostack_root_causes", "Root causes present, by severity.", ["severity"])
        for severity, n in by_severity.items():
            count.add_metric([severity], n)
        yield count
        findings = gauge(
            "kostack_findings",
            "Findings of the last diagnosis by check and status.",
            ["check", "status"],
        )
        for check, status, n in published.findings:
            findings.add_metric([check, status], n)
        yield findings
        flows = gauge(
            "kostack_flows",
            "Node pairs (pod-to-pod) or source nodes (services, egress) per flow verdict, by node class.",
            ["flow", "src_class", "dst_class", "verdict"],
        )
        for f in published.flows:
            flows.add_metric([f.flow, f.src_class, f.dst_class, f.verdict], f.count)
        yield flows
        classes = gauge("kostack_node_class_nodes", "Nodes in each node class.", ["class", "role"])
        for c in published.classes:
            classes.add_metric([c.id, c.role], c.size)
        yield classes
        yield GaugeMetricFamily("kostack_nodes", "Nodes in the snapshot.", value=published.nodes)
        yield GaugeMetricFamily(
            "kostack_node_classes",
            "Node classes the engine distinguishes (before folding into 'other').",
            value=published.engine_classes,
        )


class WatchMetrics(ModeMetrics):
    """The registry `/metrics` serves, and what the loop records into it."""

    def __init__(self, state: WatchState, version: str) -> None:
        super().__init__()
        r = self.registry
        self.collect_seconds = Histogram(
            "kostack_collect_duration_seconds",
            "Time to read a source.",
            ["source"],
            buckets=COLLECT_BUCKETS,
            registry=r,
        )
        self.collect_requests = Counter(
            "kostack_collect_requests", "API requests sent to a source.", ["source"], registry=r
        )
        self.cycle_seconds = Histogram(
            "kostack_cycle_duration_seconds",
            "Time of a whole cycle.",
            buckets=CYCLE_BUCKETS,
            registry=r,
        )
        self.cycles = self.counter("kostack_cycles", "Cycles by result.", "result", CYCLE_RESULTS)
        self.transitions = self.counter(
            "kostack_transitions", "Transitions by kind.", "kind", TRANSITION_KINDS
        )
        self.probe_seconds = Histogram(
            "kostack_probe_duration_seconds",
            "Time of each answered probe, by kind and source node class.",
            ["kind", "src_class"],
            buckets=PROBE_BUCKETS,
            registry=r,
        )
        self.probes = Counter(
            "kostack_probes", "Probes run, by kind and verdict.", ["kind", "verdict"], registry=r
        )
        self.probe_round_seconds = Histogram(
            "kostack_probe_round_duration_seconds",
            "Time of a whole probe round.",
            buckets=CYCLE_BUCKETS,
            registry=r,
        )
        self._probe_labels: set[tuple[str, str]] = set()
        r.register(_StateCollector(state, version))

    def observe_sources(self, statuses: Iterable[SourceStatus]) -> None:
        for status in statuses:
            if status.name == "probes":
                continue  # the probe round has its own histogram
            self.collect_seconds.labels(status.name).observe(status.seconds)
            if status.requests:
                self.collect_requests.labels(status.name).inc(status.requests)

    def observe_cycle(self, record: CycleRecord) -> None:
        self.cycle_seconds.observe(record.seconds)
        self.cycles.labels(record.result).inc()

    def observe_transitions(self, transitions: Iterable[Transition]) -> None:
        for transition in transitions:
            self.transitions.labels(transition.kind).inc()

    def observe_probes(self, summary: ProbeSummary, class_ids: Iterable[str]) -> None:
        """Record a round; histograms of classes that no longer exist are removed (bounded)."""
        self.probe_round_seconds.observe(summary.seconds)
        for (kind, verdict), n in summary.verdicts.items():
            self.probes.labels(kind, verdict).inc(n)
        current = set(class_ids)
        for labels in sorted(self._probe_labels):
            if labels[1] not in current:
                self.probe_seconds.remove(*labels)
                self._probe_labels.discard(labels)
        for (kind, src), values in summary.latencies.items():
            child = self.probe_seconds.labels(kind, src)
            self._probe_labels.add((kind, src))
            for seconds in values:
                child.observe(seconds)
