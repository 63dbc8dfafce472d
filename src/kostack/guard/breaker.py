"""The circuit breaker and the write budget: how much one guard may change, and how fast.

The breaker looks at a whole pass before anything is written. When the pass
would change pairs on more than ``max_share`` of the ports in scope (and on
more than ``floor`` ports: in a small cluster one joining node is already a
large share), or remove anything (pairs or guard's rules) on more than
``max_removals`` ports and rules, it is *open*: the pass changes nothing at
all and says why. Mass drift means something else is wrong (a CNI
reconfigured, a Kubernetes API that answered an empty node list, a cloud
restored from an old backup), and guarding would make it worse. The breaker
closes by itself on the first pass whose drift is within bounds again (a
person fixed the cause, or raised the bounds).

`WriteBudget` is a token bucket of writes per minute (one port update with
its tags, one rule created or deleted = one write). What it holds back is
done in a later pass, never queued.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kostack.guard.drift import Drift

__all__ = ["BreakerDecision", "BreakerSettings", "WriteBudget", "judge"]


@dataclass(frozen=True)
class BreakerSettings:
    max_share: float = 0.30
    floor: int = 2
    max_removals: int = 5

    def allowed(self, scope: int) -> int:
        """The most ports one pass may change pairs on."""
        return max(self.floor, math.floor(self.max_share * scope))


@dataclass(frozen=True)
class BreakerDecision:
    open: bool
    changing: int  # ports whose pairs would change
    scope: int  # ports in scope
    allowed: int  # the most ports the breaker lets change
    removals: int  # ports and guard rules something would be removed from
    max_removals: int
    reasons: tuple[str, ...] = ()  # "share" and/or "removals"

    def as_dict(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "changing_ports": self.changing,
            "ports_in_scope": self.scope,
            "allowed_ports": self.allowed,
            "removals": self.removals,
            "max_removals": self.max_removals,
            "reasons": list(self.reasons),
        }


def judge(drift: Drift, settings: BreakerSettings) -> BreakerDecision:
    """Whether the pass's drift is within bounds (closed) or must not be acted on (open)."""
    changing = len(drift.changing_ports)
    scope = max(drift.node_ports, changing)
    allowed = settings.allowed(scope)
    removals = len(drift.removal_ports) + drift.rule_deletes
    reasons = []
    if changing > allowed:
        reasons.append("share")
    if removals > settings.max_removals:
        reasons.append("removals")
    return BreakerDecision(
        open=bool(reasons),
        changing=changing,
        scope=scope,
        allowed=allowed,
        removals=removals,
        max_removals=settings.max_removals,
        reasons=tuple(reasons),
    )


class WriteBudget:
    """``per_minute`` writes, refilled continuously; the clock is injectable for tests."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.tokens = float(per_minute)
        self.at = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(
            float(self.per_minute), self.tokens + (now - self.at) * self.per_minute / 60
        )
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
