"""Every cause a finding can name has a title in English and Korean, or is one that never
leads a root cause: the report, the plan and the watch name a cause by its title, and a key
without one reads as a stray id (the root cause `service-port` did)."""

from __future__ import annotations

import re
from pathlib import Path

from kostack.analyze.diagnose import (
    ADDRESS_CAUSES,
    PORT_CAUSES,
    ROOT_CAUSE_TITLES,
    WARNING_CAUSES,
)
from kostack.report.i18n import MESSAGES

ANALYZE = Path(__file__).resolve().parents[2] / "src" / "kostack" / "analyze"
# a cause literal: `cause="x"`, or a constant `CAUSE = "x"` / `CAUSE_X = "x"`
LITERAL = re.compile(r'\b(?:cause|CAUSE\w*)\s*=\s*"([a-z0-9-]+)"')
# causes no failing finding carries, so no root cause has them
NEVER_LEADS = {
    "gap": "only on UNKNOWN hops and findings: what was not read",
    "sg-undecided": "only on UNKNOWN hops: a rule kostack cannot judge",
    "lb-member-unknown": "only on UNKNOWN hops of a load balancer's member",
    "lb-members-unknown": "only on UNKNOWN hops of a load balancer's members",
    "lb-provider-unknown": "only on UNKNOWN hops: the Octavia provider is not known",
    "clusterip-icmp": "only on NOT-APPLICABLE hops: a ClusterIP answers no ping",
    "lb-busy": "a load balancer still being built: lb-pending-service answers PASS",
    # the hops of a load balancer's traffic path (`kostack explain`), which no check reports
    # under their own cause (the lb-* checks name theirs: lb-stuck, lb-nodeport-blocked...)
    "lb-pending": "a traced hop only",
    "lb-missing": "a traced hop only",
    "lb-allowed-cidrs": "a traced hop only",
    "lb-no-local-endpoint": "a traced hop only",
}


def titled(cause: str) -> bool:
    if cause in ROOT_CAUSE_TITLES:
        return all(ROOT_CAUSE_TITLES[cause].get(lang) for lang in ("en", "ko"))
    return cause in WARNING_CAUSES and all(
        f"rep.warn.title.{cause}" in MESSAGES[lang] for lang in ("en", "ko")
    )


def test_every_cause_literal_in_the_analysis_is_titled_or_never_leads() -> None:
    found: dict[str, str] = {}
    for path in sorted(ANALYZE.rglob("*.py")):
        for cause in LITERAL.findall(path.read_text(encoding="utf-8")):
            found.setdefault(cause, path.name)
    assert len(found) > 40  # the scan sees the causes at all
    untitled = {c: where for c, where in found.items() if not titled(c) and c not in NEVER_LEADS}
    assert not untitled, untitled
    assert set(NEVER_LEADS) <= set(found)  # no stale entry


def test_every_cause_the_diagnosis_names_by_set_is_titled() -> None:
    for cause in (*PORT_CAUSES, *ADDRESS_CAUSES, *WARNING_CAUSES):
        assert titled(cause), cause
