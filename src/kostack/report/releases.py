"""Helm releases in the incident report: which installs failed and what they left behind.

The release checks (`kostack.analyze.release_checks`) decide it; this module
only groups their failing findings by release, with the PVCs the ownership
analysis attributes to that release name, for the report's cause section, its
clean-reinstall commands and its lessons. Pure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Finding
from kostack.analyze.release_checks import check_releases
from kostack.model.snapshot import HelmRelease, PersistentVolumeClaim, Snapshot

ACTIVE = frozenset(
    {"deployed", "failed", "pending-install", "pending-upgrade", "pending-rollback", "uninstalling"}
)


@dataclass(frozen=True)
class ReleaseTrouble:
    """A release with failing release findings: its newest record (None: gone) and its PVCs."""

    name: str
    namespace: str
    status: str
    chart: str
    chart_version: str
    revision: int | None
    pvcs: tuple[PersistentVolumeClaim, ...]
    findings: tuple[Finding, ...]

    @property
    def gone(self) -> bool:
        return self.status in ("uninstalled", "")


def _newest(
    releases: tuple[HelmRelease, ...] | list[HelmRelease], name: str, namespace: str | None
) -> HelmRelease | None:
    alike = [r for r in releases if r.name == name and namespace in (None, r.namespace)]
    live = [r for r in alike if r.status in ACTIVE]
    pool = live or alike
    return max(pool, key=lambda r: (r.revision, r.namespace)) if pool else None


def release_troubles(snapshot: Snapshot, diagnosis: Diagnosis | None) -> tuple[ReleaseTrouble, ...]:
    """Releases the release checks fail, in a stable order (none when Helm was not collected)."""
    if snapshot.helm is None or snapshot.helm.releases is None:
        return ()
    report = check_releases(snapshot, diagnosis)
    helm_pvcs = snapshot.helm.pvcs or ()
    pvc_by_key: dict[tuple[str | None, str], PersistentVolumeClaim] = {
        (p.namespace, p.name): p for p in reversed(helm_pvcs)
    }
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for f in report.failing():
        name = f.extra.get("release")
        if isinstance(name, str) and name:
            grouped[name].append(f)
    by_name: dict[str, list[HelmRelease]] = defaultdict(list)
    for r in snapshot.helm.releases:
        by_name[r.name].append(r)
    out = []
    for name in sorted(grouped):
        findings = grouped[name]
        spots = [f.extra.get("release_namespace") for f in findings]
        namespace = next((s for s in spots if isinstance(s, str) and s), None)
        alike = by_name.get(name, [])
        release = _newest(alike, name, namespace) or _newest(alike, name, None)
        claims = report.claims_of(name)
        pvcs = (
            tuple(sorted({c.key: c.pvc for c in claims}.values(), key=_pvc_order)) if claims else ()
        )
        if not pvcs:
            pvcs = _named_pvcs(pvc_by_key, findings)
        out.append(
            ReleaseTrouble(
                name=name,
                namespace=release.namespace if release else (namespace or _pvc_namespace(pvcs)),
                status=release.status if release else "uninstalled",
                chart=release.chart if release else "",
                chart_version=release.chart_version if release else "",
                revision=release.revision if release else None,
                pvcs=pvcs,
                findings=tuple(findings),
            )
        )
    return tuple(out)


def _pvc_order(pvc: PersistentVolumeClaim) -> tuple[str, str]:
    return (pvc.namespace, pvc.name)


def _pvc_namespace(pvcs: tuple[PersistentVolumeClaim, ...]) -> str:
    return pvcs[0].namespace if pvcs else "default"


def _named_pvcs(
    pvc_by_key: dict[tuple[str | None, str], PersistentVolumeClaim], findings: list[Finding]
) -> tuple[PersistentVolumeClaim, ...]:
    """PVCs the findings name as affected, when the ownership analysis attributes none."""
    wanted = {
        (r.namespace, r.name)
        for f in findings
        for r in f.affected
        if r.kind in ("pvc", "persistentvolumeclaim")
    }
    found = (pvc_by_key.get(key) for key in wanted)
    return tuple(sorted((p for p in found if p is not None), key=_pvc_order))
