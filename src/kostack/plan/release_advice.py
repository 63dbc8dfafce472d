"""Which Helm releases kostack advises to reinstall cleanly, and that advice: the reinstall plan itself.

Every command kostack prints that uninstalls a release or deletes a volume
comes from here (the incident report, `kostack release check`), and here it
comes from `build_reinstall_plan`, the model `kostack release reinstall`
carries out: a release is named by namespace and name, and a volume is named
only when its ownership is proven (plan/release.py). Advice is given only
for a release that actually failed:

- its newest revision is failed or stuck (failed, pending-* or uninstalling
  older than the grace: a younger one may be a helm command still running), or
- its database volume predates it (rel-stale-volume: a reinstall binding the
  old volume keeps the old, maybe half-initialised, state).

A release with any other finding (pods not ready, kept volumes, the default
namespace) gets no destructive advice. A failed release that is a copy left
behind in the catch-all namespace while a newer release of the same chart
runs elsewhere gets none either: reinstalling it where it is would be wrong,
and removing it is a decision for its owner (said with the reason).

Pure: no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Finding
from kostack.analyze.release_checks import ReleaseReport
from kostack.analyze.release_checks.pending import PendingRule
from kostack.model.snapshot import HelmRelease, Snapshot
from kostack.plan.release import build_reinstall_plan, catch_all_namespaces
from kostack.plan.release_index import HelmIndex
from kostack.plan.release_model import ReinstallPlan
from kostack.shell import Cmd, command

STUCK = frozenset(
    {"failed", "pending-install", "pending-upgrade", "pending-rollback", "uninstalling"}
)
VALUES_FILE = "values.yaml"
NETWORK_BLOCKER = "plan.blocked.network"


@dataclass(frozen=True)
class FailedRelease:
    """A live release whose install did not finish or whose state predates it, with the findings."""

    release: HelmRelease
    findings: tuple[Finding, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.release.namespace, self.release.name)


@dataclass(frozen=True)
class ReinstallAdvice:
    """The clean reinstall of one failed release, exactly as `kostack release reinstall` plans it.

    ``plan`` is None when no destructive step may be advised (``why`` says
    why): then nothing of the release is to be deleted by hand.
    """

    failed: FailedRelease
    plan: ReinstallPlan | None
    why: str = ""  # Msg key when plan is None or blocked beyond the network
    left_behind_for: str = ""  # "ns/name" of the newer release, for a copy left behind

    @property
    def blockers(self) -> tuple[str, ...]:
        """What stops the plan besides the network (which the report's own fix comes before)."""
        if self.plan is None:
            return ()
        return tuple(b for b in self.plan.blockers if getattr(b, "key", "") != NETWORK_BLOCKER)

    @property
    def actionable(self) -> bool:
        """Whether the plan's commands may be shown (a plan, blocked by nothing but the network)."""
        return self.plan is not None and not self.blockers

    @property
    def network_first(self) -> bool:
        return self.plan is not None and not self.plan.gate.passed

    def removes(self) -> frozenset[tuple[str, str]]:
        """The releases (namespace, name) the plan uninstalls."""
        if self.plan is None:
            return frozenset()
        return frozenset((r.namespace, r.name) for r in self.plan.removing)

    def command(self) -> Cmd:
        """The kostack command that plans (and with --yes carries out) this reinstall."""
        release = self.failed.release
        return Cmd(
            command(
                ("kostack", "release", "reinstall"),
                (release.name,),
                (
                    "--namespace",
                    release.namespace,
                    "--chart",
                    chart_reference(release),
                    "--values",
                    VALUES_FILE,
                ),
            )
        )

    def save_values(self) -> Cmd | None:
        """The command that keeps the values the release was installed with (None: it had none)."""
        release = self.failed.release
        if not release.values_keys:
            return None
        return Cmd(
            command(
                ("helm", "get", "values"), (release.name,), ("-n", release.namespace, "-o", "yaml")
            ),
            stdout=VALUES_FILE,
        )


def chart_reference(release: HelmRelease) -> str:
    """What to give `helm install`: the chart's name behind a repository placeholder."""
    return f"<REPO>/{release.chart}" if release.chart else "<CHART>"


def newest_releases(releases: tuple[HelmRelease, ...]) -> dict[tuple[str, str], HelmRelease]:
    """Each release's newest record, by (namespace, name)."""
    out: dict[tuple[str, str], HelmRelease] = {}
    for release in releases:
        key = (release.namespace, release.name)
        if key not in out or release.revision > out[key].revision:
            out[key] = release
    return out


def failed_releases(report: ReleaseReport) -> tuple[FailedRelease, ...]:
    """Live releases that failed (see the module doc), by namespace and name."""
    helm = report.snapshot.helm
    if helm is None or helm.releases is None:
        return ()
    failing: dict[tuple[object, object], list[Finding]] = defaultdict(list)
    for f in report.failing():
        failing[(f.extra.get("release_namespace"), f.extra.get("release"))].append(f)
    out = []
    for key, release in sorted(newest_releases(helm.releases).items()):
        if release.status == "uninstalled":
            continue
        why = tuple(
            f
            for f in failing.get(key, ())
            if (f.check_id == "rel-status" and release.status in STUCK)
            or f.check_id == "rel-stale-volume"
        )
        if why:
            out.append(FailedRelease(release, why))
    return tuple(out)


def _left_behind_for(report: ReleaseReport) -> dict[tuple[str, str], str]:
    """Release (namespace, name) -> the newer release of its chart it was left behind for."""
    out: dict[tuple[str, str], str] = {}
    for f in report.failing():
        newer, ns, name = (f.extra.get(k) for k in ("newer", "release_namespace", "release"))
        if (
            f.check_id == "rel-namespace"
            and isinstance(newer, str)
            and newer
            and isinstance(ns, str)
            and isinstance(name, str)
        ):
            out.setdefault((ns, name), newer)
    return out


def reinstall_advice(
    snapshot: Snapshot, diagnosis: Diagnosis | None, report: ReleaseReport
) -> tuple[ReinstallAdvice, ...]:
    """One piece of advice per failed release; a release another plan removes gets none of its own.

    Releases in their own namespace come first: the plan of harbor/harbor
    also removes the copy an install without -n left in the catch-all
    namespace, so that copy is covered rather than reinstalled where it is.
    """
    failed = failed_releases(report)
    helm = snapshot.helm
    if helm is None or not failed:
        return ()
    catch_all = catch_all_namespaces(helm)
    index = HelmIndex.of(helm, report.ownership)  # one analysis, read by every plan
    failed_keys = {fr.key for fr in failed}
    left_behind = _left_behind_for(report)
    ordered = sorted(failed, key=lambda fr: (fr.release.namespace in catch_all, fr.key))
    covered: set[tuple[str, str]] = set()
    out: list[ReinstallAdvice] = []
    for fr in ordered:
        if fr.key in covered:
            continue
        newer = left_behind.get(fr.key, "")
        if newer and fr.release.namespace in catch_all:
            newer_key = tuple(newer.split("/", 1))
            if newer_key not in failed_keys:
                out.append(ReinstallAdvice(fr, None, "left-behind", newer))
                continue
        release = fr.release
        plan = build_reinstall_plan(
            snapshot,
            diagnosis,
            name=release.name,
            namespace=release.namespace,
            chart=chart_reference(release),
            values_file=VALUES_FILE,
            index=index,
            left_alone_everywhere=False,
            pending=PendingRule(report.now, report.pending_grace),
        )
        advice = ReinstallAdvice(fr, plan)
        covered |= advice.removes()
        out.append(advice)
    return tuple(out)


def advice_about(
    advice: tuple[ReinstallAdvice, ...], name: str | None, namespace: str | None
) -> tuple[ReinstallAdvice, ...]:
    """The advice that concerns release `name` (in `namespace`): its own, or a plan removing it."""

    def wanted(key: tuple[str, str]) -> bool:
        return (name is None or key[1] == name) and (namespace is None or key[0] == namespace)

    return tuple(a for a in advice if wanted(a.failed.key) or any(map(wanted, a.removes())))


__all__ = [
    "FailedRelease",
    "ReinstallAdvice",
    "advice_about",
    "chart_reference",
    "failed_releases",
    "reinstall_advice",
]
