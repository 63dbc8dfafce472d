"""The reinstall journal: JSON lines, fsync'd, locked, starting with the plan."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from kostack.errors import ApplyError
from kostack.interrupts import deferred_interrupts
from kostack.plan.release import PlannedPVC, ReinstallPlan, ReleaseAction
from kostack.redact import redact

JOURNAL_VERSION: Final = 1


def default_journal_path(release: str, directory: Path | None = None) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return (directory or Path.cwd()) / f"kostack-reinstall-{release}-{stamp}.journal.jsonl"


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ReleaseJournal:
    """JSON lines, each written with one write() on an O_APPEND descriptor and fsync'd.

    An exclusive flock keeps two kostack processes off one journal.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> Self:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise ApplyError(
                f"cannot open the journal {self.path}: {exc.strerror}",
                "Give a writable path with --journal FILE.",
            ) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise ApplyError(
                f"the journal {self.path} is in use by another kostack process",
                "Wait for it to finish, or give another --journal FILE.",
            ) from exc
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def write(self, record_type: str, **fields: Any) -> dict[str, Any]:
        record = {"type": record_type, "at": _now(), **fields}
        line = redact(json.dumps(record, ensure_ascii=False, sort_keys=False, default=str)) + "\n"
        if self._fd is None:
            raise ApplyError("the journal is not open")
        with deferred_interrupts():  # Ctrl-C never leaves half a record
            os.write(self._fd, line.encode())
            os.fsync(self._fd)
        return record


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
