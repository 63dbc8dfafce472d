"""The signal guard (a plugin module, loaded by tests/conftest.py): no test may leave signals changed.

A process whose SIGINT is ignored or blocked passes that on to every child it
starts (an ignored disposition and the blocked mask survive fork and exec, and
CPython then installs no KeyboardInterrupt handler), and its own SIGINT then
raises nothing. One test that left SIGINT changed made every later Ctrl-C test
in the same xdist worker fail ("did not end within 15 s", "DID NOT RAISE
KeyboardInterrupt"), far from the culprit.

So before each test the guard puts the signals kostack touches back as a fresh
interpreter has them (SIGINT: Python's KeyboardInterrupt handler, nothing
blocked) and after the test (and all its fixtures) checks that they still are;
a test after which a handler, the kernel's disposition (ignored, caught,
default: read from /proc, so a C library's ``sigaction`` counts too) or the
blocked mask differs fails with what changed, and the signals are restored so
the next test starts clean. A change found before a test (made between two
tests: a module or session fixture's setup or teardown) fails that test.

What pytest itself was started with is no test's doing: a suite run as a
background job of a non-interactive shell (``cmd &`` in a script, without job
control) starts with SIGINT and SIGQUIT ignored (POSIX Shell Command Language,
2.11 "Signals and Error Handling"),
and every xdist worker inherits that. So at start (before the workers are
spawned) the signals are put back to the baseline, and the terminal summary
says what was found.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "WATCHED",
    "baseline",
    "differences",
    "pytest_configure",
    "pytest_terminal_summary",
    "restore",
    "signal_guard",
    "state",
]

# The signals kostack (or a library under it) installs handlers for, blocks or ignores.
WATCHED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGCHLD)
_STATUS = Path("/proc/self/status")

State = dict[str, Any]


def _kernel_dispositions() -> dict[int, str]:
    """Each watched signal's disposition as the kernel has it: ignored, caught or default."""
    try:
        fields = dict(
            line.split(":", 1) for line in _STATUS.read_text().splitlines() if ":" in line
        )
        ignored, caught = int(fields["SigIgn"], 16), int(fields["SigCgt"], 16)
    except (OSError, KeyError, ValueError):  # no /proc: the Python-level view only
        return {}
    return {
        int(s): "ignored"
        if ignored >> (s - 1) & 1
        else "caught"
        if caught >> (s - 1) & 1
        else "default"
        for s in WATCHED
    }


def state() -> State:
    """The watched signals' Python handlers, kernel dispositions and blocked mask (main thread)."""
    return {
        "handlers": {int(s): signal.getsignal(s) for s in WATCHED},
        "kernel": _kernel_dispositions(),
        "blocked": sorted(
            int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, ()) if s in WATCHED
        ),
    }


def _describe(handler: object) -> str:
    if handler is signal.default_int_handler:
        return "Python's KeyboardInterrupt handler"
    if handler == signal.SIG_IGN:
        return "SIG_IGN (ignored)"
    if handler == signal.SIG_DFL:
        return "SIG_DFL"
    if handler is None:
        return "a handler not installed from Python"
    name = getattr(handler, "__qualname__", None) or repr(handler)
    return f"{name} from {getattr(handler, '__module__', '?')}"


def differences(expected: State, found: State) -> list[str]:
    """What differs between two states, one line per signal and aspect (empty: the same)."""
    lines: list[str] = []
    for signum in WATCHED:
        name = signal.Signals(signum).name
        want, got = expected["handlers"][int(signum)], found["handlers"][int(signum)]
        if want is not got and want != got:
            lines.append(f"{name} handler: {_describe(got)} (expected {_describe(want)})")
        kernel_want = expected["kernel"].get(int(signum))
        kernel_got = found["kernel"].get(int(signum))
        if kernel_want != kernel_got:
            lines.append(f"{name} in the kernel: {kernel_got} (expected {kernel_want})")
    if expected["blocked"] != found["blocked"]:
        names = [signal.Signals(s).name for s in found["blocked"]] or ["nothing"]
        lines.append(f"blocked in the main thread: {', '.join(names)} (expected none)")
    return lines


def restore(target: State) -> None:
    """Put the handlers and the mask back as in `target`."""
    for signum, handler in target["handlers"].items():
        if handler is not None:
            signal.signal(signum, handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, WATCHED)
    if target["blocked"]:
        signal.pthread_sigmask(signal.SIG_BLOCK, target["blocked"])


def baseline() -> State:
    """As a fresh interpreter starts: SIGINT raises KeyboardInterrupt, SIGPIPE ignored, rest default."""
    handlers: dict[int, Callable[..., Any] | int] = {int(s): signal.SIG_DFL for s in WATCHED}
    handlers[int(signal.SIGINT)] = signal.default_int_handler
    handlers[int(signal.SIGPIPE)] = signal.SIG_IGN
    restore({"handlers": handlers, "blocked": []})
    return state()


_BASELINE: list[State] = []
_INHERITED = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Start from the baseline whatever pytest inherited (the xdist workers inherit it in turn)."""
    if threading.current_thread() is not threading.main_thread():
        return
    found = state()
    _BASELINE[:] = [baseline()]
    config.stash[_INHERITED] = differences(_BASELINE[0], found)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    inherited = config.stash.get(_INHERITED, [])
    if inherited:
        terminalreporter.write_line(
            "note: pytest started with signals changed (a background job of a non-interactive "
            "shell ignores SIGINT); put back before the first test:\n  " + "\n  ".join(inherited)
        )


@pytest.fixture(autouse=True)
def signal_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test after which (or before which) the watched signals differ from the baseline.

    Autouse and defined in a plugin loaded by the root conftest, so it is set up
    before and torn down after every other function-scoped fixture of the test.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if not _BASELINE:
        _BASELINE.append(baseline())
    expected = _BASELINE[0]
    before = differences(expected, state())
    if before:
        restore(expected)
        pytest.fail(
            "signals changed between the previous test and this one (a module, class or session "
            "fixture's setup or teardown):\n  " + "\n  ".join(before),
            pytrace=False,
        )
    yield
    after = differences(expected, state())
    if after:
        restore(expected)
        pytest.fail(
            f"{request.node.nodeid} left signals changed (children inherit an ignored or blocked "
            "signal; restore what you change):\n  " + "\n  ".join(after),
            pytrace=False,
        )
