"""The reinstall plan: exactly the release's proven PVCs, their volumes retained, gated on the network."""

from __future__ import annotations

from release_testing import with_helm

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import localize
from kostack.collect.helm import HelmCollection
from kostack.model import Snapshot
from kostack.model.snapshot import ProbeObservation, WorkloadPod
from kostack.plan.release import build_reinstall_plan, network_gate, recovery_recipe

SEED_FIVE = {
    "default/harbor-registry",
    "default/harbor-jobservice",
    "default/database-data-harbor-database-0",
    "default/data-harbor-redis-0",
    "default/data-harbor-trivy-0",
}


def plan_for(snapshot: Snapshot, **options: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {"name": "harbor", "namespace": "harbor", "chart": "harbor/harbor"}
    args.update(options)
    return build_reinstall_plan(snapshot, diagnose(snapshot), **args)  # type: ignore[arg-type]


def test_plan_lists_exactly_the_five_pvcs_and_nothing_else(collected: HelmCollection) -> None:
    snapshot = with_helm("seed-fixed.json", collected)
    plan = plan_for(snapshot, values_file="values.yaml")
    assert not plan.blocked, [localize(b, "en") for b in plan.blockers]
    assert {p.key for p in plan.pvcs} == SEED_FIVE
    assert plan.from_namespaces == ("default", "harbor")
    assert [(r.namespace, r.name) for r in plan.removing] == [
        ("default", "harbor"),
        ("harbor", "harbor"),
    ]
    deleted = {
        f"{a.target.namespace}/{a.target.name}" for a in plan.actions if a.op == "delete-pvc"
    }
    assert deleted == SEED_FIVE
    # every other PVC is listed as left alone, with the reason
    left = {item.pvc: item.reason for item in plan.left_alone}
    assert (
        "annotations say Helm release default/redis-cache owns it"
        in left["default/data-harbor-redis-1"]
    )
    assert "do not match StatefulSet harbor-trivy's selector" in left["default/data-harbor-trivy-1"]
    assert (
        left["default/harbor-staging-registry"]
        == "made by release harbor-staging (gone), not harbor"
    )
    assert left["default/data-pg-postgresql-0"] == "belongs to release default/pg"
    assert left["default/www-data"] == "no Helm release made it"
    assert left["team-a/harbor-registry"].startswith("in namespace team-a, outside this reinstall")
    all_pvcs = {f"{p.namespace}/{p.name}" for p in collected.state.pvcs or ()}
    assert set(left) | SEED_FIVE == all_pvcs - {k for k in all_pvcs if k.startswith("harbor/")}


def test_steps_order_preconditions_and_inverses(collected: HelmCollection) -> None:
    plan = plan_for(with_helm("seed-fixed.json", collected), values_file="values.yaml")
    ops = [a.op for a in plan.actions]
    assert ops == ["retain-pv"] * 5 + ["helm-uninstall"] * 2 + ["delete-pvc"] * 5 + [
        "helm-install",
        "wait-ready",
        "check-ready",
        "check-ready",
    ]
    for action in plan.actions:
        if action.op in ("retain-pv", "delete-pvc", "helm-uninstall"):
            assert action.precondition is not None and action.precondition.resource_version
        if action.op in ("retain-pv", "delete-pvc"):
            assert action.inverse is not None and action.inverse.command
    retain = plan.actions[0]
    assert retain.param("from") == "Delete" and retain.param("policy") == "Retain"
    assert retain.command.startswith("kubectl patch pv pvc-")
    install = next(a for a in plan.actions if a.op == "helm-install")
    assert install.command == (
        "helm install harbor harbor/harbor --namespace harbor --create-namespace --values values.yaml"
    )
    assert install.precondition is not None and install.precondition.absent
    wait = next(a for a in plan.actions if a.op == "wait-ready")
    assert wait.param("selector") == "component=core,release=harbor"
    check = next(a for a in plan.actions if a.op == "check-ready")
    assert check.param("component") == "jobservice"
    uninstall = [a.command for a in plan.actions if a.op == "helm-uninstall"]
    assert uninstall[0].startswith("helm uninstall harbor --namespace default --wait")


def test_network_gate_blocks_with_the_reason(collected: HelmCollection) -> None:
    snapshot = with_helm("seed-incident.json", collected)
    plan = plan_for(snapshot)
    assert plan.blocked
    text = localize(plan.blockers[0], "en")
    assert "DNS from pods fails" in text
    assert "kubernetes service is unreachable from pods" in text
    assert "ROOT CAUSE: Neutron anti-spoofing drops pod traffic" in text
    assert {c.name: c.status for c in plan.gate.checks} == {"dns": "fail", "api-service": "fail"}
    # the plan is still shown, so the operator sees what would happen
    assert {p.key for p in plan.pvcs} == SEED_FIVE


def test_no_diagnosis_means_the_gate_cannot_pass(collected: HelmCollection) -> None:
    snapshot = Snapshot(helm=collected.state)
    plan = build_reinstall_plan(
        snapshot, None, name="harbor", namespace="harbor", chart="harbor/harbor"
    )
    assert plan.blocked
    assert all(c.status == "unknown" for c in plan.gate.checks)


def test_probes_decide_the_gate(collected: HelmCollection) -> None:
    healthy = with_helm("seed-fixed.json", collected)
    failing_dns = ProbeObservation(
        id="dns-w2",
        kind="dns",
        target="kubernetes.default.svc.cluster.local",
        verdict="fail",
        detail="timeout",
    )
    gate = network_gate(diagnose(healthy), [failing_dns])
    assert not gate.passed
    assert next(c for c in gate.checks if c.name == "dns").source == "probe"


def test_discard_data_skips_retain_and_warns(collected: HelmCollection) -> None:
    plan = plan_for(with_helm("seed-fixed.json", collected), discard_data=True)
    assert "retain-pv" not in [a.op for a in plan.actions]
    assert any("--discard-data" in localize(w, "en") for w in plan.warnings)
    assert plan.retained_volumes == ()
    assert recovery_recipe(plan) == ()


def test_no_values_warns_that_old_values_are_not_reused(collected: HelmCollection) -> None:
    plan = plan_for(with_helm("seed-fixed.json", collected))
    warning = localize(plan.warnings[0], "en")
    assert "helm get values harbor -n default" in warning
    assert "harborAdminPassword" in warning


def test_a_pod_of_another_release_mounting_a_claim_blocks(collected: HelmCollection) -> None:
    snapshot = with_helm("seed-fixed.json", collected)
    state = snapshot.helm
    assert state is not None and state.pods is not None
    intruder = WorkloadPod(
        namespace="default", name="backup-0", claims=("harbor-registry",), labels={"app": "backup"}
    )
    snapshot = snapshot.model_copy(
        update={"helm": state.model_copy(update={"pods": (*state.pods, intruder)})}
    )
    plan = plan_for(snapshot)
    assert any("mounted by pod default/backup-0" in localize(b, "en") for b in plan.blockers)


def test_an_unproven_claim_the_install_would_bind_blocks(collected: HelmCollection) -> None:
    snapshot = with_helm("seed-fixed.json", collected)
    state = snapshot.helm
    assert state is not None and state.pvcs is not None
    stranger = next(p for p in state.pvcs if p.name == "www-data").model_copy(
        update={"namespace": "harbor", "name": "database-data-harbor-database-0", "uid": "x"}
    )
    snapshot = snapshot.model_copy(
        update={"helm": state.model_copy(update={"pvcs": (*state.pvcs, stranger)})}
    )
    plan = plan_for(snapshot)
    assert any("would be bound by the new install" in localize(b, "en") for b in plan.blockers)


def test_second_chart_postgresql(collected: HelmCollection) -> None:
    snapshot = with_helm("seed-fixed.json", collected)
    asked = {"name": "pg", "namespace": "databases", "chart": "bitnami/postgresql"}
    # default/pg is deployed: moving it is asked for with --from default, never assumed
    unasked = build_reinstall_plan(snapshot, diagnose(snapshot), **asked)  # type: ignore[arg-type]
    assert not unasked.pvcs and not unasked.removing
    assert "default/pg" in localize(unasked.warnings[0], "en")
    plan = build_reinstall_plan(
        snapshot,
        diagnose(snapshot),
        **asked,
        from_namespaces=("default",),  # type: ignore[arg-type]
    )
    assert not plan.blocked
    assert [p.key for p in plan.pvcs] == ["default/data-pg-postgresql-0"]
    assert plan.pvcs[0].role == "database"
    assert [(r.namespace, r.name) for r in plan.removing] == [("default", "pg")]
    wait = next(a for a in plan.actions if a.op == "wait-ready")
    assert wait.param("selector") == (
        "app.kubernetes.io/component=primary,app.kubernetes.io/instance=pg,app.kubernetes.io/name=postgresql"
    )


def test_after_uninstall_the_orphans_are_still_proven(collected: HelmCollection) -> None:
    """A rerun after `helm uninstall` (no helm binary on the first run) finds the same five."""
    snapshot = with_helm("seed-fixed.json", collected)
    state = snapshot.helm
    assert state is not None
    releases = tuple(
        r for r in state.releases or () if r.namespace != "default" or r.name != "harbor"
    )
    snapshot = snapshot.model_copy(update={"helm": state.model_copy(update={"releases": releases})})
    plan = plan_for(snapshot)
    assert {p.key for p in plan.pvcs} == SEED_FIVE
    assert all("release gone" in p.release for p in plan.pvcs)


def _default_copy_deployed(snapshot: Snapshot) -> Snapshot:
    state = snapshot.helm
    assert state is not None
    releases = tuple(
        r.model_copy(update={"status": "deployed"})
        if (r.namespace, r.name) == ("default", "harbor")
        else r
        for r in state.releases or ()
    )
    return snapshot.model_copy(update={"helm": state.model_copy(update={"releases": releases})})


def test_a_deployed_copy_in_default_is_left_alone_unless_from_names_it(
    collected: HelmCollection,
) -> None:
    """`helm install` without -n puts a release in default; the seed's copy there failed and
    is removed. A deployed one may be someone's install on purpose: the plan leaves it and its
    volumes alone and says how to include it; `--from default` includes it, as before."""
    snapshot = _default_copy_deployed(with_helm("seed-fixed.json", collected))
    plan = plan_for(snapshot, values_file="values.yaml")
    assert [(r.namespace, r.name) for r in plan.removing] == [("harbor", "harbor")]
    assert not {p.key for p in plan.pvcs} & SEED_FIVE
    assert plan.from_namespaces == ("harbor",)
    said = [localize(w, "en") for w in plan.warnings]
    assert any(
        "default/harbor of the same chart is deployed in default: left alone" in w
        and w.endswith("add --from default")
        for w in said
    ), said
    korean = [localize(w, "ko") for w in plan.warnings]
    assert any("default/harbor가 default에 배포(deployed)" in w for w in korean), korean
    assert any("--from default를 추가하세요" in w for w in korean), korean

    asked = plan_for(snapshot, values_file="values.yaml", from_namespaces=("default",))
    assert [(r.namespace, r.name) for r in asked.removing] == [
        ("default", "harbor"),
        ("harbor", "harbor"),
    ]
    assert {p.key for p in asked.pvcs} == SEED_FIVE
    assert not any("deployed in default" in localize(w, "en") for w in asked.warnings)
