"""Renderings of `kostack release check` and `kostack release reinstall`. Pure: result in, text out.

Text for people (English or Korean, cluster-provided text escaped) and the
canonical JSON (with a schema version). Nothing here queries anything; the
current time is passed in for ages. The words (English and Korean) are in
`kostack.report.release_words`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kostack.analyze.diagnose import root_cause_title
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import Msg
from kostack.analyze.messages import localize as L
from kostack.analyze.release_checks import ReleaseReport
from kostack.analyze.release_checks.ownership import PvcClaim
from kostack.gap_words import gap_error, gap_hint
from kostack.model.helm import HelmRelease
from kostack.model.snapshot import HelmState
from kostack.plan.release_advice import ReinstallAdvice
from kostack.plan.release_claims import planned_pvc, with_backups
from kostack.plan.release_index import HelmIndex
from kostack.plan.release_model import ReleaseInstance, backups_alike
from kostack.report.cells import hang, wrap
from kostack.report.i18n import t as severity_word
from kostack.report.release_words import INDENT, OUTPUT_SCHEMA_VERSION, t
from kostack.report.safe import json_safe, terminal_safe
from kostack.shell import command, render

__all__ = [
    "INDENT",
    "OUTPUT_SCHEMA_VERSION",
    "advice_dict",
    "dumps",
    "finding_dict",
    "release_check_dict",
    "render_release_check",
    "t",
]


# --------------------------------------------------------------------------- release check


def _releases(report: ReleaseReport, name: str | None, namespace: str | None) -> list[HelmRelease]:
    """The collected releases called `name` in `namespace` (None: any)."""
    helm = report.snapshot.helm
    return [
        r
        for r in ((helm.releases if helm else None) or ())
        if (name is None or r.name == name) and (namespace is None or r.namespace == namespace)
    ]


def release_item(r: HelmRelease | ReleaseInstance, lang: str) -> str:
    """`default/harbor (harbor 1.18.0, revision 2 failed)`, in either language."""
    return t(
        lang,
        "release_item",
        key=f"{r.namespace}/{r.name}",
        chart=r.chart,
        version=r.chart_version,
        revision=r.revision,
        status=r.status,  # Helm's own word (failed, deployed, ...)
    )


def _releases_line(
    report: ReleaseReport, name: str | None, namespace: str | None, lang: str
) -> list[str]:
    """Which releases the check looked at (or that none called `name` exists)."""
    releases = _releases(report, name, namespace)
    listed = ", ".join(release_item(r, lang) for r in releases)
    if releases:
        return [t(lang, "releases" if name else "releases_all", name=name, list=listed)]
    if name:
        return [
            t(
                lang,
                "no_releases_in" if namespace else "no_releases",
                name=name,
                namespace=namespace,
            )
        ]
    return []


def _network_line(report: ReleaseReport, lang: str) -> str:
    diagnosis = report.diagnosis
    if diagnosis is None:
        return t(lang, "network_unknown")
    if diagnosis.root_causes:
        return t(lang, "network_root", root=root_cause_title(diagnosis.root_causes[0].key, lang))
    return t(lang, "network_ok")


def _failing_blocks(report: ReleaseReport, lang: str, verbose: bool) -> list[str]:
    """Every failing finding, worst first, each followed by a blank line."""
    lines: list[str] = []
    failing = sorted(
        report.failing(), key=lambda f: (-f.severity.rank, f.check_id, f.resource.label())
    )
    for finding in failing:
        lines.extend(_finding_block(finding, lang, verbose))
        if finding.check_id == "rel-pods-ready" and finding.cause:
            ns = finding.resource.namespace or "NAMESPACE"
            again = render(
                command(
                    ("kostack", "release", "check"), (finding.resource.name,), ("--namespace", ns)
                )
            )
            lines.append(INDENT + t(lang, "chain_fix_network", command=again))
        lines.append("")
    return lines


def _volume_line(claim: PvcClaim, lang: str) -> str:
    if claim.kept:
        why = t(lang, "kept")
    elif claim.orphan or any(e.rule == "statefulset-template" for e in claim.evidence):
        why = t(lang, "sts")
    else:
        why = t(lang, "manifest")
    volume = claim.volume
    return INDENT + t(
        lang,
        "volume_line",
        key=claim.key,
        size=claim.pvc.size or "?",
        volume=claim.pvc.volume_name or "unbound",
        reclaim=(volume.reclaim_policy if volume else None) or "?",
        why=why,
    )


def _volume_blocks(
    report: ReleaseReport, name: str | None, namespace: str | None, lang: str, verbose: bool
) -> list[str]:
    """The volumes of release `name`, grouped by the release (or orphan) that owns them."""
    lines: list[str] = []
    claims = report.claims_of(name, namespace) if name else ()
    groups: dict[str, list[PvcClaim]] = {}
    for claim in claims:
        owner = f"{claim.release_namespace or claim.pvc.namespace}/{claim.release_name}"
        if claim.orphan:
            owner += " (" + t(lang, "orphan") + ")"
        groups.setdefault(owner, []).append(claim)
    for owner, members in sorted(groups.items()):
        lines.append(t(lang, "volumes", name=owner))
        for claim in sorted(members, key=lambda c: c.key):
            lines.append(_volume_line(claim, lang))
            if verbose:
                lines.extend(2 * INDENT + L(e.text, lang) for e in claim.evidence)
        lines.append("")
    return lines


def _suspect_lines(
    report: ReleaseReport, name: str | None, namespace: str | None, lang: str
) -> list[str]:
    """Claims that look like release `name`'s but are not proven: left alone, with why."""
    if not name:
        return []
    suspects = [
        c
        for c in report.ownership.claims
        if not c.proven
        and c.release_name == name
        and (namespace is None or c.pvc.namespace == namespace)
    ]
    if not suspects:
        return []
    lines = [t(lang, "left_alone")]
    for suspect in suspects:
        reason = "; ".join(L(e.text, lang) for e in suspect.conflicts) or "; ".join(
            L(e.text, lang) for e in suspect.evidence
        )
        lines.append(f"{INDENT}{suspect.key}: {reason}")
    lines.append("")
    return lines


def _closing_lines(report: ReleaseReport, lang: str) -> list[str]:
    """Findings left UNKNOWN, the checks that passed, and what could not be collected."""
    lines: list[str] = []
    unknown = [f for f in report.findings if f.status == Status.UNKNOWN]
    if unknown:
        lines.append(t(lang, "unknown"))
        lines.extend(f"{INDENT}{f.check_id}: {L(f.message, lang)}" for f in unknown)
    passed = Counter(f.check_id for f in report.findings if f.status == Status.PASS)
    if passed:
        lines.append(
            t(lang, "also_ok", list=", ".join(f"{k} ({v})" for k, v in sorted(passed.items())))
        )
    gaps = [g for g in report.snapshot.gaps if g.source.startswith("helm")]
    if gaps:
        lines.append(t(lang, "gaps"))
        lines.extend(
            f"{INDENT}{g.source}: {gap_error(g, lang)}"
            + (f" ({gap_hint(g, lang)})" if g.hint else "")
            for g in gaps
        )
    return lines


def render_release_check(
    report: ReleaseReport,
    *,
    name: str | None,
    namespace: str | None,
    lang: str = "en",
    verbose: bool = False,
    advice: tuple[ReinstallAdvice, ...] = (),
) -> str:
    """The first screen: which releases, the network, failing findings worst first, what to do."""
    lines = _releases_line(report, name, namespace, lang)
    lines.append(_network_line(report, lang))
    lines.append("")
    lines.extend(_failing_blocks(report, lang, verbose))
    if advice:
        lines.extend(_advice_lines(advice, lang, report.now))
        lines.append("")
    lines.extend(_volume_blocks(report, name, namespace, lang, verbose))
    lines.extend(_suspect_lines(report, name, namespace, lang))
    lines.extend(_closing_lines(report, lang))
    laid_out = [part for line in lines for part in hang(line)]
    return terminal_safe("\n".join(laid_out).rstrip() + "\n")


def _advice_lines(
    advice: tuple[ReinstallAdvice, ...], lang: str, now: datetime | None
) -> list[str]:
    """What to do about each failed release: only the reinstall plan deletes anything, and
    beside it what backs up each claim it deletes."""
    lines = [t(lang, "next")]
    for a in advice:
        release = "/".join(a.failed.key)
        if a.plan is None:
            lines.append(
                INDENT + t(lang, "next_left_behind", release=release, newer=a.left_behind_for)
            )
            continue
        if not a.actionable:
            reasons = "; ".join(L(b, lang) for b in a.blockers)
            lines.append(INDENT + t(lang, "next_blocked", release=release, reasons=reasons))
            continue
        lines.append(INDENT + t(lang, "next_reinstall", release=release, n=len(a.plan.pvcs)))
        if a.plan.pvcs:
            lines.append(2 * INDENT + L(Msg("rel.backup.title"), lang))
        for keys, said in backups_alike(a.plan.pvcs, now):
            lines.append(f"{3 * INDENT}{', '.join(keys)}: {'; '.join(L(w, lang) for w in said)}")
        save = a.save_values()
        if save is not None:
            lines.append(2 * INDENT + t(lang, "next_save"))
            lines.append(2 * INDENT + "$ " + save.render())
        lines.append(2 * INDENT + "$ " + a.command().render())
        if a.network_first:
            lines.append(2 * INDENT + t(lang, "next_network_first"))
    return lines


def advice_dict(a: ReinstallAdvice) -> dict[str, Any]:
    """One piece of advice for `-o json`: the command, and exactly what its plan would delete."""
    plan = a.plan
    save = a.save_values()
    return {
        "release": "/".join(a.failed.key),
        "reasons": [f.check_id for f in a.failed.findings],
        "command": a.command().render() if a.actionable else None,
        "save_values": save.render() if save is not None and a.actionable else None,
        "network_first": a.network_first,
        "blocked": [str(b) for b in a.blockers],
        "left_behind_for": a.left_behind_for or None,
        "removes": sorted("/".join(k) for k in a.removes()) if a.actionable else [],
        "deletes_pvcs": [p.key for p in plan.pvcs] if plan is not None and a.actionable else [],
        "backups": [{"pvc": p.key, **p.backups_dict()} for p in plan.pvcs]
        if plan is not None and a.actionable
        else [],
    }


def _finding_block(finding: Finding, lang: str, verbose: bool) -> list[str]:
    sev = severity_word(lang, f"sev.{finding.severity}")
    head = f"[{sev}] {finding.check_id}: {L(finding.message, lang)}"
    # its later lines stand deeper than the evidence, which starts at INDENT
    out = wrap(head, 2 * INDENT, first="")
    evidence = (
        finding.evidence
        if verbose or finding.check_id == "rel-pods-ready"
        else finding.evidence[:3]
    )
    out.extend(INDENT + L(e, lang) for e in evidence)
    if not verbose and len(finding.evidence) > len(evidence):
        out.append(INDENT + t(lang, "more_evidence", n=len(finding.evidence) - len(evidence)))
    return out


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A release finding as JSON data; its texts stay messages (the CLI says them in --lang)."""
    out = finding.as_dict()
    out["release"] = finding.extra.get("release")
    out["release_namespace"] = finding.extra.get("release_namespace")
    return out


def release_check_dict(
    report: ReleaseReport,
    version: str,
    *,
    name: str | None,
    namespace: str | None,
    advice: tuple[ReinstallAdvice, ...] = (),
) -> dict[str, Any]:
    releases = _releases(report, name, namespace)
    claims = (
        report.claims_of(name, namespace, proven_only=False) if name else report.ownership.claims
    )
    worst = report.worst()
    backups = _backups(report, claims)
    return {
        "schema_version": OUTPUT_SCHEMA_VERSION,
        "kostack_version": version,
        "release": name,
        "namespace": namespace,
        "worst": str(worst) if worst else None,
        "network_root_causes": [rc.key for rc in report.diagnosis.root_causes]
        if report.diagnosis
        else None,
        "releases": [
            {
                "name": r.name,
                "namespace": r.namespace,
                "revision": r.revision,
                "status": r.status,
                "chart": r.chart,
                "chart_version": r.chart_version,
                "first_deployed": r.first_deployed,
                "history": [h.model_dump() for h in r.history],
                "values_keys": list(r.values_keys),
                "secret_keys": list(r.secret_keys),
            }
            for r in releases
        ],
        "findings": [finding_dict(f) for f in report.findings],
        "advice": [advice_dict(a) for a in advice],
        "pvcs": [
            {
                "pvc": c.key,
                "release": c.release_name,
                "release_namespace": c.release_namespace,
                "proven": c.proven,
                "orphan": c.orphan,
                "kept": c.kept,
                "role": c.role,
                "volume": c.pvc.volume_name,
                "evidence": [
                    {"rule": e.rule, "weight": e.weight, "text": e.text} for e in c.evidence
                ],
                **said,
            }
            for c, said in zip(claims, backups, strict=True)
        ],
        "gaps": [g.model_dump() for g in report.snapshot.gaps if g.source.startswith("helm")],
    }


def _backups(report: ReleaseReport, claims: Sequence[PvcClaim]) -> list[dict[str, Any]]:
    """Each claim's VolumeSnapshots as `advice[].backups` gives them (null, and why, when
    they are unknown): one index, one pass."""
    helm = report.snapshot.helm or HelmState()
    index = HelmIndex.of(helm, report.ownership)
    return [p.backups_dict() for p in with_backups(map(planned_pvc, claims), helm, index)]


def dumps(document: dict[str, Any]) -> str:
    return json_safe(json.dumps(document, indent=2, ensure_ascii=False, default=str)) + "\n"
