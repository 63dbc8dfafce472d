"""What a family's ends are classed by, and the queries that judge a pair (engine/families.py).

The route key (subnet, pool, kind), the static key of a side (anti-spoofing, router,
port state, stateless groups, where Calico's traffic runs, what the routers do with the
address), and `wire_sets`: the security-group queries a flow between two ends needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from kostack.analyze.engine.antispoof import outcome
from kostack.analyze.engine.calico_moved import calico_views, moved
from kostack.analyze.engine.cni import masquerade
from kostack.analyze.engine.encap import encapsulation
from kostack.analyze.engine.family_records import End
from kostack.analyze.engine.ipv6 import ICMP, ICMPV6
from kostack.analyze.engine.kubeovn import subnet_of as kube_ovn_subnet
from kostack.analyze.engine.pod_to_node import TUNNEL, pod_to_node
from kostack.analyze.engine.router import route_back_key, route_to, unlisted_routers
from kostack.analyze.engine.secgroups import Query
from kostack.analyze.engine.stateless import reply_queries, stateless
from kostack.analyze.protocols import protocol_number
from kostack.analyze.topology import Topology


def route_key(topo: Topology, e: End) -> tuple[object, ...]:
    v = e.view
    pool = topo.pool_for(e.ip)
    subnet = topo.node_subnet(v, e.ip.version) if v is not None else None
    ovn = kube_ovn_subnet(topo, e.ip)  # Kube-OVN: overlay or underlay, u2oInterconnection
    return (
        subnet.id if subnet is not None else None,
        pool.name if pool is not None else None,
        ovn.name if ovn is not None else None,
        e.endpoint.kind,
        v is None,
    )


def common_key(topo: Topology, e: End, route: tuple[object, ...]) -> tuple[object, ...]:
    """The part of the static key both sides share (``route``: the end's `route_key`)."""
    v = e.view
    assert v is not None
    port = v.port
    spoof: tuple[object, ...] = ()
    if port is not None:
        own = outcome(topo, port, v.ip) if v.ip is not None else None
        spoof = (outcome(topo, port, e.ip), own)
    router = topo.router_for_subnet(v.subnet.id) if v.subnet is not None else None
    return (
        route,
        router.id if router is not None else None,
        unlisted_routers(topo, v.subnet.id) if v.subnet is not None else (),
        port is not None,
        port.port_security_enabled if port is not None else None,
        port.admin_state_up is False if port is not None else False,
        (port.vnic_type, port.vif_type) if port is not None else None,
        v.ip is not None,
        v.is_control_plane,
        spoof,
        stateless(topo, port),
        # Calico's traffic of the node runs on another port of its server, or is not known
        "calico-port" if v.name in calico_views(topo) else v.name in moved(topo),
    )


def side_routes(topo: Topology, e: End, side: str) -> tuple[object, ...]:
    """The last part of the static key: what the routers do with the end's address."""
    v = e.view
    assert v is not None
    if side == "dst":
        # whether each router routes this pod address (native traffic across subnets)
        return tuple(route_to(topo, r, e.ip) is not None for r in topo.routers)
    if e.endpoint.kind == "pod":
        return route_back_key(topo, v, e.ip)
    return ()


def wire_sets(
    topo: Topology,
    s: End,
    t: End,
    flow: tuple[str, int | None],
    *,
    world_topos: Sequence[Topology] = (),
) -> list[tuple[Query, str]]:
    """The queries judging s -> t, each with whose address it tests ("ip" or "node").

    Egress queries test the target's address, ingress ones the source's.
    """
    proto = protocol_number(flow[0])
    assert isinstance(proto, int)
    if proto == ICMP and t.ip.version == 6:
        proto = ICMPV6  # a ping between IPv6 addresses is ICMPv6 (engine/ipv6.py)
    # to a pod, or from a pod to another node's address the CNI's tunnel carries
    tunnel = s.endpoint.kind == "pod" and pod_to_node(topo, s.ip, t.ip) == TUNNEL
    if s.view is not None and t.view is not None and (t.endpoint.kind == "pod" or tunnel):
        pod = s.endpoint.kind == "pod"
        d = encapsulation(topo, s.view, t.view, t.ip, from_pod=pod, src_ip=s.ip)
        if d.encap is not None:
            # the tunnel runs between the node addresses of its underlay family (an IPv6
            # pool's VXLAN over the nodes' IPv6 addresses); the ends' node_ip is of the pods'
            under = d.underlay or (s.view.ip.version if s.view.ip is not None else 4)
            # "node": the end's node address of the pods' family; "node4"/"node6": of another
            kind = "node" if under == t.ip.version else f"node{under}"
            return [
                (Query("egress", under, d.proto, d.port), kind),
                (Query("ingress", under, d.proto, d.port), kind),
                *((q, kind) for q in reply_queries(topo, under, d.proto, d.port, True)),
            ]
    src_kind = "node" if s.endpoint.kind == "node" else "ip"
    masqueraded = [False]  # per world: where the replies go depends on it
    if s.endpoint.kind == "pod" and t.endpoint.kind in ("node", "external"):
        worlds = world_topos or (topo,)
        masqueraded = [(m := masquerade(w, s.ip, t.ip)) is not None and m[1] for w in worlds]
        kinds = {"node" if on else "ip" for on in masqueraded}
        src_kind = kinds.pop() if len(kinds) == 1 else "ip"
    port = flow[1]
    out = [(Query("egress", t.ip.version, proto, port), "ip")]
    if t.view is not None:
        out.append((Query("ingress", s.ip.version, proto, port), src_kind))
    # a stateless reply: the target's egress tests the source, the source's ingress the target
    reply = reply_queries(topo, t.ip.version, proto, port, False, masqueraded)
    out.extend((q, src_kind if q.direction == "egress" else "ip") for q in reply)
    return out
