"""Ctrl-C at the right moment: hold it over a step that must finish whole.

Python raises KeyboardInterrupt between any two bytecodes of the main thread.
A journal record written to disk but not yet counted in memory is such a gap:
Ctrl-C there made the next record reuse its sequence number. Inside
:func:`deferred_interrupts` a SIGINT is only noted; it is raised as
KeyboardInterrupt the moment the step is done (a few milliseconds).

A step that a child process carries out (helm uninstalling or installing a
release) cannot be done in milliseconds, and must not be cut either: the child
runs in its own session (the terminal's Ctrl-C reaches kostack alone) and
:func:`child_step` holds the first SIGINT until the step is done and journaled,
telling the user so at once; a second one, while the child still runs, stops
kostack's waiting (:class:`ChildHold.waiting`), never the child.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["ChildHold", "child_step", "deferred_interrupts"]


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


class ChildHold:
    """The Ctrl-Cs seen while a child's step runs: the first is noted and announced
    (``notice``), a later one raises KeyboardInterrupt only inside :meth:`waiting`."""

    def __init__(self, notice: Callable[[], None]) -> None:
        self.asked = 0
        self._notice = notice
        self._waiting = False

    def __call__(self, _signum: int, _frame: FrameType | None) -> None:
        self.asked += 1
        if self.asked == 1:
            self._notice()
        elif self._waiting:
            raise KeyboardInterrupt

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """While kostack only waits for the child: a second Ctrl-C stops the waiting (and a
        Ctrl-C before the child starts keeps it from starting)."""
        self._waiting = True
        try:
            if self.asked:
                raise KeyboardInterrupt
            yield
        finally:
            self._waiting = False


@contextmanager
def child_step(notice: Callable[[], None]) -> Iterator[ChildHold | None]:
    """Run a step a child process does whole: a SIGINT meanwhile is announced, then raised
    as KeyboardInterrupt right after the block (the step done and journaled)."""
    if threading.current_thread() is not threading.main_thread():
        yield None
        return
    hold = ChildHold(notice)
    try:
        previous = signal.signal(signal.SIGINT, hold)
    except ValueError:  # not the main interpreter
        yield None
        return
    try:
        yield hold
    finally:
        signal.signal(signal.SIGINT, previous)
    if hold.asked and previous is not signal.SIG_IGN:
        raise KeyboardInterrupt
