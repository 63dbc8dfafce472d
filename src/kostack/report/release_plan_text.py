"""Renderings of `kostack release reinstall`: the plan, each step as it runs, the result. Pure.

Text for people (English or Korean, cluster-provided text escaped, commands
rendered by `kostack.shell`) and the canonical JSON (with a schema version).
The current time is passed in for ages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kostack.analyze.messages import Msg
from kostack.analyze.messages import localize as L
from kostack.apply.release_result import ApplyResult, StepResult, step_line
from kostack.plan.release import PlannedPVC, ReinstallPlan, ReleaseAction, recovery_recipe
from kostack.plan.release_model import backups_alike
from kostack.report.cells import cells, hang, pad, wrap
from kostack.report.release_text import INDENT, OUTPUT_SCHEMA_VERSION, release_item, t
from kostack.report.safe import terminal_safe

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
    """The plan as a person reviews it: prose wrapped at 100 cells, the claims table's rows and
    every command whole."""
    mode = t(lang, "mode_dry") if dry_run else t(lang, "mode_apply")
    prose = [
        t(lang, "plan_title", name=plan.release, ns=plan.namespace, chart=plan.chart, mode=mode),
        t(lang, "gate"),
    ]
    for check in plan.gate.checks:
        prose.append(f"{INDENT}[{t(lang, 'gate.' + check.status)}] {L(check.text, lang)}")
    if plan.removing:
        prose.append(t(lang, "removes"))
        for r in plan.removing:
            prose.append(f"{INDENT}{release_item(r, lang)}: {L(r.reason, lang)}")
    lines = [part for line in prose for part in hang(line)]
    lines.extend(_claims(plan, now, lang, total_pvcs))
    prose = []
    if plan.left_alone:
        prose.append(t(lang, "left_title", n=len(plan.left_alone)))
        prose.extend(f"{INDENT}{item.pvc}: {L(item.reason, lang)}" for item in plan.left_alone)
    if plan.warnings:
        prose.append(t(lang, "warnings"))
        prose.extend(f"{INDENT}{L(w, lang)}" for w in plan.warnings)
    if plan.blockers:
        prose.append(t(lang, "blocked"))
        prose.extend(f"{INDENT}{L(b, lang)}" for b in plan.blockers)
    if plan.actions and not plan.blockers:
        prose.append(t(lang, "steps"))
    lines.extend(part for line in prose for part in hang(line))
    if plan.actions and not plan.blockers:
        for action in plan.actions:
            lines.extend(_action_lines(action, lang))
    if not plan.actions and not plan.blockers:  # the release is there and works (a second run)
        lines.extend(("", *hang(t(lang, "nothing_to_do"))))
    elif dry_run:
        lines.extend(("", *hang(t(lang, "dry_footer"))))
    return terminal_safe("\n".join(lines).rstrip() + "\n")


def _claims(plan: ReinstallPlan, now: datetime, lang: str, total: int | None) -> list[str]:
    """The claims the plan deletes, as a table whose rows stay whole (or that there are none)."""
    if not plan.pvcs:
        return hang(t(lang, "pvcs_none")) if plan.actions else []
    title = t(
        lang,
        "pvcs_title",
        n=len(plan.pvcs),
        total=total if total is not None else "?",
        namespaces=", ".join(plan.from_namespaces),
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
    backups = [
        f"{INDENT}{', '.join(keys)}: {'; '.join(L(w, lang) for w in said)}"
        for keys, said in backups_alike(plan.pvcs, now)
    ]
    head = hang(L(Msg("rel.backup.title"), lang))
    return [*hang(title), *_table(rows), *head, *(x for b in backups for x in hang(b))]


def _action_lines(action: ReleaseAction, lang: str) -> list[str]:
    """One step, laid out: its head wrapped under its words, its commands whole."""
    head = f"{action.step:>2} {action.op:<15} {action.target.label()}: {L(action.reason, lang)}"
    out = wrap(head, f"{INDENT}   ", first=INDENT)  # later lines under the step's words
    if action.precondition is not None:
        out.extend(
            hang(f"{INDENT}   {t(lang, 'precondition', text=action.precondition.text(lang))}")
        )
    if action.command:
        out.append(f"{INDENT}   $ {action.command}")
    if action.inverse is not None and action.inverse.command:
        out.append(f"{INDENT}   {t(lang, 'inverse', text=action.inverse.command)}")
    return out


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(cells(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        INDENT + "  ".join(pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def plan_dict(plan: ReinstallPlan, version: str, lang: str = "en") -> dict[str, Any]:
    """The reinstall plan as JSON data; its texts stay messages (`in_language` says them), a
    precondition is said in ``lang`` here."""
    return {
        "schema_version": OUTPUT_SCHEMA_VERSION,
        "kostack_version": version,
        **plan.head(),
        "blocked": plan.blocked,
        "blockers": list(plan.blockers),  # messages: the CLI says them in --lang
        "warnings": list(plan.warnings),
        "gate": {
            "passed": plan.gate.passed,
            "checks": [
                {"name": c.name, "status": c.status, "text": c.text, "source": c.source}
                for c in plan.gate.checks
            ],
        },
        "removing": [
            {
                "release": f"{r.namespace}/{r.name}",
                "status": r.status,
                "revision": r.revision,
                "chart": r.chart,
                "reason": r.reason,
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
                **p.backups_dict(),
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
                "reason": a.reason,
                "precondition": a.precondition.text(lang) if a.precondition else None,
                "command": a.command,
                "inverse": a.inverse.command if a.inverse else None,
            }
            for a in plan.actions
        ],
        "recovery": list(recovery_recipe(plan)),
    }


# --------------------------------------------------------------------------- apply


def render_step(step: StepResult, lang: str = "en") -> str:
    line = L(step_line(step), lang)
    if step.outcome == "manual" and step.command:
        line += "\n    " + L(Msg("rel.step.run", command=step.command), lang)
    return terminal_safe(line + "\n")


def render_apply(result: ApplyResult, *, lang: str = "en") -> str:
    lines = []
    if result.status == "complete":
        lines.append(t(lang, "result_complete"))
    elif result.status == "stopped":
        lines.append(t(lang, "result_stopped", reason=L(result.reason, lang)))
    else:
        lines.append(t(lang, "result_failed", reason=L(result.reason, lang)))
    if result.retained:
        lines.append(t(lang, "retained", n=len(result.retained)))
        for item in result.retained:
            line = t(
                lang,
                "retained_line",
                volume=item["volume"],
                claim=item["claim"],
                size=item["size"] or "?",
                phase=item["phase"],
                policy=item["reclaim_policy"],
            )
            lines.append(INDENT + line)
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
