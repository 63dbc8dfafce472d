"""The watch's HTTP endpoints: /metrics, /healthz, /readyz and /status.

- ``/metrics``: the Prometheus exposition (`kostack.watch.metrics`);
- ``/healthz``: 200 while the process runs (a liveness probe);
- ``/readyz``: 200 when a cycle succeeded within the last 3 intervals, else
  503, with the reason in the body (a readiness probe);
- ``/status``: JSON: the state, the sources, the verdict, the last diagnosis
  (as ``kostack diagnose -o json`` prints it), probes and the history of
  transitions.

Served by the exporter `kostack guard` shares (`kostack.serve.http`).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST

from kostack.serve.http import TEXT, ExporterServer, parse_listen, text_body
from kostack.watch.messages import say
from kostack.watch.metrics import WatchMetrics
from kostack.watch.state import WatchState

__all__ = ["WatchServer", "parse_listen"]


class WatchServer(ExporterServer):
    """Serves the watch's endpoints from a background thread until `stop`."""

    def __init__(
        self,
        address: tuple[str, int],
        state: WatchState,
        metrics: WatchMetrics,
        version: str,
    ) -> None:
        self.state = state
        self.metrics = metrics
        self.version = version
        super().__init__(
            address,
            {
                "/metrics": lambda: (200, CONTENT_TYPE_LATEST, self.metrics.exposition()),
                "/healthz": lambda: (200, TEXT, text_body(say(self.state.lang, "healthz"))),
                "/readyz": self._readyz,
                "/status": self._status,
            },
            name="kostack watch",
            lang=state.lang,
            redacted_by_route=("/status",),  # by parts: its diagnosis once per cycle
        )

    def _readyz(self) -> tuple[int, str, bytes]:
        ready, reason = self.state.readiness()
        return (200 if ready else 503), TEXT, text_body(reason)

    def _status(self) -> tuple[int, str, bytes]:
        body = self.state.status_json(self.version)
        return 200, "application/json; charset=utf-8", body.encode()
