"""The way in, hop by hop: client -> floating IP -> VIP -> provider -> NodePort -> kube-proxy -> pod.

``front`` walks what every member shares (the Service's address, the
floating IP and its port, the load balancer, listener and pool);
``member_path`` adds one member's leg; ``trace_lb`` answers `kostack trace`
for an outside client and groups members whose legs read the same, so the
output grows with the distinct outcomes, not with the node count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kostack.analyze.loadbalancer._engine import (
    PASSING,
    Disposition,
    Endpoint,
    Evidence,
    FlowResult,
    Hop,
    node_label,
    trace,
)
from kostack.analyze.loadbalancer.admission import Admission
from kostack.analyze.loadbalancer.index import BalancedService, LBIndex, MemberView, PortPath
from kostack.analyze.loadbalancer.legs import kube_proxy_hop, security_group_hop
from kostack.analyze.loadbalancer.provider import SourceSet, traffic_sources
from kostack.analyze.messages import Msg
from kostack.model.snapshot import IPAddress

PENDING = ("PENDING_CREATE", "PENDING_UPDATE", "PENDING_DELETE")
DOWN = ("OFFLINE", "ERROR")


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
    hops: list[Hop] = []
    who = str(client) if client is not None else Msg("lb.any-client")
    addresses = bs.external_addresses
    where_svc = Msg("lb.where-service", svc=bs.key)
    if not addresses:
        hops.append(
            Hop(
                "address",
                where_svc,
                Disposition.NO_ROUTE,
                Msg("lb.pending", svc=bs.key),
                (Evidence("service", bs.key, "status.loadBalancer.ingress", "[]"),),
                cause="lb-pending",
            )
        )
        return hops
    address = addresses[0]
    hops.append(
        Hop(
            "address",
            where_svc,
            Disposition.ACCEPTED,
            Msg("lb.client-to", client=who, address=address),
            (Evidence("service", bs.key, "status.loadBalancer.ingress[0].ip", str(address)),),
        )
    )
    lb = bs.lb
    if lb is None:
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
    if not index.lbs_known:
        return Hop(
            "load-balancer",
            "Octavia",
            Disposition.UNKNOWN,
            Msg("lb.octavia-not-collected"),
            cause="gap",
        )
    return Hop(
        "load-balancer",
        "Octavia",
        Disposition.NO_ROUTE,
        Msg("lb.no-lb", svc=bs.key, note=bs.note or "-"),
        cause="lb-missing",
    )


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
        if not index.fips_known:
            return Hop(
                "floating-ip",
                str(address),
                Disposition.UNKNOWN,
                Msg("lb.fips-not-collected"),
                cause="gap",
            )
        return Hop(
            "floating-ip",
            str(address),
            Disposition.UNKNOWN,
            Msg("lb.address-unknown", ip=address, vip=lb.vip_address or "?"),
            (Evidence("loadbalancer", lb.id, "vip_address", str(lb.vip_address)),),
            cause="lb-fip",
        )
    where = Msg("lb.where-fip", ip=address)
    ev = Evidence("floatingip", fip.id, "port_id", fip.port_id or "null")
    if not fip.port_id:
        return Hop(
            "floating-ip",
            where,
            Disposition.NO_ROUTE,
            Msg("lb.fip-unbound", ip=address),
            (ev,),
            cause="lb-fip",
        )
    if fip.port_id != lb.vip_port_id:
        port = index.topo.ports.get(fip.port_id)
        what = f"{port.name or port.id} ({port.device_owner or '-'})" if port else fip.port_id
        return Hop(
            "floating-ip",
            where,
            Disposition.DENIED,
            Msg("lb.fip-elsewhere", ip=address, port=what, vip=lb.vip_port_id or "?"),
            (ev, Evidence("loadbalancer", lb.id, "vip_port_id", lb.vip_port_id or "null")),
            cause="lb-fip",
        )
    if fip.status == "ERROR":
        return Hop(
            "floating-ip",
            where,
            Disposition.DENIED,
            Msg("lb.fip-error", ip=address),
            (Evidence("floatingip", fip.id, "status", "ERROR"),),
            cause="lb-fip",
        )
    return Hop(
        "floating-ip",
        where,
        Disposition.ACCEPTED,
        Msg("lb.fip-dnat", ip=address, vip=fip.fixed_ip_address or lb.vip_address or "?"),
        (ev,),
    )


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


def _lb_hop(bs: BalancedService) -> Hop:
    lb = bs.lb
    assert lb is not None
    where = Msg("lb.where-lb", name=lb.name or lb.id, provider=lb.provider or "?")
    status = f"{lb.provisioning_status}/{lb.operating_status}"
    ev = (Evidence("loadbalancer", lb.id, "provisioning_status", lb.provisioning_status),)
    if not lb.admin_state_up:
        return _admin_down("load-balancer", where, "lb.lb-admin-down", "loadbalancer", lb.id)
    if lb.provisioning_status == "PENDING_CREATE":
        return Hop(
            "load-balancer",
            where,
            Disposition.DENIED,
            Msg("lb.pending-create", status=status),
            ev,
            cause="lb-stuck",
        )
    if lb.provisioning_status == "ERROR":
        return Hop(
            "load-balancer",
            where,
            Disposition.UNKNOWN,
            Msg("lb.lb-error", status=status),
            ev,
            cause="lb-error",
        )
    return Hop(
        "load-balancer",
        where,
        Disposition.ACCEPTED,
        Msg("lb.lb-ok", status=status),
        ev,
    )


def _listener_pool_hops(bs: BalancedService, pp: PortPath, client: IPAddress | None) -> list[Hop]:
    lb = bs.lb
    assert lb is not None
    sp = pp.service_port
    hops: list[Hop] = []
    li = pp.listener
    if li is None:
        offered = ", ".join(f"{x.protocol}:{x.protocol_port}" for x in lb.listeners) or "none"
        hops.append(
            Hop(
                "listener",
                Msg("lb.where-lb", name=lb.name or lb.id, provider=lb.provider or "?"),
                Disposition.NO_ROUTE,
                Msg("lb.no-listener", port=sp.port, protocol=sp.protocol, offered=offered),
                (Evidence("loadbalancer", lb.id, "listeners", offered),),
                cause="lb-listener",
            )
        )
        return hops
    where = Msg("lb.where-listener", name=li.name or li.id, port=li.protocol_port)
    if li.allowed_cidrs and client is not None:
        allowed = any(c.version == client.version and client in c for c in li.allowed_cidrs)
        text = ", ".join(str(c) for c in li.allowed_cidrs)
        if not allowed:
            hops.append(
                Hop(
                    "listener",
                    where,
                    Disposition.DENIED,
                    Msg("lb.allowed-cidrs", ip=client, cidrs=text),
                    (Evidence("listener", li.id, "allowed_cidrs", text),),
                    cause="lb-allowed-cidrs",
                )
            )
            return hops
    hops.append(
        Hop(
            "listener",
            where,
            Disposition.ACCEPTED,
            Msg("lb.listener-ok", protocol=li.protocol, port=li.protocol_port),
            (Evidence("listener", li.id, "protocol_port", str(li.protocol_port)),),
        )
    )
    pool = pp.pool
    if pool is None:
        hops.append(
            Hop(
                "pool",
                where,
                Disposition.NO_ROUTE,
                Msg("lb.no-pool"),
                (Evidence("listener", li.id, "default_pool_id", "null"),),
                cause="lb-listener",
            )
        )
        return hops
    pwhere = Msg("lb.where-pool", name=pool.name or pool.id, algorithm=pool.lb_algorithm)
    if pool.operating_status == "ERROR" or (pp.members_read and not pp.members):
        hops.append(
            Hop(
                "pool",
                pwhere,
                Disposition.DENIED,
                Msg("lb.pool-down", status=pool.operating_status, n=len(pool.member_ids)),
                (Evidence("pool", pool.id, "operating_status", pool.operating_status),),
                cause="lb-members-down",
            )
        )
        return hops
    hops.append(
        Hop(
            "pool",
            pwhere,
            Disposition.ACCEPTED,
            Msg("lb.pool-ok", status=pool.operating_status, n=len(pool.member_ids)),
            (Evidence("pool", pool.id, "operating_status", pool.operating_status),),
        )
    )
    return hops


def provider_hop(bs: BalancedService, mv: MemberView, source: SourceSet | None) -> Hop:
    lb = bs.lb
    assert lb is not None
    where = Msg("lb.where-lb", name=lb.name or lb.id, provider=lb.provider or "?")
    target = f"{mv.address}:{mv.port}"
    if bs.provider == "amphora":
        detail = Msg("lb.via-amphora", target=target, source=source.label if source else "?")
    elif bs.provider == "ovn":
        detail = Msg("lb.via-ovn", target=target)
    else:
        detail = Msg("lb.via-other", target=target, provider=lb.provider or "?")
    return Hop("provider", where, Disposition.ACCEPTED, detail)


def member_hop(bs: BalancedService, pp: PortPath, mv: MemberView) -> Hop:
    where = Msg("lb.where-member", member=mv.label)
    node_port = pp.service_port.node_port
    member = mv.member
    if member is None:
        return Hop(
            "member", where, Disposition.ACCEPTED, Msg("lb.member-inferred", note=pp.members_note)
        )
    ev = Evidence("member", member.id, "operating_status", member.operating_status)
    if not member.admin_state_up:
        return _admin_down("member", where, "lb.member-admin-down", "member", member.id)
    if node_port is not None and member.protocol_port != node_port:
        return Hop(
            "member",
            where,
            Disposition.DENIED,
            Msg("lb.member-port", port=member.protocol_port, node_port=node_port, svc=bs.key),
            (Evidence("member", member.id, "protocol_port", str(member.protocol_port)),),
            cause="lb-member-port",
        )
    if member.operating_status in DOWN:
        return Hop(
            "member",
            where,
            Disposition.DENIED,
            Msg("lb.member-down", status=member.operating_status),
            (ev,),
            cause="lb-members-down",
        )
    return Hop(
        "member",
        where,
        Disposition.ACCEPTED,
        Msg("lb.member-ok", status=member.operating_status),
        (ev,),
    )


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
    hops.append(kube_proxy_hop(bs, mv, node_port))
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
    pp = next(
        (
            p
            for p in bs.ports
            if p.service_port.protocol == proto and (port is None or p.service_port.port == port)
        ),
        None,
    )
    sp = next(
        (p for p in bs.service.ports if p.protocol == proto and (port is None or p.port == port)),
        None,
    )
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
    dst = Endpoint("pod", label, chosen.ip, chosen.node)
    inner = trace(index.topo, src, dst, pp.service_port.protocol.lower(), target_port)
    masq = Hop(
        "kube-proxy",
        Msg("where.kube-proxy", node=node.name),
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
