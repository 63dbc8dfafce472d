"""docs/watch.md states the watch's worst-case series count as the code computes it: the
formula's terms, the fixed part (which grows with every check and root-cause title) and the
totals at 8 and 12 classes."""

from __future__ import annotations

import re
from pathlib import Path

from kostack.serve.metrics import RUNTIME_SERIES
from kostack.watch.metrics import series_bound

DOC = Path(__file__).resolve().parents[2] / "docs" / "watch.md"


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_the_documented_series_bound_is_the_codes() -> None:
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    fixed = re.search(
        r"histograms of collection and cycles: ([\d,]+) at most\), and (\d+) for", text
    )
    totals = re.search(
        r"\*\*([\d,]+) series at the default of 8 classes\*\* \(([\d,]+) at 12\)", text
    )
    assert fixed and totals, "docs/watch.md no longer states the bound in the tested words"
    assert number(fixed.group(2)) == RUNTIME_SERIES
    for max_classes in range(1, 13):
        c = max_classes + 1
        terms = (3 * c * c + 12 * c) + (3 * c * c + 3 * c) + 6 * c * 10 + c
        assert series_bound(max_classes) == terms + number(fixed.group(1)) + RUNTIME_SERIES
    assert (number(totals.group(1)), number(totals.group(2))) == (series_bound(8), series_bound(12))
