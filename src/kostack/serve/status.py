"""The four endpoints every long-running mode serves, on `ExporterServer`.

- ``/metrics``: the mode's Prometheus exposition;
- ``/healthz``: 200 while the process runs, with the mode's "alive" text;
- ``/readyz``: 200 or 503 from the mode's state, with the reason in the body;
- ``/status``: the mode's state as JSON.

`kostack watch` and `kostack guard` differ only in their state, metrics,
name and texts, so both are a `ModeServer` with their own parts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

from kostack.serve.http import TEXT, ExporterServer, text_body

__all__ = ["READY_INTERVALS", "Exposition", "ModeServer", "ModeState", "ready_limit"]

JSON = "application/json; charset=utf-8"


READY_INTERVALS = 3


def ready_limit(interval: float, last_seconds: float) -> float:
    """How long after a success /readyz still says ready: 3 times what one turn takes (the wait
    of an interval plus the last successful turn's own duration), so a cycle or pass longer than
    the interval does not flap readiness while the loop keeps turning."""
    return READY_INTERVALS * (interval + max(0.0, last_seconds))


class ModeState(Protocol):
    @property
    def lang(self) -> str: ...

    def readiness(self) -> tuple[bool, str]: ...

    def status_json(self, version: str) -> str: ...


class Exposition(Protocol):
    def exposition(self) -> bytes: ...


class ModeServer(ExporterServer):
    """Serves a mode's /metrics, /healthz, /readyz and /status until `stop`.

    ``metrics_type`` is prometheus_client's CONTENT_TYPE_LATEST, passed in so
    the exporter itself never imports the optional client.
    """

    def __init__(
        self,
        address: tuple[str, int],
        state: ModeState,
        metrics: Exposition,
        version: str,
        *,
        name: str,
        alive: Callable[[str], str],
        metrics_type: str,
        redacted_by_route: Collection[str] = (),
    ) -> None:
        self.state = state
        self.metrics = metrics
        self.version = version
        super().__init__(
            address,
            {
                "/metrics": lambda: (200, metrics_type, self.metrics.exposition()),
                "/healthz": lambda: (200, TEXT, text_body(alive(self.state.lang))),
                "/readyz": self._readyz,
                "/status": self._status,
            },
            name=name,
            lang=state.lang,
            redacted_by_route=redacted_by_route,
        )

    def _readyz(self) -> tuple[int, str, bytes]:
        ready, reason = self.state.readiness()
        return (200 if ready else 503), TEXT, text_body(reason)

    def _status(self) -> tuple[int, str, bytes]:
        return 200, JSON, self.state.status_json(self.version).encode()
