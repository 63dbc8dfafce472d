"""The way in, hop by hop: client -> floating IP -> VIP -> provider -> NodePort -> kube-proxy -> pod.

``front`` walks what every member shares (the Service's address, the
floating IP and its port, the load balancer, listener and pool);
``member_path`` adds one member's leg; ``trace_lb`` answers `kostack trace`
for an outside client and groups members whose legs read the same, so the
output grows with the distinct outcomes, not with the node count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from kostack.analyze.engine.calico_ebpf import calico_bpf, node_port_proxy
from kostack.analyze.engine.service_proxy import proxy_where
from kostack.analyze.engine.stateless import NAT_PORTS
from kostack.analyze.loadbalancer.admission import Admission
from kostack.analyze.loadbalancer.index import DOWN, BalancedService, LBIndex, MemberView, PortPath
from kostack.analyze.loadbalancer.legs import (
    ebpf_tunnel,
    host_port,
    kube_proxy_hop,
    security_group_hop,
)
from kostack.analyze.loadbalancer.provider import SourceSet, traffic_sources
from kostack.analyze.messages import Msg
from kostack.analyze.reach import (
    PASSING,
    Disposition,
    Endpoint,
    Evidence,
    FlowResult,
    Hop,
    node_label,
    trace,
)
from kostack.model.loadbalancer import Listener, LoadBalancer
from kostack.model.snapshot import IPAddress, ServicePort


@dataclass(frozen=True)
class MemberPath:
    member: MemberView
    hops: tuple[Hop, ...]
    source: SourceSet | None
    admission: Admission | None = None

    @property
    def blocking(self) -> Hop | None:
        return next((h for h in self.hops if h.disposition not in PASSING), None)


def _stop(hops: list[Hop]) -> bool:
    return bool(hops) and hops[-1].disposition not in PASSING


def front(
    index: LBIndex, bs: BalancedService, pp: PortPath | None, client: IPAddress | None
) -> list[Hop]:
    """The hops every member shares; the last is blocking when the path ends before a member."""
    who = str(client) if client is not None else Msg("lb.any-client")
    addresses = bs.external_addresses
    at = partial(Hop, "address", Msg("lb.where-service", svc=bs.key))
    if not addresses:
        ev = Evidence("service", bs.key, "status.loadBalancer.ingress", "[]")
        return [at(Disposition.NO_ROUTE, Msg("lb.pending", svc=bs.key), (ev,), cause="lb-pending")]
    address = addresses[0]
    ev = Evidence("service", bs.key, "status.loadBalancer.ingress[0].ip", str(address))
    hops = [at(Disposition.ACCEPTED, Msg("lb.client-to", client=who, address=address), (ev,))]
    if bs.lb is None:
        hops.append(_no_lb(index, bs))
        return hops
    hops.append(_address_hop(index, bs, address))
    if _stop(hops):
        return hops
    hops.append(_lb_hop(bs))
    if _stop(hops) or pp is None:
        return hops
    hops.extend(_listener_pool_hops(bs, pp, client))
    return hops


def _no_lb(index: LBIndex, bs: BalancedService) -> Hop:
    at = partial(Hop, "load-balancer", "Octavia")
    if not index.lbs_known:
        return at(Disposition.UNKNOWN, Msg("lb.octavia-not-collected"), cause="gap")
    why = Msg("lb.no-lb", svc=bs.key, note=bs.note or "-")
    return at(Disposition.NO_ROUTE, why, cause="lb-missing")


def _address_hop(index: LBIndex, bs: BalancedService, address: IPAddress) -> Hop:
    lb = bs.lb
    assert lb is not None
    if lb.vip_address == address:
        return Hop(
            "vip",
            Msg("lb.where-vip", ip=address),
            Disposition.ACCEPTED,
            Msg("lb.vip-direct", ip=address),
            (Evidence("loadbalancer", lb.id, "vip_address", str(address)),),
        )
    fip = index.fip_by_address.get(address)
    if fip is None:
        at = partial(Hop, "floating-ip", str(address))
        if not index.fips_known:
            return at(Disposition.UNKNOWN, Msg("lb.fips-not-collected"), cause="gap")
        return at(
            Disposition.UNKNOWN,
            Msg("lb.address-unknown", ip=address, vip=lb.vip_address or "?"),
            (Evidence("loadbalancer", lb.id, "vip_address", str(lb.vip_address)),),
            cause="lb-fip",
        )
    at = partial(Hop, "floating-ip", Msg("lb.where-fip", ip=address))
    ev = Evidence("floatingip", fip.id, "port_id", fip.port_id or "null")
    if not fip.port_id:
        return at(Disposition.NO_ROUTE, Msg("lb.fip-unbound", ip=address), (ev,), cause="lb-fip")
    if fip.port_id != lb.vip_port_id:
        port = index.topo.ports.get(fip.port_id)
        what = f"{port.name or port.id} ({port.device_owner or '-'})" if port else fip.port_id
        return at(
            Disposition.DENIED,
            Msg("lb.fip-elsewhere", ip=address, port=what, vip=lb.vip_port_id or "?"),
            (ev, Evidence("loadbalancer", lb.id, "vip_port_id", lb.vip_port_id or "null")),
            cause="lb-fip",
        )
    if fip.status == "ERROR":
        ev = Evidence("floatingip", fip.id, "status", "ERROR")
        return at(Disposition.DENIED, Msg("lb.fip-error", ip=address), (ev,), cause="lb-fip")
    vip = fip.fixed_ip_address or lb.vip_address or "?"
    return at(Disposition.ACCEPTED, Msg("lb.fip-dnat", ip=address, vip=vip), (ev,))


def _admin_down(step: str, where: str, message: str, kind: str, object_id: str) -> Hop:
    """An Octavia object switched off (admin_state_up false): it passes no traffic."""
    return Hop(
        step,
        where,
        Disposition.DENIED,
        Msg(message),
        (Evidence(kind, object_id, "admin_state_up", "false"),),
        cause="lb-admin-down",
    )


def _where_lb(lb: LoadBalancer) -> Msg:
    return Msg("lb.where-lb", name=lb.name or lb.id, provider=lb.provider or "?")


def _lb_hop(bs: BalancedService) -> Hop:
    lb = bs.lb
    assert lb is not None
    where = _where_lb(lb)
    at = partial(Hop, "load-balancer", where)
    status = f"{lb.provisioning_status}/{lb.operating_status}"
    ev = (Evidence("loadbalancer", lb.id, "provisioning_status", lb.provisioning_status),)
    if not lb.admin_state_up:
        return _admin_down("load-balancer", where, "lb.lb-admin-down", "loadbalancer", lb.id)
    if lb.provisioning_status == "PENDING_CREATE":
        return at(Disposition.DENIED, Msg("lb.pending-create", status=status), ev, cause="lb-stuck")
    if lb.provisioning_status == "ERROR":
        return at(Disposition.UNKNOWN, Msg("lb.lb-error", status=status), ev, cause="lb-error")
    return at(Disposition.ACCEPTED, Msg("lb.lb-ok", status=status), ev)


def _listener_pool_hops(bs: BalancedService, pp: PortPath, client: IPAddress | None) -> list[Hop]:
    lb = bs.lb
    assert lb is not None
    sp = pp.service_port
    li = pp.listener
    if li is None:
        offered = ", ".join(f"{x.protocol}:{x.protocol_port}" for x in lb.listeners) or "none"
        return [
            Hop(
                "listener",
                _where_lb(lb),
                Disposition.NO_ROUTE,
                Msg("lb.no-listener", port=sp.port, protocol=sp.protocol, offered=offered),
                (Evidence("loadbalancer", lb.id, "listeners", offered),),
                cause="lb-listener",
            )
        ]
    where = Msg("lb.where-listener", name=li.name or li.id, port=li.protocol_port)
    at = partial(Hop, "listener", where)
    if li.allowed_cidrs and client is not None:
        allowed = any(c.version == client.version and client in c for c in li.allowed_cidrs)
        text = ", ".join(str(c) for c in li.allowed_cidrs)
        if not allowed:
            return [
                at(
                    Disposition.DENIED,
                    Msg("lb.allowed-cidrs", ip=client, cidrs=text),
                    (Evidence("listener", li.id, "allowed_cidrs", text),),
                    cause="lb-allowed-cidrs",
                )
            ]
    listened = _listened(bs, li, client, at)
    pool = pp.pool
    if pool is None:
        ev = Evidence("listener", li.id, "default_pool_id", "null")
        nothing = Hop(
            "pool", where, Disposition.NO_ROUTE, Msg("lb.no-pool"), (ev,), cause="lb-listener"
        )
        return [listened, nothing]
    at = partial(
        Hop, "pool", Msg("lb.where-pool", name=pool.name or pool.id, algorithm=pool.lb_algorithm)
    )
    ev = Evidence("pool", pool.id, "operating_status", pool.operating_status)
    n = len(pool.member_ids)
    if pool.operating_status == "ERROR" or (pp.members_read and not pp.members):
        down = Msg("lb.pool-down", status=pool.operating_status, n=n)
        return [listened, at(Disposition.DENIED, down, (ev,), cause="lb-members-down")]
    return [
        listened,
        at(Disposition.ACCEPTED, Msg("lb.pool-ok", status=pool.operating_status, n=n), (ev,)),
    ]


def _listened(bs: BalancedService, li: Listener, client: IPAddress | None, at: partial[Hop]) -> Hop:
    """The listener admits the client: say so, and say when the Service's
    loadBalancerSourceRanges shut it out but nothing enforces them (amphora: no or wider
    allowed_cidrs; the packet does go through, so the hop is accepted, never a false DENIED)."""
    ev = Evidence("listener", li.id, "protocol_port", str(li.protocol_port))
    ranges = bs.service.load_balancer_source_ranges
    same = [r for r in ranges if client is not None and r.version == client.version]
    if client is None or not same or bs.provider == "ovn" or any(client in r for r in same):
        return at(
            Disposition.ACCEPTED,
            Msg("lb.listener-ok", protocol=li.protocol, port=li.protocol_port),
            (ev,),
        )
    text = ", ".join(str(r) for r in same)
    cidrs = ", ".join(str(c) for c in li.allowed_cidrs) or "[]"
    return at(
        Disposition.ACCEPTED,
        Msg(
            "lb.ranges-unenforced",
            ip=client,
            ranges=text,
            protocol=li.protocol,
            port=li.protocol_port,
        ),
        (
            ev,
            Evidence("service", bs.key, "spec.loadBalancerSourceRanges", text),
            Evidence("listener", li.id, "allowed_cidrs", cidrs),
        ),
    )


def provider_hop(bs: BalancedService, mv: MemberView, source: SourceSet | None) -> Hop:
    lb = bs.lb
    assert lb is not None
    target = host_port(mv.address, mv.port)
    if bs.provider == "amphora":
        detail = Msg("lb.via-amphora", target=target, source=source.label if source else "?")
    elif bs.provider == "ovn":
        detail = Msg("lb.via-ovn", target=target)
    else:
        detail = Msg("lb.via-other", target=target, provider=lb.provider or "?")
    return Hop("provider", _where_lb(lb), Disposition.ACCEPTED, detail)


def member_hop(bs: BalancedService, pp: PortPath, mv: MemberView) -> Hop:
    where = Msg("lb.where-member", member=mv.label)
    at = partial(Hop, "member", where)
    node_port = pp.service_port.node_port
    member = mv.member
    if member is None:
        return at(Disposition.ACCEPTED, Msg("lb.member-inferred", note=pp.members_note))
    ev = Evidence("member", member.id, "operating_status", member.operating_status)
    if not member.admin_state_up:
        return _admin_down("member", where, "lb.member-admin-down", "member", member.id)
    if node_port is not None and member.protocol_port != node_port:
        return at(
            Disposition.DENIED,
            Msg("lb.member-port", port=member.protocol_port, node_port=node_port, svc=bs.key),
            (Evidence("member", member.id, "protocol_port", str(member.protocol_port)),),
            cause="lb-member-port",
        )
    if member.operating_status in DOWN:
        down = Msg("lb.member-down", status=member.operating_status)
        return at(Disposition.DENIED, down, (ev,), cause="lb-members-down")
    return at(Disposition.ACCEPTED, Msg("lb.member-ok", status=member.operating_status), (ev,))


def member_path(
    index: LBIndex,
    bs: BalancedService,
    pp: PortPath,
    mv: MemberView,
    client: IPAddress | None,
    *,
    ignore_member_status: bool = False,
) -> MemberPath:
    """One member's leg: provider, member, the node's security groups, kube-proxy."""
    sources = traffic_sources(index, bs, mv, client)
    hops = [provider_hop(bs, mv, sources[0])]
    hop = member_hop(bs, pp, mv)
    if ignore_member_status and hop.cause == "lb-members-down":
        hop = replace(hop, disposition=Disposition.ACCEPTED)
    hops.append(hop)
    node_port = pp.service_port.node_port or mv.port
    if _stop(hops) or node_port is None:
        return MemberPath(mv, tuple(hops), sources[0])
    admitted = security_group_hop(index, mv, sources, pp.service_port.protocol.lower(), node_port)
    hops.append(admitted.hop)
    if _stop(hops):
        return MemberPath(mv, tuple(hops), admitted.source, admitted.admission)
    hops.append(kube_proxy_hop(index, bs, mv, node_port))
    return MemberPath(mv, tuple(hops), admitted.source, admitted.admission)


_PER_NODE = frozenset({"wire", "node", "target", "ip", "member"})


def _signature(path: MemberPath) -> tuple[object, ...]:
    """What a member's leg says, without the node's own names and addresses."""
    out: list[object] = []
    for hop in path.hops[1:]:
        params = getattr(hop.detail, "params", {})
        shown = tuple(sorted((k, str(v)) for k, v in params.items() if k not in _PER_NODE))
        out.append(
            (hop.step, str(hop.disposition), hop.cause, getattr(hop.detail, "key", ""), shown)
        )
    return tuple(out)


def trace_lb(
    index: LBIndex,
    bs: BalancedService,
    port: int | None,
    protocol: str,
    client: IPAddress | None,
) -> list[FlowResult]:
    """`kostack trace` from an outside client to a Service of type LoadBalancer."""
    proto = protocol.upper()

    def asked(p: ServicePort) -> bool:
        return p.protocol == proto and (port is None or p.port == port)

    pp = next((p for p in bs.ports if asked(p.service_port)), None)
    sp = next((p for p in bs.service.ports if asked(p)), None)
    src = Endpoint(
        "external",
        str(client) if client is not None else Msg("lb.any-client"),
        client,
    )
    address = bs.external_addresses[0] if bs.external_addresses else None
    dst = Endpoint("service", Msg("ep.label.svc", svc=bs.key, ip=address or "<pending>"), address)
    shown_port = sp.port if sp else port
    hops = front(index, bs, pp, client)
    if sp is None and not _stop(hops):
        offered = ", ".join(f"{p.port}/{p.protocol.lower()}" for p in bs.service.ports) or "none"
        hops.append(
            Hop(
                "service",
                Msg("lb.where-service", svc=bs.key),
                Disposition.NO_ROUTE,
                Msg(
                    "hop.no-service-port", svc=bs.key, port=port, protocol=protocol, offered=offered
                ),
                cause="service-port",
            )
        )
    # A pool whose members are all down still shows why: each member's leg follows.
    pool_down = bool(hops) and hops[-1].cause == "lb-members-down" and pp is not None
    if (_stop(hops) and not pool_down) or pp is None:
        return [FlowResult(src, dst, dst, protocol, shown_port, tuple(hops))]
    if not pp.members:
        why = pp.members_note or str(Msg("lb.no-members"))
        hops.append(Hop("member", "-", Disposition.UNKNOWN, why, cause="lb-members-unknown"))
        return [FlowResult(src, dst, dst, protocol, shown_port, tuple(hops))]
    groups: dict[tuple[object, ...], list[MemberPath]] = {}
    for mv in pp.members:
        path = member_path(index, bs, pp, mv, client, ignore_member_status=pool_down)
        groups.setdefault(_signature(path), []).append(path)
    results = []
    for paths in groups.values():
        first = paths[0]
        names = [p.member.label for p in paths]
        label = ", ".join(names[:4]) + (f" (+{len(names) - 4})" if len(names) > 4 else "")
        member_hops = list(first.hops)
        if first.blocking is None:
            member_hops.extend(_inner(index, bs, first, pp))
        target = Endpoint(
            "node",
            Msg("lb.members-label", port=first.member.port or "?"),
            first.member.address,
            label,
        )
        results.append(FlowResult(src, target, dst, protocol, shown_port, (*hops, *member_hops)))
    return results


def _inner(index: LBIndex, bs: BalancedService, path: MemberPath, pp: PortPath) -> list[Hop]:
    """kube-proxy forwards to a pod: on this node, or (externalTrafficPolicy Cluster) another."""
    node = path.member.node
    if node is None or node.ip is None or bs.service.endpoints is None:
        return []
    ready = [e for e in bs.service.endpoints if e.ready]
    local = [e for e in ready if e.node == node.name]
    chosen = local[0] if local else (ready[0] if ready and not bs.local_policy else None)
    if chosen is None:
        return []
    target_port = chosen.ports.get(pp.service_port.name) or pp.service_port.target_port
    if chosen.node == node.name:
        return [
            Hop(
                "deliver",
                Msg("where.node", node=node.name),
                Disposition.ACCEPTED,
                Msg(
                    "lb.deliver-local",
                    pod=chosen.pod or chosen.ip,
                    ip=chosen.ip,
                    port=target_port or "?",
                ),
            )
        ]
    src = Endpoint("node", node_label(node.name, node.ip), node.ip, node.name)
    label = f"{chosen.pod} {chosen.ip}" if chosen.pod else Msg("lb.pod-label", ip=chosen.ip)
    calico = calico_bpf(index.topo)
    if calico is not None:
        clients = path.source.prefixes if path.source is not None else ()
        return ebpf_tunnel(index.topo, src, chosen.node, chosen.pod or chosen.ip, calico, clients)
    dst = Endpoint("pod", label, chosen.ip, chosen.node)
    # kube-proxy masquerades it with --random-fully (iptables, IPVS; nftables: fully-random):
    # a stateless group's reply rules need the ports that picks (docs/facts.md)
    proto = pp.service_port.protocol.lower()
    inner = trace(index.topo, src, dst, proto, target_port, src_ports=NAT_PORTS)
    masq = Hop(
        "kube-proxy",
        proxy_where(node_port_proxy(index.topo), node.name),
        Disposition.ACCEPTED,
        Msg(
            "lb.masquerade",
            node=node.name,
            ip=node.ip,
            pod=chosen.pod or chosen.ip,
            dst=chosen.node or "?",
        ),
    )
    return [masq, *(inner[0].hops if inner else ())]
