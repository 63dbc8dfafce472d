"""The verdict line of an undecided diagnosis gives each reason once: an undecided path's
reason (DNS from pods on node k8s-w-3 ... undecided at node k8s-w-3: <the hop>) used to repeat
whole the hop its cause's reason had just said, so the first line ran to eleven."""

from __future__ import annotations

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.model import Snapshot
from kostack.report.verdict_text import _distinct, verdict_line
from kostack_testkit.builders import build, example_doc
from kostack_testkit.calico_address import second_nic, with_calico_addresses


def _one_second_nic() -> Snapshot:
    """The fixed seed, k8s-w-3 alone with Calico on a second NIC (another subnet): Calico's
    traffic between it and the others is undecided, the same hop from several checks."""
    doc = with_calico_addresses(example_doc("seed-fixed"), {"k8s-w-3": ["192.168.100.14"]})
    return build(second_nic(doc, "k8s-w-3", "192.168.100.14"))


@pytest.mark.parametrize(
    ("lang", "clause"),
    [
        ("en", "(192.168.100.14, subnet 192.168.100.0/24)"),
        ("ko", "(192.168.100.14, 서브넷 192.168.100.0/24)"),
    ],
)
def test_the_hop_is_said_once(lang: str, clause: str) -> None:
    d = diagnose(_one_second_nic())
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
