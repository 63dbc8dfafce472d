"""The log lines of kostack's long-running modes: a UTC time stamp, terminal-safe, whole lines."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import IO

from kostack.report.safe import terminal_safe

__all__ = ["logger"]


def logger(stream: IO[str]) -> Callable[[str], None]:
    """A function that writes one stamped line to `stream`; threads never interleave lines."""
    lock = threading.Lock()

    def log(text: str) -> None:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with lock:
            stream.write(terminal_safe(f"{stamp} {text}") + "\n")
            stream.flush()

    return log
