"""The evidence for and against one PVC belonging to one Helm release (ownership.py weighs
it): a release's manifest indexed, the volumeClaimTemplate name rule, Helm's ownership
annotations and release labels. Pure: no I/O."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from kostack.analyze.messages import Msg
from kostack.analyze.release_checks import ownership_text  # noqa: F401  (its messages)
from kostack.analyze.release_checks.charts import RELEASE_LABELS, rule_for
from kostack.model.snapshot import (
    ClaimTemplate,
    HelmRelease,
    ManifestStatefulSet,
    PersistentVolumeClaim,
)

RELEASE_NAME_ANNOTATION = "meta.helm.sh/release-name"
RELEASE_NAMESPACE_ANNOTATION = "meta.helm.sh/release-namespace"

Weight = Literal["proof", "support", "conflict"]


@dataclass(frozen=True)
class Evidence:
    """One fact for or against a claim, in words a person can check with kubectl."""

    rule: str
    weight: Weight
    text: str


@dataclass(frozen=True)
class Manifest:
    """One release's manifest, indexed: what `evidence_for` looks up for every PVC."""

    declared: dict[tuple[str, str], bool]  # (namespace, PVC name) -> declared with keep
    templates: dict[tuple[str, str], list[tuple[ManifestStatefulSet, ClaimTemplate]]]
    statefulsets: frozenset[str]
    expected: dict[str, str]  # PVC name the chart's naming rule gives -> role
    trivy_prefix: str | None  # harbor: "data-<fullname>-trivy" (any ordinal)


def manifest_of(release: HelmRelease) -> Manifest:
    declared: dict[tuple[str, str], bool] = {}
    for m in release.manifest_pvcs:
        key = (m.namespace or release.namespace, m.name)
        declared[key] = declared.get(key, False) or m.keep
    templates: dict[tuple[str, str], list[tuple[ManifestStatefulSet, ClaimTemplate]]] = defaultdict(
        list
    )
    for sts in release.manifest_statefulsets:
        for template in sts.claim_templates:
            prefix = f"{template.name}-{sts.name}"
            templates[(sts.namespace or release.namespace, prefix)].append((sts, template))
    rule = rule_for(release.chart)
    expected = {
        e.name: e.role for e in reversed(rule.expected_pvcs(release.name, release.settings))
    }
    trivy = (
        f"data-{rule.fullname(release.name, release.settings)}-trivy"
        if rule.chart == "harbor"
        else None
    )
    return Manifest(
        declared,
        dict(templates),
        frozenset(s.name for s in release.manifest_statefulsets),
        expected,
        trivy,
    )


ORDINAL = re.compile(r"(.+)-(\d+)")


def template_matches(
    pvc: PersistentVolumeClaim, manifest: Manifest
) -> list[tuple[ManifestStatefulSet, ClaimTemplate, int]]:
    """The volumeClaimTemplates whose `<template>-<statefulset>-N` is this PVC's name."""
    match = ORDINAL.fullmatch(pvc.name)
    if match is None:
        return []
    ordinal = int(match.group(2))
    return [
        (sts, template, ordinal)
        for sts, template in manifest.templates.get((pvc.namespace, match.group(1)), ())
    ]


def evidence_for(
    pvc: PersistentVolumeClaim, release: HelmRelease, manifest: Manifest
) -> list[Evidence]:
    ev: list[Evidence] = []
    rel = f"{release.namespace}/{release.name}"
    where = Msg(
        "own.where", obj=release.storage_object or Msg("own.release", rel=rel), rev=release.revision
    )
    if (pvc.namespace, pvc.name) in manifest.declared:
        ev.append(
            Evidence(
                "manifest",
                "proof",
                Msg("own.declared", rel=rel, pvc=f"{pvc.namespace}/{pvc.name}", where=where),
            )
        )
    ev.extend(_template_evidence(pvc, manifest, rel))
    ev.extend(_annotation_evidence(pvc, release.name, release.namespace))
    ev.extend(label_evidence(pvc, release.name))
    sts_names = manifest.statefulsets
    for ref in pvc.owner_refs:
        kind, _, name = ref.partition("/")
        if kind == "StatefulSet" and name in sts_names:
            ev.append(Evidence("owner-reference", "support", Msg("own.ref-in", ref=ref)))
        else:
            ev.append(
                Evidence("owner-reference", "conflict", Msg("own.ref-not-in", ref=ref, rel=rel))
            )
    rule = rule_for(release.chart)
    role = manifest.expected.get(pvc.name)
    if role is None and manifest.trivy_prefix and ORDINAL.fullmatch(pvc.name):
        role = "trivy" if pvc.name.rpartition("-")[0] == manifest.trivy_prefix else None
    if role is not None and ev:
        ev.append(
            Evidence(
                "chart-naming",
                "support",
                Msg(
                    "own.chart-names-full",
                    pvc=pvc.name,
                    role=role,
                    chart=rule.chart,
                    release=release.name,
                    fullname=rule.fullname(release.name, release.settings),
                ),
            )
        )
    return ev


def _template_evidence(pvc: PersistentVolumeClaim, manifest: Manifest, rel: str) -> list[Evidence]:
    """The PVC is named as a volumeClaimTemplate of a StatefulSet in the release (with its labels or not)."""
    ev: list[Evidence] = []
    for sts, claim_template, ordinal in template_matches(pvc, manifest):
        template = claim_template.name
        wanted = {**claim_template.labels, **sts.selector}
        missing = {k: v for k, v in wanted.items() if pvc.labels.get(k) != v}
        named = {
            "pvc": f"{template}-{sts.name}-{ordinal}",
            "template": template,
            "sts": f"{pvc.namespace}/{sts.name}",
            "rel": rel,
        }
        if not missing:
            ev.append(
                Evidence(
                    "statefulset-template",
                    "proof",
                    Msg(
                        "own.template-labels",
                        **named,
                        labels=", ".join(f"{k}={v}" for k, v in sorted(sts.selector.items())),
                    ),
                )
            )
        else:
            ev.append(
                Evidence(
                    "statefulset-template",
                    "support",
                    Msg(
                        "own.template-lacks",
                        **named,
                        labels=", ".join(f"{k}={v}" for k, v in sorted(missing.items())),
                    ),
                )
            )
            ev.append(
                Evidence(
                    "statefulset-labels",
                    "conflict",
                    Msg("own.labels-differ", pvc=f"{pvc.namespace}/{pvc.name}", sts=sts.name),
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
                Msg(
                    "own.annotations",
                    annotations=f"{RELEASE_NAME_ANNOTATION}={owner_name}, "
                    f"{RELEASE_NAMESPACE_ANNOTATION}={owner_ns}",
                ),
            )
        ]
    return [
        Evidence(
            "helm-annotations",
            "conflict",
            Msg("own.annotations-other", rel=f"{owner_ns or '?'}/{owner_name or '?'}"),
        )
    ]


def label_evidence(pvc: PersistentVolumeClaim, name: str) -> list[Evidence]:
    out = []
    for key in RELEASE_LABELS:
        value = pvc.labels.get(key)
        if value is None:
            continue
        ours = value == name
        text = Msg("own.label" if ours else "own.label-other", label=f"{key}={value}")
        out.append(Evidence("release-label", "support" if ours else "conflict", text))
    return out


def orphan_annotation_evidence(
    pvc: PersistentVolumeClaim, ann_name: str | None, ann_ns: str | None
) -> list[Evidence]:
    """What Helm's ownership annotations on an orphaned PVC say (nothing when it has none)."""
    if ann_name is None:
        return []
    if ann_ns not in (None, pvc.namespace):
        annotation = f"{RELEASE_NAMESPACE_ANNOTATION}={ann_ns}"
        return [
            Evidence(
                "helm-annotations", "conflict", Msg("own.annotation-ns", annotation=annotation)
            )
        ]
    annotations = f"{RELEASE_NAME_ANNOTATION}={ann_name}, {RELEASE_NAMESPACE_ANNOTATION}={ann_ns}"
    return [
        Evidence(
            "helm-annotations",
            "proof",
            Msg("own.annotations-for", annotations=annotations, rel=f"{pvc.namespace}/{ann_name}"),
        )
    ]
