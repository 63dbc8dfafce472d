"""Cilium's LB IPAM: its CiliumLoadBalancerIPPools (docs/facts.md "Cilium LB IPAM").

Cilium's operator gives Services of type LoadBalancer addresses from these cluster-scoped pools
(cilium/cilium operator/pkg/lbipam). The CRD is served as ``cilium.io/v2`` (its storage
version) from Cilium 1.18 beside ``v2alpha1``, and as ``v2alpha1`` alone before: kostack lists
v2 and, when that version is not served (404), v2alpha1: one or two paged list requests, only
on a Cilium cluster. Each pool keeps its addresses (``spec.blocks``: ``cidr``, or ``start`` and
``stop``; the older ``spec.cidrs``), ``disabled`` and ``serviceSelector``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any, Final

from kostack.collect._kube_objects import as_dict, as_list, name_of
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure
from kostack.collect._kube_vip import parse_selector
from kostack.gap_words import Msg
from kostack.model.snapshot import CiliumLBPool, IPNetwork
from kostack.shell import as_code, render

SOURCE: Final = "cluster.virtual_ips.cilium_pools"
PLURAL: Final = "ciliumloadbalancerippools"
VERSIONS: Final = ("v2", "v2alpha1")

GapSink = Callable[[str, ReadFailure, str], None]


def _block(raw: object) -> list[IPNetwork] | None:
    """One block as CIDRs; None when it does not parse."""
    block = as_dict(raw)
    try:
        if block.get("cidr"):
            return [ipaddress.ip_network(str(block["cidr"]).strip(), strict=False)]
        first = ipaddress.ip_address(str(block.get("start") or "").strip())
        last = ipaddress.ip_address(str(block.get("stop") or block.get("start")).strip())
        return list(ipaddress.summarize_address_range(first, last))
    except (ValueError, TypeError):
        return None


def parse_pool(obj: Mapping[str, Any]) -> CiliumLBPool | None:
    """A pool; None when a block or its selector does not parse."""
    spec = as_dict(obj.get("spec"))
    cidrs: list[IPNetwork] = []
    for raw in [*as_list(spec.get("blocks")), *as_list(spec.get("cidrs"))]:
        found = _block(raw)
        if found is None:
            return None
        cidrs.extend(c for c in found if c not in cidrs)
    selector = None
    if spec.get("serviceSelector") is not None:
        selector = parse_selector(spec.get("serviceSelector"))
        if selector is None:
            return None
    return CiliumLBPool(
        name=name_of(obj),
        cidrs=tuple(cidrs),
        disabled=spec.get("disabled") is True,
        service_selector=selector,
    )


def read_cilium_pools(reader: Reader, gap: GapSink) -> tuple[CiliumLBPool, ...] | None:
    """The pools (v2, else v2alpha1); None when they could not be read (a gap says why) or one
    does not parse."""
    failure: ReadFailure | None = None
    for version in VERSIONS:
        try:
            found = reader.all(
                f"GET /apis/cilium.io/{version}/{PLURAL}",
                reader.custom.list_cluster_custom_object,
                "cilium.io",
                version,
                PLURAL,
            )
        except ReadFailure as exc:
            failure = exc
            if exc.status == 404:
                continue
            break
        pools = [parse_pool(o) for o in found]
        if None in pools:
            return None
        return tuple(p for p in pools if p is not None)
    if failure is not None and failure.status != 404:
        argv = ["kubectl", "get", f"{PLURAL}.cilium.io", "-o", "yaml"]
        gap(SOURCE, failure, Msg("gap.hint.cilium-pools", command=as_code(render(argv))))
        return None
    return ()  # no version served: LB IPAM's CRD is not installed, no pool
