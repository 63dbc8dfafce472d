"""The signal guard (tests/conftest_signals.py) fails the test that leaves signals changed.

Each case runs a small pytest session in a child with the guard loaded, as the
suite does, so what is asserted is what the guard reports on a real run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

LEAKY = """
import signal
import threading

import pytest


def test_ignores_sigint():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_next_starts_clean():
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    os_kill_raises()


def test_blocks_sigint():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def test_after_a_block_starts_clean():
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, ())
    os_kill_raises()


def test_keeps_a_sigterm_handler():
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())


def test_restores_what_it_changes():
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def ignores_sighup_for_the_module():
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    yield


def test_with_a_leaky_module_fixture(ignores_sighup_for_the_module):
    pass


def os_kill_raises():
    import os

    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        signal.pthread_sigmask(signal.SIG_BLOCK, ())  # the handler runs by the next bytecode
"""

INHERITED = """
import os
import signal

import pytest


def test_ctrl_c_reaches_the_test():
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        signal.pthread_sigmask(signal.SIG_BLOCK, ())
"""


def run_guarded(tmp_path: Path, source: str, *, ignore_sigint: bool = False) -> str:
    (tmp_path / "test_cases.py").write_text(source, encoding="utf-8")
    argv = [sys.executable, "-m", "pytest", "-p", "conftest_signals", "-p", "no:cacheprovider"]
    argv += ["-p", "no:xdist", "-q", "-rfE", "test_cases.py"]
    if ignore_sigint:  # as `pytest &` from a script: SIGINT ignored from the start
        argv = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *argv]
    done = subprocess.run(
        argv,
        cwd=tmp_path,
        env={"PYTHONPATH": str(TESTS), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.stdout + done.stderr


def test_the_test_that_leaves_a_signal_changed_fails_and_the_next_starts_clean(
    tmp_path: Path,
) -> None:
    out = run_guarded(tmp_path, LEAKY)
    # a test failed at teardown counts as passed and as an error
    assert "6 passed, 4 errors" in out, out
    assert "test_cases.py::test_ignores_sigint left signals changed" in out, out
    assert "SIGINT handler: SIG_IGN (ignored) (expected Python's KeyboardInterrupt handler)" in out
    assert "SIGINT in the kernel: ignored (expected caught)" in out
    assert "test_cases.py::test_blocks_sigint left signals changed" in out
    assert "blocked in the main thread: SIGINT (expected none)" in out
    assert "test_cases.py::test_keeps_a_sigterm_handler left signals changed" in out
    assert "SIGTERM handler: test_keeps_a_sigterm_handler.<locals>.<lambda>" in out
    # a module fixture's change shows before its first test, named as such
    assert "ERROR at setup of test_with_a_leaky_module_fixture" in out, out
    assert "signals changed between the previous test and this one" in out
    assert "SIGHUP handler: SIG_IGN (ignored) (expected SIG_DFL)" in out
    for clean in ("test_next_starts_clean", "test_after_a_block_starts_clean"):
        assert f"test_cases.py::{clean}" not in out, out  # passed: not in the -rfE summary
    assert "test_restores_what_it_changes" not in out


def test_sigint_ignored_from_the_start_is_put_back_and_named(tmp_path: Path) -> None:
    out = run_guarded(tmp_path, INHERITED, ignore_sigint=True)
    assert "1 passed" in out, out
    assert "note: pytest started with signals changed" in out
    assert "SIGINT handler: SIG_IGN (ignored)" in out
