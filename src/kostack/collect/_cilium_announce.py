"""What announces Cilium LB IPAM's addresses (docs/facts.md "Cilium LB IPAM announcements"):
CiliumL2AnnouncementPolicies (``spec.loadBalancerIPs`` true: the Services' LB IPs are answered
for by ARP/NDP from the nodes ``spec.nodeSelector`` selects, nil every node, for the Services
``spec.serviceSelector`` selects, nil every one), listed when cilium-config
``enable-l2-announcements`` is true; and the BGP control plane's CiliumBGPAdvertisements
(``advertisementType`` ``Service`` with ``service.addresses`` holding ``LoadBalancerIP``, or the
earlier ``CiliumLoadBalancerIP``; ``selector`` nil no Service) and CiliumBGPPeeringPolicies
(each virtual router's ``serviceSelector``: nil announces no Service), listed when
``enable-bgp-control-plane`` is true. Each list is asked as ``cilium.io/v2``, then ``v2alpha1``
on a 404; none served: none of them. A list that fails otherwise is a gap, and the announcers
are not known (None)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from kostack.collect._cilium_bgp import read_cilium_bgp
from kostack.collect._cilium_lb import GapSink, TextSink, list_cilium, read_cilium_pools
from kostack.collect._kube_objects import as_dict, as_list, name_of
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure
from kostack.collect._label_selector import selector_error, strict_selector
from kostack.gap_words import Msg
from kostack.model.snapshot import CiliumAnnouncer, CiliumLBConfig, LabelSelector, VirtualIPs
from kostack.shell import as_code, render

SOURCE: Final = "cluster.virtual_ips.cilium_announcers"
L2: Final = "ciliuml2announcementpolicies"
ADS: Final = "ciliumbgpadvertisements"
PEERING: Final = "ciliumbgppeeringpolicies"


# RE2 (Go's regexp) has no lookaround and no backreference: Python compiles them, Cilium not
_NOT_RE2: Final = re.compile(r"\(\?<?[=!]|\\[1-9]")


def _regex_error(pattern: str) -> str | None:
    """Why Go's regexp.Compile refuses ``pattern`` (as far as Python can tell), or None."""
    if _NOT_RE2.search(pattern):
        return f"{pattern!r} is not RE2 syntax"
    if "\\p" in pattern or "\\P" in pattern or "[[:" in pattern:
        return None  # RE2's Unicode classes and POSIX classes: Python's re lacks them
    try:
        re.compile(pattern)
    except re.error as error:
        return f"{pattern!r}: {error}"
    return None


def _selector(raw: object, field: str, refused: list[str]) -> LabelSelector | None:
    """A selector (None: nil); one LabelSelectorAsSelector refuses: None, and named."""
    if raw is None:
        return None
    why = selector_error(raw)
    if why is not None:
        refused.append(f"{field}: {why}")
        return None
    return strict_selector(raw)


def l2_policy(obj: Mapping[str, Any]) -> CiliumAnnouncer | None:
    """An L2 policy that announces LB IPs; Cilium refuses one whose node selector, interface
    regular expression or service selector does not parse (pkg/l2announcer/l2announcer.go
    ``upsertPolicy``: condition io.cilium/bad-node-selector, bad-interface-regex,
    bad-service-selector) and it announces nothing: kept, ``refused`` naming why."""
    spec = as_dict(obj.get("spec"))
    if spec.get("loadBalancerIPs") is not True:
        return None  # it announces no LoadBalancer IP (externalIPs only, or nothing)
    refused: list[str] = []
    nodes = _selector(spec.get("nodeSelector"), "spec.nodeSelector", refused)
    interfaces = tuple(str(i) for i in as_list(spec.get("interfaces")) if i)
    for i, pattern in enumerate(interfaces):
        why = _regex_error(pattern)
        refused.extend([f"spec.interfaces[{i}]: {why}"] if why else [])
    services = _selector(spec.get("serviceSelector"), "spec.serviceSelector", refused)
    return CiliumAnnouncer(
        kind="l2",
        name=name_of(obj),
        service_selector=services,
        node_selector=nodes,
        interfaces=interfaces,
        refused=tuple(refused),
    )


def bgp_advertisements(obj: Mapping[str, Any]) -> list[CiliumAnnouncer]:
    """Its advertisements of Services' LoadBalancerIP: one with no ``selector`` matches no
    Service (pkg/bgpv1/manager/reconcilerv2/service.go ``getServicePrefixes``), and one whose
    selector does not parse fails the service reconciliation of each BGP instance that
    advertises it (kept, ``refused`` naming why)."""
    out: list[CiliumAnnouncer] = []
    meta = as_dict(obj.get("metadata"))
    labels = {str(k): str(v) for k, v in as_dict(meta.get("labels")).items()}
    for i, raw in enumerate(as_list(as_dict(obj.get("spec")).get("advertisements"))):
        ad = as_dict(raw)
        kind = ad.get("advertisementType")
        addresses = as_list(as_dict(ad.get("service")).get("addresses"))
        if kind == "CiliumLoadBalancerIP" or (kind == "Service" and "LoadBalancerIP" in addresses):
            if ad.get("selector") is None:
                continue  # nil: no Service
            refused: list[str] = []
            field = f"spec.advertisements[{i}].selector"
            selector = _selector(ad.get("selector"), field, refused)
            out.append(
                CiliumAnnouncer(
                    kind="bgp",
                    name=name_of(obj),
                    service_selector=selector,
                    labels=labels,
                    refused=tuple(refused),
                )
            )
    return out


def bgp_peering(obj: Mapping[str, Any]) -> list[CiliumAnnouncer]:
    spec = as_dict(obj.get("spec"))
    unparsed: list[str] = []  # the policy's node selector: its every router's
    nodes = _selector(spec.get("nodeSelector"), "spec.nodeSelector", unparsed)
    out: list[CiliumAnnouncer] = []
    for i, raw in enumerate(as_list(spec.get("virtualRouters"))):
        router = as_dict(raw)
        kinds = as_list(router.get("serviceAdvertisements")) or ["LoadBalancerIP"]
        if router.get("serviceSelector") is None or "LoadBalancerIP" not in kinds:
            continue  # nil: no Service announced
        refused = list(unparsed)
        field = f"spec.virtualRouters[{i}].serviceSelector"
        selector = _selector(router.get("serviceSelector"), field, refused)
        out.append(
            CiliumAnnouncer(
                kind="bgp",
                name=name_of(obj),
                service_selector=selector,
                node_selector=nodes,
                peering=True,
                refused=tuple(refused),
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
