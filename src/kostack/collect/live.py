"""Collect a whole snapshot live: OpenStack, then Kubernetes, then which port is which node's.

``collect_snapshot`` is what ``kostack collect`` and ``kostack diagnose``
(without ``--snapshot``) run. It stamps the snapshot with when and from what
it was read, merges the gaps of both sources, and, as a last line of defence,
replaces every credential value it knows of (from the cloud's configuration
and the kubeconfig's users) wherever one might have slipped into a string:
no auth URL, token, password, application-credential secret, client key or
certificate is ever stored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from kostack.catalog import map_text
from kostack.collect.gap_texts import make_gap
from kostack.collect.match import NodeIdentity, match_identities
from kostack.collect.octavia import NO_ENDPOINT, collect_octavia
from kostack.collect.octavia import SOURCE as OCTAVIA_SOURCE
from kostack.collect.openstack import (
    close_connection,
    collect_openstack,
    count_requests,
    current_project,
    open_connection,
    redact,
    secret_values,
)
from kostack.collect.texts import Msg
from kostack.deadline import Phase
from kostack.errors import ConfigError, KostackError
from kostack.model.snapshot import (
    Cluster,
    Gap,
    HelmState,
    NeutronBackend,
    NodePort,
    OpenStack,
    Snapshot,
)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "CollectOptions",
    "collect_snapshot",
    "kubeconfig_secrets",
    "link_nodes",
    "phase_budget",
    "scrub_snapshot",
    "source_label",
]

DEFAULT_TIMEOUT_S: Final = 30.0
_MIN_SECRET_LENGTH: Final = 6

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CollectOptions:
    """What to collect and how. ``environ`` None means the process environment."""

    os_cloud: str | None = None
    kubeconfig: str | None = None
    kube_context: str | None = None
    neutron_backend: NeutronBackend | None = None
    openstack: bool = True
    kubernetes: bool = True
    helm: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S
    # The wall-clock budget of each phase (OpenStack, Kubernetes, Helm); None: phase_budget().
    phase_timeout_s: float | None = None
    environ: Mapping[str, str] | None = None
    progress: Progress | None = None
    clock: Callable[[], datetime] | None = None

    def env(self) -> Mapping[str, str]:
        """``environ``, or the process environment when it is None."""
        return os.environ if self.environ is None else self.environ


def kube_session(options: CollectOptions) -> Any:
    """A Kubernetes session as ``options`` say, for a long-running mode's own writes (Events, Lease)."""
    from kostack.collect._kube_api import open_session

    return open_session(
        options.kubeconfig,
        options.kube_context,
        in_cluster=None,
        environ=options.environ if options.environ is not None else {},
    )


@dataclass
class KeptConnection:
    """An OpenStack connection opened at first use and kept across cycles (watch, guard).

    ``secrets`` gathers what the connection holds (passwords, tokens) for redaction;
    the caller may share the set and add its own.
    """

    options: CollectOptions
    secrets: set[str] = field(default_factory=set)
    _conn: Any = None
    _count: Callable[[], int] | None = None

    def get(self) -> Any:
        if self._conn is None:
            self._conn = open_connection(
                self.options.os_cloud, environ=self.options.env(), timeout_s=self.options.timeout_s
            )
            self._count = count_requests(self._conn)
            self.secrets.update(secret_values(self._conn))
        return self._conn

    def requests(self) -> int:
        """Every request the open connection sent so far (reads and writes; 0 when closed)."""
        return int(self._count()) if self._count is not None else 0

    def close(self) -> None:
        if self._conn is not None:
            close_connection(self._conn)
        self._conn = None
        self._count = None


def collect_snapshot(options: CollectOptions) -> Snapshot:
    """Read OpenStack and Kubernetes as ``options`` say and return one Snapshot.

    Raises ConfigError (exit 2) for unusable configuration, AuthError or
    CollectError (exit 3) when a source cannot be reached or read at all.
    What could not be read in part is in ``snapshot.gaps`` (exit 4 for the CLI).
    """
    if not options.openstack and not options.kubernetes:
        raise ConfigError(Msg("col.nothing"), Msg("col.hint.nothing"))
    environ = options.env()
    progress = options.progress or (lambda _step: None)
    clock = options.clock or (lambda: datetime.now(UTC))
    secrets: set[str] = set()
    budget = options.phase_timeout_s or phase_budget(options.timeout_s)
    try:
        secrets |= kubeconfig_secrets(options.kubeconfig, environ) if options.kubernetes else set()
        openstack, os_gaps = (
            Phase("reading OpenStack", budget).run(
                lambda: _openstack(options, environ, progress, secrets)
            )
            if options.openstack
            else (None, ())
        )
        cluster, kube_gaps, identities = (
            Phase("reading Kubernetes", budget).run(lambda: _kubernetes(options, environ, progress))
            if options.kubernetes
            else (None, (), ())
        )
        helm, helm_gaps = (
            Phase("reading Helm releases", budget).run(lambda: _helm(options, environ, progress))
            if options.kubernetes and options.helm and cluster is not None
            else (None, ())
        )
    except KostackError as err:
        # Error texts may quote what they were given; never let a credential through.
        err.message = map_text(err.message, lambda text: redact(text, secrets))
        err.hint = map_text(err.hint, lambda text: redact(text, secrets))
        raise
    os_gaps = _without_unneeded_octavia_gaps(os_gaps, cluster, kube_gaps)
    node_ports, link_gaps = link_nodes(openstack, cluster, identities, (*os_gaps, *kube_gaps))
    snapshot = Snapshot(
        created_at=clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        source=source_label(openstack, options),
        openstack=openstack,
        cluster=cluster,
        node_ports=node_ports,
        gaps=(*os_gaps, *kube_gaps, *helm_gaps, *link_gaps),
        helm=helm,
    )
    return scrub_snapshot(snapshot, secrets)


# A phase makes a handful of requests (8 for OpenStack, about 15 for Kubernetes, plus
# pages): each is bounded by the per-request timeout; the phase by this many of them,
# and never less than a minute (a large cluster's pages add up).
PHASE_REQUESTS: Final = 10
PHASE_MIN_S: Final = 60.0


def phase_budget(timeout_s: float) -> float:
    """How long one collection phase may take in all."""
    return max(PHASE_MIN_S, PHASE_REQUESTS * timeout_s)


def _openstack(
    options: CollectOptions,
    environ: Mapping[str, str],
    progress: Progress,
    secrets: set[str],
) -> tuple[OpenStack, tuple[Gap, ...]]:
    progress("connecting to OpenStack")
    conn = open_connection(options.os_cloud, environ=environ, timeout_s=options.timeout_s)
    secrets |= secret_values(conn)  # (and the redactor at the output boundary has them)
    try:
        project = current_project(conn)
        progress("reading Neutron (networks, subnets, routers, ports, security groups)")
        record, gaps = collect_openstack(
            conn, project_scope=project, backend_hint=options.neutron_backend
        )
        progress("reading Octavia (load balancers, listeners, pools, health monitors)")
        octavia = collect_octavia(conn, project_scope=project, project_hint=_ports_project(record))
        record = record.model_copy(
            update={
                "load_balancers": octavia.load_balancers,
                "load_balancer_quota": octavia.quota,
            }
        )
        return record, (*gaps, *octavia.gaps)
    finally:
        close_connection(conn)


def _ports_project(record: OpenStack) -> str | None:
    """The one project owning every port read (whose Octavia quota matters), if there is one."""
    projects = {p.project_id for p in record.ports or () if p.project_id}
    return next(iter(projects)) if len(projects) == 1 else None


def _without_unneeded_octavia_gaps(
    gaps: tuple[Gap, ...], cluster: Cluster | None, kube_gaps: tuple[Gap, ...]
) -> tuple[Gap, ...]:
    """A cloud without Octavia is only a gap when the cluster has a Service of type LoadBalancer."""
    if cluster is None:
        # Kubernetes not read: a cloud without Octavia at all is normal, nothing to report.
        return tuple(
            g for g in gaps if not (g.source == OCTAVIA_SOURCE and g.error.startswith(NO_ENDPOINT))
        )
    if cluster.services is None or _failed("cluster.services", kube_gaps):
        return gaps
    if any(s.type == "LoadBalancer" for s in cluster.services):
        return gaps
    return tuple(g for g in gaps if g.source != OCTAVIA_SOURCE)


def _kubernetes(
    options: CollectOptions, environ: Mapping[str, str], progress: Progress
) -> tuple[Cluster, tuple[Gap, ...], tuple[NodeIdentity, ...]]:
    from kostack.collect.kubernetes import collect_kubernetes

    progress("reading Kubernetes")
    kube = collect_kubernetes(
        options.kubeconfig,
        options.kube_context,
        timeout_s=options.timeout_s,
        environ=environ,
        progress=progress,
    )
    return kube.cluster, kube.gaps, kube.nodes_raw


def _helm(
    options: CollectOptions, environ: Mapping[str, str], progress: Progress
) -> tuple[HelmState | None, tuple[Gap, ...]]:
    """Helm releases, PVCs and PVs (read without a helm binary); values' secrets are never kept."""
    from kostack.collect._kube_api import open_session
    from kostack.collect.helm import collect_helm

    progress("reading Helm releases and volumes")
    session = open_session(
        options.kubeconfig, options.kube_context, in_cluster=None, environ=environ
    )
    try:
        helm = collect_helm(
            session.client, logs=False, session=session, timeout_s=options.timeout_s
        )
    finally:
        session.close()
    return helm.state, helm.gaps


def link_nodes(
    openstack: OpenStack | None,
    cluster: Cluster | None,
    identities: Sequence[NodeIdentity],
    gaps: Sequence[Gap],
) -> tuple[tuple[NodePort, ...] | None, tuple[Gap, ...]]:
    """Match nodes to ports when both were read; a gap when a failure prevented it."""
    if openstack is None or cluster is None:
        return None, ()  # the user chose to collect one side only
    if openstack.ports is not None and cluster.nodes is not None:
        names = {n.name for n in cluster.nodes}
        return match_identities([i for i in identities if i.name in names], openstack.ports), ()
    missing = [part for part in ("openstack.ports", "cluster.nodes") if _failed(part, gaps)]
    what: str = (
        Msg("gap.link.both", first=missing[0], then=missing[1])
        if len(missing) == 2
        else (missing[0] if missing else Msg("gap.link.either"))
    )
    return None, (make_gap("node_ports", Msg("gap.link.failed", what=what), Msg("gap.hint.link")),)


def _failed(part: str, gaps: Sequence[Gap]) -> bool:
    return any(g.source == part or g.source.startswith(part + ".") for g in gaps)


def source_label(openstack: OpenStack | None, options: CollectOptions) -> str:
    """What the snapshot says it was read from (no credential, no URL)."""
    parts = []
    if openstack is not None:
        where = f"cloud {openstack.cloud}" if openstack.cloud else "OpenStack"
        project = openstack.project_name or openstack.project_id
        parts.append(f"{where}, project {project}" if project else where)
    if options.kubernetes:
        context = options.kube_context or "current context"
        parts.append(f"Kubernetes ({context})")
    return "kostack collect: " + "; ".join(parts)


# --------------------------------------------------------------------------- secrets


def kubeconfig_secrets(kubeconfig: str | None, environ: Mapping[str, str]) -> set[str]:
    """Credential strings in the kubeconfig files the collector will read (tokens, keys,
    passwords), as the collector finds those files (`~` expanded). Unreadable files give
    nothing: the Kubernetes collector reports those."""
    from kostack.collect._kube_api import kubeconfig_credentials  # the client loads on use

    found = kubeconfig_credentials(kubeconfig, environ)
    return {s for s in found if len(s) >= _MIN_SECRET_LENGTH}


def scrub_snapshot(snapshot: Snapshot, secrets: Iterable[str]) -> Snapshot:
    """Replace known credential values in every string of the snapshot (normally a no-op)."""
    known = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
    if not known:
        return snapshot
    data = snapshot.model_dump(mode="json")
    scrubbed = _replace(data, known)
    return snapshot if scrubbed == data else Snapshot.model_validate(scrubbed)


def _replace(node: Any, secrets: set[str]) -> Any:
    if isinstance(node, str):
        return redact(node, secrets)
    if isinstance(node, dict):
        return {_replace(k, secrets): _replace(v, secrets) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, secrets) for v in node]
    return node
