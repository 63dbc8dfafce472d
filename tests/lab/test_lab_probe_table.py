"""The `lab probe` table keeps its columns aligned when probe names or targets are long.

Dual-stack labs add names such as ``kubernetes_tls_ipv6`` (19 characters) and targets
such as ``[fd00:10:244:1::11]:8080``; the verdict and target columns must still start
at the same column on every row, in English and in Korean.
"""

from __future__ import annotations

import unicodedata

import pytest

from kostack_lab.cli.lab_text import probe_lines
from kostack_lab.lab_records import ProbeResult


def _columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_columns_line_up_with_long_names(lang: str) -> None:
    results = {
        "dns": ProbeResult("dns", "dns", "10.96.0.10:53", True, "answered", 0.1),
        "kubernetes_tls_ipv6": ProbeResult(
            "kubernetes_tls_ipv6", "tls", "[fd00:10:96::1]:443", True, "handshake ok", 0.1
        ),
        "pod_to_pod_ipv6": ProbeResult(
            "pod_to_pod_ipv6", "tcp", "[fd00:10:244:1::11]:8080", False, "timed out after 2s", 2.0
        ),
    }
    rows = probe_lines(lang, results, {})[:-1]
    assert len(rows) == 3
    # the target column starts at the same terminal column on every row
    starts = []
    for row, result in zip(rows, results.values(), strict=True):
        index = row.index(result.target)
        starts.append(_columns(row[:index]))
        assert row.startswith("  ")
    assert len(set(starts)) == 1, rows
    # no name runs into its verdict
    for row, key in zip(rows, results, strict=True):
        assert row[2 + len(key)] == " ", row
