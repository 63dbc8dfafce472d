"""Read Helm releases and the storage and workloads around them, without the helm binary.

Helm 3 and 4 keep each revision of a release in a Secret
`sh.helm.release.v1.<name>.v<revision>` (type `helm.sh/release.v1`, labels
owner=helm, name, status, version) whose `data.release` is base64 (by the
API) of base64 of gzip of the release JSON; with HELM_DRIVER=configmap in a
ConfigMap with one base64 less. This module lists them in all namespaces,
decodes them in memory and keeps only what kostack needs: status, history,
chart, the objects the manifest declares (with PVC and StatefulSet details)
and the *key paths* of the values. Values and the manifest text are dropped
at once; they hold passwords, keys and Secrets. Secret-looking values are
also scrubbed from every log line, event and message kept (a release's
password in a crash log never reaches the snapshot).

Then PVCs, PVs, StatefulSets, pods (with container states and the error
lines of their last logs) and Warning events of the namespaces that matter.
Only the official `kubernetes` client is used; no object of it leaves here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import kubernetes

from kostack.collect._kube_reader import fatal
from kostack.collect._kube_types import ReadFailure, Session
from kostack.collect.gap_texts import make_gap
from kostack.collect.helm_api import (
    PAGE_SIZE,
    REQUEST_TIMEOUT,
    SNAPSHOTS,
    KubeReader,
    _failure_gap,
    _hint,
)
from kostack.collect.helm_objects import _event, _pod, _pv, _pvc, _statefulset, _volume_snapshot
from kostack.collect.helm_release import (
    MAX_RELEASE_BYTES,
    RELEASE_TYPE,
    ReleaseDecodeError,
    ReleaseTooLarge,
    Scrubber,
    _text,
    decode_release,
    release_from_records,
    settings_of,
    trim_record,
)
from kostack.collect.texts import Msg, kubeconfig_yaml_error
from kostack.errors import CollectError, ConfigError
from kostack.gap_words import quoted
from kostack.model.helm import VolumeSnapshot
from kostack.model.snapshot import (
    Gap,
    HelmRelease,
    HelmState,
    KubeEvent,
    PersistentVolumeClaim,
    WorkloadPod,
)
from kostack.shell import command, render

# Scrubber, settings_of and decode_release moved to helm_release; the CLI, the benchmarks and
# the testkit still import them from here.
__all__ = [
    "HelmCollection",
    "Scrubber",
    "collect_helm",
    "decode_release",
    "load_client",
    "settings_of",
]

# The client's config loaders, untyped on purpose (no client object leaves here).
_config: Any = kubernetes.config

MAX_EVENTS_PER_NAMESPACE = 200


@dataclass
class HelmCollection:
    state: HelmState
    gaps: tuple[Gap, ...]


def collect_helm(
    api_client: Any,
    *,
    namespaces: Iterable[str] | None = None,
    context_namespace: str | None = None,
    logs: bool = True,
    volume_snapshots: bool = True,
    session: Session | None = None,
    page_size: int = PAGE_SIZE,
    timeout_s: float = REQUEST_TIMEOUT,
) -> HelmCollection:
    """Read releases (all namespaces, or only `namespaces`), PVCs, PVs, StatefulSets, pods, events.

    Raises AuthError on 401 and CollectError when the API cannot be reached;
    anything that is forbidden or missing becomes a Gap and the matching part
    of the state stays None (unknown), never empty. `volume_snapshots`: also read the CSI
    VolumeSnapshots where pods are read (the backups of the claims advice deletes; most
    clusters serve none, which is no gap). `session` (from
    `_kube_api.open_session`, for `api_client`) lets errors name the cluster
    and redact the kubeconfig's credentials.
    """
    reader = KubeReader(api_client, session, page_size, timeout_s)
    wanted = sorted(set(namespaces)) if namespaces is not None else None
    gaps: list[Gap] = []
    scrub = Scrubber()
    lister = _Lister(reader, list(wanted) if wanted is not None else [None], gaps)
    releases = _releases(lister.listing, scrub, gaps)
    pvc_items = lister.listing("helm.pvcs", "persistentvolumeclaims", "persistentvolumeclaims")
    pv_items = lister.guarded(
        "helm.pvs", Msg("gap.what.cluster", resource="persistentvolumes"), "persistentvolumes"
    )
    sts_items = lister.listing("helm.statefulsets", "statefulsets", "statefulsets")
    pvcs = tuple(_pvc(i) for i in pvc_items) if pvc_items is not None else None
    spots = _spots(releases, pvcs, wanted)
    pods = _pods(lister, spots, reader if logs else None, scrub)
    events = _events(lister, spots, scrub)
    snapshots = _volume_snapshots(lister, spots) if volume_snapshots else {}
    state = HelmState(
        releases=releases,
        pvcs=pvcs,
        pvs=tuple(_pv(i) for i in pv_items) if pv_items is not None else None,
        statefulsets=tuple(_statefulset(i) for i in sts_items) if sts_items is not None else None,
        pods=tuple(pods) if pods is not None else None,
        events=tuple(events) if events is not None else None,
        namespaces=tuple(wanted) if wanted is not None else None,
        context_namespace=context_namespace,
        **snapshots,
    )
    return HelmCollection(state, tuple(gaps))


@dataclass
class _Lister:
    """The lists of one collection, in its namespace scopes, with their failures as gaps."""

    reader: KubeReader
    scopes: list[str | None]
    gaps: list[Gap]

    def guarded(
        self,
        source: str,
        what: str,
        resource: str,
        namespace: str | None = None,
        query: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]] | None:
        """One list: a forbidden/missing resource is a gap (None); no API at all is fatal."""
        reader = self.reader
        try:
            items = reader.items(resource, namespace, **dict(query or {}))
        except ReadFailure as failure:
            # Rejected credentials and no API server at all end collection; the rest is a gap.
            error = fatal(failure, reader.session)
            if error is not None:
                raise error from None
            self.gaps.append(_failure_gap(source, failure, what))
            return None
        for request in reader.reader.inconsistent:
            self.gaps.append(
                make_gap(
                    source,
                    Msg("gap.kube.inconsistent", request=request),
                    Msg("gap.hint.collect-again"),
                )
            )
        reader.reader.inconsistent.clear()
        return items

    def listing(
        self, source: str, resource: str, what: str, query: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]] | None:
        """The list in every scope, concatenated; None as soon as one scope fails."""
        out: list[dict[str, Any]] = []
        for scope in self.scopes:
            got = self.guarded(source, what, resource, scope, query)
            if got is None:
                return None
            out.extend(got)
        return out


def _spots(
    releases: tuple[HelmRelease, ...] | None,
    pvcs: tuple[PersistentVolumeClaim, ...] | None,
    wanted: list[str] | None,
) -> list[str]:
    """Pods and events only where releases (or volumes a release labelled or annotated) are:
    a reinstall deletes no claim in a namespace whose pods it has not read."""
    spots = sorted(
        {r.namespace for r in releases or ()}
        | {
            p.namespace
            for p in pvcs or ()
            if p.labels.get("release")
            or p.labels.get("app.kubernetes.io/instance")
            or p.annotations.get("meta.helm.sh/release-name")
        }
    )
    if wanted is not None:
        spots = [s for s in spots if s in wanted]
    return spots


def _pods(
    lister: _Lister,
    spots: list[str],
    reader: KubeReader | None,
    scrub: Scrubber,
) -> list[WorkloadPod] | None:
    """The pods of those namespaces (with their logs' error lines when `reader`); None if one fails."""
    pods: list[WorkloadPod] = []
    for namespace in spots:
        raw_pods = lister.guarded(
            "helm.pods", Msg("gap.what.in", resource="pods", namespace=namespace), "pods", namespace
        )
        if raw_pods is None:
            return None
        pods.extend(_pod(raw, reader, scrub, lister.gaps) for raw in raw_pods)
    return pods


def _events(lister: _Lister, spots: list[str], scrub: Scrubber) -> list[KubeEvent] | None:
    """The newest Warning events of those namespaces; None if one list fails."""
    events: list[KubeEvent] = []
    for namespace in spots:
        raw_events = lister.guarded(
            "helm.events",
            Msg("gap.what.in", resource="events", namespace=namespace),
            "events",
            namespace,
            {"field_selector": "type=Warning"},
        )
        if raw_events is None:
            return None
        raw_events.sort(
            key=lambda e: (
                _text(e.get("lastTimestamp"))
                or _text((e.get("metadata") or {}).get("creationTimestamp"))
            )
        )
        events.extend(_event(e, scrub) for e in raw_events[-MAX_EVENTS_PER_NAMESPACE:])
    return events


def _volume_snapshots(lister: _Lister, spots: list[str]) -> dict[str, Any]:
    """The CSI VolumeSnapshots of those namespaces (the backups claims may have), as HelmState
    fields. No check needs them, so no failure is a gap of the collection: no API (404) means
    none; a namespace whose list fails is unread, with its own gap (403: the RBAC to grant)."""
    found: list[VolumeSnapshot] = []
    unread: dict[str, Gap] = {}
    reader = lister.reader
    for namespace in spots:
        try:
            found.extend(map(_volume_snapshot, reader.items("volumesnapshots", namespace)))
        except ReadFailure as failure:
            error = fatal(failure, reader.session)
            if error is not None:
                raise error from None
            if failure.kind == "not_found":  # the API server serves no snapshot.storage.k8s.io/v1
                return {"volume_snapshots": (), "volume_snapshot_api": False}
            can_i = command(("kubectl", "auth", "can-i"), ("list", SNAPSHOTS), ("-n", namespace))
            hint = Msg("gap.hint.snapshots.forbidden", namespace=namespace, command=render(can_i))
            what = Msg("gap.what.in", resource=SNAPSHOTS, namespace=namespace)
            if failure.status != 403:
                hint = _hint(failure.status, what, expired=failure.kind == "expired")
            unread[namespace] = make_gap("helm.volumesnapshots", failure.error, hint)
        for request in reader.reader.inconsistent:  # changed while paged: one may be missing
            unread[namespace] = make_gap(
                "helm.volumesnapshots",
                Msg("gap.kube.inconsistent", request=request),
                Msg("gap.hint.collect-again"),
            )
        reader.reader.inconsistent.clear()
    return {
        "volume_snapshots": tuple(s for s in found if s.namespace not in unread),
        "volume_snapshots_in": tuple(ns for ns in spots if ns not in unread),
        "volume_snapshots_unread": unread,
    }


def _releases(
    listing: Callable[..., list[dict[str, Any]] | None], scrub: Scrubber, gaps: list[Gap]
) -> tuple[HelmRelease, ...] | None:
    secrets = listing(
        "helm.releases",
        "secrets",
        Msg("gap.what.labelled", resource="secrets", label="owner=helm"),
        {"label_selector": "owner=helm", "field_selector": f"type={RELEASE_TYPE}"},
    )
    if secrets is None:
        return None
    configmaps = listing(
        "helm.releases.configmaps",
        "configmaps",
        Msg("gap.what.labelled", resource="configmaps", label="owner=helm"),
        {"label_selector": "owner=helm"},
    )
    # Each revision is cut to what kostack reads as soon as it is decoded (the chart's templates
    # and files, often most of a release, are never kept), and only the newest revision of each
    # release keeps its manifest and values: memory grows with releases, not with revisions.
    grouped: dict[tuple[str, str, str], list[tuple[dict[str, Any], str, str | None]]] = {}
    newest: dict[tuple[str, str, str], tuple[int, int, dict[str, Any]]] = {}
    for storage, items, double in (
        ("secret", secrets, True),
        ("configmap", configmaps or [], False),
    ):
        for item in items:
            meta = item.get("metadata") or {}
            # taken out of the listing: the encoded release is freed once decoded
            raw = item.get("data")
            data = _text(raw.pop("release", None)) if isinstance(raw, dict) else ""
            if not data:
                continue
            name = f"{meta.get('namespace')}/{meta.get('name')}"
            try:
                record = decode_release(data, double_base64=double)
                # The values hold the secrets: learn them for scrubbing, then never keep them.
                _learn_values(record, scrub)
            except ReleaseDecodeError as exc:
                gaps.append(_undecodable(storage, name, exc))
                continue
            record.setdefault("namespace", meta.get("namespace"))
            key = (_text(record.get("namespace")), _text(record.get("name")), storage)
            records = grouped.setdefault(key, [])
            revision = _revision(record)
            head = newest.get(key)
            if head is None or revision >= head[0]:  # ties: the later one, as sorting keeps them
                newest[key] = (revision, len(records), trim_record(record, keep_content=True))
            records.append(
                (trim_record(record), _text(meta.get("name")), meta.get("resourceVersion"))
            )
    for key, (_, index, record) in newest.items():
        _, storage_object, version = grouped[key][index]
        grouped[key][index] = (record, storage_object, version)
    out = []
    for key, records in grouped.items():
        try:
            out.append(release_from_records(records, key[2], scrub))
        except (ValueError, TypeError, AttributeError, RecursionError) as exc:
            # JSON that is not a release's shape (Helm could not read it either)
            said = ReleaseDecodeError(Msg("gap.helm.misshapen", error=type(exc).__name__))
            gaps.append(_undecodable(key[2], f"{key[0]}/{key[1]}", said))
    out.sort(key=lambda r: (r.namespace, r.name))
    return tuple(out)


def _revision(record: Mapping[str, Any]) -> int:
    """The revision number as the release's history orders it (0 when unreadable)."""
    try:
        return int(record.get("version") or 0)
    except (TypeError, ValueError):
        return 0


def _learn_values(record: Mapping[str, Any], scrub: Scrubber) -> None:
    """Learn the secrets in a release's values (too deep to walk: ReleaseDecodeError)."""
    chart = record.get("chart")
    try:
        scrub.learn(record.get("config") or {})
        scrub.learn((chart.get("values") if isinstance(chart, Mapping) else None) or {})
    except RecursionError as exc:
        raise ReleaseDecodeError(Msg("gap.helm.too-deep")) from exc


def _undecodable(storage: str, name: str, exc: ReleaseDecodeError) -> Gap:
    """The gap of one storage object (or release) kostack cannot read."""
    if isinstance(exc, ReleaseTooLarge):
        return make_gap(
            "helm.releases",
            Msg("gap.helm.too-large", storage=storage, name=name, mib=MAX_RELEASE_BYTES >> 20),
            Msg("gap.hint.helm.too-large"),
        )
    return make_gap(
        "helm.releases",
        Msg("gap.helm.undecodable", storage=storage, name=name, error=quoted(exc.args[0])),
        Msg("gap.hint.helm.undecodable"),
    )


def load_client(
    kubeconfig: str | None = None, context: str | None = None
) -> tuple[Any, str | None]:
    """An ApiClient for the kubeconfig (KUBECONFIG / ~/.kube/config) and the context's namespace."""
    import yaml as _yaml

    from kostack.collect._kube_api import remember_kubeconfig

    remember_kubeconfig(kubeconfig, os.environ)
    try:
        contexts, active = _config.list_kube_config_contexts(config_file=kubeconfig)
        chosen = (
            next((c for c in contexts if c.get("name") == context), None) if context else active
        )
        namespace = ((chosen or {}).get("context") or {}).get("namespace") or "default"
        # open_session keeps credentials out of logs (the official loader logs exec-plugin stderr)
        from kostack.collect._kube_api import open_session

        client = open_session(kubeconfig, context, in_cluster=None, environ=os.environ).client
    except (_yaml.YAMLError, RecursionError) as exc:
        # yaml's message quotes the offending line, which may hold a token: give the place only
        shown = kubeconfig or os.environ.get("KUBECONFIG") or "~/.kube/config"
        raise ConfigError(*kubeconfig_yaml_error(shown, exc)) from None
    except (_config.ConfigException, OSError, TypeError, ValueError) as exc:
        raise CollectError(Msg("col.kc.helm", detail=str(exc)), Msg("col.hint.kc.helm")) from exc
    return client, namespace
