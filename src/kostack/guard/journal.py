"""Guard's journal: every write, before and after, as durable JSON lines.

One file per guard instance (``guard-<instance>.journal.jsonl`` in
``--journal-dir``), held with an exclusive flock while guard runs. Lines are
written with the same primitive as `kostack fix`'s journal (one write() on an
O_APPEND descriptor, then fsync; a crash leaves at most one torn last line,
which readers skip). Records (field ``type``):

- ``guard-journal``: the header of each file (version, instance, kostack version);
- ``intent``: about to write: ``op`` (``port``, ``tags``, ``rule-add``,
  ``rule-delete``), the target, the revision the decision was made at, the
  pairs before, what is added and removed;
- ``result``: what happened: ``outcome`` (``applied``, ``already``,
  ``stale``, ``failed``, ``in-doubt``, ``applied-untagged``), the new
  revision, the Neutron error;
- ``settled``: in-doubt additions that a later pass resolved;
- ``carry``: at rotation, the additions still in doubt.

What the journal is for: a port update whose answer was lost (a timeout, a
crash) may have landed without guard's ownership tag. Such additions are
*claims*: the next pass claims each pair that is on the port and untagged
(it adds the tag), and forgets those that are not there. Nothing else is
ever half-done: a pair update is one conditional PUT, and a rule carries
its marker from its creation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from kostack.apply.journal import (
    JournalError,
    fsync_dir,
    lock_exclusive,
    now,
    parse_records,
    write_record,
)
from kostack.catalog import Msg, register
from kostack.interrupts import deferred_interrupts
from kostack.oserror import reason

__all__ = ["IN_DOUBT", "JOURNAL_VERSION", "GuardJournal", "journal_path"]

register(
    {
        "guard.journal.cannot-open": {
            "en": "cannot open guard's journal {path}: {why}",
            "ko": "guard의 저널 {path:을/를} 열 수 없습니다: {why}",
        },
        "guard.journal.hint.dir": {
            "en": "give a writable directory with --journal-dir",
            "ko": "--journal-dir로 쓸 수 있는 디렉터리를 지정하세요",
        },
    }
)

JOURNAL_VERSION: Final = 1
IN_DOUBT: Final = frozenset({"in-doubt", "applied-untagged"})
MAX_BYTES: Final = 8 * 1024 * 1024

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def journal_path(directory: Path, instance: str) -> Path:
    """The journal file of one guard instance."""
    return Path(directory) / f"guard-{_SAFE.sub('-', instance)[:100] or 'guard'}.journal.jsonl"


class GuardJournal:
    """An open guard journal: append records, keep track of additions in doubt."""

    def __init__(
        self, path: Path, *, instance: str, version: str, max_bytes: int = MAX_BYTES
    ) -> None:
        self.path = Path(path)
        self.instance = instance
        self.version = version
        self.max_bytes = max_bytes
        self._fd = -1
        self._next = 0
        # port id -> CIDR -> the intent ids that added it without a confirmed tag
        self._claims: dict[str, dict[str, set[str]]] = {}
        self._open()

    # ------------------------------------------------------------------ file

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            existing = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise JournalError(
                Msg("guard.journal.cannot-open", path=self.path, why=reason(exc)),
                Msg("guard.journal.hint.dir"),
            ) from exc
        lock_exclusive(fd, self.path)
        self._fd = fd
        records = parse_records(existing, self.path) if existing else []
        self._replay(records)
        if not records:
            self._header()
            fsync_dir(self.path.parent)

    def _header(self) -> None:
        self.append(
            {
                "type": "guard-journal",
                "journal_version": JOURNAL_VERSION,
                "instance": self.instance,
                "kostack_version": self.version,
            }
        )

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> GuardJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write one record durably; rotates the file first when it grew past ``max_bytes``."""
        if self._fd < 0:
            raise JournalError(f"guard's journal {self.path} is closed")
        if record.get("type") != "guard-journal" and self._size() > self.max_bytes:
            self._rotate()
        with deferred_interrupts():  # the record and guard's claims of it go together
            kept = write_record(self._fd, {"at": now(), **record})
            self._track(kept)
        return kept

    def _size(self) -> int:
        try:
            return os.fstat(self._fd).st_size
        except OSError:
            return 0

    def _rotate(self) -> None:
        """Start a new file (the old one becomes ``.1``), carrying the claims still in doubt."""
        old = self.path.with_name(self.path.name + ".1")
        os.replace(self.path, old)
        os.close(self._fd)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        lock_exclusive(fd, self.path)
        self._fd = fd
        self._header()
        carried = {
            port: {cidr: sorted(ids) for cidr, ids in by_cidr.items()}
            for port, by_cidr in self._claims.items()
        }
        write_record(self._fd, {"at": now(), "type": "carry", "claims": carried})
        fsync_dir(self.path.parent)

    # ------------------------------------------------------------------ ids and claims

    def new_id(self, pass_number: int) -> str:
        self._next += 1
        return f"p{pass_number}-{self._next}"

    def claims(self) -> dict[str, frozenset[str]]:
        """Port id -> CIDRs guard added whose ownership tag is not confirmed."""
        return {port: frozenset(c) for port, c in self._claims.items() if c}

    def settle(self, port_id: str, cidrs: frozenset[str] | set[str], why: str) -> None:
        """Forget claims a pass resolved (tagged now, or the pair is not on the port)."""
        by_cidr = self._claims.get(port_id, {})
        ids = sorted({i for c in cidrs for i in by_cidr.get(c, ())})
        if not ids:
            return
        self.append(
            {"type": "settled", "port": port_id, "cidrs": sorted(cidrs), "ids": ids, "why": why}
        )

    def _replay(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            self._track(record)
            match = re.fullmatch(r"p\d+-(\d+)", str(record.get("id", "")))
            if match:
                self._next = max(self._next, int(match.group(1)))

    def _track(self, record: Mapping[str, Any]) -> None:
        kind = record.get("type")
        if kind == "intent" and record.get("op") == "port" and record.get("add"):
            by_cidr = self._claims.setdefault(str(record.get("port")), {})
            for cidr in record.get("add") or ():
                by_cidr.setdefault(str(cidr), set()).add(str(record.get("id")))
        elif kind == "result":
            if record.get("outcome") in IN_DOUBT:
                return
            self._drop_ids({str(record.get("id"))})
        elif kind == "settled":
            self._drop_ids({str(i) for i in record.get("ids") or ()})
        elif kind == "carry":
            for port, by_cidr in (record.get("claims") or {}).items():
                for cidr, ids in by_cidr.items():
                    self._claims.setdefault(str(port), {}).setdefault(str(cidr), set()).update(
                        str(i) for i in ids
                    )

    def _drop_ids(self, ids: set[str]) -> None:
        for port in list(self._claims):
            by_cidr = self._claims[port]
            for cidr in list(by_cidr):
                by_cidr[cidr] -= ids
                if not by_cidr[cidr]:
                    del by_cidr[cidr]
            if not by_cidr:
                del self._claims[port]

    def records(self) -> Iterator[dict[str, Any]]:
        """Every record of the current file (for tests and `kostack guard` reports)."""
        yield from parse_records(self.path.read_text(encoding="utf-8"), self.path)
