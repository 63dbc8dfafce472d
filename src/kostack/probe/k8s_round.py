"""One probe round's namespace in a Kubernetes cluster (kostack.probe.k8s_runner runs the round).

`KubeRound` holds what every step shares: the requests (each failure said with what was
asked and a hint), the body of a probe or echo pod, waiting for the pods to run or finish
and reading their logs, and deleting the namespace (or, failing that, what kostack put in it).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from kostack.analyze.messages import Msg, register
from kostack.deadline import DeadlineExceeded
from kostack.errors import ProbeError
from kostack.probe import k8s_texts  # noqa: F401  (registers the runner's messages)
from kostack.probe.plan import ProbePlan
from kostack.shell import render

# What the runner reports while it works (the CLI shows it on stderr).
register(
    {
        "probe.progress.interrupted": {
            "en": "cleaning up the probe namespace first (interrupt again after it is gone)",
            "ko": "먼저 점검용 네임스페이스를 정리하는 중 (정리된 뒤에 다시 중단하세요)",
        },
        "probe.progress.namespace": {
            "en": "creating namespace {namespace}",
            "ko": "네임스페이스 {namespace} 만드는 중",
        },
        "probe.progress.echo": {
            "en": "starting {pods} echo pods",
            "ko": "에코 Pod {pods}개 시작 중",
        },
        "probe.progress.running": {
            "en": "running {probes} {probes:probe/probes} from {pods} {pods:pod/pods}",
            "ko": "Pod {pods}개에서 점검 {probes}개 실행 중",
        },
        "probe.progress.finished": {
            "en": "probe pods finished: {done} of {total}",
            "ko": "점검 Pod 완료: {total}개 중 {done}개",
        },
        "probe.progress.cleanup": {
            "en": "deleting namespace {namespace}",
            "ko": "네임스페이스 {namespace} 삭제 중",
        },
    }
)

DEFAULT_IMAGE: Final = "docker.io/library/python:3.12-alpine"
MANAGED_BY: Final = "kostack"
NAME_LABEL: Final = "kostack-probe"
AGENT_CONFIGMAP: Final = "kostack-probe-agent"
AGENT_DIR: Final = "/kostack"
NODE_ANNOTATION: Final = "kostack.io/node"
POOL_NAME_ANNOTATION: Final = "kostack.io/ip-pool"
POOL_ANNOTATION: Final = "cni.projectcalico.org/"  # + ipv4pools / ipv6pools
# Isolated, no site-packages (the agent is stdlib only; site can cost more than the agent's
# imports), no .pyc writes (the ConfigMap mount is read-only).
PYTHON_FLAGS: Final = ("-I", "-S", "-B")
_PULL_FAILURES: Final = frozenset(
    {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
)
_START_FAILURES: Final = frozenset(
    {"CreateContainerError", "CreateContainerConfigError", "RunContainerError", "CrashLoopBackOff"}
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class KubeProbeOptions:
    """How the Kubernetes runner works; the defaults suit a real cluster."""

    image: str = DEFAULT_IMAGE
    python: str = "python3"
    namespace: str | None = None  # None: kostack-probe-<random>
    start_timeout: float = 120.0  # pulling the image on a cold node takes time
    cleanup_timeout: float = 30.0
    request_timeout: float = 15.0
    poll_interval: float = 0.05
    max_poll_interval: float = 0.5
    echo_seconds: int = 900
    progress: Progress | None = None


def labels_of(component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": NAME_LABEL,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def _api_error(exc: BaseException) -> str:
    if isinstance(exc, ApiException):
        reason = exc.reason or ""
        try:
            body = json.loads(exc.body or "{}")
            message = body.get("message") if isinstance(body, dict) else None
        except ValueError:
            message = None
        return f"HTTP {exc.status} {reason}: {message or ''}".strip().rstrip(":")
    if isinstance(exc, DeadlineExceeded):
        return Msg("probe.k8s.no-answer", seconds=f"{exc.seconds:g}")
    return f"{type(exc).__name__}: {exc}"


class KubeRound:
    """One round in one namespace (state shared by the steps: kostack.probe.k8s_runner)."""

    def __init__(self, core: CoreV1Api, plan: ProbePlan, options: KubeProbeOptions) -> None:
        self.core = core
        self.plan = plan
        self.options = options
        self.namespace = options.namespace or f"kostack-probe-{secrets.token_hex(3)}"
        self.progress: Progress = options.progress or (lambda _text: None)
        self.created = False
        self.pod_ips6: dict[str, str] = {}  # pod name -> its IPv6 address (dual-stack)
        self.echo_ips6: dict[str, str] = {}  # node -> its echo pod's IPv6 address

    # -- requests ----------------------------------------------------------------

    def _call(self, what: Msg, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, _request_timeout=self.options.request_timeout, **kwargs)
        except (ApiException, HTTPError, OSError, DeadlineExceeded) as exc:
            forbidden = isinstance(exc, ApiException) and exc.status == 403
            hint = Msg("probe.k8s.hint.forbidden" if forbidden else "probe.k8s.hint.access")
            raise ProbeError(
                Msg("probe.k8s.failed", what=what, error=_api_error(exc)), hint
            ) from exc

    def _pod(
        self, name: str, node: str, component: str, command: list[str], deadline: int, pool: str
    ) -> dict[str, Any]:
        """``pool``: a Calico IP pool the pod takes its address from (Calico's
        ``cni.projectcalico.org/ipv4pools`` or ``ipv6pools`` annotation, a JSON list of pool
        names; docs/facts.md), "" for any."""
        annotations = {NODE_ANNOTATION: node}
        if pool:
            family = dict(self.plan.pool_families).get(pool, 4)
            annotations[f"{POOL_ANNOTATION}ipv{family}pools"] = json.dumps([pool])
            annotations[POOL_NAME_ANNOTATION] = pool
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": self.namespace,
                "labels": labels_of(component),
                "annotations": annotations,
            },
            "spec": {
                "nodeName": node,
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                "terminationGracePeriodSeconds": 0,
                "activeDeadlineSeconds": deadline,
                "tolerations": [{"operator": "Exists"}],
                "containers": [
                    {
                        "name": "agent",
                        "image": self.options.image,
                        "imagePullPolicy": "IfNotPresent",
                        "command": command,
                        "volumeMounts": [
                            {"name": "agent", "mountPath": AGENT_DIR, "readOnly": True}
                        ],
                        "resources": {
                            "requests": {"cpu": "10m", "memory": "32Mi"},
                            "limits": {"memory": "128Mi"},
                        },
                        "securityContext": {"allowPrivilegeEscalation": False},
                    }
                ],
                "volumes": [{"name": "agent", "configMap": {"name": AGENT_CONFIGMAP}}],
            },
        }

    def _wait(self, pods: Mapping[str, str], *, want: str) -> dict[str, tuple[str | None, str]]:
        """Poll until every pod runs (``running``: IP) or has finished (``finished``: IP, log)."""
        budget = self.options.start_timeout + (
            self.plan.timeout * 3 + 30 if want == "finished" else 0
        )
        deadline = time.monotonic() + budget
        interval = self.options.poll_interval
        done: dict[str, tuple[str | None, str]] = {}
        selector = f"app.kubernetes.io/component={'echo' if want == 'running' else 'probe'}"
        while True:
            listing = self._call(
                Msg("probe.k8s.list", namespace=self.namespace),
                self.core.list_namespaced_pod,
                self.namespace,
                label_selector=selector,
            )
            for pod in listing.items or []:
                name = pod.metadata.name
                if name not in pods or name in done:
                    continue
                status = pod.status
                phase = status.phase if status else None
                self._check_start(name, pods[name], status)
                ip = status.pod_ip if status else None
                for entry in (status.pod_ips if status else None) or []:  # dual-stack
                    if entry.ip and ":" in entry.ip:
                        self.pod_ips6.setdefault(name, entry.ip)
                if want == "running" and phase == "Running" and ip:
                    done[name] = (ip, "")
                elif want == "running" and phase in ("Succeeded", "Failed"):
                    logs = render(["kubectl", "-n", self.namespace, "logs", name])
                    raise ProbeError(
                        Msg("probe.k8s.echo-exited", pod=f"{self.namespace}/{name}",
                            node=pods[name], phase=phase),
                        Msg("probe.k8s.hint.echo-exited", command=logs),
                    )  # fmt: skip
                elif want == "finished" and phase in ("Succeeded", "Failed"):
                    done[name] = (ip, self._log(name))
                    self.progress(Msg("probe.progress.finished", done=len(done), total=len(pods)))
            if len(done) == len(pods):
                return done
            if time.monotonic() > deadline:
                if want == "finished":
                    for name in pods:
                        if name not in done:
                            done[name] = (None, self._log(name, quiet=True))
                    return done
                waiting = [
                    Msg("probe.k8s.waiting", pod=n, node=pods[n]) for n in pods if n not in done
                ]
                describe = render(["kubectl", "-n", self.namespace, "describe", "pods"])
                raise ProbeError(
                    Msg("probe.k8s.not-started", seconds=f"{budget:g}", waiting=waiting),
                    Msg("probe.k8s.hint.not-started", command=describe),
                )
            time.sleep(interval)  # polling the API server, bounded by the deadline
            interval = min(interval * 1.5, self.options.max_poll_interval)

    def _check_start(self, name: str, node: str, status: Any) -> None:
        for container in (status.container_statuses or []) if status else []:
            waiting = container.state.waiting if container.state else None
            reason = waiting.reason if waiting else None
            message = (waiting.message if waiting else None) or ""
            if reason in _PULL_FAILURES:
                raise ProbeError(
                    Msg("probe.k8s.cannot-pull", pod=f"{self.namespace}/{name}", node=node,
                        image=self.options.image, reason=reason),
                    Msg("probe.k8s.hint.cannot-pull"),
                )  # fmt: skip
            if reason in _START_FAILURES:
                raise ProbeError(
                    Msg("probe.k8s.cannot-start", pod=f"{self.namespace}/{name}", node=node,
                        reason=reason, message=message),
                    Msg("probe.k8s.hint.cannot-start"),
                )  # fmt: skip

    def _log(self, name: str, *, quiet: bool = False) -> str:
        try:
            # Raw bytes: the client would json.loads a one-line log and hand back its repr.
            response: Any = self.core.read_namespaced_pod_log(
                name,
                self.namespace,
                container="agent",
                _preload_content=False,
                _request_timeout=self.options.request_timeout,
            )
            data: bytes = response.data
            return data.decode("utf-8", "replace")
        except (ApiException, HTTPError, OSError, DeadlineExceeded) as exc:
            if quiet:
                return ""
            raise ProbeError(
                Msg("probe.k8s.log-failed", pod=f"{self.namespace}/{name}", error=_api_error(exc)),
                Msg("probe.k8s.hint.log"),
            ) from exc

    def cleanup(self) -> list[str]:
        """Delete the namespace (and so everything in it); what could not be removed."""
        if not self.created:
            return []
        self.progress(Msg("probe.progress.cleanup", namespace=self.namespace))
        problems: list[str] = []
        try:
            self.core.delete_namespace(
                self.namespace,
                propagation_policy="Background",
                grace_period_seconds=0,
                _request_timeout=self.options.request_timeout,
            )
        except ApiException as exc:
            if exc.status != 404:
                problems.append(self._delete_failed(exc))
        except (HTTPError, OSError, DeadlineExceeded) as exc:
            problems.append(self._delete_failed(exc))
        if problems:
            problems += self._delete_contents()
            return problems
        deadline = time.monotonic() + self.options.cleanup_timeout
        while time.monotonic() < deadline:
            try:
                self.core.read_namespace(
                    self.namespace, _request_timeout=self.options.request_timeout
                )
            except ApiException as exc:
                if exc.status == 404:
                    return []
                return [f"checking namespace {self.namespace}: {_api_error(exc)}"]
            except (HTTPError, OSError, DeadlineExceeded):
                break
            time.sleep(0.1)  # namespace deletion is asynchronous on a real cluster
        # Still terminating: Kubernetes finishes it; nothing of ours keeps running for long.
        return []

    def _delete_contents(self) -> list[str]:
        problems: list[str] = []
        for what, method in (
            ("pods", self.core.delete_collection_namespaced_pod),
            ("configmaps", self.core.delete_collection_namespaced_config_map),
        ):
            try:
                method(
                    self.namespace,
                    label_selector=f"app.kubernetes.io/managed-by={MANAGED_BY}",
                    _request_timeout=self.options.request_timeout,
                )
            except (ApiException, HTTPError, OSError, DeadlineExceeded) as exc:
                error = _api_error(exc)
                problems.append(
                    Msg("probe.k8s.delete-in", what=what, namespace=self.namespace, error=error)
                )
        return problems

    def _delete_failed(self, exc: BaseException) -> Msg:
        return Msg("probe.k8s.delete-failed", namespace=self.namespace, error=_api_error(exc))
