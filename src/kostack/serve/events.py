"""Kubernetes Events from kostack's long-running modes: the body, a rate limit, the sink.

`RateLimiter` is a token bucket shared by every Event of one process
(default: a burst of 30, then 30 per 10 minutes), so a flapping cause or a
5,000-node outage cannot flood the API server; what it holds back is
counted, not queued. Node Events go to the ``default`` namespace with the
node name as uid, as the kubelet writes its own (kubernetes
pkg/kubelet/kubelet.go, nodeRef). Which Events a mode posts, and their
words (English or Korean), are the mode's: `kostack.watch.events`,
`kostack.guard.events`.
"""

from __future__ import annotations

import datetime
import functools
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from kostack.deadline import GRACE_S, within
from kostack.redact import redact

__all__ = ["EventSpec", "KubeEventSink", "RateLimiter", "Workload", "event_body"]


@dataclass(frozen=True)
class Workload:
    """kostack's own Deployment (where the cluster-wide Events go)."""

    namespace: str
    name: str
    kind: str = "Deployment"
    api_version: str = "apps/v1"


@dataclass(frozen=True)
class EventSpec:
    kind: str
    name: str
    namespace: str  # where the Event is stored
    object_namespace: str | None
    api_version: str
    reason: str
    type: str
    message: str

    @classmethod
    def on_node(cls, node: str, reason: str, type_: str, message: str) -> EventSpec:
        return cls("Node", node, "default", None, "v1", reason, type_, message)

    @classmethod
    def on_workload(cls, workload: Workload, reason: str, type_: str, message: str) -> EventSpec:
        return cls(
            workload.kind,
            workload.name,
            workload.namespace,
            workload.namespace,
            workload.api_version,
            reason,
            type_,
            message,
        )


class RateLimiter:
    """A token bucket: ``burst`` Events at once, then one every ``per_seconds / burst``."""

    def __init__(
        self,
        burst: int = 30,
        per_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.rate = burst / per_seconds
        self.clock = clock
        self.tokens = float(burst)
        self.at = clock()
        self.dropped = 0

    def allow(self) -> bool:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.dropped += 1
        return False


def event_body(
    spec: EventSpec, instance: str, now: datetime.datetime, component: str = "kostack-watch"
) -> dict[str, Any]:
    """A core/v1 Event for ``spec``, as a controller would write it."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    involved: dict[str, Any] = {
        "kind": spec.kind,
        "name": spec.name,
        "apiVersion": spec.api_version,
    }
    if spec.object_namespace is not None:
        involved["namespace"] = spec.object_namespace
    if spec.kind == "Node":
        involved["uid"] = spec.name  # what the kubelet puts there (pkg/kubelet/kubelet.go)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{spec.name}.kostack.{int(now.timestamp() * 1e6):x}{secrets.token_hex(2)}",
            "namespace": spec.namespace,
            "labels": {"app.kubernetes.io/managed-by": "kostack"},
        },
        "involvedObject": involved,
        "reason": spec.reason,
        "message": redact(spec.message)[:1024],  # what kostack writes passes the redactor
        "type": spec.type,
        "source": {"component": component},
        "reportingComponent": component,
        "reportingInstance": instance[:128],
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


class KubeEventSink:
    """Posts Events through the official client; failures are counted, never raised."""

    def __init__(
        self,
        api_client: Any,
        *,
        instance: str,
        component: str = "kostack-watch",
        limiter: RateLimiter | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        from kubernetes.client import CoreV1Api

        self.core = CoreV1Api(api_client)
        self.api_client = api_client
        self.instance = instance
        self.component = component
        self.limiter = limiter or RateLimiter()
        self.timeout_s = timeout_s
        self.posted = 0
        self.failed = 0
        self.last_error = ""

    def post(self, specs: Sequence[EventSpec]) -> None:
        now = datetime.datetime.now(datetime.UTC)
        for spec in specs:
            if not self.limiter.allow():
                continue
            body = cast(Any, event_body(spec, self.instance, now, self.component))
            try:
                # a hard deadline: a socket timeout alone does not bound a trickling answer
                within(
                    self.timeout_s + GRACE_S,
                    "posting an Event",
                    functools.partial(
                        self.core.create_namespaced_event,
                        spec.namespace,
                        body,  # a dict body: the client sends it as is
                        _request_timeout=self.timeout_s,
                    ),
                )
                self.posted += 1
            except Exception as exc:  # the API server being down must not stop the mode
                self.failed += 1
                self.last_error = redact(f"{type(exc).__name__}: {str(exc)[:200]}")

    def close(self) -> None:
        self.api_client.close()
