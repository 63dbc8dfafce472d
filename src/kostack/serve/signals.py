"""How `kostack watch` and `kostack guard` stop: SIGTERM ends them cleanly (0), Ctrl-C with 130."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from kostack.errors import ExitCode

__all__ = ["exit_code", "signal_name", "stop_on_signals"]


@contextlib.contextmanager
def stop_on_signals(enabled: bool, *events: threading.Event) -> Iterator[list[int]]:
    """While inside, SIGTERM and SIGINT set every one of `events`; yields the signals caught.

    Handlers are installed only when `enabled` and on the main thread (Python's
    rule); the previous handlers are back on the way out.
    """
    caught: list[int] = []
    previous: dict[int, Any] = {}
    if enabled and threading.current_thread() is threading.main_thread():

        def handler(signum: int, frame: FrameType | None) -> None:
            caught.append(signum)
            for event in events:
                event.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, handler)
    try:
        yield caught
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def signal_name(caught: list[int]) -> str:
    """The name of the first signal caught (SIGTERM, SIGINT)."""
    return signal.Signals(caught[0]).name


def exit_code(caught: list[int]) -> int:
    """130 when the first signal was SIGINT (Ctrl-C), else 0 (SIGTERM, or the run ended)."""
    if caught and caught[0] == signal.SIGINT:
        return int(ExitCode.INTERRUPTED)
    return int(ExitCode.OK)
