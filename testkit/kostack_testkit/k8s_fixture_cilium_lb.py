"""Cilium's LB IPAM objects to add to a Cilium cluster fixture: the CRD
ciliumloadbalancerippools.cilium.io (cluster-scoped; served as v2 and v2alpha1 from Cilium 1.18,
v2alpha1 alone before) and CiliumLoadBalancerIPPools (spec.blocks, disabled, serviceSelector),
as cilium/cilium pkg/k8s/apis/cilium.io/client/crds/v2/ciliumloadbalancerippools.yaml defines
them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kostack_lab.kube_objects import JsonObject, crd_object, object_meta

KIND = "CiliumLoadBalancerIPPool"
PLURAL = "ciliumloadbalancerippools"


def pool_crd(version: str = "v2") -> JsonObject:
    """The CRD serving ``version`` alone (v2alpha1: Cilium before 1.18)."""
    crd = crd_object("cilium.io", KIND, PLURAL, version=version, status_subresource=True)
    return crd


def lb_pool(
    name: str,
    blocks: Sequence[Mapping[str, str]],
    *,
    version: str = "v2",
    selector: Mapping[str, Any] | None = None,
    disabled: bool = False,
) -> JsonObject:
    spec: JsonObject = {"blocks": [dict(b) for b in blocks], "disabled": disabled}
    if selector is not None:
        spec["serviceSelector"] = dict(selector)
    return {
        "apiVersion": f"cilium.io/{version}",
        "kind": KIND,
        "metadata": object_meta(KIND, name, created=7.0, generation=True),
        "spec": spec,
    }


def cilium_crd(kind: str, plural: str, version: str = "v2alpha1") -> JsonObject:
    """Another cilium.io CRD (CiliumL2AnnouncementPolicy, CiliumBGPAdvertisement,
    CiliumBGPPeeringPolicy: v2alpha1)."""
    return crd_object("cilium.io", kind, plural, version=version, status_subresource=True)


def l2_policy(
    name: str,
    *,
    load_balancer_ips: bool = True,
    services: Mapping[str, Any] | None = None,
    nodes: Mapping[str, Any] | None = None,
) -> JsonObject:
    """A CiliumL2AnnouncementPolicy (cilium v2alpha1 l2announcement_types.go)."""
    spec: JsonObject = {"loadBalancerIPs": load_balancer_ips}
    if services is not None:
        spec["serviceSelector"] = dict(services)
    if nodes is not None:
        spec["nodeSelector"] = dict(nodes)
    kind = "CiliumL2AnnouncementPolicy"
    return {
        "apiVersion": "cilium.io/v2alpha1",
        "kind": kind,
        "metadata": object_meta(kind, name, created=7.0, generation=True),
        "spec": spec,
    }


# the selector Cilium's documentation gives to advertise every Service (a nil one: none)
EVERY_SERVICE: Final[Mapping[str, Any]] = {
    "matchExpressions": [{"key": "somekey", "operator": "NotIn", "values": ["never-used-value"]}]
}


def bgp_advertisement(
    name: str,
    addresses: Sequence[str] = ("LoadBalancerIP",),
    labels: Mapping[str, str] | None = None,
    selector: Mapping[str, Any] | None = EVERY_SERVICE,
) -> JsonObject:
    """A CiliumBGPAdvertisement of Services' addresses (cilium v2alpha1 bgp_advert_types.go);
    ``selector`` None: none written."""
    kind = "CiliumBGPAdvertisement"
    ad: JsonObject = {"advertisementType": "Service", "service": {"addresses": list(addresses)}}
    if selector is not None:
        ad["selector"] = dict(selector)
    return {
        "apiVersion": "cilium.io/v2alpha1",
        "kind": kind,
        "metadata": object_meta(kind, name, labels=labels, created=7.0, generation=True),
        "spec": {"advertisements": [ad]},
    }


def bgp_cluster_config(
    name: str, nodes: Mapping[str, Any] | None, peer_configs: Sequence[str | None]
) -> JsonObject:
    """A CiliumBGPClusterConfig with one instance, a peer per entry of ``peer_configs`` (its
    peerConfigRef name; None: none) (cilium v2 bgp_cluster_types.go)."""
    kind = "CiliumBGPClusterConfig"
    peers: list[JsonObject] = []
    for i, ref in enumerate(peer_configs):
        peer: JsonObject = {
            "name": f"peer-{i}",
            "peerASN": 65000,
            "peerAddress": f"10.0.0.{250 - i}",
        }
        if ref is not None:
            peer["peerConfigRef"] = {"name": ref}
        peers.append(peer)
    spec: JsonObject = {
        "bgpInstances": [{"name": "instance-65001", "localASN": 65001, "peers": peers}]
    }
    if nodes is not None:
        spec["nodeSelector"] = dict(nodes)
    return {
        "apiVersion": "cilium.io/v2",
        "kind": kind,
        "metadata": object_meta(kind, name, created=7.0, generation=True),
        "spec": spec,
    }


def bgp_peer_config(name: str, families: Sequence[Mapping[str, Any]]) -> JsonObject:
    """A CiliumBGPPeerConfig (cilium v2 bgp_peer_types.go): ``families`` as written."""
    kind = "CiliumBGPPeerConfig"
    return {
        "apiVersion": "cilium.io/v2",
        "kind": kind,
        "metadata": object_meta(kind, name, created=7.0, generation=True),
        "spec": {"families": [dict(f) for f in families]},
    }
