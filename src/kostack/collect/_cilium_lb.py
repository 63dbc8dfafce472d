"""Cilium's LB IPAM: its CiliumLoadBalancerIPPools (docs/facts.md "Cilium LB IPAM").

Cilium's operator gives Services of type LoadBalancer addresses from these cluster-scoped pools
(cilium/cilium operator/pkg/lbipam). The CRD is served as ``cilium.io/v2`` (its storage
version) from Cilium 1.18 beside ``v2alpha1``, and as ``v2alpha1`` alone before: kostack lists
v2 and, when that version is not served (404), v2alpha1: one or two paged list requests, only
on a Cilium cluster. Each pool keeps its addresses (``spec.blocks``: ``cidr``, or ``start`` and
``stop``; the older ``spec.cidrs``), ``disabled`` and ``serviceSelector``; a pool that does not
parse keeps what did and is marked, with a gap naming it and why, and the others are read as
ever. cilium-config's LoadBalancer keys (``parse_lb_config``) say which Services without a class
LB IPAM takes and what announces its addresses.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

from kostack.collect._kube_objects import as_dict, as_list, name_of
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure
from kostack.collect._label_selector import strict_selector
from kostack.gap_words import Msg
from kostack.model.snapshot import CiliumLBConfig, CiliumLBPool, IPNetwork
from kostack.shell import as_code, render

SOURCE: Final = "cluster.virtual_ips.cilium_pools"
PLURAL: Final = "ciliumloadbalancerippools"
VERSIONS: Final = ("v2", "v2alpha1")
# default-lb-service-ipam's values (cilium pkg/lbipamconfig: lbipam, nodeipam, none)
DEFAULT_IPAM: Final[dict[str, Literal["lbipam", "nodeipam", "none"]]] = {
    "lbipam": "lbipam",
    "nodeipam": "nodeipam",
    "none": "none",
}

GapSink = Callable[[str, ReadFailure, str], None]
TextSink = Callable[[str, str, str], None]  # a gap in kostack's words (source, error, hint)


def list_cilium(reader: Reader, plural: str) -> list[Mapping[str, Any]]:
    """The objects (v2, else v2alpha1); none when no version is served; other failures raise."""
    for version in VERSIONS:
        try:
            return list(
                reader.all(
                    f"GET /apis/cilium.io/{version}/{plural}",
                    reader.custom.list_cluster_custom_object,
                    "cilium.io",
                    version,
                    plural,
                )
            )
        except ReadFailure as exc:
            if exc.status != 404:
                raise
    return []


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


def _shown(raw: object) -> str:
    """A value as written, short (a gap quotes it; make_gap redacts it)."""
    text = json.dumps(raw, sort_keys=True, default=str) if not isinstance(raw, str) else raw
    return text if len(text) <= 80 else text[:77] + "..."


def parse_pool(obj: Mapping[str, Any]) -> tuple[CiliumLBPool, tuple[str, str] | None]:
    """A pool, and what of it did not parse (its field, and the value as written): the pool
    then keeps the blocks that did parse, and a selector that did not is None (any
    Service)."""
    spec = as_dict(obj.get("spec"))
    cidrs: list[IPNetwork] = []
    bad: tuple[str, str] | None = None
    for field in ("blocks", "cidrs"):
        for i, raw in enumerate(as_list(spec.get(field))):
            found = _block(raw)
            if found is None:
                bad = bad or (f"spec.{field}[{i}]", _shown(raw))
                continue
            cidrs.extend(c for c in found if c not in cidrs)
    selector = None
    if spec.get("serviceSelector") is not None:
        selector = strict_selector(spec.get("serviceSelector"))
        if selector is None:
            bad = bad or ("spec.serviceSelector", _shown(spec.get("serviceSelector")))
    pool = CiliumLBPool(
        name=name_of(obj),
        cidrs=tuple(cidrs),
        disabled=spec.get("disabled") is True,
        service_selector=selector,
        unread=bad[0] if bad else None,
    )
    return pool, bad


def read_cilium_pools(
    reader: Reader, gap: GapSink, said: TextSink
) -> tuple[CiliumLBPool, ...] | None:
    """The pools (v2, else v2alpha1); None when they could not be read (a gap says why). A
    pool that does not parse is kept with what did, marked ``unread``, and a gap names it and
    the reason (``said``): the other pools are read as ever."""
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
        pools: list[CiliumLBPool] = []
        for obj in found:
            pool, bad = parse_pool(obj)
            pools.append(pool)
            if bad is not None:
                argv = ["kubectl", "get", f"{PLURAL}.cilium.io", pool.name, "-o", "yaml"]
                error = Msg("gap.cilium.pool-unparsed", pool=pool.name, field=bad[0], value=bad[1])
                hint = Msg("gap.hint.cilium-pool", command=as_code(render(argv)))
                said(SOURCE, error, hint)
        return tuple(pools)
    if failure is not None and failure.status != 404:
        argv = ["kubectl", "get", f"{PLURAL}.cilium.io", "-o", "yaml"]
        gap(SOURCE, failure, Msg("gap.hint.cilium-pools", command=as_code(render(argv))))
        return None
    return ()  # no version served: LB IPAM's CRD is not installed, no pool


def _flag(value: object, default: bool) -> bool:
    text = str(value).strip().lower() if value is not None else ""
    return default if text == "" else text == "true"


def parse_lb_config(data: Mapping[str, Any]) -> CiliumLBConfig:
    """cilium-config's LoadBalancer keys (docs/facts.md "Cilium LB IPAM"): the operator's flags
    ``default-lb-service-ipam`` (lbipam, nodeipam or none; default lbipam; any other value is
    not known: None), ``enable-lb-ipam`` (default true), ``enable-node-ipam`` (default false),
    and the agent's ``enable-l2-announcements`` and ``enable-bgp-control-plane`` (default
    false)."""
    text = str(data.get("default-lb-service-ipam") or "").strip().lower() or "lbipam"
    return CiliumLBConfig(
        default_ipam=DEFAULT_IPAM.get(text),
        lb_ipam=_flag(data.get("enable-lb-ipam"), True),
        node_ipam=_flag(data.get("enable-node-ipam"), False),
        l2_announcements=_flag(data.get("enable-l2-announcements"), False),
        bgp_control_plane=_flag(data.get("enable-bgp-control-plane"), False),
    )
