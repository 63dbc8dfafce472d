"""Hard wall-clock deadlines that do not depend on a client library's cooperation.

A socket timeout bounds one read, not a request: a server that sends a byte
every few seconds, a retry loop, or a client that deadlocks on its own lock
(keystoneauth re-entering ``get_access`` after a 401 during discovery) can
hold a call forever. :func:`within` runs the blocking call in a worker thread
and stops waiting at the deadline: the caller gets :class:`DeadlineExceeded`
(exit 3) and the worker is abandoned (a daemon thread: it never keeps the
process alive). The caller's thread only waits on an event, in slices of
``SLICE_S``, so Ctrl-C is raised there at once, whatever the worker is stuck
in: the kernel may hand SIGINT to the worker's thread, and Python runs its
handler in the main thread only when that thread wakes.

:class:`Phase` gives a whole phase (reading OpenStack, reading Kubernetes)
one budget on top of the deadlines of the calls in it.
"""

from __future__ import annotations

import contextvars
import functools
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar, cast

from kostack.errors import CollectError

__all__ = [
    "GRACE_S",
    "SLICE_S",
    "DeadlineExceeded",
    "Phase",
    "Worker",
    "each",
    "with_deadline",
    "within",
]

T = TypeVar("T")
R = TypeVar("R")

# Beyond its own timeout, how long a client gets to give up by itself (its
# error message is more precise than ours) before the watchdog stops waiting.
GRACE_S: Final = 1.0
# The longest the caller's thread waits at once: a signal that another thread
# received is raised in the caller's within this.
SLICE_S: Final = 0.2


class DeadlineExceeded(CollectError):
    """A call or a phase did not finish within its deadline (exit 3)."""

    def __init__(self, message: str, hint: str = "", *, what: str = "", seconds: float = 0.0):
        super().__init__(message, hint)
        self.what = what
        self.seconds = seconds


@dataclass
class Worker:
    """One blocking call running in a daemon thread (see :func:`within`)."""

    done: threading.Event = field(default_factory=threading.Event)
    value: object = None
    error: BaseException | None = None

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` (interruptible by Ctrl-C); True when the call has ended."""
        end = time.monotonic() + max(0.0, seconds)
        while True:
            left = end - time.monotonic()
            if self.done.wait(min(SLICE_S, max(0.0, left))):
                return True
            if left <= SLICE_S:
                return self.done.is_set()


def start(
    fn: Callable[[], T], what: str, on_start: Callable[[Worker], None] | None = None
) -> Worker:
    """Start ``fn`` in a daemon worker thread (with the caller's context variables).

    ``on_start`` sees the worker before the thread runs: whoever tracks the call
    in flight knows of it before its request can leave.
    """
    worker = Worker()
    if on_start is not None:
        on_start(worker)
    context = contextvars.copy_context()

    def run() -> None:
        try:
            worker.value = context.run(fn)
        except BaseException as exc:  # handed to the caller, whatever it is
            worker.error = exc
        finally:
            worker.done.set()

    threading.Thread(target=run, name=f"kostack: {what}"[:60], daemon=True).start()
    return worker


def within(
    seconds: float,
    what: str,
    fn: Callable[[], T],
    *,
    hint: str = "",
    on_start: Callable[[Worker], None] | None = None,
) -> T:
    """``fn()``, or DeadlineExceeded when it has not returned after ``seconds``.

    ``fn``'s own exception is raised as is. ``on_start`` sees the worker (a
    caller that writes uses it to learn, after Ctrl-C, whether the call ended).
    """
    worker = start(fn, what, on_start)
    if not worker.wait(seconds):
        raise DeadlineExceeded(
            f"{what} did not finish within {seconds:g} s",
            hint
            or "The server accepted the connection but did not answer in time; check it "
            "(and any proxy in between), or retry with a longer --timeout.",
            what=what,
            seconds=seconds,
        )
    if worker.error is not None:
        raise worker.error
    return worker.value  # type: ignore[return-value]  # fn's value, set by run()


def each(fn: Callable[[T], R], items: Sequence[T], *, parallel: int, what: str) -> list[R]:
    """``fn(item)`` for every item, at most ``parallel`` at once, in the items' order.

    The calls run in daemon threads (:func:`start`) and the caller waits in
    slices, so Ctrl-C is raised at once, and a process that ends leaves the calls
    still in flight behind. A ThreadPoolExecutor would not: Python joins its
    threads at exit, so the process would outlive its main thread by the calls'
    own timeouts. The first exception a call raised is raised once all ended.
    """
    out: list[R | None] = [None] * len(items)
    lock = threading.Lock()
    todo = iter(range(len(items)))

    def drain() -> None:
        while True:
            with lock:
                index = next(todo, None)
            if index is None:
                return
            out[index] = fn(items[index])

    workers = [start(drain, f"{what} {n}") for n in range(min(max(1, parallel), len(items)))]
    for worker in workers:
        worker.wait(math.inf)
    for worker in workers:
        if worker.error is not None:
            raise worker.error
    return cast(list[R], out)


class Phase:
    """A wall-clock budget for a whole phase of work."""

    def __init__(self, what: str, budget_s: float) -> None:
        self.what = what
        self.budget_s = budget_s

    def run(self, fn: Callable[[], T]) -> T:
        """Run the whole phase under its budget (see :func:`within`)."""
        return within(
            self.budget_s,
            self.what,
            fn,
            hint="One part of the collection took longer than its whole budget; check the "
            "network path and the server, or retry with a longer --timeout.",
        )


class _Deadlined:
    """Calls every method of ``target`` through :func:`within`."""

    def __init__(
        self, target: object, seconds: float, on_start: Callable[[Worker], None] | None
    ) -> None:
        self._target = target
        self._seconds = seconds
        self._on_start = on_start

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)  # the kubernetes watch reads the method's docstring
        def call(*args: object, **kwargs: object) -> object:
            return within(
                self._seconds, name, lambda: attribute(*args, **kwargs), on_start=self._on_start
            )

        return call


def with_deadline(
    target: T, seconds: float, *, on_start: Callable[[Worker], None] | None = None
) -> T:
    """``target`` (a client API object) whose every method call has a hard deadline.

    ``on_start`` sees each call's worker (to learn, after Ctrl-C, whether it ended).
    """
    return cast(T, _Deadlined(target, seconds, on_start))
