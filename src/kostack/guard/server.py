"""Guard's endpoints, on the exporter `kostack watch` uses (`kostack.serve.http`).

- ``/metrics``: the Prometheus exposition (`kostack.guard.metrics`);
- ``/healthz``: 200 while the process runs;
- ``/readyz``: 200 when a pass read Neutron and Kubernetes within 3
  intervals, or the replica is a standby; else 503 with the reason;
- ``/status``: JSON: mode, leadership, breaker, the last pass (drift, what
  was done, requests).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST

from kostack.guard.messages import say
from kostack.guard.metrics import GuardMetrics
from kostack.guard.state import GuardState
from kostack.serve.http import TEXT, ExporterServer, text_body

__all__ = ["GuardServer"]


class GuardServer(ExporterServer):
    def __init__(
        self, address: tuple[str, int], state: GuardState, metrics: GuardMetrics, version: str
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
            name="kostack guard",
            lang=state.lang,
        )

    def _readyz(self) -> tuple[int, str, bytes]:
        ready, reason = self.state.readiness()
        return (200 if ready else 503), TEXT, text_body(reason)

    def _status(self) -> tuple[int, str, bytes]:
        return 200, "application/json; charset=utf-8", self.state.status_json(self.version).encode()
