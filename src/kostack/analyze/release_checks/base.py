"""What a release check is, the context it runs in, and helpers the release checks share.

Same shape as the network checks (analyze/checks): one module per check with
ID, TITLE (the desired state), SEVERITY, NEEDS and run(ctx), and a sibling
Markdown page with `## en` / `## ko` and `### title|explanation|remediation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TypeAlias

from kostack.analyze.checks.base import CheckOf, Collected
from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.ownership import Ownership, PvcClaim, analyse
from kostack.analyze.release_checks.workload import WorkloadIndex
from kostack.analyze.times import parse_time, rough_age
from kostack.gap_words import error_of
from kostack.model.snapshot import (
    Gap,
    HelmRelease,
    HelmState,
    PersistentVolumeClaim,
    Snapshot,
)

# A pending-* or uninstalling revision younger than this may be a helm command still running:
# 3 times Helm's default --timeout of 5 minutes.
DEFAULT_PENDING_GRACE_S = 900.0


@dataclass
class ReleaseContext:
    snapshot: Snapshot
    diagnosis: Diagnosis | None = None
    # When the releases were read (pending-*/uninstalling ages are measured to it; None: unknown)
    now: datetime | None = None
    pending_grace: float = DEFAULT_PENDING_GRACE_S

    @property
    def helm(self) -> HelmState | None:
        return self.snapshot.helm

    @cached_property
    def ownership(self) -> Ownership:
        return analyse(self.helm or HelmState())

    @property
    def releases(self) -> tuple[HelmRelease, ...]:
        return (self.helm.releases if self.helm else None) or ()

    @property
    def live(self) -> list[HelmRelease]:
        """The releases that are installed (not uninstalled with --keep-history)."""
        return [r for r in self.releases if r.status != "uninstalled"]

    @cached_property
    def workloads(self) -> WorkloadIndex:
        """Pods, pod events and services grouped once for every release's lookups."""
        return WorkloadIndex(self.snapshot)


ReleaseCheck: TypeAlias = CheckOf[ReleaseContext]


register(
    {
        "rel.unknown-why": {"en": ": {error}", "ko": ": {error}"},
        "rel.unknown-part": {
            "en": "Cannot decide: {part} was not collected{why}.",
            "ko": "판단할 수 없음: {part:을/를} 수집하지 못했습니다{why}.",
        },
    }
)


def _not_collected(part: str, gap: Gap | None) -> str:
    why = Msg("rel.unknown-why", error=error_of(gap)) if gap else ""
    return Msg("rel.unknown-part", part=part, why=why)


COLLECTED = Collected[ReleaseContext](_not_collected)
when_collected = COLLECTED.when_collected


def release_resource(release: HelmRelease) -> Resource:
    return Resource(
        "helm-release", f"{release.namespace}/{release.name}", release.name, release.namespace
    )


def pvc_resource(pvc: PersistentVolumeClaim) -> Resource:
    return Resource("pvc", pvc.uid or f"{pvc.namespace}/{pvc.name}", pvc.name, pvc.namespace)


def release_tag(name: str, namespace: str | None) -> dict[str, object]:
    """Finding.extra that says which release a finding is about (for `release check NAME`)."""
    return {"release": name, "release_namespace": namespace}


def release_finding(
    check_id: str,
    status: Status,
    severity: Severity,
    release: HelmRelease,
    message: str,
    *,
    evidence: tuple[str, ...] = (),
    affected: tuple[Resource, ...] = (),
    cause: str = "",
    extra: dict[str, object] | None = None,
) -> Finding:
    """A finding about ``release``: its resource, and extra = the release's tag, then ``extra``."""
    return Finding(
        check_id,
        status,
        severity,
        release_resource(release),
        message,
        evidence=evidence,
        cause=cause,
        affected=affected,
        extra={**release_tag(release.name, release.namespace), **(extra or {})},
    )


def short_time(text: str | None) -> str:
    when = parse_time(text)
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else (text or "?")


def age_text(earlier: datetime, later: datetime) -> str:
    """A rough, readable difference in the reader's units: '23 h', '3 d', '40 min' (23시간)."""
    return rough_age((later - earlier).total_seconds())


def pvc_line(claim: PvcClaim) -> str:
    pvc = claim.pvc
    size = pvc.size or "?"
    volume = pvc.volume_name or "unbound"
    return f"{pvc.namespace}/{pvc.name} ({size}, {volume})"


def installed_at(release: HelmRelease) -> datetime | None:
    """When the release was first installed (the oldest first_deployed in its history)."""
    times = [parse_time(h.first_deployed) for h in release.history if h.first_deployed]
    times.append(parse_time(release.first_deployed))
    known = [t for t in times if t is not None]
    return min(known) if known else None


# A PVC is created a few seconds after the install starts; older than this is another install's.
STALE_SLACK = timedelta(minutes=2)


def stale_state_claims(ctx: ReleaseContext, release: HelmRelease) -> list[PvcClaim]:
    """The release's state volumes (database...) created before the release was first installed."""
    from kostack.analyze.release_checks.charts import rule_for

    rule = rule_for(release.chart)
    installed = installed_at(release)
    out = []
    for claim in ctx.ownership.of_release(release):
        created = parse_time(claim.pvc.created)
        if claim.role not in rule.state_roles or created is None or installed is None:
            continue
        if created + STALE_SLACK < installed:
            out.append(claim)
    return out
