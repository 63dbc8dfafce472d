"""net-calico-node-address: calico-node's own address is the node's InternalIP.

calico-node detects the address it peers from over BGP and ends its IPIP and VXLAN tunnels
at (``IP_AUTODETECTION_METHOD``, default ``first-found``: the first global address of the
last-listed interface not excluded by name) and publishes it as the Node annotations
``projectcalico.org/IPv4Address`` / ``IPv6Address`` (docs/facts.md "Calico's node address").
An address of another port of the node's own server (a second NIC) PASSes: the engine judges
Calico's flows between nodes on that port (engine/calico_moved.py `calico_views`). For an
address elsewhere (shared by nodes, on no port of the server) the engine leaves them undecided
and this check says why. Linear in nodes: one pass, dict lookups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from kostack.analyze.checks._calico_address import (
    CAUSE,
    ID,
    fail_foreign,
    fail_shared,
    no_annotation,
    not_read,
    other_port,
    ports_unknown,
    split_ports,
)
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.engine.calico_moved import calico_views, port_by_ip, split
from kostack.analyze.findings import MANUAL_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import IPAddress, Port

TITLE = "Calico's node address (BGP, tunnels) is the node's InternalIP"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("cluster.nodes", "cluster.cni")
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {"calico-address": Kind.ROOT | Kind.POD_TRAFFIC | Kind.SOME_NODES}

__all__ = ["CAUSE", "ID", "NEEDS", "SEVERITY", "TITLE", "run"]


@dataclass
class Sorted:
    """Each node's Calico addresses sorted by what they are (node name, address)."""

    shared: list[tuple[NodeView, IPAddress]] = field(default_factory=list)
    foreign: list[tuple[NodeView, IPAddress, Port | None]] = field(default_factory=list)
    other_port: list[tuple[NodeView, IPAddress, Port]] = field(default_factory=list)
    undecided: list[tuple[NodeView, IPAddress]] = field(default_factory=list)
    # nodes whose Calico addresses are on different ports of their own server: each with them
    split: list[tuple[NodeView, tuple[tuple[IPAddress, Port], ...]]] = field(default_factory=list)
    missing: list[NodeView] = field(default_factory=list)
    families: set[int] = field(default_factory=set)  # of the addresses that are not InternalIPs


@SAY.only_for("calico", f"{ID}.na-cni")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    cl = ctx.snapshot.cluster
    calico = cl.cni.calico if cl is not None else None
    if calico is None or calico.node_addresses is None:
        return [not_read(SAY, ctx)]
    found = _sort(ctx, calico.node_addresses)
    out: list[Finding] = []
    if found.shared:
        out.append(fail_shared(SAY, ctx, found.shared, found.families))
    if found.foreign:
        out.append(fail_foreign(SAY, ctx, found.foreign, found.families))
    if found.other_port:
        out.append(other_port(SAY, ctx, found.other_port, found.families))
    if found.undecided:
        out.append(ports_unknown(SAY, ctx, found.undecided))
    if found.split:
        out.append(split_ports(SAY, ctx, found.split, found.families))
    if found.missing:
        out.append(no_annotation(SAY, ctx, found.missing))
    if not out:
        n = len(ctx.topo.node_views)
        out.append(SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=n)))
    # the nodes not judged: their pods may be cut off too (release_checks/scope.py)
    doubt = {"undecided_nodes": tuple(v.name for v, _ in found.undecided)}
    doubt["undecided_nodes"] += tuple(v.name for v in found.missing)
    return [replace(f, extra={**f.extra, **doubt}) if f.status == Status.FAIL else f for f in out]


def _sort(ctx: CheckContext, addresses: dict[str, tuple[IPAddress, ...]]) -> Sorted:
    topo = ctx.topo
    found = Sorted()
    claims: dict[IPAddress, int] = defaultdict(int)
    for view in topo.node_views.values():
        for ip in addresses.get(view.name, ()):
            claims[ip] += 1
    ports = ctx.snapshot.openstack.ports if ctx.snapshot.openstack else None
    by_ip = port_by_ip(topo) if ports is not None else {}
    apart = split(topo)
    for view in topo.node_views.values():
        own = addresses.get(view.name)
        if not own:
            found.missing.append(view)
            continue
        if view.name in apart:
            found.split.append((view, apart[view.name]))
            found.families.update(ip.version for ip in own if ip not in view.ips)
            continue
        for ip in own:
            if ip in view.ips:
                continue
            found.families.add(ip.version)
            if claims[ip] > 1:
                found.shared.append((view, ip))
            elif ports is None:
                found.undecided.append((view, ip))
            else:
                _place(found, view, ip, by_ip.get(ip), view.name in calico_views(topo))
    return found


def _place(found: Sorted, view: NodeView, ip: IPAddress, port: Port | None, judged: bool) -> None:
    """An address no other node claims, not an InternalIP: on no port, another server's port,
    or the node's own server (another port, or a second address of its own port), where the
    engine judges Calico's traffic (``judged``; not when the node's Calico addresses are on
    several ports: undecided, as when the node's port is not known)."""
    if port is None:
        found.foreign.append((view, ip, None))
    elif view.port is None or not port.device_id:
        found.undecided.append((view, ip))
    elif port.device_id != view.port.device_id:
        found.foreign.append((view, ip, port))
    elif judged:
        found.other_port.append((view, ip, port))
    else:
        found.undecided.append((view, ip))
