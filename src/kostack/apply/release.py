"""Carry out a reinstall plan (plan/release.py) against the cluster, one journaled step at a time.

Every step re-reads its target, checks the plan's precondition (the
resourceVersion/uid read at planning; "absent" for the install) and refuses
when it no longer holds: nothing is changed on a stale plan. Before and after
each step a JSON line goes to the journal (fsync'd), and the run ends with
the retained volumes and the recipe to get their data back.

- retain-pv: patch the PV's reclaim policy to Retain (resourceVersion in the
  patch: the API server refuses a stale write);
- helm-uninstall / helm-install: run `helm` when it is installed; otherwise
  print the exact command, journal it as a manual step and stop (a rerun
  resumes: releases already gone are skipped, their volumes are still
  proven by their annotations, labels and names);
- delete-pvc: delete with uid + resourceVersion preconditions, then watch the
  claim until it is gone (bounded by the plan's timeout; no sleeping);
- wait-ready / check-ready: watch the pods of the part the others need
  (Harbor: core) until one is Ready, then judge the others (jobservice).

Values are never read, stored or printed here; helm's own output is not
journaled (charts' NOTES can print credentials), only its exit status.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes.client.exceptions import ApiException

from kostack.analyze.messages import Msg, localize
from kostack.apply.interrupt import RunInterrupted, release_in_flight
from kostack.apply.release_helm import (
    HelmLeftRunning,
    HelmResult,
    HelmRunner,
    SubprocessHelm,
    find_helm,
)
from kostack.apply.release_journal import (
    ReleaseJournal,
    default_journal_path,
    plan_record,
    read_journal,
)
from kostack.apply.release_result import ApplyResult, StepResult, step_line
from kostack.apply.release_steps import ReleaseSteps, _unless_gone
from kostack.catalog import said
from kostack.deadline import DeadlineExceeded, Worker
from kostack.errors import ApplyError
from kostack.interrupts import ChildHold, child_step, deferred_interrupts
from kostack.plan.release import ReinstallPlan, ReleaseAction, blocked_error, recovery_recipe

# The helm runner, the journal and the steps live in release_helm, release_journal and
# release_steps; importers may keep using this module for them.
__all__ = [
    "HelmResult",
    "Reinstaller",
    "ReleaseJournal",
    "SubprocessHelm",
    "default_journal_path",
    "find_helm",
    "read_journal",
]


# --------------------------------------------------------------------------- running

# The steps a child process (helm) carries out, which Ctrl-C must not cut.
CHILD_OPS = frozenset({"helm-uninstall", "helm-install"})


@dataclass
class Reinstaller(ReleaseSteps):
    """Runs a plan's actions in order against one cluster."""

    api_client: Any
    helm: HelmRunner | None
    journal: ReleaseJournal
    echo: Callable[[str], None] = lambda _line: None
    # what kostack says at once, as it happens (the first Ctrl-C during a helm step)
    notice: Callable[[str], None] = lambda _line: None
    kubeconfig: str | None = None
    context: str | None = None
    clock: Callable[[], float] = time.monotonic
    lang: str = "en"
    # the step whose intent is journaled and whose result is not, and its latest request
    _current: tuple[ReleaseAction, dict[str, Any] | None] | None = None
    _pending: Worker | None = None
    _hold: ChildHold | None = None

    def run(self, plan: ReinstallPlan, version: str) -> ApplyResult:
        if plan.blocked:
            raise ApplyError(*blocked_error(plan.blockers))
        result = ApplyResult(journal=self.journal.path)
        self.journal.write("plan", **plan_record(plan, version))
        self.journal.write(
            "run", mode="apply", pid=os.getpid(), helm=self.helm.describe() if self.helm else None
        )
        try:
            return self._run(plan, result)
        except HelmLeftRunning as stop:
            raise self._interrupted(plan, result, stop.pid) from None
        except KeyboardInterrupt:
            raise self._interrupted(plan, result) from None

    def _run(self, plan: ReinstallPlan, result: ApplyResult) -> ApplyResult:
        for action in plan.actions:
            if action.op in CHILD_OPS and self.helm is not None:
                # helm must not be cut mid-step: Ctrl-C stops the run after it
                with child_step(functools.partial(self._held, action)) as hold:
                    self._hold = hold
                    try:
                        stop = self._one(plan, action, result)
                    finally:
                        self._hold = None
            else:
                stop = self._one(plan, action, result)
            if stop:
                break
        result.retained = self._retained(plan)
        recipe = recovery_recipe(plan) if result.retained else ()  # the journal's, in English
        shown = recovery_recipe(plan, self.lang) if recipe and self.lang != "en" else recipe
        result.recovery = shown
        self.journal.write("recovery", retained=result.retained, recipe=list(recipe))
        self.journal.write("end", status=result.status, reason=result.reason)
        return result

    def _held(self, action: ReleaseAction) -> None:
        """The first Ctrl-C during a helm step: say at once what kostack does with it."""
        line = Msg("rel.int.held", step=action.step, op=action.op, target=action.target.label())
        self.notice(localize(line, self.lang))

    def _one(self, plan: ReinstallPlan, action: ReleaseAction, result: ApplyResult) -> bool:
        """Run one step, journaled before and after; whether the run stops there."""
        before = self._state(action)
        with deferred_interrupts():  # the record and knowing it is in flight go together
            self.journal.write("intent", **_naming(action), before=before)
            self._current = (action, before)
        try:
            step = self._step(plan, action)
        except ApiException as exc:
            why = Msg("rel.step.api-error", status=exc.status, message=_api_message(exc))
            step = StepResult(action, "failed", why)
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            why = Msg("rel.step.api-unreachable", error=type(exc).__name__)
            step = StepResult(action, "failed", why)
        except DeadlineExceeded as exc:
            why = Msg("rel.step.api-deadline", message=exc.message)
            step = StepResult(action, "failed", why)
        after = self._state(action)
        with deferred_interrupts():
            result.steps.append(step)
            self._current = None
            self.journal.write(
                "result",
                **_naming(action),
                outcome=step.outcome,
                detail=step.detail,
                said=said(detail=step.detail),
                after=after,
                **({"command": step.command} if step.command else {}),
            )
        self.echo(localize(step_line(step), self.lang))
        if step.outcome in ("failed", "refused"):
            result.status = "failed"
            result.reason = Msg(
                "rel.run.step-failed",
                step=action.step,
                op=action.op,
                target=action.target.label(),
                detail=step.detail,
            )
            return True
        if step.outcome == "manual":
            result.status = "stopped"
            result.reason = Msg("rel.run.needs-helm", step=action.step, command=step.command)
            return True
        return False

    def _interrupted(
        self, plan: ReinstallPlan, result: ApplyResult, helm_pid: int | None = None
    ) -> RunInterrupted:
        """Ctrl-C: re-read the step in flight, journal what it did, end the run.

        ``helm_pid``: the helm kostack stopped waiting for, still running on its own.
        """
        current, self._current = self._current, None
        flight = None
        if current is not None:
            action, before = current
            after, flight = release_in_flight(
                action, before, lambda: self._state(action), self._pending, helm_pid
            )
            detail = Msg("int.reread", seen=flight.seen)
            self.journal.write(
                "result",
                **_naming(action),
                outcome="interrupted",
                landed=flight.landed,
                detail=detail,
                said=said(detail=detail),
                after=after,
                **({"helm_pid": helm_pid} if helm_pid is not None else {}),
            )
        self.journal.write("end", status="interrupted", reason="Ctrl-C")
        done = sum(1 for s in result.steps if s.outcome in ("applied", "already", "skipped"))
        stop = RunInterrupted(
            self.journal.path, flight, done, len(plan.actions), current and current[0]
        )
        if current is None and result.steps:
            stop.finished = result.steps[-1]  # held: the step ran to its end first
        return stop

    # ---------------------------------------------------------------- state for the journal

    def _state(self, action: ReleaseAction) -> dict[str, Any] | None:
        """The target's state worth journaling (never a Secret's data)."""
        try:
            if action.op in ("retain-pv",):
                pv = self.core.read_persistent_volume(action.target.name)
                return {
                    "resourceVersion": pv.metadata.resource_version,
                    "reclaimPolicy": pv.spec.persistent_volume_reclaim_policy,
                    "phase": pv.status.phase if pv.status else None,
                }
            if action.op == "delete-pvc":
                pvc = self.core.read_namespaced_persistent_volume_claim(
                    action.target.name, action.target.namespace
                )
                return {
                    "resourceVersion": pvc.metadata.resource_version,
                    "uid": pvc.metadata.uid,
                    "phase": pvc.status.phase if pvc.status else None,
                    "volume": pvc.spec.volume_name,
                    "terminating": pvc.metadata.deletion_timestamp is not None,
                }
            if action.op in ("helm-uninstall", "helm-install"):
                secrets = self._release_secrets(action.target.name, action.target.namespace or "")
                return {
                    "revisions": sorted(
                        f"{s.metadata.name} ({(s.metadata.labels or {}).get('status')})"
                        for s in secrets
                    )
                }
        except ApiException as exc:
            if exc.status == 404:
                return {"exists": False}
            return {"error": f"HTTP {exc.status}"}
        return None

    def _retained(self, plan: ReinstallPlan) -> list[dict[str, Any]]:
        out = []
        for pvc in plan.retained_volumes:
            assert pvc.volume is not None
            pv = _unless_gone(self.core.read_persistent_volume, pvc.volume)
            if pv is None or pv.spec.persistent_volume_reclaim_policy != "Retain":
                continue
            out.append(
                {
                    "volume": pvc.volume,
                    "claim": pvc.key,
                    "size": pvc.size,
                    "phase": pv.status.phase if pv.status else None,
                    "reclaim_policy": "Retain",
                    "source": pvc.volume_source,
                }
            )
        return out


def _naming(action: ReleaseAction) -> dict[str, Any]:
    """The fields that name a step in the journal's records."""
    return {"step": action.step, "op": action.op, "target": action.target.label()}


def _api_message(exc: ApiException) -> str:
    body = getattr(exc, "body", None)
    if body:
        try:
            return str(json.loads(body).get("message", ""))[:300]
        except (ValueError, AttributeError):
            pass
    return str(exc.reason or "")[:300]
