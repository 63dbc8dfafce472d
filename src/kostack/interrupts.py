"""Ctrl-C at the right moment: hold it over a step that must finish whole.

Python raises KeyboardInterrupt between any two bytecodes of the main thread.
A journal record written to disk but not yet counted in memory is such a gap:
Ctrl-C there made the next record reuse its sequence number. Inside
:func:`deferred_interrupts` a SIGINT is only noted; it is raised as
KeyboardInterrupt the moment the step is done (a few milliseconds).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["deferred_interrupts"]


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Run the block whole; a SIGINT that arrives meanwhile is raised right after it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    caught: list[int] = []

    def hold(signum: int, _frame: FrameType | None) -> None:
        caught.append(signum)

    try:
        previous = signal.signal(signal.SIGINT, hold)
    except ValueError:  # not the main interpreter
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        if callable(previous) and previous is not signal.default_int_handler:
            previous(signal.SIGINT, None)
        elif previous is not signal.SIG_IGN:
            raise KeyboardInterrupt
