"""Transitions of root causes, the verdict and the sources, kept in a bounded history.

Every cycle the loop hands `History.observe` what it saw; what changed since
the cycle before becomes a `Transition` (a root cause appeared or cleared,
the verdict changed, a source went down or came back). The history keeps the
last ``limit`` transitions, and a key with ``flap_threshold`` transitions or
more within ``flap_window_s`` is *flapping* (a problem that comes and goes:
often MTU, a conntrack race, or an agent that keeps rewriting ports).
Memory is bounded: ``limit`` transitions, and per key at most
``flap_threshold`` timestamps, for a fixed vocabulary of keys.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CauseState", "History", "Transition"]

UNKNOWN = "unknown"


@dataclass(frozen=True)
class CauseState:
    """A root cause as one cycle saw it."""

    key: str
    check_id: str
    severity: str
    title: str
    nodes: tuple[str, ...] = ()  # affected nodes, at most EVENT_NODES of them
    node_count: int = 0


@dataclass(frozen=True)
class Transition:
    """One change: ``kind`` root-cause | verdict | source; ``key`` what changed."""

    at: float
    cycle: int
    kind: str
    key: str
    before: str
    after: str
    severity: str = ""
    check_id: str = ""
    title: str = ""
    nodes: tuple[str, ...] = ()
    node_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "at": self.at,
            "cycle": self.cycle,
            "kind": self.kind,
            "key": self.key,
            "from": self.before,
            "to": self.after,
        }
        if self.kind == "root-cause":
            doc.update(
                severity=self.severity,
                check_id=self.check_id,
                title=self.title,
                node_count=self.node_count,
            )
        return doc


class History:
    """The last ``limit`` transitions and per-key flap detection (not thread-safe: one writer)."""

    def __init__(
        self, limit: int = 200, flap_window_s: float = 3600.0, flap_threshold: int = 4
    ) -> None:
        if limit < 1 or flap_threshold < 2 or flap_window_s <= 0:
            raise ValueError("history limit >= 1, flap threshold >= 2, window > 0")
        self.limit = limit
        self.flap_window_s = flap_window_s
        self.flap_threshold = flap_threshold
        self.transitions: deque[Transition] = deque(maxlen=limit)
        self.total = 0
        self._times: dict[tuple[str, str], deque[float]] = {}
        self._causes: dict[str, CauseState] | None = None
        self._verdict: str | None = None
        self._sources: dict[str, bool] = {}

    @property
    def causes(self) -> Mapping[str, CauseState]:
        return self._causes or {}

    def observe_causes(
        self, cycle: int, at: float, causes: Mapping[str, CauseState], verdict: str
    ) -> list[Transition]:
        """Root causes and verdict of a cycle that diagnosed; returns what changed."""
        out: list[Transition] = []
        before = self._causes
        for key, cause in causes.items():
            if before is None or key not in before:
                out.append(
                    self._cause(
                        cycle, at, cause, UNKNOWN if before is None else "absent", "present"
                    )
                )
        for key, cause in (before or {}).items():
            if key not in causes:
                out.append(self._cause(cycle, at, cause, "present", "absent"))
        if verdict != self._verdict:
            out.append(
                Transition(at, cycle, "verdict", "verdict", self._verdict or UNKNOWN, verdict)
            )
        self._causes = dict(causes)
        self._verdict = verdict
        self._record(out)
        return out

    def observe_sources(self, cycle: int, at: float, up: Mapping[str, bool]) -> list[Transition]:
        """Which sources answered this cycle; returns those that went down or came back."""
        out = [
            Transition(
                at,
                cycle,
                "source",
                name,
                _updown(self._sources.get(name)),
                _updown(is_up),
            )
            for name, is_up in up.items()
            if self._sources.get(name) != is_up
        ]
        self._sources.update(up)
        self._record(out)
        return out

    @staticmethod
    def _cause(cycle: int, at: float, cause: CauseState, before: str, after: str) -> Transition:
        return Transition(
            at,
            cycle,
            "root-cause",
            cause.key,
            before,
            after,
            cause.severity,
            cause.check_id,
            cause.title,
            cause.nodes,
            cause.node_count,
        )

    def _record(self, transitions: list[Transition]) -> None:
        for transition in transitions:
            self.transitions.append(transition)
            self.total += 1
            if transition.before == UNKNOWN:
                continue  # the first sight of something is not a change
            times = self._times.setdefault(
                (transition.kind, transition.key), deque(maxlen=self.flap_threshold)
            )
            times.append(transition.at)

    def flapping(self, now: float) -> dict[tuple[str, str], int]:
        """(kind, key) -> transitions within the window, for keys at or over the threshold."""
        out: dict[tuple[str, str], int] = {}
        for key, times in self._times.items():
            recent = sum(1 for t in times if now - t <= self.flap_window_s)
            if recent >= self.flap_threshold:
                out[key] = recent
        return out

    def as_dict(self, now: float) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "total": self.total,
            "flap_window_s": self.flap_window_s,
            "flap_threshold": self.flap_threshold,
            "flapping": [
                {"kind": kind, "key": key, "transitions": n}
                for (kind, key), n in sorted(self.flapping(now).items())
            ],
            "transitions": [t.as_dict() for t in self.transitions],
        }


def _updown(value: bool | None) -> str:
    if value is None:
        return UNKNOWN
    return "up" if value else "down"
