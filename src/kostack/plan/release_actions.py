"""The steps of a clean reinstall as frozen actions, and the recipe to get retained data back.

Every step keeps the commands a person would run for it as argument lists
(rendered and quoted by `kostack.shell` when shown). Pure.
"""

from __future__ import annotations

import json

from kostack.analyze.messages import Msg
from kostack.analyze.messages import localize as L
from kostack.analyze.release_checks.charts import ChartRule
from kostack.model.snapshot import HelmState
from kostack.plan.release_model import (
    PlannedPVC,
    Precondition,
    ReinstallPlan,
    ReleaseAction,
    ReleaseInstance,
    Target,
)
from kostack.shell import Cmd, command, comment, render


def readiness(
    rule: ChartRule, name: str
) -> tuple[dict[str, str], tuple[tuple[str, tuple[tuple[str, str], ...]], ...]]:
    """Labels of the part to wait for, and of the parts to judge once it is ready."""
    release_key = "release" if rule.chart == "harbor" else "app.kubernetes.io/instance"
    base = {release_key: name}
    gate = rule.component(rule.gate_component) if rule.gate_component else None
    if gate is None:
        return base, ()
    others = tuple(
        (c.name, tuple(sorted({**base, **c.labels}.items())))
        for c in rule.components
        if gate.name in c.depends_on
    )
    return {**base, **gate.labels}, others


def _reclaim_patch(volume: str, policy: str) -> Cmd:
    body = json.dumps({"spec": {"persistentVolumeReclaimPolicy": policy}}, separators=(",", ":"))
    return Cmd(command(("kubectl", "patch", "pv"), (volume,), ("-p", body)))


def _retain_actions(
    pvcs: tuple[PlannedPVC, ...], helm: HelmState, first_step: int
) -> list[ReleaseAction]:
    volumes = {pv.name: pv for pv in helm.pvs or ()}
    out: list[ReleaseAction] = []
    for pvc in pvcs:
        if not pvc.volume or pvc.reclaim_policy == "Retain":
            continue
        pv = volumes.get(pvc.volume)
        old = pvc.reclaim_policy or "Delete"
        target = Target("PersistentVolume", pvc.volume)
        out.append(
            ReleaseAction(
                first_step + len(out),
                "retain-pv",
                target,
                (("policy", "Retain"), ("from", old), ("claim", pvc.key)),
                Msg("rel.act.retain", pvc=pvc.key),
                Precondition(
                    resource_version=pv.resource_version if pv else None,
                    uid=pv.uid if pv else None,
                ),
                ReleaseAction(
                    0,
                    "restore-reclaim-policy",
                    target,
                    (("policy", old),),
                    Msg("rel.act.restore-policy", policy=old),
                    commands=(_reclaim_patch(pvc.volume, old),),
                ),
                (_reclaim_patch(pvc.volume, "Retain"),),
            )
        )
    return out


def _delete_pvc_action(
    pvc: PlannedPVC, step: int, discard_data: bool, timeout: int
) -> ReleaseAction:
    inverse = None
    if pvc.volume and (not discard_data or pvc.reclaim_policy == "Retain"):
        inverse = ReleaseAction(
            0,
            "rebind-pvc",
            Target("PersistentVolumeClaim", pvc.name, pvc.namespace),
            (
                ("volume", pvc.volume),
                ("size", pvc.size or ""),
                ("storage_class", pvc.storage_class or ""),
            ),
            Msg("rel.act.rebind", pvc=pvc.key, volume=pvc.volume),
            commands=(
                Cmd(command(("kubectl", "patch", "pv"), (pvc.volume,), ("-p", _prebind(pvc)))),
                Cmd(("kubectl", "create", "-f", "-"), stdin=claim_manifest(pvc)),
            ),
        )
    return ReleaseAction(
        step,
        "delete-pvc",
        Target("PersistentVolumeClaim", pvc.name, pvc.namespace),
        (("wait", f"{timeout}s"), ("volume", pvc.volume or "")),
        Msg("rel.act.delete-pvc-role", release=pvc.release, role=pvc.role)
        if pvc.role
        else Msg("rel.act.delete-pvc", release=pvc.release),
        Precondition(resource_version=pvc.resource_version, uid=pvc.uid),
        inverse,
        (
            Cmd(
                command(
                    ("kubectl", "delete", "pvc"),
                    (pvc.name,),
                    ("--namespace", pvc.namespace, "--wait", f"--timeout={timeout}s"),
                )
            ),
        ),
    )


def _uninstall_action(release: ReleaseInstance, step: int, timeout: int) -> ReleaseAction:
    return ReleaseAction(
        step,
        "helm-uninstall",
        Target("HelmRelease", release.name, release.namespace),
        (("timeout", f"{timeout}s"),),
        release.reason,
        Precondition(
            resource_version=release.resource_version,
            note=Msg(
                "rel.pre.newest",
                object=release.storage_object,
                revision=release.revision,
                status=release.status,
            ),
        ),
        None,
        (
            Cmd(
                command(
                    ("helm", "uninstall"),
                    (release.name,),
                    ("--namespace", release.namespace, "--wait", "--timeout", f"{timeout}s"),
                )
            ),
        ),
    )


def _install_action(
    name: str, namespace: str, chart: str, values_file: str | None, step: int
) -> ReleaseAction:
    options = ["--namespace", namespace, "--create-namespace"]
    if values_file:
        options += ["--values", values_file]
    install = command(("helm", "install"), (name, chart), options)
    return ReleaseAction(
        step,
        "helm-install",
        Target("HelmRelease", name, namespace),
        (("chart", chart), ("values", values_file or "")),
        Msg("rel.act.install", name=name, namespace=namespace),
        Precondition(absent=True, note=Msg("rel.pre.no-release", name=name, namespace=namespace)),
        ReleaseAction(
            0,
            "helm-uninstall",
            Target("HelmRelease", name, namespace),
            (),
            Msg("rel.act.undo-install"),
            commands=(Cmd(command(("helm", "uninstall"), (name,), ("--namespace", namespace))),),
        ),
        (Cmd(install),),
    )


def _readiness_actions(
    name: str, namespace: str, rule: ChartRule, timeout: int, first_step: int
) -> list[ReleaseAction]:
    """Wait for the part the others need, then check each other component."""
    selector, others = readiness(rule, name)
    selector_text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    actions = [
        ReleaseAction(
            first_step,
            "wait-ready",
            Target("Pods", selector_text, namespace),
            (("selector", selector_text), ("timeout", f"{timeout}s")),
            Msg("rel.act.wait-gate", gate=rule.gate_component)
            if rule.gate_component
            else Msg("rel.act.wait"),
            commands=(_wait(namespace, selector_text, timeout),),
        )
    ]
    for component, labels in others:
        text = ",".join(f"{k}={v}" for k, v in labels)
        actions.append(
            ReleaseAction(
                first_step + len(actions),
                "check-ready",
                Target("Pods", text, namespace),
                (("selector", text), ("component", component), ("timeout", f"{timeout}s")),
                Msg("rel.act.judge", component=component),
                commands=(_wait(namespace, text, timeout),),
            )
        )
    return actions


def actions_for(
    name: str,
    namespace: str,
    chart: str,
    values_file: str | None,
    discard_data: bool,
    removing: list[ReleaseInstance],
    pvcs: tuple[PlannedPVC, ...],
    helm: HelmState,
    rule: ChartRule,
    timeout: int,
) -> tuple[ReleaseAction, ...]:
    """Retain, uninstall, delete the proven claims, install, wait: in that order."""
    actions: list[ReleaseAction] = []
    if not discard_data:
        actions.extend(_retain_actions(pvcs, helm, 1))
    for release in removing:
        actions.append(_uninstall_action(release, len(actions) + 1, timeout))
    for pvc in pvcs:
        actions.append(_delete_pvc_action(pvc, len(actions) + 1, discard_data, timeout))
    actions.append(_install_action(name, namespace, chart, values_file, len(actions) + 1))
    actions.extend(_readiness_actions(name, namespace, rule, timeout, len(actions) + 1))
    return tuple(actions)


def _wait(namespace: str, selector: str, timeout: int) -> Cmd:
    return Cmd(
        (
            "kubectl",
            "wait",
            "pod",
            "--namespace",
            namespace,
            "-l",
            selector,
            "--for=condition=Ready",
            f"--timeout={timeout}s",
        )
    )


def _prebind(pvc: PlannedPVC) -> str:
    """The patch that reserves a released volume for a claim of the same name (old uid dropped)."""
    ref = {"namespace": pvc.namespace, "name": pvc.name, "uid": None, "resourceVersion": None}
    return json.dumps({"spec": {"claimRef": ref}}, separators=(",", ":"))


def claim_manifest(pvc: PlannedPVC) -> str:
    """The claim to recreate on a retained volume, as one line of JSON (ASCII: nothing hidden)."""
    assert pvc.volume is not None
    spec: dict[str, object] = {
        "accessModes": list(pvc.access_modes) or ["ReadWriteOnce"],
        "volumeName": pvc.volume,
        "resources": {"requests": {"storage": pvc.size or "1Gi"}},
    }
    if pvc.storage_class:
        spec["storageClassName"] = pvc.storage_class
    manifest = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": pvc.name, "namespace": pvc.namespace},
        "spec": spec,
    }
    return json.dumps(manifest, separators=(",", ":"), ensure_ascii=True)


def _claim_yaml(pvc: PlannedPVC) -> list[str]:
    """The same claim as YAML whose every value is a JSON string (ASCII, one line each)."""
    assert pvc.volume is not None

    def q(value: str) -> str:
        return json.dumps(value, ensure_ascii=True)

    modes = ", ".join(q(m) for m in pvc.access_modes) or q("ReadWriteOnce")
    lines = [
        "apiVersion: v1",
        "kind: PersistentVolumeClaim",
        f"metadata: {{name: {q(pvc.name)}, namespace: {q(pvc.namespace)}}}",
        "spec:",
        f"  accessModes: [{modes}]",
    ]
    if pvc.storage_class:
        lines.append(f"  storageClassName: {q(pvc.storage_class)}")
    lines.append(f"  volumeName: {q(pvc.volume)}")
    lines.append(f"  resources: {{requests: {{storage: {q(pvc.size or '1Gi')}}}}}")
    return lines


def recovery_recipe(plan: ReinstallPlan, lang: str = "en") -> tuple[str, ...]:
    """How to get each retained volume's data back: shell lines a person can paste.

    The claim goes to kubectl in a quoted here-document whose values are all
    JSON strings: no name can end the here-document or reach the shell.
    """
    lines: list[str] = []
    for pvc in plan.retained_volumes:
        assert pvc.volume is not None
        role = pvc.role or Msg("rel.recipe.data")
        on = Msg("rel.recipe.on", pvc=pvc.key, size=pvc.size or "?", role=role, volume=pvc.volume)
        lines.append(comment(L(on, lang)))
        # Pre-bind the volume to the claim's name (dropping the old uid) so no other claim takes it.
        lines.append(
            render(command(("kubectl", "patch", "pv"), (pvc.volume,), ("-p", _prebind(pvc))))
        )
        lines.append(render(["kubectl", "create", "-f", "-"]) + " <<'EOF'")
        lines.extend(_claim_yaml(pvc))
        lines.append("EOF")
        source = Msg("rel.recipe.source", source=pvc.volume_source) if pvc.volume_source else ""
        delete = render(command(("kubectl", "delete", "pv"), (pvc.volume,)))
        lines.append(comment(L(Msg("rel.recipe.delete", command=delete, source=source), lang)))
    return tuple(lines)
