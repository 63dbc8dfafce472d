"""Shared pytest setup: fixtures for the real Neutron harness and the builders."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from kostack.model import Snapshot
from kostack_testkit.builders import build, example_doc, seed_doc

pytest_plugins = ["conftest_neutron", "conftest_octavia", "conftest_xdist"]


@pytest.fixture
def seed() -> Snapshot:
    return build(seed_doc())


@pytest.fixture
def example():  # type: ignore[no-untyped-def]
    def load(name: str) -> Snapshot:
        return build(example_doc(name))

    return load


@pytest.fixture(autouse=True)
def _sigint_raises_keyboard_interrupt() -> Iterator[None]:
    """Each test starts with Python's own SIGINT handler, whatever ran before it in this worker.

    A process whose SIGINT is ignored (or blocked) passes that on to every child it starts
    (CPython then installs no KeyboardInterrupt handler), so one test that left it changed
    made every later Ctrl-C test in the same worker fail: children that never end, and
    signals to this process that raise nothing.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(
            signal.SIG_UNBLOCK, {signal.SIGINT}
        )  # a blocked mask is inherited too
    yield
