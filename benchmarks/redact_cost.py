"""Benchmark: what the output-boundary redactor costs on large outputs.

Every byte kostack writes passes ``kostack.redact.redact``. Measured on text
the size of a large snapshot (the seed incident's JSON repeated to 10 MB),
with 20 known secrets (each in its quoted forms), as one document (a snapshot
file) and as one line (``-o json`` without indentation), and a hostile text
made of nothing but secret-looking keys. The last line is::

    redact: mb=10 document_s=.. one_line_s=.. hostile_s=.. parse_s=.. ratio=..

``ratio`` compares redacting the document with parsing it once
(``json.loads``: what reading a snapshot costs anyway), so a busy machine
does not change the verdict. Target: ratio at most 10 for ordinary output
(the hostile text costs more: every word is a match; it stays linear).
Exit status 0 when it holds.
Run: .venv/bin/python benchmarks/redact_cost.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kostack import redact

ROOT = Path(__file__).resolve().parents[1]
SIZE = 10_000_000
TARGET_RATIO = 10.0


def timed(fn: Callable[[], object], runs: int = 3) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    seed = (ROOT / "examples" / "seed-incident.json").read_text(encoding="utf-8")
    document = seed * (SIZE // len(seed))
    one_line = document.replace("\n", " ")
    hostile = "token=x password: y " * (SIZE // 20)
    redact.remember(*(f"benchmark-secret-{i:04d}-abcdefgh" for i in range(20)))
    assert redact.redact(document) == document  # nothing to mask in a clean snapshot
    document_s = timed(lambda: redact.redact(document))
    one_line_s = timed(lambda: redact.redact(one_line))
    hostile_s = timed(lambda: redact.redact(hostile), runs=1)
    parse_s = timed(lambda: [json.loads(seed) for _ in range(SIZE // len(seed))])
    mb = len(document) / 1e6
    ratio = max(document_s, one_line_s) / parse_s
    print(
        f"redact: mb={mb:.0f} document_s={document_s:.2f} one_line_s={one_line_s:.2f} "
        f"hostile_s={hostile_s:.2f} parse_s={parse_s:.2f} ratio={ratio:.1f}"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
