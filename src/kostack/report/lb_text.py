"""What the renderers say about the way in (Services of type LoadBalancer): shared lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from kostack.analyze.checks import with_role
from kostack.analyze.checks.base import Kind, Role
from kostack.analyze.diagnose import declared
from kostack.analyze.findings import Finding
from kostack.analyze.merge import CRITICAL_PATHS
from kostack.analyze.messages import localize
from kostack.report.i18n import t
from kostack.report.markup import Marked, marked, mt

# Root causes whose lesson is "open NodePorts to the provider's real source", and
# those whose lesson is "watch the load balancers' status": what their checks declare.
LB_BLOCKED: Final = declared(Kind.NODEPORT_LESSON)
LB_STATUS: Final = declared(Kind.LB_STATUS_LESSON)
# The symptoms said by their own message: the way in (members down, an address pending); a
# critical path's have their own words (report/breaks.py).
_SYMPTOMS: Final = tuple(c for c in with_role(Role.SYMPTOM) if c not in CRITICAL_PATHS.values())


# Symptom lines shown under one root cause; the rest are counted (a thousand Services behind one
# missing rule are one cause, not a thousand lines)
SHOWN: Final = 4


def _symptoms(by_check: Mapping[str, Sequence[Finding]]) -> list[Finding]:
    return [f for check in _SYMPTOMS for f in by_check.get(check, ())]


def _more(found: Sequence[Finding]) -> str:
    """The count's words: load balancer symptoms when every one counted is a load balancer
    check's (`lb-...`), else symptoms (a symptom check of another family says its own)."""
    rest = found[SHOWN:]
    return "breaks_lb_more" if all(f.check_id.startswith("lb-") for f in rest) else "breaks_more"


def lb_breaks(by_check: Mapping[str, Sequence[Finding]], lang: str) -> list[str]:
    """One "Breaks:" line per load balancer symptom (members down, an address still pending),
    the first ``SHOWN`` of them and a count of the others."""
    found = _symptoms(by_check)
    out = [t(lang, "breaks_other", what=localize(f.message, lang)) for f in found[:SHOWN]]
    if len(found) > SHOWN:
        out.append(t(lang, _more(found), n=len(found) - SHOWN))
    return out


def lb_breaks_marked(by_check: Mapping[str, Sequence[Finding]], lang: str) -> list[Marked]:
    """`lb_breaks` for the incident report: the message's template markup kept, names as data."""
    found = _symptoms(by_check)
    out = [mt(lang, "breaks_other", what=marked(f.message, lang)) for f in found[:SHOWN]]
    if len(found) > SHOWN:
        out.append(mt(lang, _more(found), n=len(found) - SHOWN))
    return out
