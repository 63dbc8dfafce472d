"""Checks of Helm releases and their volumes, registered explicitly (no package walking).

Entry point: `check_releases(snapshot, diagnosis)` runs every release check
over the snapshot's `helm` part, with the network diagnosis (or None) so that
failing pods can be tied to a network root cause.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from types import ModuleType

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.release_checks import (
    rel_kept_pvc,
    rel_namespace,
    rel_orphan_pvc,
    rel_pods_ready,
    rel_pvc_namespace,
    rel_stale_volume,
    rel_status,
)
from kostack.analyze.release_checks.base import (
    DEFAULT_PENDING_GRACE_S,
    ReleaseCheck,
    ReleaseContext,
)
from kostack.analyze.release_checks.ownership import Ownership, PvcClaim
from kostack.analyze.times import parse_time
from kostack.collector import collector_paused
from kostack.model.snapshot import Snapshot

_MODULES: tuple[ModuleType, ...] = (
    rel_pods_ready,
    rel_stale_volume,
    rel_namespace,
    rel_pvc_namespace,
    rel_orphan_pvc,
    rel_kept_pvc,
    rel_status,
)

RELEASE_CHECKS: tuple[ReleaseCheck, ...] = tuple(
    ReleaseCheck(m.ID, m.TITLE, m.SEVERITY, m.NEEDS, m.run, m.__name__) for m in _MODULES
)
BY_ID: dict[str, ReleaseCheck] = {c.id: c for c in RELEASE_CHECKS}


@dataclass(frozen=True)
class ReleaseReport:
    """Every release finding, the PVC ownership they were decided from, and the diagnosis used."""

    snapshot: Snapshot
    findings: tuple[Finding, ...]
    ownership: Ownership
    diagnosis: Diagnosis | None
    checks: tuple[ReleaseCheck, ...] = RELEASE_CHECKS
    now: datetime | None = None  # when the releases were read (pending-*/uninstalling ages)
    pending_grace: float = DEFAULT_PENDING_GRACE_S

    def about(self, name: str | None, namespace: str | None = None) -> ReleaseReport:
        """Only the findings about release `name` (in `namespace`, if given)."""
        if name is None and namespace is None:
            return self
        kept = tuple(f for f in self.findings if _about(f, name, namespace))
        return replace(self, findings=kept)

    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == Status.FAIL)

    def worst(self) -> Severity | None:
        failing = [f.severity for f in self.failing()]
        return max(failing, key=lambda s: s.rank) if failing else None

    def claims_of(
        self, name: str | None, namespace: str | None = None, *, proven_only: bool = True
    ) -> tuple[PvcClaim, ...]:
        """PVCs attributed to release `name` (in `namespace`: the PVC's or its release's).

        Only proven claims unless `proven_only` is False: a lookalike (a name like
        the release's, the same labels with another release value) is never one.
        """
        return tuple(
            c
            for c in (self.ownership.claims if name is None else self.ownership.named(name))
            if (c.proven or not proven_only)
            and (name is None or c.release_name == name)
            and (namespace is None or namespace in (c.pvc.namespace, c.release_namespace))
        )


def _about(finding: Finding, name: str | None, namespace: str | None) -> bool:
    release = finding.extra.get("release")
    if release is None:
        # A check-wide finding (pass over all PVCs, unknown for a missing part): keep it.
        return finding.status != Status.FAIL
    if name is not None and release != name:
        return False
    if namespace is None:
        return True
    spots = {
        finding.extra.get("release_namespace"),
        finding.extra.get("orphan_namespace"),
        finding.extra.get("newer", "/").split("/")[0],
        *finding.extra.get("namespaces", ()),
    }
    return namespace in spots


@collector_paused()
def check_releases(
    snapshot: Snapshot,
    diagnosis: Diagnosis | None = None,
    *,
    now: datetime | None = None,
    pending_grace: float = DEFAULT_PENDING_GRACE_S,
) -> ReleaseReport:
    """Run every release check; `diagnosis` (network) ties failing pods to their root cause.

    ``now``: when the releases were read (default: when the snapshot was taken);
    a pending-* or uninstalling revision younger than ``pending_grace`` seconds may still be
    running.
    """
    when = now or parse_time(snapshot.created_at)
    ctx = ReleaseContext(snapshot, diagnosis, when, pending_grace)
    findings: list[Finding] = []
    for check in RELEASE_CHECKS:
        findings.extend(check.run(ctx))
    return ReleaseReport(
        snapshot, tuple(findings), ctx.ownership, diagnosis, now=when, pending_grace=pending_grace
    )
