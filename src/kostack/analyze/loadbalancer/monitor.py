"""What each pool's health monitor should see, member by member, and why.

The monitor probes every member from the provider's monitor source (see
provider.py) on the member's ``monitor_port`` (else its ``protocol_port``,
the NodePort). kostack predicts the answer from the node's security groups
and kube-proxy, and compares it with the operating status Octavia reports:

- TCP / UDP-CONNECT on the NodePort: kube-proxy accepts when the Service has
  a ready endpoint (externalTrafficPolicy Cluster) or one on this node
  (Local: elsewhere it drops, so the member goes OFFLINE: by design);
- HTTP on the health-check node port (OCCM's monitor for
  externalTrafficPolicy Local, ``url_path /healthz``): kube-proxy's health
  server answers 200 with a local endpoint and 503 without one;
- UDP-CONNECT fails a member only on an ICMP port unreachable (the amphora's
  check is ``nc -uz``; OVN's UDP service monitor likewise): a security group
  drops silently, so a member the groups cut off stays ONLINE while every
  client datagram is lost (lb-nodeport-source says so, not the status);
- PING: ICMP echo to the node; only the security groups decide;
- no monitor: members report NO_MONITOR and get traffic whatever their state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from kostack.analyze.engine.antispoof import PORT_DOWN, PORT_UNBOUND, port_down
from kostack.analyze.engine.calico_ebpf import TUNNEL_PATCH, calico_bpf, node_port_proxy
from kostack.analyze.engine.node_ports import NO_PROXY, OUTSIDE
from kostack.analyze.engine.service_proxy import NO_SERVICE_PROXY
from kostack.analyze.loadbalancer.admission import Admission
from kostack.analyze.loadbalancer.index import DOWN, BalancedService, LBIndex, MemberView, PortPath
from kostack.analyze.loadbalancer.legs import ebpf_tunnel, kube_proxy_hop, security_group_hop
from kostack.analyze.loadbalancer.provider import SourceSet, monitor_sources
from kostack.analyze.messages import Msg
from kostack.analyze.reach import PASSING, Disposition, Endpoint, Hop, node_label
from kostack.model.snapshot import IPNetwork

Expected = Literal["up", "down", "unknown", "no-monitor"]


@dataclass(frozen=True)
class MemberHealth:
    member: MemberView
    expected: Expected
    # what decides it: "sg" (the node refuses the monitor), "no-local-endpoint" (by
    # design under externalTrafficPolicy Local), "no-endpoints", "node-not-ready",
    # "admin-down", "port-down" (the node's Neutron port is administratively down), "not-a-node", "member-port" (a stale member), "udp-silent" (up: the
    # groups drop a UDP-CONNECT check without the ICMP error it needs), "" (up), "gap"
    reason: str
    hops: tuple[Hop, ...]
    source: SourceSet | None
    admission: Admission | None
    monitor_port: int | None
    node_port: int | None = None  # the Service port's NodePort (set by member_health)
    ping: bool = False  # a PING monitor: ICMP echo, no port
    # who answers on the NodePort (engine/calico_ebpf.py `node_port_proxy`), for the texts
    proxy: str = "kube-proxy"

    @property
    def actual(self) -> str:
        return self.member.status

    @property
    def agrees(self) -> bool | None:
        """Whether Octavia's status matches the prediction (None: nothing to compare)."""
        if self.expected == "unknown" or self.member.member is None:
            return None
        down = self.actual in DOWN
        if self.expected == "no-monitor":
            return self.actual == "NO_MONITOR"
        return down == (self.expected == "down")


def monitor_port(pp: PortPath, mv: MemberView) -> int | None:
    """Where the monitor probes: the member's monitor_port, else the member's own port (octavia
    templates: ``member.monitor_port|default(member.protocol_port)``), which is the NodePort
    unless the member is stale; an inferred member's is the NodePort."""
    if mv.member is not None:
        return mv.member.monitor_port or mv.member.protocol_port
    return pp.service_port.node_port or mv.port


def _stale_port(index: LBIndex, pp: PortPath, mv: MemberView) -> Expected | None:
    """A member on another port than the Service's NodePort: down when the monitor probes that
    port and no Service listens there, undecided when one does or the monitor asks elsewhere."""
    member, node_port = mv.member, pp.service_port.node_port
    if member is None or node_port is None or member.protocol_port == node_port:
        return None
    if member.monitor_port or member.protocol_port in index.node_ports_in_use:
        return "unknown"
    return "down"


def member_health(
    index: LBIndex, bs: BalancedService, pp: PortPath, mv: MemberView
) -> MemberHealth:
    """Predict one member's monitor result (see the module docstring)."""
    return replace(_health(index, bs, pp, mv), node_port=pp.service_port.node_port)


def _health(index: LBIndex, bs: BalancedService, pp: PortPath, mv: MemberView) -> MemberHealth:
    pool = pp.pool
    monitor = pool.healthmonitor if pool is not None else None
    port = monitor_port(pp, mv)
    if monitor is None or not monitor.admin_state_up:
        return MemberHealth(mv, "no-monitor", "", (), None, None, port)
    if mv.member is not None and not mv.member.admin_state_up:
        return MemberHealth(mv, "down", "admin-down", (), None, None, port)
    if mv.node is None:
        return MemberHealth(mv, "unknown", "not-a-node", (), None, None, port)
    stale = _stale_port(index, pp, mv)
    if stale is not None:
        return MemberHealth(mv, stale, "member-port", (), None, None, port)
    node_port, backend = mv.node.port, index.topo.backend
    down = port_down(node_port, mv.label, "member-port", backend) if node_port else None
    if down is not None and down.disposition == Disposition.DENIED:
        # the node's Neutron port passes no packet (neutron-port-admin-down)
        return MemberHealth(mv, "down", down.cause, (down,), None, None, port)
    if down is not None:
        return MemberHealth(mv, "unknown", "gap", (down,), None, None, port)
    kind = monitor.type.upper()
    protocol = "icmp" if kind == "PING" else ("udp" if kind == "UDP-CONNECT" else "tcp")
    if port is None and kind != "PING":
        return MemberHealth(mv, "unknown", "gap", (), None, None, port)
    admitted = security_group_hop(index, mv, monitor_sources(index, bs, mv), protocol, port or 0)
    hops = [admitted.hop]

    def seen(expected: Expected, reason: str) -> MemberHealth:
        """The prediction from the hops so far."""
        source, adm = admitted.source, admitted.admission
        ping, proxy = kind == "PING", node_port_proxy(index.topo)
        return MemberHealth(
            mv, expected, reason, tuple(hops), source, adm, port, ping=ping, proxy=proxy
        )

    if admitted.hop.disposition == Disposition.DENIED:
        return seen("up", "udp-silent") if kind == "UDP-CONNECT" else seen("down", "sg")
    if admitted.hop.disposition not in PASSING:
        return seen("unknown", "gap")
    if kind == "PING":
        return seen("up", "")
    health_check = (
        kind in ("HTTP", "HTTPS")
        and bs.service.health_check_node_port is not None
        and port == bs.service.health_check_node_port
    )
    proxy = kube_proxy_hop(index, bs, mv, port or 0, health_check=health_check)
    hops.append(proxy)
    reasons = {
        "lb-no-local-endpoint": "no-local-endpoint",
        "no-endpoints": "no-endpoints",
        "lb-node-not-ready": "node-not-ready",
        NO_PROXY: "no-proxy",
        NO_SERVICE_PROXY: "no-service-proxy",
        OUTSIDE: "node-port-addresses",
    }
    if proxy.disposition == Disposition.DENIED:
        return seen("down", reasons.get(proxy.cause, "no-endpoints"))
    if proxy.disposition not in PASSING:
        return seen("unknown", "gap")
    clients = admitted.source.prefixes if admitted.source is not None else ()
    tunnels = _ebpf_tunnels(index, bs, mv, clients) if not health_check else []
    hops.extend(h for legs in tunnels for h in legs)
    if tunnels and all(any(h.disposition == Disposition.DENIED for h in t) for t in tunnels):
        spoofed = any(h.cause == "antispoof" for t in tunnels for h in t)
        return seen("down", "ebpf-dsr" if spoofed else "ebpf-tunnel")
    if any(h.disposition not in PASSING for t in tunnels for h in t):
        return seen("unknown", "gap")
    return seen("up", "")


def _ebpf_tunnels(
    index: LBIndex, bs: BalancedService, mv: MemberView, clients: tuple[IPNetwork, ...]
) -> list[list[Hop]]:
    """With Calico's eBPF data plane, a check on a member with no ready endpoint of its own
    reaches one on another node in VXLAN (legs.py `ebpf_tunnel`): one leg per such node; the
    monitor fails only when every one is dropped (it lands on any of them)."""
    calico, node = calico_bpf(index.topo), mv.node
    endpoints = bs.service.endpoints or ()
    ready = [e for e in endpoints if e.ready]
    if calico is None or node is None or node.ip is None or bs.local_policy:
        return []
    if any(e.node == node.name for e in ready):
        return []
    src = Endpoint("node", node_label(node.name, node.ip), node.ip, node.name)
    backends = {e.node: e.pod or e.ip for e in ready if e.node}
    return [ebpf_tunnel(index.topo, src, b, pod, calico, clients) for b, pod in backends.items()]


def health_text(h: MemberHealth) -> Msg:
    """One sentence: what the monitor sees on this member and why."""
    key = {
        "sg": "lb.health-sg",
        "no-local-endpoint": "lb.health-no-local",
        "no-endpoints": "lb.health-no-endpoints",
        "node-not-ready": "lb.health-not-ready",
        "no-proxy": "lb.health-no-proxy",
        "no-service-proxy": "lb.health-no-proxy",
        "node-port-addresses": "lb.health-node-port-addresses",
        "admin-down": "lb.health-admin-down",
        PORT_DOWN: "lb.health-port-down",
        PORT_UNBOUND: "lb.health-port-unbound",
        "not-a-node": "lb.health-not-node",
        "member-port": "lb.health-member-port",
        "udp-silent": "lb.health-udp-silent",
        "ebpf-tunnel": "lb.health-ebpf-tunnel",
        "ebpf-dsr": "lb.health-ebpf-dsr",
    }.get(h.reason, "lb.health-up" if h.expected == "up" else "lb.health-unknown")
    key = "lb.health-sg-ping" if key == "lb.health-sg" and h.ping else key
    if key == "lb.health-no-local" and h.proxy != "kube-proxy":
        key = "lb.health-no-local-by"
    return Msg(
        key,
        member=h.member.label,
        port=h.monitor_port or "?",
        member_port=h.member.port or "?",
        node_port=h.node_port or "?",
        source=h.source.label if h.source else "?",
        status=h.actual,
        proxy=h.proxy,
        patch=TUNNEL_PATCH,
    )
