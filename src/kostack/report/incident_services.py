"""The Services of type LoadBalancer the root causes break: the report's title names them.

A cause that does not break the pods' own traffic (incident_summary.pod_outage) often breaks a
Service's way in: a load balancer stuck or without a controller, its members down, NodePorts
closed to it, or the answers for a MetalLB or Antrea address dropped. The title then says
"LoadBalancer outage: shop/web" instead of a bare "network fault". A finding names its
Service (``service``), its Octavia load balancer or its pool; a virtual-IP cause (a finding
of neutron-vip-pairs) breaks every Service whose address the nodes answer for. One pass over
the Services and one over the findings: linear in both.
"""

from __future__ import annotations

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.loadbalancer.index import LBIndex
from kostack.analyze.topology import Topology
from kostack.model.loadbalancer import Pool

# the check whose finding says the nodes' answers for virtual IPs are dropped
VIP_CHECK = "neutron-vip-pairs"


def _by_object(index: LBIndex) -> dict[tuple[str, str], list[str]]:
    """(kind, id or name) of a load balancer or pool -> the Services it serves (one, unless
    several Services name the same load balancer)."""
    out: dict[tuple[str, str], list[str]] = {}
    for bs in index.services:
        named: list[tuple[str, str]] = []
        if bs.lb is not None:
            named += [("loadbalancer", bs.lb.id), ("loadbalancer", bs.lb.name)]
        named += [(kind, x) for pp in bs.ports if pp.pool for kind, x in _pool(pp.pool)]
        for key in dict.fromkeys(named):
            out.setdefault(key, []).append(bs.key)
    return out


def _pool(pool: Pool) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("pool", pool.id), ("pool", pool.name)


def services_hit(d: Diagnosis, topo: Topology) -> tuple[str, ...]:
    """The "namespace/name" of each Service the root causes break, in the order found."""
    found: dict[str, None] = {}
    index: LBIndex | None = None
    objects: dict[tuple[str, str], list[str]] = {}
    vip = False
    for rc in d.root_causes:
        for f in (*rc.findings, *rc.symptoms):
            r = f.resource
            if r.kind == "service" and r.namespace:
                found[f"{r.namespace}/{r.name}"] = None
            elif r.kind in ("loadbalancer", "pool"):
                if index is None:
                    index = lb_analysis(topo).index
                    objects = _by_object(index)
                keys = objects.get((r.kind, r.id)) or objects.get((r.kind, r.name)) or ()
                found.update(dict.fromkeys(keys))
            vip = vip or f.check_id == VIP_CHECK
    if vip:
        index = index or lb_analysis(topo).index
        for svc in topo.services.values():
            if svc.type == "LoadBalancer" and index.node_serves(svc):
                found[f"{svc.namespace}/{svc.name}"] = None
    return tuple(found)
