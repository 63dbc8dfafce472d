"""bitnami/postgresql (standalone) as the chart renders it: a second chart with state.

The primary StatefulSet has a `data` volumeClaimTemplate without labels (the
StatefulSet controller copies the selector's app.kubernetes.io/instance,
name and component=primary onto the claim); every object carries
`common.labels.standard`. Only the chart's output shape is reproduced here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kostack_lab.kube_objects import JsonObject
from kostack_testkit.helm_fixture_charts import merge_values, value_at
from kostack_testkit.helm_fixture_storage import POSTGRESQL_CHART, ChartInfo, b64_text
from kostack_testkit.k8s_fixture_objects import name_suffix

POSTGRESQL_DEFAULT_VALUES: Final[Mapping[str, Any]] = {
    "architecture": "standalone",
    "auth": {
        "enablePostgresUser": True,
        "postgresPassword": "",
        "username": "",
        "password": "",
        "database": "",
    },
    "primary": {
        "persistence": {
            "enabled": True,
            "size": "8Gi",
            "accessModes": ["ReadWriteOnce"],
            "mountPath": "/bitnami/postgresql",
        }
    },
    "image": {
        "registry": "docker.io",
        "repository": "bitnami/postgresql",
        "tag": "17.6.0-debian-12-r4",
    },
}


def _bitnami_labels(release: str, chart: ChartInfo) -> dict[str, str]:
    return {
        "app.kubernetes.io/instance": release,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/name": chart.name,
        "app.kubernetes.io/version": chart.app_version,
        "helm.sh/chart": f"{chart.name}-{chart.version}",
    }


def postgresql_fullname(release: str) -> str:
    return release if "postgresql" in release else f"{release}-postgresql"


def postgresql_objects(
    release: str, namespace: str, values: Mapping[str, Any] | None = None
) -> list[tuple[str, JsonObject]]:
    """bitnami/postgresql (standalone) as rendered: Secret, Services, the primary StatefulSet."""
    merged = merge_values(POSTGRESQL_DEFAULT_VALUES, values or {})
    chart = POSTGRESQL_CHART
    fn = postgresql_fullname(release)
    labels = _bitnami_labels(release, chart)
    match = {"app.kubernetes.io/instance": release, "app.kubernetes.io/name": "postgresql"}
    primary = {**labels, "app.kubernetes.io/component": "primary"}
    password = str(value_at(merged, "auth.postgresPassword") or name_suffix(10, release, "pg"))
    image = f"{value_at(merged, 'image.registry')}/{value_at(merged, 'image.repository')}:{value_at(merged, 'image.tag')}"
    sts_spec: JsonObject = {
        "replicas": 1,
        "serviceName": f"{fn}-hl",
        "updateStrategy": {"rollingUpdate": {}, "type": "RollingUpdate"},
        "selector": {"matchLabels": {**match, "app.kubernetes.io/component": "primary"}},
        "template": {
            "metadata": {"name": fn, "labels": primary},
            "spec": {
                "serviceAccountName": fn,
                "automountServiceAccountToken": False,
                "securityContext": {"fsGroup": 1001, "fsGroupChangePolicy": "Always"},
                "hostNetwork": False,
                "hostIPC": False,
                "containers": [
                    {
                        "name": "postgresql",
                        "image": image,
                        "imagePullPolicy": "IfNotPresent",
                        "env": [
                            {"name": "BITNAMI_DEBUG", "value": "false"},
                            {"name": "POSTGRESQL_PORT_NUMBER", "value": "5432"},
                            {"name": "POSTGRESQL_VOLUME_DIR", "value": "/bitnami/postgresql"},
                            {"name": "PGDATA", "value": "/bitnami/postgresql/data"},
                            {
                                "name": "POSTGRES_PASSWORD_FILE",
                                "value": "/opt/bitnami/postgresql/secrets/postgres-password",
                            },
                        ],
                        "ports": [{"name": "tcp-postgresql", "containerPort": 5432}],
                        "readinessProbe": {
                            "exec": {
                                "command": [
                                    "/bin/sh",
                                    "-c",
                                    "-e",
                                    'exec pg_isready -U "postgres" -h 127.0.0.1 -p 5432\n',
                                ]
                            },
                            "failureThreshold": 6,
                            "initialDelaySeconds": 5,
                            "periodSeconds": 10,
                            "successThreshold": 1,
                            "timeoutSeconds": 5,
                        },
                        "volumeMounts": [
                            {
                                "name": "postgresql-password",
                                "mountPath": "/opt/bitnami/postgresql/secrets/",
                            },
                            {"name": "data", "mountPath": "/bitnami/postgresql"},
                        ],
                    }
                ],
                "volumes": [
                    {"name": "postgresql-password", "secret": {"secretName": fn}},
                    {"name": "dshm", "emptyDir": {"medium": "Memory"}},
                ],
            },
        },
    }
    if value_at(merged, "primary.persistence.enabled"):
        sts_spec["volumeClaimTemplates"] = [
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data"},
                "spec": {
                    "accessModes": list(value_at(merged, "primary.persistence.accessModes")),
                    "resources": {
                        "requests": {"storage": str(value_at(merged, "primary.persistence.size"))}
                    },
                },
            }
        ]
    else:
        sts_spec["template"]["spec"]["volumes"].append({"name": "data", "emptyDir": {}})
    return [
        (
            "postgresql/templates/secrets.yaml",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": fn, "namespace": namespace, "labels": labels},
                "type": "Opaque",
                "data": {"postgres-password": b64_text(password)},
            },
        ),
        (
            "postgresql/templates/primary/svc-headless.yaml",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"{fn}-hl", "namespace": namespace, "labels": primary},
                "spec": {
                    "type": "ClusterIP",
                    "clusterIP": "None",
                    "publishNotReadyAddresses": True,
                    "ports": [
                        {"name": "tcp-postgresql", "port": 5432, "targetPort": "tcp-postgresql"}
                    ],
                    "selector": {**match, "app.kubernetes.io/component": "primary"},
                },
            },
        ),
        (
            "postgresql/templates/primary/svc.yaml",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": fn, "namespace": namespace, "labels": primary},
                "spec": {
                    "type": "ClusterIP",
                    "sessionAffinity": "None",
                    "ports": [
                        {
                            "name": "tcp-postgresql",
                            "port": 5432,
                            "targetPort": "tcp-postgresql",
                            "nodePort": None,
                        }
                    ],
                    "selector": {**match, "app.kubernetes.io/component": "primary"},
                },
            },
        ),
        (
            "postgresql/templates/primary/statefulset.yaml",
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": {"name": fn, "namespace": namespace, "labels": primary},
                "spec": sts_spec,
            },
        ),
    ]
