"""Snapshot records for egress IPs: the addresses a CNI SNATs chosen pods' outbound traffic to,
which no Neutron port owns (docs/facts.md "Egress IPs").

Antrea's ``Egress`` (crd.antrea.io/v1beta1, v1alpha2 before v1.13) takes its IP from an
``ExternalIPPool`` (the agent on a node the pool's nodeSelector selects holds it, answers
ARP/NDP for it, and fails it over) or is given one by hand (``egressIP`` only: the user puts
it on a node; ``status.egressNode`` says which). Cilium's ``CiliumEgressGatewayPolicy``
(cilium.io/v2) sends the pods' traffic through a gateway node its ``nodeSelector`` selects,
SNATed to its ``egressIP`` (which must be on a device of that node), to the first address of
its ``interface``, or, with neither, to the first address of the default route's device.

``EgressIPs.egresses``/``pools``/``policies`` None: that list could not be read (a gap
says why); () : none defined. ``Cluster.egress_ips`` None: not collected (the CNI is neither
Antrea nor Cilium with its egress gateway enabled, or an older snapshot).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from kostack.model.cni import CNI
from kostack.model.types import IP, CIDRSet, Name
from kostack.model.types import Record as _Record
from kostack.model.vip import LabelSelector

# The Service annotation naming the ExternalIPPool Antrea gives a LoadBalancer Service its IP
# from (antrea-io/antrea pkg/agent/types/annotations.go ServiceExternalIPPoolAnnotationKey)
ANTREA_POOL_ANNOTATION = "service.antrea.io/external-ip-pool"


def service_external_ip(cni: CNI | None) -> bool | None:
    """Whether Antrea's ServiceExternalIP feature gate is on: as written in antrea-agent.conf,
    else its default (off before v2.3, on since: pkg/features/antrea_features.go); None when
    unset and the version is not known; False when Antrea is not the CNI."""
    if cni is None or cni.type != "antrea":
        return False
    if cni.antrea is not None and cni.antrea.service_external_ip is not None:
        return cni.antrea.service_external_ip
    found = re.match(r"^v?(\d+)\.(\d+)", cni.version or "")
    if found is None:
        return None
    return (int(found[1]), int(found[2])) >= (2, 3)


class ExternalIPPool(_Record):
    """An Antrea ExternalIPPool: its ipRanges as CIDRs (a start-end range is the CIDRs that
    cover exactly it) and the nodes its IPs may be assigned to."""

    name: Name
    cidrs: CIDRSet = ()
    # spec.ipRanges as written ("a/n" or "start-end")
    ranges: tuple[Name, ...] = ()
    # spec.nodeSelector (empty: every node); None: one kostack cannot evaluate
    node_selector: LabelSelector | None = Field(default_factory=LabelSelector)
    # spec.subnetInfo (Antrea v1.15+): the IPs are in another subnet, maybe on a VLAN
    other_subnet: bool = False
    vlan: int | None = None


class AntreaEgress(_Record):
    """An Antrea Egress: its IPs (spec.egressIP(s) and status.egressIP), its pools
    (externalIPPool(s)) and the node that holds its IP now (status.egressNode)."""

    name: Name
    ips: tuple[IP, ...] = ()
    pools: tuple[Name, ...] = ()
    egress_node: Name | None = None


class EgressGateway(_Record):
    """One gateway of a CiliumEgressGatewayPolicy (``egressGateway`` or an entry of
    ``egressGateways``)."""

    # None: a selector kostack cannot evaluate; an empty one selects every node
    node_selector: LabelSelector | None = Field(default_factory=LabelSelector)
    egress_ip: IP | None = None
    interface: Name | None = None


class CiliumEgressPolicy(_Record):
    name: Name
    gateways: tuple[EgressGateway, ...] = ()


class EgressIPs(_Record):
    """What SNATs pods' traffic to addresses no Neutron port owns."""

    cni: Literal["antrea", "cilium"]
    # Antrea's Egresses and ExternalIPPools
    egresses: tuple[AntreaEgress, ...] | None = None
    pools: tuple[ExternalIPPool, ...] | None = None
    # Cilium's CiliumEgressGatewayPolicies
    policies: tuple[CiliumEgressPolicy, ...] | None = None
