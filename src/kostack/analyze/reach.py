"""The static reachability engine (kept as the stable import path).

The engine lives in `kostack.analyze.engine`, one module per hop; this module
re-exports what other layers use.
"""

from __future__ import annotations

from kostack.analyze.engine.cases import worlds
from kostack.analyze.engine.encap import EncapDecision, encapsulation
from kostack.analyze.engine.endpoints import (
    classify_ip,
    node_label,
    parse_endpoint,
    pod_label,
    pod_on_label,
    svc_label,
)
from kostack.analyze.engine.path import CasedTrace, trace, trace_cases
from kostack.analyze.engine.secgroups import group_member, security_groups
from kostack.analyze.engine.types import (
    PASSING,
    Disposition,
    Endpoint,
    EndpointError,
    Evidence,
    FlowResult,
    Hop,
    Wire,
)

__all__ = [
    "PASSING",
    "CasedTrace",
    "Disposition",
    "EncapDecision",
    "Endpoint",
    "EndpointError",
    "Evidence",
    "FlowResult",
    "Hop",
    "Wire",
    "classify_ip",
    "encapsulation",
    "group_member",
    "node_label",
    "parse_endpoint",
    "pod_label",
    "pod_on_label",
    "security_groups",
    "svc_label",
    "trace",
    "trace_cases",
    "worlds",
]
