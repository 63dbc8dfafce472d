"""What the renderers say about the way in (Services of type LoadBalancer): shared lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from kostack.analyze.findings import Finding
from kostack.analyze.messages import localize
from kostack.report.i18n import t

# Root causes whose lesson is "open NodePorts to the provider's real source", and
# those whose lesson is "watch the load balancers' status".
LB_BLOCKED: Final = frozenset({"lb-nodeport-blocked", "lb-etp-local"})
LB_STATUS: Final = frozenset(
    {"lb-stuck", "lb-error", "lb-quota", "lb-subnet", "lb-ovn-unsupported", "lb-occm", "lb-fip"}
)
_SYMPTOMS: Final = ("lb-members-down", "lb-pending-service")


def lb_breaks(by_check: Mapping[str, Sequence[Finding]], lang: str) -> list[str]:
    """One "Breaks:" line per load balancer symptom (members down, an address still pending)."""
    out: list[str] = []
    for check in _SYMPTOMS:
        for f in by_check.get(check, ()):
            out.append(t(lang, "breaks_other", what=localize(f.message, lang)))
    return out
