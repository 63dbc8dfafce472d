"""Where each Octavia provider's packets come from, as the member node sees them.

- amphora (and the other names of Octavia's own provider): haproxy in the
  amphora ends the client's connection and opens a new one to the member,
  from the amphora's own port in the member's subnet (the VIP subnet unless
  OCCM's member-subnet-id says otherwise). Health checks come from there too.
  The amphora's ports live in Octavia's service project, so the project's
  remote-group rules never match them: the node must admit the member
  subnet's CIDR (OCCM's manage-security-groups opens exactly that,
  cloud-provider-openstack pkg/openstack/loadbalancer_sg.go).
- ovn: the OVN load balancer DNATs the VIP to the member in the datapath and
  keeps the client's source address, so the node must admit the clients
  (every address, or spec.loadBalancerSourceRanges); OCCM opens the
  NodePort to those for OVN for that reason (same file). Health checks come
  from the provider's ``ovn-lb-hm-<subnet id>`` port in the member subnet
  (ovn-octavia-provider helper.py), so a NodePort open to the node subnet
  keeps members ONLINE while every client is cut off.
- other providers: not modelled; both behaviours are evaluated.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final, Literal

from kostack.analyze.loadbalancer.index import BalancedService, LBIndex, MemberView
from kostack.analyze.messages import Msg
from kostack.analyze.reach import Evidence
from kostack.model.snapshot import IPAddress, IPNetwork, Subnet

ANY_V4: Final = ipaddress.ip_network("0.0.0.0/0")
ANY_V6: Final = ipaddress.ip_network("::/0")

SourceKind = Literal["amphora", "clients", "client", "ovn-monitor", "subnet"]


@dataclass(frozen=True)
class SourceSet:
    """Addresses a node sees a flow come from, and how to say so."""

    kind: SourceKind
    prefixes: tuple[IPNetwork, ...]
    label: str
    evidence: tuple[Evidence, ...] = ()

    @property
    def text(self) -> str:
        return ", ".join(str(p) for p in self.prefixes)


def member_subnet(index: LBIndex, bs: BalancedService, mv: MemberView) -> Subnet | None:
    """The subnet a member is reached on: the member's subnet_id, else the VIP subnet."""
    if mv.member is not None and mv.member.subnet_id:
        subnet = index.topo.subnets.get(mv.member.subnet_id)
        if subnet is not None:
            return subnet
    if bs.vip_subnet is not None:
        return bs.vip_subnet
    if mv.node is not None:
        return mv.node.subnet
    return None


def amphora_source(index: LBIndex, bs: BalancedService, mv: MemberView) -> SourceSet | None:
    subnet = member_subnet(index, bs, mv)
    if subnet is None:
        return None
    return SourceSet(
        "amphora",
        (subnet.cidr,),
        Msg("lb.src-amphora", name=subnet.name or subnet.id, cidr=subnet.cidr),
        (Evidence("subnet", subnet.id, "cidr", str(subnet.cidr)),),
    )


def anyone(bs: BalancedService) -> IPNetwork:
    """Every client of the load balancer's family: OCCM builds a Service's load balancer in its
    primary ipFamily (VIP and members, cloud-provider-openstack ``nodeAddressForLB``), and a
    client of the other family never reaches it."""
    vip = bs.lb.vip_address if bs.lb is not None else None
    return ANY_V6 if vip is not None and vip.version == 6 else ANY_V4


def client_sources(bs: BalancedService, client: IPAddress | None) -> SourceSet:
    """The clients an OVN load balancer passes through unchanged."""
    if client is not None:
        net = ipaddress.ip_network(client)
        return SourceSet("client", (net,), Msg("lb.src-client", ip=client))
    ranges = bs.service.load_balancer_source_ranges
    if ranges:
        text = ", ".join(str(r) for r in ranges)
        return SourceSet(
            "clients",
            tuple(ranges),
            Msg("lb.src-ranges", ranges=text),
            (Evidence("service", bs.key, "spec.loadBalancerSourceRanges", text),),
        )
    return SourceSet(
        "clients",
        (anyone(bs),),
        Msg("lb.src-anyone"),
        (Evidence("service", bs.key, "spec.loadBalancerSourceRanges", "[]"),),
    )


def ovn_monitor_source(index: LBIndex, bs: BalancedService, mv: MemberView) -> SourceSet | None:
    subnet = member_subnet(index, bs, mv)
    if subnet is None:
        return None
    port = index.ovn_hm_ports.get(subnet.id)
    if port is not None:
        ips = [f.ip_address for f in port.fixed_ips if f.subnet_id in (subnet.id, None)]
        if ips:
            return SourceSet(
                "ovn-monitor",
                tuple(ipaddress.ip_network(ip) for ip in ips),
                Msg("lb.src-ovn-hm", port=port.name or port.id, ip=ips[0]),
                (Evidence("port", port.id, "fixed_ips", str(ips[0])),),
            )
    return SourceSet(
        "subnet",
        (subnet.cidr,),
        Msg("lb.src-ovn-hm-unseen", cidr=subnet.cidr),
        (Evidence("subnet", subnet.id, "cidr", str(subnet.cidr)),),
    )


def traffic_sources(
    index: LBIndex, bs: BalancedService, mv: MemberView, client: IPAddress | None
) -> list[SourceSet | None]:
    """Where client traffic reaches the member from; two candidates for an unknown provider."""
    kind = bs.provider
    if kind == "amphora":
        return [amphora_source(index, bs, mv)]
    if kind == "ovn":
        return [client_sources(bs, client)]
    return [amphora_source(index, bs, mv), client_sources(bs, client)]


def monitor_sources(index: LBIndex, bs: BalancedService, mv: MemberView) -> list[SourceSet | None]:
    kind = bs.provider
    if kind == "amphora":
        return [amphora_source(index, bs, mv)]
    if kind == "ovn":
        return [ovn_monitor_source(index, bs, mv)]
    return [amphora_source(index, bs, mv), ovn_monitor_source(index, bs, mv)]
