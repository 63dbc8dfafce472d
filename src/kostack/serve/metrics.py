"""The Prometheus registry every long-running mode starts from (official prometheus-client).

`new_registry` gives a registry with the process, platform and GC collectors
and no ``*_created`` series (half the cost of every counter and histogram);
each mode registers its own collectors and metrics on it (`ModeMetrics`, the
base of each mode's metrics). `gauge` is the shorthand the scrape-time
collectors use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import prometheus_client
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.core import GaugeMetricFamily

__all__ = ["RUNTIME_SERIES", "ModeMetrics", "gauge", "histogram_series", "new_registry"]

# The process, platform and GC collectors of prometheus-client (measured: 19 on CPython 3.11).
RUNTIME_SERIES = 30


def new_registry() -> CollectorRegistry:
    """A registry holding the runtime collectors."""
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped in the client; no *_created series: half the histograms' cost
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


def gauge(name: str, doc: str, labels: Sequence[str] = ()) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=list(labels))


def histogram_series(buckets: Sequence[float]) -> int:
    """Series of one histogram child: each bucket, +Inf, _sum and _count."""
    return len(buckets) + 1 + 2


class ModeMetrics:
    """The registry `/metrics` serves, and what the mode's loop records into it."""

    def __init__(self) -> None:
        self.registry = new_registry()

    def counter(
        self, name: str, doc: str, label: str, values: Iterable[str]
    ) -> prometheus_client.Counter:
        """A counter by ``label`` on the registry, each of ``values`` at 0 from the start."""
        made = prometheus_client.Counter(name, doc, [label], registry=self.registry)
        for value in values:
            made.labels(value)
        return made

    def exposition(self) -> bytes:
        return prometheus_client.generate_latest(self.registry)

    def series(self) -> int:
        """Series in one exposition (what Prometheus would store per scrape)."""
        return sum(len(metric.samples) for metric in self.registry.collect())
