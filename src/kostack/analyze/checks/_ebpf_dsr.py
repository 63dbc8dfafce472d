"""Calico eBPF DSR (bpfExternalServiceMode DSR): where Neutron drops the answers, and the pairs
that let them through (docs/facts.md "Calico's eBPF data plane", "DSR and anti-spoofing").

The backend's node answers the client from the ingress node's address, so the port that drops
the answer is the backend node's, not the member's the load balancer sent to. The fix admits,
on each such port, each other member node's address as a /32 pair: a node-subnet pair would
turn anti-spoofing effectively off (neutron-allowed-pairs-scope's antispoof-off).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.engine.antispoof import outcome
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import Remedy, Resource
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.messages import Msg, register
from kostack.analyze.remedy import pair_remedy
from kostack.analyze.topology import NodeView, Topology

CAUSE = "calico-ebpf-dsr"
# Neutron's default cap on a port's allowed address pairs (max_allowed_address_pair): pairs
# beyond it are refused, so such a port gets no pairs but the Tunnel alternative
MAX_PAIRS = 10

register(
    {
        "ebpf-dsr.reason": {
            "en": "{node} answers DSR connections with the address of the node they came in by "
            "({ingress})",
            "ko": "{node:이/가} DSR 연결에 연결이 들어온 노드({ingress})의 주소로 응답함",
        },
        "ebpf-dsr.over-cap": {
            "en": "no pairs planned on the ports of {nodes}: {n} more would pass Neutron's "
            "default cap of {cap} pairs a port (max_allowed_address_pair); go back to Tunnel there",
            "ko": "{nodes}의 포트에는 pair를 계획하지 않음: {n}개를 더하면 Neutron의 기본 포트당 "
            "한도 {cap}개(max_allowed_address_pair)를 넘음. 이 경우 Tunnel로 되돌리세요",
        },
    }
)


def backends(topo: Topology, bs: BalancedService) -> list[NodeView]:
    """The nodes of the Service's ready endpoints that have a port: they answer in DSR."""
    ready = dict.fromkeys(e.node for e in bs.service.endpoints or () if e.ready and e.node)
    views = (topo.node_views.get(n) for n in ready)
    return [v for v in views if v is not None and v.port is not None]


def backend_ports(views: Sequence[NodeView]) -> tuple[Resource, ...]:
    return tuple(Resource("port", v.port.id, v.name) for v in views if v.port is not None)


def dsr_pairs(
    topo: Topology, answering: Sequence[NodeView], ingress: Sequence[NodeView]
) -> tuple[tuple[Remedy, ...], tuple[str, ...]]:
    """On each answering node's port, a /32 (/128) pair per ingress node's address it drops;
    none for a port that would pass Neutron's default cap of pairs (the Tunnel patch is its
    fix), which the second part says. Linear in the answering nodes: at most MAX_PAIRS each."""
    out: list[Remedy] = []
    over: list[tuple[str, int]] = []
    for v in answering:
        port = v.port
        if port is None:
            continue
        wanted = [
            n
            for n in ingress
            if n.ip is not None
            and n.name != v.name
            and outcome(topo, port, n.ip) == Disposition.DENIED
        ]
        if len(wanted) + len(port.allowed_address_pairs) > MAX_PAIRS:
            over.append((v.name, len(wanted)))
            continue
        why = Msg("ebpf-dsr.reason", node=v.name, ingress=nodes_label([n.name for n in wanted]))
        out.extend(
            pair_remedy(port, v.name, ipaddress.ip_network(n.ip), why, CAUSE)
            for n in wanted
            if n.ip is not None
        )
    if not over:
        return tuple(out), ()
    names = nodes_label([name for name, _ in over])
    return tuple(out), (Msg("ebpf-dsr.over-cap", nodes=names, n=over[0][1], cap=MAX_PAIRS),)
