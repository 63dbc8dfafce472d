"""The reinstall journal: JSON lines, fsync'd, locked, starting with the plan."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Any, Final, Self

from kostack.apply.journal import JournalError, lock_exclusive, now, write_record
from kostack.apply.journal_texts import Msg
from kostack.errors import ApplyError
from kostack.oserror import reason
from kostack.plan.release import PlannedPVC, ReinstallPlan, ReleaseAction

JOURNAL_VERSION: Final = 1


def default_journal_path(release: str, directory: Path | None = None) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return (directory or Path.cwd()) / f"kostack-reinstall-{release}-{stamp}.journal.jsonl"


class ReleaseJournal:
    """JSON lines, each written with one write() on an O_APPEND descriptor and fsync'd (the fix
    journal's writer); an exclusive flock keeps two kostack processes off one journal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> Self:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ApplyError(
                Msg("journal.cannot-open", path=self.path, why=reason(exc)),
                Msg("journal.hint.writable"),
            ) from exc
        try:
            lock_exclusive(fd, self.path)
        except JournalError as exc:
            raise ApplyError(exc.message, Msg("journal.hint.in-use.other")) from None
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def write(self, record_type: str, **fields: Any) -> dict[str, Any]:
        if self._fd is None:
            raise ApplyError("the journal is not open")
        # the written record (redacted), with its values as JSON gives them
        record = json.loads(json.dumps({"type": record_type, "at": now(), **fields}, default=str))
        return write_record(self._fd, record)


def read_journal(path: Path) -> list[dict[str, Any]]:
    """The records of a journal (a torn last line is skipped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            out.append(record)
    return out


def plan_record(plan: ReinstallPlan, version: str) -> dict[str, Any]:
    """The plan as the journal's first record (no values: the plan never had any)."""
    return {
        "journal_version": JOURNAL_VERSION,
        "kostack_version": version,
        **plan.head(),
        "removing": [
            {
                "release": f"{r.namespace}/{r.name}",
                "revision": r.revision,
                "status": r.status,
                "storage_object": r.storage_object,
            }
            for r in plan.removing
        ],
        "pvcs": [_pvc_record(p) for p in plan.pvcs],
        "left_alone": [{"pvc": item.pvc, "reason": item.reason} for item in plan.left_alone],
        "actions": [_action_record(a) for a in plan.actions],
    }


def _pvc_record(pvc: PlannedPVC) -> dict[str, Any]:
    return {
        "pvc": pvc.key,
        "uid": pvc.uid,
        "size": pvc.size,
        "created": pvc.created,
        "volume": pvc.volume,
        "reclaim_policy": pvc.reclaim_policy,
        "release": pvc.release,
        "role": pvc.role,
        "kept": pvc.kept,
        "evidence": list(pvc.evidence),
    }


def _action_record(action: ReleaseAction) -> dict[str, Any]:
    return {
        "step": action.step,
        "op": action.op,
        "target": action.target.label(),
        "params": dict(action.params),
        "reason": str(action.reason),
        "precondition": action.precondition.text() if action.precondition else None,
        "command": action.command,
        "inverse": action.inverse.command if action.inverse else None,
    }
