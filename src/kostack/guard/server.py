"""Guard's endpoints, on the exporter `kostack watch` uses (`kostack.serve.http`).

- ``/metrics``: the Prometheus exposition (`kostack.guard.metrics`);
- ``/healthz``: 200 while the process runs;
- ``/readyz``: 200 when a pass read Neutron and Kubernetes within 3 x
  (interval + that pass's duration), or the replica is a standby; else 503 with the reason;
- ``/status``: JSON: mode, leadership, breaker, the last pass (drift, what
  was done, requests).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST

from kostack.guard.messages import say
from kostack.guard.metrics import GuardMetrics
from kostack.guard.state import GuardState
from kostack.serve.status import ModeServer

__all__ = ["GuardServer"]


class GuardServer(ModeServer):
    """Serves guard's endpoints from a background thread until `stop`."""

    def __init__(
        self, address: tuple[str, int], state: GuardState, metrics: GuardMetrics, version: str
    ) -> None:
        super().__init__(
            address,
            state,
            metrics,
            version,
            name="kostack guard",
            alive=lambda lang: say(lang, "healthz"),
            metrics_type=CONTENT_TYPE_LATEST,
        )
