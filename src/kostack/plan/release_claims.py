"""Which volume claims a reinstall deletes, which it leaves alone, and what blocks it.

Pure helpers of `kostack.plan.release.build_reinstall_plan` over the claims
the ownership analysis proved (`kostack.analyze.release_checks.ownership`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from kostack.analyze.messages import Msg, joined
from kostack.analyze.release_checks.charts import RELEASE_LABELS
from kostack.analyze.release_checks.ownership import PvcClaim
from kostack.gap_words import error_of, hint_of
from kostack.model.snapshot import HelmState, WorkloadPod
from kostack.plan.release_index import HelmIndex
from kostack.plan.release_model import LeftAlone, PlannedPVC, ReleaseInstance

__all__ = ["claims_to_delete", "left_alone", "mount_blockers", "planned_pvc", "with_backups"]


def claims_to_delete(
    claims: Iterable[PvcClaim],
    name: str,
    namespaces: set[str],
    chart: str,
    removing: list[ReleaseInstance],
) -> list[PvcClaim]:
    """The proven claims of the releases being removed (or of the gone release), kept first."""
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


def planned_pvc(claim: PvcClaim, foreign: Collection[str] = ()) -> PlannedPVC:
    """The plan's record of a claim it deletes: the volume, its owner and the evidence.

    The volume is the one bound to the claim, else the one it names when that one was not
    read (its data is at stake until shown otherwise), never one bound to another claim
    (``foreign``)."""
    pvc = claim.pvc
    volume = claim.volume
    named = pvc.volume_name if pvc.volume_name not in foreign else None
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
        volume=volume.name if volume else named,
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


def with_backups(
    pvcs: Iterable[PlannedPVC], helm: HelmState | None, index: HelmIndex
) -> tuple[PlannedPVC, ...]:
    """Each claim with its VolumeSnapshots, ready and newest first, or why they are unknown."""
    out = []
    said: dict[str, Msg | None] = {}  # one message per namespace, not per claim
    for p in pvcs:
        if p.namespace not in said:
            said[p.namespace] = _unknown_backups(helm, index, p.namespace)
        unknown = said[p.namespace]
        if unknown is not None:
            out.append(replace(p, backups_unread=unknown))
        else:
            out.append(replace(p, backups=index.snapshots_by_claim.get((p.namespace, p.name), ())))
    return tuple(out)


def _unknown_backups(helm: HelmState | None, index: HelmIndex, namespace: str) -> Msg | None:
    """Why the VolumeSnapshots of a claim in ``namespace`` are unknown (None: they are known):
    not collected, no snapshot API in the cluster, or the namespace's list failed."""
    if helm is None or helm.volume_snapshots is None:
        return Msg("rel.backup.unread", why=Msg("rel.backup.not-collected"))
    if not helm.volume_snapshot_api:
        return Msg("rel.backup.no-api")
    gap = helm.volume_snapshots_unread.get(namespace)
    if gap is not None:
        why = Msg("rel.backup.failed", error=error_of(gap), hint=hint_of(gap))
    elif namespace in index.snapshots_listed:
        return None
    else:
        why = Msg("rel.backup.not-listed", namespace=namespace)
    return Msg("rel.backup.unread", why=why)


def left_alone(
    claims: Iterable[PvcClaim], namespaces: set[str], chosen: set[str], name: str
) -> tuple[LeftAlone, ...]:
    """Claims in the cleaned namespaces (or named like the release) kept, each with why."""
    out = []
    for claim in claims:
        if claim.key in chosen:
            continue
        if claim.pvc.namespace not in namespaces and not _named_like(claim, name):
            continue
        reason: str
        if claim.conflicts:
            reason = joined([e.text for e in claim.conflicts])
        elif claim.proven and claim.owner is not None:
            owner = f"{claim.owner.namespace}/{claim.owner.name}"
            reason = Msg("rel.left.belongs", release=owner)
        elif claim.proven and claim.release_name:
            reason = Msg("rel.left.made-by", made=claim.release_name, name=name)
        elif claim.release_name:
            evidence = joined([e.text for e in claim.evidence]) or Msg("rel.left.no-evidence")
            reason = Msg("rel.left.unproven", evidence=evidence)
        else:
            reason = Msg("rel.left.no-release")
        if claim.pvc.namespace not in namespaces:
            reason = Msg("rel.left.outside", namespace=claim.pvc.namespace, reason=reason)
        out.append(LeftAlone(claim.key, reason))
    return tuple(sorted(out, key=lambda item: item.pvc))


def _named_like(claim: PvcClaim, name: str) -> bool:
    return name in claim.pvc.name or any(claim.pvc.labels.get(k) == name for k in RELEASE_LABELS)


def mount_blockers(
    pods: Iterable[WorkloadPod] | None, claims: list[PvcClaim], name: str
) -> list[str]:
    """A pod of another release that mounts a claim the plan deletes blocks the plan, and so
    do pods that were not read (``None``): nothing would show who mounts the claims."""
    if pods is None:
        return [Msg("plan.blocked.pods", n=len(claims))] if claims else []
    out: list[str] = []
    keys = {(c.pvc.namespace, c.pvc.name) for c in claims}
    for pod in pods:
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
