"""Where each cycle's snapshot comes from: a file read again every cycle, or live collection.

`SnapshotSource` reads ``--snapshot FILE`` every cycle (edit the file, and
the next cycle sees it). `LiveSource` reads OpenStack and Kubernetes
read-only, as `kostack collect` does (without Helm releases), each source on
its own so that one being down shows as ``up{source}=0`` for that source
only. The OpenStack connection is kept across cycles (one Keystone token
while it is valid) and rebuilt after a failure; Kubernetes is re-listed
every cycle, paged, with the same constant number of list calls whatever
the node count.

A source is *up* when its core listing was read: Neutron's ports, the
cluster's nodes (other parts that fail are gaps: UNKNOWN findings, counted
in ``kostack_collect_gaps``). An API server that answers every request with
an error, or too slowly, is therefore down, as is one that cannot be reached.
A cycle gets a snapshot only when every source was read: with a source
down there is nothing new to diagnose, and the last diagnosis stays
published (the sources' ``up`` and the readiness say it is stale).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kostack.catalog import map_text
from kostack.collect.live import (
    CollectOptions,
    KeptConnection,
    kubeconfig_secrets,
    link_nodes,
    phase_budget,
    scrub_snapshot,
    source_label,
)
from kostack.collect.openstack import (
    collect_openstack,
    current_project,
    redact,
)
from kostack.deadline import Phase
from kostack.errors import KostackError
from kostack.gap_words import Msg, error_of, hint_of
from kostack.model import Snapshot, SnapshotFormatError, load_snapshot
from kostack.model.snapshot import Gap
from kostack.snapshot_words import snapshot_said
from kostack.watch.state import SourceStatus

__all__ = ["Collected", "LiveSource", "SnapshotSource", "Source"]


@dataclass(frozen=True)
class Collected:
    """One cycle's reading: the snapshot (None when a source could not be read) and how it went."""

    snapshot: Snapshot | None
    statuses: tuple[SourceStatus, ...]


class Source:
    """What the loop needs of a source."""

    names: tuple[str, ...] = ()

    def collect(self) -> Collected:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections (the loop calls it once, when stopping)."""


class SnapshotSource(Source):
    """``--snapshot FILE``, read again each cycle."""

    names = ("snapshot",)

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def collect(self) -> Collected:
        started = time.monotonic()
        try:
            snapshot = load_snapshot(self.path)
        except SnapshotFormatError as exc:  # the loader says every OS error as one too
            error, hint = snapshot_said(exc, self.path)
        else:
            return Collected(snapshot, (_read("snapshot", started, snapshot.gaps),))
        status = SourceStatus("snapshot", False, time.monotonic() - started, error=error, hint=hint)
        return Collected(None, (status,))


def _core_missing(name: str, part: str, gaps: tuple[Gap, ...], started: float) -> SourceStatus:
    """A source that answered but not its core listing (Neutron ports, Kubernetes nodes): down."""
    gap = next((g for g in gaps if g.source == part), None)
    error = Msg("gap.at", source=part, error=error_of(gap)) if gap else f"{part} was not read"
    return SourceStatus(
        name,
        False,
        time.monotonic() - started,
        gaps=len(gaps),
        error=error,
        hint=hint_of(gap) if gap else "",
    )


def _read(name: str, started: float, gaps: tuple[Gap, ...], requests: int = 0) -> SourceStatus:
    """A source that was read: up, with the first gap's error and hint (read but not whole)."""
    gap = gaps[0] if gaps else None
    return SourceStatus(
        name,
        True,
        time.monotonic() - started,
        requests,
        gaps=len(gaps),
        error=Msg("gap.at", source=gap.source, error=error_of(gap)) if gap else "",
        hint=hint_of(gap) if gap else "",
    )


@dataclass
class LiveSource(Source):
    """OpenStack and Kubernetes, read-only, as the options say (the same options as collect)."""

    options: CollectOptions
    _secrets: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._link = KeptConnection(self.options, self._secrets)
        names = []
        if self.options.openstack:
            names.append("openstack")
        if self.options.kubernetes:
            names.append("kubernetes")
        self.names = tuple(names)

    def collect(self) -> Collected:
        statuses: list[SourceStatus] = []
        openstack = os_gaps = None
        if self.options.openstack:
            openstack, os_gaps, status = self._openstack()
            statuses.append(status)
        cluster = kube_gaps = identities = None
        if self.options.kubernetes:
            cluster, kube_gaps, identities, status = self._kubernetes()
            statuses.append(status)
        if not all(s.up for s in statuses):
            return Collected(None, tuple(statuses))
        node_ports, link_gaps = link_nodes(
            openstack, cluster, identities or (), (*(os_gaps or ()), *(kube_gaps or ()))
        )
        snapshot = Snapshot(
            created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            source=source_label(openstack, self.options).replace(
                "kostack collect", "kostack watch"
            ),
            openstack=openstack,
            cluster=cluster,
            node_ports=node_ports,
            gaps=(*(os_gaps or ()), *(kube_gaps or ()), *link_gaps),
        )
        return Collected(scrub_snapshot(snapshot, self._secrets), tuple(statuses))

    def _openstack(self) -> tuple[Any, Any, SourceStatus]:
        started = time.monotonic()
        before = 0

        def read() -> Any:
            conn = self._link.get()
            nonlocal before
            before = self._link.requests()
            project = current_project(conn)
            return collect_openstack(
                conn, project_scope=project, backend_hint=self.options.neutron_backend
            )

        try:
            # every request has its own hard deadline; the whole reading has a budget too
            record, gaps = self._phase("reading OpenStack").run(read)
        except KostackError as err:
            requests = self._link.requests() - before
            self._link.close()
            return None, None, self._down("openstack", started, err, requests)
        except Exception as exc:  # a collector's bug on an answer nobody foresaw: not read
            self._link.close()
            return None, None, self._broken("openstack", started, exc)
        if record.ports is None:  # nothing to diagnose without the ports: the source is down
            self._link.close()
            return None, None, _core_missing("openstack", "openstack.ports", gaps, started)
        return record, gaps, _read("openstack", started, gaps, self._link.requests() - before)

    def _kubernetes(self) -> tuple[Any, Any, Any, SourceStatus]:
        from kostack.collect.kubernetes import collect_kubernetes

        started = time.monotonic()
        try:
            self._secrets |= kubeconfig_secrets(self.options.kubeconfig, self.options.env())
            kube = self._phase("reading Kubernetes").run(
                lambda: collect_kubernetes(
                    self.options.kubeconfig,
                    self.options.kube_context,
                    timeout_s=self.options.timeout_s,
                    environ=self.options.env(),
                )
            )
        except KostackError as err:
            return None, None, None, self._down("kubernetes", started, err)
        except Exception as exc:  # as for OpenStack: down, said, never "up" left over
            return None, None, None, self._broken("kubernetes", started, exc)
        if kube.cluster.nodes is None:  # an API server that answers errors to everything
            return (
                None,
                None,
                None,
                _core_missing("kubernetes", "cluster.nodes", kube.gaps, started),
            )
        status = _read("kubernetes", started, kube.gaps, kube.api_requests)
        return kube.cluster, kube.gaps, kube.nodes_raw, status

    def _down(
        self, name: str, started: float, err: KostackError, requests: int = 0
    ) -> SourceStatus:
        """A source that could not be read: down, with its error and hint (secrets redacted)."""
        return SourceStatus(
            name,
            False,
            time.monotonic() - started,
            requests,
            error=map_text(err.message, lambda t: redact(t, self._secrets)),
            hint=map_text(err.hint, lambda t: redact(t, self._secrets)),
        )

    def _broken(self, name: str, started: float, exc: Exception) -> SourceStatus:
        """A source whose reading failed on an unexpected error: down, with the error
        (redacted), so ``kostack_up`` says 0 instead of the last cycle's 1."""
        error = redact(f"{type(exc).__name__}: {exc}", self._secrets)
        return SourceStatus(name, False, time.monotonic() - started, error=error)

    def _phase(self, what: str) -> Phase:
        return Phase(what, self.options.phase_timeout_s or phase_budget(self.options.timeout_s))

    def close(self) -> None:
        self._link.close()
