"""Which PVCs belong to which Helm release, with the evidence for each claim.

Helm tracks only the objects in a release's manifest. PVCs made by a
StatefulSet's volumeClaimTemplates are not in it (Helm never deletes them),
and PVCs with `helm.sh/resource-policy: keep` outlive `helm uninstall`. So a
PVC is attributed to a release from several independent facts:

- proof: the release's manifest declares it; it is `<template>-<statefulset>-N`
  of a StatefulSet in the manifest and carries that StatefulSet's selector
  labels (the StatefulSet controller copies them); or Helm's ownership
  annotations (`meta.helm.sh/release-name` / `-namespace`) name the release;
- support: a release label (`release`, `app.kubernetes.io/instance`), the
  chart's naming rule, an owner reference to the release's StatefulSet;
- conflict: any of those naming a different release or StatefulSet.

A PVC is *proven* to belong to a release when there is proof and no conflict.
A PVC whose release record is gone is an *orphan*; it is attributed to the
release name that created it only with Helm's annotations, or with a release
label together with the chart's naming rule. Everything else is left alone.
Pure: reads a HelmState, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from kostack.analyze.messages import Msg
from kostack.analyze.release_checks import ownership_text  # noqa: F401  (its messages)
from kostack.analyze.release_checks.charts import (
    RELEASE_LABELS,
    ChartRule,
    chart_from_labels,
    release_label,
    rule_for,
)
from kostack.analyze.release_checks.ownership_evidence import (
    ORDINAL,
    RELEASE_NAME_ANNOTATION,
    RELEASE_NAMESPACE_ANNOTATION,
    Evidence,
    Manifest,
    evidence_for,
    label_evidence,
    manifest_of,
    orphan_annotation_evidence,
    template_matches,
)
from kostack.model.snapshot import HelmRelease, HelmState, PersistentVolume, PersistentVolumeClaim

RESOURCE_POLICY_ANNOTATION = "helm.sh/resource-policy"


@dataclass(frozen=True)
class PvcClaim:
    """What kostack can say about one PVC's owner."""

    pvc: PersistentVolumeClaim
    volume: PersistentVolume | None
    release_name: str | None = None
    release_namespace: str | None = None
    owner: HelmRelease | None = None  # the live release record that owns it, if any
    proven: bool = False
    orphan: bool = False
    kept: bool = False
    role: str | None = None
    chart: str | None = None
    evidence: tuple[Evidence, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.pvc.namespace}/{self.pvc.name}"

    @property
    def conflicts(self) -> tuple[Evidence, ...]:
        return tuple(e for e in self.evidence if e.weight == "conflict")


@dataclass(frozen=True)
class Ownership:
    claims: tuple[PvcClaim, ...]

    @cached_property
    def _by_owner(self) -> dict[tuple[str, str], tuple[PvcClaim, ...]]:
        out: dict[tuple[str, str], list[PvcClaim]] = defaultdict(list)
        for c in self.claims:
            if c.proven and c.owner is not None:
                out[(c.owner.name, c.owner.namespace)].append(c)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _by_name(self) -> dict[str, tuple[PvcClaim, ...]]:
        out: dict[str, list[PvcClaim]] = defaultdict(list)
        for c in self.claims:
            if c.release_name is not None:
                out[c.release_name].append(c)
        return {k: tuple(v) for k, v in out.items()}

    def named(self, name: str) -> tuple[PvcClaim, ...]:
        """Claims (proven or not) attributed to release name ``name``, in snapshot order."""
        return self._by_name.get(name, ())

    def of_release(self, release: HelmRelease) -> tuple[PvcClaim, ...]:
        """PVCs proven to belong to this release record (an index lookup)."""
        return self._by_owner.get((release.name, release.namespace), ())

    @cached_property
    def orphans(self) -> tuple[PvcClaim, ...]:
        return tuple(c for c in self.claims if c.orphan)


class _Index:
    """Which releases could say anything about a PVC, found by lookups instead of a scan.

    A release gives evidence for or against a PVC only through something both
    name: its manifest declares the PVC, a volumeClaimTemplate's name pattern,
    Helm's annotations or a release label naming it, an owner reference to one
    of its StatefulSets, or its chart's naming rule; and it speaks at all only
    when it lives in the PVC's namespace. So per PVC only those releases are
    weighed, and the cost is linear in PVCs plus manifests, not their product.
    """

    def __init__(self, releases: tuple[HelmRelease, ...]) -> None:
        self.order = {id(r): i for i, r in enumerate(releases)}
        self.manifests: dict[int, Manifest] = {}
        self.by_name: dict[tuple[str, str], list[HelmRelease]] = defaultdict(list)
        self.by_key: dict[tuple[str, str, str], list[HelmRelease]] = defaultdict(list)
        for r in releases:
            if r.status == "uninstalled":
                continue
            m = self.manifests[id(r)] = manifest_of(r)
            ns = r.namespace
            self.by_name[(ns, r.name)].append(r)
            for pvc_ns, name in m.declared:
                if pvc_ns == ns:
                    self.by_key[(ns, "declared", name)].append(r)
            for sts_ns, prefix in m.templates:
                if sts_ns == ns:
                    self.by_key[(ns, "template", prefix)].append(r)
            for sts_name in m.statefulsets:
                self.by_key[(ns, "statefulset", sts_name)].append(r)
            for name in m.expected:
                self.by_key[(ns, "expected", name)].append(r)
            if m.trivy_prefix:
                self.by_key[(ns, "trivy", m.trivy_prefix)].append(r)

    def candidates(self, pvc: PersistentVolumeClaim) -> list[HelmRelease]:
        """The live releases in the PVC's namespace that might give evidence, in snapshot order."""
        ns = pvc.namespace
        found: dict[int, HelmRelease] = {}

        def add(releases: Iterable[HelmRelease]) -> None:
            for r in releases:
                found.setdefault(id(r), r)

        names = [pvc.annotations.get(RELEASE_NAME_ANNOTATION)]
        names += [pvc.labels.get(k) for k in RELEASE_LABELS]
        for name in names:
            if name:
                add(self.by_name.get((ns, name), ()))
        add(self.by_key.get((ns, "declared", pvc.name), ()))
        add(self.by_key.get((ns, "expected", pvc.name), ()))
        ordinal = ORDINAL.fullmatch(pvc.name)
        if ordinal:
            add(self.by_key.get((ns, "template", ordinal.group(1)), ()))
            add(self.by_key.get((ns, "trivy", ordinal.group(1)), ()))
        for ref in pvc.owner_refs:
            kind, _, sts_name = ref.partition("/")
            if kind == "StatefulSet":
                add(self.by_key.get((ns, "statefulset", sts_name), ()))
        return sorted(found.values(), key=lambda r: self.order[id(r)])


def analyse(helm: HelmState) -> Ownership:
    """Attribute every PVC in the snapshot (releases and PVCs must have been collected)."""
    releases = helm.releases or ()
    by_claim: dict[tuple[str, str], list[PersistentVolume]] = defaultdict(list)
    for pv in helm.pvs or ():
        if pv.claim_namespace and pv.claim_name:
            by_claim[(pv.claim_namespace, pv.claim_name)].append(pv)
    index = _Index(releases)
    by_name: dict[str, list[HelmRelease]] = defaultdict(list)
    for r in releases:
        by_name[r.name].append(r)
    claims = []
    for pvc in helm.pvcs or ():
        volume = _bound_volume(pvc, by_claim.get((pvc.namespace, pvc.name), ()))
        claims.append(_claim(pvc, volume, index, by_name))
    return Ownership(tuple(claims))


def _bound_volume(
    pvc: PersistentVolumeClaim, candidates: Iterable[PersistentVolume]
) -> PersistentVolume | None:
    """The volume whose claimRef names this claim, with its uid when the claimRef has one
    (Kubernetes' IsVolumeBoundToClaim). The volume named by `spec.volumeName` alone may be
    bound to another namespace's claim, and a Released one to an earlier claim of that name:
    neither is this claim's data."""
    bound = [pv for pv in candidates if not pv.claim_uid or pv.claim_uid == pvc.uid]
    return next((pv for pv in bound if pv.name == pvc.volume_name), bound[0] if bound else None)


def _claim(
    pvc: PersistentVolumeClaim,
    volume: PersistentVolume | None,
    index: _Index,
    by_name: dict[str, list[HelmRelease]],
) -> PvcClaim:
    kept = pvc.annotations.get(RESOURCE_POLICY_ANNOTATION) == "keep"
    candidates = [
        (release, evidence_for(pvc, release, index.manifests[id(release)]))
        for release in index.candidates(pvc)
    ]
    owners = [
        (release, ev)
        for release, ev in candidates
        if any(e.weight == "proof" for e in ev) and not any(e.weight == "conflict" for e in ev)
    ]
    if len(owners) == 1:
        release, ev = owners[0]
        rule = rule_for(release.chart)
        manifest = index.manifests[id(release)]
        return PvcClaim(
            pvc,
            volume,
            release.name,
            release.namespace,
            release,
            proven=True,
            kept=kept or manifest.declared.get((pvc.namespace, pvc.name), False),
            role=rule.role_of(pvc.name, release.name, release.settings)
            or next((f"{s.name}/{t.name}" for s, t, _ in template_matches(pvc, manifest)), None),
            chart=release.chart,
            evidence=tuple(ev),
        )
    if len(owners) > 1:
        names = ", ".join(f"{r.namespace}/{r.name}" for r, _ in owners)
        return PvcClaim(
            pvc,
            volume,
            kept=kept,
            evidence=(
                Evidence("ambiguous", "conflict", f"claimed by more than one release: {names}"),
            ),
        )
    claimed = [(r, ev) for r, ev in candidates if any(e.weight in ("proof", "support") for e in ev)]
    if claimed:
        # Something ties it to a live release, but there is no proof or there is a conflict.
        release, ev = claimed[0]
        return PvcClaim(
            pvc,
            volume,
            release.name,
            release.namespace,
            None,
            proven=False,
            kept=kept,
            chart=release.chart,
            evidence=tuple(ev),
        )
    return _orphan(pvc, volume, kept, by_name)


def _orphan(
    pvc: PersistentVolumeClaim,
    volume: PersistentVolume | None,
    kept: bool,
    by_name: dict[str, list[HelmRelease]],
) -> PvcClaim:
    """A PVC no live release in its namespace claims: which release made it, if provable."""
    ann_name = pvc.annotations.get(RELEASE_NAME_ANNOTATION)
    ann_ns = pvc.annotations.get(RELEASE_NAMESPACE_ANNOTATION)
    labelled = release_label(pvc.labels)
    name = ann_name or (labelled[1] if labelled else None)
    if name is None:
        return PvcClaim(pvc, volume, kept=kept)
    ev = orphan_annotation_evidence(pvc, ann_name, ann_ns)
    ev.extend(label_evidence(pvc, name))
    chart = chart_from_labels(pvc.labels)
    same_name = by_name.get(name, ())
    uninstalled = [
        r for r in same_name if r.namespace == pvc.namespace and r.status == "uninstalled"
    ]
    if chart is None:
        chart = same_name[0].chart if same_name else None
    rule: ChartRule | None = rule_for(chart) if chart else None
    role = rule.role_of(pvc.name, name) if rule is not None else None
    if rule is not None and role is not None:
        # Release label + the chart's naming rule: two independent facts.
        has_label = any(e.rule == "release-label" and e.weight == "support" for e in ev)
        ev.append(
            Evidence(
                "chart-naming",
                "proof" if has_label else "support",
                Msg("own.chart-names", pvc=pvc.name, role=role, chart=rule.chart, release=name),
            )
        )
    for record in uninstalled:
        ev.append(
            Evidence(
                "release-history",
                "support",
                Msg(
                    "own.kept-history",
                    rel=f"{record.namespace}/{record.name}",
                    rev=record.revision,
                ),
            )
        )
    for ref in pvc.owner_refs:
        ev.append(Evidence("owner-reference", "conflict", Msg("own.ref-not-helm", ref=ref)))
    proven = any(e.weight == "proof" for e in ev) and not any(e.weight == "conflict" for e in ev)
    return PvcClaim(
        pvc,
        volume,
        name,
        None,
        None,
        proven=proven,
        orphan=True,
        kept=kept,
        role=role,
        chart=chart,
        evidence=tuple(ev),
    )
