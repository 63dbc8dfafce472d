"""The apply journal: JSON lines, written and fsync'd before and after every action.

One journal per plan. The first line holds the plan itself, so a journal is
enough to resume an interrupted apply or to roll it back, on any machine.
Records (one JSON object per line, field ``type``):

- ``plan``: journal_version, kostack_version, created_at, digest, the plan;
- ``run``: a run starts (mode apply | resume | rollback, pid);
- ``intent``: about to change a target: its before-state;
- ``result``: what happened: outcome (applied | already-present | failed |
  in-doubt), after-state, created rule id / added routes, the Neutron error;
- ``undo-intent`` / ``undo-result``: the same for rollback (outcome restored |
  already-original | not-changed | conflict | failed);
- ``end``: a run ends (status complete | stopped | failed).

Each line is written with one write() on an O_APPEND descriptor and then
fsync'd, so a crash leaves at most one torn last line, which readers skip.
A run holds an exclusive flock on the file: two kostack processes cannot
work on one journal at once.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Self

from kostack.apply.journal_texts import Msg
from kostack.errors import Hinted
from kostack.interrupts import deferred_interrupts
from kostack.oserror import reason
from kostack.plan.codec import PlanFormatError, plan_from_dict, plan_to_dict
from kostack.plan.model import Plan
from kostack.redact import redact
from kostack.shell import render

JOURNAL_VERSION: Final = 1


class JournalError(Hinted):
    """The journal cannot be written or read: message and hint."""


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_path(directory: Path | None = None) -> Path:
    """`kostack-fix-<UTC time>.journal.jsonl` in the current (or given) directory."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return (directory or Path.cwd()) / f"kostack-fix-{stamp}.journal.jsonl"


@dataclass
class ActionLog:
    """Everything the journal says about one action, latest last."""

    action_id: str
    intents: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    undo_intents: list[dict[str, Any]] = field(default_factory=list)
    undo_results: list[dict[str, Any]] = field(default_factory=list)
    last: str = ""  # type of the latest record

    @property
    def started(self) -> bool:
        return bool(self.intents)

    @property
    def outcome(self) -> str | None:
        """The outcome of the latest attempt; "in-doubt" when an intent has no result."""
        if not self.intents:
            return None
        if self.last == "intent":
            return "in-doubt"
        return str(self.results[-1]["outcome"]) if self.results else "in-doubt"

    def created_rule_id(self) -> str | None:
        for r in reversed(self.results):
            if r.get("created_rule_id"):
                return str(r["created_rule_id"])
        return None

    def first_before(self) -> dict[str, Any] | None:
        return self.intents[0].get("before") if self.intents else None

    def changed_by_kostack(self) -> bool | None:
        """True: kostack changed it; False: certainly not; None: cannot tell from the journal.

        The latest word decides: a run that re-read an in-doubt object journals
        what it found.
        """
        if any(r.get("outcome") == "applied" for r in self.results):
            return True
        outcome = self.outcome
        if outcome is None:
            return False
        if outcome == "in-doubt":
            return None
        return False


class Journal:
    """An open journal file (create a new one, or open one to resume or roll back)."""

    def __init__(self, path: Path, fd: int, plan: Plan, records: list[dict[str, Any]]) -> None:
        self.path = path
        self._fd = fd
        self.plan = plan
        self.records = records

    # ------------------------------------------------------------------ open / create

    @classmethod
    def create(cls, path: Path, plan: Plan, *, version: str = "", cloud: str | None = None) -> Self:
        """Start a new journal for ``plan``; refuses to overwrite an existing one."""
        path = Path(path)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        except FileExistsError:
            raise JournalError(
                Msg("journal.exists", path=path),
                Msg(
                    "journal.hint.exists",
                    apply=render(["kostack", "fix", "apply", "--journal", str(path)]),
                    rollback=render(["kostack", "fix", "rollback", str(path)]),
                ),
            ) from None
        except OSError as exc:
            raise JournalError(Msg("journal.cannot-create", path=path, why=reason(exc))) from exc
        journal = cls(path, fd, plan, [])
        journal._lock()
        journal.append(
            {
                "type": "plan",
                "journal_version": JOURNAL_VERSION,
                "kostack_version": version,
                "cloud": cloud,
                "digest": plan.digest(),
                "plan": plan_to_dict(plan, version),
            }
        )
        fsync_dir(path.parent)
        return journal

    @classmethod
    def open(cls, path: Path) -> Self:
        """Open an existing journal for appending (resume or rollback)."""
        path = Path(path)
        records = read_records(path)
        header = records[0]
        try:
            plan = plan_from_dict(header.get("plan"), f"{path}:1 plan")
        except PlanFormatError as exc:
            raise JournalError(exc.message, exc.hint) from exc
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise JournalError(Msg("journal.cannot-open", path=path, why=reason(exc))) from exc
        journal = cls(path, fd, plan, records)
        journal._lock()
        return journal

    def _lock(self) -> None:
        lock_exclusive(self._fd, self.path)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing releases the flock
            self._fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write one record durably (one write, then fsync) and keep it in memory.

        Ctrl-C cannot split the write from the bookkeeping (it is raised right
        after), so no two records share a ``seq``; no credential is written.
        """
        with deferred_interrupts():
            last = int(self.records[-1].get("seq") or 0) if self.records else 0
            seq = max(last, len(self.records)) + 1
            kept = write_record(self._fd, {"seq": seq, "at": now(), **record})
            self.records.append(kept)
        return kept

    # ------------------------------------------------------------------ reading

    def logs(self) -> dict[str, ActionLog]:
        out: dict[str, ActionLog] = {a.id: ActionLog(a.id) for a in self.plan.actions}
        for rec in self.records:
            kind = rec.get("type")
            aid = rec.get("action")
            if not isinstance(aid, str) or aid not in out:
                continue
            log = out[aid]
            if kind == "intent":
                log.intents.append(rec)
            elif kind == "result":
                log.results.append(rec)
            elif kind == "undo-intent":
                log.undo_intents.append(rec)
            elif kind == "undo-result":
                log.undo_results.append(rec)
            else:
                continue
            log.last = str(kind)
        return out

    def runs(self, mode: str | None = None) -> Iterator[dict[str, Any]]:
        for rec in self.records:
            if rec.get("type") == "run" and (mode is None or rec.get("mode") == mode):
                yield rec

    @property
    def rolled_back(self) -> bool:
        return any(True for _ in self.runs("rollback"))


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a journal; a torn last line (a crash mid-write) is skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JournalError(Msg("journal.missing", path=path), Msg("journal.hint.give")) from None
    except OSError as exc:
        raise JournalError(Msg("journal.cannot-read", path=path, why=reason(exc))) from exc
    records = parse_records(text, path)
    if not records or records[0].get("type") != "plan":
        raise JournalError(Msg("journal.not-journal", path=path), Msg("journal.hint.give"))
    version = records[0].get("journal_version")
    if version != JOURNAL_VERSION:
        raise JournalError(
            Msg("journal.version", path=path, version=repr(version), known=JOURNAL_VERSION)
        )
    return records


# --------------------------------------------------------------------------- JSON lines, durably
# (shared with `kostack guard`'s journal, kostack/guard/journal.py)


def write_record(fd: int, record: dict[str, Any]) -> dict[str, Any]:
    """Append one record as one JSON line: a single write() on an O_APPEND fd, then fsync.

    The line passes the redactor (no credential is written) and Ctrl-C waits
    until it is down; returns the record as written.
    """
    with deferred_interrupts():
        line = redact(json.dumps(record, sort_keys=False, ensure_ascii=False))
        kept: dict[str, Any] = json.loads(line)
        data = (line + "\n").encode()
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.fsync(fd)
    return kept


def lock_exclusive(fd: int, path: Path) -> None:
    """Take the file's exclusive flock or raise JournalError (another process holds it)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            raise JournalError(
                Msg("journal.in-use", path=path), Msg("journal.hint.in-use")
            ) from None
        raise


def parse_records(text: str, path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a journal's lines; a torn last line (a crash mid-write) is skipped."""
    lines = text.split("\n")
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            if number == len(lines) or (number == len(lines) - 1 and not lines[-1]):
                break  # the torn last line of a crashed write
            raise JournalError(
                Msg("journal.not-json", path=path, number=number), Msg("journal.hint.damaged")
            ) from None
        if not isinstance(rec, dict):
            raise JournalError(Msg("journal.not-object", path=path, number=number))
        records.append(rec)
    return records


def fsync_dir(directory: Path) -> None:
    """Make the new file's directory entry durable too."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
