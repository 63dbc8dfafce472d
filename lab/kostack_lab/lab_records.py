"""What `Lab` hands back: probe specs and results, server and lab status, what `down` removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DownReport", "LabStatus", "ProbeResult", "ProbeSpec", "ServerStatus"]


@dataclass(frozen=True)
class ProbeSpec:
    """One probe to run from a pod (see podprobe.py for the kinds)."""

    id: str
    kind: str
    host: str
    port: int | None = None
    name: str | None = None
    expect: str | None = None
    path: str | None = None
    bytes: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class ProbeResult:
    """What one probe saw."""

    id: str
    kind: str
    target: str
    ok: bool
    detail: str
    seconds: float


@dataclass(frozen=True)
class ServerStatus:
    """A process the lab started and whether it still runs."""

    name: str
    netns: str | None
    pid: int
    alive: bool


@dataclass(frozen=True)
class LabStatus:
    """What `status` reports."""

    up: bool
    prefix: str
    state_dir: str
    scenario: str | None = None
    summary: str | None = None
    nodes: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    missing_namespaces: tuple[str, ...] = ()
    servers: tuple[ServerStatus, ...] = ()
    neutron_endpoint: str | None = None
    portsec: dict[str, Any] | None = None
    counters: dict[str, dict[str, Any]] = field(default_factory=dict)
    up_seconds: float | None = None
    problems: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**_json_ready(self), "servers": [s.__dict__ for s in self.servers]}


@dataclass(frozen=True)
class DownReport:
    """What `down` removed."""

    namespaces_removed: tuple[str, ...]
    processes_stopped: tuple[int, ...]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return _json_ready(self)


def _json_ready(record: Any) -> dict[str, Any]:
    """A record's fields in their order, tuples as lists."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in record.__dict__.items()}
