"""The clean reinstall of a stateful Helm release: a reviewable plan that touches only what is proven.

`build_reinstall_plan` turns a snapshot (Helm state + network diagnosis)
into frozen actions, each with its target, parameters, reason, precondition
(the Kubernetes resourceVersion read at planning, or "absent") and inverse:

1. gate: DNS and the kubernetes service must work from pods (diagnosis and
   probes), or the plan is blocked with the reason: a reinstall during an
   outage initialises state that will be wrong later (the seed);
2. retain-pv: every bound volume of a PVC to delete gets reclaim policy
   Retain first, so deleting the claim keeps the data (unless discard_data);
3. helm-uninstall: the release in the target namespace and the copy left in
   the catch-all namespace (installed without -n) when that copy is not
   deployed (a deployed one only with --from: it may be there on purpose);
   one that is pending-* or uninstalling for less than the grace (or since an
   unknown time) may be a helm command still running and blocks the plan
   (pending.py);
4. delete-pvc: exactly the PVCs proven to belong to those releases (manifest,
   StatefulSet templates, Helm's annotations, or label + chart naming for
   volumes whose release is gone), then wait until each is gone;
5. helm-install into the target namespace with --create-namespace;
6. wait-ready: the chart's gate part (Harbor: core), then check-ready for the
   others (Harbor's jobservice is judged only after core is ready).

Everything else (other releases' volumes, lookalike names, same labels with
another release value, other namespaces) is listed as left alone, with why.
Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.messages import Msg, joined, register
from kostack.analyze.release_checks.charts import RELEASE_LABELS, ChartRule, chart_name, rule_for
from kostack.analyze.release_checks.ownership import PvcClaim
from kostack.analyze.release_checks.pending import PendingRule, pending_blockers
from kostack.model.snapshot import HelmRelease, HelmState, Snapshot
from kostack.oserror import in_text
from kostack.plan.release_actions import actions_for, recovery_recipe
from kostack.plan.release_claims import (
    claims_to_delete,
    left_alone,
    mount_blockers,
    planned_pvc,
    with_backups,
)
from kostack.plan.release_gate import network_gate
from kostack.plan.release_index import HelmIndex
from kostack.plan.release_model import (
    DEFAULT_TIMEOUT,
    NetworkGate,
    PlannedPVC,
    ReinstallPlan,
    ReleaseAction,
    ReleaseInstance,
)
from kostack.shell import command, render

register(
    {
        "plan.blocked.network": {
            "en": "the cluster network is not healthy: {reasons}. Reinstalling now would initialise the release's state during the outage again; fix the network first (`kostack fix plan`), then rerun",
            "ko": "클러스터 네트워크가 정상이 아닙니다: {reasons}. 지금 다시 설치하면 장애 중에 상태가 다시 초기화됩니다. "
            "먼저 네트워크를 고치고(`kostack fix plan`) 다시 실행하세요",
        },
        "plan.blocked.no-helm": {
            "en": "the Helm state was not collected{why}",
            "ko": "Helm 상태를 수집하지 못했습니다{why}",
        },
        "plan.blocked.no-helm.why": {"en": ": {error}", "ko": ": {error}"},
        "plan.reasons": {"en": "{reasons}{roots}", "ko": "{reasons}{roots}"},
        "plan.no-proof": {"en": "no proof of ownership", "ko": "소유 증거 없음"},
        "plan.err.blocked": {
            "en": "reinstall blocked: {blockers}",
            "ko": "재설치 차단됨: {blockers}",
        },
        "plan.hint.blocked": {
            "en": "Nothing was changed. Resolve the blockers above, then run the command again.",
            "ko": "아무것도 바꾸지 않았습니다. 위의 차단 사유를 해결한 다음 명령을 다시 실행하세요.",
        },
        "plan.blocked.would-bind": {
            "en": "PVC {pvc} would be bound by the new install (the chart names it so) but is not proven to belong to release {name}: {why}. Resolve it by hand first",
            "ko": "새 설치가 PVC {pvc:을/를} 바인딩하게 되지만(차트가 그 이름을 씀) 릴리스 {name}의 것으로 증명되지 않았습니다: {why}. "
            "먼저 직접 정리하세요",
        },
        "plan.blocked.mounted": {
            "en": "PVC {pvc} is mounted by pod {pod}, which is not part of release {name}: deleting the claim would wait forever",
            "ko": "PVC {pvc:을/를} 릴리스 {name}에 속하지 않은 Pod {pod:이/가} 마운트하고 있어 삭제가 끝나지 않습니다",
        },
        "plan.blocked.pods": {
            "en": "the pods were not collected: kostack cannot tell whether another workload mounts the {n} {n:claim/claims} it would delete",
            "ko": "Pod를 수집하지 못해 삭제할 클레임 {n}개를 다른 워크로드가 마운트하고 있는지 알 수 없습니다",
        },
        "plan.blocked.missing": {
            "en": "{what} was not collected: kostack cannot prove which volumes belong to the release",
            "ko": "{what:을/를} 수집하지 못해 어떤 볼륨이 릴리스의 것인지 증명할 수 없습니다",
        },
        "plan.warn.no-values": {
            "en": "no --values: the chart's defaults will be used. The previous values of {releases} ({n} keys, including {secret_keys}) are not reused; save them first with `{command}` and pass --values",
            "ko": "--values가 없어 차트 기본값이 쓰입니다. {releases}의 이전 값({n}개 키, {secret_keys} 포함)은 재사용되지 않습니다. "
            "먼저 `{command}` 명령으로 저장하고 --values로 넘기세요",
        },
        "plan.warn.discard": {
            "en": "--discard-data: the {n} {n:volume/volumes} with reclaim policy Delete are deleted with their data when their claims go; nothing can be recovered but from a VolumeSnapshot{unbacked}",
            "ko": "--discard-data: 회수 정책이 Delete인 볼륨 {n}개는 클레임 삭제와 함께 데이터가 지워지며 VolumeSnapshot 말고는 복구할 수 없습니다{unbacked}",
        },
        "plan.warn.unbacked": {
            "en": ". {n} of them {n:has/have} no ready VolumeSnapshot kostack could read: {pvcs}",
            "ko": ". 그중 {n}개에는 kostack이 읽은 준비된 VolumeSnapshot이 없습니다: {pvcs}",
        },
        "plan.warn.nothing": {
            "en": "no release named {name} and no volume of it was found in {namespaces}: the plan only installs",
            "ko": "{namespaces}에서 {name} 릴리스나 그 볼륨을 찾지 못했습니다: 설치만 합니다",
        },
        "plan.warn.chart": {
            "en": "release {release} runs chart {chart}, not {wanted}: its volumes are still removed with it",
            "ko": "릴리스 {release:은/는} {wanted:이/가} 아니라 {chart} 차트를 씁니다. 그래도 릴리스와 함께 볼륨을 제거합니다",
        },
        "plan.warn.foreign-volume": {
            "en": "PVC {pvc} names volume {volume}, which is bound to {owner}, not to it: the volume is left alone (its reclaim policy is not changed and no recipe rebinds it)",
            "ko": "PVC {pvc:은/는} 볼륨 {volume:을/를} 가리키지만 그 볼륨은 이 PVC가 아니라 {owner}에 바인딩되어 있습니다: "
            "볼륨은 그대로 둡니다(회수 정책을 바꾸지 않고 복구 절차에도 넣지 않습니다)",
        },
        "plan.kept-ready": {
            "en": "release {release} is deployed and its {n} {n:pod is/pods are} ready: it is kept, with its volumes "
            "(reinstalling it would give it empty ones). To replace it anyway, add --replace-ready",
            "ko": "릴리스 {release:은/는} 배포(deployed)되어 있고 Pod {n}개가 모두 준비되었습니다: 볼륨과 함께 그대로 둡니다"
            "(다시 설치하면 빈 볼륨을 받게 됩니다). 그래도 교체하려면 --replace-ready를 추가하세요",
        },
        "plan.reason.target": {
            "en": "release {ns}/{name} is in the target namespace: it is replaced",
            "ko": "대상 네임스페이스의 릴리스 {ns}/{name}: 새로 설치해 대체합니다",
        },
        "plan.reason.stray": {
            "en": "release {ns}/{name} of the same chart sits in {ns}, where `helm install` without -n puts it: a copy left behind",
            "ko": "같은 차트의 릴리스 {ns}/{name:이/가} -n 없이 설치하면 들어가는 {ns}에 있습니다: 남겨진 사본",
        },
        "plan.warn.deployed-copy": {
            "en": "release {release} of the same chart is deployed in {ns}: left alone, as it may be installed there on purpose; to remove it and its volumes too, add --from {ns}",
            "ko": "같은 차트의 릴리스 {release:이/가} {ns}에 배포(deployed)되어 있습니다: 일부러 그곳에 설치했을 수 있어 그대로 둡니다. "
            "볼륨과 함께 제거하려면 --from {ns:을/를} 추가하세요",
        },
        "plan.reason.asked": {
            "en": "release {ns}/{name}: {ns} was given with --from",
            "ko": "릴리스 {ns}/{name}: --from으로 {ns:을/를} 지정함",
        },
    }
)


# --------------------------------------------------------------------------- the plan


def catch_all_namespaces(helm: HelmState) -> frozenset[str]:
    """Where `helm install` without -n puts a release: default and the context's namespace."""
    return frozenset({"default", helm.context_namespace or "default"})


def build_reinstall_plan(
    snapshot: Snapshot,
    diagnosis: Diagnosis | None,
    *,
    name: str,
    namespace: str,
    chart: str,
    values_file: str | None = None,
    discard_data: bool = False,
    from_namespaces: Iterable[str] = (),
    install_settings: Mapping[str, str] | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    network_note: str = "",
    index: HelmIndex | None = None,
    left_alone_everywhere: bool = True,
    replace_ready: bool = False,
    pending: PendingRule | None = None,
) -> ReinstallPlan:
    """The reinstall plan for release `name` into `namespace` with `chart` (see the module doc).

    ``index``: the Helm state already indexed (one analysis for many plans).
    ``left_alone_everywhere``: also list the lookalikes in other namespaces
    (a scan of every claim; advice for many releases lists only the claims
    in the namespaces each plan touches).
    ``replace_ready``: also replace a deployed release in ``namespace`` whose
    pods are all ready (else it is kept: a rerun after success does nothing).
    """
    wanted_chart = chart_name(chart)
    gate = network_gate(diagnosis, snapshot.probes, network_note)
    blockers = _input_blockers(snapshot, gate)
    warnings: list[str] = []
    helm = snapshot.helm
    if helm is None or helm.releases is None or helm.pvcs is None:
        asked = (name, namespace, chart, values_file, discard_data)
        return ReinstallPlan(*asked, (namespace,), (), (), (), (), gate, tuple(blockers))
    if index is None:
        index = HelmIndex.of(helm)
    catch_all = catch_all_namespaces(helm)
    spots = _spots(index, name, namespace, from_namespaces, catch_all, wanted_chart, warnings)
    kept = None if replace_ready else _ready_target(index, name, namespace, wanted_chart, warnings)
    removing = _removing(index, name, spots, wanted_chart, warnings, kept)
    blockers += pending_blockers(pending, snapshot, index.releases_by_name.get(name, ()), removing)
    touched = index.claims_in(set(spots))
    claims = claims_to_delete(touched, name, set(spots), wanted_chart, removing)
    foreign = _foreign_volumes(helm, claims)
    pvcs = with_backups((planned_pvc(c, foreign) for c in claims), helm, index)
    warnings.extend(foreign.values())
    chosen = {p.key for p in pvcs}
    looked_at = index.ownership.claims if left_alone_everywhere else touched
    left = left_alone(looked_at, set(spots), chosen, name)
    pods = index.pods_in(set(spots)) if helm.pods is not None else None
    blockers.extend(mount_blockers(pods, claims, name))
    rule, settings = rule_for(wanted_chart), dict(install_settings or {})
    if kept is None:
        blockers.extend(_would_bind_blockers(index, rule, name, namespace, settings, chosen))
        warnings.extend(_late_warnings(name, spots, values_file, removing, pvcs))
    warnings.extend(_discard_warnings(discard_data, pvcs))
    actions = actions_for(
        name, namespace, chart, values_file, discard_data, removing, pvcs, helm, rule, timeout
    )
    if kept is not None:  # nothing is installed: the release is there and works
        actions = tuple(a for a in actions if a.op in ("retain-pv", "helm-uninstall", "delete-pvc"))
    return ReinstallPlan(
        release=name,
        namespace=namespace,
        chart=chart,
        values_file=values_file,
        discard_data=discard_data,
        from_namespaces=tuple(sorted(spots)),
        removing=tuple(removing),
        pvcs=pvcs,
        left_alone=left,
        actions=actions,
        gate=gate,
        blockers=tuple(blockers),
        warnings=tuple(warnings),
        timeout=timeout,
        gate_component=rule.gate_component,
        asked=tuple(ns for ns, why in spots.items() if why == "asked"),
    )


def blocked_error(blockers: Sequence[str]) -> tuple[str, str]:
    """The error (and hint) of a reinstall its blockers stop, in the command's language."""
    return Msg("plan.err.blocked", blockers=joined(blockers)), Msg("plan.hint.blocked")


def _input_blockers(snapshot: Snapshot, gate: NetworkGate) -> list[str]:
    """What stops the plan before it looks at releases: the network, missing Helm state."""
    blockers: list[str] = []
    if not gate.passed:
        roots = Msg("gate.cause", cause=gate.root_causes[0]) if gate.root_causes else ""
        reasons = Msg("plan.reasons", reasons=joined(gate.reasons()), roots=roots)
        blockers.append(Msg("plan.blocked.network", reasons=reasons))
    helm = snapshot.helm
    if helm is None:
        gap = snapshot.gap_for("helm")
        why = Msg("plan.blocked.no-helm.why", error=in_text(gap.error)) if gap else ""
        blockers.append(Msg("plan.blocked.no-helm", why=why))
        return blockers
    for part, value in (
        ("helm.releases", helm.releases),
        ("helm.pvcs", helm.pvcs),
        ("helm.pvs", helm.pvs),
    ):
        if value is None:
            blockers.append(Msg("plan.blocked.missing", what=part))
    return blockers


def _spots(
    index: HelmIndex,
    name: str,
    namespace: str,
    from_namespaces: Iterable[str],
    catch_all: frozenset[str],
    wanted_chart: str,
    warnings: list[str],
) -> dict[str, str]:
    """The namespaces the plan cleans, each with why: target, asked (--from) or stray.

    A copy in the catch-all namespace is a stray only when it is not deployed (failed,
    stuck or uninstalled, as the seed's install without -n was): a deployed one may be
    someone's install on purpose, so it is left alone, with a warning, unless --from
    names its namespace."""
    spots: dict[str, str] = {namespace: "target"}
    for ns in from_namespaces:
        spots.setdefault(ns, "asked")
    deployed: set[str] = set()
    for release in index.releases_by_name.get(name, ()):
        if release.namespace in spots:
            continue
        if release.namespace in catch_all and (release.chart == wanted_chart or not release.chart):
            if release.status == "deployed":
                deployed.add(release.namespace)
                where = f"{release.namespace}/{release.name}"
                warnings.append(Msg("plan.warn.deployed-copy", release=where, ns=release.namespace))
            else:
                spots[release.namespace] = "stray"
    for claim in index.orphans_by_name.get(name, ()):
        if (
            claim.proven
            and claim.release_name == name
            and claim.pvc.namespace in catch_all
            and claim.pvc.namespace not in spots
            and claim.pvc.namespace not in deployed
            and claim.chart in (wanted_chart, None)
        ):
            spots[claim.pvc.namespace] = "stray"
    return spots


def _removing(
    index: HelmIndex,
    name: str,
    spots: Mapping[str, str],
    wanted_chart: str,
    warnings: list[str],
    kept: HelmRelease | None,
) -> list[ReleaseInstance]:
    """The releases called `name` in the cleaned namespaces but ``kept``, strays first; warns on
    other charts."""
    removing = []
    for release in sorted(
        index.releases_by_name.get(name, ()),
        key=lambda r: (spots.get(r.namespace) != "stray", r.namespace),
    ):
        why = spots.get(release.namespace)
        if why is None or release is kept:
            continue
        if release.chart and release.chart != wanted_chart:
            warnings.append(
                Msg(
                    "plan.warn.chart",
                    release=f"{release.namespace}/{release.name}",
                    chart=release.chart,
                    wanted=wanted_chart,
                )
            )
        removing.append(_instance(release, why))
    return removing


def _would_bind_blockers(
    index: HelmIndex,
    rule: ChartRule,
    name: str,
    namespace: str,
    settings: dict[str, str],
    chosen: set[str],
) -> list[str]:
    """A claim the new install would reuse but that the plan does not delete blocks it."""
    blockers: list[str] = []
    for expected in rule.expected_pvcs(name, settings):
        key = f"{namespace}/{expected.name}"
        if key in chosen:
            continue
        existing = index.claims_by_key.get(key)
        if existing is not None:
            why = joined([e.text for e in existing.conflicts]) or Msg("plan.no-proof")
            blockers.append(Msg("plan.blocked.would-bind", pvc=key, name=name, why=why))
    return blockers


def _foreign_volumes(helm: HelmState, claims: Sequence[PvcClaim]) -> dict[str, str]:
    """Volumes a claim names in spec.volumeName that are bound to another claim (their claimRef
    decides), each with the warning that says so: the plan neither retains nor rebinds them."""
    odd = {
        c.pvc.volume_name: c
        for c in claims
        if c.pvc.volume_name and (c.volume is None or c.volume.name != c.pvc.volume_name)
    }
    if not odd:
        return {}
    return {
        pv.name: Msg("plan.warn.foreign-volume", pvc=odd[pv.name].key, volume=pv.name, owner=claim)
        for pv in helm.pvs or ()
        if pv.name in odd and (claim := pv.claim)
    }


def _ready_target(
    index: HelmIndex, name: str, namespace: str, chart: str, warnings: list[str]
) -> HelmRelease | None:
    """The release in the target namespace when it is deployed with the chart and every pod it
    made is ready (said in ``warnings``): reinstalling it would only swap its volumes for empty
    ones (as a second run after a successful reinstall would)."""
    release = next(
        (r for r in index.releases_by_name.get(name, ()) if r.namespace == namespace), None
    )
    if release is None or release.status != "deployed" or release.chart not in (chart, ""):
        return None
    extra = rule_for(release.chart).extra_labels.items()
    pods = [
        p
        for p in index.pods_by_namespace.get(namespace, ())
        if any(p.labels.get(k) == name for k in RELEASE_LABELS)
        and all(p.labels.get(k, v) == v for k, v in extra)
        and p.phase != "Succeeded"
    ]
    if not pods or not all(p.ready for p in pods):
        return None
    warnings.append(Msg("plan.kept-ready", release=f"{namespace}/{name}", n=len(pods)))
    return release


def _late_warnings(
    name: str,
    spots: Mapping[str, str],
    values_file: str | None,
    removing: Sequence[ReleaseInstance],
    pvcs: Sequence[PlannedPVC],
) -> list[str]:
    """Nothing to remove, values that would be lost."""
    warnings: list[str] = []
    if not removing and not pvcs:
        warnings.append(Msg("plan.warn.nothing", name=name, namespaces=", ".join(sorted(spots))))
    if values_file is None and removing:
        with_values = [r for r in removing if r.values_keys]
        if with_values:
            first = with_values[0]
            warnings.append(
                Msg(
                    "plan.warn.no-values",
                    releases=", ".join(f"{r.namespace}/{r.name}" for r in with_values),
                    n=first.values_keys,
                    secret_keys=", ".join(first.secret_keys[:4]) or "none secret-looking",
                    command=render(
                        command(
                            ("helm", "get", "values"),
                            (name,),
                            ("-n", first.namespace, "-o", "yaml"),
                        ),
                        stdout="values.yaml",
                    ),
                )
            )
    return warnings


def _discard_warnings(discard_data: bool, pvcs: Sequence[PlannedPVC]) -> list[str]:
    """How many volumes --discard-data deletes with their data, and which have no ready
    VolumeSnapshot kostack read (the backups are listed under the claims)."""
    doomed = [p for p in pvcs if p.volume and p.reclaim_policy != "Retain"]
    if not discard_data or not doomed:
        return []
    bare = [p.key for p in doomed if not any(b.ready for b in p.backups or ())]
    unbacked = Msg("plan.warn.unbacked", n=len(bare), pvcs=", ".join(bare)) if bare else ""
    return [Msg("plan.warn.discard", n=len(doomed), unbacked=unbacked)]


def _instance(release: HelmRelease, why: str) -> ReleaseInstance:
    """A release the plan removes; ``why``: target, stray or asked (its reason's key)."""
    reason = Msg(f"plan.reason.{why}", ns=release.namespace, name=release.name)
    return ReleaseInstance(
        name=release.name,
        namespace=release.namespace,
        status=release.status,
        revision=release.revision,
        chart=release.chart,
        chart_version=release.chart_version,
        storage_object=release.storage_object,
        resource_version=release.storage_resource_version,
        reason=reason,
        values_keys=len(release.values_keys),
        secret_keys=release.secret_keys,
    )


__all__ = [
    "PlannedPVC",
    "ReinstallPlan",
    "ReleaseAction",
    "build_reinstall_plan",
    "catch_all_namespaces",
    "network_gate",
    "recovery_recipe",
]
