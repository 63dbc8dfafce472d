"""Snapshot records for virtual IPs that nodes answer for: MetalLB's pools and advertisements,
kube-vip's settings, kubeadm's controlPlaneEndpoint (docs/facts.md "Virtual IPs").

No Neutron port owns these addresses: a node answers ARP/NDP for them (MetalLB's L2 mode,
kube-vip with vip_arp) or routes them (BGP), so Neutron's anti-spoofing decides whether they
work. ``VirtualIPs.metallb`` None means MetalLB was not seen; its ``pools`` None means its
IPAddressPools could not be read (a gap says why); its ``peers`` None that its BGPPeers were
not (a snapshot from before they were read says None too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeVar

from pydantic import Field

from kostack.model.types import IP, CIDRSet, Label, Name
from kostack.model.types import Record as _Record

SelectorOperator = Literal["In", "NotIn", "Exists", "DoesNotExist"]


class LabelExpression(_Record):
    """One matchExpressions entry of a Kubernetes LabelSelector."""

    key: Name
    operator: SelectorOperator
    values: tuple[Name, ...] = ()


class LabelSelector(_Record):
    """A Kubernetes LabelSelector (matchLabels and matchExpressions, ANDed; empty: all)."""

    match_labels: dict[str, str] = Field(default_factory=dict)
    match_expressions: tuple[LabelExpression, ...] = ()

    def selects(self, labels: Mapping[str, str]) -> bool:
        """Kubernetes LabelSelector semantics: every matchLabels pair and every expression."""
        if any(labels.get(k) != v for k, v in self.match_labels.items()):
            return False
        for e in self.match_expressions:
            present = e.key in labels
            if e.operator == "In" and not (present and labels[e.key] in e.values):
                return False
            if e.operator == "NotIn" and present and labels[e.key] in e.values:
                return False
            if e.operator == "Exists" and not present:
                return False
            if e.operator == "DoesNotExist" and present:
                return False
        return True


class MetalLBPool(_Record):
    """An IPAddressPool (metallb.io/v1beta1): its addresses as CIDRs (a start-end range is
    the CIDRs that cover exactly it)."""

    name: Name
    namespace: Name = ""
    cidrs: CIDRSet = ()
    # spec.addresses as written (a range stays "a-b")
    addresses: tuple[Name, ...] = ()
    auto_assign: bool = True
    labels: dict[str, str] = Field(default_factory=dict)


class MetalLBAdvertisement(_Record):
    """An L2Advertisement or BGPAdvertisement: which pools, from which nodes. No pool named
    or selected: every pool; no node selector: every node (MetalLB api/v1beta1)."""

    name: Name
    kind: Literal["l2", "bgp"]
    namespace: Name = ""
    pools: tuple[Name, ...] = ()
    pool_selectors: tuple[LabelSelector, ...] = ()
    node_selectors: tuple[LabelSelector, ...] = ()
    interfaces: tuple[Name, ...] = ()
    # a BGPAdvertisement's spec.peers: the BGPPeers (by name) it goes to; empty: every peer
    peers: tuple[Name, ...] = ()


class MetalLBPeer(_Record):
    """A BGPPeer (metallb.io/v1beta2): the speakers on the nodes its nodeSelectors select
    (every node when it has none) hold a BGP session with it. No password is kept."""

    name: Name
    namespace: Name = ""
    # spec.peerAddress; None: unnumbered (spec.interface) or not an IP
    address: IP | None = None
    interface: Name | None = None
    my_asn: int = 0
    # spec.peerASN; None: spec.dynamicASN (internal, external) instead
    peer_asn: int | None = None
    node_selectors: tuple[LabelSelector, ...] = ()
    # spec.peerPort (the CRD defaults it to 179) and spec.sourceAddress: the speaker dials
    # peerAddress:peerPort from sourceAddress (the kernel's choice when unset)
    port: int = 179
    source_address: IP | None = None


class FlagPlace(_Record):
    """Where a MetalLB container writes ``--lb-class`` in its workload's pod template, so a
    JSON patch can change it: the container's index in ``spec.containers``, the flag's index in
    its ``args`` (None: not given there) and its words as written (``--lb-class=x``, or
    ``--lb-class`` and ``x``). Unset on the speaker or controller: the flag is also in the
    command, given twice, or not readable."""

    container: int = Field(ge=0)
    index: int | None = Field(default=None, ge=0)
    words: tuple[Name, ...] = ()


class MetalLBSpeaker(_Record):
    """What the speaker's container says (speaker/main.go flags, each defaulting to its
    environment variable): the namespace whose objects it uses (``--namespace``, else
    METALLB_NAMESPACE, else its pod's; None: set from something kostack does not read),
    and whether it ignores the exclude-from-external-load-balancers label
    (``--ignore-exclude-lb``; None: not known), and its ``--lb-class`` (the Services it
    announces, as the controller's: "" those without spec.loadBalancerClass; None: not known).
    """

    namespace: Name | None = None
    ignore_exclude_lb: bool | None = None
    lb_class: Name | None = ""
    # the DaemonSet that runs it ("daemonset/<name>", collect/_occm.py ``workload``) and where
    # its --lb-class is written (None: not known)
    workload: Name | None = None
    lb_class_at: FlagPlace | None = None


class MetalLBController(_Record):
    """What MetalLB's controller container says (controller/main.go): ``--lb-class``, the
    Services it gives addresses to: "" (the flag's default) those without
    spec.loadBalancerClass, else only those of that class; None: set from something kostack
    does not read."""

    lb_class: Name | None = ""
    # as the speaker's
    workload: Name | None = None
    lb_class_at: FlagPlace | None = None


class MetalLB(_Record):
    namespace: Name
    version: Name | None = None
    # the Helm release its pods name (label app.kubernetes.io/instance beside
    # app.kubernetes.io/name=metallb, the chart's selector labels); None: not installed so
    helm_release: Name | None = None
    # None: no speaker pod seen, or a snapshot from before it was read (every object counts,
    # every selected node may announce)
    speaker: MetalLBSpeaker | None = None
    # None: no controller pod seen, or a snapshot from before it was read (which Services
    # MetalLB takes is not known)
    controller: MetalLBController | None = None
    # None: not read (a gap says why); () : none defined
    pools: tuple[MetalLBPool, ...] | None = None
    advertisements: tuple[MetalLBAdvertisement, ...] | None = None
    # None: not read (a gap says why, or a snapshot from before they were read)
    peers: tuple[MetalLBPeer, ...] | None = None

    def scoped(self) -> MetalLB:
        """MetalLB with only the pools, advertisements and peers of its speaker's namespace,
        the only ones it uses (all when that namespace is not known): the one place both the
        checks and the load balancer's analysis take MetalLB's objects from."""
        ns = self.speaker.namespace if self.speaker is not None else None
        if ns is None:
            return self
        return self.model_copy(
            update={
                "pools": _in(ns, self.pools),
                "advertisements": _in(ns, self.advertisements),
                "peers": _in(ns, self.peers),
            }
        )

    def ignored(self) -> list[str]:
        """The objects outside the speaker's namespace, which MetalLB does not use ("Kind
        namespace/name"); none when that namespace is not known."""
        ns = self.speaker.namespace if self.speaker is not None else None
        if ns is None:
            return []
        kinds = {"l2": "L2Advertisement", "bgp": "BGPAdvertisement"}
        found = [
            *(("IPAddressPool", p.namespace, p.name) for p in self.pools or ()),
            *((kinds[a.kind], a.namespace, a.name) for a in self.advertisements or ()),
            *(("BGPPeer", p.namespace, p.name) for p in self.peers or ()),
        ]
        return [f"{kind} {space}/{name}" for kind, space, name in found if space != ns]


_T = TypeVar("_T", MetalLBPool, MetalLBAdvertisement, MetalLBPeer)


def _in(namespace: str, items: tuple[_T, ...] | None) -> tuple[_T, ...] | None:
    """The items of one namespace; None (not read) stays None."""
    return None if items is None else tuple(i for i in items if i.namespace == namespace)


class KubeVip(_Record):
    """One kube-vip pod's settings (its container's environment, pkg/kubevip/config_envvar.go)."""

    namespace: Name
    pod: Name
    node: Name | None = None
    image: Label = ""
    # env address (else vip_address): an IP or a DNS name
    address: Name | None = None
    arp: bool = False
    bgp: bool = False
    control_plane: bool = False
    services: bool = False
    interface: Name | None = None


class CloudController(_Record):
    """The OpenStack cloud controller (OCCM) as the pod list shows it: ``found`` an OCCM pod
    runs in the cluster (it may also run outside it, which the pods cannot show), and whether
    its ``--controllers`` runs the service controller (k8s.io/controller-manager
    ``IsControllerEnabled``; None: not known), and its cloud.conf's ``[LoadBalancer]
    enabled`` (the only value kostack keeps from that Secret; None: not read) with the Secret
    and key it was read from (``namespace/name key``)."""

    found: bool
    namespace: Name | None = None
    pod: Name | None = None
    # the workload that runs the pod, from its ownerReferences (collect/_occm.py ``workload``):
    # "daemonset/<name>", "deployment/<name>" or "statefulset/<name>"; None: not known (no
    # controller owner, a ReplicaSet kostack cannot tie to a Deployment, a static pod, or a
    # snapshot from before it was read)
    workload: Name | None = None
    service_controller: bool | None = None
    load_balancer_enabled: bool | None = None
    cloud_config: Name | None = None


class LBController(_Record):
    """Another controller that gives Services of type LoadBalancer their addresses, seen by its
    pods: k3s's ServiceLB (klipper-lb: one ``svclb-*`` pod per Service and node, labelled with
    the Service's name and namespace) or kube-vip-cloud-provider (its image)."""

    kind: Literal["servicelb", "kube-vip-cloud-provider"]
    namespace: Name
    pod: Name
    # the class of Services it takes: "" those without one; None: not known
    lb_class: Name | None = ""
    # ServiceLB: the Services (namespace/name) its pods serve
    services: tuple[Name, ...] = ()


class CiliumLBPool(_Record):
    """A CiliumLoadBalancerIPPool (cilium.io/v2 or v2alpha1): the addresses Cilium's LB IPAM
    gives Services of type LoadBalancer (its blocks, a start-stop range as the CIDRs that cover
    it), whether it is disabled (no new address), and which Services it serves (None: every
    one; matched against the Service's labels and io.kubernetes.service.namespace/name)."""

    name: Name
    cidrs: CIDRSet = ()
    disabled: bool = False
    service_selector: LabelSelector | None = None
    # what of it did not parse ("spec.blocks[1]", "spec.serviceSelector"); None: all of it
    # did. Such a pool keeps what parsed: an unparsed selector may select any Service, and
    # unparsed blocks may hold any address (a gap names the pool and the reason)
    unread: Name | None = None


class CiliumLBConfig(_Record):
    """cilium-config's keys that decide who serves a Service of type LoadBalancer without a
    class (docs/facts.md "Cilium LB IPAM"): ``default-lb-service-ipam`` (lbipam, the default;
    nodeipam; none; None: a value kostack does not know), ``enable-lb-ipam`` (default true),
    ``enable-node-ipam`` (default false), and what announces LB IPAM's addresses:
    ``enable-l2-announcements`` and ``enable-bgp-control-plane`` (both default false)."""

    default_ipam: Literal["lbipam", "nodeipam", "none"] | None = "lbipam"
    lb_ipam: bool = True
    node_ipam: bool = False
    l2_announcements: bool = False
    bgp_control_plane: bool = False


class CiliumAnnouncer(_Record):
    """What announces Cilium LB IPAM's addresses to the network: a CiliumL2AnnouncementPolicy
    with ``loadBalancerIPs`` (kind "l2", from the nodes its ``nodeSelector`` selects, None:
    every node), or the BGP control plane (kind "bgp": a CiliumBGPAdvertisement of Services'
    LoadBalancerIP, or a CiliumBGPPeeringPolicy virtual router's ``serviceSelector``), for the
    Services its selector selects (None: every Service)."""

    kind: Literal["l2", "bgp"]
    name: Name
    service_selector: LabelSelector | None = None
    node_selector: LabelSelector | None = None
    # a CiliumBGPAdvertisement's metadata.labels (a CiliumBGPPeerConfig family's
    # ``advertisements`` selector picks it by them)
    labels: dict[str, str] = Field(default_factory=dict)
    # a CiliumBGPPeeringPolicy's virtual router (``node_selector`` is the policy's; None:
    # every node); False: an advertisement, placed through CiliumBGP
    peering: bool = False
    # an L2 policy's spec.interfaces: regular expressions over the nodes' interface names
    # (empty: any interface)
    interfaces: tuple[Name, ...] = ()
    # what of it Cilium refuses (a selector LabelSelectorAsSelector refuses, an interface
    # regular expression that does not compile), each "field: why"; its selectors are then
    # not read (docs/facts.md "Cilium selectors that do not parse"): an L2 policy so refused
    # announces nothing, a BGP one leaves what its nodes advertise not known
    refused: tuple[str, ...] = ()


class CiliumBGPFamily(_Record):
    """One family of a CiliumBGPPeerConfig: ``afi`` (ipv4, ipv6) and its ``advertisements``
    selector over CiliumBGPAdvertisements' labels (None: none advertised)."""

    afi: Name
    advertisements: LabelSelector | None = None


class CiliumBGPPeerConfig(_Record):
    """A CiliumBGPPeerConfig: its families; empty: the defaults, which advertise nothing."""

    name: Name
    families: tuple[CiliumBGPFamily, ...] = ()


class CiliumBGPClusterConfig(_Record):
    """A CiliumBGPClusterConfig: the nodes ``nodeSelector`` selects (None: every node) run
    its BGP instances, whose peers take their families from the CiliumBGPPeerConfigs their
    ``peerConfigRef`` names (``peer_configs``; a peer without one advertises nothing)."""

    name: Name
    node_selector: LabelSelector | None = None
    peer_configs: tuple[Name, ...] = ()


class CiliumBGPPeering(_Record):
    """A CiliumBGPPeeringPolicy's name and node selector (None: every node): a node two of
    them select applies none, and one selects takes it over any CiliumBGPClusterConfig."""

    name: Name
    node_selector: LabelSelector | None = None


class CiliumBGP(_Record):
    """Cilium's BGP control plane: which nodes announce a CiliumBGPAdvertisement (docs/facts.md
    "Cilium BGP announcing nodes"). ``unread``: objects whose selectors did not parse (which
    nodes they place is not known)."""

    cluster_configs: tuple[CiliumBGPClusterConfig, ...] = ()
    peer_configs: tuple[CiliumBGPPeerConfig, ...] = ()
    peering_policies: tuple[CiliumBGPPeering, ...] = ()
    unread: tuple[Name, ...] = ()


class VirtualIPs(_Record):
    """What announces addresses no Neutron port owns, and who serves Services of type
    LoadBalancer."""

    metallb: MetalLB | None = None
    # None: a snapshot from before the cloud controller's pod was looked for
    occm: CloudController | None = None
    kube_vip: tuple[KubeVip, ...] = ()
    # ServiceLB's and kube-vip-cloud-provider's pods (model: LBController)
    lb_controllers: tuple[LBController, ...] = ()
    # k3s's ServiceLB, from a k3s server's node-args (collect/_k3s.py ``servicelb``), before any
    # svclb pod exists: "on" (not disabled), "off" (--disable servicelb), "unknown" (k3s runs
    # the nodes but its server's flags are not all readable); None: not k3s, or a snapshot
    # from before it was read
    servicelb: Literal["on", "off", "unknown"] | None = None
    # Cilium's LB IPAM pools (collect/_cilium_lb.py): None not read (not Cilium, a gap says
    # why, or a snapshot from before); () none defined
    cilium_pools: tuple[CiliumLBPool, ...] | None = None
    # cilium-config's LoadBalancer keys (CiliumLBConfig); None: not Cilium, or not read
    cilium_lb: CiliumLBConfig | None = None
    # what announces LB IPAM's addresses (L2 policies, BGP); () nothing (both features off, or
    # no such object); None: not read (a gap says why), or not Cilium
    cilium_announcers: tuple[CiliumAnnouncer, ...] | None = None
    # the BGP control plane's node placement (CiliumBGP); None: not read (a gap says why), BGP
    # off, not Cilium, or a snapshot from before it was read
    cilium_bgp: CiliumBGP | None = None
    # kubeadm ClusterConfiguration controlPlaneEndpoint (host[:port]); None: not set or unread
    control_plane_endpoint: Name | None = None
