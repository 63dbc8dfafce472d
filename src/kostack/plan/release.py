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
   the catch-all namespace (installed without -n);
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

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import parse_time
from kostack.analyze.release_checks.charts import RELEASE_LABELS, ChartRule, chart_name, rule_for
from kostack.analyze.release_checks.ownership import PvcClaim, analyse
from kostack.model.snapshot import HelmRelease, HelmState, ProbeObservation, Snapshot

Op = Literal[
    "retain-pv",
    "helm-uninstall",
    "delete-pvc",
    "helm-install",
    "wait-ready",
    "check-ready",
    "rebind-pvc",
    "restore-reclaim-policy",
]
GateStatus = Literal["pass", "fail", "unknown"]
DEFAULT_TIMEOUT = 600

register(
    {
        "gate.dns.fail": {
            "en": "DNS from pods fails: {detail}",
            "ko": "Pod에서 DNS 조회가 실패합니다: {detail}",
        },
        "gate.api.fail": {
            "en": "the kubernetes service (API server) is unreachable from pods: {detail}",
            "ko": "Pod에서 kubernetes 서비스(API 서버)에 도달할 수 없습니다: {detail}",
        },
        "gate.dns.unknown": {
            "en": "DNS from pods could not be confirmed: {detail}",
            "ko": "Pod의 DNS 조회가 정상인지 확인하지 못했습니다: {detail}",
        },
        "gate.api.unknown": {
            "en": "the kubernetes service could not be confirmed reachable from pods: {detail}",
            "ko": "Pod에서 kubernetes 서비스 도달 여부를 확인하지 못했습니다: {detail}",
        },
        "gate.dns.pass": {
            "en": "DNS from pods works ({detail})",
            "ko": "Pod의 DNS 조회 정상({detail})",
        },
        "gate.api.pass": {
            "en": "the kubernetes service is reachable from pods ({detail})",
            "ko": "Pod에서 kubernetes 서비스 도달 가능({detail})",
        },
        "plan.blocked.network": {
            "en": "the cluster network is not healthy: {reasons}. Reinstalling now would initialise the release's state during the outage again; fix the network first (`kostack fix plan`), then rerun",
            "ko": "클러스터 네트워크가 정상이 아닙니다: {reasons}. 지금 다시 설치하면 장애 중에 상태가 다시 초기화됩니다. "
            "먼저 네트워크를 고치고(`kostack fix plan`) 다시 실행하세요",
        },
        "gate.dns.short-fail": {
            "en": "DNS from pods fails ({n} of {total} checks)",
            "ko": "Pod의 DNS 조회 실패(점검 {total}개 중 {n}개)",
        },
        "gate.api.short-fail": {
            "en": "the kubernetes service is unreachable from pods ({n} of {total} checks)",
            "ko": "Pod에서 kubernetes 서비스 도달 불가(점검 {total}개 중 {n}개)",
        },
        "gate.dns.short-probe": {
            "en": "the DNS probe {id} failed",
            "ko": "DNS 프로브 {id} 실패",
        },
        "gate.api.short-probe": {
            "en": "the kubernetes service probe {id} failed",
            "ko": "kubernetes 서비스 프로브 {id} 실패",
        },
        "gate.dns.short-unknown": {
            "en": "DNS from pods not confirmed",
            "ko": "Pod의 DNS 조회 미확인",
        },
        "gate.api.short-unknown": {
            "en": "the kubernetes service from pods not confirmed",
            "ko": "Pod에서 kubernetes 서비스 도달 미확인",
        },
        "plan.blocked.no-helm": {
            "en": "the Helm state was not collected{why}",
            "ko": "Helm 상태를 수집하지 못했습니다{why}",
        },
        "plan.blocked.would-bind": {
            "en": "PVC {pvc} would be bound by the new install (the chart names it so) but is not proven to belong to release {name}: {why}. Resolve it by hand first",
            "ko": "새 설치가 PVC {pvc}를 바인딩하게 되지만(차트가 그 이름을 씀) 릴리스 {name}의 것으로 증명되지 않았습니다: {why}. "
            "먼저 직접 정리하세요",
        },
        "plan.blocked.mounted": {
            "en": "PVC {pvc} is mounted by pod {pod}, which is not part of release {name}: deleting the claim would wait forever",
            "ko": "PVC {pvc}를 릴리스 {name}에 속하지 않은 Pod {pod}가 마운트하고 있어 삭제가 끝나지 않습니다",
        },
        "plan.blocked.missing": {
            "en": "{what} was not collected: kostack cannot prove which volumes belong to the release",
            "ko": "{what}을(를) 수집하지 못해 어떤 볼륨이 릴리스의 것인지 증명할 수 없습니다",
        },
        "plan.warn.no-values": {
            "en": "no --values: the chart's defaults will be used. The previous values of {releases} ({n} keys, including {secret_keys}) are not reused; save them first with `helm get values {name} -n {ns} -o yaml > values.yaml` and pass --values",
            "ko": "--values가 없어 차트 기본값이 쓰입니다. {releases}의 이전 값({n}개 키, {secret_keys} 포함)은 재사용되지 않습니다. "
            "먼저 `helm get values {name} -n {ns} -o yaml > values.yaml`로 저장하고 --values로 넘기세요",
        },
        "plan.warn.discard": {
            "en": "--discard-data: the {n} volumes with reclaim policy Delete are deleted with their data when their claims go; nothing can be recovered",
            "ko": "--discard-data: 회수 정책이 Delete인 볼륨 {n}개는 클레임 삭제와 함께 데이터가 지워지며 복구할 수 없습니다",
        },
        "plan.warn.nothing": {
            "en": "no release named {name} and no volume of it was found in {namespaces}: the plan only installs",
            "ko": "{namespaces}에서 {name} 릴리스나 그 볼륨을 찾지 못했습니다: 설치만 합니다",
        },
        "plan.warn.chart": {
            "en": "release {release} runs chart {chart}, not {wanted}: its volumes are still removed with it",
            "ko": "릴리스 {release}는 {wanted}가 아니라 {chart} 차트를 씁니다. 그래도 릴리스와 함께 볼륨을 제거합니다",
        },
        "plan.reason.target": {
            "en": "release {ns}/{name} is in the target namespace: it is replaced",
            "ko": "대상 네임스페이스의 릴리스 {ns}/{name}: 새로 설치해 대체합니다",
        },
        "plan.reason.stray": {
            "en": "release {ns}/{name} of the same chart sits in {ns}, where `helm install` without -n puts it: a copy left behind",
            "ko": "같은 차트의 릴리스 {ns}/{name}이(가) -n 없이 설치하면 들어가는 {ns}에 있습니다: 남겨진 사본",
        },
        "plan.reason.asked": {
            "en": "release {ns}/{name}: {ns} was given with --from",
            "ko": "릴리스 {ns}/{name}: --from으로 {ns}를 지정함",
        },
    }
)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Target:
    kind: str  # PersistentVolume | PersistentVolumeClaim | HelmRelease | Pods
    name: str
    namespace: str | None = None

    def label(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


@dataclass(frozen=True)
class Precondition:
    """What must still hold when the action runs (else it is refused, nothing is changed)."""

    resource_version: str | None = None
    uid: str | None = None
    absent: bool = False
    note: str = ""

    def text(self) -> str:
        if self.absent:
            return "absent" + (f" ({self.note})" if self.note else "")
        parts = []
        if self.resource_version:
            parts.append(f"resourceVersion={self.resource_version}")
        if self.uid:
            parts.append(f"uid={self.uid}")
        if self.note:
            parts.append(self.note)
        return ", ".join(parts)


@dataclass(frozen=True)
class ReleaseAction:
    """One step: target, operation, parameters, reason, precondition, inverse, the equivalent command."""

    step: int
    op: Op
    target: Target
    params: tuple[tuple[str, str], ...]
    reason: str
    precondition: Precondition | None = None
    inverse: ReleaseAction | None = None
    command: str = ""

    def param(self, key: str, default: str = "") -> str:
        for k, v in self.params:
            if k == key:
                return v
        return default


@dataclass(frozen=True)
class PlannedPVC:
    namespace: str
    name: str
    uid: str
    size: str | None
    created: str | None
    volume: str | None
    reclaim_policy: str | None
    storage_class: str | None
    access_modes: tuple[str, ...]
    release: str  # "default/harbor" or "harbor (gone)"
    role: str | None
    kept: bool
    labels: Mapping[str, str]
    evidence: tuple[str, ...]
    volume_source: str | None = None
    resource_version: str | None = None

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def age(self, now: datetime) -> str:
        created = parse_time(self.created)
        if created is None:
            return "?"
        seconds = (now - created).total_seconds()
        if seconds >= 86400:
            return f"{seconds / 86400:.0f}d"
        if seconds >= 3600:
            return f"{seconds / 3600:.0f}h"
        return f"{max(seconds, 0) / 60:.0f}m"


@dataclass(frozen=True)
class LeftAlone:
    pvc: str
    reason: str


@dataclass(frozen=True)
class ReleaseInstance:
    name: str
    namespace: str
    status: str
    revision: int
    chart: str
    chart_version: str
    storage_object: str
    resource_version: str | None
    reason: str
    values_keys: int
    secret_keys: tuple[str, ...]


@dataclass(frozen=True)
class GateCheck:
    name: Literal["dns", "api-service"]
    status: GateStatus
    text: str  # what decided it, in full
    source: str  # diagnosis | probe | none
    summary: str = ""  # one short clause for the blocker line


@dataclass(frozen=True)
class NetworkGate:
    checks: tuple[GateCheck, ...]
    root_causes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.status == "pass" for c in self.checks)

    def reasons(self) -> tuple[str, ...]:
        return tuple(c.summary or c.text for c in self.checks if c.status != "pass")


@dataclass(frozen=True)
class ReinstallPlan:
    release: str
    namespace: str
    chart: str
    chart_name: str
    values_file: str | None
    discard_data: bool
    from_namespaces: tuple[str, ...]
    removing: tuple[ReleaseInstance, ...]
    pvcs: tuple[PlannedPVC, ...]
    left_alone: tuple[LeftAlone, ...]
    actions: tuple[ReleaseAction, ...]
    gate: NetworkGate
    blockers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    timeout: int = DEFAULT_TIMEOUT
    gate_component: str | None = None
    ready_selector: Mapping[str, str] = field(default_factory=dict)
    other_components: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    @property
    def retained_volumes(self) -> tuple[PlannedPVC, ...]:
        if self.discard_data:
            return tuple(p for p in self.pvcs if p.volume and p.reclaim_policy == "Retain")
        return tuple(p for p in self.pvcs if p.volume)


# --------------------------------------------------------------------------- the gate


def network_gate(
    diagnosis: Diagnosis | None, probes: Iterable[ProbeObservation] = (), note: str = ""
) -> NetworkGate:
    """DNS and the kubernetes service from pods: pass only if both are shown to work."""
    if diagnosis is None:
        why = note or "no network diagnosis (no OpenStack/cluster snapshot)"
        return NetworkGate(
            (
                GateCheck(
                    "dns",
                    "unknown",
                    Msg("gate.dns.unknown", detail=why),
                    "none",
                    Msg("gate.dns.short-unknown"),
                ),
                GateCheck(
                    "api-service",
                    "unknown",
                    Msg("gate.api.unknown", detail=why),
                    "none",
                    Msg("gate.api.short-unknown"),
                ),
            )
        )
    probes = tuple(probes)
    roots = tuple(rc.title for rc in diagnosis.root_causes)
    checks = (
        _gate_check("dns", "net-dns", diagnosis, [p for p in probes if p.kind == "dns"]),
        _gate_check(
            "api-service",
            "net-api-service",
            diagnosis,
            [p for p in probes if p.kind in ("tcp", "tls", "http") and _is_api_probe(p, diagnosis)],
        ),
    )
    return NetworkGate(checks, roots)


def _is_api_probe(probe: ProbeObservation, diagnosis: Diagnosis) -> bool:
    if "kubernetes" in probe.target and "kubernetes." in probe.target + ".":
        return True
    cluster = diagnosis.snapshot.cluster
    if cluster is None or not cluster.service_cidrs or probe.target_ip is None:
        return False
    first = next(iter(cluster.service_cidrs[0].hosts()), None)
    return probe.target_ip == first and probe.target_port in (443, None)


def _gate_check(
    name: Literal["dns", "api-service"],
    check_id: str,
    diagnosis: Diagnosis,
    probes: list[ProbeObservation],
) -> GateCheck:
    key = "dns" if name == "dns" else "api"
    findings = [f for f in diagnosis.findings if f.check_id == check_id]
    failed = [f for f in findings if f.status == Status.FAIL]
    unknown = [f for f in findings if f.status == Status.UNKNOWN]
    probe_fail = [p for p in probes if p.verdict in ("fail", "error")]
    probe_pass = [p for p in probes if p.verdict == "pass"]
    if failed or probe_fail:
        if failed:
            cause = next(
                (
                    rc.title
                    for rc in diagnosis.root_causes
                    if any(f in rc.symptoms or f in rc.findings for f in failed)
                ),
                "",
            )
            detail = failed[0].message + (f" (ROOT CAUSE: {cause})" if cause else "")
            if len(failed) > 1:
                detail += f" [+{len(failed) - 1} more]"
            return GateCheck(
                name,
                "fail",
                Msg(f"gate.{key}.fail", detail=detail),
                "diagnosis",
                Msg(f"gate.{key}.short-fail", n=len(failed), total=len(findings)),
            )
        probe = probe_fail[0]
        return GateCheck(
            name,
            "fail",
            Msg(f"gate.{key}.fail", detail=f"probe {probe.id} {probe.verdict}: {probe.detail}"),
            "probe",
            Msg(f"gate.{key}.short-probe", id=probe.id),
        )
    if probe_pass:
        probe = probe_pass[0]
        return GateCheck(
            name,
            "pass",
            Msg(f"gate.{key}.pass", detail=f"probe {probe.id}: {probe.detail or 'ok'}"),
            "probe",
        )
    if unknown or not findings:
        detail = unknown[0].message if unknown else f"{check_id} did not run"
        return GateCheck(
            name,
            "unknown",
            Msg(f"gate.{key}.unknown", detail=detail),
            "diagnosis",
            Msg(f"gate.{key}.short-unknown"),
        )
    return GateCheck(
        name,
        "pass",
        Msg(f"gate.{key}.pass", detail=f"{check_id}: {len(findings)} checks pass"),
        "diagnosis",
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
) -> ReinstallPlan:
    """The reinstall plan for release `name` into `namespace` with `chart` (see the module doc)."""
    wanted_chart = chart_name(chart)
    gate = network_gate(diagnosis, snapshot.probes, network_note)
    blockers: list[str] = []
    warnings: list[str] = []
    if not gate.passed:
        roots = f" (ROOT CAUSE: {gate.root_causes[0]})" if gate.root_causes else ""
        blockers.append(Msg("plan.blocked.network", reasons="; ".join(gate.reasons()) + roots))
    helm = snapshot.helm
    empty = ReinstallPlan(
        name,
        namespace,
        chart,
        wanted_chart,
        values_file,
        discard_data,
        (namespace,),
        (),
        (),
        (),
        (),
        gate,
    )
    if helm is None:
        gap = snapshot.gap_for("helm")
        blockers.append(Msg("plan.blocked.no-helm", why=f": {gap.error}" if gap else ""))
        return _with(empty, blockers, warnings)
    for part, value in (
        ("helm.releases", helm.releases),
        ("helm.pvcs", helm.pvcs),
        ("helm.pvs", helm.pvs),
    ):
        if value is None:
            blockers.append(Msg("plan.blocked.missing", what=part))
    if helm.releases is None or helm.pvcs is None:
        return _with(empty, blockers, warnings)
    ownership = analyse(helm)
    catch_all = catch_all_namespaces(helm)
    same_name = [r for r in helm.releases if r.name == name]
    spots: dict[str, str] = {namespace: "target"}
    for ns in from_namespaces:
        spots.setdefault(ns, "asked")
    for release in same_name:
        if release.namespace in spots:
            continue
        if release.namespace in catch_all and (release.chart == wanted_chart or not release.chart):
            spots[release.namespace] = "stray"
    for claim in ownership.orphans():
        if (
            claim.proven
            and claim.release_name == name
            and claim.pvc.namespace in catch_all
            and claim.pvc.namespace not in spots
            and claim.chart in (wanted_chart, None)
        ):
            spots[claim.pvc.namespace] = "stray"
    removing = []
    for release in sorted(
        same_name, key=lambda r: (spots.get(r.namespace) != "stray", r.namespace)
    ):
        why = spots.get(release.namespace)
        if why is None:
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
    claims = _claims_to_delete(ownership.claims, name, set(spots), wanted_chart, removing)
    pvcs = tuple(_planned(c) for c in claims)
    chosen = {p.key for p in pvcs}
    left = _left_alone(ownership.claims, set(spots), chosen, name)
    blockers.extend(_mount_blockers(helm, claims, name))
    rule = rule_for(wanted_chart)
    settings = dict(install_settings or {})
    for expected in rule.expected_pvcs(name, settings):
        key = f"{namespace}/{expected.name}"
        if key in chosen:
            continue
        existing = next((c for c in ownership.claims if c.key == key), None)
        if existing is not None:
            why = "; ".join(e.text for e in existing.conflicts) or "no proof of ownership"
            blockers.append(Msg("plan.blocked.would-bind", pvc=key, name=name, why=why))
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
                    name=name,
                    ns=first.namespace,
                )
            )
    if discard_data:
        doomed = [p for p in pvcs if p.volume and p.reclaim_policy != "Retain"]
        if doomed:
            warnings.append(Msg("plan.warn.discard", n=len(doomed)))
    actions = _actions(
        name, namespace, chart, values_file, discard_data, removing, pvcs, helm, rule, timeout
    )
    gate_labels, others = _readiness(rule, name)
    return ReinstallPlan(
        release=name,
        namespace=namespace,
        chart=chart,
        chart_name=wanted_chart,
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
        ready_selector=gate_labels,
        other_components=others,
    )


def _with(plan: ReinstallPlan, blockers: list[str], warnings: list[str]) -> ReinstallPlan:
    return ReinstallPlan(
        plan.release,
        plan.namespace,
        plan.chart,
        plan.chart_name,
        plan.values_file,
        plan.discard_data,
        plan.from_namespaces,
        (),
        (),
        (),
        (),
        plan.gate,
        tuple(blockers),
        tuple(warnings),
    )


def _instance(release: HelmRelease, why: str) -> ReleaseInstance:
    reason = {
        "target": Msg("plan.reason.target", ns=release.namespace, name=release.name),
        "stray": Msg("plan.reason.stray", ns=release.namespace, name=release.name),
        "asked": Msg("plan.reason.asked", ns=release.namespace, name=release.name),
    }[why]
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


def _claims_to_delete(
    claims: Iterable[PvcClaim],
    name: str,
    namespaces: set[str],
    chart: str,
    removing: list[ReleaseInstance],
) -> list[PvcClaim]:
    owners = {(r.namespace, r.name) for r in removing}
    out = []
    for claim in claims:
        if not claim.proven or claim.pvc.namespace not in namespaces:
            continue
        if claim.owner is not None:
            if (claim.owner.namespace, claim.owner.name) in owners:
                out.append(claim)
        elif claim.orphan and claim.release_name == name and claim.chart in (chart, None):
            out.append(claim)
    return sorted(out, key=lambda c: (c.pvc.namespace, not c.kept, c.pvc.name))


def _planned(claim: PvcClaim) -> PlannedPVC:
    pvc = claim.pvc
    volume = claim.volume
    owner = (
        f"{claim.owner.namespace}/{claim.owner.name}"
        if claim.owner is not None
        else f"{claim.release_name} (release gone from {pvc.namespace})"
    )
    return PlannedPVC(
        namespace=pvc.namespace,
        name=pvc.name,
        uid=pvc.uid,
        size=pvc.size,
        created=pvc.created,
        volume=pvc.volume_name or (volume.name if volume else None),
        reclaim_policy=volume.reclaim_policy if volume else None,
        storage_class=pvc.storage_class,
        access_modes=pvc.access_modes,
        release=owner,
        role=claim.role,
        kept=claim.kept,
        labels=dict(pvc.labels),
        evidence=tuple(e.text for e in claim.evidence if e.weight != "conflict"),
        volume_source=volume.source if volume else None,
        resource_version=pvc.resource_version,
    )


def _left_alone(
    claims: Iterable[PvcClaim], namespaces: set[str], chosen: set[str], name: str
) -> tuple[LeftAlone, ...]:
    out = []
    for claim in claims:
        if claim.key in chosen:
            continue
        if claim.pvc.namespace not in namespaces and not _named_like(claim, name):
            continue
        if claim.conflicts:
            reason = "; ".join(e.text for e in claim.conflicts)
        elif claim.proven and claim.owner is not None:
            reason = f"belongs to release {claim.owner.namespace}/{claim.owner.name}"
        elif claim.proven and claim.release_name:
            reason = f"made by release {claim.release_name} (gone), not {name}"
        elif claim.release_name:
            reason = "looks related but nothing proves it: " + (
                "; ".join(e.text for e in claim.evidence) or "no evidence"
            )
        else:
            reason = "no Helm release made it"
        if claim.pvc.namespace not in namespaces:
            reason = f"in namespace {claim.pvc.namespace}, outside this reinstall; " + reason
        out.append(LeftAlone(claim.key, reason))
    return tuple(sorted(out, key=lambda item: item.pvc))


def _named_like(claim: PvcClaim, name: str) -> bool:
    return name in claim.pvc.name or any(claim.pvc.labels.get(k) == name for k in RELEASE_LABELS)


def _mount_blockers(helm: HelmState, claims: list[PvcClaim], name: str) -> list[str]:
    out: list[str] = []
    keys = {(c.pvc.namespace, c.pvc.name) for c in claims}
    for pod in helm.pods or ():
        if any(pod.labels.get(k) == name for k in RELEASE_LABELS):
            continue
        for claim in pod.claims:
            if (pod.namespace, claim) in keys:
                out.append(
                    Msg(
                        "plan.blocked.mounted",
                        pvc=f"{pod.namespace}/{claim}",
                        pod=f"{pod.namespace}/{pod.name}",
                        name=name,
                    )
                )
    return out


def _readiness(
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


def _q(text: str) -> str:
    return shlex.quote(text)


def _actions(
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
    actions: list[ReleaseAction] = []
    volumes = {pv.name: pv for pv in helm.pvs or ()}

    def add(action: ReleaseAction) -> None:
        actions.append(action)

    if not discard_data:
        for pvc in pvcs:
            if not pvc.volume or pvc.reclaim_policy == "Retain":
                continue
            pv = volumes.get(pvc.volume)
            old = pvc.reclaim_policy or "Delete"
            target = Target("PersistentVolume", pvc.volume)
            add(
                ReleaseAction(
                    len(actions) + 1,
                    "retain-pv",
                    target,
                    (("policy", "Retain"), ("from", old), ("claim", pvc.key)),
                    f"keep the data of {pvc.key} when its claim is deleted",
                    Precondition(
                        resource_version=pv.resource_version if pv else None,
                        uid=pv.uid if pv else None,
                    ),
                    ReleaseAction(
                        0,
                        "restore-reclaim-policy",
                        target,
                        (("policy", old),),
                        f"put back reclaim policy {old} (after the claim is gone this deletes the volume)",
                        command=f"kubectl patch pv {_q(pvc.volume)} -p "
                        + _q('{"spec":{"persistentVolumeReclaimPolicy":"' + old + '"}}'),
                    ),
                    f"kubectl patch pv {_q(pvc.volume)} -p "
                    + _q('{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'),
                )
            )
    for release in removing:
        add(
            ReleaseAction(
                len(actions) + 1,
                "helm-uninstall",
                Target("HelmRelease", release.name, release.namespace),
                (("timeout", f"{timeout}s"),),
                release.reason,
                Precondition(
                    resource_version=release.resource_version,
                    note=f"{release.storage_object} is still the newest revision ({release.revision}, {release.status})",
                ),
                None,
                f"helm uninstall {_q(release.name)} --namespace {_q(release.namespace)} --wait --timeout {timeout}s",
            )
        )
    for pvc in pvcs:
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
                f"recreate {pvc.key} bound to the retained volume {pvc.volume}",
                command=f"kubectl patch pv {_q(pvc.volume)} -p {_q(_prebind(pvc))}"
                + f" && kubectl create -f {pvc.name}.yaml  # spec.volumeName: {pvc.volume}",
            )
        add(
            ReleaseAction(
                len(actions) + 1,
                "delete-pvc",
                Target("PersistentVolumeClaim", pvc.name, pvc.namespace),
                (("wait", f"{timeout}s"), ("volume", pvc.volume or "")),
                f"proven volume of {pvc.release}" + (f" ({pvc.role})" if pvc.role else ""),
                Precondition(resource_version=pvc.resource_version, uid=pvc.uid),
                inverse,
                f"kubectl delete pvc {_q(pvc.name)} --namespace {_q(pvc.namespace)} --wait --timeout={timeout}s",
            )
        )
    install = [
        "helm",
        "install",
        name,
        chart,
        "--namespace",
        namespace,
        "--create-namespace",
    ]
    if values_file:
        install += ["--values", values_file]
    add(
        ReleaseAction(
            len(actions) + 1,
            "helm-install",
            Target("HelmRelease", name, namespace),
            (("chart", chart), ("values", values_file or "")),
            f"install {name} into {namespace} (its own namespace)",
            Precondition(
                absent=True, note=f"no release {name} and none of its volumes in {namespace}"
            ),
            ReleaseAction(
                0,
                "helm-uninstall",
                Target("HelmRelease", name, namespace),
                (),
                "undo the install",
                command=f"helm uninstall {_q(name)} --namespace {_q(namespace)}",
            ),
            " ".join(_q(part) for part in install),
        )
    )
    selector, others = _readiness(rule, name)
    selector_text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    add(
        ReleaseAction(
            len(actions) + 1,
            "wait-ready",
            Target("Pods", selector_text, namespace),
            (("selector", selector_text), ("timeout", f"{timeout}s")),
            "wait for the part the others need"
            + (f" ({rule.gate_component})" if rule.gate_component else ""),
            command=f"kubectl wait pod --namespace {_q(namespace)} -l {_q(selector_text)} --for=condition=Ready --timeout={timeout}s",
        )
    )
    for component, labels in others:
        text = ",".join(f"{k}={v}" for k, v in labels)
        add(
            ReleaseAction(
                len(actions) + 1,
                "check-ready",
                Target("Pods", text, namespace),
                (("selector", text), ("component", component), ("timeout", f"{timeout}s")),
                f"judge {component} only now that what it needs is ready",
                command=f"kubectl wait pod --namespace {_q(namespace)} -l {_q(text)} --for=condition=Ready --timeout={timeout}s",
            )
        )
    return tuple(actions)


def _prebind(pvc: PlannedPVC) -> str:
    return (
        '{"spec":{"claimRef":{"namespace":"'
        + pvc.namespace
        + '","name":"'
        + pvc.name
        + '","uid":null,"resourceVersion":null}}}'
    )


def recovery_recipe(plan: ReinstallPlan) -> tuple[str, ...]:
    """How to get each retained volume's data back: shell lines a person can paste."""
    lines: list[str] = []
    for pvc in plan.retained_volumes:
        assert pvc.volume is not None
        lines.append(
            f"# {pvc.key} ({pvc.size or '?'}, {pvc.role or 'data'}) is on {pvc.volume}: reclaim Retain, status Released"
        )
        # Pre-bind the volume to the claim's name (dropping the old uid) so no other claim takes it.
        lines.append(f"kubectl patch pv {_q(pvc.volume)} -p {_q(_prebind(pvc))}")
        spec = [
            "apiVersion: v1",
            "kind: PersistentVolumeClaim",
            f"metadata: {{name: {pvc.name}, namespace: {pvc.namespace}}}",
            "spec:",
            f"  accessModes: [{', '.join(pvc.access_modes) or 'ReadWriteOnce'}]",
        ]
        if pvc.storage_class:
            spec.append(f"  storageClassName: {pvc.storage_class}")
        spec.append(f"  volumeName: {pvc.volume}")
        spec.append(f"  resources: {{requests: {{storage: {pvc.size or '1Gi'}}}}}")
        lines.append("kubectl create -f - <<'EOF'")
        lines.extend(spec)
        lines.append("EOF")
        source = f" (backing store: {pvc.volume_source})" if pvc.volume_source else ""
        lines.append(
            f"# when the data is no longer needed: kubectl delete pv {_q(pvc.volume)}{source}"
        )
    return tuple(lines)
