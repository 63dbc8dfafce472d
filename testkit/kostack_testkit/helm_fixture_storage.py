"""Helm release storage, as Helm 3 writes it (helm pkg/storage/driver/secrets.go, util.go).

A revision lives in a Secret `sh.helm.release.v1.<name>.v<revision>`, type
`helm.sh/release.v1`, labels owner=helm, name, status, version, createdAt
(modifiedAt after an update). `data.release` holds base64 of gzip of the
release JSON, which Kubernetes base64-encodes once more. The JSON is Go's
(`encoding/json`: struct field order, sorted map keys, `<>&` escaped).
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, Literal

import yaml

from kostack_lab.kube_objects import CLUSTER_CREATED, JsonObject, object_uid

# The operator who ran helm sat in Korea: Helm writes its release times in local time.
KST: Final = timezone(timedelta(hours=9))
RELEASE_SECRET_TYPE: Final = "helm.sh/release.v1"

_B64 = base64.b64encode


def b64_text(text: str) -> str:
    return _B64(text.encode()).decode()


def go_json(value: Any) -> bytes:
    """JSON as Go's encoding/json writes it: compact, sorted map keys, HTML characters escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text.encode()


def _sorted_maps(value: Any) -> Any:
    """Go sorts map keys; structs keep field order. Values and labels are maps."""
    if isinstance(value, dict):
        return {k: _sorted_maps(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_maps(v) for v in value]
    return value


def encode_release(record: Mapping[str, Any]) -> str:
    """Helm's encodeRelease: base64 (standard) of gzip (best compression) of the JSON."""
    compressed = gzip.compress(go_json(record), compresslevel=9, mtime=0)
    return _B64(compressed).decode()


def decode_release_data(data: str) -> dict[str, Any]:
    """Inverse of `encode_release` (for tests of the fixtures themselves)."""
    raw = base64.b64decode(data)
    if raw[:3] == b"\x1f\x8b\x08":
        raw = gzip.decompress(raw)
    decoded = json.loads(raw)
    if not isinstance(decoded, dict):
        raise ValueError("a release is a JSON object")
    return decoded


def go_time(when: datetime) -> str:
    """Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros trimmed)."""
    text = when.isoformat(timespec="microseconds")
    head, _, rest = text.partition(".")
    frac, sign, offset = rest[:6], rest[6:7], rest[7:]
    frac = (frac + "000").rstrip("0")
    zone = "Z" if when.utcoffset() == timedelta(0) else sign + offset
    return f"{head}.{frac}{zone}" if frac else f"{head}{zone}"


def at(minutes: float, tz: timezone = KST) -> datetime:
    """A moment `minutes` after the fixture cluster was built, in `tz`."""
    return (CLUSTER_CREATED + timedelta(minutes=minutes)).astimezone(tz)


@dataclass(frozen=True)
class ChartInfo:
    name: str
    version: str
    app_version: str
    description: str
    api_version: str = "v2"
    home: str = ""
    icon: str = ""
    keywords: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    templates: tuple[str, ...] = ()
    dependencies: tuple[Mapping[str, Any], ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": self.name}
        if self.home:
            meta["home"] = self.home
        if self.sources:
            meta["sources"] = list(self.sources)
        meta["version"] = self.version
        meta["description"] = self.description
        if self.keywords:
            meta["keywords"] = list(self.keywords)
        if self.icon:
            meta["icon"] = self.icon
        meta["apiVersion"] = self.api_version
        meta["appVersion"] = self.app_version
        if self.annotations:
            meta["annotations"] = dict(sorted(self.annotations.items()))
        if self.dependencies:
            meta["dependencies"] = [dict(d) for d in self.dependencies]
        return meta


HARBOR_CHART: Final = ChartInfo(
    "harbor",
    "1.18.0",
    "2.14.0",
    "An open source trusted cloud native registry that stores, signs, and scans content",
    api_version="v1",
    home="https://goharbor.io",
    icon="https://raw.githubusercontent.com/goharbor/website/main/static/img/logos/harbor-icon-color.png",
    keywords=("docker", "registry", "harbor"),
    sources=("https://github.com/goharbor/harbor", "https://github.com/goharbor/harbor-helm"),
    templates=(
        "templates/NOTES.txt",
        "templates/_helpers.tpl",
        "templates/core/core-cm.yaml",
        "templates/core/core-dpl.yaml",
        "templates/core/core-secret.yaml",
        "templates/core/core-svc.yaml",
        "templates/database/database-secret.yaml",
        "templates/database/database-ss.yaml",
        "templates/database/database-svc.yaml",
        "templates/ingress/ingress.yaml",
        "templates/jobservice/jobservice-cm-env.yaml",
        "templates/jobservice/jobservice-cm.yaml",
        "templates/jobservice/jobservice-dpl.yaml",
        "templates/jobservice/jobservice-pvc.yaml",
        "templates/jobservice/jobservice-secrets.yaml",
        "templates/jobservice/jobservice-svc.yaml",
        "templates/portal/deployment.yaml",
        "templates/portal/service.yaml",
        "templates/redis/service.yaml",
        "templates/redis/statefulset.yaml",
        "templates/registry/registry-cm.yaml",
        "templates/registry/registry-dpl.yaml",
        "templates/registry/registry-pvc.yaml",
        "templates/registry/registry-secret.yaml",
        "templates/registry/registry-svc.yaml",
        "templates/trivy/trivy-secret.yaml",
        "templates/trivy/trivy-sts.yaml",
        "templates/trivy/trivy-svc.yaml",
    ),
)

POSTGRESQL_CHART: Final = ChartInfo(
    "postgresql",
    "16.7.27",
    "17.6.0",
    "PostgreSQL (Postgres) is an open source object-relational database known for "
    "reliability and data integrity. ACID-compliant, it supports foreign keys, joins, "
    "views, triggers and stored procedures.",
    home="https://bitnami.com",
    icon="https://dyltqmyl993wv.cloudfront.net/assets/stacks/postgresql/img/postgresql-stack-220x234.png",
    keywords=("postgresql", "postgres", "database", "sql", "replication", "cluster"),
    sources=("https://github.com/bitnami/charts/tree/main/bitnami/postgresql",),
    templates=(
        "templates/NOTES.txt",
        "templates/_helpers.tpl",
        "templates/primary/statefulset.yaml",
        "templates/primary/svc.yaml",
        "templates/primary/svc-headless.yaml",
        "templates/secrets.yaml",
    ),
    dependencies=(
        {
            "name": "common",
            "version": "2.31.4",
            "repository": "oci://registry-1.docker.io/bitnamicharts",
            "tags": ["bitnami-common"],
            "enabled": True,
        },
    ),
    annotations={"category": "Database", "licenses": "Apache-2.0"},
)


def chart_json(chart: ChartInfo, default_values: Mapping[str, Any]) -> dict[str, Any]:
    """The `chart` member of a Helm 3 release (templates' bytes base64-encoded, as Go does)."""
    placeholder = "# template text of the chart (not reproduced in kostack's fixtures)\n"
    return {
        "metadata": chart.metadata(),
        "lock": None,
        "templates": [{"name": name, "data": b64_text(placeholder)} for name in chart.templates],
        "values": _sorted_maps(copy.deepcopy(dict(default_values))),
        "schema": None,
        "files": [{"name": ".helmignore", "data": b64_text("# Patterns to ignore\n.git/\n")}],
    }


ReleaseStatus = Literal[
    "deployed", "superseded", "failed", "uninstalled", "uninstalling", "pending-install"
]


def release_record(
    *,
    name: str,
    namespace: str,
    revision: int,
    status: ReleaseStatus,
    chart: ChartInfo,
    default_values: Mapping[str, Any],
    values: Mapping[str, Any],
    manifest: str,
    first_deployed: datetime,
    last_deployed: datetime,
    description: str,
    notes: str = "",
    deleted: datetime | None = None,
) -> dict[str, Any]:
    """A Helm 3 release (pkg/release) as JSON-ready data, in Go's field order."""
    info: dict[str, Any] = {
        "first_deployed": go_time(first_deployed),
        "last_deployed": go_time(last_deployed),
        "deleted": go_time(deleted) if deleted else "",
        "description": description,
        "status": status,
    }
    if notes:
        info["notes"] = notes
    record: dict[str, Any] = {
        "name": name,
        "info": info,
        "chart": chart_json(chart, default_values),
    }
    if values:
        record["config"] = _sorted_maps(copy.deepcopy(dict(values)))
    record["manifest"] = manifest
    record["version"] = revision
    record["namespace"] = namespace
    return record


def release_secret(
    record: Mapping[str, Any],
    *,
    created: datetime,
    modified: datetime | None = None,
) -> JsonObject:
    """The Secret Helm's secrets driver stores a release in (as the API server serves it)."""
    name = str(record["name"])
    namespace = str(record["namespace"])
    revision = int(record["version"])
    key = f"sh.helm.release.v1.{name}.v{revision}"
    labels = {
        "createdAt": str(int(created.timestamp())),
        "name": name,
        "owner": "helm",
        "status": str(record["info"]["status"]),
        "version": str(revision),
    }
    if modified is not None:
        labels["modifiedAt"] = str(int(modified.timestamp()))
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": key,
            "namespace": namespace,
            "uid": object_uid("Secret", namespace, key),
            "creationTimestamp": _k8s_time(created),
            "labels": labels,
        },
        "type": RELEASE_SECRET_TYPE,
        # Kubernetes base64-encodes Secret data on the wire: base64 of Helm's base64.
        "data": {"release": b64_text(encode_release(record))},
    }


def release_configmap(record: Mapping[str, Any], *, created: datetime) -> JsonObject:
    """The ConfigMap Helm's configmap driver (HELM_DRIVER=configmap) stores a release in."""
    name = str(record["name"])
    namespace = str(record["namespace"])
    revision = int(record["version"])
    key = f"sh.helm.release.v1.{name}.v{revision}"
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": key,
            "namespace": namespace,
            "uid": object_uid("ConfigMap", namespace, key),
            "creationTimestamp": _k8s_time(created),
            "labels": {
                "createdAt": str(int(created.timestamp())),
                "name": name,
                "owner": "helm",
                "status": str(record["info"]["status"]),
                "version": str(revision),
            },
        },
        "data": {"release": encode_release(record)},
    }


def _k8s_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def manifest_text(rendered: Sequence[tuple[str, JsonObject]]) -> str:
    """The release manifest: each object after `---` and a `# Source:` line, in install order."""
    parts = []
    for source, obj in sorted(rendered, key=lambda item: _install_rank(item[1]["kind"])):
        body = yaml.safe_dump(obj, sort_keys=False, default_flow_style=False)
        parts.append(f"---\n# Source: {source}\n{body}")
    return "".join(parts)


_INSTALL_ORDER: Final = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
)


def _install_rank(kind: str) -> int:
    return _INSTALL_ORDER.index(kind) if kind in _INSTALL_ORDER else len(_INSTALL_ORDER)
