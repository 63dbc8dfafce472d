"""Who translates a connection to a ClusterIP on Kube-OVN: OVN's load balancer or kube-proxy.

kube-ovn-controller (``--enable-lb``, default true) puts its VPC's TCP, UDP and SCTP load
balancers on the logical switch of every Subnet whose ``spec.enableLb`` is true (unset: the
flag's value; the join switch never), and with the flag off takes them off every switch
(kubeovn/kube-ovn pkg/controller/subnet.go, gc.go). A pod's packet is load-balanced on its
own Subnet's switch, on its own node. Nodes and hostNetwork pods reach Services through the
node's netfilter: kube-proxy, which runs beside Kube-OVN (kubeovn/docs: "kube-proxy works" is
a prerequisite; the load balancer "cannot replace kube-proxy"). A pod of an overlay Subnet
without the load balancer goes on to its node (a centralized one's to its gateway nodes) and
kube-proxy there; an underlay one's traffic
kube-proxy does not see ("In Underlay mode kube-proxy cannot ..."): not decided. docs/facts.md
"Kube-OVN", Services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from kostack.analyze.engine.kubeovn import DEFAULT_VPC, subnet_of
from kostack.analyze.engine.types import Endpoint, Evidence
from kostack.analyze.messages import Msg, register

if TYPE_CHECKING:
    from kostack.analyze.topology import Topology
    from kostack.model.snapshot import KubeOvn, KubeOvnSubnet

CONTROLLER = "kube-system/kube-ovn-controller"

register(
    {
        "lb.kube-ovn-underlay-off": {
            "en": "Kube-OVN Subnet {subnet} is underlay and has no OVN load balancer "
            "({why}): kube-proxy does not see its pods' traffic, so what becomes of their "
            "connections to a Service is not decided",
            "ko": "Kube-OVN Subnet {subnet:은/는} 언더레이이고 OVN 로드 밸런서가 없습니다({why}). "
            "kube-proxy는 그 Pod의 트래픽을 보지 못하므로 서비스로 가는 연결이 어떻게 되는지는 "
            "판단하지 않습니다",
        },
        "lb.kube-ovn-flag-off": {
            "en": "kube-ovn-controller --enable-lb=false",
            "ko": "kube-ovn-controller --enable-lb=false",
        },
        "lb.kube-ovn-subnet-off": {
            "en": "its enableLb is false",
            "ko": "enableLb가 false",
        },
    }
)

Who = Literal["ovn", "kube-proxy", "none", "unknown"]


@dataclass(frozen=True)
class Translator:
    """Who DNATs the connection (``none``: nothing is known to; ``unknown``: not decided,
    ``why`` says what is missing) and the settings that decided it."""

    who: Who
    why: str = ""
    evidence: tuple[Evidence, ...] = ()
    # kube-proxy on this Subnet's gateway nodes, not the pod's (gatewayType centralized)
    gateway_of: str = ""


def _flag_ev(on: bool) -> Evidence:
    return Evidence("deployment", CONTROLLER, "--enable-lb", str(on).lower())


def _subnet_ev(subnet: KubeOvnSubnet) -> Evidence:
    value = "" if subnet.enable_lb is None else str(subnet.enable_lb).lower()
    return Evidence("subnet.kubeovn.io", subnet.name, "enableLb", value or "(unset)")


def for_source(topo: Topology, src: Endpoint) -> Translator | None:
    """Who translates ``src``'s connection to a ClusterIP; None when the CNI is not Kube-OVN."""
    cl = topo.snapshot.cluster
    if cl is None or cl.cni.type != "kube-ovn":
        return None
    if src.kind != "pod":
        return Translator("kube-proxy")  # the node's own netfilter: the join switch has no LB
    kube_ovn = cl.cni.kube_ovn
    if kube_ovn is None or kube_ovn.enable_lb is None:
        field = "kube-ovn-controller --enable-lb"
        return Translator("unknown", Msg("hop.kube-ovn-value", field=field))
    if src.ip is None or kube_ovn.subnets is None:
        return Translator("unknown", Msg("hop.no-kube-ovn"))
    subnet = subnet_of(topo, src.ip)
    if subnet is None:
        return Translator("unknown", Msg("hop.kube-ovn-no-subnet", ip=src.ip))
    return _decide(kube_ovn, subnet)


def for_default_subnet(topo: Topology) -> Translator | None:
    """The same for a pod of the default Subnet (ovn-default: pods without a Subnet of their
    own); None when the CNI is not Kube-OVN."""
    cl = topo.snapshot.cluster
    if cl is None or cl.cni.type != "kube-ovn":
        return None
    kube_ovn = cl.cni.kube_ovn
    if kube_ovn is None or kube_ovn.enable_lb is None:
        field = "kube-ovn-controller --enable-lb"
        return Translator("unknown", Msg("hop.kube-ovn-value", field=field))
    default = next((s for s in kube_ovn.subnets or () if s.default), None)
    if default is None:  # the Subnets not read: the flag alone
        flag = kube_ovn.enable_lb
        return Translator("ovn" if flag else "kube-proxy", "", (_flag_ev(flag),))
    return _decide(kube_ovn, default)


def _decide(kube_ovn: KubeOvn, subnet: KubeOvnSubnet) -> Translator:
    if subnet.vpc not in (None, DEFAULT_VPC):
        return Translator("unknown", Msg("hop.kube-ovn-vpc", subnet=subnet.name, vpc=subnet.vpc))
    flag = bool(kube_ovn.enable_lb)
    ev = (_flag_ev(flag), _subnet_ev(subnet))
    if flag and subnet.enable_lb is not False:
        return Translator("ovn", "", ev)
    if subnet.vlan:
        why = Msg("lb.kube-ovn-subnet-off" if flag else "lb.kube-ovn-flag-off")
        return Translator("none", Msg("lb.kube-ovn-underlay-off", subnet=subnet.name, why=why), ev)
    # a distributed Subnet's pods are rerouted to their own node's ovn0, a centralized one's to
    # its gateway nodes (subnet.go addPolicyRouteForDistributedSubnet, node.go)
    central = subnet.gateway_type != "distributed"
    return Translator("kube-proxy", "", ev, subnet.name if central else "")
