"""Work measured deterministically: the Python function calls a piece of code makes.

Cost tests compare the calls at n and 2n nodes (about twice for linear, four times for pairs);
unlike time, the count does not depend on how busy the machine is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def python_calls(run: Callable[[], T]) -> tuple[int, T]:
    """The Python function calls ``run`` makes, and what it returns."""
    calls = [0]

    def count(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        result = run()
    finally:
        sys.setprofile(None)
    return calls[0], result
