"""Kube-OVN in preflight: its network types, what it needs between nodes, its settings.

install.sh (docs/facts.md "Kube-OVN"): ``NETWORK_TYPE`` geneve (the default), vxlan or stt
tunnels the default Subnet ovn-default between the nodes' encap addresses (kube-ovn-cni
``--network-type=$TUNNEL_TYPE``: Geneve UDP 6081, VXLAN UDP 4789, STT TCP 7471; one encap
address per node, its primary); vlan (``ENABLE_VLAN=true``) makes ovn-default underlay
(``spec.vlan`` ovn-vlan): its pods send on the node's NIC with their own addresses and MAC
addresses, which no allowed address pair passes: port security must be off on the node
ports (kubeovn/docs docs/start/underlay.en.md). Every node's ovn-controller talks to
ovn-central's southbound database (TCP 6642) and kube-ovn-controller to its northbound one
(TCP 6641) on the control-plane nodes' addresses (install.sh OVN_DB_IPS); ovn-central's
replicas form Raft clusters on TCP 6643 and 6644 (start-db.sh NB_CLUSTER_PORT,
SB_CLUSTER_PORT). The planned snapshot carries the `KubeOvn` record built here, so the engine
(kostack.analyze.engine.kubeovn) decides what the planned cluster needs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, cast

from kostack.analyze.engine.kubeovn import DEFAULT_VPC, IPV6_EXTRA, MTU_DEDUCTION, TUNNEL_KIND
from kostack.analyze.prefixes import net_within
from kostack.model.cni import KUBE_OVN_TUNNEL_PORTS as _PORTS
from kostack.model.snapshot import IPNetwork, KubeOvn, KubeOvnSubnet
from kostack.plan.preflight_errors import Msg

if TYPE_CHECKING:
    from typing import Literal

    from kostack.model.cni import KubeOvnTunnelType

    KubeOvnNetworkType = Literal["geneve", "vxlan", "stt", "vlan"]

# install.sh NETWORK_TYPE, the default first (vlan: the default Subnet underlay)
MODES = ("geneve", "vxlan", "stt", "vlan")
VLAN = "ovn-vlan"  # pkg/controller/config.go --default-vlan-name
# install.sh JOIN_CIDR (IPv4; dual stack adds the IPv6 one)
JOIN_CIDRS = {4: "100.64.0.0/16", 6: "fd00:100:64::/112"}


def tunnel(mode: str) -> str:
    """kube-ovn-cni's --network-type (install.sh TUNNEL_TYPE): geneve under vlan."""
    return "geneve" if mode == "vlan" else mode


def record(
    mode: str, pod_cidrs: tuple[IPNetwork, ...], *, masquerade: bool, mtu: int | None
) -> KubeOvn:
    """Kube-OVN as install.sh installs it in the planned network type: ovn-default on the pod
    CIDRs (natOutgoing as planned), the join subnet, kube-ovn-cni --mtu (0: derived)."""
    families = [c.version for c in pod_cidrs]
    joins = tuple(ipaddress.ip_network(JOIN_CIDRS[v]) for v in families)
    default = KubeOvnSubnet(
        name="ovn-default",
        cidrs=pod_cidrs,
        default=True,
        nat_outgoing=masquerade,
        gateway_type="distributed",
        vlan=VLAN if mode == "vlan" else "",
        vpc=DEFAULT_VPC,
        provider="ovn",
    )
    join = KubeOvnSubnet(
        name="join", cidrs=joins, nat_outgoing=False, gateway_type="distributed", vlan=""
    )
    return KubeOvn(
        tunnel_type=cast("KubeOvnTunnelType", tunnel(mode)),  # one of MODES (validated)
        network_type=cast("KubeOvnNetworkType", mode),
        mtu=mtu or 0,
        ipsec=False,
        join_cidrs=joins,
        subnets=(default, join),
    )


def overhead(mode: str, primary: int) -> tuple[int, str]:
    """What kube-ovn-cni takes off the interface MTU (its deduction by tunnel, 20 more when
    the encap address, the node's primary, is IPv6), and what."""
    kind = TUNNEL_KIND[tunnel(mode)][0]
    return MTU_DEDUCTION[tunnel(mode)] + (IPV6_EXTRA if primary == 6 else 0), f"Kube-OVN {kind}"


def describe(mode: str) -> str:
    """The network type in install.sh's and kube-ovn-cni's words."""
    if mode == "vlan":
        return f"NETWORK_TYPE vlan (Subnet ovn-default vlan {VLAN}), TUNNEL_TYPE geneve"
    return f"NETWORK_TYPE {mode}"


def problem(*, wireguard: bool) -> tuple[Msg, Msg] | None:
    """What Kube-OVN has no setting for, as (message, hint), or None."""
    if wireguard:
        return Msg("pf.err.kube-ovn-wireguard"), Msg("pf.hint.kube-ovn-wireguard")
    return None


def underlay_range(pods: Sequence[IPNetwork], subnets: Sequence[IPNetwork] | None) -> Msg | None:
    """vlan: the pods take addresses on the nodes' own network (kubeovn/docs
    docs/start/underlay.en.md: POD_CIDR "The Underlay network CIDR"), so each pod CIDR must lie
    inside a subnet of the nodes of its family. A problem when one does not; None when all do;
    ``subnets`` None (the network is planned, not read): nothing to check against, said."""
    shown = ", ".join(str(c) for c in pods)
    if subnets is None:
        return Msg("preflight.note.kube-ovn-underlay-unchecked", pods=shown)
    if all(any(net_within(c, s) for s in subnets) for c in pods):
        return None
    cidrs = ", ".join(sorted({str(s) for s in subnets}))
    return Msg("preflight.note.kube-ovn-underlay-outside", pods=shown, subnets=cidrs)


def rules(mode: str, *, primary: int, control_planes: int, add: Callable[..., None]) -> None:
    """Kube-OVN's rules between nodes (kubeovn/docs docs/start/prepare.en.md "Ports Need
    Open"), all over the primary family (the encap and database addresses are the nodes'
    primary ones): OVN's tunnel (under vlan too: the join subnet and any overlay Subnet use
    it), ovn-central's databases from every node, its Raft between control-plane nodes."""
    kind, proto = TUNNEL_KIND[tunnel(mode)]
    name, port = ("tcp" if proto == 6 else "udp"), _PORTS[tunnel(mode)]
    why = f"Kube-OVN {kind} ({name} {port})"
    add(f"kube_ovn_{tunnel(mode)}", why, name, port, version=primary)
    why = "ovn-central northbound and southbound databases (tcp 6641-6642)"
    add("kube_ovn_db", why, "tcp", 6641, 6642, version=primary)
    if control_planes > 1:
        why = "ovn-central Raft between control-plane nodes (tcp 6643-6644)"
        add("kube_ovn_raft", why, "tcp", 6643, 6644, version=primary)


__all__ = [
    "MODES", "VLAN", "describe", "overhead", "problem", "record", "rules", "tunnel",
    "underlay_range",
]  # fmt: skip
