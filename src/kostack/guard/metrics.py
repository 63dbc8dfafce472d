"""The Prometheus exposition of `kostack guard` (official prometheus-client, shared registry base).

Gauges come from the guard's state at scrape time (the last pass only);
counters and the pass histogram accumulate. Every label takes its values
from a fixed vocabulary, so the series count is bounded whatever the cluster
size (`series_bound`, documented in docs/guard.md).

- ``kostack_guard_leader``: 1 on the replica that writes (also without election);
- ``kostack_guard_mode{mode}``: 1 for the configured mode (audit, enforce);
- ``kostack_guard_drift_items`` / ``kostack_guard_drift_ports{change}`` /
  ``kostack_guard_drift_rules{change}``: what the last pass found to add or
  remove (before acting); ``kostack_guard_drift_remaining``: left after it;
- ``kostack_guard_breaker_open``; ``kostack_guard_breaker_trips_total``;
- ``kostack_guard_actions_total{action, outcome}``: every write;
- ``kostack_guard_errors_total{kind}``: reads that failed, writes that failed, crashes;
- ``kostack_guard_passes_total{result}``; ``kostack_guard_pass_duration_seconds``;
- ``kostack_guard_last_pass_timestamp_seconds``,
  ``kostack_guard_last_success_timestamp_seconds``: when the last pass ended,
  and the last that read both sources;
- ``kostack_guard_requests_per_pass{source}``: requests the last pass sent to
  Neutron and Kubernetes (constant in the node count in the steady state);
- ``kostack_guard_ports_in_scope``, ``kostack_guard_claims_in_doubt``,
  ``kostack_guard_ready``, ``kostack_guard_interval_seconds``, ``kostack_build_info``.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kostack.guard.enforce import Done
from kostack.guard.state import RESULTS, GuardState, PassReport
from kostack.serve.metrics import RUNTIME_SERIES, ModeMetrics, gauge, histogram_series

__all__ = ["ACTIONS", "ERROR_KINDS", "OUTCOMES", "GuardMetrics", "series_bound"]

MODES = ("audit", "enforce")
ACTIONS = ("add-pairs", "remove-pairs", "tags", "add-rule", "delete-rule")
OUTCOMES = ("applied", "already", "stale", "failed", "in-doubt", "applied-untagged", "refused")
ERROR_KINDS = ("read", "write", "lease", "internal")
CHANGES = ("add", "remove")
SOURCES = ("openstack", "kubernetes")
PASS_BUCKETS = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


def series_bound() -> int:
    """The most series one exposition can hold (the formula in docs/guard.md)."""
    gauges = (
        1  # build info
        + 1  # leader
        + len(MODES)
        + 1  # drift items
        + 2 * len(CHANGES)  # drift ports, drift rules
        + 1  # remaining
        + 1  # breaker open
        + 2  # last pass, last success
        + len(SOURCES)
        + 4  # ports in scope, claims, ready, interval
    )
    counters = (
        1  # breaker trips
        + len(ACTIONS) * len(OUTCOMES)
        + len(ERROR_KINDS)
        + len(RESULTS)
        + histogram_series(PASS_BUCKETS)
    )
    return gauges + counters + RUNTIME_SERIES


class _StateCollector(Collector):
    def __init__(self, state: GuardState, version: str) -> None:
        self.state = state
        self.version = version

    def collect(self) -> Iterable[Metric]:
        state = self.state
        out: list[Metric] = []
        info = gauge("kostack_build_info", "kostack's version (always 1).", ["version"])
        info.add_metric([self.version], 1)
        out.append(info)
        ready, _ = state.readiness()
        with state.lock:
            last, leader, claims = state.last, state.leader, state.claims
            breaker_open, read_at = state.breaker_open, state.last_read_at
        out += _values(("kostack_guard_leader", "1 on the replica that writes.", int(leader)))
        mode = gauge("kostack_guard_mode", "1 for the configured mode.", ["mode"])
        for name in MODES:
            mode.add_metric([name], 1 if state.mode == name else 0)
        out.append(mode)
        out += _values(
            (
                "kostack_guard_breaker_open",
                "1 when the last pass found more drift than the circuit breaker allows.",
                int(breaker_open),
            ),
            ("kostack_guard_ready", "1 when ready (see /readyz).", int(ready)),
            ("kostack_guard_interval_seconds", "The configured pass interval.", state.interval),
            (
                "kostack_guard_claims_in_doubt",
                "Pairs guard added whose ownership tag is not confirmed yet (journal).",
                claims,
            ),
        )
        if read_at is not None:
            out += _values(
                (
                    "kostack_guard_last_success_timestamp_seconds",
                    "When the last pass that read Neutron and Kubernetes ended (Unix time).",
                    read_at,
                )
            )
        if last is not None:
            out.extend(self._last(last))
        return out

    def _last(self, last: PassReport) -> list[Metric]:
        out = _values(
            (
                "kostack_guard_last_pass_timestamp_seconds",
                "When the last pass ended, whatever its result (Unix time).",
                last.started_at + last.seconds,
            )
        )
        requests = gauge(
            "kostack_guard_requests_per_pass", "Requests the last pass sent, by source.", ["source"]
        )
        requests.add_metric(["openstack"], last.openstack_requests)
        requests.add_metric(["kubernetes"], last.kubernetes_requests)
        out.append(requests)
        drift = last.drift
        if drift is None:
            return out
        out += _values(
            ("kostack_guard_drift_items", "Drift items the last pass found.", drift.items),
            (
                "kostack_guard_drift_remaining",
                "Drift items left after the last pass (held, rate-limited, failed or audit).",
                last.remaining,
            ),
        )
        ports = gauge(
            "kostack_guard_drift_ports", "Ports with pairs to add or to remove.", ["change"]
        )
        ports.add_metric(["add"], sum(1 for p in drift.ports if p.add))
        ports.add_metric(["remove"], sum(1 for p in drift.ports if p.remove))
        out.append(ports)
        rules = gauge("kostack_guard_drift_rules", "Rules to create or to delete.", ["change"])
        rules.add_metric(["add"], drift.rule_adds)
        rules.add_metric(["remove"], drift.rule_deletes)
        out.append(rules)
        out += _values(
            (
                "kostack_guard_ports_in_scope",
                "The nodes' ports plus ports guard manages.",
                drift.node_ports,
            )
        )
        return out


def _values(*values: tuple[str, str, float]) -> list[Metric]:
    """Gauges without labels, one a (name, help, value)."""
    return [GaugeMetricFamily(name, text, value=value) for name, text, value in values]


class GuardMetrics(ModeMetrics):
    """The registry `/metrics` serves, and what the loop records into it."""

    def __init__(self, state: GuardState, version: str) -> None:
        super().__init__()
        r = self.registry
        self.actions = Counter(
            "kostack_guard_actions",
            "Writes by action and outcome.",
            ["action", "outcome"],
            registry=r,
        )
        for action in ACTIONS:
            for outcome in OUTCOMES:
                self.actions.labels(action, outcome)
        self.errors = self.counter("kostack_guard_errors", "Errors by kind.", "kind", ERROR_KINDS)
        self.passes = self.counter("kostack_guard_passes", "Passes by result.", "result", RESULTS)
        self.trips = Counter(
            "kostack_guard_breaker_trips", "Times the circuit breaker opened.", registry=r
        )
        self.pass_seconds = Histogram(
            "kostack_guard_pass_duration_seconds",
            "Time of a whole pass.",
            buckets=PASS_BUCKETS,
            registry=r,
        )
        r.register(_StateCollector(state, version))

    def observe(self, report: PassReport, *, tripped: bool) -> None:
        self.passes.labels(report.result).inc()
        self.pass_seconds.observe(report.seconds)
        if tripped:
            self.trips.inc()
        for done in report.done:
            self.observe_done(done)
        if report.result == "unreachable":
            self.errors.labels("read").inc()
        elif report.result == "crashed":
            self.errors.labels("internal").inc()

    def observe_done(self, done: Done) -> None:
        self.actions.labels(done.action, done.outcome).inc()
        if done.outcome in ("failed", "in-doubt", "applied-untagged"):
            self.errors.labels("write").inc()
