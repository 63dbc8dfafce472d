"""Which PVCs belong to which release, with the evidence, and which are only lookalikes."""

from __future__ import annotations

from kostack.analyze.release_checks.charts import chart_from_labels, chart_name, rule_for
from kostack.analyze.release_checks.ownership import analyse
from kostack.collect.helm import HelmCollection
from kostack.model.snapshot import (
    ClaimTemplate,
    HelmRelease,
    HelmState,
    ManifestPVC,
    ManifestStatefulSet,
    PersistentVolumeClaim,
)

SEED_FIVE = {
    "default/harbor-registry",
    "default/harbor-jobservice",
    "default/database-data-harbor-database-0",
    "default/data-harbor-redis-0",
    "default/data-harbor-trivy-0",
}


def claims(collection: HelmCollection) -> dict[str, object]:
    return {c.key: c for c in analyse(collection.state).claims}


def test_the_seed_release_owns_exactly_its_five_pvcs(collected: HelmCollection) -> None:
    ownership = analyse(collected.state)
    owned = {
        c.key
        for c in ownership.claims
        if c.proven
        and c.owner is not None
        and (c.owner.namespace, c.owner.name) == ("default", "harbor")
    }
    assert owned == SEED_FIVE
    by_key = {c.key: c for c in ownership.claims}
    registry = by_key["default/harbor-registry"]
    assert registry.kept and registry.role == "registry"
    assert {e.rule for e in registry.evidence if e.weight == "proof"} == {
        "manifest",
        "helm-annotations",
    }
    database = by_key["default/database-data-harbor-database-0"]
    assert database.role == "database" and not database.kept
    assert [e.rule for e in database.evidence if e.weight == "proof"] == ["statefulset-template"]


def test_lookalikes_are_never_proven_for_the_seed_release(collected: HelmCollection) -> None:
    by_key = {c.key: c for c in analyse(collected.state).claims}
    # same labels, another release value: attributed to harbor-staging (gone), not harbor
    staging = by_key["default/harbor-staging-registry"]
    assert staging.release_name == "harbor-staging" and staging.orphan and staging.proven
    # named like harbor-redis's ordinal 1, but another release's annotations and labels
    redis1 = by_key["default/data-harbor-redis-1"]
    assert not redis1.proven
    assert {e.rule for e in redis1.conflicts} >= {"helm-annotations", "release-label"}
    # named like a trivy claim, made by hand (no labels): not proven
    assert not by_key["default/data-harbor-trivy-1"].proven
    # the same names in another namespace belong to that namespace's release
    team = by_key["team-a/harbor-registry"]
    assert team.proven and team.owner is not None and team.owner.namespace == "team-a"
    # an unrelated application and the second chart
    assert by_key["default/www-data"].release_name is None
    pg = by_key["default/data-pg-postgresql-0"]
    assert pg.proven and pg.owner is not None and pg.owner.name == "pg" and pg.role == "database"


def _pvc(
    name: str, labels: dict[str, str], annotations: dict[str, str] | None = None
) -> PersistentVolumeClaim:
    return PersistentVolumeClaim(
        namespace="default", name=name, uid=name, labels=labels, annotations=annotations or {}
    )


def test_orphans_need_two_independent_facts() -> None:
    labels = {"release": "harbor", "app": "harbor", "chart": "harbor", "component": "database"}
    state = HelmState(
        releases=(),
        pvcs=(
            _pvc("database-data-harbor-database-0", labels),  # label + naming: proven
            _pvc(
                "harbor-registry",
                {},
                {
                    "meta.helm.sh/release-name": "harbor",
                    "meta.helm.sh/release-namespace": "default",
                },
            ),
            _pvc("scratch-harbor", {"release": "harbor"}),  # a label alone: not proven
            _pvc(
                "harbor-jobservice",
                {"release": "harbor"},
                {"meta.helm.sh/release-name": "harbor", "meta.helm.sh/release-namespace": "other"},
            ),
        ),
        pvs=(),
    )
    by_key = {c.key: c for c in analyse(state).claims}
    assert by_key["default/database-data-harbor-database-0"].proven
    assert by_key["default/harbor-registry"].proven
    assert not by_key["default/scratch-harbor"].proven
    assert not by_key["default/harbor-jobservice"].proven  # annotation names another namespace
    assert all(c.orphan for c in by_key.values())


def test_manifest_statefulset_and_conflicts() -> None:
    release = HelmRelease(
        name="db",
        namespace="default",
        revision=1,
        status="deployed",
        chart="mychart",
        manifest_pvcs=(ManifestPVC(name="db-files"),),
        manifest_statefulsets=(
            ManifestStatefulSet(
                name="db-mychart",
                selector={"app.kubernetes.io/instance": "db"},
                claim_templates=(ClaimTemplate(name="data"),),
            ),
        ),
    )
    state = HelmState(
        releases=(release,),
        pvcs=(
            _pvc("db-files", {}),
            _pvc("data-db-mychart-0", {"app.kubernetes.io/instance": "db"}),
            _pvc("data-db-mychart-1", {"app.kubernetes.io/instance": "other"}),
            _pvc("data-db-mychart-2", {}),
        ),
        pvs=(),
    )
    by_key = {c.key: c for c in analyse(state).claims}
    assert by_key["default/db-files"].proven
    assert by_key["default/data-db-mychart-0"].proven
    assert not by_key["default/data-db-mychart-1"].proven
    assert not by_key["default/data-db-mychart-2"].proven


def test_chart_rules() -> None:
    assert chart_name("harbor/harbor") == "harbor"
    assert chart_name("oci://registry-1.docker.io/bitnamicharts/postgresql") == "postgresql"
    assert chart_name("./harbor-1.18.0.tgz") == "harbor"
    assert chart_name("bitnami/postgresql@16.7.27") == "postgresql"
    assert chart_from_labels({"helm.sh/chart": "postgresql-16.7.27"}) == "postgresql"
    assert chart_from_labels({"chart": "harbor"}) == "harbor"
    harbor = rule_for("harbor")
    assert [p.name for p in harbor.expected_pvcs("registry")] == [
        "registry-harbor-registry",
        "registry-harbor-jobservice",
        "database-data-registry-harbor-database-0",
        "data-registry-harbor-redis-0",
        "data-registry-harbor-trivy-0",
    ]
    assert harbor.expected_pvcs("harbor", {"persistence.enabled": "false"}) == ()
    assert [p.name for p in rule_for("postgresql").expected_pvcs("pg")] == ["data-pg-postgresql-0"]
    assert not rule_for("nginx").known
