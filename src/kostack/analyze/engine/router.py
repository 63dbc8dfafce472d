"""The tenant network, the Neutron router and traffic leaving the cluster.

Same subnet: switched. Different subnets: a router with interfaces on both.
Leaving the cluster: the router SNATs to its gateway address; the reply is
un-SNATed to the original source, and a pod source needs a router route back
to its node (`routes`), else the reply is lost.
"""

from __future__ import annotations

from collections.abc import Callable

from kostack.analyze.engine.antispoof import antispoof, port_down
from kostack.analyze.engine.cases import PROVIDER_GUESS
from kostack.analyze.engine.secgroups import security_groups
from kostack.analyze.engine.types import PASSING, Disposition, Evidence, Hop, Wire
from kostack.analyze.messages import Msg, register
from kostack.analyze.prefixes import PrefixIndex
from kostack.analyze.topology import NodeView, Topology, short_id
from kostack.model.snapshot import IPAddress, Router, RouterRoute, Subnet
from kostack.shell import as_code, command, render

# Provider network types whose gateway is normally outside Neutron (a physical router).
PROVIDER_TYPES = frozenset({"flat", "vlan"})

register(
    {
        "where.network": {"en": "tenant network {name}", "ko": "테넌트 네트워크 {name}"},
        "where.router": {"en": "router {name}", "ko": "라우터 {name}"},
        "where.subnet": {"en": "subnet {cidr}", "ko": "서브넷 {cidr}"},
        "where.node": {"en": "node {node}", "ko": "노드 {node}"},
        "hop.delivered": {"en": "delivered to {ip}", "ko": "{ip}에 전달됨"},
        "hop.delivered-decap": {
            "en": "delivered to {ip} (decapsulated {encap})",
            "ko": "{encap} 캡슐을 풀어 {ip}에 전달됨",
        },
        "hop.reply-stateful": {
            "en": "reply of an allowed connection: security groups are stateful",
            "ko": "허용된 연결의 응답: 보안 그룹은 상태 기반(stateful)이라 통과합니다",
        },
        "hop.subnets-unknown": {
            "en": "the nodes' subnets are not known",
            "ko": "노드의 서브넷을 알 수 없습니다",
        },
        "hop.switched": {
            "en": "same subnet {cidr}: switched directly",
            "ko": "같은 서브넷 {cidr}: 바로 전달됨",
        },
        "hop.routed": {"en": "routed {src} -> {dst}", "ko": "{src} -> {dst:으로/로} 라우팅됨"},
        "hop.no-router-joins": {
            "en": "no router joins {src} and {dst}",
            "ko": "{src:과/와} {dst:을/를} 연결하는 라우터가 없습니다",
        },
        "hop.same-subnet-host": {
            "en": "{ip} is another host on the node subnet, not modelled",
            "ko": "{ip:은/는} 노드 서브넷의 다른 호스트로, 모델링하지 않습니다",
        },
        "hop.routers-not-collected": {
            "en": "routers were not collected",
            "ko": "라우터를 수집하지 못했습니다",
        },
        "hop.no-gateway": {
            "en": "no router with an external gateway serves subnet {cidr}",
            "ko": "서브넷 {cidr}에 외부 게이트웨이가 있는 라우터가 연결되어 있지 않습니다",
        },
        "hop.unlisted-router": {
            "en": "subnet {cidr} is attached to router {router}, which this account cannot read "
            "(another project's router): whether it has an external gateway and routes is "
            "unknown; check as its owner or an admin: {command}",
            "ko": "서브넷 {cidr:은/는} 이 계정이 읽을 수 없는 라우터 {router}에 연결되어 있습니다(다른 "
            "프로젝트의 라우터): 외부 게이트웨이와 경로가 있는지 알 수 없으니 소유자나 관리자 권한으로 "
            "{command:을/를} 실행해 확인하세요",
        },
        "hop.unlisted-unknown": {
            "en": "the listed routers do not decide this for subnet {cidr}, and whether a "
            "router of another project serves it could not be read (see the collection gaps)",
            "ko": "나열된 라우터로는 서브넷 {cidr}의 경로를 판단할 수 없고, 다른 프로젝트의 라우터가 "
            "연결되어 있는지는 읽지 못했습니다(수집 공백 참고)",
        },
        "kind.provider-guess": {"en": "flat or VLAN", "ko": "flat 또는 VLAN"},
        "hop.provider-gateway": {
            "en": "no Neutron router serves subnet {cidr}: it is on a {kind} provider network, "
            "whose gateway {gateway} is normally a physical router outside OpenStack; whether "
            "it forwards this traffic (and, without masquerade, routes pod addresses back) is "
            "not visible to kostack",
            "ko": "서브넷 {cidr}에는 Neutron 라우터가 없습니다: {kind} 프로바이더 네트워크이고, 게이트웨이 "
            "{gateway:은/는} 보통 OpenStack 밖의 물리 라우터입니다. 이 트래픽을 전달하는지(마스커레이드가 "
            "없으면 Pod 주소로 돌아오는 경로까지)는 kostack이 볼 수 없습니다",
        },
        "hop.shared-gateway": {
            "en": "no router this account can see serves subnet {cidr}: its network {network} "
            "belongs to another project (shared with this one), whose router ports this account "
            "may not list, and its gateway {gateway} may be such a router or a physical one; ask "
            "the network's owner or an admin: {command}",
            "ko": "이 계정이 볼 수 있는 라우터 중 서브넷 {cidr}에 연결된 것이 없습니다: 네트워크 {network:은/는} "
            "다른 프로젝트의 것(이 프로젝트와 공유)이라 그 라우터 포트를 이 계정이 못 볼 수 있고, 게이트웨이 "
            "{gateway:은/는} 그런 라우터이거나 물리 라우터일 수 있습니다. 네트워크 소유자나 관리자에게 "
            "{command:을/를} 요청하세요",
        },
        "hop.no-snat": {
            "en": "the router does not SNAT (enable_snat false): replies depend on routing outside OpenStack",
            "ko": "라우터가 SNAT하지 않아(enable_snat false) 응답 경로는 OpenStack 밖의 라우팅에 달려 있습니다",
        },
        "hop.snat": {
            "en": "SNAT {src} -> the router's gateway address, out to {dst}",
            "ko": "{src:을/를} 라우터 게이트웨이 주소로 SNAT하여 {dst:으로/로} 내보냄",
        },
        "hop.unsnat-node": {
            "en": "reply un-SNATed to {ip} on the node subnet",
            "ko": "응답이 노드 서브넷의 {ip:으로/로} 역SNAT됨",
        },
        "hop.no-route-back": {
            "en": "the reply is un-SNATed to the pod address {ip}, but the router has no route to it "
            "(routes: {routes}): the reply is lost",
            "ko": "응답이 Pod 주소 {ip:으로/로} 역SNAT되지만 라우터에 그 주소로 가는 경로가 없어(경로: {routes}) 응답이 "
            "사라집니다",
        },
        "hop.wrong-route": {
            "en": "the router routes {dest} via {via}, not via {node} ({ip})",
            "ko": "라우터가 {dest:을/를} 노드 {node}의 주소 {ip:이/가} 아니라 {via:으로/로} 보냅니다",
        },
        "hop.v6-routed": {
            "en": "IPv6 is routed without NAT (a Neutron router NATs IPv4 only): {src} leaves "
            "unchanged, out to {dst}",
            "ko": "IPv6는 NAT 없이 라우팅됩니다(Neutron 라우터는 IPv4만 NAT함): {src:이/가} 바뀌지 않고 "
            "{dst:으로/로} 나감",
        },
        "hop.v6-node-source": {
            "en": "the reply comes back to the node's IPv6 address {ip} (the node masqueraded the pod)",
            "ko": "응답이 노드의 IPv6 주소 {ip:으로/로} 돌아옴(노드가 Pod 주소를 마스커레이드함)",
        },
        "hop.v6-no-route-back": {
            "en": "a Neutron router does not NAT IPv6 and the node does not masquerade it, so the "
            "pod's own IPv6 address {ip} leaves the cluster, and the router has no route back to "
            "it (routes: {routes}): IPv4 egress is NATed, IPv6 replies are lost",
            "ko": "Neutron 라우터는 IPv6를 NAT하지 않고 노드도 마스커레이드하지 않으므로 Pod 자신의 IPv6 주소 "
            "{ip:이/가} 그대로 나가는데, 라우터에 그 주소로 돌아올 경로가 없어(경로: {routes}) IPv4 외부 "
            "통신은 NAT되지만 IPv6 응답은 사라집니다",
        },
        "hop.v6-not-global": {
            "en": "the router routes {dest} back via {via}, but {ip} is not a global address: "
            "replies reach it only if the networks beyond the router route it back too",
            "ko": "라우터가 {dest:을/를} {via:으로/로} 돌려보내지만 {ip:은/는} 전역 주소가 아니어서, 라우터 "
            "너머의 네트워크도 그 주소를 라우팅해야만 응답이 도달합니다",
        },
        "hop.floating-ip": {
            "en": "{ip} is floating IP {fip} of port {port} ({fixed}): from inside the cloud the "
            "router must turn it back in (hairpin NAT), which kostack does not model: trace "
            "ip:{fixed} instead",
            "ko": "{ip:은/는} 포트 {port}({fixed})의 플로팅 IP {fip}입니다: 클라우드 안에서 가면 "
            "라우터가 다시 안으로 돌려보내야 하는데(hairpin NAT) kostack은 이를 모델링하지 않습니다: "
            "대신 ip:{fixed:을/를} 추적하세요",
        },
        "hop.maybe-floating-ip": {
            "en": "{ip} is on external network {network}, and floating IPs were not collected: "
            "it may be one of this project's, reached by turning back at the router (not "
            "modelled)",
            "ko": "{ip:은/는} 외부 네트워크 {network}에 있고 플로팅 IP를 수집하지 못했습니다: 이 "
            "프로젝트의 플로팅 IP라면 라우터에서 다시 안으로 돌아오는 경로인데, 이는 모델링하지 않습니다",
        },
        "hop.route-back": {
            "en": "reply routed back via extra route {dest} -> {via}",
            "ko": "추가 경로 {dest} -> {via:을/를} 통해 응답이 돌아옴",
        },
    }
)


def route_to(topo: Topology, router: Router, ip: IPAddress) -> RouterRoute | None:
    """The router's extra route for ``ip``: the longest matching prefix (indexed once per router)."""
    cache: dict[str, PrefixIndex[RouterRoute]] = topo.__dict__.setdefault("_route_index", {})
    index = cache.get(router.id)
    if index is None:
        index = cache[router.id] = PrefixIndex((r.destination, r) for r in router.routes)
    return index.most_specific(ip)


def route_back_key(topo: Topology, view: NodeView, ip: IPAddress) -> tuple[object, ...]:
    """What the router does with a reply to ``ip`` (a pod on ``view``): for grouping nodes."""
    router = topo.router_for_subnet(view.subnet.id) if view.subnet is not None else None
    if router is None:
        return (None,)
    route = route_to(topo, router, ip)
    if route is None:
        return (router.id, "none")
    return (router.id, "ok" if route.nexthop == view.ip else "wrong")


def network_hop(topo: Topology, src: NodeView, dst: NodeView, wire: Wire) -> Hop:
    net = topo.network_of(src)
    label = Msg("where.network", name=net.name or net.id) if net else Msg("where.network", name="?")
    if src.subnet is None or dst.subnet is None:
        return Hop("network", label, Disposition.UNKNOWN, Msg("hop.subnets-unknown"), cause="gap")
    if src.subnet.id == dst.subnet.id:
        return Hop(
            "network",
            label,
            Disposition.ACCEPTED,
            Msg("hop.switched", cidr=src.subnet.cidr),
        )
    r1 = topo.router_for_subnet(src.subnet.id)
    if r1 is not None and dst.subnet.id in r1.interface_subnet_ids:
        return Hop(
            "network",
            Msg("where.router", name=r1.name or r1.id),
            Disposition.ACCEPTED,
            Msg("hop.routed", src=src.subnet.cidr, dst=dst.subnet.cidr),
            (Evidence("router", r1.id, "interfaces", f"{src.subnet.id},{dst.subnet.id}"),),
        )
    for subnet in (src.subnet, dst.subnet):  # a router we cannot read may join them
        unlisted = unlisted_routers(topo, subnet.id)
        if unlisted != ():
            return unlisted_router_hop(subnet, unlisted, "network")
    for subnet in (src.subnet, dst.subnet):  # or a router outside Neutron
        outside = outside_gateway_hop(topo, subnet, "network")
        if outside is not None:
            return outside
    return Hop(
        "network",
        label,
        Disposition.NO_ROUTE,
        Msg("hop.no-router-joins", src=src.subnet.cidr, dst=dst.subnet.cidr),
        cause="no-router",
    )


def unlisted_routers(topo: Topology, subnet_id: str) -> tuple[str, ...] | None:
    """The routers on ``subnet_id`` that this account cannot read (another project's);
    None when they could not be looked for."""
    record = topo.snapshot.openstack
    if record is None or record.unlisted_routers is None:
        return None if record is not None else ()
    return record.unlisted_routers.get(subnet_id, ())


def unlisted_router_hop(
    subnet: Subnet, router_ids: tuple[str, ...] | None, step: str = "router"
) -> Hop:
    """UNKNOWN, never NO_ROUTE: the subnet has a router that this account cannot read, or
    such routers could not be looked for (docs/facts.md "Routers of another project")."""
    if router_ids is None:
        ev = (Evidence("snapshot", "openstack.unlisted_routers", "", "null"),)
        msg = Msg("hop.unlisted-unknown", cidr=subnet.cidr)
        return Hop(
            step, Msg("where.subnet", cidr=subnet.cidr), Disposition.UNKNOWN, msg, ev, cause="gap"
        )
    show = render(command(("openstack", "router", "show"), (router_ids[0],)))
    routers = ", ".join(router_ids)
    msg = Msg("hop.unlisted-router", cidr=subnet.cidr, router=routers, command=as_code(show))
    ev = (Evidence("snapshot", "openstack.unlisted_routers", subnet.id, routers),)
    label = Msg("where.router", name=router_ids[0])
    return Hop(step, label, Disposition.UNKNOWN, msg, ev, cause="gap")


def outside_gateway_hop(topo: Topology, subnet: Subnet, step: str = "router") -> Hop | None:
    """UNKNOWN, never NO_ROUTE, when no Neutron router serves ``subnet`` but its gateway may be
    one kostack cannot see: a flat or VLAN provider network's physical router, or a router of
    the project that owns (and shares) the network (docs/facts.md "Routers of another
    project"). None when the subnet has no gateway or is on this project's tenant network."""
    net = topo.networks.get(subnet.network_id)
    if net is None or subnet.gateway_ip is None:
        return None
    ev: tuple[Evidence, ...] = (
        Evidence("subnet", subnet.id, "gateway_ip", str(subnet.gateway_ip)),
    )
    where = Msg("where.subnet", cidr=subnet.cidr)
    kind = (net.network_type or "").lower()
    if kind in PROVIDER_TYPES or kind == PROVIDER_GUESS:
        # PROVIDER_GUESS: the type is not visible to this account, and this case takes the
        # network as a provider network (engine/cases.py)
        said = Msg("kind.provider-guess") if kind == PROVIDER_GUESS else kind
        msg = Msg("hop.provider-gateway", cidr=subnet.cidr, kind=said, gateway=subnet.gateway_ip)
        value = kind if kind != PROVIDER_GUESS else "? (not visible to this account)"
        ev += (Evidence("network", net.id, "provider:network_type", value),)
        return Hop(step, where, Disposition.UNKNOWN, msg, ev, cause="gap")
    own = topo.snapshot.openstack.project_id if topo.snapshot.openstack else None
    if own is None or net.project_id is None or net.project_id == own:
        return None
    ask = command(
        ("openstack", "port", "list"),
        (),
        ("--network", net.id, "--device-owner", "network:router_interface"),
    )
    msg = Msg(
        "hop.shared-gateway",
        cidr=subnet.cidr,
        network=net.name or net.id,
        gateway=subnet.gateway_ip,
        command=as_code(render(ask)),
    )
    ev += (Evidence("network", net.id, "project_id", net.project_id),)
    return Hop(step, where, Disposition.UNKNOWN, msg, ev, cause="gap")


def no_port_hop(step: str, view: NodeView) -> Hop:
    """Where a node without a matched port leaves a flow undecided (its note says why)."""
    return Hop(step, view.port_label(), Disposition.UNKNOWN, view.port_note, cause="no-port")


def source_leg(
    topo: Topology, hops: list[Hop], src: NodeView, wire: Wire, stop: Callable[[], bool]
) -> bool:
    """Anti-spoofing and the egress rules of the source port, in packet order: whether the
    flow goes on past them (``stop``: whether the last hop ends it)."""
    if src.port is None:
        hops.append(no_port_hop("antispoof", src))
        return False
    down = port_down(src.port, src.port_label(), "port-down", topo.backend)
    if down is not None:
        hops.append(down)
        if stop():
            return False
    hops.append(antispoof(topo, src.port, wire.src, src.port_label(), "forward"))
    if stop():
        return False
    hops.append(security_groups(topo, src.port, wire, "egress", src.port_label()))
    return not stop()


def external_leg(topo: Topology, hops: list[Hop], src: NodeView, wire: Wire) -> None:
    """Anti-spoofing, egress rules, the router's SNAT and the reply's way back, in packet
    order (long because each branch appends its own hop with its evidence)."""
    if not source_leg(topo, hops, src, wire, lambda: hops[-1].disposition not in PASSING):
        return
    if src.subnet is None:
        hops.append(
            Hop("router", "-", Disposition.UNKNOWN, "the node's subnet is not known", cause="gap")
        )
        return
    if src.subnet.cidr.version == wire.dst.version and wire.dst in src.subnet.cidr:
        hops.append(
            Hop(
                "network",
                Msg("where.subnet", cidr=src.subnet.cidr),
                Disposition.UNKNOWN,
                Msg("hop.same-subnet-host", ip=wire.dst),
            )
        )
        return
    router = topo.router_for_subnet(src.subnet.id)
    if topo.snapshot.openstack is None or topo.snapshot.openstack.routers is None:
        hops.append(
            Hop("router", "-", Disposition.UNKNOWN, Msg("hop.routers-not-collected"), cause="gap")
        )
        return
    if router is None or router.external_network_id is None:
        unlisted = unlisted_routers(topo, src.subnet.id)
        if unlisted != ():
            hops.append(unlisted_router_hop(src.subnet, unlisted))
            return
        outside = outside_gateway_hop(topo, src.subnet) if router is None else None
        if outside is not None:
            hops.append(outside)
            return
        hops.append(
            Hop(
                "router",
                Msg("where.subnet", cidr=src.subnet.cidr),
                Disposition.NO_ROUTE,
                Msg("hop.no-gateway", cidr=src.subnet.cidr),
                cause="no-router",
            )
        )
        return
    rlabel = Msg("where.router", name=router.name or router.id)
    hairpin = _hairpin_hop(topo, rlabel, wire.dst)
    if hairpin is not None:
        hops.append(hairpin)
        return
    hops.append(_gateway_hop(router, rlabel, wire))
    if hops[-1].disposition in PASSING:
        _reply_leg(topo, hops, router, rlabel, src, wire)


def _hairpin_hop(topo: Topology, rlabel: Msg, dst: IPAddress) -> Hop | None:
    """UNKNOWN when ``dst`` is (or, floating IPs not collected, may be) a floating IP of the
    project: the router DNATs it back inside, to a port whose own rules then decide; never
    "out through the gateway" (docs/facts.md, "Floating IPs from inside")."""
    fips = topo.floating_ips_by_address
    if fips is not None:
        fip = fips.get(dst)
        if fip is None:
            return None
        fixed = fip.fixed_ip_address or "-"
        port = short_id(fip.port_id) if fip.port_id else "-"
        msg = Msg("hop.floating-ip", ip=dst, fip=short_id(fip.id), port=port, fixed=fixed)
        ev = (Evidence("floating_ip", fip.id, "port_id", fip.port_id or "-"),)
        return Hop("router", rlabel, Disposition.UNKNOWN, msg, ev, cause="gap")
    subnet = topo.subnet_of(dst)
    network = topo.networks.get(subnet.network_id) if subnet is not None else None
    if network is None or not network.router_external:
        return None
    msg = Msg("hop.maybe-floating-ip", ip=dst, network=network.name or network.id)
    ev = (Evidence("snapshot", "openstack.floating_ips", "", "null"),)
    return Hop("router", rlabel, Disposition.UNKNOWN, msg, ev, cause="gap")


def _gateway_hop(router: Router, rlabel: Msg, wire: Wire) -> Hop:
    """Out through the router's gateway: IPv6 routed, never NATed (docs/facts.md "IPv6
    egress"); IPv4 SNATed, unless the router does not SNAT (then the way back is outside OpenStack)."""
    if wire.dst.version == 6:
        msg = Msg("hop.v6-routed", src=wire.src, dst=wire.dst)
        ev = Evidence("router", router.id, "external_gateway_info", "IPv6: routed, no NAT")
        return Hop("router", rlabel, Disposition.ACCEPTED, msg, (ev,))
    if router.enable_snat is False:
        ev = Evidence("router", router.id, "external_gateway_info.enable_snat", "false")
        return Hop("router", rlabel, Disposition.UNKNOWN, Msg("hop.no-snat"), (ev,))
    msg = Msg("hop.snat", src=wire.src, dst=wire.dst)
    ev = Evidence("router", router.id, "external_gateway_info.enable_snat", "true")
    return Hop("router", rlabel, Disposition.ACCEPTED, msg, (ev,))


def _reply_leg(
    topo: Topology, hops: list[Hop], router: Router, rlabel: Msg, src: NodeView, wire: Wire
) -> None:
    """The reply's way back through the router: to a node's own address (IPv4 un-SNATed to
    it, IPv6 as it left), else to a pod address by an extra route to its node; an IPv6 pod
    address must be global too, for the world beyond the router to route it back."""
    assert src.port is not None
    v6 = wire.dst.version == 6
    own = any(f.ip_address == wire.src for f in src.port.fixed_ips)
    if own or (wire.src in src.ips if v6 else wire.src == src.ip):
        msg = Msg("hop.v6-node-source" if v6 else "hop.unsnat-node", ip=wire.src)
        hops.append(Hop("reply", rlabel, Disposition.ACCEPTED, msg, direction="reply"))
        return
    route = route_to(topo, router, wire.src)
    routes = [str(r.destination) for r in router.routes]
    if route is None:
        key = "hop.v6-no-route-back" if v6 else "hop.no-route-back"
        msg = Msg(key, ip=wire.src, routes=", ".join(routes) or "-")
        ev = (Evidence("router", router.id, "routes", str(routes)),)
        cause = "ipv6-egress-no-nat" if v6 else "router-no-route-back"
        hops.append(Hop("reply", rlabel, Disposition.NO_ROUTE, msg, ev, "reply", cause=cause))
        return
    node_ip = src.ip_of(6) if v6 else src.ip
    ev = (Evidence("router", router.id, "routes", f"{route.destination} via {route.nexthop}"),)
    if route.nexthop != node_ip:
        msg = Msg(
            "hop.wrong-route", dest=route.destination, via=route.nexthop, node=src.name, ip=node_ip
        )
        hops.append(
            Hop("reply", rlabel, Disposition.DENIED, msg, ev, "reply", cause="router-wrong-route")
        )
        return
    if v6 and not wire.src.is_global:
        msg = Msg("hop.v6-not-global", dest=route.destination, via=route.nexthop, ip=wire.src)
        hops.append(Hop("reply", rlabel, Disposition.UNKNOWN, msg, ev, "reply"))
        return
    msg = Msg("hop.route-back", dest=route.destination, via=route.nexthop)
    hops.append(Hop("reply", rlabel, Disposition.ACCEPTED, msg, ev, "reply"))
