"""Kubernetes Events on transitions: on the affected Nodes and on kostack's own Deployment.

What becomes an Event (`events_for`):

- a root cause detected / cleared: a Warning / Normal Event on each affected
  Node (at most ``max_nodes`` of them per transition) and one on the
  Deployment naming how many nodes are affected;
- the verdict changing, a source going down or coming back: one Event on the
  Deployment.

`RateLimiter` is a token bucket shared by every Event (default: a burst of
30, then 30 per 10 minutes), so a flapping cause or a 5,000-node outage
cannot flood the API server; what it holds back is counted, not queued.
Event messages are in the watch's language (``--lang``, docs/watch.md).
Node Events go to the ``default`` namespace with the node name as uid, as
the kubelet writes its own (kubernetes pkg/kubelet/kubelet.go, nodeRef).
"""

from __future__ import annotations

import datetime
import functools
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from kostack.analyze.diagnose import root_cause_title
from kostack.deadline import GRACE_S, within
from kostack.redact import redact
from kostack.watch.history import Transition
from kostack.watch.messages import say, severity_name, verdict_name

__all__ = ["EventSpec", "KubeEventSink", "RateLimiter", "Workload", "events_for"]

COMPONENT = "kostack-watch"


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


def events_for(
    transitions: Iterable[Transition],
    lang: str,
    *,
    workload: Workload | None,
    max_nodes: int = 20,
) -> list[EventSpec]:
    """The Events the transitions of one cycle call for (first sightings included)."""
    out: list[EventSpec] = []

    def on_workload(reason: str, kind: str, message: str) -> None:
        if workload is not None:
            out.append(
                EventSpec(
                    workload.kind,
                    workload.name,
                    workload.namespace,
                    workload.namespace,
                    workload.api_version,
                    reason,
                    kind,
                    message,
                )
            )

    for t in transitions:
        if t.kind == "root-cause":
            params = {
                "title": root_cause_title(t.key, lang),
                "severity": severity_name(lang, t.severity),
                "check": t.check_id,
                "nodes": t.node_count,
            }
            present = t.after == "present"
            reason = "RootCauseDetected" if present else "RootCauseCleared"
            kind = "Warning" if present else "Normal"
            text = say(lang, "event.appeared" if present else "event.cleared", **params)
            on_workload(reason, kind, text)
            node_text = say(lang, "event.appeared.node" if present else "event.cleared", **params)
            for node in t.nodes[:max_nodes]:
                out.append(EventSpec("Node", node, "default", None, "v1", reason, kind, node_text))
        elif t.kind == "verdict":
            text = say(
                lang,
                "event.verdict",
                before=verdict_name(lang, t.before),
                after=verdict_name(lang, t.after),
            )
            on_workload("VerdictChanged", "Normal" if t.after == "healthy" else "Warning", text)
        elif t.kind == "source" and t.before != "unknown":
            down = t.after == "down"
            text = say(lang, "event.source.down" if down else "event.source.up", source=t.key)
            on_workload("SourceDown" if down else "SourceUp", "Warning" if down else "Normal", text)
    return out


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


def event_body(spec: EventSpec, instance: str, now: datetime.datetime) -> dict[str, Any]:
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
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
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
        limiter: RateLimiter | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        from kubernetes.client import CoreV1Api

        self.core = CoreV1Api(api_client)
        self.api_client = api_client
        self.instance = instance
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
            body = cast(Any, event_body(spec, self.instance, now))  # the client sends it as is
            try:
                # a hard deadline: a socket timeout alone does not bound a trickling answer
                within(
                    self.timeout_s + GRACE_S,
                    "posting an Event",
                    functools.partial(
                        self.core.create_namespaced_event,
                        spec.namespace,
                        body,
                        _request_timeout=self.timeout_s,
                    ),
                )
                self.posted += 1
            except Exception as exc:  # the API server being down must not stop the watch
                self.failed += 1
                self.last_error = redact(f"{type(exc).__name__}: {str(exc)[:200]}")

    def close(self) -> None:
        self.api_client.close()
