"""Every release check: passing, failing and unknown cases, its docs, and the seed's findings."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from release_testing import with_helm

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import CATALOG, placeholders
from kostack.analyze.release_checks import BY_ID, RELEASE_CHECKS, check_releases
from kostack.collect.helm import HelmCollection
from kostack.model import Snapshot
from kostack.model.snapshot import HelmState


def run(check_id: str, snapshot: Snapshot) -> list[Finding]:
    from kostack.analyze.release_checks.base import ReleaseContext

    return BY_ID[check_id].run(ReleaseContext(snapshot))


def seed(collected: HelmCollection) -> Snapshot:
    return with_helm("seed-incident.json", collected)


def uninstalled_default(collected: HelmCollection) -> Snapshot:
    """After `helm uninstall harbor` in default: its record is gone, its volumes stay."""
    state = collected.state
    releases = tuple(
        r for r in state.releases or () if (r.namespace, r.name) != ("default", "harbor")
    )
    return Snapshot(helm=state.model_copy(update={"releases": releases}))


def without_orphans(collected: HelmCollection) -> Snapshot:
    state = collected.state
    pvcs = tuple(p for p in state.pvcs or () if "staging" not in p.name)
    return Snapshot(helm=state.model_copy(update={"pvcs": pvcs}))


def nothing(_collected: HelmCollection) -> Snapshot:
    return Snapshot()


def no_pods(collected: HelmCollection) -> Snapshot:
    return Snapshot(helm=collected.state.model_copy(update={"pods": None}))


def no_pvcs(collected: HelmCollection) -> Snapshot:
    return Snapshot(helm=collected.state.model_copy(update={"pvcs": None}))


CASES: list[tuple[str, Callable[[HelmCollection], Snapshot], Status, str]] = [
    ("rel-pods-ready", seed, Status.FAIL, "harbor/harbor"),
    ("rel-pods-ready", seed, Status.PASS, "team-a/harbor"),
    ("rel-pods-ready", no_pods, Status.UNKNOWN, ""),
    ("rel-stale-volume", seed, Status.FAIL, "default/database-data-harbor-database-0"),
    ("rel-stale-volume", seed, Status.PASS, "team-a/database-data-harbor-database-0"),
    ("rel-stale-volume", no_pvcs, Status.UNKNOWN, ""),
    ("rel-namespace", seed, Status.FAIL, "default/harbor"),
    ("rel-namespace", seed, Status.PASS, "team-a/harbor"),
    ("rel-namespace", nothing, Status.UNKNOWN, ""),
    ("rel-pvc-namespace", uninstalled_default, Status.FAIL, "harbor/harbor"),
    ("rel-pvc-namespace", seed, Status.PASS, "default/harbor"),
    ("rel-pvc-namespace", no_pvcs, Status.UNKNOWN, ""),
    ("rel-orphan-pvc", seed, Status.FAIL, "default/harbor-staging"),
    ("rel-orphan-pvc", without_orphans, Status.PASS, ""),
    ("rel-orphan-pvc", nothing, Status.UNKNOWN, ""),
    ("rel-kept-pvc", seed, Status.FAIL, "default/harbor"),
    ("rel-kept-pvc", seed, Status.PASS, "harbor/harbor"),
    ("rel-kept-pvc", nothing, Status.UNKNOWN, ""),
    ("rel-status", seed, Status.FAIL, "harbor/harbor"),
    ("rel-status", seed, Status.PASS, "team-a/harbor"),
    ("rel-status", nothing, Status.UNKNOWN, ""),
]


@pytest.mark.parametrize(("check_id", "make", "status", "about"), CASES)
def test_check_cases(
    collected: HelmCollection,
    check_id: str,
    make: Callable[[HelmCollection], Snapshot],
    status: Status,
    about: str,
) -> None:
    findings = run(check_id, make(collected))
    matching = [
        f
        for f in findings
        if f.status == status
        and (not about or f.resource.id == about or f.resource.label().endswith(about))
    ]
    assert matching, [(f.status, f.resource.id, f.message) for f in findings]
    for finding in matching:
        assert finding.check_id == check_id
        assert finding.message.endswith(".")


def test_every_check_is_covered_and_documented() -> None:
    covered = {(c, s) for c, _, s, _ in CASES}
    for check in RELEASE_CHECKS:
        for status in (Status.PASS, Status.FAIL, Status.UNKNOWN):
            assert (check.id, status) in covered, (check.id, status)
        for lang in ("en", "ko"):
            page = check.docs[lang]
            for part in ("title", "explanation", "remediation"):
                assert page.get(part), (check.id, lang, part)
        assert check.docs["en"]["title"] == check.title


def test_release_messages_have_both_languages_with_the_same_placeholders() -> None:
    keys = [k for k in CATALOG if k.startswith(("rel-", "rel.", "chain.", "gate.", "plan."))]
    assert len(keys) > 40
    for key in keys:
        langs = CATALOG[key]
        assert set(langs) == {"en", "ko"}, key
        assert placeholders(langs["en"]) == placeholders(langs["ko"]), key


def test_pvc_namespace_names_the_volumes_left_in_default(collected: HelmCollection) -> None:
    findings = run("rel-pvc-namespace", uninstalled_default(collected))
    fail = next(f for f in findings if f.status == Status.FAIL)
    assert {r.name for r in fail.affected} == {
        "harbor-registry",
        "harbor-jobservice",
        "database-data-harbor-database-0",
        "data-harbor-redis-0",
        "data-harbor-trivy-0",
    }
    orphans = run("rel-orphan-pvc", uninstalled_default(collected))
    harbor = next(f for f in orphans if f.status == Status.FAIL and f.resource.name == "harbor")
    assert len(harbor.affected) == 5


def test_stale_volume_says_which_values_are_ignored(collected: HelmCollection) -> None:
    fail = next(f for f in run("rel-stale-volume", seed(collected)) if f.status == Status.FAIL)
    assert "harborAdminPassword" in fail.message
    assert "24 h before" in fail.message
    assert "carries its selector labels" in " ".join(fail.evidence)


def test_namespace_check_does_not_accuse_a_release_in_its_own_namespace(
    collected: HelmCollection,
) -> None:
    findings = run("rel-namespace", seed(collected))
    by_release = {f.resource.id: f for f in findings}
    assert by_release["team-a/harbor"].status == Status.PASS
    assert by_release["harbor/harbor"].status == Status.PASS
    left = by_release["default/harbor"]
    assert left.status == Status.FAIL and left.extra["newer"] == "harbor/harbor"
    assert "5 PVCs" in left.message


def test_check_releases_filters_by_release_and_namespace(collected: HelmCollection) -> None:
    snapshot = seed(collected)
    report = check_releases(snapshot, diagnose(snapshot))
    only = report.about("harbor", "harbor")
    for finding in only.failing():
        # about harbor/harbor, or the copy in default that it replaced
        assert finding.extra.get("release_namespace") == "harbor" or (
            finding.check_id == "rel-namespace" and finding.extra["newer"] == "harbor/harbor"
        )
    chains = [f for f in only.failing() if f.check_id == "rel-pods-ready"]
    assert len(chains) == 1
    assert all(f.extra.get("release") == "harbor" for f in only.failing())
    # pg is healthy; it only sits in default and keeps its claim on uninstall (low, info)
    assert {(f.check_id, str(f.severity)) for f in report.about("pg").failing()} == {
        ("rel-namespace", "low"),
        ("rel-kept-pvc", "info"),
    }
    # claims_of never returns a lookalike
    assert "default/data-harbor-redis-1" not in {c.key for c in report.claims_of("harbor")}
    assert "default/data-harbor-redis-1" in {
        c.key for c in report.claims_of("harbor", proven_only=False)
    }


def test_empty_helm_state_is_not_unknown() -> None:
    snapshot = Snapshot(
        helm=HelmState(releases=(), pvcs=(), pvs=(), pods=(), events=(), statefulsets=())
    )
    report = check_releases(snapshot)
    assert not [f for f in report.findings if f.status == Status.UNKNOWN]
