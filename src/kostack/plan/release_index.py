"""One pass over a Helm state for the reinstall plans: lookups by name, namespace and key.

The incident report and `kostack release check` plan a clean reinstall for
every failed release; with the index each plan reads only the releases of
its name and the claims and pods of the namespaces it touches, so advice for
N releases costs N small plans, not N scans of every claim. Pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from kostack.analyze.release_checks.ownership import Ownership, PvcClaim, analyse
from kostack.model.helm import VolumeSnapshot
from kostack.model.snapshot import HelmRelease, HelmState, WorkloadPod


@dataclass(frozen=True)
class HelmIndex:
    """The ownership analysis of a Helm state and its lookups."""

    ownership: Ownership
    releases_by_name: Mapping[str, tuple[HelmRelease, ...]]
    claims_by_namespace: Mapping[str, tuple[PvcClaim, ...]]
    claims_by_key: Mapping[str, PvcClaim]
    orphans_by_name: Mapping[str, tuple[PvcClaim, ...]]
    pods_by_namespace: Mapping[str, tuple[WorkloadPod, ...]]
    # (namespace, claim) -> its VolumeSnapshots, ready and newest first; where they were listed
    snapshots_by_claim: Mapping[tuple[str, str], tuple[VolumeSnapshot, ...]]
    snapshots_listed: frozenset[str]

    @classmethod
    def of(cls, helm: HelmState, ownership: Ownership | None = None) -> HelmIndex:
        """Index ``helm`` (with its ownership analysis, when the caller has it already)."""
        ownership = ownership if ownership is not None else analyse(helm)
        releases: dict[str, list[HelmRelease]] = defaultdict(list)
        for release in helm.releases or ():
            releases[release.name].append(release)
        claims: dict[str, list[PvcClaim]] = defaultdict(list)
        orphans: dict[str, list[PvcClaim]] = defaultdict(list)
        for claim in ownership.claims:
            claims[claim.pvc.namespace].append(claim)
            if claim.orphan and claim.release_name:
                orphans[claim.release_name].append(claim)
        pods: dict[str, list[WorkloadPod]] = defaultdict(list)
        for pod in helm.pods or ():
            pods[pod.namespace].append(pod)
        backups: dict[tuple[str, str], list[VolumeSnapshot]] = defaultdict(list)
        newest = sorted(helm.volume_snapshots or (), key=lambda s: s.created or "", reverse=True)
        for item in sorted(newest, key=lambda s: s.ready is not True):
            if item.claim:
                backups[(item.namespace, item.claim)].append(item)
        return cls(
            ownership,
            {k: tuple(v) for k, v in releases.items()},
            {k: tuple(v) for k, v in claims.items()},
            {c.key: c for c in ownership.claims},
            {k: tuple(v) for k, v in orphans.items()},
            {k: tuple(v) for k, v in pods.items()},
            {k: tuple(v) for k, v in backups.items()},
            frozenset(helm.volume_snapshots_in),
        )

    def claims_in(self, namespaces: set[str]) -> list[PvcClaim]:
        """The claims in these namespaces, in the order the analysis found them."""
        return [c for ns in sorted(namespaces) for c in self.claims_by_namespace.get(ns, ())]

    def pods_in(self, namespaces: set[str]) -> list[WorkloadPod]:
        return [p for ns in sorted(namespaces) for p in self.pods_by_namespace.get(ns, ())]


__all__ = ["HelmIndex"]
