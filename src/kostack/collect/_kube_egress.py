"""Read egress IPs: Antrea's Egresses and ExternalIPPools, Cilium's CiliumEgressGatewayPolicies
(docs/facts.md "Egress IPs").

Only when Antrea is the CNI (and its Egress feature gate is not turned off) are Egresses and
ExternalIPPools listed (crd.antrea.io/v1beta1, Antrea v1.13+; v1alpha2 before, asked only
when v1beta1 is not served); with the Egress gate off, the ExternalIPPools alone when its
ServiceExternalIP gate may be on (LoadBalancer Services take their IPs from them); only when Cilium is the CNI with its egress gateway enabled
(cilium-config ``enable-egress-gateway``, ``enable-ipv4-egress-gateway`` before 1.18) are
CiliumEgressGatewayPolicies (cilium.io/v2) listed. One list request per kind, paged by the
shared reader; none otherwise. All three kinds are cluster-scoped; a kind no version of
which is served (404: its CRD is not installed) has no object.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import Any, Final

from kostack.collect._kube_objects import as_dict, as_list, name_of, parse_cidrs
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure
from kostack.collect._kube_vip import parse_selector
from kostack.gap_words import Msg
from kostack.model.egress import (
    AntreaEgress,
    CiliumEgressPolicy,
    EgressGateway,
    EgressIPs,
    ExternalIPPool,
    service_external_ip,
)
from kostack.model.snapshot import CNI, IPAddress, IPNetwork
from kostack.shell import as_code, render

SOURCE: Final = "cluster.egress_ips"
ANTREA: Final = "crd.antrea.io"
CILIUM: Final = "cilium.io"

GapSink = Callable[[str, ReadFailure, str], None]


def _ip(text: object) -> IPAddress | None:
    try:
        return ipaddress.ip_address(str(text or "").strip())
    except ValueError:
        return None


def _range(item: Mapping[str, Any]) -> list[IPNetwork] | None:
    """An ipRanges entry: ``cidr``, or ``start``..``end`` (both included)."""
    if item.get("cidr"):
        return list(parse_cidrs(str(item["cidr"]).strip()) or ()) or None
    first, last = _ip(item.get("start")), _ip(item.get("end"))
    if first is None or last is None:
        return None
    try:
        return list(ipaddress.summarize_address_range(first, last))
    except (TypeError, ValueError):  # two families, or the end before the start
        return None


def parse_external_ip_pool(obj: Mapping[str, Any]) -> ExternalIPPool | None:
    """An ExternalIPPool; None when a range does not parse (its addresses are unknown)."""
    spec = as_dict(obj.get("spec"))
    cidrs: list[IPNetwork] = []
    written: list[str] = []
    for item in (as_dict(i) for i in as_list(spec.get("ipRanges"))):
        found = _range(item)
        if found is None:
            return None
        written.append(str(item.get("cidr") or f"{item.get('start')}-{item.get('end')}"))
        cidrs.extend(c for c in found if c not in cidrs)
    info = spec.get("subnetInfo")
    vlan = as_dict(info).get("vlan")
    return ExternalIPPool(
        name=name_of(obj),
        cidrs=tuple(cidrs),
        ranges=tuple(written),
        node_selector=parse_selector(spec.get("nodeSelector")),
        other_subnet=isinstance(info, dict) and bool(info),
        vlan=vlan if isinstance(vlan, int) and vlan > 0 else None,
    )


def parse_egress(obj: Mapping[str, Any]) -> AntreaEgress | None:
    """An Egress; None when one of its IPs does not parse."""
    spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
    written = [spec.get("egressIP"), *as_list(spec.get("egressIPs")), status.get("egressIP")]
    ips: list[IPAddress] = []
    for text in (t for t in written if t):
        ip = _ip(text)
        if ip is None:
            return None
        if ip not in ips:
            ips.append(ip)
    pools = [spec.get("externalIPPool"), *as_list(spec.get("externalIPPools"))]
    return AntreaEgress(
        name=name_of(obj),
        ips=tuple(ips),
        pools=tuple(str(p) for p in pools if p),
        egress_node=str(status.get("egressNode") or "") or None,
    )


def parse_gateway(raw: object) -> EgressGateway | None:
    body = as_dict(raw)
    text = str(body.get("egressIP") or "").strip()
    ip = _ip(text) if text else None
    if text and ip is None:
        return None
    selector = body.get("nodeSelector")
    return EgressGateway(
        node_selector=parse_selector(selector) if isinstance(selector, dict) else None,
        egress_ip=ip,
        interface=str(body.get("interface") or "") or None,
    )


def parse_policy(obj: Mapping[str, Any]) -> CiliumEgressPolicy | None:
    """A CiliumEgressGatewayPolicy (``egressGateway`` and ``egressGateways``); None when an
    egress IP does not parse."""
    spec = as_dict(obj.get("spec"))
    raw = [spec["egressGateway"]] if isinstance(spec.get("egressGateway"), dict) else []
    gateways = [parse_gateway(g) for g in [*raw, *as_list(spec.get("egressGateways"))]]
    if None in gateways:
        return None
    # the first entry of egressGateways repeats egressGateway (cilium/cilium#39304)
    unique = {g.model_dump_json(): g for g in gateways if g is not None}
    return CiliumEgressPolicy(name=name_of(obj), gateways=tuple(unique.values()))


def _list(
    reader: Reader, group: str, versions: tuple[str, ...], plural: str, gap: GapSink
) -> list[dict[str, Any]] | None:
    """Every object of a cluster-scoped kind, asking the next version only when one is not
    served (404); none when no version is (the CRD is not installed, so none can exist);
    None after a gap."""
    for version in versions:
        try:
            return reader.all(
                f"GET /apis/{group}/{version}/{plural}",
                reader.custom.list_cluster_custom_object,
                group,
                version,
                plural,
            )
        except ReadFailure as failure:
            if failure.status == 404:
                continue
            argv = ["kubectl", "get", f"{plural}.{group}", "-o", "yaml"]
            gap(SOURCE, failure, Msg("gap.hint.egress", kind=plural, command=as_code(render(argv))))
            return None
    return []


def _parsed(
    objects: list[dict[str, Any]] | None, parse: Callable[[Mapping[str, Any]], Any]
) -> tuple[Any, ...] | None:
    """Every object parsed; None when unread or when one does not parse."""
    if objects is None:
        return None
    said = [parse(o) for o in objects]
    return None if None in said else tuple(said)


def read_egress_ips(reader: Reader, cni: CNI | None, gap: GapSink) -> EgressIPs | None:
    """None unless Antrea, or Cilium with its egress gateway on, is the CNI."""
    if cni is None:
        return None
    egress = cni.type == "antrea" and (cni.antrea is None or cni.antrea.egress is not False)
    if egress or service_external_ip(cni) is not False:  # False unless Antrea is the CNI
        versions = ("v1beta1", "v1alpha2")
        # with the Egress gate off no Egress takes effect: none is listed
        egresses = _list(reader, ANTREA, versions, "egresses", gap) if egress else []
        pools = _list(reader, ANTREA, versions, "externalippools", gap)
        return EgressIPs(
            cni="antrea",
            egresses=_parsed(egresses, parse_egress),
            pools=_parsed(pools, parse_external_ip_pool),
        )
    if cni.type == "cilium" and cni.cilium is not None and cni.cilium.egress_gateway:
        policies = _list(reader, CILIUM, ("v2",), "ciliumegressgatewaypolicies", gap)
        return EgressIPs(cni="cilium", policies=_parsed(policies, parse_policy))
    return None
