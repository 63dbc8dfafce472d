"""Where each pass's snapshot comes from: Neutron and Kubernetes listed, or a snapshot file.

`LiveReader` lists Neutron with the same constant number of list calls as
`kostack collect` (one GET per collection: extensions, ports, routers,
networks, subnets, security groups with their rules, agents; pages only
past 1,000 items), never one request per node, and reads the cluster the
same way (nodes, pods, services and the CNI's objects, paged). The
OpenStack connection is kept between passes (one Keystone token while it
is valid, and `writer()` updates through the same session) and rebuilt
after a failure. `FileReader` reads ``--snapshot FILE`` (audit only).

A reading that misses the core of a source (Neutron's ports and security
groups, the cluster's nodes) raises: guard has nothing to decide on. Other
gaps stay in the snapshot, and removals are held while there are any.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kostack.apply.neutron import Neutron
from kostack.catalog import Msg, map_text, register
from kostack.collect.live import (
    CollectOptions,
    KeptConnection,
    kubeconfig_secrets,
    link_nodes,
    scrub_snapshot,
)
from kostack.collect.openstack import (
    collect_openstack,
    current_project,
    redact,
)
from kostack.errors import CollectError, ConfigError, KostackError
from kostack.gap_words import quoted
from kostack.model import Snapshot, SnapshotFormatError, load_snapshot
from kostack.snapshot_words import snapshot_said

__all__ = ["FileReader", "LiveReader", "Reader", "Reading"]

register(
    {
        "guard.err.ports": {
            "en": "Neutron's ports or security groups could not be listed{why}",
            "ko": "Neutron의 포트나 보안 그룹 목록을 읽지 못했습니다{why}",
        },
        "guard.hint.ports": {
            "en": "check Neutron's health (`openstack port list`)",
            "ko": "Neutron 상태를 확인하세요(`openstack port list`)",
        },
        "guard.err.nodes": {
            "en": "the cluster's nodes could not be listed{why}",
            "ko": "클러스터의 노드 목록을 읽지 못했습니다{why}",
        },
        "guard.hint.nodes": {
            "en": "check the API server (`kubectl get nodes`)",
            "ko": "API 서버를 확인하세요(`kubectl get nodes`)",
        },
        "guard.err.why": {"en": ": {error}", "ko": ": {error}"},
    }
)


def _why(error: str) -> str:
    """ ": ERROR" after a message (a collector's words, quoted in Korean), or nothing."""
    return Msg("guard.err.why", error=quoted(error)) if error else ""


@dataclass(frozen=True)
class Reading:
    snapshot: Snapshot
    openstack_requests: int = 0
    kubernetes_requests: int = 0
    seconds: float = 0.0


class Reader:
    """What the loop needs of a source."""

    def read(self) -> Reading:
        raise NotImplementedError

    def writer(self) -> Neutron | None:
        """Neutron updates through the reader's connection (None: read-only source)."""
        return None

    def close(self) -> None:
        """Release connections."""


@dataclass
class FileReader(Reader):
    path: Path

    def read(self) -> Reading:
        started = time.monotonic()
        try:
            snapshot = load_snapshot(self.path)
        except SnapshotFormatError as exc:  # the loader says every OS error as one too
            raise ConfigError(*snapshot_said(exc, self.path)) from exc
        return Reading(snapshot, seconds=time.monotonic() - started)


@dataclass
class LiveReader(Reader):
    options: CollectOptions
    _secrets: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._link = KeptConnection(self.options, self._secrets)

    def read(self) -> Reading:
        from kostack.collect.kubernetes import collect_kubernetes

        started = time.monotonic()
        before = 0
        try:
            conn = self._link.get()
            before = self._link.requests()
            project = current_project(conn)
            openstack, os_gaps = collect_openstack(
                conn, project_scope=project, backend_hint=self.options.neutron_backend
            )
        except KostackError as err:
            self._link.close()
            err.message = map_text(err.message, lambda t: redact(t, self._secrets))
            err.hint = map_text(err.hint, lambda t: redact(t, self._secrets))
            raise
        requests = self._link.requests() - before
        core = [g for g in os_gaps if g.source in ("openstack.ports", "openstack.security_groups")]
        if openstack.ports is None or openstack.security_groups is None:
            self._link.close()
            gap = core[0] if core else None
            raise CollectError(
                Msg("guard.err.ports", why=_why(gap.error if gap else "")),
                gap.hint if gap else Msg("guard.hint.ports"),
            )
        self._secrets |= kubeconfig_secrets(self.options.kubeconfig, self.options.env())
        kube = collect_kubernetes(
            self.options.kubeconfig,
            self.options.kube_context,
            timeout_s=self.options.timeout_s,
            environ=self.options.env(),
        )
        if kube.cluster.nodes is None:
            gap = next((g for g in kube.gaps if g.source.startswith("cluster.nodes")), None)
            raise CollectError(
                Msg("guard.err.nodes", why=_why(gap.error if gap else "")),
                gap.hint if gap else Msg("guard.hint.nodes"),
            )
        node_ports, link_gaps = link_nodes(
            openstack, kube.cluster, kube.nodes_raw, (*os_gaps, *kube.gaps)
        )
        snapshot = Snapshot(
            created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            source="kostack guard",
            openstack=openstack,
            cluster=kube.cluster,
            node_ports=node_ports,
            gaps=(*os_gaps, *kube.gaps, *link_gaps),
        )
        return Reading(
            scrub_snapshot(snapshot, self._secrets),
            openstack_requests=requests,
            kubernetes_requests=kube.api_requests,
            seconds=time.monotonic() - started,
        )

    def writer(self) -> Neutron:
        return Neutron(self._link.get())

    def requests(self) -> int:
        """Every request the OpenStack connection sent so far (reads and writes)."""
        return self._link.requests()

    def close(self) -> None:
        self._link.close()
