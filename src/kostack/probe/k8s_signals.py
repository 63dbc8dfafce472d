"""Signals during a Kubernetes probe round: SIGTERM interrupts it, nothing cuts its cleanup short.

Split out of `kostack.probe.k8s_runner` (which uses both context managers).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from kostack.analyze.messages import Msg

__all__ = ["Interrupted", "shielded", "sigterm_interrupts"]


class Interrupted(KeyboardInterrupt):
    """SIGTERM during a round: handled like Ctrl-C."""


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While the round runs, SIGTERM raises KeyboardInterrupt (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted("SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def shielded(progress: Callable[[str], None]) -> Iterator[list[int]]:
    """Cleanup must finish: Ctrl-C and SIGTERM are recorded, not raised, meanwhile."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)
        progress(Msg("probe.progress.interrupted"))

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield caught
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
