"""The verdict line of an undecided diagnosis gives each reason once: an undecided path's
reason (DNS from pods on node k8s-w-3 ... undecided at node k8s-w-3: <the hop>) used to repeat
whole the hop its cause's reason had just said, so the first line ran to eleven."""

from __future__ import annotations

from pathlib import Path

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.model import loads_snapshot
from kostack.report.verdict_text import _distinct, verdict_line

EXAMPLE = Path(__file__).parents[2] / "examples" / "calico-second-nic.json"


@pytest.mark.parametrize(
    ("lang", "clause"),
    [
        ("en", "uses 192.168.100.14, not its InternalIP 10.0.0.14"),
        ("ko", "192.168.100.14를 씁니다"),
    ],
)
def test_the_hop_is_said_once(lang: str, clause: str) -> None:
    d = diagnose(loads_snapshot(EXAMPLE.read_text()))
    assert d.verdict.kind == "undecided"
    line = verdict_line(d, lang)
    assert line.count(clause) == 1, line
    assert "net-calico-node-address" in line


def test_distinct_keeps_reasons_that_share_only_short_words() -> None:
    a = "Cannot decide for node a: the security groups of project p are forbidden to this account"
    b = "DNS from pods on node b cannot be decided: undecided at node b: no route known"
    c = "DNS from pods on node c: undecided: the security groups of project p are forbidden to this account"
    assert _distinct([a, b, c]) == [a, b]
    assert _distinct([b, a]) == [b, a]
    assert _distinct([]) == []
