"""The reachability engine's primitives the load balancer path reuses, imported in one place.

The path from a client to a pod through Octavia is its own module family, but
the hops it shares with pod traffic (security-group admission of one address,
anti-spoofing, kube-proxy's DNAT to endpoints, the node -> pod leg) are the
engine's, so both give the same verdict and the same words for them.
"""

from __future__ import annotations

from kostack.analyze.loadbalancer import texts as _texts  # registers the lb.* messages
from kostack.analyze.reach import (
    PASSING,
    Disposition,
    Endpoint,
    Evidence,
    FlowResult,
    Hop,
    Wire,
    antispoof,
    classify_ip,
    group_member,
    node_label,
    security_groups,
    trace,
)

del _texts

__all__ = [
    "PASSING",
    "Disposition",
    "Endpoint",
    "Evidence",
    "FlowResult",
    "Hop",
    "Wire",
    "antispoof",
    "classify_ip",
    "group_member",
    "node_label",
    "security_groups",
    "trace",
]
