"""Which port of a node answers for a virtual IP: the port of the node's server on whose
subnet the address lies (docs/facts.md "Virtual IPs").

A host asks ARP/NDP only for an address on a link it is attached to, so the question for a
virtual IP reaches a node through the port whose subnet holds it: the node's own port (its
InternalIP's) or another port of the same server (a second NIC: a provider or service
network, where MetalLB's L2Advertisement ``interfaces`` or kube-vip's ``vip_interface``
puts it). The answer leaves by that port, and that port's anti-spoofing decides. When more
than one port of the server has such a subnet, which one the announcer uses depends on the
node's interface names, which kostack does not map to ports: undecided. Cost: the server's
ports are indexed once per topology (ports x fixed IPs), each lookup walks one server's.
"""

from __future__ import annotations

from dataclasses import dataclass

from kostack.analyze.engine.vnic import maybe_unfiltered
from kostack.analyze.topology import NodeView, Topology, net_within
from kostack.model.snapshot import IPNetwork, Port, Subnet

KEY = "vip-server-ports"  # in Topology.derived: lives exactly as long as the topology


@dataclass(frozen=True)
class Carrier:
    """A port that would carry a node's answers for a virtual IP, and its subnet there."""

    port: Port
    subnet: Subnet


def server_ports(topo: Topology) -> dict[str, tuple[Port, ...]]:
    """Each server (a port's device) -> its ports that are no node's own port (a port matched
    to a node is that node's, never another's second NIC); built once per topology."""
    found = topo.derived.get(KEY)
    if found is None:
        nodes = {v.port.id for v in topo.node_views.values() if v.port is not None}
        by_server: dict[str, list[Port]] = {}
        for port in topo.ports.values():
            if port.device_id and port.id not in nodes:
                by_server.setdefault(port.device_id, []).append(port)
        found = topo.derived[KEY] = {k: tuple(v) for k, v in by_server.items()}
    assert isinstance(found, dict)
    return found


def _subnets_of(topo: Topology, port: Port, version: int) -> list[Subnet]:
    out: list[Subnet] = []
    for fixed in port.fixed_ips:
        subnet = topo.subnets.get(fixed.subnet_id or "") or topo.subnet_of(fixed.ip_address)
        if subnet is not None and subnet.cidr.version == version and subnet not in out:
            out.append(subnet)
    return out


def carriers(topo: Topology, view: NodeView, cidr: IPNetwork) -> list[Carrier]:
    """The ports of ``view``'s server whose subnet holds ``cidr``: its own port when the
    node's subnet of that family does (`Topology.node_subnet`), and each other port of the
    same server with a fixed IP on a subnet that does. Empty without a matched port."""
    if view.port is None:
        return []
    out: list[Carrier] = []
    own = topo.node_subnet(view, cidr.version)
    if own is not None and net_within(cidr, own.cidr):
        out.append(Carrier(view.port, own))
    if not view.port.device_id:
        return out
    for port in server_ports(topo).get(view.port.device_id, ()):
        subnet = next(
            (s for s in _subnets_of(topo, port, cidr.version) if net_within(cidr, s.cidr)), None
        )
        if subnet is not None:
            out.append(Carrier(port, subnet))
    return out


def reply_ports(topo: Topology, view: NodeView, version: int) -> list[Carrier]:
    """The ports of ``view``'s server that may carry its replies of one family to a client
    anywhere (a VIP routed to the node over BGP: the replies follow the node's routes, not
    the subnet of the address): its own port and every other port of the server with a
    subnet of that family; the own port alone when none has one. Empty without a matched
    port."""
    if view.port is None:
        return []
    own = topo.node_subnet(view, version) or view.subnet
    out = [Carrier(view.port, own)] if own is not None else []
    for port in server_ports(topo).get(view.port.device_id or "", ()):
        subnets = _subnets_of(topo, port, version)
        if subnets:
            out.append(Carrier(port, subnets[0]))
    if own is not None and own.cidr.version != version and len(out) > 1:
        out = out[1:]  # the own port has no subnet of the family: another port carries it
    return out


def carrier_label(carrier: Carrier) -> str:
    """ "<port id> (<port name>, <subnet CIDR>)", as evidence and messages name it."""
    return f"{carrier.port.id} ({carrier.port.name or '-'}, {carrier.subnet.cidr})"


def pair_covers(port: Port, cidr: IPNetwork, topo: Topology) -> bool | None:
    """Whether ``port``'s anti-spoofing lets out what is sent from ``cidr``: a pair holding it
    with the port's own MAC (the announcer answers, and the node sends, from the MAC of the
    interface that carries the address), or no anti-spoofing on the port at all; None: a
    port Neutron's firewall may not filter (engine/vnic.py), so whether it passes is not
    known."""
    if port.port_security_enabled is False:
        return True
    if any(
        net_within(cidr, p.ip_address) and p.mac_address in (None, port.mac_address)
        for p in port.allowed_address_pairs
    ):
        return True
    return None if maybe_unfiltered(port, topo) else False
