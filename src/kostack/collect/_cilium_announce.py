"""What announces Cilium LB IPAM's addresses (docs/facts.md "Cilium LB IPAM announcements"):
CiliumL2AnnouncementPolicies (``spec.loadBalancerIPs`` true: the Services' LB IPs are answered
for by ARP/NDP from the nodes ``spec.nodeSelector`` selects, nil every node, for the Services
``spec.serviceSelector`` selects, nil every one), listed when cilium-config
``enable-l2-announcements`` is true; and the BGP control plane's CiliumBGPAdvertisements
(``advertisementType`` ``Service`` with ``service.addresses`` holding ``LoadBalancerIP``, or the
earlier ``CiliumLoadBalancerIP``; ``selector`` nil every Service) and CiliumBGPPeeringPolicies
(each virtual router's ``serviceSelector``: nil announces no Service), listed when
``enable-bgp-control-plane`` is true. Each list is asked as ``cilium.io/v2``, then ``v2alpha1``
on a 404; none served: none of them. A list that fails otherwise is a gap, and the announcers
are not known (None)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kostack.collect._cilium_bgp import read_cilium_bgp
from kostack.collect._cilium_lb import GapSink, TextSink, list_cilium, read_cilium_pools
from kostack.collect._kube_objects import as_dict, as_list, name_of
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure
from kostack.collect._kube_vip import parse_selector
from kostack.gap_words import Msg
from kostack.model.snapshot import CiliumAnnouncer, CiliumLBConfig, LabelSelector, VirtualIPs
from kostack.shell import as_code, render

SOURCE: Final = "cluster.virtual_ips.cilium_announcers"
L2: Final = "ciliuml2announcementpolicies"
ADS: Final = "ciliumbgpadvertisements"
PEERING: Final = "ciliumbgppeeringpolicies"


def _selector(raw: object) -> LabelSelector | None:
    return parse_selector(raw) if raw is not None else None


def l2_policy(obj: Mapping[str, Any]) -> CiliumAnnouncer | None:
    spec = as_dict(obj.get("spec"))
    if spec.get("loadBalancerIPs") is not True:
        return None  # it announces no LoadBalancer IP (externalIPs only, or nothing)
    return CiliumAnnouncer(
        kind="l2",
        name=name_of(obj),
        service_selector=_selector(spec.get("serviceSelector")),
        node_selector=_selector(spec.get("nodeSelector")),
        interfaces=tuple(str(i) for i in as_list(spec.get("interfaces")) if i),
    )


def bgp_advertisements(obj: Mapping[str, Any]) -> list[CiliumAnnouncer]:
    out: list[CiliumAnnouncer] = []
    meta = as_dict(obj.get("metadata"))
    for raw in as_list(as_dict(obj.get("spec")).get("advertisements")):
        ad = as_dict(raw)
        kind = ad.get("advertisementType")
        addresses = as_list(as_dict(ad.get("service")).get("addresses"))
        if kind == "CiliumLoadBalancerIP" or (kind == "Service" and "LoadBalancerIP" in addresses):
            selector = _selector(ad.get("selector"))
            labels = {str(k): str(v) for k, v in as_dict(meta.get("labels")).items()}
            out.append(
                CiliumAnnouncer(
                    kind="bgp", name=name_of(obj), service_selector=selector, labels=labels
                )
            )
    return out


def bgp_peering(obj: Mapping[str, Any]) -> list[CiliumAnnouncer]:
    spec = as_dict(obj.get("spec"))
    nodes = _selector(spec.get("nodeSelector"))
    out: list[CiliumAnnouncer] = []
    for raw in as_list(spec.get("virtualRouters")):
        router = as_dict(raw)
        kinds = as_list(router.get("serviceAdvertisements")) or ["LoadBalancerIP"]
        if router.get("serviceSelector") is None or "LoadBalancerIP" not in kinds:
            continue  # nil: no Service announced
        selector = _selector(router.get("serviceSelector"))
        out.append(
            CiliumAnnouncer(
                kind="bgp",
                name=name_of(obj),
                service_selector=selector,
                node_selector=nodes,
                peering=True,
            )
        )
    return out


def read_cilium_announcers(
    reader: Reader,
    gap: GapSink,
    config: CiliumLBConfig | None,
    peering: list[Mapping[str, Any]] | None = None,
) -> tuple[CiliumAnnouncer, ...] | None:
    """The L2 policies and BGP advertisements that announce LB IPs, as cilium-config turns
    them on; None when a list could not be read (a gap says which). The peering policies
    listed are appended to ``peering`` (for `_cilium_bgp`)."""
    if config is None:
        return None
    out: list[CiliumAnnouncer] = []
    lists = [(L2, config.l2_announcements), (ADS, config.bgp_control_plane)]
    lists.append((PEERING, config.bgp_control_plane))
    for plural, on in lists:
        if not on:
            continue
        try:
            found = list_cilium(reader, plural)
        except ReadFailure as failure:
            argv = ["kubectl", "get", f"{plural}.cilium.io", "-o", "yaml"]
            gap(SOURCE, failure, Msg("gap.hint.cilium-announcers", command=as_code(render(argv))))
            return None
        for obj in found:
            if plural == L2:
                policy = l2_policy(obj)
                out.extend([policy] if policy is not None else [])
            elif plural == ADS:
                out.extend(bgp_advertisements(obj))
            else:
                out.extend(bgp_peering(obj))
                if peering is not None:
                    peering.append(obj)
    return tuple(out)


def with_cilium_lb(
    vips: VirtualIPs, reader: Reader, gap: GapSink, said: TextSink, config: CiliumLBConfig | None
) -> VirtualIPs:
    """``vips`` with Cilium's LB IPAM pools, cilium-config's LoadBalancer keys and what
    announces the pools' addresses (on a Cilium cluster)."""
    pools = read_cilium_pools(reader, gap, said)
    peering: list[Mapping[str, Any]] = []
    announcers = read_cilium_announcers(reader, gap, config, peering)
    # the peering policies are not known when the announcers are not: no placement either
    bgp = read_cilium_bgp(reader, gap, config, peering) if announcers is not None else None
    update = {
        "cilium_pools": pools,
        "cilium_lb": config,
        "cilium_announcers": announcers,
        "cilium_bgp": bgp,
    }
    return vips.model_copy(update=update)
