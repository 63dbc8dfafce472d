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

import datetime as dt
import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Protocol, Self

import kubernetes
import urllib3
from kubernetes.client.exceptions import ApiException

from kostack.analyze.messages import localize
from kostack.apply.interrupt import RunInterrupted, release_in_flight
from kostack.apply.release_result import ApplyResult, StepResult
from kostack.deadline import DeadlineExceeded, Worker, with_deadline
from kostack.errors import ApplyError
from kostack.interrupts import deferred_interrupts
from kostack.plan.release import PlannedPVC, ReinstallPlan, ReleaseAction, recovery_recipe
from kostack.redact import redact
from kostack.shell import Cmd, chain

# The client, untyped on purpose: its objects stay inside this module.
_client: Any = kubernetes.client
_watch: Any = kubernetes.watch

JOURNAL_VERSION: Final = 1
# A Kubernetes request that has not finished by then is abandoned (exit 3).
REQUEST_DEADLINE_S: Final = 60.0
_SECRETISH = re.compile(
    r"(?i)\b(password|passwd|secret|token|key)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)


# --------------------------------------------------------------------------- helm


@dataclass(frozen=True)
class HelmResult:
    code: int
    stdout: str
    stderr: str


class HelmRunner(Protocol):
    """Runs `helm ARGS` against the same cluster kostack reads."""

    def run(self, args: Sequence[str], timeout: int) -> HelmResult: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SubprocessHelm:
    """The real helm binary; kubeconfig and context are passed as helm's global flags."""

    path: str
    kubeconfig: str | None = None
    context: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)

    def run(self, args: Sequence[str], timeout: int) -> HelmResult:
        command = [self.path, *with_globals(args, self.kubeconfig, self.context)]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout + 60,
                env=dict(self.environ) or None,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            return HelmResult(124, "", f"helm did not finish in {exc.timeout:.0f} s")
        except OSError as exc:
            return HelmResult(127, "", f"cannot run {self.path}: {exc}")
        return HelmResult(done.returncode, done.stdout, done.stderr)

    def describe(self) -> str:
        return self.path


def with_globals(
    argv: Sequence[str], kubeconfig: str | None, context: str | None
) -> tuple[str, ...]:
    """helm's global flags added to a command, before a ``--`` that ends its options."""
    flags: list[str] = []
    if kubeconfig:
        flags += ["--kubeconfig", kubeconfig]
    if context:
        flags += ["--kube-context", context]
    if "--" in argv:
        at = list(argv).index("--")
        return (*argv[:at], *flags, *argv[at:])
    return (*argv, *flags)


def find_helm(environ: Mapping[str, str]) -> str | None:
    """The helm binary on PATH (KOSTACK_HELM overrides), or None."""
    explicit = environ.get("KOSTACK_HELM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("helm", path=environ.get("PATH"))


def helm_command_line(action: ReleaseAction, kubeconfig: str | None, context: str | None) -> str:
    """The exact command to run by hand for a helm step."""
    if not action.commands:
        return ""
    head = with_globals(action.commands[0].argv, kubeconfig, context)
    return chain(Cmd(head), *action.commands[1:])


# --------------------------------------------------------------------------- journal


def default_journal_path(release: str, directory: Path | None = None) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return (directory or Path.cwd()) / f"kostack-reinstall-{release}-{stamp}.journal.jsonl"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ReleaseJournal:
    """JSON lines, each written with one write() on an O_APPEND descriptor and fsync'd.

    An exclusive flock keeps two kostack processes off one journal.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> Self:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ApplyError(
                f"cannot open the journal {self.path}: {exc.strerror}",
                "Give a writable path with --journal FILE.",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise ApplyError(
                f"the journal {self.path} is in use by another kostack process",
                "Wait for it to finish, or give another --journal FILE.",
            ) from exc
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def write(self, record_type: str, **fields: Any) -> dict[str, Any]:
        record = {"type": record_type, "at": _now(), **fields}
        line = redact(json.dumps(record, ensure_ascii=False, sort_keys=False, default=str)) + "\n"
        if self._fd is None:
            raise ApplyError("the journal is not open")
        with deferred_interrupts():  # Ctrl-C never leaves half a record
            os.write(self._fd, line.encode())
            os.fsync(self._fd)
        return record


def read_journal(path: Path) -> list[dict[str, Any]]:
    """The records of a journal (a torn last line is skipped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out


def plan_record(plan: ReinstallPlan, version: str) -> dict[str, Any]:
    """The plan as the journal's first record (no values: the plan never had any)."""
    return {
        "journal_version": JOURNAL_VERSION,
        "kostack_version": version,
        "release": plan.release,
        "namespace": plan.namespace,
        "chart": plan.chart,
        "values_file": plan.values_file,
        "discard_data": plan.discard_data,
        "from_namespaces": list(plan.from_namespaces),
        "removing": [
            {
                "release": f"{r.namespace}/{r.name}",
                "revision": r.revision,
                "status": r.status,
                "storage_object": r.storage_object,
            }
            for r in plan.removing
        ],
        "pvcs": [_pvc_record(p) for p in plan.pvcs],
        "left_alone": [{"pvc": item.pvc, "reason": item.reason} for item in plan.left_alone],
        "actions": [_action_record(a) for a in plan.actions],
    }


def _pvc_record(pvc: PlannedPVC) -> dict[str, Any]:
    return {
        "pvc": pvc.key,
        "uid": pvc.uid,
        "size": pvc.size,
        "created": pvc.created,
        "volume": pvc.volume,
        "reclaim_policy": pvc.reclaim_policy,
        "release": pvc.release,
        "role": pvc.role,
        "kept": pvc.kept,
        "evidence": list(pvc.evidence),
    }


def _action_record(action: ReleaseAction) -> dict[str, Any]:
    return {
        "step": action.step,
        "op": action.op,
        "target": action.target.label(),
        "params": dict(action.params),
        "reason": str(action.reason),
        "precondition": action.precondition.text() if action.precondition else None,
        "command": action.command,
        "inverse": action.inverse.command if action.inverse else None,
    }


# --------------------------------------------------------------------------- running


@dataclass
class Reinstaller:
    """Runs a plan's actions in order against one cluster."""

    api_client: Any
    helm: HelmRunner | None
    journal: ReleaseJournal
    echo: Callable[[str], None] = lambda _line: None
    kubeconfig: str | None = None
    context: str | None = None
    clock: Callable[[], float] = time.monotonic
    lang: str = "en"
    # the step whose intent is journaled and whose result is not, and its latest request
    _current: tuple[ReleaseAction, dict[str, Any] | None] | None = None
    _pending: Worker | None = None

    def _started(self, worker: Worker) -> None:
        self._pending = worker

    @property
    def core(self) -> Any:
        # every request under a hard deadline (kostack.deadline), so Ctrl-C is seen at once
        api = _client.CoreV1Api(self.api_client)
        return with_deadline(api, REQUEST_DEADLINE_S, on_start=self._started)

    def run(self, plan: ReinstallPlan, version: str) -> ApplyResult:
        if plan.blocked:
            raise ApplyError(
                "the plan is blocked: " + "; ".join(localize(b, self.lang) for b in plan.blockers),
                "Resolve what blocks it, then plan again.",
            )
        result = ApplyResult(journal=self.journal.path)
        self.journal.write("plan", **plan_record(plan, version))
        self.journal.write(
            "run", mode="apply", pid=os.getpid(), helm=self.helm.describe() if self.helm else None
        )
        try:
            return self._run(plan, result)
        except KeyboardInterrupt:
            raise self._interrupted(plan, result) from None

    def _run(self, plan: ReinstallPlan, result: ApplyResult) -> ApplyResult:
        for action in plan.actions:
            before = self._state(action)
            with deferred_interrupts():  # the record and knowing it is in flight go together
                self.journal.write(
                    "intent",
                    step=action.step,
                    op=action.op,
                    target=action.target.label(),
                    before=before,
                )
                self._current = (action, before)
            try:
                step = self._step(plan, action)
            except ApiException as exc:
                step = StepResult(
                    action, "failed", f"Kubernetes API error: HTTP {exc.status} {_api_message(exc)}"
                )
            except (OSError, urllib3.exceptions.HTTPError) as exc:
                step = StepResult(
                    action, "failed", f"cannot reach the Kubernetes API ({type(exc).__name__})"
                )
            except DeadlineExceeded as exc:
                step = StepResult(action, "failed", f"the Kubernetes API: {exc.message}")
            after = self._state(action)
            with deferred_interrupts():
                result.steps.append(step)
                self._current = None
                self.journal.write(
                    "result",
                    step=action.step,
                    op=action.op,
                    target=action.target.label(),
                    outcome=step.outcome,
                    detail=step.detail,
                    after=after,
                    **({"command": step.command} if step.command else {}),
                )
            self.echo(
                f"[{action.step}] {action.op} {action.target.label()}: {step.outcome} - {step.detail}"
            )
            if step.outcome in ("failed", "refused"):
                result.status = "failed"
                result.reason = (
                    f"step {action.step} ({action.op} {action.target.label()}): {step.detail}"
                )
                break
            if step.outcome == "manual":
                result.status = "stopped"
                result.reason = (
                    f"step {action.step} needs helm, which is not installed: run `{step.command}`, "
                    "then run this kostack command again to continue"
                )
                break
        result.retained = self._retained(plan)
        result.recovery = recovery_recipe(plan) if result.retained else ()
        self.journal.write("recovery", retained=result.retained, recipe=list(result.recovery))
        self.journal.write("end", status=result.status, reason=result.reason)
        return result

    def _interrupted(self, plan: ReinstallPlan, result: ApplyResult) -> RunInterrupted:
        """Ctrl-C: re-read the step in flight, journal what it did, end the run."""
        current, self._current = self._current, None
        flight = None
        if current is not None:
            action, before = current
            after, flight = release_in_flight(
                action, before, lambda: self._state(action), self._pending
            )
            self.journal.write(
                "result",
                step=action.step,
                op=action.op,
                target=action.target.label(),
                outcome="interrupted",
                landed=flight.landed,
                detail=f"re-read after Ctrl-C: {flight.seen}",
                after=after,
            )
        self.journal.write("end", status="interrupted", reason="Ctrl-C")
        done = sum(1 for s in result.steps if s.outcome in ("applied", "already", "skipped"))
        return RunInterrupted(
            self.journal.path, flight, done, len(plan.actions), current and current[0]
        )

    # ---------------------------------------------------------------- steps

    def _step(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        handler = {
            "retain-pv": self._retain,
            "helm-uninstall": self._uninstall,
            "delete-pvc": self._delete_pvc,
            "helm-install": self._install,
            "wait-ready": self._wait_ready,
            "check-ready": self._wait_ready,
        }.get(action.op)
        if handler is None:
            return StepResult(action, "skipped", f"{action.op} is not run automatically")
        return handler(plan, action)

    def _retain(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        name = action.target.name
        try:
            pv = self.core.read_persistent_volume(name)
        except ApiException as exc:
            if exc.status == 404:
                return StepResult(
                    action, "failed", f"PersistentVolume {name} is gone: its data cannot be kept"
                )
            raise
        policy = pv.spec.persistent_volume_reclaim_policy
        if policy == "Retain":
            return StepResult(action, "already", "reclaim policy is already Retain")
        wanted = action.precondition.resource_version if action.precondition else None
        if wanted and pv.metadata.resource_version != wanted:
            return StepResult(
                action,
                "refused",
                f"PersistentVolume {name} changed since the plan (resourceVersion "
                f"{wanted} -> {pv.metadata.resource_version}); plan again",
            )
        body = {
            "metadata": {"resourceVersion": pv.metadata.resource_version},
            "spec": {"persistentVolumeReclaimPolicy": "Retain"},
        }
        try:
            self.core.patch_persistent_volume(name, body)
        except ApiException as exc:
            if exc.status == 409:
                return StepResult(
                    action, "refused", f"PersistentVolume {name} changed while patching; plan again"
                )
            raise
        after = self.core.read_persistent_volume(name).spec.persistent_volume_reclaim_policy
        if after != "Retain":
            return StepResult(action, "failed", f"reclaim policy is {after} after the patch")
        return StepResult(action, "applied", f"reclaim policy {policy} -> Retain")

    def _release_secrets(self, name: str, namespace: str) -> list[Any]:
        items = self.core.list_namespaced_secret(
            namespace, label_selector=f"owner=helm,name={name}"
        ).items
        return list(items or [])

    def _uninstall(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        name, namespace = action.target.name, action.target.namespace or ""
        secrets = self._release_secrets(name, namespace)
        if not secrets:
            return StepResult(
                action, "already", f"no release {name} in {namespace} (already uninstalled)"
            )
        wanted = action.precondition.resource_version if action.precondition else None
        newest = max(secrets, key=lambda s: int((s.metadata.labels or {}).get("version", "0") or 0))
        if wanted and newest.metadata.resource_version != wanted:
            return StepResult(
                action,
                "refused",
                f"release {namespace}/{name} changed since the plan (now {newest.metadata.name}); plan again",
            )
        command = helm_command_line(action, self.kubeconfig, self.context)
        if self.helm is None:
            return StepResult(action, "manual", "helm is not installed", command)
        # exactly the command the plan shows (`helm` itself is the runner's)
        done = self.helm.run(action.commands[0].argv[1:], plan.timeout)
        if done.code != 0:
            return StepResult(
                action,
                "failed",
                f"helm uninstall exited {done.code}: {_first_line(done.stderr)}",
                command,
            )
        left = self._release_secrets(name, namespace)
        if left:
            return StepResult(
                action,
                "failed",
                f"{len(left)} release records of {name} remain in {namespace}",
                command,
            )
        return StepResult(action, "applied", f"release {namespace}/{name} uninstalled", command)

    def _delete_pvc(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        name, namespace = action.target.name, action.target.namespace or ""
        started = self.clock()
        try:
            pvc = self.core.read_namespaced_persistent_volume_claim(name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return StepResult(action, "already", "already gone")
            raise
        pre = action.precondition
        if pre is not None and pre.uid and pvc.metadata.uid != pre.uid:
            return StepResult(
                action,
                "refused",
                f"{namespace}/{name} is another claim now (uid {pvc.metadata.uid}, planned {pre.uid}); plan again",
            )
        if pvc.metadata.deletion_timestamp is None:
            if (
                pre is not None
                and pre.resource_version
                and pvc.metadata.resource_version != pre.resource_version
            ):
                return StepResult(
                    action,
                    "refused",
                    f"{namespace}/{name} changed since the plan (resourceVersion {pre.resource_version} -> "
                    f"{pvc.metadata.resource_version}); plan again",
                )
            options = _client.V1DeleteOptions(
                preconditions=_client.V1Preconditions(
                    uid=pvc.metadata.uid, resource_version=pvc.metadata.resource_version
                )
            )
            try:
                self.core.delete_namespaced_persistent_volume_claim(name, namespace, body=options)
            except ApiException as exc:
                if exc.status == 404:
                    return StepResult(action, "already", "already gone")
                if exc.status == 409:
                    return StepResult(
                        action, "refused", f"{namespace}/{name} changed while deleting; plan again"
                    )
                raise
        gone = self._wait_gone(name, namespace, plan.timeout - (self.clock() - started))
        if not gone:
            users = self._pods_using(name, namespace)
            why = f"; still mounted by {', '.join(users)}" if users else ""
            return StepResult(action, "failed", f"still there after {plan.timeout} s{why}")
        volume = action.param("volume")
        kept = ""
        if volume:
            try:
                pv = self.core.read_persistent_volume(volume)
                kept = f"; volume {volume} is {pv.status.phase} with reclaim {pv.spec.persistent_volume_reclaim_policy}"
            except ApiException as exc:
                if exc.status != 404:
                    raise
                kept = f"; volume {volume} was deleted with it"
        return StepResult(action, "applied", f"deleted and gone{kept}")

    def _wait_gone(self, name: str, namespace: str, budget: float) -> bool:
        """Watch one claim until it is deleted (or `budget` seconds pass)."""
        deadline = self.clock() + max(budget, 1.0)
        while True:
            try:
                pvc = self.core.read_namespaced_persistent_volume_claim(name, namespace)
            except ApiException as exc:
                if exc.status == 404:
                    return True
                raise
            remaining = deadline - self.clock()
            if remaining <= 0:
                return False
            watch = _watch.Watch()
            try:
                for event in watch.stream(
                    self.core.list_namespaced_persistent_volume_claim,
                    namespace,
                    field_selector=f"metadata.name={name}",
                    resource_version=pvc.metadata.resource_version,
                    timeout_seconds=max(int(remaining), 1),
                ):
                    if event.get("type") == "DELETED":
                        return True
            finally:
                watch.stop()

    def _pods_using(self, claim: str, namespace: str) -> list[str]:
        out = []
        for pod in self.core.list_namespaced_pod(namespace).items or []:
            for volume in pod.spec.volumes or []:
                if (
                    volume.persistent_volume_claim
                    and volume.persistent_volume_claim.claim_name == claim
                ):
                    out.append(f"pod {namespace}/{pod.metadata.name}")
        return out

    def _install(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        name, namespace = action.target.name, action.target.namespace or ""
        try:
            if self._release_secrets(name, namespace):
                return StepResult(
                    action, "refused", f"a release {name} exists in {namespace} again; plan again"
                )
        except ApiException as exc:
            if exc.status != 404:
                raise
        for pvc in plan.pvcs:
            if pvc.namespace != namespace:
                continue
            try:
                self.core.read_namespaced_persistent_volume_claim(pvc.name, namespace)
            except ApiException as exc:
                if exc.status == 404:
                    continue
                raise
            return StepResult(
                action, "refused", f"{pvc.key} still exists: the install would bind it"
            )
        command = helm_command_line(action, self.kubeconfig, self.context)
        if self.helm is None:
            return StepResult(action, "manual", "helm is not installed", command)
        done = self.helm.run(action.commands[0].argv[1:], plan.timeout)
        if done.code != 0:
            return StepResult(
                action,
                "failed",
                f"helm install exited {done.code}: {_first_line(done.stderr)}",
                command,
            )
        return StepResult(action, "applied", f"release {namespace}/{name} installed", command)

    def _wait_ready(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        namespace = action.target.namespace or ""
        selector = action.param("selector")
        if not self._workloads(namespace, selector):
            if action.op == "check-ready":
                return StepResult(
                    action, "skipped", f"this install has no workload with {selector}"
                )
            return StepResult(
                action, "failed", f"the install made no workload with {selector} in {namespace}"
            )
        ready, pods = self._wait_pods_ready(namespace, selector, plan.timeout)
        if ready:
            return StepResult(action, "applied", f"ready: {', '.join(ready)}")
        if not pods:
            return StepResult(
                action, "failed", f"no pod with {selector} in {namespace} after {plan.timeout} s"
            )
        states = "; ".join(_pod_state(p) for p in pods)
        component = action.param("component")
        prefix = (
            f"{component} is not ready although what it needs is: " if component else "not ready: "
        )
        return StepResult(action, "failed", prefix + states)

    def _workloads(self, namespace: str, selector: str) -> list[str]:
        apps = with_deadline(
            _client.AppsV1Api(self.api_client), REQUEST_DEADLINE_S, on_start=self._started
        )
        names: list[str] = []
        for lister in (apps.list_namespaced_deployment, apps.list_namespaced_stateful_set):
            names.extend(
                o.metadata.name for o in lister(namespace, label_selector=selector).items or []
            )
        return names

    def _wait_pods_ready(
        self, namespace: str, selector: str, timeout: float
    ) -> tuple[list[str], list[Any]]:
        deadline = self.clock() + timeout
        while True:
            listing = self.core.list_namespaced_pod(namespace, label_selector=selector)
            pods = list(listing.items or [])
            ready = [p.metadata.name for p in pods if _is_ready(p)]
            remaining = deadline - self.clock()
            if ready or remaining <= 0:
                return ready, pods
            watch = _watch.Watch()
            try:
                for event in watch.stream(
                    self.core.list_namespaced_pod,
                    namespace,
                    label_selector=selector,
                    resource_version=listing.metadata.resource_version,
                    timeout_seconds=max(int(remaining), 1),
                ):
                    pod = event.get("object")
                    if event.get("type") != "DELETED" and pod is not None and _is_ready(pod):
                        return [pod.metadata.name], [pod]
            finally:
                watch.stop()

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
            try:
                pv = self.core.read_persistent_volume(pvc.volume)
            except ApiException as exc:
                if exc.status == 404:
                    continue
                raise
            if pv.spec.persistent_volume_reclaim_policy != "Retain":
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


def _is_ready(pod: Any) -> bool:
    if pod.metadata.deletion_timestamp is not None or pod.status is None:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def _pod_state(pod: Any) -> str:
    bits = []
    for status in (pod.status.container_statuses if pod.status else None) or []:
        waiting = status.state.waiting if status.state else None
        reason = (
            waiting.reason
            if waiting
            else ("running" if status.state and status.state.running else "?")
        )
        bits.append(f"{status.name}: {reason}, {status.restart_count} restarts")
    return (
        f"pod {pod.metadata.name} ("
        + ("; ".join(bits) or (pod.status.phase if pod.status else "?"))
        + ")"
    )


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "no output")
    return _SECRETISH.sub(r"\1\2[redacted]", line)[:300]


def _api_message(exc: ApiException) -> str:
    body = getattr(exc, "body", None)
    if body:
        try:
            return str(json.loads(body).get("message", ""))[:300]
        except (ValueError, AttributeError):
            pass
    return str(exc.reason or "")[:300]
