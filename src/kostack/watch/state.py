"""What the watch knows between cycles: sources, the published diagnosis, probes, readiness.

The loop is the only writer; the HTTP server and the metrics collector read.
Every read takes the lock and gets immutable values (or a fresh dict), so a
scrape never sees half a cycle. Nothing here grows with the number of
cycles: one published diagnosis, one probe summary, a bounded history.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kostack.redact import redact
from kostack.serve.status import ready_limit
from kostack.watch.assess import ClassTable, FlowCount, NodeClassInfo, Verdict
from kostack.watch.history import CauseState, History
from kostack.watch.messages import say
from kostack.watch.probing import ProbeSummary

__all__ = ["CycleRecord", "Published", "SourceStatus", "WatchState"]


@dataclass(frozen=True)
class SourceStatus:
    """How reading one source went in the last cycle."""

    name: str
    up: bool
    seconds: float
    requests: int = 0
    gaps: int = 0
    error: str = ""
    hint: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "up": self.up,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
            "gaps": self.gaps,
            "error": self.error,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class Published:
    """The last diagnosis that every source could be read for."""

    at: float
    cycle: int
    verdict: Verdict
    root_causes: tuple[CauseState, ...]
    findings: tuple[tuple[str, str, int], ...]  # check id, status, count
    class_table: ClassTable
    flows: tuple[FlowCount, ...]
    nodes: int
    diagnosis_json: str  # `kostack diagnose -o json`, encoded once (14 MB at 5,000 nodes)

    @property
    def classes(self) -> tuple[NodeClassInfo, ...]:
        return self.class_table.classes

    @property
    def engine_classes(self) -> int:
        return self.class_table.engine_classes


@dataclass(frozen=True)
class CycleRecord:
    cycle: int
    started_at: float
    seconds: float
    result: str  # ok | stale (a source could not be read) | crashed
    error: str = ""


@dataclass
class WatchState:
    """Shared between the loop (writer) and the server and metrics (readers)."""

    interval: float
    lang: str = "en"
    history: History = field(default_factory=History)
    clock: Callable[[], float] = time.time
    started_at: float = field(default_factory=time.time)
    cycle: int = 0
    last: CycleRecord | None = None
    last_success_at: float | None = None
    last_success_seconds: float = 0.0  # how long that successful cycle took
    sources: dict[str, SourceStatus] = field(default_factory=dict)
    published: Published | None = None
    probes: ProbeSummary | None = None
    probe_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def readiness(self) -> tuple[bool, str]:
        """Ready when a cycle succeeded within 3 turns (`ready_limit`; the reason in ``lang``)."""
        with self.lock:
            success, took = self.last_success_at, self.last_success_seconds
        limit = ready_limit(self.interval, took)
        if success is None:
            return False, say(self.lang, "ready.none")
        age = max(0.0, self.clock() - success)
        if age > limit:
            return False, say(
                self.lang, "ready.stale", age=f"{age:.0f}", limit=f"{round(limit, 1):g}"
            )
        return True, say(self.lang, "ready.ok", age=f"{age:.0f}")

    def snapshot(self) -> tuple[Published | None, ProbeSummary | None, dict[str, SourceStatus]]:
        with self.lock:
            return self.published, self.probes, dict(self.sources)

    def status(self, version: str) -> dict[str, Any]:
        """The /status document but the diagnosis: state, sources, verdict, probes and history."""
        ready, reason = self.readiness()
        now = self.clock()
        with self.lock:
            published, probes = self.published, self.probes
            doc: dict[str, Any] = {
                "schema_version": 1,
                "kostack_version": version,
                "now": now,
                "started_at": self.started_at,
                "interval_s": self.interval,
                "cycles": self.cycle,
                "ready": ready,
                "ready_reason": reason,
                "last_cycle": None
                if self.last is None
                else {
                    "cycle": self.last.cycle,
                    "started_at": self.last.started_at,
                    "seconds": round(self.last.seconds, 3),
                    "result": self.last.result,
                    "error": self.last.error,
                },
                "last_success_at": self.last_success_at,
                "sources": {name: s.as_dict() for name, s in sorted(self.sources.items())},
                "history": self.history.as_dict(now),
            }
            probe_error = self.probe_error
        doc["verdict"] = (
            None
            if published is None
            else {
                "state": published.verdict.state,
                "reasons": list(published.verdict.reasons),
                "cycle": published.cycle,
                "at": published.at,
            }
        )
        doc["classes"] = (
            []
            if published is None
            else [
                {"id": c.id, "role": c.role, "nodes": c.size, "label": c.label}
                for c in published.classes
            ]
        )
        doc["probes"] = _probes_dict(probes, probe_error)
        return doc

    def status_json(self, version: str) -> str:
        """/status as JSON text: `status` plus the published diagnosis under ``diagnosis``."""
        published = self.published
        # (the diagnosis was redacted when it was published; the rest is redacted here)
        head = redact(json.dumps(self.status(version), ensure_ascii=False, indent=1))
        diagnosis = published.diagnosis_json if published is not None else "null"
        return f'{head[:-2]},\n "diagnosis": {diagnosis}\n}}\n'


def _probes_dict(probes: ProbeSummary | None, error: str) -> dict[str, Any] | None:
    if probes is None:
        return {"error": error} if error else None
    return {
        "seconds": round(probes.seconds, 3),
        "sources": probes.sources,
        "probes": probes.probes,
        "passed": probes.passed,
        "failed": probes.failed,
        "problems": list(probes.problems),
        "error": error,
        "failing": [
            {"kind": kind, "src_class": src, "dst_class": dst}
            for kind, src, dst in probes.failing()
        ],
    }
