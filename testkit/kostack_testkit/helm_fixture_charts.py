"""Harbor as goharbor/harbor-helm v1.18.0 (Harbor 2.14.0) renders it,.

Harbor: `harbor.fullname` (the release name when it contains "harbor", else
`<release>-harbor`; nameOverride / fullnameOverride), the `harbor.labels`,
`harbor.legacy.labels` and `harbor.matchLabels` label sets, the registry and
jobservice PVCs with `helm.sh/resource-policy: keep`, and the database, redis
and trivy StatefulSets with their volumeClaimTemplates (legacy labels only).
Only the chart's output shape is reproduced here, not its template code.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kostack_lab.kube_objects import JsonObject
from kostack_testkit.helm_fixture_storage import HARBOR_CHART, ChartInfo, b64_text
from kostack_testkit.k8s_fixture_objects import name_suffix

HARBOR_DEFAULT_VALUES: Final[Mapping[str, Any]] = {
    "expose": {
        "type": "ingress",
        "tls": {"enabled": True, "certSource": "auto", "auto": {"commonName": ""}},
        "ingress": {
            "hosts": {"core": "core.harbor.domain"},
            "controller": "default",
            "className": "",
            "annotations": {
                "ingress.kubernetes.io/ssl-redirect": "true",
                "ingress.kubernetes.io/proxy-body-size": "0",
                "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                "nginx.ingress.kubernetes.io/proxy-body-size": "0",
            },
        },
    },
    "externalURL": "https://core.harbor.domain",
    "persistence": {
        "enabled": True,
        "resourcePolicy": "keep",
        "persistentVolumeClaim": {
            "registry": {
                "existingClaim": "",
                "storageClass": "",
                "subPath": "",
                "accessMode": "ReadWriteOnce",
                "size": "5Gi",
                "annotations": {},
            },
            "jobservice": {
                "jobLog": {
                    "existingClaim": "",
                    "storageClass": "",
                    "subPath": "",
                    "accessMode": "ReadWriteOnce",
                    "size": "1Gi",
                    "annotations": {},
                }
            },
            "database": {
                "existingClaim": "",
                "storageClass": "",
                "subPath": "",
                "accessMode": "ReadWriteOnce",
                "size": "1Gi",
                "annotations": {},
            },
            "redis": {
                "existingClaim": "",
                "storageClass": "",
                "subPath": "",
                "accessMode": "ReadWriteOnce",
                "size": "1Gi",
                "annotations": {},
            },
            "trivy": {
                "existingClaim": "",
                "storageClass": "",
                "subPath": "",
                "accessMode": "ReadWriteOnce",
                "size": "5Gi",
                "annotations": {},
            },
        },
        "imageChartStorage": {"type": "filesystem", "filesystem": {"rootdirectory": "/storage"}},
    },
    # The chart's own defaults include secrets too: they must not leak either.
    "harborAdminPassword": "Harbor12345",
    "secretKey": "not-a-secure-key",
    "core": {
        "replicas": 1,
        "revisionHistoryLimit": 10,
        "secret": "",
        "xsrfKey": "",
        "tokenKey": "",
        "tokenCert": "",
    },
    "jobservice": {"replicas": 1, "revisionHistoryLimit": 10, "jobLoggers": ["file"], "secret": ""},
    "registry": {
        "replicas": 1,
        "revisionHistoryLimit": 10,
        "secret": "",
        "credentials": {"username": "harbor_registry_user", "password": "harbor_registry_password"},
    },
    "portal": {"replicas": 1, "revisionHistoryLimit": 10},
    "trivy": {"enabled": True, "replicas": 1, "gitHubToken": ""},
    "database": {"type": "internal", "internal": {"password": "changeit", "shmSizeLimit": "512Mi"}},
    "redis": {"type": "internal", "internal": {}},
    "imagePullPolicy": "IfNotPresent",
    "updateStrategy": {"type": "RollingUpdate"},
    "internalTLS": {"enabled": False},
    "ipFamily": {"ipv6": {"enabled": True}, "ipv4": {"enabled": True}},
}


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_values(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def value_at(values: Mapping[str, Any], path: str, default: Any = None) -> Any:
    node: Any = values
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def harbor_fullname(release: str, values: Mapping[str, Any] | None = None) -> str:
    """`harbor.fullname`: fullnameOverride, else the release name when it contains the chart name."""
    values = values or {}
    override = str(values.get("fullnameOverride") or "")
    if override:
        return override[:63].rstrip("-")
    name = str(values.get("nameOverride") or "harbor")
    if name in release:
        return release[:63].rstrip("-")
    return f"{release}-{name}"[:63].rstrip("-")


def _harbor_labels(release: str, app_version: str) -> dict[str, str]:
    return {
        "heritage": "Helm",
        "release": release,
        "chart": "harbor",
        "app": "harbor",
        "app.kubernetes.io/instance": release,
        "app.kubernetes.io/name": "harbor",
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/part-of": "harbor",
        "app.kubernetes.io/version": app_version,
    }


def _harbor_legacy_labels(release: str) -> dict[str, str]:
    return {"heritage": "Helm", "release": release, "chart": "harbor", "app": "harbor"}


def _harbor_match(release: str) -> dict[str, str]:
    return {"release": release, "app": "harbor"}


def _checksum(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class _Harbor:
    release: str
    namespace: str
    values: Mapping[str, Any]
    chart: ChartInfo = HARBOR_CHART

    @property
    def fullname(self) -> str:
        return harbor_fullname(self.release, self.values)

    def name(self, component: str) -> str:
        return f"{self.fullname}-{component}"

    def labels(self, component: str | None = None) -> dict[str, str]:
        labels = _harbor_labels(self.release, self.chart.app_version)
        if component:
            labels["component"] = component
            labels["app.kubernetes.io/component"] = component
        return labels

    def match(self, component: str) -> dict[str, str]:
        return {**_harbor_match(self.release), "component": component}

    def meta(self, name: str, component: str | None = None, **extra: Any) -> JsonObject:
        metadata: JsonObject = {"name": name, "namespace": self.namespace}
        metadata.update(extra)
        metadata["labels"] = self.labels(component) if component != "-" else self.labels()
        return metadata

    @property
    def persistence(self) -> bool:
        return bool(value_at(self.values, "persistence.enabled", True))

    def image(self, repository: str) -> str:
        return f"goharbor/{repository}:v{self.chart.app_version}"


def harbor_objects(
    release: str, namespace: str, values: Mapping[str, Any] | None = None
) -> list[tuple[str, JsonObject]]:
    """What `helm template` renders for harbor-helm v1.18.0 (source template, object).

    Covers the objects that matter for state and readiness: Secrets,
    ConfigMaps, the registry and jobservice PVCs, Services, the core,
    jobservice, portal and registry Deployments, the database, redis and
    trivy StatefulSets, and the Ingress (expose.type ingress).
    """
    merged = merge_values(HARBOR_DEFAULT_VALUES, values or {})
    h = _Harbor(release, namespace, merged)
    out: list[tuple[str, JsonObject]] = []
    out.extend(_harbor_secrets(h))
    out.extend(_harbor_configmaps(h))
    out.extend(_harbor_pvcs(h))
    out.extend(_harbor_services(h))
    out.extend(_harbor_deployments(h))
    out.extend(_harbor_statefulsets(h))
    if value_at(merged, "expose.type") == "ingress":
        out.append(("harbor/templates/ingress/ingress.yaml", _harbor_ingress(h)))
    return out


def _secret(metadata: JsonObject, data: Mapping[str, str]) -> JsonObject:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": "Opaque",
        "data": {k: b64_text(v) for k, v in data.items()},
    }


def _harbor_secrets(h: _Harbor) -> list[tuple[str, JsonObject]]:
    v = h.values
    core_secret = str(value_at(v, "core.secret") or name_suffix(16, h.release, "core-secret"))
    token_key = "-----BEGIN RSA PRIVATE KEY-----\nZml4dHVyZSBrZXk=\n-----END RSA PRIVATE KEY-----\n"
    token_cert = "-----BEGIN CERTIFICATE-----\nZml4dHVyZSBjZXJ0\n-----END CERTIFICATE-----\n"
    db_password = str(value_at(v, "database.internal.password"))
    return [
        (
            "harbor/templates/core/core-secret.yaml",
            _secret(
                h.meta(h.name("core"), "-"),
                {
                    "secretKey": str(v["secretKey"]),
                    "secret": core_secret,
                    "tls.key": token_key,
                    "tls.crt": token_cert,
                    "HARBOR_ADMIN_PASSWORD": str(v["harborAdminPassword"]),
                    "POSTGRESQL_PASSWORD": db_password,
                    "REGISTRY_CREDENTIAL_PASSWORD": str(
                        value_at(v, "registry.credentials.password")
                    ),
                    "CSRF_KEY": name_suffix(32, h.release, "csrf"),
                },
            ),
        ),
        (
            "harbor/templates/database/database-secret.yaml",
            _secret(h.meta(h.name("database"), "-"), {"POSTGRES_PASSWORD": db_password}),
        ),
        (
            "harbor/templates/jobservice/jobservice-secrets.yaml",
            _secret(
                h.meta(h.name("jobservice"), "-"),
                {
                    "JOBSERVICE_SECRET": name_suffix(16, h.release, "jobservice-secret"),
                    "REGISTRY_CREDENTIAL_PASSWORD": str(
                        value_at(v, "registry.credentials.password")
                    ),
                },
            ),
        ),
        (
            "harbor/templates/registry/registry-secret.yaml",
            _secret(
                h.meta(h.name("registry"), "-"),
                {
                    "REGISTRY_HTTP_SECRET": name_suffix(16, h.release, "registry-http"),
                    "REGISTRY_REDIS_PASSWORD": "",
                },
            ),
        ),
        (
            "harbor/templates/trivy/trivy-secret.yaml",
            _secret(
                h.meta(h.name("trivy"), "-"),
                {
                    "redisURL": f"redis://{h.name('redis')}:6379/5?idle_timeout_seconds=30",
                    "gitHubToken": str(value_at(v, "trivy.gitHubToken") or ""),
                },
            ),
        ),
    ]


def _configmap(metadata: JsonObject, data: Mapping[str, str]) -> JsonObject:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": dict(data)}


def _harbor_configmaps(h: _Harbor) -> list[tuple[str, JsonObject]]:
    external = str(h.values["externalURL"])
    return [
        (
            "harbor/templates/core/core-cm.yaml",
            _configmap(
                h.meta(h.name("core"), "-"),
                {
                    "app.conf": "appname = Harbor\nrunmode = prod\nenablegzip = true\n\n[prod]\nhttpport = 8080\n",
                    "PORT": "8080",
                    "DATABASE_TYPE": "postgresql",
                    "POSTGRESQL_HOST": h.name("database"),
                    "POSTGRESQL_PORT": "5432",
                    "POSTGRESQL_USERNAME": "postgres",
                    "POSTGRESQL_DATABASE": "registry",
                    "POSTGRESQL_SSLMODE": "disable",
                    "EXT_ENDPOINT": external,
                    "CORE_URL": f"http://{h.name('core')}:80",
                    "JOBSERVICE_URL": f"http://{h.name('jobservice')}",
                    "REGISTRY_URL": f"http://{h.name('registry')}:5000",
                    "PORTAL_URL": f"http://{h.name('portal')}",
                    "TOKEN_SERVICE_URL": f"http://{h.name('core')}:80/service/token",
                    "_REDIS_URL_CORE": f"redis://{h.name('redis')}:6379/0?idle_timeout_seconds=30",
                    "_REDIS_URL_REG": f"redis://{h.name('redis')}:6379/2?idle_timeout_seconds=30",
                },
            ),
        ),
        (
            "harbor/templates/jobservice/jobservice-cm-env.yaml",
            _configmap(
                h.meta(h.name("jobservice") + "-env", "-"),
                {
                    "CORE_URL": f"http://{h.name('core')}:80",
                    "TOKEN_SERVICE_URL": f"http://{h.name('core')}:80/service/token",
                    "REGISTRY_URL": f"http://{h.name('registry')}:5000",
                    "REGISTRY_CONTROLLER_URL": f"http://{h.name('registry')}:8080",
                    "REGISTRY_CREDENTIAL_USERNAME": str(
                        value_at(h.values, "registry.credentials.username")
                    ),
                    "JOBSERVICE_WEBHOOK_JOB_MAX_RETRY": "3",
                    "JOBSERVICE_WEBHOOK_JOB_HTTP_CLIENT_TIMEOUT": "3",
                },
            ),
        ),
        (
            "harbor/templates/jobservice/jobservice-cm.yaml",
            _configmap(
                h.meta(h.name("jobservice"), "-"),
                {
                    "config.yml": (
                        '#Server listening port\nprotocol: "http"\nport: 8080\n'
                        'worker_pool:\n  workers: 10\n  backend: "redis"\n  redis_pool:\n'
                        f'    redis_url: "redis://{h.name("redis")}:6379/1"\n'
                        '    namespace: "harbor_job_service_namespace"\n'
                        'job_loggers:\n  - name: "FILE"\n    level: INFO\n'
                        '    settings: # Customized settings of logger\n      base_dir: "/var/log/jobs"\n'
                        'loggers:\n  - name: "STD_OUTPUT"\n    level: INFO\n'
                    )
                },
            ),
        ),
        (
            "harbor/templates/registry/registry-cm.yaml",
            _configmap(
                h.meta(h.name("registry"), "-"),
                {
                    "config.yml": (
                        "version: 0.1\nlog:\n  level: info\n  fields:\n    service: registry\n"
                        "storage:\n  filesystem:\n    rootdirectory: /storage\n"
                        "http:\n  addr: :5000\n  relativeurls: false\n"
                    )
                },
            ),
        ),
    ]


def _harbor_pvcs(h: _Harbor) -> list[tuple[str, JsonObject]]:
    if not h.persistence:
        return []
    out = []
    for component, path, source in (
        ("registry", "persistence.persistentVolumeClaim.registry", "registry/registry-pvc.yaml"),
        (
            "jobservice",
            "persistence.persistentVolumeClaim.jobservice.jobLog",
            "jobservice/jobservice-pvc.yaml",
        ),
    ):
        spec_values = value_at(h.values, path)
        if spec_values.get("existingClaim"):
            continue
        annotations = {k: str(v) for k, v in (spec_values.get("annotations") or {}).items()}
        if value_at(h.values, "persistence.resourcePolicy") == "keep":
            annotations["helm.sh/resource-policy"] = "keep"
        labels = h.labels()
        labels["component"] = component
        labels["app.kubernetes.io/component"] = component
        spec: JsonObject = {
            "accessModes": [spec_values["accessMode"]],
            "resources": {"requests": {"storage": spec_values["size"]}},
        }
        if spec_values.get("storageClass"):
            sc = spec_values["storageClass"]
            spec["storageClassName"] = "" if sc == "-" else sc
        out.append(
            (
                f"harbor/templates/{source}",
                {
                    "kind": "PersistentVolumeClaim",
                    "apiVersion": "v1",
                    "metadata": {
                        "name": h.name(component),
                        "namespace": h.namespace,
                        "annotations": annotations,
                        "labels": labels,
                    },
                    "spec": spec,
                },
            )
        )
    return out


def _service(
    metadata: JsonObject, ports: list[JsonObject], selector: Mapping[str, str]
) -> JsonObject:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {"ports": ports, "selector": dict(selector)},
    }


def _harbor_services(h: _Harbor) -> list[tuple[str, JsonObject]]:
    return [
        (
            "harbor/templates/core/core-svc.yaml",
            _service(
                h.meta(h.name("core"), "-"),
                [{"name": "http-web", "port": 80, "targetPort": 8080}],
                {**_harbor_match(h.release), "component": "core"},
            ),
        ),
        (
            "harbor/templates/database/database-svc.yaml",
            _service(
                h.meta(h.name("database"), "-"),
                [{"port": 5432}],
                {**_harbor_match(h.release), "component": "database"},
            ),
        ),
        (
            "harbor/templates/jobservice/jobservice-svc.yaml",
            _service(
                h.meta(h.name("jobservice"), "-"),
                [{"name": "http-jobservice", "port": 80, "targetPort": 8080}],
                {**_harbor_match(h.release), "component": "jobservice"},
            ),
        ),
        (
            "harbor/templates/portal/service.yaml",
            _service(
                h.meta(h.name("portal"), "-"),
                [{"port": 80, "targetPort": 8080}],
                {**_harbor_match(h.release), "component": "portal"},
            ),
        ),
        (
            "harbor/templates/redis/service.yaml",
            _service(
                h.meta(h.name("redis"), "-"),
                [{"port": 6379}],
                {**_harbor_match(h.release), "component": "redis"},
            ),
        ),
        (
            "harbor/templates/registry/registry-svc.yaml",
            _service(
                h.meta(h.name("registry"), "-"),
                [
                    {"name": "http-registry", "port": 5000},
                    {"name": "http-controller", "port": 8080},
                ],
                {**_harbor_match(h.release), "component": "registry"},
            ),
        ),
        (
            "harbor/templates/trivy/trivy-svc.yaml",
            _service(
                h.meta(h.name("trivy"), "-"),
                [{"name": "http-trivy", "protocol": "TCP", "port": 8080}],
                {**_harbor_match(h.release), "component": "trivy"},
            ),
        ),
    ]


def _probe(path: str, port: int, initial: int) -> JsonObject:
    return {
        "httpGet": {"path": path, "scheme": "HTTP", "port": port},
        "initialDelaySeconds": initial,
        "periodSeconds": 10,
    }


def _harbor_container(
    h: _Harbor,
    name: str,
    repository: str,
    port: int | None,
    *,
    readiness: JsonObject | None = None,
    env: Sequence[JsonObject] = (),
    env_from: Sequence[JsonObject] = (),
    mounts: Sequence[JsonObject] = (),
) -> JsonObject:
    container: JsonObject = {
        "name": name,
        "image": h.image(repository),
        "imagePullPolicy": "IfNotPresent",
    }
    if readiness is not None:
        container["livenessProbe"] = {**readiness, "initialDelaySeconds": 300}
        container["readinessProbe"] = readiness
    if env:
        container["env"] = [dict(e) for e in env]
    if env_from:
        container["envFrom"] = [dict(e) for e in env_from]
    if port is not None:
        container["ports"] = [{"containerPort": port}]
    if mounts:
        container["volumeMounts"] = [dict(m) for m in mounts]
    return container


def _deployment(
    h: _Harbor,
    component: str,
    containers: list[JsonObject],
    volumes: list[JsonObject],
    annotations: Mapping[str, str],
    run_as: int = 10000,
) -> JsonObject:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": h.meta(h.name(component), component),
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 10,
            "strategy": {"type": "RollingUpdate"},
            "selector": {"matchLabels": h.match(component)},
            "template": {
                "metadata": {"labels": h.labels(component), "annotations": dict(annotations)},
                "spec": {
                    "securityContext": {"runAsUser": run_as, "fsGroup": run_as},
                    "automountServiceAccountToken": False,
                    "terminationGracePeriodSeconds": 120,
                    "containers": containers,
                    "volumes": volumes,
                },
            },
        },
    }


def _harbor_deployments(h: _Harbor) -> list[tuple[str, JsonObject]]:
    core = h.name("core")
    job = h.name("jobservice")
    registry = h.name("registry")
    job_logs: JsonObject = (
        {"name": "job-logs", "persistentVolumeClaim": {"claimName": job}}
        if h.persistence
        else {"name": "job-logs", "emptyDir": {}}
    )
    registry_data: JsonObject = (
        {"name": "registry-data", "persistentVolumeClaim": {"claimName": registry}}
        if h.persistence
        else {"name": "registry-data", "emptyDir": {}}
    )
    return [
        (
            "harbor/templates/core/core-dpl.yaml",
            _deployment(
                h,
                "core",
                [
                    _harbor_container(
                        h,
                        "core",
                        "harbor-core",
                        8080,
                        readiness=_probe("/api/v2.0/ping", 8080, 20),
                        env=[
                            {
                                "name": "CORE_SECRET",
                                "valueFrom": {"secretKeyRef": {"name": core, "key": "secret"}},
                            },
                            {
                                "name": "JOBSERVICE_SECRET",
                                "valueFrom": {
                                    "secretKeyRef": {"name": job, "key": "JOBSERVICE_SECRET"}
                                },
                            },
                        ],
                        env_from=[{"configMapRef": {"name": core}}, {"secretRef": {"name": core}}],
                        mounts=[
                            {
                                "name": "config",
                                "mountPath": "/etc/core/app.conf",
                                "subPath": "app.conf",
                            },
                            {"name": "secret-key", "mountPath": "/etc/core/key", "subPath": "key"},
                            {
                                "name": "token-service-private-key",
                                "mountPath": "/etc/core/private_key.pem",
                                "subPath": "tls.key",
                            },
                            {"name": "psc", "mountPath": "/etc/core/token"},
                        ],
                    )
                ],
                [
                    {
                        "name": "config",
                        "configMap": {
                            "name": core,
                            "items": [{"key": "app.conf", "path": "app.conf"}],
                        },
                    },
                    {
                        "name": "secret-key",
                        "secret": {
                            "secretName": core,
                            "items": [{"key": "secretKey", "path": "key"}],
                        },
                    },
                    {"name": "token-service-private-key", "secret": {"secretName": core}},
                    {"name": "psc", "emptyDir": {}},
                ],
                {
                    "checksum/configmap": _checksum(h.release, "core-cm"),
                    "checksum/secret": _checksum(h.release, "core-secret"),
                    "checksum/secret-jobservice": _checksum(h.release, "jobservice-secret"),
                },
            ),
        ),
        (
            "harbor/templates/jobservice/jobservice-dpl.yaml",
            _deployment(
                h,
                "jobservice",
                [
                    _harbor_container(
                        h,
                        "jobservice",
                        "harbor-jobservice",
                        8080,
                        readiness=_probe("/api/v1/stats", 8080, 20),
                        env=[
                            {
                                "name": "CORE_SECRET",
                                "valueFrom": {"secretKeyRef": {"name": core, "key": "secret"}},
                            }
                        ],
                        env_from=[
                            {"configMapRef": {"name": job + "-env"}},
                            {"secretRef": {"name": job}},
                        ],
                        mounts=[
                            {
                                "name": "jobservice-config",
                                "mountPath": "/etc/jobservice/config.yml",
                                "subPath": "config.yml",
                            },
                            {"name": "job-logs", "mountPath": "/var/log/jobs", "subPath": ""},
                        ],
                    )
                ],
                [{"name": "jobservice-config", "configMap": {"name": job}}, job_logs],
                {
                    "checksum/configmap": _checksum(h.release, "jobservice-cm"),
                    "checksum/configmap-env": _checksum(h.release, "jobservice-cm-env"),
                    "checksum/secret": _checksum(h.release, "jobservice-secret"),
                    "checksum/secret-core": _checksum(h.release, "core-secret"),
                },
            ),
        ),
        (
            "harbor/templates/portal/deployment.yaml",
            _deployment(
                h,
                "portal",
                [
                    _harbor_container(
                        h, "portal", "harbor-portal", 8080, readiness=_probe("/", 8080, 1)
                    )
                ],
                [],
                {},
            ),
        ),
        (
            "harbor/templates/registry/registry-dpl.yaml",
            _deployment(
                h,
                "registry",
                [
                    _harbor_container(
                        h,
                        "registry",
                        "registry-photon",
                        5000,
                        readiness=_probe("/", 5000, 1),
                        env_from=[{"secretRef": {"name": registry}}],
                        mounts=[
                            {"name": "registry-data", "mountPath": "/storage", "subPath": ""},
                            {
                                "name": "registry-config",
                                "mountPath": "/etc/registry/config.yml",
                                "subPath": "config.yml",
                            },
                        ],
                    ),
                    _harbor_container(
                        h,
                        "registryctl",
                        "harbor-registryctl",
                        8080,
                        readiness=_probe("/api/health", 8080, 1),
                        mounts=[{"name": "registry-data", "mountPath": "/storage", "subPath": ""}],
                    ),
                ],
                [{"name": "registry-config", "configMap": {"name": registry}}, registry_data],
                {
                    "checksum/configmap": _checksum(h.release, "registry-cm"),
                    "checksum/secret": _checksum(h.release, "registry-secret"),
                },
            ),
        ),
    ]


def _claim_template(name: str, labels: Mapping[str, str], size: str) -> JsonObject:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
    }


def _statefulset(
    h: _Harbor,
    component: str,
    containers: list[JsonObject],
    volumes: list[JsonObject],
    template_name: str,
    size: str,
    annotations: Mapping[str, str],
    init_containers: list[JsonObject] | None = None,
    replicas: int = 1,
    run_as: int = 999,
) -> JsonObject:
    pod_spec: JsonObject = {
        "securityContext": {"runAsUser": run_as, "fsGroup": run_as},
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 120,
    }
    if init_containers:
        pod_spec["initContainers"] = init_containers
    pod_spec["containers"] = containers
    if volumes:
        pod_spec["volumes"] = volumes
    template_meta: JsonObject = {"labels": h.labels(component)}
    if annotations:
        template_meta["annotations"] = dict(annotations)
    spec: JsonObject = {
        "replicas": replicas,
        "serviceName": h.name(component),
        "selector": {"matchLabels": h.match(component)},
        "template": {"metadata": template_meta, "spec": pod_spec},
    }
    if h.persistence:
        spec["volumeClaimTemplates"] = [
            _claim_template(template_name, _harbor_legacy_labels(h.release), size)
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": h.meta(h.name(component), component),
        "spec": spec,
    }


def _harbor_statefulsets(h: _Harbor) -> list[tuple[str, JsonObject]]:
    database = h.name("database")
    pvc = "persistence.persistentVolumeClaim"
    db_volumes: list[JsonObject] = [
        {"name": "shm-volume", "emptyDir": {"medium": "Memory", "sizeLimit": "512Mi"}}
    ]
    redis_volumes: list[JsonObject] = []
    trivy_volumes: list[JsonObject] = []
    if not h.persistence:
        db_volumes.append({"name": "database-data", "emptyDir": {}})
        redis_volumes.append({"name": "data", "emptyDir": {}})
        trivy_volumes.append({"name": "data", "emptyDir": {}})
    out = [
        (
            "harbor/templates/database/database-ss.yaml",
            _statefulset(
                h,
                "database",
                [
                    {
                        "name": "database",
                        "image": h.image("harbor-db"),
                        "imagePullPolicy": "IfNotPresent",
                        "livenessProbe": {
                            "exec": {"command": ["/docker-healthcheck.sh"]},
                            "initialDelaySeconds": 300,
                            "periodSeconds": 10,
                            "timeoutSeconds": 1,
                        },
                        "readinessProbe": {
                            "exec": {"command": ["/docker-healthcheck.sh"]},
                            "initialDelaySeconds": 1,
                            "periodSeconds": 10,
                            "timeoutSeconds": 1,
                        },
                        "envFrom": [{"secretRef": {"name": database}}],
                        "env": [{"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}],
                        "volumeMounts": [
                            {
                                "name": "database-data",
                                "mountPath": "/var/lib/postgresql/data",
                                "subPath": "",
                            },
                            {"name": "shm-volume", "mountPath": "/dev/shm"},
                        ],
                    }
                ],
                db_volumes,
                "database-data",
                str(value_at(h.values, f"{pvc}.database.size")),
                {"checksum/secret": _checksum(h.release, "database-secret")},
                init_containers=[
                    {
                        "name": "data-permissions-ensurer",
                        "image": h.image("harbor-db"),
                        "imagePullPolicy": "IfNotPresent",
                        "command": ["/bin/sh"],
                        "args": ["-c", "chmod -R 700 /var/lib/postgresql/data/pgdata || true"],
                        "volumeMounts": [
                            {
                                "name": "database-data",
                                "mountPath": "/var/lib/postgresql/data",
                                "subPath": "",
                            }
                        ],
                    }
                ],
            ),
        ),
        (
            "harbor/templates/redis/statefulset.yaml",
            _statefulset(
                h,
                "redis",
                [
                    {
                        "name": "redis",
                        "image": h.image("redis-photon"),
                        "imagePullPolicy": "IfNotPresent",
                        "livenessProbe": {
                            "tcpSocket": {"port": 6379},
                            "initialDelaySeconds": 300,
                            "periodSeconds": 10,
                        },
                        "readinessProbe": {
                            "tcpSocket": {"port": 6379},
                            "initialDelaySeconds": 1,
                            "periodSeconds": 10,
                        },
                        "volumeMounts": [
                            {"name": "data", "mountPath": "/var/lib/redis", "subPath": ""}
                        ],
                    }
                ],
                redis_volumes,
                "data",
                str(value_at(h.values, f"{pvc}.redis.size")),
                {},
            ),
        ),
    ]
    if value_at(h.values, "trivy.enabled", True):
        out.append(
            (
                "harbor/templates/trivy/trivy-sts.yaml",
                _statefulset(
                    h,
                    "trivy",
                    [
                        {
                            "name": "trivy",
                            "image": h.image("trivy-adapter-photon"),
                            "imagePullPolicy": "IfNotPresent",
                            "env": [
                                {
                                    "name": "SCANNER_TRIVY_CACHE_DIR",
                                    "value": "/home/scanner/.cache/trivy",
                                },
                                {
                                    "name": "SCANNER_REDIS_URL",
                                    "valueFrom": {
                                        "secretKeyRef": {"name": h.name("trivy"), "key": "redisURL"}
                                    },
                                },
                                {"name": "SCANNER_API_SERVER_ADDR", "value": ":8080"},
                            ],
                            "ports": [{"name": "api-server", "containerPort": 8080}],
                            "livenessProbe": {
                                "httpGet": {
                                    "scheme": "HTTP",
                                    "path": "/probe/healthy",
                                    "port": "api-server",
                                },
                                "initialDelaySeconds": 5,
                                "periodSeconds": 10,
                                "successThreshold": 1,
                                "failureThreshold": 10,
                            },
                            "readinessProbe": {
                                "httpGet": {
                                    "scheme": "HTTP",
                                    "path": "/probe/ready",
                                    "port": "api-server",
                                },
                                "initialDelaySeconds": 5,
                                "periodSeconds": 10,
                                "successThreshold": 1,
                                "failureThreshold": 3,
                            },
                            "volumeMounts": [
                                {
                                    "name": "data",
                                    "mountPath": "/home/scanner/.cache",
                                    "subPath": "",
                                    "readOnly": False,
                                }
                            ],
                        }
                    ],
                    trivy_volumes,
                    "data",
                    str(value_at(h.values, f"{pvc}.trivy.size")),
                    {"checksum/secret": _checksum(h.release, "trivy-secret")},
                    replicas=int(value_at(h.values, "trivy.replicas", 1)),
                    run_as=10000,
                ),
            )
        )
    return out


def _harbor_ingress(h: _Harbor) -> JsonObject:
    host = str(value_at(h.values, "expose.ingress.hosts.core"))
    paths = [
        ("/api/", "core", 80),
        ("/service/", "core", 80),
        ("/v2/", "core", 80),
        ("/c/", "core", 80),
        ("/", "portal", 80),
    ]
    spec: JsonObject = {}
    if value_at(h.values, "expose.tls.enabled"):
        spec["tls"] = [{"secretName": h.name("ingress"), "hosts": [host]}]
    spec["rules"] = [
        {
            "http": {
                "paths": [
                    {
                        "path": path,
                        "pathType": "Prefix",
                        "backend": {"service": {"name": h.name(svc), "port": {"number": port}}},
                    }
                    for path, svc, port in paths
                ]
            },
            "host": host,
        }
    ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": h.meta(
            h.name("ingress"),
            "-",
            annotations=dict(value_at(h.values, "expose.ingress.annotations") or {}),
        ),
        "spec": spec,
    }


def harbor_notes(values: Mapping[str, Any]) -> str:
    external = str(merge_values(HARBOR_DEFAULT_VALUES, values)["externalURL"])
    return (
        "Please wait for several minutes for Harbor deployment to complete.\n"
        f"Then you should be able to visit the Harbor portal at {external}\n"
        "For more details, please visit https://github.com/goharbor/harbor\n"
    )
