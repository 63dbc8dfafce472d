"""The workloads around Helm releases, from raw API JSON: PVCs, PVs, StatefulSets, pods, events.

Every message and log line kept goes through the release's Scrubber first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kubernetes.client.exceptions import ApiException

from kostack.collect._kube_objects import kube_ovn_of
from kostack.collect.helm_api import KubeReader, _gap, _raise_for_connection
from kostack.collect.helm_release import Scrubber, _labels, _text
from kostack.gap_words import Msg
from kostack.model.helm import VolumeSnapshot
from kostack.model.snapshot import (
    ContainerState,
    Gap,
    KubeEvent,
    PersistentVolume,
    PersistentVolumeClaim,
    StatefulSet,
    WorkloadPod,
)

# What a log line must mention to be worth keeping: kostack explains failures, not chatter.
ERROR_LINE = re.compile(
    r"error|fatal|panic|fail|refused|timeout|timed out|unreachable|no route|no such host|"
    r"denied|unauthori[sz]ed|forbidden|cannot|can't|unable|exception|back-off",
    re.IGNORECASE,
)
MAX_LOG_LINES = 8
MAX_LINE = 400


def _meta(item: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = item.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _pvc(item: Mapping[str, Any]) -> PersistentVolumeClaim:
    meta = _meta(item)
    spec = item.get("spec") or {}
    status = item.get("status") or {}
    return PersistentVolumeClaim(
        namespace=_text(meta.get("namespace")),
        name=_text(meta.get("name")),
        uid=_text(meta.get("uid")),
        storage_class=spec.get("storageClassName")
        if isinstance(spec.get("storageClassName"), str)
        else None,
        size=_text((status.get("capacity") or {}).get("storage"))
        or _text(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
        or None,
        access_modes=tuple(str(m) for m in spec.get("accessModes") or ()),
        phase=_text(status.get("phase")) or None,
        volume_name=_text(spec.get("volumeName")) or None,
        created=_text(meta.get("creationTimestamp")) or None,
        deleting=bool(meta.get("deletionTimestamp")),
        labels=_labels(meta.get("labels")),
        annotations={k: v[:1024] for k, v in _labels(meta.get("annotations")).items()},
        owner_refs=tuple(
            f"{r.get('kind')}/{r.get('name')}" for r in meta.get("ownerReferences") or ()
        ),
        resource_version=_text(meta.get("resourceVersion")) or None,
    )


def _volume_snapshot(item: Mapping[str, Any]) -> VolumeSnapshot:
    """A VolumeSnapshot as external-snapshotter's client/apis/volumesnapshot/v1 writes it."""
    meta = _meta(item)
    source = (item.get("spec") or {}).get("source") or {}
    status = item.get("status") or {}
    ready = status.get("readyToUse")
    return VolumeSnapshot(
        namespace=_text(meta.get("namespace")),
        name=_text(meta.get("name")),
        claim=_text(source.get("persistentVolumeClaimName")) or None,
        ready=ready if isinstance(ready, bool) else None,
        created=_text(status.get("creationTime")) or None,
        size=_text(status.get("restoreSize")) or None,
    )


def _pv(item: Mapping[str, Any]) -> PersistentVolume:
    meta = _meta(item)
    spec = item.get("spec") or {}
    claim = spec.get("claimRef") or {}
    source = None
    csi = spec.get("csi")
    if isinstance(csi, Mapping):
        source = f"csi {csi.get('driver')} {csi.get('volumeHandle')}"
    else:
        for key in ("hostPath", "local", "nfs", "cinder", "iscsi", "rbd", "cephfs"):
            if isinstance(spec.get(key), Mapping):
                detail = spec[key].get("path") or spec[key].get("volumeID") or ""
                source = f"{key} {detail}".strip()
                break
    return PersistentVolume(
        name=_text(meta.get("name")),
        uid=_text(meta.get("uid")),
        reclaim_policy=_text(spec.get("persistentVolumeReclaimPolicy")) or None,
        phase=_text((item.get("status") or {}).get("phase")) or None,
        claim_namespace=_text(claim.get("namespace")) or None,
        claim_name=_text(claim.get("name")) or None,
        claim_uid=_text(claim.get("uid")) or None,
        storage_class=_text(spec.get("storageClassName")) or None,
        capacity=_text((spec.get("capacity") or {}).get("storage")) or None,
        source=source,
        created=_text(meta.get("creationTimestamp")) or None,
        resource_version=_text(meta.get("resourceVersion")) or None,
    )


def _statefulset(item: Mapping[str, Any]) -> StatefulSet:
    meta = _meta(item)
    spec = item.get("spec") or {}
    status = item.get("status") or {}
    policy = spec.get("persistentVolumeClaimRetentionPolicy") or {}
    return StatefulSet(
        namespace=_text(meta.get("namespace")),
        name=_text(meta.get("name")),
        replicas=spec.get("replicas") if isinstance(spec.get("replicas"), int) else None,
        ready_replicas=status.get("readyReplicas", 0)
        if isinstance(status.get("readyReplicas", 0), int)
        else None,
        selector=_labels((spec.get("selector") or {}).get("matchLabels")),
        claim_templates=tuple(
            _text((t.get("metadata") or {}).get("name"))
            for t in spec.get("volumeClaimTemplates") or ()
        ),
        labels=_labels(meta.get("labels")),
        annotations={
            k: v
            for k, v in _labels(meta.get("annotations")).items()
            if k.startswith("meta.helm.sh/")
        },
        retention_when_deleted=_text(policy.get("whenDeleted")) or None,
        created=_text(meta.get("creationTimestamp")) or None,
    )


def _container(raw: Mapping[str, Any], scrub: Scrubber) -> ContainerState:
    state = raw.get("state") or {}
    last = (raw.get("lastState") or {}).get("terminated") or {}
    current_kind = next(
        (k for k in ("running", "waiting", "terminated") if state.get(k) is not None), ""
    )
    current = state.get(current_kind) or {} if current_kind else {}
    exit_code = last.get("exitCode")
    return ContainerState(
        name=_text(raw.get("name")),
        ready=bool(raw.get("ready")),
        started=raw.get("started") if isinstance(raw.get("started"), bool) else None,
        restart_count=int(raw.get("restartCount") or 0),
        state=current_kind,
        reason=_text(current.get("reason")),
        message=scrub(_text(current.get("message")))[:1024],
        last_reason=_text(last.get("reason")),
        last_exit_code=exit_code if isinstance(exit_code, int) else None,
        last_message=scrub(_text(last.get("message")))[:1024],
        last_finished=_text(last.get("finishedAt")) or None,
    )


def _pod(
    raw: Mapping[str, Any],
    reader: KubeReader | None,
    scrub: Scrubber,
    gaps: list[Gap],
) -> WorkloadPod:
    meta = _meta(raw)
    spec = raw.get("spec") or {}
    status = raw.get("status") or {}
    containers = tuple(_container(c, scrub) for c in status.get("containerStatuses") or ())
    ready_condition = next(
        (c for c in status.get("conditions") or () if c.get("type") == "Ready"), None
    )
    ready = None if ready_condition is None else ready_condition.get("status") == "True"
    owners = meta.get("ownerReferences") or ()
    owner = next((f"{o.get('kind')}/{o.get('name')}" for o in owners if o.get("controller")), None)
    namespace = _text(meta.get("namespace"))
    name = _text(meta.get("name"))
    lines: list[str] = []
    if reader is not None and ready is False:
        for container in containers:
            if container.ready:
                continue
            # A crash-looping container's story is in its previous run; a running one's is now.
            crashed = container.state != "running" and container.restart_count > 0
            order = (True, False) if crashed else (False, True)
            for previous in order:
                if previous and container.restart_count == 0:
                    continue
                found = error_lines(
                    _read_log(reader, namespace, name, container.name, previous, gaps), scrub
                )
                if found:
                    lines.extend(found)
                    break
    ip = _text(status.get("podIP")) or None
    return WorkloadPod(
        namespace=namespace,
        name=name,
        node=_text(spec.get("nodeName")) or None,
        ip=ip,
        phase=_text(status.get("phase")) or None,
        ready=ready,
        labels=_labels(meta.get("labels")),
        owner=owner,
        claims=tuple(
            _text((v.get("persistentVolumeClaim") or {}).get("claimName"))
            for v in spec.get("volumes") or ()
            if v.get("persistentVolumeClaim")
        ),
        containers=containers,
        log_lines=tuple(lines[-MAX_LOG_LINES:]),
        created=_text(meta.get("creationTimestamp")) or None,
        kube_ovn=kube_ovn_of(_labels(meta.get("annotations"))),
    )


def _read_log(
    reader: KubeReader,
    namespace: str,
    pod: str,
    container: str,
    previous: bool,
    gaps: list[Gap],
) -> str:
    try:
        return reader.pod_log(namespace, pod, container, previous)
    except ApiException as exc:
        if exc.status == 400:
            return ""  # no previous container (yet)
        _raise_for_connection(exc)
        gaps.append(
            _gap(
                "helm.pods.logs", exc, Msg("gap.what.in", resource="pods/log", namespace=namespace)
            )
        )
        return ""


def error_lines(text: str, scrub: Scrubber) -> list[str]:
    """The lines of a log that say what went wrong, scrubbed and shortened."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or not ERROR_LINE.search(line):
            continue
        line = scrub(line)
        out.append(line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "...")
    return list(dict.fromkeys(out))


def _event(raw: Mapping[str, Any], scrub: Scrubber) -> KubeEvent:
    involved = raw.get("involvedObject") or {}
    meta = _meta(raw)
    count = raw.get("count")
    return KubeEvent(
        namespace=_text(meta.get("namespace")) or _text(involved.get("namespace")),
        kind=_text(involved.get("kind")),
        name=_text(involved.get("name")),
        type=_text(raw.get("type")) or "Normal",
        reason=_text(raw.get("reason")),
        message=scrub(_text(raw.get("message")))[:1024],
        count=count if isinstance(count, int) else 1,
        last_seen=_text(raw.get("lastTimestamp")) or _text(meta.get("creationTimestamp")) or None,
    )
