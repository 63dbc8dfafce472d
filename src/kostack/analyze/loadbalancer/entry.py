"""`kostack trace` from outside the cluster to a Service of type LoadBalancer.

The way in starts at a client outside the cluster: ``ip:A.B.C.D`` (an address
that is no node, pod or service) or ``client`` (any client: the provider's
real sources, e.g. every address for a public OVN Service). The destination is
the Service itself (``svc:NS/NAME:PORT/PROTO``) or its external address
(``ip:<floating IP or VIP>[:PORT/PROTO]``). A pod or node source keeps the
in-cluster path (kube-proxy short-circuits a LoadBalancer address inside the
cluster).
"""

from __future__ import annotations

from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.loadbalancer.path import trace_lb
from kostack.analyze.reach import Endpoint, FlowResult
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress

ANY_CLIENT = ("client", "any", "internet")


def lb_target(topo: Topology, dst: Endpoint) -> BalancedService | None:
    """The LoadBalancer Service ``dst`` names (the Service, or its external address), if any."""
    index = lb_analysis(topo).index
    if dst.ip is None:
        return None
    if dst.kind == "service":
        svc = topo.service_by_ip.get(dst.ip)
        if svc is None or svc.type != "LoadBalancer":
            return None
        return index.get(svc.namespace, svc.name)
    if dst.kind == "external":
        return index.by_address(dst.ip)
    return None


def trace_way_in(
    topo: Topology,
    client: IPAddress | None,
    target: BalancedService,
    protocol: str,
    port: int | None,
) -> list[FlowResult]:
    """The hops from an outside ``client`` (None: any client) to ``target``."""
    return trace_lb(lb_analysis(topo).index, target, port, protocol, client)
