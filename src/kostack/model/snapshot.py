"""The snapshot: everything kostack knows about one OpenStack project and one cluster.

A snapshot is the single input of every analysis. It is plain data, versioned
(``schema_version``) and documented in docs/snapshot.md. Collections that were
not collected are ``None`` (unknown), never an empty tuple: an empty tuple
means "collected, and there are none". Checks rely on that difference to answer
UNKNOWN rather than PASS.

The records of the OpenStack side are in model/neutron.py, those of the Kubernetes side in
model/cluster.py; this module holds the snapshot itself, the node-to-port links and the probe
observations, and re-exports every record.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import Field

from kostack.model.cluster import (
    Cluster,
    IPFamily,
    IPFamilyPolicy,
    KubeProxyMode,
    LoadBalancerIngress,
    Node,
    NodeAddress,
    Pod,
    Service,
    ServiceEndpoint,
    ServicePort,
    ServiceProtocol,
)
from kostack.model.cni import (
    CNI,
    Antrea,
    Calico,
    CalicoBGPPeer,
    CalicoBlock,
    CalicoFelixNode,
    CalicoIPPool,
    Cilium,
    CiliumNodeIPAM,
    CNIType,
    EncapMode,
    Flannel,
    KubeOvn,
    KubeOvnIPPool,
    KubeOvnSubnet,
    KubeRouter,
)
from kostack.model.helm import (
    ClaimTemplate,
    ContainerState,
    HelmRelease,
    HelmRevision,
    HelmState,
    KubeEvent,
    ManifestObject,
    ManifestPVC,
    ManifestStatefulSet,
    PersistentVolume,
    PersistentVolumeClaim,
    ReleaseStatus,
    StatefulSet,
    WorkloadPod,
)
from kostack.model.loadbalancer import FloatingIP, LoadBalancer, LoadBalancerQuota
from kostack.model.neutron import (
    AllocationPool,
    AllowedAddressPair,
    Direction,
    EtherType,
    FixedIP,
    IPv6Mode,
    Network,
    NeutronBackend,
    OpenStack,
    Port,
    Router,
    RouterRoute,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from kostack.model.ovnk import OvnKubernetes
from kostack.model.types import (
    CIDR,
    IP,
    MAC,
    CIDRSet,
    Gap,
    IPAddress,
    IPNetwork,
    Label,
    Name,
    Once,
    Record,
    StrSet,
    Text,
)
from kostack.model.vip import (
    CiliumAnnouncer,
    CiliumBGP,
    CiliumBGPClusterConfig,
    CiliumBGPFamily,
    CiliumBGPPeerConfig,
    CiliumBGPPeering,
    CiliumLBConfig,
    CiliumLBPool,
    CloudController,
    FlagPlace,
    KubeVip,
    LabelSelector,
    LBController,
    MetalLB,
    MetalLBAdvertisement,
    MetalLBController,
    MetalLBPeer,
    MetalLBPool,
    MetalLBSpeaker,
    VirtualIPs,
)

# The records and types defined in kostack.model.types, .helm, .neutron and .cluster are part
# of this module's interface: kostack imports every snapshot record from here.
__all__ = [
    "CIDR",
    "CNI",
    "IP",
    "MAC",
    "SCHEMA_VERSION",
    "AllocationPool",
    "AllowedAddressPair",
    "Antrea",
    "CIDRSet",
    "CNIType",
    "Calico",
    "CalicoBGPPeer",
    "CalicoBlock",
    "CalicoFelixNode",
    "CalicoIPPool",
    "Cilium",
    "CiliumAnnouncer",
    "CiliumBGP",
    "CiliumBGPClusterConfig",
    "CiliumBGPFamily",
    "CiliumBGPPeerConfig",
    "CiliumBGPPeering",
    "CiliumLBConfig",
    "CiliumLBPool",
    "CiliumNodeIPAM",
    "ClaimTemplate",
    "CloudController",
    "Cluster",
    "ContainerState",
    "Direction",
    "EncapMode",
    "EtherType",
    "FixedIP",
    "FlagPlace",
    "Flannel",
    "FloatingIP",
    "Gap",
    "HelmRelease",
    "HelmRevision",
    "HelmState",
    "IPAddress",
    "IPFamily",
    "IPFamilyPolicy",
    "IPNetwork",
    "IPv6Mode",
    "KubeEvent",
    "KubeOvn",
    "KubeOvnIPPool",
    "KubeOvnSubnet",
    "KubeProxyMode",
    "KubeRouter",
    "KubeVip",
    "LBController",
    "Label",
    "LabelSelector",
    "LoadBalancer",
    "LoadBalancerIngress",
    "LoadBalancerQuota",
    "ManifestObject",
    "ManifestPVC",
    "ManifestStatefulSet",
    "MetalLB",
    "MetalLBAdvertisement",
    "MetalLBController",
    "MetalLBPeer",
    "MetalLBPool",
    "MetalLBSpeaker",
    "Name",
    "Network",
    "NeutronBackend",
    "Node",
    "NodeAddress",
    "NodePort",
    "Once",
    "OpenStack",
    "OvnKubernetes",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Pod",
    "Port",
    "ProbeObservation",
    "ProbeVerdict",
    "Record",
    "ReleaseStatus",
    "Router",
    "RouterRoute",
    "SecurityGroup",
    "SecurityGroupRule",
    "Service",
    "ServiceEndpoint",
    "ServicePort",
    "ServiceProtocol",
    "Snapshot",
    "StatefulSet",
    "StrSet",
    "Subnet",
    "Text",
    "VirtualIPs",
    "WorkloadPod",
]

SCHEMA_VERSION: Final = 3
# --------------------------------------------------------------------------- links, gaps, probes


class NodePort(Record):
    """Which Neutron port is a node's NIC, and how that was decided.

    ``note`` is English; ``note_key``/``note_params`` name the catalogue message it was said
    with (as a `Gap`'s ``key``/``params`` do), so a reader can say it in another language.
    """

    node: Name
    port_id: Name | None = None
    matched_by: Literal["provider_id", "internal_ip", "mac", "manual"] | None = None
    note: str = ""
    note_key: Name | None = None
    note_params: dict[str, Any] = Field(default_factory=dict)

    def __hash__(self) -> int:  # the parameters are a dict; equal links have equal notes
        return hash((self.node, self.port_id, self.matched_by, self.note, self.note_key))


ProbeVerdict = Literal["pass", "fail", "error", "expected-no-reply", "skipped"]


class ProbeObservation(Record):
    id: Name
    kind: Name
    source_node: Name | None = None
    source_pod: Name | None = None
    source_ip: IP | None = None
    target: Name
    target_ip: IP | None = None
    target_port: int | None = None
    # The node of a pod target ("a pod on node X"); None for services, nodes, outside.
    target_node: Name | None = None
    protocol: Name | None = None
    verdict: ProbeVerdict
    detail: str = ""
    elapsed_ms: float | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- the snapshot


class Snapshot(Record):
    schema_version: Literal[3] = SCHEMA_VERSION
    created_at: Name | None = None
    source: Name | None = None
    openstack: OpenStack | None = None
    cluster: Cluster | None = None
    node_ports: tuple[NodePort, ...] | None = None
    gaps: Annotated[tuple[Gap, ...], Once] = ()
    probes: tuple[ProbeObservation, ...] = ()
    helm: HelmState | None = None

    def gap_for(self, *prefixes: str) -> Gap | None:
        """The first gap whose source starts with the first of ``prefixes`` that has one
        (``gap_for("openstack.load_balancers", "openstack")`` prefers Octavia's own gap)."""
        for p in prefixes:
            for gap in self.gaps:
                if gap.source == p or gap.source.startswith(p + "."):
                    return gap
        return None
