"""What a release's pods say: readiness per part of the chart, and the connections they report failing.

`WorkloadIndex` groups the snapshot's pods, events and services once, by
namespace and release label, so that looking at every release costs one pass
over them rather than one pass per release.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.charts import RELEASE_LABELS, ChartRule, rule_for
from kostack.model.snapshot import HelmRelease, KubeEvent, Service, Snapshot, WorkloadPod

ErrorKind = Literal["refused", "timeout", "dns", "no-route", "reset"]

_URL = re.compile(r'"?(?:https?|tcp|redis)://([A-Za-z0-9.-]+)(?::(\d+))?')
_DIAL = re.compile(
    r"dial tcp (\[?[0-9a-fA-F.:]+\]?|[A-Za-z0-9.-]+):(\d+): (?:connect: )?"
    r"(connection refused|i/o timeout|no route to host|connection reset by peer|connection timed out)"
)
_LOOKUP = re.compile(
    r"lookup ([A-Za-z0-9.-]+)(?: on [0-9.:\[\]a-fA-F]+)?: (?:.*?)(i/o timeout|no such host|server misbehaving)"
)
_CONNECT_TO = re.compile(r"(?:connect|connection) to (?:tcp:)?([A-Za-z0-9.-]+):(\d+)")
# Words of a line saying a part failed on its own terms (not a connection that never got through).
ERROR_WORDS = re.compile(
    r"fatal|panic|authentication failed|permission denied|no such file|invalid|dirty database|"
    r"server error|exit|cannot|failed to (?!connect)",
    re.IGNORECASE,
)


class WorkloadIndex:
    """The snapshot's workload pods, pod events and services, grouped for lookups."""

    def __init__(self, snapshot: Snapshot) -> None:
        helm = snapshot.helm
        self._labelled: dict[tuple[str, str], list[WorkloadPod]] = defaultdict(list)
        for pod in (helm.pods if helm is not None else None) or ():
            for value in dict.fromkeys(pod.labels.get(k) for k in RELEASE_LABELS):
                if value is not None:
                    self._labelled[(pod.namespace, value)].append(pod)
        self._events: dict[tuple[str, str], list[KubeEvent]] = defaultdict(list)
        for event in (helm.events if helm is not None else None) or ():
            if event.kind == "Pod":
                self._events[(event.namespace, event.name)].append(event)
        self._services: dict[str, list[Service]] = defaultdict(list)
        cluster = snapshot.cluster
        for svc in (cluster.services if cluster is not None else None) or ():
            self._services[svc.namespace].append(svc)

    def labelled(self, namespace: str, release: str) -> tuple[WorkloadPod, ...]:
        """Pods in ``namespace`` with a release label naming ``release``, in snapshot order."""
        return tuple(self._labelled.get((namespace, release), ()))

    def pod_events(self, namespace: str, pod: str) -> tuple[KubeEvent, ...]:
        return tuple(self._events.get((namespace, pod), ()))

    def services(self, namespace: str) -> tuple[Service, ...]:
        return tuple(self._services.get(namespace, ()))


@dataclass(frozen=True)
class ConnError:
    """A failed connection a pod reported (log line, termination message or event)."""

    kind: ErrorKind
    target: str  # host:port as written
    host: str
    port: int | None
    line: str
    component: str | None = None  # the part of the release the target is


@dataclass(frozen=True)
class ComponentHealth:
    component: str
    pods: tuple[WorkloadPod, ...]
    ready: bool
    crashloop: bool
    state: str  # a Msg: what is wrong with each container, in either language
    says: tuple[str, ...]
    errors: tuple[ConnError, ...]

    @property
    def pod_names(self) -> str:
        names = [
            Msg("rel.pod-on", pod=p.name, node=p.node) if p.node else p.name for p in self.pods
        ]
        if len(names) > 3:
            return Msg("rel.pods-more", pods=names[:3], n=len(names) - 3)
        return Msg("rel.pods", pods=names)


def release_pods(release: HelmRelease, pods: WorkloadIndex) -> tuple[WorkloadPod, ...]:
    """The pods a release made: same namespace and a release label naming it."""
    rule = rule_for(release.chart)
    return tuple(
        pod
        for pod in pods.labelled(release.namespace, release.name)
        if all(pod.labels.get(k, v) == v for k, v in rule.extra_labels.items())
    )


def health(
    rule: ChartRule,
    release: HelmRelease,
    pods: tuple[WorkloadPod, ...],
    index: WorkloadIndex,
    addresses: dict[str, str],
) -> dict[str, ComponentHealth]:
    """Per component of the chart (or per pod owner for charts kostack does not know)."""
    groups: dict[str, list[WorkloadPod]] = {}
    for pod in pods:
        name = rule.component_of(pod.labels) or _owner_name(pod, release.name)
        groups.setdefault(name, []).append(pod)
    out = {}
    for name, members in groups.items():
        ready = all(p.ready for p in members)
        crash = any(c.reason == "CrashLoopBackOff" for p in members for c in p.containers)
        says: list[str] = []
        for pod in members:
            for container in pod.containers:
                for text in (container.last_message, container.message):
                    if text and not text.startswith("back-off"):
                        says.append(text)
            says.extend(pod.log_lines)
            says.extend(
                e.message
                for e in index.pod_events(release.namespace, pod.name)
                if e.type == "Warning" and e.message
            )
        says = list(dict.fromkeys(s.strip() for s in says if s.strip()))
        errors = tuple(
            dict.fromkeys(
                _resolve(err, rule, release, addresses)
                for line in says
                for err in parse_errors(line)
            )
        )
        out[name] = ComponentHealth(
            name, tuple(members), ready, crash, _state(members), tuple(says), errors
        )
    return out


def _owner_name(pod: WorkloadPod, release: str) -> str:
    if pod.owner:
        kind, _, name = pod.owner.partition("/")
        if kind == "ReplicaSet":
            name = name.rsplit("-", 1)[0]
        return name.removeprefix(release + "-") or name
    return pod.name


def _state(pods: Iterable[WorkloadPod]) -> str:
    parts: dict[str, str] = {}  # by English text: the same state once
    for pod in pods:
        for c in pod.containers:
            if c.ready:
                continue
            bits: list[str] = [c.reason or c.state or Msg("rel.state.not-ready")]
            if c.restart_count:
                bits.append(Msg("rel.state.restarts", n=c.restart_count))
            if c.last_exit_code is not None:
                bits.append(
                    Msg("rel.state.exit-why", code=c.last_exit_code, why=c.last_reason)
                    if c.last_reason
                    else Msg("rel.state.exit", code=c.last_exit_code)
                )
            said: str = Msg("rel.state.container", name=c.name, bits=bits)
            parts.setdefault(str(said), said)
        if not pod.containers and pod.phase:
            parts.setdefault(pod.phase, pod.phase)
    if not parts:
        return Msg("rel.state.not-ready")
    # a few states, the rest counted: one line however many containers (and no deep nesting)
    state, *rest = list(parts.values())[:STATES_SHOWN]
    for more in rest:
        state = Msg("rel.state.and", first=state, then=more)
    if len(parts) > STATES_SHOWN:
        state = Msg("rel.state.more", states=state, n=len(parts) - STATES_SHOWN)
    return state


STATES_SHOWN = 4


register(
    {
        "rel.pod-on": {"en": "{pod} on {node}", "ko": "{node}의 {pod}"},
        "rel.pods": {"en": "{pods}", "ko": "{pods}"},
        "rel.pods-more": {"en": "{pods} +{n}", "ko": "{pods} 외 {n}개"},
        "rel.state.not-ready": {"en": "not ready", "ko": "준비 안 됨"},
        "rel.state.restarts": {
            "en": "{n} {n:restart/restarts}",
            "ko": "재시작 {n}회",
        },
        "rel.state.exit": {"en": "last exit {code}", "ko": "마지막 종료 코드 {code}"},
        "rel.state.exit-why": {
            "en": "last exit {code} ({why})",
            "ko": "마지막 종료 코드 {code} ({why})",
        },
        "rel.state.container": {"en": "{name}: {bits}", "ko": "{name}: {bits}"},
        "rel.state.and": {"en": "{first}; {then}", "ko": "{first}; {then}"},
        "rel.state.more": {"en": "{states}; +{n} more", "ko": "{states}; 외 {n}개"},
    }
)


def parse_errors(line: str) -> list[ConnError]:
    """Connection failures named in a log line or event message."""
    out: list[ConnError] = []
    url: re.Match[str] | None = _URL.search(line) or _CONNECT_TO.search(line)
    url_host = url.group(1) if url else None
    url_port = int(url.group(2)) if url and url.group(2) else None
    for match in _DIAL.finditer(line):
        host, port, what = match.group(1).strip("[]"), int(match.group(2)), match.group(3)
        kind: ErrorKind = {
            "connection refused": "refused",
            "i/o timeout": "timeout",
            "connection timed out": "timeout",
            "no route to host": "no-route",
            "connection reset by peer": "reset",
        }[what]  # type: ignore[assignment]
        shown_host = url_host if url_host and _is_ip(host) else host
        shown_port = url_port if url_host and _is_ip(host) and url_port else port
        out.append(ConnError(kind, f"{shown_host}:{shown_port}", shown_host, shown_port, line))
        # also keep the address itself: a service IP maps to a service name
        if shown_host != host:
            out.append(ConnError(kind, f"{host}:{port}", host, port, line))
    for match in _LOOKUP.finditer(line):
        out.append(ConnError("dns", match.group(1), match.group(1), None, line))
    if not out:
        connect = _CONNECT_TO.search(line)
        if connect and ("timeout" in line or "timed out" in line):
            out.append(
                ConnError(
                    "timeout",
                    f"{connect.group(1)}:{connect.group(2)}",
                    connect.group(1),
                    int(connect.group(2)),
                    line,
                )
            )
    return out


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _resolve(
    err: ConnError, rule: ChartRule, release: HelmRelease, addresses: dict[str, str]
) -> ConnError:
    """Which part of the release the failed connection was aimed at, if any."""
    if err.host in addresses:
        return replace(err, component=addresses[err.host])
    short = err.host.split(".", 1)[0]
    fullname = rule.fullname(release.name, release.settings)
    component = None
    for c in rule.components:
        if short in (f"{fullname}-{c.name}", c.name):
            component = c.name
    if component is None and short.startswith(fullname + "-"):
        component = short[len(fullname) + 1 :]
    return replace(err, component=component)


def addresses(
    index: WorkloadIndex, rule: ChartRule, release: HelmRelease, pods: Iterable[WorkloadPod]
) -> dict[str, str]:
    """Service and pod IPs of the release's namespace, by the part of the release they reach."""
    out: dict[str, str] = {}
    fullname = rule.fullname(release.name, release.settings)
    for svc in index.services(release.namespace):
        if svc.cluster_ip is not None and svc.name.startswith(fullname + "-"):
            out[str(svc.cluster_ip)] = svc.name[len(fullname) + 1 :]
    for pod in pods:
        component = rule.component_of(pod.labels)
        if pod.ip is not None and component:
            out[str(pod.ip)] = component
    return out
