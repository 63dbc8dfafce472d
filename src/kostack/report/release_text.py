"""Renderings of `kostack release check` and `kostack release reinstall`. Pure: result in, text out.

Text for people (English or Korean, cluster-provided text escaped) and the
canonical JSON (with a schema version). Nothing here queries anything; the
current time is passed in for ages.
"""

from __future__ import annotations

import json
import string
from typing import Any, Final

from kostack.analyze.diagnose import root_cause_title
from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import localize as L
from kostack.analyze.release_checks import ReleaseReport
from kostack.analyze.release_checks.ownership import PvcClaim
from kostack.plan.release_advice import ReinstallAdvice
from kostack.report.safe import json_safe, terminal_safe
from kostack.shell import command, render

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
        "chain_fix_network": "Fix the network first (`kostack fix plan`), then check again: {command}",
        "next": "What to do:",
        "next_reinstall": "Release {release} failed: reinstall it cleanly (the dry run shows every step; it deletes only the {n} PVCs proven to belong to the releases it removes):",
        "next_save": "keep the values it was installed with first:",
        "next_network_first": "The reinstall refuses to run until DNS and the kubernetes service work from pods: fix the network first (`kostack fix plan`).",
        "next_blocked": "Release {release} failed, but no command that deletes anything is given: {reasons}. kostack deletes a volume only when the release's manifest declares it, it is a claim of the release's StatefulSet with its labels, or Helm's annotations name the release.",
        "next_left_behind": "Release {release} failed and is a copy an install without -n left behind ({newer} of the same chart runs where it belongs): no command that deletes anything is given; removing it is its owner's decision.",
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
        "chain_fix_network": "먼저 네트워크를 고친 뒤(`kostack fix plan`) 다시 점검하세요: {command}",
        "next": "조치:",
        "next_reinstall": "릴리스 {release}이(가) 실패했습니다. 깨끗하게 다시 설치하세요(시험 실행이 모든 단계를 보여 주며, 제거하는 릴리스의 것으로 증명된 PVC {n}개만 삭제합니다):",
        "next_save": "먼저 설치할 때 쓴 값을 보관하세요:",
        "next_network_first": "Pod에서 DNS와 kubernetes 서비스가 동작할 때까지 재설치는 거부됩니다. 먼저 네트워크를 고치세요(`kostack fix plan`).",
        "next_blocked": "릴리스 {release}이(가) 실패했지만 무언가를 삭제하는 명령은 제시하지 않습니다: {reasons}. kostack은 릴리스의 매니페스트가 선언했거나, 릴리스 StatefulSet의 레이블을 가진 클레임이거나, Helm 어노테이션이 그 릴리스를 가리키는 볼륨만 삭제합니다.",
        "next_left_behind": "릴리스 {release}은(는) 실패했고 -n 없이 설치하면서 남겨진 사본입니다(같은 차트의 {newer}이(가) 제자리에서 실행 중). 무언가를 삭제하는 명령은 제시하지 않으며, 제거 여부는 소유자가 정할 일입니다.",
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
    advice: tuple[ReinstallAdvice, ...] = (),
) -> str:
    """The first screen: which releases, the network, failing findings worst first, what to do.

    Long for a reason: one screen in the order a person reads it, each block a few lines.
    """
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
            again = render(
                command(
                    ("kostack", "release", "check"), (finding.resource.name,), ("--namespace", ns)
                )
            )
            lines.append(INDENT + t(lang, "chain_fix_network", command=again))
        lines.append("")
    if advice:
        lines.extend(_advice_lines(advice, lang))
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


def _advice_lines(advice: tuple[ReinstallAdvice, ...], lang: str) -> list[str]:
    """What to do about each failed release: only the reinstall plan deletes anything."""
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
    }


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
    report: ReleaseReport,
    version: str,
    *,
    name: str | None,
    namespace: str | None,
    advice: tuple[ReinstallAdvice, ...] = (),
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
            }
            for c in claims
        ],
        "gaps": [g.model_dump() for g in report.snapshot.gaps if g.source.startswith("helm")],
    }


def dumps(document: dict[str, Any]) -> str:
    return json_safe(json.dumps(document, indent=2, ensure_ascii=False, default=str)) + "\n"
