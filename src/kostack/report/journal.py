"""Fix journals, read for the report: what was planned, applied, failed or rolled back.

A `kostack fix apply` journal (kostack.apply.journal) is JSON lines whose
first record is the plan; then `intent` and `result` records per action, and
`undo-*` records for a rollback. ``read_journal`` turns it into one entry per
command, the command being exactly what the diagnosis' fix prints (the plan's
actions are mapped back to remedies), so the report can mark planned commands
as applied.

A `kostack release reinstall` journal (kostack.apply.release) also starts with
its plan (the release, the namespace and the steps, each with the command it
equals), then `intent` and `result` records per step: one entry per step, with
its command and how it ended.

Any other JSON-lines event log is read tolerantly, from a few fields:

- the command: ``command`` | ``cmd`` | ``action.command`` (else ``op`` and
  ``target`` make a comment line);
- what happened: ``status`` | ``result`` | ``outcome`` | ``phase`` | ``event``
  (ok/applied/after/done -> applied, before/started -> started, failed/error ->
  failed, planned/dry-run -> planned, rolled-back/reverted -> rolled back);
- which action it belongs to: ``action_id`` | ``id`` | ``seq`` (else the command);
- when: ``time`` | ``ts`` | ``timestamp`` | ``at``; the error: ``error`` | ``message``.

Nothing else is read, so values, tokens or anything else in a journal line
never reach the report. Pure: text in, records out (the CLI reads the files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from kostack.catalog import Msg, register, told

register(
    {
        # Neutron's own words about a failed request, as the journal kept them
        "journal.neutron-said": {"en": "{text}", "ko": "Neutron의 응답: “{text}”"},
    }
)

STATUS_WORDS: dict[str, str] = {
    "ok": "applied",
    "success": "applied",
    "succeeded": "applied",
    "applied": "applied",
    "after": "applied",
    "done": "applied",
    "completed": "applied",
    "before": "started",
    "started": "started",
    "start": "started",
    "begin": "started",
    "pending": "started",
    "running": "started",
    "failed": "failed",
    "fail": "failed",
    "error": "failed",
    "planned": "planned",
    "plan": "planned",
    "dry-run": "planned",
    "dryrun": "planned",
    "rolled-back": "rolled-back",
    "rolled_back": "rolled-back",
    "rollback": "rolled-back",
    "reverted": "rolled-back",
    "undone": "rolled-back",
    "skipped": "skipped",
    "skip": "skipped",
}
# later events of one action override earlier ones, except that "started" never hides an outcome
_OUTCOMES = frozenset({"applied", "failed", "rolled-back", "skipped"})


class JournalLineError(ValueError):
    """A journal line that is not a JSON object."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        super().__init__(f"{source}:{line}: {problem}")
        self.source = source
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class JournalEntry:
    source: str
    action_id: str
    status: str
    command: str
    target: str = ""
    time: str = ""
    error: str = ""


@dataclass(frozen=True)
class JournalAction:
    """One action as the journals tell it: its command and how it ended."""

    action_id: str
    command: str
    status: str
    target: str
    started: str
    finished: str
    error: str
    source: str


def _first(obj: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in obj and obj[key] not in (None, ""):
            return obj[key]
    return None


def _target_text(value: Any) -> str:
    if isinstance(value, dict):
        kind = str(value.get("kind", "") or "")
        name = str(value.get("name", "") or "")
        ident = str(value.get("id", "") or "")
        label = name or ident
        if name and ident and ident != name:
            label = f"{name} ({ident})"
        return f"{kind} {label}".strip()
    return "" if value is None else str(value)


def _status(value: Any) -> str:
    if isinstance(value, bool):
        return "applied" if value else "failed"
    word = str(value or "").strip().lower().replace(" ", "-")
    return STATUS_WORDS.get(word, word or "unknown")


def _generic(records: list[dict[str, Any]], source: str) -> tuple[JournalEntry, ...]:
    out: list[JournalEntry] = []
    for obj in records:
        nested = obj.get("action")
        action: dict[str, Any] = nested if isinstance(nested, dict) else {}
        command = _first(obj, "command", "cmd") or _first(action, "command", "cmd")
        if isinstance(command, list):
            command = " ".join(str(c) for c in command)
        target = _target_text(_first(obj, "target") or _first(action, "target"))
        ident = _first(obj, "action_id", "id") or _first(action, "id")
        if not command:
            op = _first(obj, "op", "operation") or _first(action, "op", "operation")
            if op:
                command = f"# {op} {target}".rstrip()
            elif ident is None:
                continue  # a header or a note: nothing the report shows
        said = _first(obj, "status", "result", "outcome", "phase", "event")
        status = _status(said if said is not None else _first(action, "status"))
        error = _first(obj, "error", "message", "detail") if status == "failed" else None
        out.append(
            JournalEntry(
                source=source,
                action_id=str(ident if ident is not None else command),
                status=status,
                command=str(command or ""),
                target=target,
                time=str(_first(obj, "time", "ts", "timestamp", "at") or ""),
                error="" if error is None else str(error),
            )
        )
    return tuple(out)


def actions(entries: tuple[JournalEntry, ...]) -> tuple[JournalAction, ...]:
    """Events folded into actions, in the order the actions first appear."""
    order: list[tuple[str, str]] = []
    folded: dict[tuple[str, str], JournalAction] = {}
    for e in entries:
        key = (e.source, e.action_id)
        prev = folded.get(key)
        if prev is None:
            if not e.command:
                continue  # an outcome for an action this log never named
            order.append(key)
            folded[key] = JournalAction(
                e.action_id, e.command, e.status, e.target, e.time, e.time, e.error, e.source
            )
            continue
        status = prev.status
        if e.status in _OUTCOMES or status not in _OUTCOMES:
            status = e.status
        folded[key] = JournalAction(
            prev.action_id,
            prev.command if prev.command and not prev.command.startswith("#") else e.command,
            status,
            prev.target or e.target,
            prev.started or e.time,
            e.time or prev.finished,
            e.error or prev.error,
            prev.source,
        )
    return tuple(folded[k] for k in order)


# --------------------------------------------------------------------------- kostack fix journals

# apply outcomes (kostack.apply.engine) and rollback outcomes, as the report says them
OUTCOMES = {
    "applied": "applied",
    "already-present": "already-present",
    "failed": "failed",
    "in-doubt": "in-doubt",
}
UNDO_OUTCOMES = {
    "restored": "rolled-back",
    "already-original": "rolled-back",
    "not-changed": "",  # nothing to undo: the apply outcome stands
    "conflict": "rollback-failed",
    "failed": "rollback-failed",
}


def _records(text: str, source: str) -> list[dict[str, Any]]:
    """The object of every JSON line; a torn last line is skipped."""
    lines = text.split("\n")
    out: list[dict[str, Any]] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            last = number == len(lines) or (number == len(lines) - 1 and not lines[-1].strip())
            if last:
                break  # the torn last line of a crashed write (the journal's own rule)
            raise JournalLineError(source, number, f"not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise JournalLineError(source, number, "a journal line must be a JSON object")
        out.append(obj)
    return out


def read_journal(text: str, source: str) -> tuple[JournalAction, ...]:
    """The actions of one journal: `kostack fix apply`, `kostack release reinstall`, or any
    JSON-lines event log."""
    records = _records(text, source)
    if records and records[0].get("type") == "plan":
        first = records[0]
        if "plan" not in first and "release" in first and "actions" in first:
            return _release_journal(records, source)
        return _fix_journal(records, source)
    return actions(_generic(records, source))


# `kostack release reinstall` step outcomes (kostack.apply.release_result), as the report says them
RELEASE_OUTCOMES = {
    "applied": "applied",
    "already": "already-present",
    "manual": "manual",
    "refused": "failed",
    "failed": "failed",
    "skipped": "skipped",
}


@dataclass
class _Progress:
    """What the intent and result records of a journal say, action by action."""

    started: dict[str, str] = field(default_factory=dict)
    finished: dict[str, str] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    problem: dict[str, str] = field(default_factory=dict)

    def intent(self, key: str, at: str) -> None:
        self.started.setdefault(key, at)
        self.status.setdefault(key, "started")

    def ended(self, key: str, at: str, status: str, problem: str) -> None:
        self.status[key] = status
        self.finished[key] = at
        self.problem[key] = problem

    def action(
        self, key: str, command: str, target: str, default: str, source: str
    ) -> JournalAction:
        """The entry of action ``key`` (``default`` its status when no record names it)."""
        return JournalAction(
            action_id=key,
            command=command,
            status=self.status.get(key, default),
            target=target,
            started=self.started.get(key, ""),
            finished=self.finished.get(key, ""),
            error=self.problem.get(key, ""),
            source=source,
        )


def _release_journal(records: list[dict[str, Any]], source: str) -> tuple[JournalAction, ...]:
    """One entry per step of a reinstall journal: the step's command and how it ended."""
    plan = records[0]
    steps = plan.get("actions")
    if not isinstance(steps, list) or not all(isinstance(a, dict) for a in steps):
        raise JournalLineError(source, 1, "the reinstall plan record has no list of steps")
    release = f"{plan.get('namespace') or '?'}/{plan.get('release') or '?'}"
    seen = _Progress()
    for rec in records[1:]:
        step = rec.get("step")
        if not isinstance(step, int | str) or isinstance(step, bool):
            continue
        key = f"{release} step {step}"
        at = str(rec.get("at") or "")
        if rec.get("type") == "intent":
            seen.intent(key, at)
        elif rec.get("type") == "result":
            outcome = str(rec.get("outcome") or "unknown")
            status = RELEASE_OUTCOMES.get(outcome, outcome)
            seen.ended(key, at, status, _said(rec, "detail") if status == "failed" else "")
    out: list[JournalAction] = []
    for number, step_record in enumerate(steps, 1):
        key = f"{release} step {step_record.get('step', number)}"
        op = str(step_record.get("op") or "step")
        target = str(step_record.get("target") or release)
        command = str(step_record.get("command") or f"# {op} {target}")
        out.append(seen.action(key, command, target, "planned", source))
    return tuple(out)


def _said(record: dict[str, Any], field: str) -> str:
    """The record's ``field`` as kostack said it (in any language), else its English."""
    said = record.get("said")
    message = said.get(field) if isinstance(said, dict) else None
    return told(str(record.get(field) or ""), message)


def _problem(record: dict[str, Any]) -> str:
    error = record.get("error")
    if isinstance(error, dict):
        for key in ("message", "detail", "title"):
            if error.get(key):
                return Msg("journal.neutron-said", text=str(error[key]))
    return _said(record, "message")


def _fix_journal(records: list[dict[str, Any]], source: str) -> tuple[JournalAction, ...]:
    from kostack.analyze.findings import command_for
    from kostack.plan.assemble_text import who
    from kostack.plan.build import simulated_remedies
    from kostack.plan.codec import PlanFormatError, plan_from_dict
    from kostack.plan.model import Operation

    try:
        plan = plan_from_dict(records[0].get("plan"), f"{source}:1 plan")
    except PlanFormatError as exc:
        raise JournalLineError(source, 1, exc.message) from exc
    seen = _Progress()
    for rec in records[1:]:
        kind = rec.get("type")
        aid = rec.get("action")
        if not isinstance(aid, str):
            continue
        at = str(rec.get("at") or "")
        if kind == "intent":
            seen.intent(aid, at)
        elif kind == "result":
            status = OUTCOMES.get(str(rec.get("outcome")), str(rec.get("outcome") or "unknown"))
            seen.ended(aid, at, status, _problem(rec) if status == "failed" else "")
        elif kind == "undo-result":
            undone = UNDO_OUTCOMES.get(str(rec.get("outcome")), "rollback-failed")
            if undone:
                failed = undone == "rollback-failed"
                seen.ended(aid, at, undone, _problem(rec) if failed else "")
    out: list[JournalAction] = []
    for action in plan.actions:
        target = who(action.target)
        default = "planned"
        if action.operation == Operation.MANUAL:
            commands = [action.command or f"# {action.reason}"]
            default = "manual"
        else:
            commands = [command_for(r) for r in simulated_remedies((action,))]
        out.extend(seen.action(action.id, c, target, default, source) for c in commands)
    return tuple(out)
