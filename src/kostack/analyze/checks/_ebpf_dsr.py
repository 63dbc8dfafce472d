"""Calico eBPF DSR (bpfExternalServiceMode DSR): where Neutron drops the answers, and the pairs
that let them through (docs/facts.md "Calico's eBPF data plane", "DSR and anti-spoofing").

The backend's node answers the client from the ingress node's address, so the port that drops
the answer is the backend node's, not the member's the load balancer sent to. The fix admits,
on each such port, each other ingress node's address as a /32 pair: a node-subnet pair would
turn anti-spoofing effectively off (neutron-allowed-pairs-scope's antispoof-off).

Linear in the nodes: the ingress addresses are sorted once, and each port's pair spans (a CIDR
pair covers many nodes) are looked up in them by binary search, never node by node; a port
whose needed pairs would pass Neutron's default cap of 10 (max_allowed_address_pair) gets none,
and the finding offers what fits instead: one pair spanning the node addresses, when they lie
in one subnet, or going back to Tunnel.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.engine.calico_ebpf import TUNNEL_PATCH
from kostack.analyze.engine.vnic import maybe_unfiltered, not_filtered
from kostack.analyze.findings import Remedy, Resource
from kostack.analyze.loadbalancer.index import BalancedService
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import net_within
from kostack.analyze.remedy import pair_remedy
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPNetwork, Port
from kostack.shell import as_code, end_options, render

CAUSE = "calico-ebpf-dsr"
# Neutron's default cap on a port's allowed address pairs (max_allowed_address_pair, neutron
# conf/extensions/allowedaddresspairs.py): pairs beyond it are refused (400
# AllowedAddressPairExhausted), so such a port gets no pairs but the options the text offers
MAX_PAIRS = 10

register(
    {
        "ebpf-dsr.reason": {
            "en": "{node} answers DSR connections with the address of the node they came in by "
            "({ingress})",
            "ko": "{node:이/가} DSR 연결에 연결이 들어온 노드({ingress})의 주소로 응답함",
        },
        "ebpf-dsr.over-cap": {
            "en": "no pairs planned on the ports of {nodes}: each needs up to {n} more /32 pairs "
            "(one per other node's address), which would pass Neutron's default cap of {cap} "
            "pairs a port (max_allowed_address_pair; Neutron refuses the update with 400 "
            "AllowedAddressPairExhausted). {options}",
            "ko": "{nodes}의 포트에는 pair를 계획하지 않음: 포트마다 다른 노드 주소 하나에 /32 "
            "pair 하나씩 최대 {n}개가 더 필요한데, 이는 Neutron의 기본 포트당 한도 {cap}개"
            "(max_allowed_address_pair)를 넘습니다(Neutron이 400 AllowedAddressPairExhausted로 "
            "거부). {options}",
        },
        "ebpf-dsr.option-cidr": {
            "en": "Option 1: one pair spanning the nodes' addresses, {cidr}, on each of these "
            "ports (the first: {command}){wide}. Option 2: go back to Tunnel, Felix's default, "
            "where the answers return through the ingress node: {patch}",
            "ko": "방법 1: 노드 주소를 모두 포함하는 pair 하나({cidr})를 이 포트마다 추가합니다(첫 "
            "포트: {command}){wide}. 방법 2: Felix의 기본값인 Tunnel로 되돌려 응답이 들어온 "
            "노드를 거쳐 돌아가게 합니다: {patch}",
        },
        "ebpf-dsr.cidr-narrow": {
            "en": ": it also lets these nodes send as any other address in it",
            "ko": ". 이 pair로 이 노드들은 그 대역의 다른 주소로도 보낼 수 있게 됩니다",
        },
        "ebpf-dsr.cidr-wide": {
            "en": ": it covers the node subnet {subnet}, so each of these VMs can send as any VM "
            "in it (neutron-allowed-pairs-scope fails it: anti-spoofing effectively off)",
            "ko": ". 이 pair는 노드 서브넷 {subnet:을/를} 포함해 이 VM들이 그 서브넷의 어떤 VM인 "
            "척도 보낼 수 있습니다(neutron-allowed-pairs-scope가 실패로 판단: anti-spoofing이 "
            "사실상 꺼짐)",
        },
        "ebpf-dsr.option-tunnel": {
            "en": "Go back to Tunnel, Felix's default, where the answers return through the "
            "ingress node: {patch} ({why})",
            "ko": "Felix의 기본값인 Tunnel로 되돌려 응답이 들어온 노드를 거쳐 돌아가게 하세요: "
            "{patch} ({why})",
        },
        "ebpf-dsr.why-subnets": {
            "en": "the nodes' addresses lie in more than one subnet, so no one pair spans them "
            "without covering other networks",
            "ko": "노드 주소가 여러 서브넷에 있어 다른 네트워크까지 포함하지 않고는 pair 하나로 "
            "모두 포함할 수 없음",
        },
        "ebpf-dsr.why-full": {
            "en": "some of these ports already hold {cap} pairs, so not even one more fits",
            "ko": "이 포트 중 일부는 이미 pair가 {cap}개라 하나도 더 넣을 수 없음",
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


@dataclass(frozen=True)
class Ingress:
    """The ingress nodes' addresses, sorted once per family (as integers), with their nodes."""

    keys: dict[int, list[int]]
    views: dict[int, list[NodeView]]

    @classmethod
    def of(cls, nodes: Sequence[NodeView]) -> Ingress:
        found: dict[int, dict[int, NodeView]] = {4: {}, 6: {}}
        for n in nodes:
            if n.ip is not None:
                found[n.ip.version].setdefault(int(n.ip), n)
        ordered = {v: sorted(by.items(), key=lambda kv: kv[0]) for v, by in found.items()}
        return cls(
            {v: [k for k, _ in items] for v, items in ordered.items()},
            {v: [n for _, n in items] for v, items in ordered.items()},
        )


def _spans(port: Port, version: int) -> list[tuple[int, int]]:
    """What anti-spoofing lets ``port`` send as, in one family: its fixed IPs and the pairs
    with its own MAC (`antispoof.passes`), merged into disjoint sorted integer spans."""
    raw = [
        (int(f.ip_address), int(f.ip_address))
        for f in port.fixed_ips
        if f.ip_address.version == version
    ]
    raw += [
        (int(p.ip_address.network_address), int(p.ip_address.broadcast_address))
        for p in port.allowed_address_pairs
        if p.ip_address.version == version
        and (p.mac_address is None or p.mac_address == port.mac_address)
    ]
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(raw):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _uncovered(ingress: Ingress, port: Port, version: int) -> tuple[int, list[tuple[int, int]]]:
    """(how many of the family's ingress addresses the port cannot send as, the index ranges
    they lie in): one binary search per span, not one test per node."""
    keys = ingress.keys[version]
    gaps: list[tuple[int, int]] = []
    start = 0
    for lo, hi in _spans(port, version):
        i, j = bisect_left(keys, lo), bisect_right(keys, hi)
        if i > start:
            gaps.append((start, i))
        start = max(start, j)
    if start < len(keys):
        gaps.append((start, len(keys)))
    return sum(j - i for i, j in gaps), gaps


def _filtered(topo: Topology, port: Port) -> bool | None:
    """Whether anti-spoofing filters the port (`antispoof.outcome` can be DENIED): False when
    port security is off or its binding says nothing filters it; None when port security was
    not collected or the port may not be filtered (undecided)."""
    if port.port_security_enabled is False or not_filtered(port):
        return False
    if port.port_security_enabled is None or maybe_unfiltered(port, topo):
        return None
    return True


def _wanted(ingress: Ingress, v: NodeView, port: Port) -> tuple[int, Iterator[NodeView]]:
    """(how many pairs ``v``'s port needs, the ingress nodes it needs them for, lazily): the
    ingress addresses it cannot send as, but its own node's."""
    counted = [(version, *_uncovered(ingress, port, version)) for version in (4, 6)]
    needed = sum(n for _, n, _ in counted)
    if v.ip is not None:
        keys = ingress.keys[v.ip.version]
        at = bisect_left(keys, int(v.ip))
        own = at < len(keys) and ingress.views[v.ip.version][at].name == v.name
        gaps = next(g for version, _, g in counted if version == v.ip.version)
        if own and any(i <= at < j for i, j in gaps):
            needed -= 1
    nodes = (
        n
        for version, _, gaps in counted
        for i, j in gaps
        for n in ingress.views[version][i:j]
        if n.name != v.name
    )
    return needed, nodes


@dataclass(frozen=True)
class DsrNeed:
    """What DSR's answers need on the answering nodes' ports: the pairs planned, the text for
    the ports past Neutron's cap, the nodes whose port drops some ingress address, and those
    whose port may (port security not collected, or the port maybe not filtered)."""

    remedies: tuple[Remedy, ...]
    over: tuple[str, ...]
    failing: tuple[NodeView, ...]
    undecided: tuple[NodeView, ...]


def dsr_need(topo: Topology, answering: Sequence[NodeView], ingress: Sequence[NodeView]) -> DsrNeed:
    """On each answering node's port, a /32 (/128) pair per ingress node's address it drops;
    none for a port that would pass Neutron's default cap of pairs, which `over` says with the
    options that fit. Linear: the ingress addresses are sorted once, each port's spans
    searched in them, and at most MAX_PAIRS addresses listed per port."""
    index = Ingress.of(ingress)
    out: list[Remedy] = []
    over: list[tuple[NodeView, Port, int]] = []
    failing: list[NodeView] = []
    undecided: list[NodeView] = []
    for v in answering:
        port = v.port
        filtered = _filtered(topo, port) if port is not None else None
        if port is None or filtered is False:
            continue
        needed, nodes = _wanted(index, v, port)
        if needed == 0:
            continue
        if filtered is None:
            undecided.append(v)
            continue
        failing.append(v)
        if needed + len(port.allowed_address_pairs) > MAX_PAIRS:
            over.append((v, port, needed))
            continue
        wanted = list(nodes)
        why = Msg("ebpf-dsr.reason", node=v.name, ingress=nodes_label([n.name for n in wanted]))
        out.extend(
            pair_remedy(port, v.name, ipaddress.ip_network(n.ip), why, CAUSE)
            for n in wanted
            if n.ip is not None
        )
    texts: tuple[str, ...] = ()
    if over:
        texts = (
            Msg(
                "ebpf-dsr.over-cap",
                nodes=nodes_label([v.name for v, _, _ in over]),
                n=max(n for _, _, n in over),
                cap=MAX_PAIRS,
                options=_options(index, [(v, p) for v, p, _ in over]),
            ),
        )
    return DsrNeed(tuple(out), texts, tuple(failing), tuple(undecided))


def dsr_pairs(
    topo: Topology, answering: Sequence[NodeView], ingress: Sequence[NodeView]
) -> tuple[tuple[Remedy, ...], tuple[str, ...]]:
    """`dsr_need`'s pairs and the text for the ports past Neutron's cap."""
    need = dsr_need(topo, answering, ingress)
    return need.remedies, need.over


def span_cidr(keys: Sequence[int], version: int) -> IPNetwork | None:
    """The smallest CIDR holding every address of a sorted family (None: none)."""
    if not keys:
        return None
    bits = 32 if version == 4 else 128
    host = (keys[0] ^ keys[-1]).bit_length()
    network = keys[0] >> host << host
    return ipaddress.ip_network((network, bits - host))


def _options(index: Ingress, over: Sequence[tuple[NodeView, Port]]) -> str:
    """What fits where the /32 pairs do not: one pair spanning the ingress nodes' addresses,
    when those lie in one subnet and every such port has room for one more pair (saying what
    else it admits); going back to Tunnel in every case."""
    if any(len(p.allowed_address_pairs) >= MAX_PAIRS for _, p in over):
        return Msg(
            "ebpf-dsr.option-tunnel",
            patch=TUNNEL_PATCH,
            why=Msg("ebpf-dsr.why-full", cap=MAX_PAIRS),
        )
    families = [v for v in (4, 6) if index.keys[v]]
    subnets = {
        n.subnet.id: n.subnet for v in families for n in index.views[v] if n.subnet is not None
    }
    cidr = span_cidr(index.keys[families[0]], families[0]) if len(families) == 1 else None
    unplaced = any(n.subnet is None for v in families for n in index.views[v])
    if cidr is None or unplaced or len(subnets) != 1:
        why = Msg("ebpf-dsr.why-subnets")
        return Msg("ebpf-dsr.option-tunnel", patch=TUNNEL_PATCH, why=why)
    (subnet,) = subnets.values()
    first = over[0][1]
    argv = ("openstack", "port", "set", "--allowed-address", f"ip-address={cidr}")
    wide = (
        Msg("ebpf-dsr.cidr-wide", subnet=subnet.cidr)
        if net_within(subnet.cidr, cidr)
        else Msg("ebpf-dsr.cidr-narrow")
    )
    return Msg(
        "ebpf-dsr.option-cidr",
        cidr=cidr,
        command=as_code(render((*argv, *end_options([first.id])))),
        wide=wide,
        patch=TUNNEL_PATCH,
    )
