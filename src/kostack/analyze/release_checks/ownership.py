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

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from kostack.analyze.release_checks.charts import (
    RELEASE_LABELS,
    ChartRule,
    chart_from_labels,
    release_label,
    rule_for,
)
from kostack.model.snapshot import (
    HelmRelease,
    HelmState,
    ManifestStatefulSet,
    PersistentVolume,
    PersistentVolumeClaim,
)

RELEASE_NAME_ANNOTATION = "meta.helm.sh/release-name"
RELEASE_NAMESPACE_ANNOTATION = "meta.helm.sh/release-namespace"
RESOURCE_POLICY_ANNOTATION = "helm.sh/resource-policy"

Weight = Literal["proof", "support", "conflict"]


@dataclass(frozen=True)
class Evidence:
    """One fact for or against a claim, in words a person can check with kubectl."""

    rule: str
    weight: Weight
    text: str


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

    def evidence_lines(self) -> tuple[str, ...]:
        return tuple(f"{e.weight}: {e.text}" for e in self.evidence)


@dataclass(frozen=True)
class Ownership:
    claims: tuple[PvcClaim, ...]

    @cached_property
    def _by_owner(self) -> dict[tuple[str, str], tuple[PvcClaim, ...]]:
        """Proven claims by their live owner (namespace, name): one pass, then lookups."""
        out: dict[tuple[str, str], list[PvcClaim]] = defaultdict(list)
        for c in self.claims:
            if c.proven and c.owner is not None:
                out[(c.owner.namespace, c.owner.name)].append(c)
        return {key: tuple(found) for key, found in out.items()}

    def of_release(self, release: HelmRelease) -> tuple[PvcClaim, ...]:
        """PVCs proven to belong to this release record."""
        return self._by_owner.get((release.namespace, release.name), ())

    def orphans(self) -> tuple[PvcClaim, ...]:
        return tuple(c for c in self.claims if c.orphan)

    def for_release_name(self, name: str, namespaces: Iterable[str]) -> tuple[PvcClaim, ...]:
        """Proven PVCs of release `name` (live or gone) in these namespaces."""
        wanted = set(namespaces)
        return tuple(
            c
            for c in self.claims
            if c.proven and c.release_name == name and c.pvc.namespace in wanted
        )

    def suspects(self, name: str, namespaces: Iterable[str]) -> tuple[PvcClaim, ...]:
        """PVCs in these namespaces that look like release `name`'s but are not proven."""
        wanted = set(namespaces)
        return tuple(
            c
            for c in self.claims
            if not c.proven and c.pvc.namespace in wanted and _looks_like(c, name)
        )


def _looks_like(claim: PvcClaim, name: str) -> bool:
    if claim.release_name == name:
        return True
    labels = claim.pvc.labels
    if any(labels.get(k) == name for k in RELEASE_LABELS):
        return True
    return name in claim.pvc.name


def analyse(helm: HelmState) -> Ownership:
    """Attribute every PVC in the snapshot (releases and PVCs must have been collected)."""
    # one pass to index the releases: each PVC then looks only at its own namespace and name
    by_namespace: dict[str, list[HelmRelease]] = defaultdict(list)
    by_name: dict[str, list[HelmRelease]] = defaultdict(list)
    for release in helm.releases or ():
        by_namespace[release.namespace].append(release)
        by_name[release.name].append(release)
    volumes = {pv.name: pv for pv in helm.pvs or ()}
    by_claim = {
        (pv.claim_namespace, pv.claim_name): pv
        for pv in helm.pvs or ()
        if pv.claim_namespace and pv.claim_name
    }
    claims = []
    for pvc in helm.pvcs or ():
        volume = volumes.get(pvc.volume_name or "") or by_claim.get((pvc.namespace, pvc.name))
        here = tuple(by_namespace.get(pvc.namespace, ()))
        claims.append(_claim(pvc, volume, here, by_name))
    return Ownership(tuple(claims))


def _claim(
    pvc: PersistentVolumeClaim,
    volume: PersistentVolume | None,
    here: tuple[HelmRelease, ...],
    by_name: Mapping[str, list[HelmRelease]],
) -> PvcClaim:
    """One PVC's owner from the releases in its namespace (``here``); by name for an orphan's."""
    kept = pvc.annotations.get(RESOURCE_POLICY_ANNOTATION) == "keep"
    candidates = [
        (release, _evidence(pvc, release)) for release in here if release.status != "uninstalled"
    ]
    owners = [
        (release, ev)
        for release, ev in candidates
        if any(e.weight == "proof" for e in ev) and not any(e.weight == "conflict" for e in ev)
    ]
    if len(owners) == 1:
        release, ev = owners[0]
        rule = rule_for(release.chart)
        return PvcClaim(
            pvc,
            volume,
            release.name,
            release.namespace,
            release,
            proven=True,
            kept=kept or _manifest_keep(pvc, release),
            role=rule.role_of(pvc.name, release.name, release.settings)
            or _template_role(pvc, release),
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


def _manifest_keep(pvc: PersistentVolumeClaim, release: HelmRelease) -> bool:
    return any(
        m.keep and m.name == pvc.name and (m.namespace or release.namespace) == pvc.namespace
        for m in release.manifest_pvcs
    )


def _template_role(pvc: PersistentVolumeClaim, release: HelmRelease) -> str | None:
    for sts, template, _ in _template_matches(pvc, release):
        return f"{sts.name}/{template}"
    return None


def _template_matches(
    pvc: PersistentVolumeClaim, release: HelmRelease
) -> list[tuple[ManifestStatefulSet, str, int]]:
    out = []
    for sts in release.manifest_statefulsets:
        if (sts.namespace or release.namespace) != pvc.namespace:
            continue
        for template in sts.claim_templates:
            match = re.fullmatch(
                rf"{re.escape(template.name)}-{re.escape(sts.name)}-(\d+)", pvc.name
            )
            if match:
                out.append((sts, template.name, int(match.group(1))))
    return out


def _evidence(pvc: PersistentVolumeClaim, release: HelmRelease) -> list[Evidence]:
    ev: list[Evidence] = []
    rel = f"{release.namespace}/{release.name}"
    where = f"{release.storage_object or 'release ' + rel} (revision {release.revision})"
    for declared in release.manifest_pvcs:
        if declared.name == pvc.name and (declared.namespace or release.namespace) == pvc.namespace:
            ev.append(
                Evidence(
                    "manifest",
                    "proof",
                    f"the manifest of release {rel} declares PersistentVolumeClaim "
                    f"{pvc.namespace}/{pvc.name} ({where})",
                )
            )
    for sts, template, ordinal in _template_matches(pvc, release):
        template_labels = next((t.labels for t in sts.claim_templates if t.name == template), {})
        wanted = {**template_labels, **sts.selector}
        missing = {k: v for k, v in wanted.items() if pvc.labels.get(k) != v}
        text = (
            f"named {template}-{sts.name}-{ordinal}: volumeClaimTemplate '{template}' of "
            f"StatefulSet {pvc.namespace}/{sts.name} in the manifest of release {rel}"
        )
        if not missing:
            ev.append(
                Evidence(
                    "statefulset-template",
                    "proof",
                    text
                    + " (carries its selector labels "
                    + ", ".join(f"{k}={v}" for k, v in sorted(sts.selector.items()))
                    + ")",
                )
            )
        else:
            ev.append(
                Evidence(
                    "statefulset-template",
                    "support",
                    text
                    + "; but it lacks the labels the StatefulSet controller would have copied: "
                    + ", ".join(f"{k}={v}" for k, v in sorted(missing.items())),
                )
            )
            ev.append(
                Evidence(
                    "statefulset-labels",
                    "conflict",
                    f"labels of {pvc.namespace}/{pvc.name} do not match StatefulSet {sts.name}'s selector",
                )
            )
    ev.extend(_annotation_evidence(pvc, release.name, release.namespace))
    ev.extend(_label_evidence(pvc, release.name))
    sts_names = {s.name for s in release.manifest_statefulsets}
    for ref in pvc.owner_refs:
        kind, _, name = ref.partition("/")
        if kind == "StatefulSet" and name in sts_names:
            ev.append(
                Evidence("owner-reference", "support", f"owner reference {ref} is in the release")
            )
        else:
            ev.append(
                Evidence(
                    "owner-reference",
                    "conflict",
                    f"owner reference {ref} is not an object of release {rel}",
                )
            )
    rule = rule_for(release.chart)
    role = rule.role_of(pvc.name, release.name, release.settings)
    if role is not None and ev:
        ev.append(
            Evidence(
                "chart-naming",
                "support",
                f"{pvc.name} is the {role} volume the {rule.chart} chart names for release "
                f"{release.name} (fullname {rule.fullname(release.name, release.settings)})",
            )
        )
    return ev


def _annotation_evidence(pvc: PersistentVolumeClaim, name: str, namespace: str) -> list[Evidence]:
    owner_name = pvc.annotations.get(RELEASE_NAME_ANNOTATION)
    owner_ns = pvc.annotations.get(RELEASE_NAMESPACE_ANNOTATION)
    if owner_name is None and owner_ns is None:
        return []
    if owner_name == name and owner_ns == namespace:
        return [
            Evidence(
                "helm-annotations",
                "proof",
                f"annotations {RELEASE_NAME_ANNOTATION}={owner_name}, "
                f"{RELEASE_NAMESPACE_ANNOTATION}={owner_ns}",
            )
        ]
    return [
        Evidence(
            "helm-annotations",
            "conflict",
            f"annotations say Helm release {owner_ns or '?'}/{owner_name or '?'} owns it",
        )
    ]


def _label_evidence(pvc: PersistentVolumeClaim, name: str) -> list[Evidence]:
    out = []
    for key in RELEASE_LABELS:
        value = pvc.labels.get(key)
        if value is None:
            continue
        if value == name:
            out.append(Evidence("release-label", "support", f"label {key}={value}"))
        else:
            out.append(
                Evidence("release-label", "conflict", f"label {key}={value} names another release")
            )
    return out


def _orphan(
    pvc: PersistentVolumeClaim,
    volume: PersistentVolume | None,
    kept: bool,
    by_name: Mapping[str, list[HelmRelease]],
) -> PvcClaim:
    """A PVC no live release in its namespace claims: which release made it, if provable."""
    ann_name = pvc.annotations.get(RELEASE_NAME_ANNOTATION)
    ann_ns = pvc.annotations.get(RELEASE_NAMESPACE_ANNOTATION)
    labelled = release_label(pvc.labels)
    name = ann_name or (labelled[1] if labelled else None)
    if name is None:
        return PvcClaim(pvc, volume, kept=kept)
    ev: list[Evidence] = []
    if ann_name is not None:
        if ann_ns not in (None, pvc.namespace):
            ev.append(
                Evidence(
                    "helm-annotations",
                    "conflict",
                    f"annotation {RELEASE_NAMESPACE_ANNOTATION}={ann_ns} is not its namespace",
                )
            )
        else:
            ev.append(
                Evidence(
                    "helm-annotations",
                    "proof",
                    f"annotations {RELEASE_NAME_ANNOTATION}={ann_name}, "
                    f"{RELEASE_NAMESPACE_ANNOTATION}={ann_ns}: Helm installed it for release "
                    f"{pvc.namespace}/{ann_name}",
                )
            )
    ev.extend(_label_evidence(pvc, name))
    chart = chart_from_labels(pvc.labels)
    same_name = by_name.get(name, [])
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
                f"{pvc.name} is the {role} volume the {rule.chart} chart names for release {name}",
            )
        )
    for record in uninstalled:
        ev.append(
            Evidence(
                "release-history",
                "support",
                f"release {record.namespace}/{record.name} was uninstalled with --keep-history "
                f"(revision {record.revision})",
            )
        )
    for ref in pvc.owner_refs:
        ev.append(
            Evidence("owner-reference", "conflict", f"owner reference {ref} is not a Helm release")
        )
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
