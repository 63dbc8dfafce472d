"""What kostack knows about how charts name their volumes and how their parts depend on each other.

A chart rule answers, for a release name: the chart's "fullname" (the prefix
of every object it creates), the PVCs it creates and what each holds, which
labels carry the release name, and the parts (components) whose pods depend
on each other (Harbor: jobservice needs core, core needs the database and
redis). Rules come from the charts' own templates:

- goharbor/harbor-helm v1.18 `_helpers.tpl` (`harbor.fullname`: the release
  name when it contains "harbor", else `<release>-harbor`; `nameOverride`
  and `fullnameOverride` change it), `registry-pvc.yaml`,
  `jobservice-pvc.yaml` and the database/redis/trivy StatefulSets'
  volumeClaimTemplates (`database-data`, `data`, `data`).
- bitnami/postgresql (`common.names.fullname`; primary StatefulSet with a
  `data` volumeClaimTemplate; selector app.kubernetes.io/name + instance +
  component=primary).
- any other chart: Helm's `helm create` convention for the fullname and the
  common release labels; no PVC names are assumed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

RELEASE_LABELS = ("release", "app.kubernetes.io/instance")
# Expected trivy volumes are listed up to this many replicas: a values file
# saying 10^9 must not make a list of 10^9 names (role_of still recognises a
# volume of any ordinal by its name).
MAX_LISTED_REPLICAS = 128


@dataclass(frozen=True)
class Component:
    """A part of a chart whose pods can be told apart by labels."""

    name: str
    labels: Mapping[str, str]  # besides the release label
    depends_on: tuple[str, ...] = ()
    port: int | None = None  # the port other parts reach it on (pod port)


@dataclass(frozen=True)
class ExpectedPVC:
    name: str
    role: str  # what the volume holds: database, redis, registry, jobservice, trivy...
    kept: bool = False  # carries helm.sh/resource-policy: keep by default


@dataclass(frozen=True)
class ChartRule:
    chart: str
    components: tuple[Component, ...] = ()
    # Roles whose volume holds initialised state that a reinstall would keep using.
    state_roles: tuple[str, ...] = ()
    # Values that only take effect when that state is created (ignored with an old volume).
    first_start_values: tuple[str, ...] = ()
    # The component to wait for after a reinstall before judging the others.
    gate_component: str | None = None
    known: bool = True
    extra_labels: Mapping[str, str] = field(default_factory=dict)

    def fullname(self, release: str, settings: Mapping[str, str] | None = None) -> str:
        """The chart's fullname for a release (Helm's `<chart>.fullname` convention)."""
        settings = settings or {}
        override = settings.get("fullnameOverride", "")
        if override:
            return _dns_trunc(override)
        name = settings.get("nameOverride", "") or self.chart
        if name in release:
            return _dns_trunc(release)
        return _dns_trunc(f"{release}-{name}")

    def expected_pvcs(
        self, release: str, settings: Mapping[str, str] | None = None
    ) -> tuple[ExpectedPVC, ...]:
        settings = settings or {}
        if settings.get("persistence.enabled") == "false":
            return ()
        fn = self.fullname(release, settings)
        if self.chart == "harbor":
            out = [
                ExpectedPVC(f"{fn}-registry", "registry", kept=True),
                ExpectedPVC(f"{fn}-jobservice", "jobservice", kept=True),
                ExpectedPVC(f"database-data-{fn}-database-0", "database"),
                ExpectedPVC(f"data-{fn}-redis-0", "redis"),
                ExpectedPVC(f"data-{fn}-trivy-0", "trivy"),
            ]
            replicas = settings.get("trivy.replicas", "1")
            if replicas.isdigit():
                count = min(int(replicas), MAX_LISTED_REPLICAS)
                out.extend(ExpectedPVC(f"data-{fn}-trivy-{i}", "trivy") for i in range(1, count))
            return tuple(out)
        if self.chart == "postgresql":
            if settings.get("architecture") == "replication":
                return (ExpectedPVC(f"data-{fn}-primary-0", "database"),)
            return (ExpectedPVC(f"data-{fn}-0", "database"),)
        return ()

    def role_of(
        self, pvc_name: str, release: str, settings: Mapping[str, str] | None = None
    ) -> str | None:
        """The role of a PVC named by this chart for `release`, if the name follows the rule."""
        for expected in self.expected_pvcs(release, settings):
            if expected.name == pvc_name:
                return expected.role
        if self.chart == "harbor":
            fn = re.escape(self.fullname(release, settings))
            match = re.fullmatch(rf"data-{fn}-trivy-\d+", pvc_name)
            if match:
                return "trivy"
        return None

    def component_of(self, labels: Mapping[str, str]) -> str | None:
        for component in self.components:
            if all(labels.get(k) == v for k, v in component.labels.items()):
                return component.name
        return None

    def component(self, name: str) -> Component | None:
        return next((c for c in self.components if c.name == name), None)


def _dns_trunc(name: str) -> str:
    return name[:63].rstrip("-")


HARBOR = ChartRule(
    "harbor",
    components=(
        Component("database", {"component": "database"}, (), 5432),
        Component("redis", {"component": "redis"}, (), 6379),
        Component("core", {"component": "core"}, ("database", "redis"), 8080),
        Component("jobservice", {"component": "jobservice"}, ("core", "redis"), 8080),
        Component("registry", {"component": "registry"}, ("redis",), 5000),
        Component("portal", {"component": "portal"}, (), 8080),
        Component("trivy", {"component": "trivy"}, ("redis",), 8080),
        Component("exporter", {"component": "exporter"}, ("database", "redis"), 8001),
        Component("nginx", {"component": "nginx"}, ("core", "portal"), 8080),
    ),
    state_roles=("database",),
    first_start_values=("harborAdminPassword", "database.internal.password"),
    gate_component="core",
    extra_labels={"app": "harbor"},
)

POSTGRESQL = ChartRule(
    "postgresql",
    components=(
        Component(
            "primary",
            {"app.kubernetes.io/name": "postgresql", "app.kubernetes.io/component": "primary"},
            (),
            5432,
        ),
        Component(
            "read",
            {"app.kubernetes.io/name": "postgresql", "app.kubernetes.io/component": "read"},
            ("primary",),
            5432,
        ),
    ),
    state_roles=("database",),
    first_start_values=(
        "auth.postgresPassword",
        "auth.password",
        "auth.username",
        "auth.database",
        "global.postgresql.auth.postgresPassword",
        "global.postgresql.auth.password",
    ),
    gate_component="primary",
    extra_labels={"app.kubernetes.io/name": "postgresql"},
)

RULES: dict[str, ChartRule] = {r.chart: r for r in (HARBOR, POSTGRESQL)}


def rule_for(chart: str) -> ChartRule:
    """The rule for a chart name (generic when kostack does not know the chart)."""
    known = RULES.get(chart)
    if known is not None:
        return known
    return ChartRule(chart or "unknown", known=False)


def chart_name(reference: str) -> str:
    """The chart's name from what `helm install` is given: repo/name, oci://.../name, ./name-1.2.3.tgz."""
    ref = reference.rstrip("/")
    ref = ref.split("@", 1)[0]
    base = ref.rsplit("/", 1)[-1]
    base = re.sub(r"\.tgz$|\.tar\.gz$", "", base)
    base = base.split(":", 1)[0]
    match = re.fullmatch(r"(.+?)-v?\d+\.\d+\.\d+.*", base)
    return match.group(1) if match else base


def chart_from_labels(labels: Mapping[str, str]) -> str | None:
    """Which chart made an object, from its labels (legacy `chart`, `helm.sh/chart`, app name)."""
    helm_chart = labels.get("helm.sh/chart")
    if helm_chart:
        return chart_name(helm_chart + ".tgz") if re.search(r"-\d", helm_chart) else helm_chart
    legacy = labels.get("chart")
    if legacy:
        match = re.fullmatch(r"(.+?)-\d+\.\d+\.\d+.*", legacy)
        return match.group(1) if match else legacy
    return labels.get("app.kubernetes.io/name") or labels.get("app")


def release_label(labels: Mapping[str, str]) -> tuple[str, str] | None:
    """(label key, release name) of the first release label present."""
    for key in RELEASE_LABELS:
        value = labels.get(key)
        if value:
            return key, value
    return None
