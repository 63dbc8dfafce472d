"""The steps of a reinstall against the cluster, one method per op (mixed into Reinstaller).

Every step re-reads its target and refuses when the plan's precondition no
longer holds; waits watch the API (bounded by the plan's timeout), never sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import kubernetes
from kubernetes.client.exceptions import ApiException

from kostack.apply.release_helm import HelmRunner, _first_line, helm_command_line
from kostack.apply.release_result import StepResult
from kostack.deadline import Worker, with_deadline
from kostack.plan.release import ReinstallPlan, ReleaseAction

# The client, untyped on purpose: its objects stay inside the apply layer.
_client: Any = kubernetes.client
_watch: Any = kubernetes.watch

# A Kubernetes request that has not finished by then is abandoned (exit 3).
REQUEST_DEADLINE_S: Final = 60.0


class ReleaseSteps:
    """What a step needs of the Reinstaller (its fields), and the steps themselves."""

    api_client: Any
    helm: HelmRunner | None
    kubeconfig: str | None
    context: str | None
    clock: Callable[[], float]
    _pending: Worker | None

    def _started(self, worker: Worker) -> None:
        self._pending = worker

    @property
    def core(self) -> Any:
        # every request under a hard deadline (kostack.deadline), so Ctrl-C is seen at once
        api = _client.CoreV1Api(self.api_client)
        return with_deadline(api, REQUEST_DEADLINE_S, on_start=self._started)

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
        pv = _unless_gone(self.core.read_persistent_volume, name)
        if pv is None:
            return StepResult(
                action, "failed", f"PersistentVolume {name} is gone: its data cannot be kept"
            )
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

    def _helm(
        self, plan: ReinstallPlan, action: ReleaseAction, what: str
    ) -> tuple[str, StepResult | None]:
        """Run exactly the command the plan shows (`helm` itself is the runner's).

        Returns the command line, and the step's result when helm is missing or failed.
        """
        command = helm_command_line(action, self.kubeconfig, self.context)
        if self.helm is None:
            return command, StepResult(action, "manual", "helm is not installed", command)
        done = self.helm.run(action.commands[0].argv[1:], plan.timeout)
        if done.code != 0:
            why = f"{what} exited {done.code}: {_first_line(done.stderr)}"
            return command, StepResult(action, "failed", why, command)
        return command, None

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
        command, stopped = self._helm(plan, action, "helm uninstall")
        if stopped is not None:
            return stopped
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
        pvc = _unless_gone(self.core.read_namespaced_persistent_volume_claim, name, namespace)
        if pvc is None:
            return StepResult(action, "already", "already gone")
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
            pv = _unless_gone(self.core.read_persistent_volume, volume)
            if pv is None:
                kept = f"; volume {volume} was deleted with it"
            else:
                kept = f"; volume {volume} is {pv.status.phase} with reclaim {pv.spec.persistent_volume_reclaim_policy}"
        return StepResult(action, "applied", f"deleted and gone{kept}")

    def _wait_gone(self, name: str, namespace: str, budget: float) -> bool:
        """Watch one claim until it is deleted (or `budget` seconds pass)."""
        deadline = self.clock() + max(budget, 1.0)
        while True:
            pvc = _unless_gone(self.core.read_namespaced_persistent_volume_claim, name, namespace)
            if pvc is None:
                return True
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
        if _unless_gone(self._release_secrets, name, namespace):
            return StepResult(
                action, "refused", f"a release {name} exists in {namespace} again; plan again"
            )
        for pvc in plan.pvcs:
            if pvc.namespace != namespace:
                continue
            if (
                _unless_gone(self.core.read_namespaced_persistent_volume_claim, pvc.name, namespace)
                is None
            ):
                continue
            return StepResult(
                action, "refused", f"{pvc.key} still exists: the install would bind it"
            )
        command, stopped = self._helm(plan, action, "helm install")
        return stopped or StepResult(
            action, "applied", f"release {namespace}/{name} installed", command
        )

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


def _unless_gone(read: Callable[..., Any], *args: str) -> Any:
    """``read(*args)``, or None when the object is not there (HTTP 404)."""
    try:
        return read(*args)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


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
