"""Helm release storage decoded in memory: the release JSON, its history and manifest.

What `kostack.collect.helm` keeps of a release: status, history, chart, the
objects its manifest declares (with PVC and StatefulSet details) and the key
paths of its values; secret-looking values are learnt by a Scrubber and
scrubbed from every text kept.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

import yaml

from kostack.catalog import Msg
from kostack.gap_words import quoted
from kostack.model.snapshot import (
    ClaimTemplate,
    HelmRelease,
    HelmRevision,
    ManifestObject,
    ManifestPVC,
    ManifestStatefulSet,
    ReleaseStatus,
)
from kostack.redact import remember

RELEASE_TYPE = "helm.sh/release.v1"
STATUSES = frozenset(get_args(ReleaseStatus))
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


@dataclass
class Scrubber:
    """Removes secret-looking values seen in release values from any text kostack keeps."""

    secrets: set[str] = field(default_factory=set)

    def learn(self, values: Any, path: str = "") -> None:
        """Learn the secret-looking leaves of ``values`` (a leaf's own key decides, so only
        that key is passed down: a deep tree costs no path strings that grow with it)."""
        if isinstance(values, Mapping):
            for key, value in values.items():
                self.learn(value, str(key))
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
    """A storage object that does not hold a readable Helm release (why: its first argument,
    a message, or text)."""


def _not(kind: str, exc: Exception) -> Msg:
    return Msg("gap.helm.not-format", format=kind, error=quoted(str(exc)))


# The most a release may hold once decompressed: 50 times the largest gzip a Secret (1 MiB of
# base64 of base64) can carry. Helm's own releases stay far below; a gzip bomb stops here.
MAX_RELEASE_BYTES = 32 * 1024 * 1024


class ReleaseTooLarge(ReleaseDecodeError):
    """A release larger than MAX_RELEASE_BYTES once decompressed (it is not read)."""


def _gunzip(raw: bytes) -> bytes:
    """``raw`` decompressed, never more than MAX_RELEASE_BYTES (ReleaseTooLarge beyond)."""
    out = bytearray()
    while raw:
        member = zlib.decompressobj(wbits=31)  # gzip; a file may hold several members
        try:
            out += member.decompress(raw, MAX_RELEASE_BYTES + 1 - len(out))
        except zlib.error as exc:
            raise ReleaseDecodeError(_not("gzip", exc)) from exc
        if len(out) > MAX_RELEASE_BYTES or member.unconsumed_tail:
            raise ReleaseTooLarge(f"more than {MAX_RELEASE_BYTES} bytes")
        if not member.eof:
            raise ReleaseDecodeError(Msg("gap.helm.gzip-cut"))
        raw = member.unused_data.lstrip(b"\0")  # zeros after a member are padding, as in gzip
    return bytes(out)


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
        raise ReleaseDecodeError(_not("base64", exc)) from exc
    if raw[:3] == b"\x1f\x8b\x08":
        raw = _gunzip(raw)
    try:
        decoded = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ReleaseDecodeError(_not("JSON", exc)) from exc
    if not isinstance(decoded, dict):
        raise ReleaseDecodeError(Msg("gap.helm.not-object"))
    return decoded


# How deep value_paths goes: a deeper subtree is one path (so the paths, whose length grows
# with their depth, stay within a multiple of the values' size, however deep they nest).
MAX_VALUE_DEPTH = 32


def value_paths(values: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """Dotted key paths of the leaves of a values tree (lists as `path[]`)."""
    out: list[str] = []
    if isinstance(values, Mapping):
        for key, value in values.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if depth >= MAX_VALUE_DEPTH:
                out.append(path)
            elif isinstance(value, Mapping) and value:
                out.extend(value_paths(value, path, depth + 1))
            elif isinstance(value, list) and value and any(isinstance(v, Mapping) for v in value):
                for item in value:
                    out.extend(value_paths(item, path + "[]", depth + 1))
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


def trim_record(record: Mapping[str, Any], *, keep_content: bool = False) -> dict[str, Any]:
    """What kostack reads of a decoded release: what its history shows, and with
    ``keep_content`` (the newest revision) the manifest and the values too."""
    chart = record.get("chart")
    kept = {k: record[k] for k in ("name", "namespace", "version", "info") if k in record}
    if keep_content:
        kept.update({k: record[k] for k in ("manifest", "config") if k in record})
    if isinstance(chart, Mapping):  # anything else stays as it is: not a release's shape
        chart = {k: chart[k] for k in ("metadata", "values") if k in chart}
        if not keep_content:
            chart.pop("values", None)
    kept["chart"] = chart
    return kept


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
    manifest: str, scrub: Scrubber | None = None
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
            pvcs.append(_manifest_pvc(ns, name, meta, spec, keep))
        elif kind == "StatefulSet":
            sets.append(_manifest_statefulset(ns, name, spec))
    return tuple(objects), tuple(pvcs), tuple(sets)


def _manifest_pvc(
    ns: str | None, name: str, meta: Mapping[str, Any], spec: Mapping[str, Any], keep: bool
) -> ManifestPVC:
    """A PersistentVolumeClaim the manifest declares: its labels, size and class."""
    return ManifestPVC(
        namespace=ns,
        name=name,
        labels=_labels(meta.get("labels")),
        keep=keep,
        size=_text(((spec.get("resources") or {}).get("requests") or {}).get("storage")) or None,
        storage_class=spec.get("storageClassName")
        if isinstance(spec.get("storageClassName"), str)
        else None,
    )


def _manifest_statefulset(
    ns: str | None, name: str, spec: Mapping[str, Any]
) -> ManifestStatefulSet:
    """A StatefulSet the manifest declares: replicas, selector, claim templates and volumes."""
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
                size=_text(((tspec.get("resources") or {}).get("requests") or {}).get("storage"))
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
    return ManifestStatefulSet(
        namespace=ns,
        name=name,
        replicas=replicas if isinstance(replicas, int) else None,
        selector=_labels((spec.get("selector") or {}).get("matchLabels")),
        claim_templates=tuple(t for t in templates if t.name),
        claim_volumes=tuple(c for c in claims if c),
    )


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    # scalars only: str() of a YAML alias-bomb's nested lists would take exponential time
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float)}


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
    objects, pvcs, sets = manifest_parts(_text(latest.get("manifest")), scrub)
    config = latest.get("config") or {}
    defaults = (latest.get("chart") or {}).get("values") or {}
    keys = value_paths(config)
    head = history[-1]
    return HelmRelease(
        name=_text(latest.get("name")),
        namespace=namespace,
        **head.model_dump(exclude={"description", "storage_object"}),
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
