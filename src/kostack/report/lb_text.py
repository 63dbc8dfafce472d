"""What the renderers say about the way in (Services of type LoadBalancer): shared lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from kostack.analyze.findings import Finding
from kostack.analyze.messages import localize
from kostack.report.i18n import t
from kostack.report.markup import Marked, marked, mt

# Root causes whose lesson is "open NodePorts to the provider's real source", and
# those whose lesson is "watch the load balancers' status".
LB_BLOCKED: Final = frozenset({"lb-nodeport-blocked", "lb-etp-local"})
LB_STATUS: Final = frozenset(
    {"lb-stuck", "lb-error", "lb-quota", "lb-subnet", "lb-ovn-unsupported", "lb-occm", "lb-fip"}
)
_SYMPTOMS: Final = ("lb-members-down", "lb-pending-service")


def lb_breaks(by_check: Mapping[str, Sequence[Finding]], lang: str) -> list[str]:
    """One "Breaks:" line per load balancer symptom (members down, an address still pending)."""
    return [
        t(lang, "breaks_other", what=localize(f.message, lang))
        for check in _SYMPTOMS
        for f in by_check.get(check, ())
    ]


def lb_breaks_marked(by_check: Mapping[str, Sequence[Finding]], lang: str) -> list[Marked]:
    """`lb_breaks` for the incident report: the message's template markup kept, names as data."""
    return [
        mt(lang, "breaks_other", what=marked(f.message, lang))
        for check in _SYMPTOMS
        for f in by_check.get(check, ())
    ]
