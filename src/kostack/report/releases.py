"""Helm releases in the incident report: which failed, what the checks found, and the clean reinstall.

The release checks (`kostack.analyze.release_checks`) decide what is wrong;
the reinstall advice (`kostack.plan.release_advice`) decides which releases
failed and what a clean reinstall removes, with the same proven-ownership
model `kostack release reinstall` carries out. This module only groups them
by release, a release being its namespace and name (never a name alone: a
release called harbor in team-a is another team's, not the failed one's).
Pure.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Finding
from kostack.analyze.release_checks import ReleaseReport, check_releases
from kostack.analyze.release_checks.base import DEFAULT_PENDING_GRACE_S
from kostack.analyze.release_checks.ownership import PvcClaim
from kostack.collector import collector_paused
from kostack.model.snapshot import PersistentVolumeClaim, Snapshot
from kostack.plan.release_advice import (
    ReinstallAdvice,
    failed_releases,
    newest_releases,
    reinstall_advice,
)


@dataclass(frozen=True)
class ReleaseTrouble:
    """One release (namespace, name) with failing findings: its newest record, its own PVCs."""

    name: str
    namespace: str
    status: str  # "uninstalled" or "" when the release is gone
    # proven to belong to this release (or its gone install)
    pvcs: tuple[PersistentVolumeClaim, ...]
    findings: tuple[Finding, ...]
    failed: bool = False
    advice: ReinstallAdvice | None = None  # the clean reinstall, for a failed release
    covered_by: str = ""  # "ns/name": another release's reinstall also removes this one
    also: tuple[ReleaseTrouble, ...] = ()  # what this release's reinstall also removes

    @property
    def family(self) -> tuple[ReleaseTrouble, ...]:
        """This release and those its reinstall also removes."""
        return (self, *self.also)

    @property
    def gone(self) -> bool:
        return self.status in ("uninstalled", "")

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


def _key(finding: Finding) -> tuple[str, str] | None:
    name = finding.extra.get("release")
    namespace = finding.extra.get("release_namespace") or finding.extra.get("orphan_namespace")
    if isinstance(name, str) and name and isinstance(namespace, str) and namespace:
        return (namespace, name)
    return None


def _own_claims(report: ReleaseReport) -> dict[tuple[str, str], tuple[PvcClaim, ...]]:
    """Proven claims by release (namespace, name): a live owner's, or the gone install's."""
    out: dict[tuple[str, str], list[PvcClaim]] = defaultdict(list)
    for claim in report.ownership.claims:
        if not claim.proven:
            continue
        if claim.owner is not None:
            out[(claim.owner.namespace, claim.owner.name)].append(claim)
        elif claim.orphan and claim.release_name:
            out[(claim.pvc.namespace, claim.release_name)].append(claim)
    return {
        k: tuple(sorted(v, key=lambda c: (c.pvc.namespace, c.pvc.name))) for k, v in out.items()
    }


@collector_paused()
def release_troubles(
    snapshot: Snapshot, diagnosis: Diagnosis | None, pending_grace: float = DEFAULT_PENDING_GRACE_S
) -> tuple[ReleaseTrouble, ...]:
    """The releases the incident concerns, by namespace and name, failed ones first.

    A release that failed, a live release whose pods are not ready, and what
    a failed release's reinstall also removes (a copy left behind, volumes of
    its gone install). A healthy release is not one, whatever else the
    release checks say about it (its default namespace, its kept volumes,
    volumes of another release that is gone): none of its objects belong in
    the incident report; `kostack release check` lists them.
    """
    if snapshot.helm is None or snapshot.helm.releases is None:
        return ()
    report = check_releases(snapshot, diagnosis, pending_grace=pending_grace)
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in report.failing():
        key = _key(f)
        if key is not None:
            grouped[key].append(f)
    advice = reinstall_advice(snapshot, diagnosis, report)
    by_key = {a.failed.key: a for a in advice}
    removed_by: dict[tuple[str, str], str] = {}
    deleted_by: dict[str, str] = {}
    for a in advice:
        owner = f"{a.failed.release.namespace}/{a.failed.release.name}"
        for removed in a.removes():
            removed_by.setdefault(removed, owner)
        if a.plan is not None:
            for pvc in a.plan.pvcs:
                deleted_by.setdefault(pvc.key, owner)
    failed_keys = {fr.key for fr in failed_releases(report)}
    records = newest_releases(snapshot.helm.releases)
    own_claims = _own_claims(report)
    out = []
    for key in sorted(grouped):
        findings = grouped[key]
        failed = key in failed_keys
        release = records.get(key)
        claims = own_claims.get(key, ())
        own_advice = by_key.get(key)
        covered = ""
        if own_advice is None:
            covered = removed_by.get(key, "")
            if not covered and claims and all(c.key in deleted_by for c in claims):
                covered = deleted_by[claims[0].key]
        pods_down = any(f.check_id == "rel-pods-ready" for f in findings)
        if not (failed or pods_down or covered):
            continue  # not part of the incident: its findings are for `kostack release check`
        own = {c.key for c in claims} | (
            {p.key for p in own_advice.plan.pvcs}
            if own_advice is not None and own_advice.plan is not None
            else set()
        )
        findings = [f for f in findings if _only_about(f, own)]
        out.append(
            ReleaseTrouble(
                name=key[1],
                namespace=key[0],
                status=release.status if release else "",
                pvcs=tuple(c.pvc for c in claims),
                findings=tuple(findings),
                failed=failed,
                advice=own_advice,
                covered_by=covered,
            )
        )
    return _nested(out)


def _nested(troubles: list[ReleaseTrouble]) -> tuple[ReleaseTrouble, ...]:
    """Each covered release under the failed release whose reinstall removes it; failed first."""
    covered: dict[str, list[ReleaseTrouble]] = defaultdict(list)
    for tr in troubles:
        if tr.covered_by:
            covered[tr.covered_by].append(tr)
    top = [
        replace(tr, also=tuple(covered.get(f"{tr.namespace}/{tr.name}", ())))
        for tr in troubles
        if not tr.covered_by
    ]
    return tuple(sorted(top, key=lambda tr: (not tr.failed, tr.advice is None, tr.key)))


def _only_about(finding: Finding, own: set[str]) -> bool:
    """Whether every volume the finding names is the release's own (or its reinstall's).

    A finding about release harbor may name volumes of another install of that
    name elsewhere (rel-pvc-namespace): those are another release's, and the
    report names none of them.
    """
    return all(
        f"{r.namespace}/{r.name}" in own
        for r in (finding.resource, *finding.affected)
        if r.kind == "pvc"
    )


def release_labels(troubles: tuple[ReleaseTrouble, ...]) -> dict[tuple[str, str], str]:
    """How to name each release: its name, or namespace/name when the name is not unique."""
    names = Counter(tr.name for tr in troubles)
    return {
        tr.key: tr.name if names[tr.name] == 1 else f"{tr.namespace}/{tr.name}" for tr in troubles
    }


__all__ = ["ReleaseTrouble", "release_labels", "release_troubles"]
