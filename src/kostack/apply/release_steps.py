"""The steps of a reinstall against the cluster, one method per op (mixed into Reinstaller).

Every step re-reads its target and refuses when the plan's precondition no
longer holds; waits watch the API (bounded by the plan's timeout), never sleep.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Final

import kubernetes
from kubernetes.client.exceptions import ApiException

from kostack.analyze.messages import Msg, joined
from kostack.analyze.release_checks.charts import RELEASE_LABELS
from kostack.apply.release_helm import HelmRunner, _first_line, helm_command_line
from kostack.apply.release_result import StepResult
from kostack.deadline import Worker, with_deadline
from kostack.interrupts import ChildHold
from kostack.plan.release import ReinstallPlan, ReleaseAction

# The client, untyped on purpose: its objects stay inside the apply layer.
_client: Any = kubernetes.client
_watch: Any = kubernetes.watch

PVC_PROTECTION: Final = "kubernetes.io/pvc-protection"  # removed once no pod holds the claim

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
    _hold: ChildHold | None  # a helm step's Ctrl-C hold (kostack.interrupts.child_step)

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
            return StepResult(action, "skipped", Msg("rel.step.not-automatic", op=action.op))
        return handler(plan, action)

    def _retain(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        name = action.target.name
        pv = _unless_gone(self.core.read_persistent_volume, name)
        if pv is None:
            return StepResult(action, "failed", Msg("rel.step.pv-gone", name=name))
        policy = pv.spec.persistent_volume_reclaim_policy
        if policy == "Retain":
            return StepResult(action, "already", Msg("rel.step.retain-already"))
        wanted = action.precondition.resource_version if action.precondition else None
        if wanted and pv.metadata.resource_version != wanted:
            return StepResult(
                action,
                "refused",
                Msg(
                    "rel.step.pv-changed",
                    name=name,
                    planned=wanted,
                    now=pv.metadata.resource_version,
                ),
            )
        body = {
            "metadata": {"resourceVersion": pv.metadata.resource_version},
            "spec": {"persistentVolumeReclaimPolicy": "Retain"},
        }
        try:
            self.core.patch_persistent_volume(name, body)
        except ApiException as exc:
            if exc.status == 409:
                return StepResult(action, "refused", Msg("rel.step.pv-changed-patching", name=name))
            raise
        after = self.core.read_persistent_volume(name).spec.persistent_volume_reclaim_policy
        if after != "Retain":
            return StepResult(action, "failed", Msg("rel.step.policy-after", policy=after))
        return StepResult(action, "applied", Msg("rel.step.policy-set", old=policy))

    def _release_secrets(self, name: str, namespace: str) -> list[Any]:
        items = self.core.list_namespaced_secret(
            namespace, label_selector=f"owner=helm,name={name}"
        ).items
        return list(items or [])

    def _release_configmaps(self, name: str, namespace: str) -> list[Any]:
        items = self.core.list_namespaced_config_map(
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
            return command, StepResult(action, "manual", Msg("rel.step.no-helm"), command)
        # a second Ctrl-C stops the waiting (helm goes on by itself: HelmLeftRunning)
        with self._hold.waiting() if self._hold is not None else contextlib.nullcontext():
            done = self.helm.run(action.commands[0].argv[1:], plan.timeout)
        if done.code != 0:
            why = Msg(
                "rel.step.helm-exit", what=what, code=done.code, stderr=_first_line(done.stderr)
            )
            return command, StepResult(action, "failed", why, command)
        return command, None

    def _uninstall(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        name, namespace = action.target.name, action.target.namespace or ""
        secrets = self._release_secrets(name, namespace)
        if not secrets and self._release_configmaps(name, namespace):
            # stored by HELM_DRIVER=configmap, which the helm kostack runs does not read:
            # "already uninstalled" would delete the claims of a release still running
            by_hand = "HELM_DRIVER=configmap " + helm_command_line(
                action, self.kubeconfig, self.context
            )
            why = Msg("rel.step.configmap-driver", release=f"{namespace}/{name}", command=by_hand)
            return StepResult(action, "refused", why)
        if not secrets:
            return StepResult(
                action, "already", Msg("rel.step.no-release", name=name, namespace=namespace)
            )
        wanted = action.precondition.resource_version if action.precondition else None
        newest = max(secrets, key=lambda s: int((s.metadata.labels or {}).get("version", "0") or 0))
        if wanted and newest.metadata.resource_version != wanted:
            return StepResult(
                action,
                "refused",
                Msg(
                    "rel.step.release-changed",
                    release=f"{namespace}/{name}",
                    now=newest.metadata.name,
                ),
            )
        command, stopped = self._helm(plan, action, "helm uninstall")
        if stopped is not None:
            return stopped
        left = self._release_secrets(name, namespace)
        if left:
            return StepResult(
                action,
                "failed",
                Msg("rel.step.records-left", n=len(left), name=name, namespace=namespace),
                command,
            )
        return StepResult(
            action, "applied", Msg("rel.step.uninstalled", release=f"{namespace}/{name}"), command
        )

    def _delete_pvc(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        name, namespace = action.target.name, action.target.namespace or ""
        started = self.clock()
        pvc = _unless_gone(self.core.read_namespaced_persistent_volume_claim, name, namespace)
        if pvc is None:
            return StepResult(action, "already", Msg("rel.step.gone-already"))
        pre = action.precondition
        if pre is not None and pre.uid and pvc.metadata.uid != pre.uid:
            return StepResult(
                action,
                "refused",
                Msg(
                    "rel.step.other-claim",
                    pvc=f"{namespace}/{name}",
                    uid=pvc.metadata.uid,
                    planned=pre.uid,
                ),
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
                    Msg(
                        "rel.step.pvc-changed",
                        pvc=f"{namespace}/{name}",
                        planned=pre.resource_version,
                        now=pvc.metadata.resource_version,
                    ),
                )
            kept = self._not_retained(plan, action)
            if kept is not None:
                return kept
            users = self._pods_using(name, namespace, exempt=plan.release)
            if users:  # read now: a pod that started since the plan (a backup, a debug shell)
                pvc_key, who = f"{namespace}/{name}", ", ".join(users)
                why = Msg("rel.step.in-use", pvc=pvc_key, users=who, name=plan.release)
                return StepResult(action, "refused", why)
            options = _client.V1DeleteOptions(
                preconditions=_client.V1Preconditions(
                    uid=pvc.metadata.uid, resource_version=pvc.metadata.resource_version
                )
            )
            try:
                self.core.delete_namespaced_persistent_volume_claim(name, namespace, body=options)
            except ApiException as exc:
                if exc.status == 404:
                    return StepResult(action, "already", Msg("rel.step.gone-already"))
                if exc.status == 409:
                    return StepResult(
                        action,
                        "refused",
                        Msg("rel.step.pvc-changed-deleting", pvc=f"{namespace}/{name}"),
                    )
                raise
        gone = self._wait_gone(name, namespace, plan.timeout - (self.clock() - started))
        if not gone:
            return StepResult(action, "failed", self._still_there(name, namespace, plan.timeout))
        volume = action.param("volume")
        done = Msg("rel.step.deleted")
        if volume:
            pv = _unless_gone(self.core.read_persistent_volume, volume)
            if pv is None:
                done = Msg("rel.step.deleted-volume-gone", volume=volume)
            else:
                policy = pv.spec.persistent_volume_reclaim_policy
                phase = pv.status.phase
                done = Msg(
                    "rel.step.deleted-volume-kept", volume=volume, phase=phase, policy=policy
                )
        return StepResult(action, "applied", done)

    def _not_retained(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult | None:
        """Refuse to delete a claim whose volume lost Retain since its retain-pv step (someone,
        or a controller, set it back): the claim's deletion would delete the data."""
        volume = action.param("volume")
        if plan.discard_data or not volume:
            return None
        pv = _unless_gone(self.core.read_persistent_volume, volume)
        policy = pv.spec.persistent_volume_reclaim_policy if pv is not None else "Retain"
        if policy == "Retain":
            return None
        pvc = f"{action.target.namespace}/{action.target.name}"
        why = Msg("rel.step.pv-not-retained", volume=volume, pvc=pvc, policy=policy)
        return StepResult(action, "refused", why)

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

    def _still_there(self, name: str, namespace: str, seconds: int) -> Msg:
        """Why a deleted claim is still there: the pods that hold it, else the finalizers
        something else put on it (only what added one removes it)."""
        users = self._pods_using(name, namespace)
        if users:
            return Msg("rel.step.still-there-mounted", seconds=seconds, users=", ".join(users))
        pvc = _unless_gone(self.core.read_namespaced_persistent_volume_claim, name, namespace)
        held = [f for f in (pvc.metadata.finalizers or []) if f != PVC_PROTECTION] if pvc else []
        if held:
            return Msg("rel.step.still-there-held", seconds=seconds, finalizers=", ".join(held))
        return Msg("rel.step.still-there", seconds=seconds)

    def _pods_using(self, claim: str, namespace: str, exempt: str | None = None) -> list[str]:
        """The pods that hold the claim (not Succeeded/Failed, as Kubernetes' pvc-protection
        counts them), but those labelled as release ``exempt`` (its own, going with it)."""
        out = []
        for pod in self.core.list_namespaced_pod(namespace).items or []:
            labels = pod.metadata.labels or {}
            if exempt is not None and any(labels.get(k) == exempt for k in RELEASE_LABELS):
                continue
            if pod.status is not None and pod.status.phase in ("Succeeded", "Failed"):
                continue
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
                action, "refused", Msg("rel.step.release-again", name=name, namespace=namespace)
            )
        for pvc in plan.pvcs:
            if pvc.namespace != namespace:
                continue
            if (
                _unless_gone(self.core.read_namespaced_persistent_volume_claim, pvc.name, namespace)
                is None
            ):
                continue
            return StepResult(action, "refused", Msg("rel.step.would-bind", pvc=pvc.key))
        command, stopped = self._helm(plan, action, "helm install")
        return stopped or StepResult(
            action, "applied", Msg("rel.step.installed", release=f"{namespace}/{name}"), command
        )

    def _wait_ready(self, plan: ReinstallPlan, action: ReleaseAction) -> StepResult:
        namespace = action.target.namespace or ""
        selector = action.param("selector")
        if not self._workloads(namespace, selector):
            if action.op == "check-ready":
                return StepResult(
                    action, "skipped", Msg("rel.step.no-workload-check", selector=selector)
                )
            return StepResult(
                action,
                "failed",
                Msg("rel.step.no-workload", selector=selector, namespace=namespace),
            )
        ready, pods = self._wait_pods_ready(namespace, selector, plan.timeout)
        if ready:
            return StepResult(action, "applied", Msg("rel.step.ready", pods=", ".join(ready)))
        if not pods:
            return StepResult(
                action,
                "failed",
                Msg(
                    "rel.step.no-pod",
                    selector=selector,
                    namespace=namespace,
                    seconds=plan.timeout,
                ),
            )
        states = joined([_pod_state(p) for p in pods])
        component = action.param("component")
        why = (
            Msg("rel.step.not-ready-although", component=component, states=states)
            if component
            else Msg("rel.step.not-ready", states=states)
        )
        return StepResult(action, "failed", why)

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


def _pod_state(pod: Any) -> Msg:
    """`pod harbor-core-1 (core: CrashLoopBackOff, 3 restarts)`, in any language."""
    bits = []
    for status in (pod.status.container_statuses if pod.status else None) or []:
        waiting = status.state.waiting if status.state else None
        reason = (
            waiting.reason
            if waiting
            else ("running" if status.state and status.state.running else "?")
        )
        bits.append(
            Msg("rel.pod.container", name=status.name, reason=reason, n=status.restart_count)
        )
    shown = joined(bits) if bits else (pod.status.phase if pod.status else "?")
    return Msg("rel.pod.state", pod=pod.metadata.name, state=shown)
