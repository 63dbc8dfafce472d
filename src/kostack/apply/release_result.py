"""What carrying out a reinstall plan did, step by step (no client code: renderers read it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kostack.analyze.messages import Msg
from kostack.apply import release_texts  # noqa: F401  (registers the words of a step)
from kostack.plan.release import ReleaseAction

Outcome = Literal["applied", "already", "manual", "refused", "failed", "skipped"]


@dataclass(frozen=True)
class StepResult:
    action: ReleaseAction
    outcome: Outcome
    detail: str
    command: str = ""


@dataclass
class ApplyResult:
    steps: list[StepResult] = field(default_factory=list)
    status: Literal["complete", "stopped", "failed"] = "complete"
    reason: str = ""
    retained: list[dict[str, Any]] = field(default_factory=list)
    recovery: tuple[str, ...] = ()
    journal: Path | None = None


def step_line(step: StepResult) -> Msg:
    """`[1] retain-pv PersistentVolume pv-1: applied - reclaim policy Delete -> Retain`."""
    action = step.action
    return Msg(
        "rel.step.line",
        step=action.step,
        op=action.op,
        target=action.target.label(),
        outcome=Msg(f"rel.out.{step.outcome}"),
        detail=step.detail,
    )
