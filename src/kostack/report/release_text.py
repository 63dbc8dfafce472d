"""Renderings of `kostack release check` and `kostack release reinstall`. Pure: result in, text out.

Text for people (English or Korean, cluster-provided text escaped) and the
canonical JSON (with a schema version). Nothing here queries anything; the
current time is passed in for ages.
"""

from __future__ import annotations

import json
import string
from datetime import datetime
from typing import Any, Final

from kostack.analyze.diagnose import root_cause_title
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import localize as L
from kostack.analyze.release_checks import ReleaseReport
from kostack.analyze.release_checks.ownership import PvcClaim
from kostack.apply.release_result import ApplyResult, StepResult
from kostack.plan.release import PlannedPVC, ReinstallPlan, ReleaseAction, recovery_recipe
from kostack.report.safe import terminal_safe

OUTPUT_SCHEMA_VERSION: Final = 1
INDENT = "  "

TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "releases": "Helm releases named {name}: {list}.",
        "releases_all": "Helm releases: {list}.",
        "no_releases": "No Helm release named {name} was found{where}.",
        "network_root": "Network: ROOT CAUSE {root} (from the diagnosis).",
        "network_ok": "Network: the diagnosis finds no root cause.",
        "network_unknown": "Network: not judged (no OpenStack/cluster snapshot); chains stop at the application.",
        "chain_fix_network": "Fix the network first (`kostack fix plan`), then reinstall cleanly: kostack release reinstall {name} --namespace {ns} --chart CHART --values FILE",
        "volumes": "Volumes of release {name}:",
        "volume_line": "{key}  {size}  {volume}  reclaim {reclaim}  {why}",
        "kept": "kept by helm.sh/resource-policy",
        "sts": "StatefulSet claim (Helm never deletes it)",
        "manifest": "in the manifest",
        "orphan": "release gone",
        "left_alone": "Looks related, not proven (kostack never touches these):",
        "also_ok": "Also checked, ok: {list}.",
        "unknown": "Could not decide (missing data):",
        "gaps": "Not collected:",
        "plan_title": "Reinstall {name} into {ns} with {chart}{mode}",
        "mode_dry": " (dry run: nothing is changed)",
        "mode_apply": "",
        "gate": "Network gate:",
        "removes": "Removes these releases:",
        "pvcs_title": "Deletes exactly these {n} PVCs (of {total} PVCs in {namespaces}; nothing else is touched):",
        "pvcs_none": "Deletes no PVC (none is proven to belong to the release).",
        "pvc_header": "NAMESPACE/NAME|SIZE|AGE|VOLUME|RECLAIM|RELEASE",
        "retain_arrow": "{old} -> Retain",
        "discard": "{old} (deleted with the claim)",
        "left_title": "Left alone ({n}):",
        "warnings": "Warnings:",
        "blocked": "Blocked, nothing will be done:",
        "steps": "Steps:",
        "precondition": "precondition: {text}",
        "inverse": "undo: {text}",
        "dry_footer": "Dry run: nothing was changed. Run again with --yes to act.",
        "result_complete": "Reinstall complete.",
        "result_stopped": "Stopped: {reason}",
        "result_failed": "Failed: {reason}",
        "retained": "Retained volumes ({n}): the data stays on them after the claims are gone.",
        "recipe": "To get the data of a retained volume back:",
        "journal": "Journal: {path}",
    },
    "ko": {
        "releases": "이름이 {name}인 Helm 릴리스: {list}.",
        "releases_all": "Helm 릴리스: {list}.",
        "no_releases": "이름이 {name}인 Helm 릴리스를 찾지 못했습니다{where}.",
        "network_root": "네트워크: 근본 원인 {root}(진단 결과).",
        "network_ok": "네트워크: 진단에서 근본 원인을 찾지 못했습니다.",
        "network_unknown": "네트워크: 판단하지 않음(OpenStack/클러스터 스냅샷 없음). 원인 사슬은 애플리케이션에서 멈춥니다.",
        "chain_fix_network": "먼저 네트워크를 고친 뒤(`kostack fix plan`) 깨끗하게 다시 설치하세요: kostack release reinstall {name} --namespace {ns} --chart CHART --values FILE",
        "volumes": "릴리스 {name}의 볼륨:",
        "volume_line": "{key}  {size}  {volume}  회수 정책 {reclaim}  {why}",
        "kept": "helm.sh/resource-policy로 보존",
        "sts": "StatefulSet 클레임(Helm이 삭제하지 않음)",
        "manifest": "매니페스트에 있음",
        "orphan": "릴리스 없음",
        "left_alone": "관련 있어 보이지만 증명되지 않음(kostack은 건드리지 않음):",
        "also_ok": "함께 확인, 정상: {list}.",
        "unknown": "판단 불가(데이터 없음):",
        "gaps": "수집하지 못함:",
        "plan_title": "{name}을(를) {ns}에 {chart}(으)로 다시 설치{mode}",
        "mode_dry": "(시험 실행: 아무것도 바꾸지 않음)",
        "mode_apply": "",
        "gate": "네트워크 점검:",
        "removes": "제거할 릴리스:",
        "pvcs_title": "정확히 다음 PVC {n}개만 삭제합니다({namespaces}의 PVC {total}개 중, 그 밖에는 건드리지 않음):",
        "pvcs_none": "삭제할 PVC가 없습니다(릴리스의 것으로 증명된 PVC 없음).",
        "pvc_header": "네임스페이스/이름|크기|생성 후|볼륨|회수 정책|릴리스",
        "retain_arrow": "{old} -> Retain",
        "discard": "{old}(클레임과 함께 삭제)",
        "left_title": "건드리지 않음({n}):",
        "warnings": "주의:",
        "blocked": "차단됨, 아무것도 하지 않습니다:",
        "steps": "단계:",
        "precondition": "전제 조건: {text}",
        "inverse": "되돌리기: {text}",
        "dry_footer": "시험 실행: 아무것도 바꾸지 않았습니다. 실행하려면 --yes를 붙여 다시 실행하세요.",
        "result_complete": "다시 설치를 마쳤습니다.",
        "result_stopped": "중단됨: {reason}",
        "result_failed": "실패: {reason}",
        "retained": "보존된 볼륨 {n}개: 클레임이 삭제된 뒤에도 데이터가 남아 있습니다.",
        "recipe": "보존된 볼륨의 데이터를 되살리려면:",
        "journal": "기록(journal): {path}",
    },
}


def t(lang: str, key: str, /, **params: Any) -> str:
    table = TEXT.get(lang, TEXT["en"])
    return (table.get(key) or TEXT["en"][key]).format(**params)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _sev(severity: Severity) -> str:
    return str(severity)


# --------------------------------------------------------------------------- release check


def render_release_check(
    report: ReleaseReport,
    *,
    name: str | None,
    namespace: str | None,
    lang: str = "en",
    verbose: bool = False,
) -> str:
    """The first screen: which releases, the network, then failing findings worst first."""
    lines: list[str] = []
    helm = report.snapshot.helm
    releases = [
        r
        for r in ((helm.releases if helm else None) or ())
        if (name is None or r.name == name) and (namespace is None or r.namespace == namespace)
    ]
    listed = ", ".join(
        f"{r.namespace}/{r.name} ({r.chart} {r.chart_version}, revision {r.revision} {r.status})"
        for r in releases
    )
    if releases:
        lines.append(t(lang, "releases" if name else "releases_all", name=name, list=listed))
    elif name:
        where = f" in {namespace}" if namespace else ""
        lines.append(t(lang, "no_releases", name=name, where=where))
    diagnosis = report.diagnosis
    if diagnosis is None:
        lines.append(t(lang, "network_unknown"))
    elif diagnosis.root_causes:
        lines.append(
            t(lang, "network_root", root=root_cause_title(diagnosis.root_causes[0].key, lang))
        )
    else:
        lines.append(t(lang, "network_ok"))
    lines.append("")
    failing = sorted(
        report.failing(), key=lambda f: (-f.severity.rank, f.check_id, f.resource.label())
    )
    for finding in failing:
        lines.extend(_finding_block(finding, lang, verbose))
        if finding.check_id == "rel-pods-ready" and finding.cause:
            ns = finding.resource.namespace or "NAMESPACE"
            lines.append(INDENT + t(lang, "chain_fix_network", name=finding.resource.name, ns=ns))
        lines.append("")
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
            why = []
            if claim.kept:
                why.append(t(lang, "kept"))
            elif any(e.rule == "statefulset-template" for e in claim.evidence) or (
                claim.orphan and not claim.kept
            ):
                why.append(t(lang, "sts"))
            else:
                why.append(t(lang, "manifest"))
            volume = claim.volume
            lines.append(
                INDENT
                + t(
                    lang,
                    "volume_line",
                    key=claim.key,
                    size=claim.pvc.size or "?",
                    volume=claim.pvc.volume_name or "unbound",
                    reclaim=(volume.reclaim_policy if volume else None) or "?",
                    why=", ".join(why),
                )
            )
            if verbose:
                lines.extend(2 * INDENT + e.text for e in claim.evidence)
        lines.append("")
    if name:
        suspects = [
            c
            for c in report.ownership.claims
            if not c.proven
            and c.release_name == name
            and (namespace is None or c.pvc.namespace == namespace)
        ]
        if suspects:
            lines.append(t(lang, "left_alone"))
            for suspect in suspects:
                reason = "; ".join(e.text for e in suspect.conflicts) or "; ".join(
                    e.text for e in suspect.evidence
                )
                lines.append(f"{INDENT}{suspect.key}: {reason}")
            lines.append("")
    unknown = [f for f in report.findings if f.status == Status.UNKNOWN]
    if unknown:
        lines.append(t(lang, "unknown"))
        lines.extend(f"{INDENT}{f.check_id}: {L(f.message, lang)}" for f in unknown)
    passed: dict[str, int] = {}
    for f in report.findings:
        if f.status == Status.PASS:
            passed[f.check_id] = passed.get(f.check_id, 0) + 1
    if passed:
        lines.append(
            t(lang, "also_ok", list=", ".join(f"{k} ({v})" for k, v in sorted(passed.items())))
        )
    gaps = [g for g in report.snapshot.gaps if g.source.startswith("helm")]
    if gaps:
        lines.append(t(lang, "gaps"))
        lines.extend(
            f"{INDENT}{g.source}: {g.error}" + (f" ({g.hint})" if g.hint else "") for g in gaps
        )
    return terminal_safe("\n".join(lines).rstrip() + "\n")


def _finding_block(finding: Finding, lang: str, verbose: bool) -> list[str]:
    head = f"[{_sev(finding.severity)}] {finding.check_id}: {L(finding.message, lang)}"
    out = [head]
    evidence = (
        finding.evidence
        if verbose or finding.check_id == "rel-pods-ready"
        else finding.evidence[:3]
    )
    out.extend(INDENT + L(e, lang) for e in evidence)
    if not verbose and len(finding.evidence) > len(evidence):
        out.append(f"{INDENT}... (+{len(finding.evidence) - len(evidence)}, -v for all)")
    return out


def finding_dict(finding: Finding, lang: str = "en") -> dict[str, Any]:
    out = finding.as_dict()
    out["message"] = L(finding.message, lang)
    out["evidence"] = [L(e, lang) for e in finding.evidence]
    out["release"] = finding.extra.get("release")
    out["release_namespace"] = finding.extra.get("release_namespace")
    return out


def release_check_dict(
    report: ReleaseReport, version: str, *, name: str | None, namespace: str | None
) -> dict[str, Any]:
    helm = report.snapshot.helm
    releases = [
        r
        for r in ((helm.releases if helm else None) or ())
        if (name is None or r.name == name) and (namespace is None or r.namespace == namespace)
    ]
    claims = (
        report.claims_of(name, namespace, proven_only=False) if name else report.ownership.claims
    )
    worst = report.worst()
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
            }
            for c in claims
        ],
        "gaps": [g.model_dump() for g in report.snapshot.gaps if g.source.startswith("helm")],
    }


# --------------------------------------------------------------------------- reinstall plan


def _reclaim_text(pvc: PlannedPVC, plan: ReinstallPlan, lang: str) -> str:
    old = pvc.reclaim_policy or "?"
    if not pvc.volume:
        return "-"
    if old == "Retain":
        return "Retain"
    if plan.discard_data:
        return t(lang, "discard", old=old)
    return t(lang, "retain_arrow", old=old)


def render_plan(
    plan: ReinstallPlan,
    *,
    now: datetime,
    lang: str = "en",
    dry_run: bool = True,
    total_pvcs: int | None = None,
) -> str:
    lines = [
        t(
            lang,
            "plan_title",
            name=plan.release,
            ns=plan.namespace,
            chart=plan.chart,
            mode=t(lang, "mode_dry") if dry_run else t(lang, "mode_apply"),
        )
    ]
    lines.append(t(lang, "gate"))
    for check in plan.gate.checks:
        lines.append(f"{INDENT}[{check.status}] {L(check.text, lang)}")
    if plan.removing:
        lines.append(t(lang, "removes"))
        for r in plan.removing:
            lines.append(
                f"{INDENT}{r.namespace}/{r.name} ({r.chart} {r.chart_version}, revision {r.revision} {r.status}): {L(r.reason, lang)}"
            )
    if plan.pvcs:
        lines.append(
            t(
                lang,
                "pvcs_title",
                n=len(plan.pvcs),
                total=total_pvcs if total_pvcs is not None else "?",
                namespaces=", ".join(plan.from_namespaces),
            )
        )
        rows = [t(lang, "pvc_header").split("|")]
        for pvc in plan.pvcs:
            rows.append(
                [
                    pvc.key,
                    pvc.size or "?",
                    pvc.age(now),
                    pvc.volume or "unbound",
                    _reclaim_text(pvc, plan, lang),
                    pvc.release + (f" ({pvc.role})" if pvc.role else ""),
                ]
            )
        lines.extend(_table(rows))
    else:
        lines.append(t(lang, "pvcs_none"))
    if plan.left_alone:
        lines.append(t(lang, "left_title", n=len(plan.left_alone)))
        lines.extend(f"{INDENT}{item.pvc}: {item.reason}" for item in plan.left_alone)
    if plan.warnings:
        lines.append(t(lang, "warnings"))
        lines.extend(f"{INDENT}{L(w, lang)}" for w in plan.warnings)
    if plan.blockers:
        lines.append(t(lang, "blocked"))
        lines.extend(f"{INDENT}{L(b, lang)}" for b in plan.blockers)
    if plan.actions and not plan.blockers:
        lines.append(t(lang, "steps"))
        for action in plan.actions:
            lines.extend(_action_lines(action, lang))
    if dry_run:
        lines.append("")
        lines.append(t(lang, "dry_footer"))
    return terminal_safe("\n".join(lines).rstrip() + "\n")


def _action_lines(action: ReleaseAction, lang: str) -> list[str]:
    out = [
        f"{INDENT}{action.step:>2} {action.op:<15} {action.target.label()}: {L(action.reason, lang)}"
    ]
    if action.precondition is not None:
        out.append(f"{INDENT}   {t(lang, 'precondition', text=action.precondition.text())}")
    if action.command:
        out.append(f"{INDENT}   $ {action.command}")
    if action.inverse is not None and action.inverse.command:
        out.append(f"{INDENT}   {t(lang, 'inverse', text=action.inverse.command)}")
    return out


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        INDENT + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def plan_dict(plan: ReinstallPlan, version: str) -> dict[str, Any]:
    return {
        "schema_version": OUTPUT_SCHEMA_VERSION,
        "kostack_version": version,
        "release": plan.release,
        "namespace": plan.namespace,
        "chart": plan.chart,
        "values_file": plan.values_file,
        "discard_data": plan.discard_data,
        "from_namespaces": list(plan.from_namespaces),
        "blocked": plan.blocked,
        "blockers": [str(b) for b in plan.blockers],
        "warnings": [str(w) for w in plan.warnings],
        "gate": {
            "passed": plan.gate.passed,
            "checks": [
                {"name": c.name, "status": c.status, "text": str(c.text), "source": c.source}
                for c in plan.gate.checks
            ],
        },
        "removing": [
            {
                "release": f"{r.namespace}/{r.name}",
                "status": r.status,
                "revision": r.revision,
                "chart": r.chart,
                "reason": str(r.reason),
            }
            for r in plan.removing
        ],
        "pvcs": [
            {
                "pvc": p.key,
                "size": p.size,
                "created": p.created,
                "volume": p.volume,
                "reclaim_policy": p.reclaim_policy,
                "release": p.release,
                "role": p.role,
                "kept": p.kept,
                "evidence": list(p.evidence),
            }
            for p in plan.pvcs
        ],
        "left_alone": [{"pvc": item.pvc, "reason": item.reason} for item in plan.left_alone],
        "actions": [
            {
                "step": a.step,
                "op": a.op,
                "target": {
                    "kind": a.target.kind,
                    "name": a.target.name,
                    "namespace": a.target.namespace,
                },
                "params": dict(a.params),
                "reason": str(a.reason),
                "precondition": a.precondition.text() if a.precondition else None,
                "command": a.command,
                "inverse": a.inverse.command if a.inverse else None,
            }
            for a in plan.actions
        ],
        "recovery": list(recovery_recipe(plan)),
    }


# --------------------------------------------------------------------------- apply


def render_step(step: StepResult) -> str:
    action = step.action
    line = f"[{action.step}] {action.op} {action.target.label()}: {step.outcome}: {step.detail}"
    if step.outcome == "manual" and step.command:
        line += f"\n    run: {step.command}"
    return terminal_safe(line + "\n")


def render_apply(result: ApplyResult, *, lang: str = "en") -> str:
    lines = []
    if result.status == "complete":
        lines.append(t(lang, "result_complete"))
    elif result.status == "stopped":
        lines.append(t(lang, "result_stopped", reason=result.reason))
    else:
        lines.append(t(lang, "result_failed", reason=result.reason))
    if result.retained:
        lines.append(t(lang, "retained", n=len(result.retained)))
        for item in result.retained:
            lines.append(
                f"{INDENT}{item['volume']}  ({item['claim']}, {item['size'] or '?'}, {item['phase']}, reclaim {item['reclaim_policy']})"
            )
        lines.append(t(lang, "recipe"))
        lines.extend(INDENT + line for line in result.recovery)
    if result.journal is not None:
        lines.append(t(lang, "journal", path=result.journal))
    return terminal_safe("\n".join(lines).rstrip() + "\n")


def apply_dict(result: ApplyResult) -> dict[str, Any]:
    """What a run did, for `-o json` with --yes (journal path, steps, retained volumes, recipe)."""
    return {
        "status": result.status,
        "reason": result.reason,
        "steps": [
            {
                "step": s.action.step,
                "op": s.action.op,
                "target": s.action.target.label(),
                "outcome": s.outcome,
                "detail": s.detail,
                "command": s.command or None,
            }
            for s in result.steps
        ],
        "retained": result.retained,
        "recovery": list(result.recovery),
        "journal": str(result.journal) if result.journal else None,
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
