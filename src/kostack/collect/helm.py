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

import base64
import binascii
import gzip
import json
import os
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import kubernetes
import yaml
from kubernetes.client.exceptions import ApiException

from kostack.collect._kube_api import Reader, ReadFailure, Session, fatal
from kostack.deadline import GRACE_S, DeadlineExceeded, within
from kostack.errors import AuthError, CollectError
from kostack.model.snapshot import (
    ClaimTemplate,
    ContainerState,
    Gap,
    HelmRelease,
    HelmRevision,
    HelmState,
    KubeEvent,
    ManifestObject,
    ManifestPVC,
    ManifestStatefulSet,
    PersistentVolume,
    PersistentVolumeClaim,
    StatefulSet,
    WorkloadPod,
)
from kostack.redact import redact, remember

# The client's config loaders and API classes, untyped on purpose (no client object leaves here).
_config: Any = kubernetes.config
_client: Any = kubernetes.client

RELEASE_TYPE = "helm.sh/release.v1"
STATUSES = frozenset(
    {
        "unknown",
        "deployed",
        "uninstalled",
        "superseded",
        "failed",
        "uninstalling",
        "pending-install",
        "pending-upgrade",
        "pending-rollback",
    }
)
# Value keys kostack may keep (their values): how the chart names things and whether it keeps state.
SETTINGS = (
    "nameOverride",
    "fullnameOverride",
    "persistence.enabled",
    "persistence.resourcePolicy",
    "persistence.persistentVolumeClaim.registry.existingClaim",
    "persistence.persistentVolumeClaim.jobservice.jobLog.existingClaim",
    "persistence.persistentVolumeClaim.database.existingClaim",
    "persistence.persistentVolumeClaim.redis.existingClaim",
    "persistence.persistentVolumeClaim.trivy.existingClaim",
    "database.type",
    "redis.type",
    "trivy.enabled",
    "trivy.replicas",
    "architecture",
    "primary.persistence.enabled",
    "primary.persistence.existingClaim",
)
# A key path whose last part matches is treated as secret (over-matching is fine).
SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|key|cert|credential|htpasswd|auth|private|salt|"
    r"dsn|connection.?string|signature|cookie|session|bearer|apikey",
    re.IGNORECASE,
)
# What a log line must mention to be worth keeping: kostack explains failures, not chatter.
ERROR_LINE = re.compile(
    r"error|fatal|panic|fail|refused|timeout|timed out|unreachable|no route|no such host|"
    r"denied|unauthori[sz]ed|forbidden|cannot|can't|unable|exception|back-off",
    re.IGNORECASE,
)
MAX_LOG_LINES = 8
MAX_LINE = 400
MAX_EVENTS_PER_NAMESPACE = 200


@dataclass
class Scrubber:
    """Removes secret-looking values seen in release values from any text kostack keeps."""

    secrets: set[str] = field(default_factory=set)

    def learn(self, values: Any, path: str = "") -> None:
        if isinstance(values, Mapping):
            for key, value in values.items():
                self.learn(value, f"{path}.{key}" if path else str(key))
        elif isinstance(values, list):
            for item in values:
                self.learn(item, path)
        elif isinstance(values, str) and len(values) >= 4 and is_secret_key(path):
            self.secrets.add(values)
            self.secrets.add(base64.b64encode(values.encode()).decode())
            remember(values)  # and at the output boundary, wherever it turns up later

    def learn_secret_object(self, doc: Mapping[str, Any]) -> None:
        """A Secret in a release manifest: every value of its data and stringData."""
        for key in ("data", "stringData"):
            data = doc.get(key)
            if not isinstance(data, Mapping):
                continue
            for value in data.values():
                if not isinstance(value, str) or len(value) < 4:
                    continue
                self.secrets.add(value)
                remember(value)
                if key == "data":
                    try:
                        plain = base64.b64decode(value, validate=True).decode()
                    except (binascii.Error, ValueError, UnicodeDecodeError):
                        continue
                    if len(plain.strip()) >= 4:
                        self.secrets.add(plain.strip())
                        remember(plain)

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, "[redacted]")
        return _redact_patterns(text)


_PATTERNS = (
    (re.compile(r"-----BEGIN [A-Z ]+-----.*?(-----END [A-Z ]+-----|$)", re.S), "[redacted key]"),
    (re.compile(r"(?i)(authorization:\s*bearer\s+)\S+"), r"\1[redacted]"),
    (
        re.compile(
            r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(?i)(://[^:/@\s]+:)[^@/\s]+@"), r"\1[redacted]@"),
)


def _redact_patterns(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def is_secret_key(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    return bool(SECRET_KEY.search(last))


# --------------------------------------------------------------------------- release decoding


class ReleaseDecodeError(ValueError):
    """A storage object that does not hold a readable Helm release."""


def decode_release(data: str, *, double_base64: bool = True) -> dict[str, Any]:
    """Decode `data.release` of a Helm storage object into the release JSON (as a dict).

    Secrets: base64 (Kubernetes) of base64 of gzip of JSON. ConfigMaps: base64
    of gzip of JSON. Releases stored before Helm compressed them are plain JSON
    after the base64.
    """
    try:
        raw = base64.b64decode(data, validate=True)
        if double_base64:
            raw = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ReleaseDecodeError(f"not base64: {exc}") from exc
    if raw[:3] == b"\x1f\x8b\x08":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ReleaseDecodeError(f"not gzip: {exc}") from exc
    try:
        decoded = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReleaseDecodeError(f"not JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise ReleaseDecodeError("the release is not a JSON object")
    return decoded


def value_paths(values: Any, prefix: str = "") -> list[str]:
    """Dotted key paths of the leaves of a values tree (lists as `path[]`)."""
    out: list[str] = []
    if isinstance(values, Mapping):
        for key, value in values.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, Mapping) and value:
                out.extend(value_paths(value, path))
            elif isinstance(value, list) and value and any(isinstance(v, Mapping) for v in value):
                for item in value:
                    out.extend(value_paths(item, path + "[]"))
            else:
                out.append(path)
    return sorted(dict.fromkeys(out))


def _lookup(values: Any, path: str) -> Any:
    node = values
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def settings_of(config: Any, defaults: Any) -> dict[str, str]:
    """The allow-listed naming/persistence settings in effect (values over chart defaults)."""
    out: dict[str, str] = {}
    for key in SETTINGS:
        value = _lookup(config, key)
        if value is None:
            value = _lookup(defaults, key)
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            out[key] = str(value)
        elif isinstance(value, str) and value and len(value) <= 253:
            out[key] = value
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _time(value: Any) -> str | None:
    text = _text(value)
    return text or None


def revision_of(record: Mapping[str, Any], storage_object: str) -> HelmRevision:
    info = record.get("info") or {}
    chart_meta = (record.get("chart") or {}).get("metadata") or {}
    status = _text(info.get("status")) or "unknown"
    return HelmRevision(
        revision=int(record.get("version") or 1),
        status=status if status in STATUSES else "unknown",
        chart=_text(chart_meta.get("name")),
        chart_version=_text(chart_meta.get("version")),
        app_version=_text(chart_meta.get("appVersion")),
        first_deployed=_time(info.get("first_deployed")),
        last_deployed=_time(info.get("last_deployed")),
        deleted=_time(info.get("deleted")),
        description=_text(info.get("description"))[:2048],
        storage_object=storage_object,
    )


def manifest_parts(
    manifest: str, namespace: str, scrub: Scrubber | None = None
) -> tuple[tuple[ManifestObject, ...], tuple[ManifestPVC, ...], tuple[ManifestStatefulSet, ...]]:
    """The objects a manifest declares; only names, labels and storage facts are kept.

    The data of the Secrets it declares is handed to ``scrub`` (and never kept).
    """
    objects: list[ManifestObject] = []
    pvcs: list[ManifestPVC] = []
    sets: list[ManifestStatefulSet] = []
    try:
        documents = list(yaml.safe_load_all(manifest))
    except yaml.YAMLError:
        return (), (), ()
    for doc in documents:
        if not isinstance(doc, Mapping):
            continue
        kind = _text(doc.get("kind"))
        if kind == "Secret" and scrub is not None:
            scrub.learn_secret_object(doc)
        meta = doc.get("metadata") or {}
        if not kind or not isinstance(meta, Mapping) or not _text(meta.get("name")):
            continue
        name = _text(meta.get("name"))
        ns = _text(meta.get("namespace")) or None
        annotations = meta.get("annotations") or {}
        keep = (
            isinstance(annotations, Mapping)
            and annotations.get("helm.sh/resource-policy") == "keep"
        )
        objects.append(
            ManifestObject(
                api_version=_text(doc.get("apiVersion")),
                kind=kind,
                name=name,
                namespace=ns,
                keep=keep,
            )
        )
        spec = doc.get("spec") or {}
        if not isinstance(spec, Mapping):
            continue
        if kind == "PersistentVolumeClaim":
            pvcs.append(
                ManifestPVC(
                    namespace=ns,
                    name=name,
                    labels=_labels(meta.get("labels")),
                    keep=keep,
                    size=_text(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
                    or None,
                    storage_class=spec.get("storageClassName")
                    if isinstance(spec.get("storageClassName"), str)
                    else None,
                )
            )
        elif kind == "StatefulSet":
            templates = []
            for template in spec.get("volumeClaimTemplates") or []:
                if not isinstance(template, Mapping):
                    continue
                tmeta = template.get("metadata") or {}
                tspec = template.get("spec") or {}
                templates.append(
                    ClaimTemplate(
                        name=_text(tmeta.get("name")),
                        labels=_labels(tmeta.get("labels")),
                        size=_text(
                            ((tspec.get("resources") or {}).get("requests") or {}).get("storage")
                        )
                        or None,
                        storage_class=tspec.get("storageClassName")
                        if isinstance(tspec.get("storageClassName"), str)
                        else None,
                    )
                )
            pod_spec = (spec.get("template") or {}).get("spec") or {}
            claims = tuple(
                _text((v.get("persistentVolumeClaim") or {}).get("claimName"))
                for v in pod_spec.get("volumes") or []
                if isinstance(v, Mapping) and v.get("persistentVolumeClaim")
            )
            replicas = spec.get("replicas")
            sets.append(
                ManifestStatefulSet(
                    namespace=ns,
                    name=name,
                    replicas=replicas if isinstance(replicas, int) else None,
                    selector=_labels((spec.get("selector") or {}).get("matchLabels")),
                    claim_templates=tuple(t for t in templates if t.name),
                    claim_volumes=tuple(c for c in claims if c),
                )
            )
    return tuple(objects), tuple(pvcs), tuple(sets)


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}


def release_from_records(
    records: Sequence[tuple[Mapping[str, Any], str, str | None]],
    storage: str,
    scrub: Scrubber,
) -> HelmRelease:
    """One release from its decoded revisions: (release JSON, storage object name, resourceVersion)."""
    records = sorted(records, key=lambda r: int(r[0].get("version") or 0))
    history = tuple(revision_of(rec, obj) for rec, obj, _ in records)
    latest, storage_object, resource_version = records[-1]
    namespace = _text(latest.get("namespace"))
    objects, pvcs, sets = manifest_parts(_text(latest.get("manifest")), namespace, scrub)
    config = latest.get("config") or {}
    defaults = (latest.get("chart") or {}).get("values") or {}
    keys = value_paths(config)
    head = history[-1]
    return HelmRelease(
        name=_text(latest.get("name")),
        namespace=namespace,
        revision=head.revision,
        status=head.status,
        chart=head.chart,
        chart_version=head.chart_version,
        app_version=head.app_version,
        first_deployed=head.first_deployed,
        last_deployed=head.last_deployed,
        description=scrub(head.description),
        storage="secret" if storage == "secret" else "configmap",
        storage_object=storage_object,
        storage_resource_version=resource_version,
        history=tuple(h.model_copy(update={"description": scrub(h.description)}) for h in history),
        objects=objects,
        manifest_pvcs=pvcs,
        manifest_statefulsets=sets,
        values_keys=tuple(keys),
        secret_keys=tuple(k for k in keys if is_secret_key(k.replace("[]", ""))),
        settings=settings_of(config, defaults),
    )


# --------------------------------------------------------------------------- the API


# (all namespaces, one namespace) list methods of the official client, by resource.
_LISTS = {
    "secrets": ("CoreV1Api", "list_secret_for_all_namespaces", "list_namespaced_secret"),
    "configmaps": ("CoreV1Api", "list_config_map_for_all_namespaces", "list_namespaced_config_map"),
    "persistentvolumeclaims": (
        "CoreV1Api",
        "list_persistent_volume_claim_for_all_namespaces",
        "list_namespaced_persistent_volume_claim",
    ),
    "persistentvolumes": ("CoreV1Api", "list_persistent_volume", "list_persistent_volume"),
    "statefulsets": (
        "AppsV1Api",
        "list_stateful_set_for_all_namespaces",
        "list_namespaced_stateful_set",
    ),
    "pods": ("CoreV1Api", "list_pod_for_all_namespaces", "list_namespaced_pod"),
    "events": ("CoreV1Api", "list_event_for_all_namespaces", "list_namespaced_event"),
}
REQUEST_TIMEOUT = 30
PAGE_SIZE = 500


class KubeReader:
    """Raw JSON reads through the official client's typed calls (`_preload_content=False`).

    Lists go through the collect layer's one list reader (`_kube_api.Reader`:
    paging, expired continue tokens, exact failures); raw JSON keeps every
    field as the server sent it and lets no client model object escape.
    """

    def __init__(
        self,
        api_client: Any,
        session: Session | None = None,
        page_size: int = PAGE_SIZE,
        timeout_s: float = REQUEST_TIMEOUT,
    ) -> None:
        self.api_client = api_client
        self.session = session if session is not None else Session.of_client(api_client)
        self.reader = Reader(self.session, timeout_s=timeout_s, page_size=page_size)
        self.timeout_s = timeout_s

    def _api(self, name: str) -> Any:
        return getattr(_client, name)(self.api_client)

    def items(
        self, resource: str, namespace: str | None = None, **query: str
    ) -> list[dict[str, Any]]:
        """Every item of a list (all namespaces, or `namespace`); ReadFailure when it fails."""
        api_name, all_method, one_method = _LISTS[resource]
        api = self._api(api_name)
        if namespace is not None and one_method != all_method:
            return self.reader.all(
                f"list {resource} in {namespace}", getattr(api, one_method), namespace, **query
            )
        return self.reader.all(f"list {resource}", getattr(api, all_method), **query)

    def pod_log(self, namespace: str, pod: str, container: str, previous: bool) -> str:
        core = self._api("CoreV1Api")
        call = _bound(
            self.timeout_s,
            core.read_namespaced_pod_log,
            pod,
            namespace,
            container=container,
            previous=previous,
            tail_lines=200,
        )
        data = _within_timeout(self.timeout_s, f"read the log of {namespace}/{pod}", call)
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def _bound(
    timeout_s: float, method: Callable[..., Any], *args: Any, **kwargs: Any
) -> Callable[[], Any]:
    """One raw request (the body read included), with the client's own timeout."""

    def call() -> Any:
        response = method(*args, _preload_content=False, _request_timeout=timeout_s, **kwargs)
        return response.data

    return call


def _within_timeout(timeout_s: float, what: str, call: Callable[[], Any]) -> Any:
    """The request under a hard deadline: a stuck API server ends the read (exit 3)."""
    try:
        return within(timeout_s + GRACE_S, what, call)
    except DeadlineExceeded as exc:
        raise CollectError(
            f"the Kubernetes API did not answer ({what}) within {timeout_s:g} s",
            "Check the API server and the network path to it, then retry.",
        ) from exc


def _gap(source: str, exc: ApiException, what: str) -> Gap:
    status = int(getattr(exc, "status", 0) or 0)
    reason = _api_message(exc)
    if status == 403:
        hint = f"Grant list on {what} to the kubeconfig user, or narrow the check with --namespace."
    elif status == 404:
        hint = f"The API server does not serve {what}."
    else:
        hint = "Retry; if it persists, check the API server."
    # a server may echo the request (its Authorization header) in the message
    return Gap(source=source, error=redact(f"HTTP {status}: {reason}"), hint=hint)


def _api_message(exc: ApiException) -> str:
    body = getattr(exc, "body", None)
    if body:
        try:
            message = json.loads(body).get("message")
            if message:
                return str(message)[:300]
        except (ValueError, AttributeError):
            pass
    return str(getattr(exc, "reason", "") or "error")[:300]


def _failure_gap(source: str, failure: ReadFailure, what: str) -> Gap:
    if failure.status == 403:
        hint = f"Grant list on {what} to the kubeconfig user, or narrow the check with --namespace."
    elif failure.status == 404:
        hint = f"The API server does not serve {what}."
    elif failure.kind == "expired":
        hint = "The list changed faster than kostack could page through it; retry."
    else:
        hint = "Retry; if it persists, check the API server."
    # (the reader redacted the kubeconfig's credentials; the shapes of others go too)
    return Gap(source=source, error=redact(failure.error), hint=hint)


def _raise_for_connection(exc: BaseException) -> None:
    if isinstance(exc, ApiException) and exc.status == 401:
        raise AuthError(
            "the Kubernetes API rejected the credentials (HTTP 401)",
            "Check the kubeconfig user's token or certificate (kubectl auth whoami).",
        ) from exc


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
    log_reader: Callable[[KubeReader, str, str, str, bool], str] | None = None,
    session: Session | None = None,
    page_size: int = PAGE_SIZE,
    timeout_s: float = REQUEST_TIMEOUT,
) -> HelmCollection:
    """Read releases (all namespaces, or only `namespaces`), PVCs, PVs, StatefulSets, pods, events.

    Raises AuthError on 401 and CollectError when the API cannot be reached;
    anything that is forbidden or missing becomes a Gap and the matching part
    of the state stays None (unknown), never empty. `session` (from
    `_kube_api.open_session`, for `api_client`) lets errors name the cluster
    and redact the kubeconfig's credentials.
    """
    reader = KubeReader(api_client, session, page_size, timeout_s)
    wanted = sorted(set(namespaces)) if namespaces is not None else None
    scopes: list[str | None] = list(wanted) if wanted is not None else [None]
    gaps: list[Gap] = []
    scrub = Scrubber()

    def guarded(
        source: str, what: str, resource: str, namespace: str | None = None, **query: str
    ) -> list[dict[str, Any]] | None:
        """One list: a forbidden/missing resource is a gap (None); no API at all is fatal."""
        try:
            items = reader.items(resource, namespace, **query)
        except ReadFailure as failure:
            # Rejected credentials and no API server at all end collection; the rest is a gap.
            error = fatal(failure, reader.session)
            if error is not None:
                raise error from None
            gaps.append(_failure_gap(source, failure, what))
            return None
        for request in reader.reader.inconsistent:
            gaps.append(
                Gap(
                    source=source,
                    error=f"{request}: the list's continue token expired (410 Gone) and the "
                    "rest was read at a later revision: objects changed meanwhile may be "
                    "missing or newer",
                    hint="Collect again: the cluster changed while kostack listed it.",
                )
            )
        reader.reader.inconsistent.clear()
        return items

    def listing(
        source: str, resource: str, what: str, query: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]] | None:
        out: list[dict[str, Any]] = []
        for scope in scopes:
            got = guarded(source, what, resource, scope, **dict(query or {}))
            if got is None:
                return None
            out.extend(got)
        return out

    releases = _releases(listing, scrub, gaps)
    pvc_items = listing("helm.pvcs", "persistentvolumeclaims", "persistentvolumeclaims")
    pv_items = guarded("helm.pvs", "persistentvolumes (cluster-scoped)", "persistentvolumes")
    sts_items = listing("helm.statefulsets", "statefulsets", "statefulsets")
    pvcs = tuple(_pvc(i) for i in pvc_items) if pvc_items is not None else None
    # Pods and events only where releases (or release-labelled volumes) are.
    spots = sorted(
        {r.namespace for r in releases or ()}
        | {
            p.namespace
            for p in pvcs or ()
            if p.labels.get("release") or p.labels.get("app.kubernetes.io/instance")
        }
    )
    if wanted is not None:
        spots = [s for s in spots if s in wanted]
    pods: list[WorkloadPod] | None = []
    events: list[KubeEvent] | None = []
    for namespace in spots:
        raw_pods = guarded("helm.pods", f"pods in {namespace}", "pods", namespace)
        if raw_pods is None:
            pods = None
            break
        assert pods is not None
        pods.extend(
            _pod(raw, reader if logs else None, scrub, gaps, log_reader) for raw in raw_pods
        )
    for namespace in spots:
        raw_events = guarded(
            "helm.events",
            f"events in {namespace}",
            "events",
            namespace,
            field_selector="type=Warning",
        )
        if raw_events is None:
            events = None
            break
        raw_events.sort(
            key=lambda e: (
                _text(e.get("lastTimestamp"))
                or _text((e.get("metadata") or {}).get("creationTimestamp"))
            )
        )
        assert events is not None
        events.extend(_event(e, scrub) for e in raw_events[-MAX_EVENTS_PER_NAMESPACE:])
    state = HelmState(
        releases=releases,
        pvcs=pvcs,
        pvs=tuple(_pv(i) for i in pv_items) if pv_items is not None else None,
        statefulsets=tuple(_statefulset(i) for i in sts_items) if sts_items is not None else None,
        pods=tuple(pods) if pods is not None else None,
        events=tuple(events) if events is not None else None,
        namespaces=tuple(wanted) if wanted is not None else None,
        context_namespace=context_namespace,
    )
    return HelmCollection(state, tuple(gaps))


def _releases(
    listing: Callable[..., list[dict[str, Any]] | None], scrub: Scrubber, gaps: list[Gap]
) -> tuple[HelmRelease, ...] | None:
    secrets = listing(
        "helm.releases",
        "secrets",
        "secrets (label owner=helm)",
        {"label_selector": "owner=helm", "field_selector": f"type={RELEASE_TYPE}"},
    )
    if secrets is None:
        return None
    configmaps = listing(
        "helm.releases.configmaps",
        "configmaps",
        "configmaps (label owner=helm)",
        {"label_selector": "owner=helm"},
    )
    grouped: dict[tuple[str, str, str], list[tuple[dict[str, Any], str, str | None]]] = {}
    decoded: list[tuple[dict[str, Any], str, str, str | None]] = []
    for storage, items, double in (
        ("secret", secrets, True),
        ("configmap", configmaps or [], False),
    ):
        for item in items:
            meta = item.get("metadata") or {}
            data = _text((item.get("data") or {}).get("release"))
            if not data:
                continue
            try:
                record = decode_release(data, double_base64=double)
            except ReleaseDecodeError as exc:
                gaps.append(
                    Gap(
                        source="helm.releases",
                        error=f"{storage} {meta.get('namespace')}/{meta.get('name')}: cannot decode the release ({exc})",
                        hint="Helm cannot read it either; `helm history` will fail for this release.",
                    )
                )
                continue
            # The values hold the secrets: learn them for scrubbing, then never keep them.
            scrub.learn(record.get("config") or {})
            scrub.learn((record.get("chart") or {}).get("values") or {})
            record.setdefault("namespace", meta.get("namespace"))
            decoded.append((record, storage, _text(meta.get("name")), meta.get("resourceVersion")))
    for record, storage, name, version in decoded:
        key = (_text(record.get("namespace")), _text(record.get("name")), storage)
        grouped.setdefault(key, []).append((record, name, version))
    out = [release_from_records(records, key[2], scrub) for key, records in grouped.items()]
    out.sort(key=lambda r: (r.namespace, r.name))
    return tuple(out)


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
    log_reader: Callable[[KubeReader, str, str, str, bool], str] | None,
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
                    _read_log(reader, namespace, name, container.name, previous, gaps, log_reader),
                    scrub,
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
    )


def _read_log(
    reader: KubeReader,
    namespace: str,
    pod: str,
    container: str,
    previous: bool,
    gaps: list[Gap],
    log_reader: Callable[[KubeReader, str, str, str, bool], str] | None,
) -> str:
    if log_reader is not None:
        return log_reader(reader, namespace, pod, container, previous)
    try:
        return reader.pod_log(namespace, pod, container, previous)
    except ApiException as exc:
        if exc.status == 400:
            return ""  # no previous container (yet)
        _raise_for_connection(exc)
        gaps.append(_gap("helm.pods.logs", exc, f"pods/log in {namespace}"))
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


# --------------------------------------------------------------------------- client construction


def load_client(
    kubeconfig: str | None = None, context: str | None = None
) -> tuple[Any, str | None]:
    """An ApiClient for the kubeconfig (KUBECONFIG / ~/.kube/config) and the context's namespace."""
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
    except (_config.ConfigException, OSError, TypeError, ValueError) as exc:
        raise CollectError(
            f"cannot load the kubeconfig ({exc})",
            "Give --kubeconfig FILE and --context NAME, or set KUBECONFIG.",
        ) from exc
    return client, namespace
