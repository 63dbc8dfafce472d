"""Read Cilium's settings: ConfigMap cilium-config, the agent's version, and where pods get
their addresses (CiliumNode objects for cluster-pool / multi-pool IPAM).

Sources: cilium/cilium install/kubernetes/cilium templates/cilium-configmap.yaml
and values.yaml (what the chart renders by default), pkg/defaults and
pkg/ipam/option (agent defaults, IPAM modes), pkg/mtu (the `mtu` option:
"Overwrite auto-detected MTU of underlying network"), and cilium#29053 (the
`tunnel` option, deprecated in 1.14, removed in 1.15).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from kostack.collect._cilium_lb import parse_lb_config
from kostack.collect._cni_common import (
    CniContext,
    CniResult,
    agent_version,
    positive,
    spec_of,
    truthy,
    version_tuple,
)
from kostack.collect._kube_objects import Notes, as_dict, as_list, name_of
from kostack.collect._kube_types import ReadFailure
from kostack.gap_words import Msg
from kostack.model.snapshot import CNI, Cilium, CiliumNodeIPAM, IPNetwork

SOURCE: Final = "cluster.cni.cilium"
# IPAM modes whose pod ranges kostack reads: the operator's pools (CiliumNode
# objects say which part each node got), or the Nodes' podCIDRs.
POOL_MODES: Final = frozenset({"cluster-pool", "multi-pool"})
NODE_CIDR_MODES: Final = frozenset({"kubernetes", "hostscope-legacy"})
# Agents from this version on ignore the legacy `tunnel` key (cilium#29053).
TUNNEL_KEY_REMOVED: Final = (1, 15)


@dataclass(frozen=True)
class CiliumSettings:
    cilium: Cilium
    kube_proxy_replacement: bool
    pool_cidrs: tuple[IPNetwork, ...]
    # Why the pod ranges cannot be known (an IPAM mode kostack does not model).
    pool_unknown: str | None = None


def _cidrs(text: object, what: str, notes: Notes) -> list[IPNetwork]:
    out: list[IPNetwork] = []
    for part in str(text or "").replace(",", " ").split():
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            notes.skip(SOURCE, f"{what} {part!r}")
    return out


def multi_pool_cidrs(text: object, notes: Notes) -> list[IPNetwork]:
    """The CIDRs of ``auto-create-cilium-pod-ip-pools``.

    The chart renders it as ``NAME=ipv4-cidrs:A,B;ipv4-mask-size:24,NAME2=...``
    (pools joined by ",", attributes by ";", CIDRs within an attribute by ",").
    """
    out: list[IPNetwork] = []
    current_is_cidrs = False
    for token in str(text or "").replace(";", ",").split(","):
        token = token.strip()
        if not token:
            continue
        if "=" in token:
            token = token.split("=", 1)[1]
        if ":" in token and token.split(":", 1)[0].endswith(("-cidrs", "-mask-size")):
            key, token = token.split(":", 1)
            current_is_cidrs = key.endswith("-cidrs")
        if current_is_cidrs:
            out.extend(_cidrs(token, "auto-create-cilium-pod-ip-pools", notes))
    return out


def _routing(
    data: Mapping[str, Any], version: tuple[int, ...] | None, notes: Notes
) -> tuple[Literal["tunnel", "native"] | None, Literal["routing-mode", "tunnel"] | None, str]:
    """(routing mode, the key that decided it, the tunnel protocol asked for)."""
    mode_text = str(data.get("routing-mode") or "").strip().lower()
    legacy = str(data.get("tunnel") or "").strip().lower()
    protocol = str(data.get("tunnel-protocol") or "").strip().lower()
    if mode_text in ("tunnel", "native"):
        return ("native" if mode_text == "native" else "tunnel"), "routing-mode", protocol
    if mode_text:
        # cilium-agent refuses to start with it; how pods' traffic moves is not known.
        notes.skip(SOURCE, Msg("skip.not-modelled", field="routing-mode", value=repr(mode_text)))
        return None, None, protocol
    if not legacy:
        return "tunnel", None, protocol  # agent default: routing-mode tunnel, vxlan
    legacy_mode: Literal["tunnel", "native"] = "native" if legacy == "disabled" else "tunnel"
    legacy_protocol = legacy if legacy in ("vxlan", "geneve") else ""
    ignored = version is not None and version >= TUNNEL_KEY_REMOVED
    if ignored:
        return "tunnel", None, protocol  # the key is gone: the defaults apply
    if version is None and (legacy_mode, legacy_protocol or "vxlan") != ("tunnel", "vxlan"):
        notes.skip(
            SOURCE,
            Msg("skip.cilium-tunnel", value=repr(legacy)),
        )
        return None, None, protocol
    return legacy_mode, "tunnel", protocol or legacy_protocol


def _ipam(data: Mapping[str, Any], notes: Notes) -> tuple[str, list[IPNetwork], str | None]:
    """(IPAM mode, the pool CIDRs, why pod ranges are unknown)."""
    mode = str(data.get("ipam") or "").strip().lower()
    if not mode:
        # Quick-install manifests before the chart rendered `ipam` (Cilium 1.6):
        # host-scope allocation from each Node's spec.podCIDR.
        mode = "cluster-pool" if data.get("cluster-pool-ipv4-cidr") else "hostscope-legacy"
    if mode == "cluster-pool":
        pools = _cidrs(data.get("cluster-pool-ipv4-cidr"), "cluster-pool-ipv4-cidr", notes)
        pools += _cidrs(data.get("cluster-pool-ipv6-cidr"), "cluster-pool-ipv6-cidr", notes)
        return mode, pools, None
    if mode == "multi-pool":
        return mode, multi_pool_cidrs(data.get("auto-create-cilium-pod-ip-pools"), notes), None
    if mode in NODE_CIDR_MODES:
        return mode, [], None
    return mode, [], f"Cilium ipam {mode!r} allocates pod addresses in a way kostack does not model"


def parse_cilium(
    configmap: Mapping[str, Any], notes: Notes, *, version: str | None = None
) -> CiliumSettings:
    """kube-system/cilium-config.

    cilium-agent defaults (pkg/defaults, pkg/datapath/tunnel): routing-mode
    "tunnel", tunnel-protocol "vxlan", tunnel-port 0 = 8472 for vxlan and 6081
    for geneve; enable-ipv4 true, enable-ipv6 false; enable-ipv4-masquerade true; enable-wireguard false; mtu 0 =
    detected from the node's devices at run time; enable-health-checking true, cluster-health-port 4240. Before 1.14 the key was
    ``tunnel`` (vxlan | geneve | disabled, disabled meaning native routing)
    and ``native-routing-cidr``; agents from 1.15 on ignore ``tunnel``.
    """
    data = as_dict(configmap.get("data"))
    routing_mode, routing_key, protocol_text = _routing(data, version_tuple(version), notes)
    protocol: Literal["vxlan", "geneve"] | None = None
    port = None
    if routing_mode == "tunnel":
        protocol = "geneve" if protocol_text == "geneve" else "vxlan"
        port = positive(data.get("tunnel-port")) or (6081 if protocol == "geneve" else 8472)
    cidr_text = data.get("ipv4-native-routing-cidr") or data.get("native-routing-cidr")
    native = _cidrs(cidr_text, "ipv4-native-routing-cidr", notes)[:1] if cidr_text else []
    v6_text = data.get("ipv6-native-routing-cidr")
    native_v6 = _cidrs(v6_text, "ipv6-native-routing-cidr", notes)[:1] if v6_text else []
    masquerade_key = "enable-ipv4-masquerade" if "enable-ipv4-masquerade" in data else "masquerade"
    ipam_mode, pools, unknown = _ipam(data, notes)
    mtu = positive(data.get("mtu"), least=68)
    kube_proxy_replacement = truthy(data.get("kube-proxy-replacement"), False)
    cilium = Cilium(
        routing_mode=routing_mode,
        routing_key=routing_key,
        tunnel_protocol=protocol,
        tunnel_port=port,
        native_routing_cidr=native[0] if native else None,
        native_routing_cidr_v6=native_v6[0] if native_v6 else None,
        enable_ipv4=truthy(data.get("enable-ipv4"), True),
        enable_ipv6=truthy(data.get("enable-ipv6"), False),
        underlay_protocol=_underlay(data.get("underlay-protocol"), notes),
        masquerade=truthy(data.get(masquerade_key), True),
        masquerade_v6=truthy(data.get("enable-ipv6-masquerade"), True),
        mtu=mtu,
        mtu_auto=mtu is None,
        wireguard=truthy(data.get("enable-wireguard"), False),
        ipsec=truthy(data.get("enable-ipsec"), False),
        health_checking=truthy(data.get("enable-health-checking"), True),
        health_port=positive(data.get("cluster-health-port")) or 4240,
        kube_proxy_replacement=kube_proxy_replacement,
        egress_gateway=truthy(data.get("enable-egress-gateway"), False)
        or truthy(data.get("enable-ipv4-egress-gateway"), False),
        host_firewall=truthy(data.get("enable-host-firewall"), False),
        ipam_mode=ipam_mode,
        cluster_pool_cidrs=tuple(pools),
        cluster_pool_mask_size=positive(data.get("cluster-pool-ipv4-mask-size"), most=32)
        if ipam_mode == "cluster-pool"
        else None,
    )
    return CiliumSettings(cilium, kube_proxy_replacement, tuple(pools), unknown)


def _underlay(value: object, notes: Notes) -> Literal["ipv4", "ipv6", "auto"] | None:
    """cilium-config underlay-protocol (Cilium 1.17+, pkg/datapath/tunnel): ipv4, ipv6 or
    auto; absent (or empty) is None, which the engine reads as ipv4 (the default)."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip().lower()
    if text == "ipv4":
        return "ipv4"
    if text == "ipv6":
        return "ipv6"
    if text == "auto":
        return "auto"
    notes.skip(SOURCE, Msg("skip.underlay", value=repr(value)))
    return None


def parse_cilium_node(obj: Mapping[str, Any], notes: Notes) -> CiliumNodeIPAM | None:
    """A CiliumNode (cilium.io/v2): spec.ipam.podCIDRs, and multi-pool's allocated CIDRs."""
    name = name_of(obj)
    if not name:
        return None
    ipam = as_dict(spec_of(obj).get("ipam"))
    pod_cidrs = _cidrs(
        " ".join(map(str, as_list(ipam.get("podCIDRs")))), f"CiliumNode {name}", notes
    )
    pool_cidrs: list[IPNetwork] = []
    for allocation in as_list(as_dict(ipam.get("pools")).get("allocated")):
        cidrs = as_list(as_dict(allocation).get("cidrs"))
        pool_cidrs += _cidrs(" ".join(map(str, cidrs)), f"CiliumNode {name} pool", notes)
    return CiliumNodeIPAM(name=name, pod_cidrs=tuple(pod_cidrs), pool_cidrs=tuple(pool_cidrs))


def _cilium_nodes(ctx: CniContext) -> tuple[CiliumNodeIPAM, ...] | None:
    reader = ctx.reader
    try:
        items = reader.all(
            "GET /apis/cilium.io/v2/ciliumnodes",
            reader.custom.list_cluster_custom_object,
            "cilium.io",
            "v2",
            "ciliumnodes",
        )
    except ReadFailure as failure:
        ctx.gap(
            "cluster.cni.cilium.nodes",
            failure,
            Msg("gap.hint.cilium.nodes"),
        )
        return None
    parsed = (parse_cilium_node(item, ctx.notes) for item in items)
    return tuple(sorted((n for n in parsed if n is not None), key=lambda n: n.name))


def _pod_ip_pools(ctx: CniContext) -> list[IPNetwork]:
    """CiliumPodIPPool objects (multi-pool IPAM): spec.ipv4.cidrs and spec.ipv6.cidrs."""
    reader = ctx.reader
    try:
        items = reader.all(
            "GET /apis/cilium.io/v2alpha1/ciliumpodippools",
            reader.custom.list_cluster_custom_object,
            "cilium.io",
            "v2alpha1",
            "ciliumpodippools",
        )
    except ReadFailure as failure:
        ctx.gap(
            "cluster.cni.cilium.pools",
            failure,
            Msg("gap.hint.cilium.pools"),
        )
        return []
    out: list[IPNetwork] = []
    for item in items:
        spec = spec_of(item)
        for family in ("ipv4", "ipv6"):
            cidrs = as_list(as_dict(spec.get(family)).get("cidrs"))
            out += _cidrs(" ".join(map(str, cidrs)), f"CiliumPodIPPool {name_of(item)}", ctx.notes)
    return out


def read_cilium(ctx: CniContext, detected: bool) -> CniResult | None:
    """The Helm chart puts cilium-config beside the agents (kube-system by default)."""
    namespace = next(iter(ctx.facts.pod_cni.get("cilium", [])), "kube-system")
    reader = ctx.reader
    request = f"GET /api/v1/namespaces/{namespace}/configmaps/cilium-config"
    try:
        configmap = reader.call(
            request, reader.core.read_namespaced_config_map, "cilium-config", namespace
        )
    except ReadFailure as failure:
        hint = Msg("gap.hint.cilium.config", where=namespace)
        return ctx.unread("cilium", detected, failure, SOURCE, hint)
    containers = ctx.agent_containers("cilium", namespace, "cilium")
    version, version_source = agent_version(containers, "cilium")
    settings = parse_cilium(configmap, ctx.notes, version=version)
    cilium = settings.cilium
    pools = list(settings.pool_cidrs)
    if cilium.ipam_mode in POOL_MODES:
        if cilium.ipam_mode == "multi-pool":
            pools = list(dict.fromkeys([*pools, *_pod_ip_pools(ctx)]))
        cilium = cilium.model_copy(
            update={"nodes": _cilium_nodes(ctx), "cluster_pool_cidrs": tuple(pools)}
        )
    return CniResult(
        cni=CNI(type="cilium", version=version, version_source=version_source, cilium=cilium),
        kube_proxy_replacement=settings.kube_proxy_replacement,
        pod_network=tuple(pools),
        pod_network_source=(
            f"ConfigMap {namespace}/cilium-config "
            + (
                "cluster-pool-ipv4-cidr"
                if cilium.ipam_mode == "cluster-pool"
                else "multi-pool pools"
            )
        )
        if pools
        else None,
        pod_network_unknown=settings.pool_unknown,
        cilium_lb=parse_lb_config(as_dict(configmap.get("data"))),
    )
