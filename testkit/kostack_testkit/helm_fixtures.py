"""Helm releases and the objects and volumes around them, shaped as Helm and the charts make them.

The building blocks are in `helm_fixture_storage` (release Secrets as Helm
writes them), `helm_fixture_charts` (harbor-helm v1.18 and bitnami/postgresql
output) and `helm_fixture_cluster` (what the cluster adds: ownership
metadata, bound volumes, pods, events, logs). This module assembles them:

- `harbor_seed()`: the seed incident's Helm state;
- `lookalikes()`: volumes that look like Harbor's but are not the seed
  release's (same labels with another release value, the same names in
  another namespace, a name owned by another release, a hand-made one, an
  unrelated application's, a PostgreSQL release's);
- `postgresql_release()`: a second chart with state.

Every built-in object validates against Kubernetes 1.33
(tests/release/test_helm_fixtures.py).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import UTC, timedelta
from typing import Any, Final

from kostack_lab.kube_objects import JsonObject, object_meta
from kostack_testkit.helm_fixture_charts import (
    HARBOR_DEFAULT_VALUES,
    harbor_fullname,
    harbor_notes,
    harbor_objects,
)
from kostack_testkit.helm_fixture_cluster import (
    CINDER_DRIVER,
    STORAGE_CLASS,
    HelmScenario,
    Placement,
    PodLog,
    PodState,
    helm_owned,
    install_objects,
    live_object,
    minutes_since_created,
    provision,
    service_address,
    statefulset_claims,
    storage_class,
)
from kostack_testkit.helm_fixture_postgresql import (
    POSTGRESQL_DEFAULT_VALUES,
    postgresql_fullname,
    postgresql_objects,
)
from kostack_testkit.helm_fixture_storage import (
    HARBOR_CHART,
    KST,
    POSTGRESQL_CHART,
    ChartInfo,
    at,
    decode_release_data,
    encode_release,
    go_json,
    manifest_text,
    release_configmap,
    release_record,
    release_secret,
)
from kostack_testkit.k8s_fixture_objects import NodeSpec, make_nodes

__all__ = [
    "CANARIES",
    "CINDER_DRIVER",
    "HARBOR_CHART",
    "KST",
    "POSTGRESQL_CHART",
    "STORAGE_CLASS",
    "ChartInfo",
    "HelmScenario",
    "PodLog",
    "PodState",
    "decode_release_data",
    "encode_release",
    "go_json",
    "harbor_fullname",
    "harbor_objects",
    "harbor_seed",
    "lookalikes",
    "postgresql_fullname",
    "postgresql_objects",
    "postgresql_release",
    "release_configmap",
    "release_record",
    "release_secret",
    "storage_class",
]

# Secrets that appear in the seed's release values; tests prove none ever leaves kostack.
CANARIES: Final = (
    "CanaryAdmin-7f3e9c21b4",  # harborAdminPassword
    "CanaryDbPass-5a8d2e6f01",  # database.internal.password
    "CanaryKey16-9b2c",  # secretKey (harbor wants 16 characters)
)


# Minutes after the cluster was built (2025-10-20 01:02:03 UTC).
DAY: Final = 24 * 60
FIRST_INSTALL: Final = DAY + 60.0  # 2025-10-21 11:02 KST: helm install harbor (no -n) -> default
REINSTALL: Final = 2 * DAY + 60.0  # after `helm uninstall`: install again (still no -n) -> default
UPGRADE: Final = REINSTALL + 45.0  # helm upgrade --wait: times out
HARBOR_NS_ATTEMPT: Final = 3 * DAY + 60.0  # the newer attempt: -n harbor --create-namespace
NOW: Final = HARBOR_NS_ATTEMPT + 90.0


def seed_values(*, persistence: bool = True) -> dict[str, Any]:
    """The operator's values file (with the canary secrets)."""
    values: dict[str, Any] = {
        "expose": {"tls": {"enabled": False}, "ingress": {"hosts": {"core": "harbor.k8s.example"}}},
        "externalURL": "http://harbor.k8s.example",
        "harborAdminPassword": CANARIES[0],
        "database": {"internal": {"password": CANARIES[1]}},
        "secretKey": CANARIES[2],
    }
    if not persistence:
        values["persistence"] = {"enabled": False}
    return values


def _node(nodes: Sequence[NodeSpec], name: str) -> NodeSpec:
    return next(n for n in nodes if n.name == name)


def harbor_seed(nodes: Sequence[NodeSpec] | None = None) -> HelmScenario:
    """The seed incident's Helm state, as release records, objects, volumes, pods, events and logs.

    1. 2025-10-21: `helm install harbor harbor/harbor -f values.yaml`, no -n:
       the release goes to `default`. The pod network is down (Neutron
       anti-spoofing). Its five PVCs are created: harbor-registry and
       harbor-jobservice (resource-policy keep) and the database, redis and
       trivy StatefulSets' claims. harbor-db initialises the database.
    2. `helm uninstall harbor` removes the release record and the workloads;
       the five PVCs stay.
    3. 2025-10-22: `helm install` again (still no -n) into `default`, then
       `helm upgrade --wait`, which times out (revision 2, failed). The old
       PVCs are bound again: the database is the first install's, so the
       password in the new values is not the database's: core cannot log in
       and crash-loops; jobservice crash-loops with "connection refused" to
       core. (All of default's pods run on k8s-w-1, so the broken network
       between nodes does not show there.)
    4. 2025-10-23: the newer attempt, `helm install harbor harbor/harbor -n
       harbor --create-namespace --set persistence.enabled=false --wait`
       (trying without the old volumes): it fails too. jobservice
       crash-loops with "connection refused" to core; core is not ready: it
       cannot reach the database on another node (i/o timeout) because the
       network drops pod traffic between nodes.
    """
    nodes = list(nodes) if nodes is not None else make_nodes()
    cp1, w1, w2, w3 = (_node(nodes, n) for n in ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"))
    scenario = HelmScenario(objects=[storage_class()])
    scenario.extend(_seed_default(w1))
    scenario.extend(_seed_harbor_namespace(cp1, w1, w2, w3))
    return scenario


def _seed_default(w1: NodeSpec) -> HelmScenario:
    ns = "default"
    values = seed_values()
    rendered = harbor_objects("harbor", ns, values)
    manifest = manifest_text(rendered)
    first = at(FIRST_INSTALL)
    reinstalled = at(REINSTALL)
    upgraded = at(UPGRADE)
    # The five volumes of the FIRST install (day 1): made then, bound again on day 2.
    volumes = HelmScenario()
    day1 = minutes_since_created(first.astimezone(UTC))
    for _, obj in rendered:
        if obj["kind"] == "PersistentVolumeClaim":
            volumes.objects.extend(
                provision(live_object(helm_owned(obj, "harbor", ns), day1), day1)
            )
        elif obj["kind"] == "StatefulSet":
            volumes.objects.extend(statefulset_claims(helm_owned(obj, "harbor", ns), day1 + 0.05))
    kept = [o["metadata"]["name"] for o in volumes.objects if o["kind"] == "PersistentVolumeClaim"]
    core_ip = w1.pod_ip(21)
    core_svc = service_address(ns, "harbor-core")
    log_time = at(NOW - 1, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    states = {
        "core": PodState(
            "crashloop",
            restarts=38,
            exit_code=1,
            log=(
                f"{log_time} [INFO] [/core/main.go:167]: config initialization completed\n"
                f'{log_time} [INFO] [/common/dao/base.go:67]: Registering database: type-PostgreSQL host-harbor-database port-5432 database-registry sslmode-"disable"\n'
                f'{log_time} [ERROR] [/common/utils/utils.go:108]: failed to connect to tcp:harbor-database:5432, retry after 2 seconds :failed to connect to `user=postgres database=registry`: {w1.pod_ip(22)}:5432 (harbor-database): server error: FATAL: password authentication failed for user "postgres" (SQLSTATE 28P01)\n'
                f"{log_time} [FATAL] [/core/main.go:184]: failed to initialize database: failed to connect to tcp:harbor-database:5432 after 60 seconds\n"
            ),
            events=(
                (
                    "BackOff",
                    "Back-off restarting failed container core in pod harbor-core-6b7c9d8f4b-x4mzt_default",
                    162,
                ),
            ),
        ),
        "jobservice": PodState(
            "crashloop",
            restarts=41,
            exit_code=2,
            log=_jobservice_log(log_time, core_svc),
            events=(
                (
                    "BackOff",
                    "Back-off restarting failed container jobservice in pod harbor-jobservice-8c5b7d9f6-r2wqh_default",
                    171,
                ),
            ),
        ),
    }
    placements = {
        component: Placement(w1, w1.pod_ip(ip))
        for component, ip in (
            ("core", 21),
            ("database", 22),
            ("redis", 23),
            ("jobservice", 24),
            ("portal", 25),
            ("registry", 26),
            ("trivy", 27),
        )
    }
    placements["core"] = Placement(w1, core_ip, "6b7c9d8f4b", "x4mzt")
    placements["jobservice"] = Placement(w1, w1.pod_ip(24), "8c5b7d9f6", "r2wqh")
    reinstall_minutes = minutes_since_created(reinstalled.astimezone(UTC))
    live = install_objects(
        rendered,
        release="harbor",
        namespace=ns,
        created=reinstall_minutes,
        now=NOW,
        placements=placements,
        states=states,
        existing_claims=kept,
    )
    notes = harbor_notes(values)
    rev1 = release_record(
        name="harbor",
        namespace=ns,
        revision=1,
        status="superseded",
        chart=HARBOR_CHART,
        default_values=HARBOR_DEFAULT_VALUES,
        values=values,
        manifest=manifest,
        first_deployed=reinstalled,
        last_deployed=reinstalled,
        description="Install complete",
        notes=notes,
    )
    rev2 = release_record(
        name="harbor",
        namespace=ns,
        revision=2,
        status="failed",
        chart=HARBOR_CHART,
        default_values=HARBOR_DEFAULT_VALUES,
        values=values,
        manifest=manifest,
        first_deployed=reinstalled,
        last_deployed=upgraded,
        description='Upgrade "harbor" failed: context deadline exceeded',
        notes=notes,
    )
    scenario = HelmScenario(
        objects=[
            release_secret(rev1, created=reinstalled, modified=upgraded),
            release_secret(rev2, created=upgraded, modified=upgraded + timedelta(minutes=5)),
        ]
    )
    scenario.extend(volumes).extend(live)
    scenario.notes.append(
        "default/harbor: 5 PVCs from the first install (day 1), bound again by the reinstall (day 2)"
    )
    return scenario


def _jobservice_log(log_time: str, core_ip: str) -> str:
    url = "http://harbor-core:80/api/v2.0/internalconfig"
    return (
        f"{log_time} [INFO] [/pkg/config/rest/rest.go:47]: get configuration from url: {url}\n"
        f'{log_time} [ERROR] [/pkg/config/rest/rest.go:50]: Failed on load rest config err:Get "{url}": '
        f"dial tcp {core_ip}:80: connect: connection refused, url:{url}\n"
        "panic: failed to load configuration, error: failed to load rest config\n\n"
        "goroutine 1 [running]:\nmain.main()\n\t/harbor/src/jobservice/main.go:44 +0x3ee\n"
    )


def _seed_harbor_namespace(cp1: NodeSpec, w1: NodeSpec, w2: NodeSpec, w3: NodeSpec) -> HelmScenario:
    ns = "harbor"
    values = seed_values(persistence=False)
    rendered = harbor_objects("harbor", ns, values)
    installed = at(HARBOR_NS_ATTEMPT)
    minutes = minutes_since_created(installed.astimezone(UTC))
    db_ip = w1.pod_ip(9)
    db_svc = service_address(ns, "harbor-database")
    core_svc = service_address(ns, "harbor-core")
    log_time = at(NOW - 1, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    states = {
        "core": PodState(
            "not-ready",
            restarts=6,
            exit_code=1,
            log=(
                f"{log_time} [INFO] [/core/main.go:167]: config initialization completed\n"
                f'{log_time} [INFO] [/common/dao/base.go:67]: Registering database: type-PostgreSQL host-harbor-database port-5432 database-registry sslmode-"disable"\n'
                f"{log_time} [ERROR] [/common/utils/utils.go:108]: failed to connect to tcp:harbor-database:5432, retry after 2 seconds :dial tcp {db_svc}:5432: i/o timeout\n"
            ),
            events=(
                (
                    "Unhealthy",
                    f'Readiness probe failed: Get "http://{w3.pod_ip(4)}:8080/api/v2.0/ping": dial tcp {w3.pod_ip(4)}:8080: connect: connection refused',
                    88,
                ),
            ),
        ),
        "jobservice": PodState(
            "crashloop",
            restarts=7,
            exit_code=2,
            log=_jobservice_log(log_time, core_svc),
            events=(
                (
                    "BackOff",
                    "Back-off restarting failed container jobservice in pod harbor-jobservice-5c8d7f9b4-k8p2n_harbor",
                    31,
                ),
            ),
        ),
    }
    placements = {
        "core": Placement(w3, w3.pod_ip(4), "7d9f8b6c5d", "q2x7m"),
        "jobservice": Placement(w2, w2.pod_ip(9), "5c8d7f9b4", "k8p2n"),
        "database": Placement(w1, db_ip),
        "redis": Placement(w1, w1.pod_ip(10)),
        "portal": Placement(w2, w2.pod_ip(10)),
        "registry": Placement(w3, w3.pod_ip(5)),
        "trivy": Placement(cp1, cp1.pod_ip(9)),
    }
    live = install_objects(
        rendered,
        release="harbor",
        namespace=ns,
        created=minutes,
        now=NOW,
        placements=placements,
        states=states,
    )
    record = release_record(
        name="harbor",
        namespace=ns,
        revision=1,
        status="failed",
        chart=HARBOR_CHART,
        default_values=HARBOR_DEFAULT_VALUES,
        values=values,
        manifest=manifest_text(rendered),
        first_deployed=installed,
        last_deployed=installed,
        description='Release "harbor" failed: context deadline exceeded',
        notes=harbor_notes(values),
    )
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            **object_meta(
                "Namespace",
                ns,
                labels={"kubernetes.io/metadata.name": ns, "name": ns},
                created=minutes - 0.01,
            ),
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    scenario = HelmScenario(
        objects=[
            namespace,
            release_secret(record, created=installed, modified=installed + timedelta(minutes=10)),
        ]
    )
    scenario.extend(live)
    scenario.notes.append(
        "harbor/harbor: the newer attempt, persistence off, failing on the network"
    )
    return scenario


def _plain_claim(
    ns: str,
    name: str,
    size: str,
    created: float,
    *,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> list[JsonObject]:
    claim: JsonObject = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
    }
    if labels:
        claim["metadata"]["labels"] = dict(labels)
    if annotations:
        claim["metadata"]["annotations"] = dict(annotations)
    return provision(claim, created)


def lookalikes(nodes: Sequence[NodeSpec] | None = None) -> HelmScenario:
    """Volumes that look like Harbor's but are not the seed release's, and must never be touched.

    - default/harbor-staging-registry (+ its database claim): the same labels as
      Harbor's, with release=harbor-staging (an uninstalled staging install);
    - team-a/harbor-registry, team-a/database-data-harbor-database-0: a live
      release named harbor in another namespace;
    - default/data-harbor-redis-1: named like a claim of harbor-redis, but
      owned by release redis-cache (annotations and labels);
    - default/data-harbor-trivy-1: named like one, no labels, made by hand;
    - default/www-data: an unrelated application's volume;
    - default/data-pg-postgresql-0: the PostgreSQL release `pg` (second chart).
    """
    nodes = list(nodes) if nodes is not None else make_nodes()
    w1 = _node(nodes, "k8s-w-1")
    w2 = _node(nodes, "k8s-w-2")
    scenario = HelmScenario()
    staging = harbor_objects("harbor-staging", "default", {})
    day = FIRST_INSTALL - 600
    for _, obj in staging:
        if obj["kind"] == "PersistentVolumeClaim" and obj["metadata"]["name"].endswith("-registry"):
            scenario.objects.extend(
                provision(live_object(helm_owned(obj, "harbor-staging", "default"), day), day)
            )
        if obj["kind"] == "StatefulSet" and obj["metadata"]["name"].endswith("-database"):
            scenario.objects.extend(
                statefulset_claims(helm_owned(obj, "harbor-staging", "default"), day)
            )
    # A live `harbor` release in another namespace (its own team's registry).
    team = harbor_objects("harbor", "team-a", {"trivy": {"enabled": False}})
    created = DAY / 2
    record = release_record(
        name="harbor",
        namespace="team-a",
        revision=1,
        status="deployed",
        chart=HARBOR_CHART,
        default_values=HARBOR_DEFAULT_VALUES,
        values={"trivy": {"enabled": False}},
        manifest=manifest_text(team),
        first_deployed=at(created),
        last_deployed=at(created),
        description="Install complete",
    )
    scenario.objects.append(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": object_meta(
                "Namespace",
                "team-a",
                labels={"kubernetes.io/metadata.name": "team-a"},
                created=created - 1,
            ),
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }
    )
    scenario.objects.append(release_secret(record, created=at(created)))
    placements = {
        c: Placement(w2, w2.pod_ip(40 + i))
        for i, c in enumerate(("core", "database", "redis", "jobservice", "portal", "registry"))
    }
    scenario.extend(
        install_objects(
            team,
            release="harbor",
            namespace="team-a",
            created=created,
            now=NOW,
            placements=placements,
        )
    )
    scenario.objects.extend(
        _plain_claim(
            "default",
            "data-harbor-redis-1",
            "1Gi",
            REINSTALL + 300,
            labels={
                "app.kubernetes.io/instance": "redis-cache",
                "app.kubernetes.io/name": "redis",
                "app.kubernetes.io/managed-by": "Helm",
            },
            annotations={
                "meta.helm.sh/release-name": "redis-cache",
                "meta.helm.sh/release-namespace": "default",
            },
        )
    )
    scenario.objects.extend(_plain_claim("default", "data-harbor-trivy-1", "5Gi", REINSTALL + 310))
    scenario.objects.extend(
        _plain_claim("default", "www-data", "10Gi", 200.0, labels={"app": "www"})
    )
    scenario.extend(postgresql_release("pg", "default", node=w1, ip=w1.pod_ip(60)))
    return scenario


def postgresql_release(
    name: str,
    namespace: str,
    *,
    node: NodeSpec | None = None,
    ip: str | None = None,
    installed: float = DAY / 3,
    values: Mapping[str, Any] | None = None,
) -> HelmScenario:
    """A deployed bitnami/postgresql release (standalone), its claim `data-<fullname>-0` and pod."""
    node = node or _node(make_nodes(), "k8s-w-1")
    ip = ip or node.pod_ip(60)
    values = dict(values or {"auth": {"postgresPassword": CANARIES[1]}})
    rendered = postgresql_objects(name, namespace, values)
    defaults = copy.deepcopy(dict(POSTGRESQL_DEFAULT_VALUES))
    record = release_record(
        name=name,
        namespace=namespace,
        revision=1,
        status="deployed",
        chart=POSTGRESQL_CHART,
        default_values=defaults,
        values=values,
        manifest=manifest_text(rendered),
        first_deployed=at(installed),
        last_deployed=at(installed),
        description="Install complete",
        notes="CHART NAME: postgresql\nCHART VERSION: 16.7.27\nAPP VERSION: 17.6.0\n",
    )
    scenario = HelmScenario(objects=[release_secret(record, created=at(installed))])
    scenario.extend(
        install_objects(
            rendered,
            release=name,
            namespace=namespace,
            created=installed,
            now=NOW,
            placements={"primary": Placement(node, ip)},
        )
    )
    # bitnami's pods run as this ServiceAccount.
    scenario.objects.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": object_meta(
                "ServiceAccount", postgresql_fullname(name), namespace, created=installed
            ),
            "automountServiceAccountToken": False,
        }
    )
    return scenario
