"""Python's cyclic garbage collector paused around work that only builds objects.

kostack's one-shot analyses (a diagnosis, a fix plan's verifying diagnoses, the release
checks and their reinstall advice) make many objects and drop few: full collections still
come due as they allocate, and each walks every live object of the snapshot, none of it
garbage, so their cost grows with the square of the input (benchmarks/diagnose_scale.py
--fix-plan; benchmarks/release_advice_scale.py: at 1,000 releases half the advice's time).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off (as the caller had it after); the cycles dropped
    meanwhile are collected once it is back on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
