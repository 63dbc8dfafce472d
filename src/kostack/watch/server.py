"""The watch's HTTP endpoints: /metrics, /healthz, /readyz and /status.

- ``/metrics``: the Prometheus exposition (`kostack.watch.metrics`);
- ``/healthz``: 200 while the process runs (a liveness probe);
- ``/readyz``: 200 when a cycle succeeded within 3 x (interval + its duration), else
  503, with the reason in the body (a readiness probe);
- ``/status``: JSON: the state, the sources, the verdict, the last diagnosis
  (as ``kostack diagnose -o json`` prints it), probes and the history of
  transitions.

Served by the exporter `kostack guard` shares (`kostack.serve.http`).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST

from kostack.serve.status import ModeServer
from kostack.watch.messages import say
from kostack.watch.metrics import WatchMetrics
from kostack.watch.state import WatchState

__all__ = ["WatchServer"]


class WatchServer(ModeServer):
    """Serves the watch's endpoints from a background thread until `stop`."""

    def __init__(
        self, address: tuple[str, int], state: WatchState, metrics: WatchMetrics, version: str
    ) -> None:
        super().__init__(
            address,
            state,
            metrics,
            version,
            name="kostack watch",
            alive=lambda lang: say(lang, "healthz"),
            metrics_type=CONTENT_TYPE_LATEST,
            redacted_by_route=("/status",),  # by parts: its diagnosis once per cycle
        )
