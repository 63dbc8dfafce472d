"""The incident report counts what a cause breaks as `kostack diagnose` does."""

from __future__ import annotations

from report_testing import run
from test_report_warnings import report


def _section(md: str, number: str) -> str:
    """The text of `## number.` up to the next `## `."""
    start = md.index(f"\n## {number}. ")
    return md[start : md.index("\n## ", start + 1)]


def test_the_report_counts_the_nodes_a_symptom_hits_as_diagnose_does() -> None:
    """DNS fails from pods on every node when the tunnel is blocked (diagnose says 4 of 4);
    the report counted the CoreDNS nodes instead (2 of 4)."""
    path = "examples/cilium-geneve-no-6081.json"
    code, text, err = run("diagnose", "--snapshot", path)
    assert code == 1, err
    line = "DNS (pods -> kube-dns 10.96.0.10:53) from pods on 4 of 4 nodes"
    assert line in text
    assert f"- {line}" in _section(report(path, "en", "md"), "1")
