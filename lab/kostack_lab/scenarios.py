"""Lab scenarios: the states of the incident, each a topology + Neutron state + cluster objects.

A scenario says how Calico (or Canal's flannel, or Antrea in hybrid mode) routes
(encapsulation, natOutgoing), what the Neutron ports look like (port security, allowed pairs,
security groups and their rules, the backend's remote-group semantics), what the VMs were told
about the MTU, and what the standard probes from a worker's pod must show
(`expected`, the table in docs/lab.md). Without a Neutron the lab
runs from `neutron_description()`; with one, `agent.apply_scenario` writes
the same state into it. `kubernetes_objects()` gives the cluster side
(Nodes, Pods, Services, EndpointSlices, Calico IPPool and Installation,
kubeadm and kube-proxy config) for the Kubernetes API double.

Registration is the explicit `SCENARIOS` tuple. The Neutron and Kubernetes
views live in `kostack_lab.scenario_objects` (re-exported here).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from kostack_lab import seed
from kostack_lab.errors import LabInputError, Msg
from kostack_lab.portsec import NeutronBackend
from kostack_lab.scenario_objects import kubernetes_objects, neutron_description
from kostack_lab.seed import RuleSpec
from kostack_lab.topology_layout import CNI, Encapsulation, Topology, build_topology

__all__ = [
    "SCENARIOS",
    "ExpectedProbes",
    "RuleSpec",
    "Scenario",
    "SecurityGroupSpec",
    "get_scenario",
    "kubernetes_objects",
    "neutron_description",
    "scenario_names",
]

POD_CIDR = seed.POD_SUBNET
POD_CIDR6 = seed.POD_SUBNET6


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SecurityGroupSpec(_Frozen):
    """A security group by name, with its rules."""

    name: str
    description: str = ""
    rules: tuple[RuleSpec, ...] = ()


class ExpectedProbes(_Frozen):
    """What the standard probes from a pod on a worker must show (True = answers)."""

    dns: bool
    kubernetes_tcp: bool
    kubernetes_tls: bool
    egress_http: bool
    ping_cluster_ip: bool = False  # never answers, healthy or not
    pod_to_pod: bool
    bulk_transfer: bool
    # Dual-stack labs only (None: not probed): the same probes over IPv6.
    dns_ipv6: bool | None = None
    kubernetes_tcp_ipv6: bool | None = None
    kubernetes_tls_ipv6: bool | None = None
    egress_http_ipv6: bool | None = None
    ping_cluster_ip_ipv6: bool | None = None  # never answers, as for IPv4
    pod_to_pod_ipv6: bool | None = None


DEFAULT_GROUP = SecurityGroupSpec(
    name=seed.DEFAULT_GROUP,
    description="Default security group",
    rules=seed.DEFAULT_GROUP_RULES,
)

_NODES_BASE = (*seed.NEW_GROUP_RULES, *seed.NODES_GROUP_RULES)
VXLAN_RULE = RuleSpec(
    direction="ingress",
    protocol="udp",
    port_range_min=4789,
    port_range_max=4789,
    remote_group=seed.NODES_GROUP,
)
# flannel's vxlan backend on Linux: the kernel's default port (docs/facts.md, Flannel)
FLANNEL_VXLAN_RULE = VXLAN_RULE.model_copy(update={"port_range_min": 8472, "port_range_max": 8472})
# the API server to the kubelets (tcp 10250 between members), so the Canal twins differ in UDP
# 8472 alone
KUBELET_RULE = VXLAN_RULE.model_copy(
    update={"protocol": "tcp", "port_range_min": 10250, "port_range_max": 10250}
)


def _nodes_group(*extra: RuleSpec) -> SecurityGroupSpec:
    """`k8s-nodes` as the seed cloud has it (ssh, 6443, icmp from anywhere), plus `extra`."""
    return SecurityGroupSpec(
        name=seed.NODES_GROUP,
        description=seed.NODES_GROUP_DESCRIPTION,
        rules=(*_NODES_BASE, *extra),
    )


class Scenario(_Frozen):
    """One state of the incident the lab can reproduce."""

    name: str
    summary: str
    encapsulation: Encapsulation = Encapsulation.VXLAN_CROSS_SUBNET
    # "canal": flannel's VXLAN between nodes, Calico's CNI plugin for pods; "antrea": hybrid
    cni: CNI = "calico"
    nat_outgoing: bool = False
    router_routes_to_pods: bool = True
    network_mtu: int = seed.NETWORK_MTU
    vm_nic_mtu: int = seed.NETWORK_MTU
    port_security: bool = True
    allowed_pairs: tuple[str, ...] = ()
    node_groups: tuple[str, ...] = (seed.DEFAULT_GROUP, seed.NODES_GROUP)
    security_groups: tuple[SecurityGroupSpec, ...] = (DEFAULT_GROUP, _nodes_group())  # the seed's
    backend: NeutronBackend = NeutronBackend.ML2_OVS
    dual_stack: bool = False
    second_pool: bool = False  # a second Calico IPv4 pool (topology_layout.SECOND_POOL)
    expected: ExpectedProbes

    def topology(self, *, prefix: str, nodes: int) -> Topology:
        """The lab layout for this scenario with `nodes` nodes."""
        return build_topology(
            prefix=prefix,
            nodes=nodes,
            encapsulation=self.encapsulation,
            nat_outgoing=self.nat_outgoing,
            router_routes_to_pods=self.router_routes_to_pods,
            network_mtu=self.network_mtu,
            vm_nic_mtu=self.vm_nic_mtu,
            dual_stack=self.dual_stack,
            second_pool=self.second_pool,
            cni=self.cni,
        )


_ALL_OK = ExpectedProbes(
    dns=True,
    kubernetes_tcp=True,
    kubernetes_tls=True,
    egress_http=True,
    pod_to_pod=True,
    bulk_transfer=True,
)


def _all_ok_but(*failing: str) -> ExpectedProbes:
    """Every standard probe answers except `failing` (and the ClusterIP ping, which never does)."""
    return ExpectedProbes.model_validate({**_ALL_OK.model_dump(), **dict.fromkeys(failing, False)})


_ONLY_POD_TO_POD_BROKEN = _all_ok_but("dns", "pod_to_pod", "bulk_transfer")


def _ipv6_expected(passing: bool) -> dict[str, bool]:
    """The IPv6 probes of a dual-stack lab: all pass or all fail; the ClusterIP ping never answers."""
    names = ("dns", "kubernetes_tcp", "kubernetes_tls", "egress_http", "pod_to_pod")
    return {**{f"{name}_ipv6": passing for name in names}, "ping_cluster_ip_ipv6": False}


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="seed",
        summary="The incident: Calico VXLANCrossSubnet in one subnet (all pod traffic native), "
        "port security on, no allowed pairs, natOutgoing off. Everything from a pod times out.",
        expected=_all_ok_but(
            "dns", "kubernetes_tcp", "kubernetes_tls", "egress_http", "pod_to_pod", "bulk_transfer"
        ),
    ),
    Scenario(
        name="seed-natoutgoing",
        summary="As seed but with Calico natOutgoing on (Calico's default): traffic to node IPs and "
        "the internet is masqueraded and passes; pod-to-pod (DNS to CoreDNS on another node) breaks.",
        nat_outgoing=True,
        expected=_ONLY_POD_TO_POD_BROKEN,
    ),
    Scenario(
        name="fixed",
        summary="Fix B: allowed address pair 10.244.0.0/16 on every node port, port security kept on.",
        allowed_pairs=(POD_CIDR,),
        expected=_ALL_OK,
    ),
    Scenario(
        name="fixed-no-router-routes",
        summary="Pairs added as in fixed, natOutgoing off, but the Neutron router has no routes "
        "back to the pod blocks: pod packets leave through its SNAT, the replies are lost.",
        allowed_pairs=(POD_CIDR,),
        router_routes_to_pods=False,
        expected=_all_ok_but("egress_http"),
    ),
    Scenario(
        name="fixed-ovn",
        summary="Pairs added as in fixed, but on ML2/OVN: remote-group rules match fixed IPs only, "
        "so pod-sourced packets still meet no ingress rule (except tcp/6443 from anywhere).",
        allowed_pairs=(POD_CIDR,),
        backend=NeutronBackend.ML2_OVN,
        expected=_ONLY_POD_TO_POD_BROKEN,
    ),
    Scenario(
        name="port-security-off",
        summary="Fix A: port security disabled (no groups, no pairs) on every node port.",
        port_security=False,
        node_groups=(),
        expected=_ALL_OK,
    ),
    Scenario(
        name="vxlan-no-4789",
        summary="Calico VXLAN Always with natOutgoing; the node ports carry only k8s-nodes, which "
        "lacks UDP 4789: pod-to-pod (and DNS) break, the rest is masqueraded and passes.",
        encapsulation=Encapsulation.VXLAN,
        nat_outgoing=True,
        node_groups=(seed.NODES_GROUP,),
        expected=_ONLY_POD_TO_POD_BROKEN,
    ),
    Scenario(
        name="vxlan-ok",
        summary="Calico VXLAN Always with natOutgoing; k8s-nodes allows UDP 4789 from its members.",
        encapsulation=Encapsulation.VXLAN,
        nat_outgoing=True,
        node_groups=(seed.NODES_GROUP,),
        security_groups=(DEFAULT_GROUP, _nodes_group(VXLAN_RULE)),
        expected=_ALL_OK,
    ),
    Scenario(
        name="mtu-bad",
        summary="As vxlan-ok, but the VMs were not told the network MTU: NIC 1500 on a 1450 "
        "network, so Calico picks pod MTU 1450 and full VXLAN frames (1500) are dropped at the "
        "tap. Small requests work, a 4 MiB transfer stalls.",
        encapsulation=Encapsulation.VXLAN,
        nat_outgoing=True,
        vm_nic_mtu=1500,
        node_groups=(seed.NODES_GROUP,),
        security_groups=(DEFAULT_GROUP, _nodes_group(VXLAN_RULE)),
        expected=_all_ok_but("bulk_transfer"),
    ),
    Scenario(
        name="dualstack-ipv6-broken",
        summary="Dual-stack (pods have 10.244.x and fd00:10:244:x addresses, nodes an IPv6 fixed "
        "IP too), the seed fixed for IPv4 only: the pair 10.244.0.0/16 is on every node port but "
        "fd00:10:244::/56 is not, so IPv4 works and IPv6 pod traffic is dropped by anti-spoofing.",
        dual_stack=True,
        allowed_pairs=(POD_CIDR,),
        expected=_ALL_OK.model_copy(update=_ipv6_expected(False)),
    ),
    Scenario(
        name="dualstack-fixed",
        summary="The fixed twin of dualstack-ipv6-broken: pairs for both pod CIDRs "
        "(10.244.0.0/16 and fd00:10:244::/56) on every node port; both families pass.",
        dual_stack=True,
        allowed_pairs=(POD_CIDR, POD_CIDR6),
        expected=_ALL_OK.model_copy(update=_ipv6_expected(True)),
    ),
    Scenario(
        name="two-pools",
        summary="Two Calico IPv4 pools, both routed natively: the default 10.244.0.0/16 and "
        "10.245.0.0/16 with one echo pod per node. The pair 10.244.0.0/16 is on every node port, "
        "so the default pool's pods pass and the second pool's are dropped by anti-spoofing.",
        second_pool=True,
        allowed_pairs=(POD_CIDR,),
        expected=_ALL_OK,
    ),
    Scenario(
        name="canal-vxlan-ok",
        summary="Canal (Calico policy, flannel VXLAN: flannel.1, VNI 1, UDP 8472; flannel's "
        "--ip-masq and the natOutgoing of calico-node's default pool); the pair 10.244.0.0/16 "
        "on every node port and k8s-nodes allows tcp 10250 and UDP 8472 from its members.",
        cni="canal",
        encapsulation=Encapsulation.VXLAN,
        nat_outgoing=True,
        allowed_pairs=(POD_CIDR,),
        node_groups=(seed.NODES_GROUP,),
        security_groups=(DEFAULT_GROUP, _nodes_group(KUBELET_RULE, FLANNEL_VXLAN_RULE)),
        expected=_ALL_OK,
    ),
    Scenario(
        name="canal-no-8472",
        summary="As canal-vxlan-ok, but k8s-nodes lacks UDP 8472: flannel's VXLAN between the "
        "nodes is dropped, so pod-to-pod (and DNS) break; the rest is masqueraded and passes.",
        cni="canal",
        encapsulation=Encapsulation.VXLAN,
        nat_outgoing=True,
        allowed_pairs=(POD_CIDR,),
        node_groups=(seed.NODES_GROUP,),
        security_groups=(DEFAULT_GROUP, _nodes_group(KUBELET_RULE)),
        expected=_ONLY_POD_TO_POD_BROKEN,
    ),
    Scenario(
        name="antrea-hybrid",
        summary="Antrea in hybrid mode, every node in one subnet: pod traffic between nodes "
        "routed natively, pod egress masqueraded by the agent, the Egress feature on (its CRDs "
        "served, no Egress yet); the pair 10.244.0.0/16 on every node port.",
        cni="antrea",
        encapsulation=Encapsulation.NONE,
        nat_outgoing=True,
        allowed_pairs=(POD_CIDR,),
        expected=_ALL_OK,
    ),
)


def scenario_names() -> list[str]:
    """Names of the registered scenarios, in registration order."""
    return [s.name for s in SCENARIOS]


def get_scenario(name: str) -> Scenario:
    """The registered scenario called `name` (LabInputError when unknown)."""
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    raise LabInputError(
        Msg("lab.x.scenario", name=repr(name)),
        Msg("lab.x.choose", names=", ".join(scenario_names())),
    )
