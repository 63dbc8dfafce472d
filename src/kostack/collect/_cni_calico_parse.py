"""Calico's objects to snapshot records: pure parsers, no I/O.

Where a field is absent the documented default applies, cited beside the
code. Sources: Calico's API reference (IPPool, FelixConfiguration,
BGPConfiguration, operator.tigera.io Installation), projectcalico/calico
manifests/calico.yaml and custom-resources.yaml, and Felix's MTU logic
(felix/dataplane/linux/int_dataplane.go: ``determinePodMTU``, ``ConfigureDefaultMTUs``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kostack.collect._cni_calico_bgp import kept_selector
from kostack.collect._cni_calico_felix import spec_cidrs, spec_mode
from kostack.collect._cni_common import JsonObject, positive, spec_of
from kostack.collect._kube_objects import Notes, as_dict, name_of
from kostack.model.snapshot import CalicoBlock, CalicoIPPool, EncapMode


def _mode(value: object) -> EncapMode | None:
    if value is None or value == "":
        return "Never"  # Calico IP pool docs: ipipMode / vxlanMode default "Never"
    text = str(value).strip().lower().replace("-", "")
    modes: dict[str, EncapMode] = {
        "always": "Always",
        "crosssubnet": "CrossSubnet",
        "never": "Never",
    }
    return modes.get(text)


def parse_ip_pool(obj: Mapping[str, Any], source: str, notes: Notes) -> CalicoIPPool | None:
    """An IPPool (crd.projectcalico.org/v1 or projectcalico.org/v3, same spec).

    Defaults (Calico "IP pool" resource reference): ipipMode and vxlanMode
    "Never", natOutgoing false, blockSize 26 for IPv4 and 122 for IPv6,
    disabled false. Pools written before ipipMode existed carry
    ``ipip: {enabled, mode: always|cross-subnet}``.
    """
    spec = as_dict(obj.get("spec"))
    name = name_of(obj)
    try:
        cidr = ipaddress.ip_network(str(spec.get("cidr", "")).strip(), strict=False)
    except ValueError:
        notes.skip("cluster.cni.calico.ip_pools", f"IPPool {name}: cidr {spec.get('cidr')!r}")
        return None
    ipip_raw = spec.get("ipipMode")
    legacy = spec.get("ipip")
    if ipip_raw in (None, "") and isinstance(legacy, dict) and legacy.get("enabled") is True:
        ipip_raw = legacy.get("mode") or "always"
    ipip, vxlan = _mode(ipip_raw), _mode(spec.get("vxlanMode"))
    if ipip is None or vxlan is None:
        notes.skip(
            "cluster.cni.calico.ip_pools",
            f"IPPool {name}: ipipMode {spec.get('ipipMode')!r} / vxlanMode {spec.get('vxlanMode')!r}",
        )
        return None
    block_size = spec.get("blockSize")
    if not isinstance(block_size, int) or block_size <= 0:
        block_size = 26 if cidr.version == 4 else 122
    return CalicoIPPool(
        node_selector=_node_selector(spec.get("nodeSelector")),
        name=name,
        cidr=cidr,
        ipip_mode=ipip,
        vxlan_mode=vxlan,
        nat_outgoing=spec.get("natOutgoing") is True,
        block_size=block_size,
        disabled=spec.get("disabled") is True,
        source=source,
    )


def _node_selector(value: object) -> str | None:
    """spec.nodeSelector; None for every node (unset or "all()", the IPPool reference's
    default); one kostack cannot keep (not a string, longer than the snapshot holds) becomes
    "?", which it cannot evaluate, so the pool counts as possibly on every node
    (kostack.model.calico_selector)."""
    if isinstance(value, str) and value.strip() == "all()":
        return None
    return kept_selector(value)


def parse_block(obj: Mapping[str, Any]) -> CalicoBlock | None:
    """An IPAMBlock: its CIDR and, for ``affinity: host:<node>``, the node it belongs to."""
    spec = as_dict(obj.get("spec"))
    if spec.get("deleted") is True:
        return None
    try:
        cidr = ipaddress.ip_network(str(spec.get("cidr", "")).strip(), strict=False)
    except ValueError:
        return None
    affinity = spec.get("affinity")
    node = None
    if isinstance(affinity, str) and affinity.startswith("host:"):
        node = affinity.removeprefix("host:") or None
    return CalicoBlock(cidr=cidr, node=node)


@dataclass(frozen=True)
class CalicoObjects:
    """Calico's settings objects as read (None: absent, or could not be read)."""

    installation: JsonObject | None = None
    felix: JsonObject | None = None
    calico_config: JsonObject | None = None
    cluster_information: JsonObject | None = None
    installation_failed: bool = False
    felix_failed: bool = False


@dataclass(frozen=True)
class CalicoMtu:
    """The pod MTU as configured or reported, and whether calico-node detects it.

    ``auto`` True: (part of) the MTU comes from the host interface at run time,
    so the pod MTU is the smaller of ``mtu`` (when set) and the host MTU minus
    the encapsulation overhead; False: ``mtu`` is the pod MTU; None: unknown.
    """

    mtu: int | None
    source: str | None
    auto: bool | None


def _felix_mtu_fields(felix: Mapping[str, Any], pools: Sequence[CalicoIPPool]) -> list[str]:
    """Felix's per-encapsulation MTU fields that count: those of the enabled encapsulations.

    Felix (determinePodMTU) takes the smallest MTU among the enabled ones:
    IPIP and VXLAN are enabled by the pools that use them (IPv6 VXLAN has its
    own field), WireGuard by wireguardEnabled / wireguardEnabledV6.
    """
    spec = spec_of(felix)
    fields: list[str] = []
    for pool in pools:
        if pool.vxlan_mode != "Never":
            fields.append("vxlanMTUV6" if pool.cidr.version == 6 else "vxlanMTU")
        if pool.ipip_mode != "Never" and pool.cidr.version == 4:
            fields.append("ipipMTU")
    if spec.get("wireguardEnabled") is True:
        fields.append("wireguardMTU")
    if spec.get("wireguardEnabledV6") is True:
        fields.append("wireguardMTUV6")
    return list(dict.fromkeys(fields))


def calico_mtu(objects: CalicoObjects, pools: Sequence[CalicoIPPool] | None) -> CalicoMtu:
    """The pod MTU and where it was read.

    Operator installs: Installation status.mtu is what the operator observed
    applied (configured or detected); spec.calicoNetwork.mtu is configured.
    Manifest installs: calico-config veth_mtu feeds FELIX_IPINIPMTU,
    FELIX_VXLANMTU and FELIX_WIREGUARDMTU (calico.yaml), and environment
    variables win over FelixConfiguration; "0" means auto-detect. Otherwise
    FelixConfiguration's per-encapsulation MTU (0 or absent = auto-detect:
    Felix's ConfigureDefaultMTUs uses the host interface MTU minus 20 for
    IPIP, 50/70 for VXLAN IPv4/IPv6, 60/80 for WireGuard IPv4/IPv6).
    """
    installation = objects.installation
    if installation is not None:
        status_mtu = positive(as_dict(installation.get("status")).get("mtu"), least=68)
        if status_mtu:
            return CalicoMtu(status_mtu, "Installation default status.mtu", False)
        network = as_dict(spec_of(installation).get("calicoNetwork"))
        spec_mtu = positive(network.get("mtu"), least=68)
        if spec_mtu:
            return CalicoMtu(spec_mtu, "Installation default spec.calicoNetwork.mtu", False)
    config = objects.calico_config
    if config is not None:
        data = as_dict(config.get("data"))
        if "veth_mtu" in data:
            veth = positive(data.get("veth_mtu"), least=68)
            if veth:
                return CalicoMtu(veth, "ConfigMap kube-system/calico-config veth_mtu", False)
            # calico.yaml pins Felix's MTU variables to veth_mtu: "0" wins over Felix's objects.
            raw = str(data.get("veth_mtu")).strip()[:16]
            return CalicoMtu(None, f'ConfigMap kube-system/calico-config veth_mtu "{raw}"', True)
    if objects.felix is None and objects.felix_failed:
        return CalicoMtu(None, None, None)
    if installation is None and config is None and objects.installation_failed:
        return CalicoMtu(None, None, None)  # an Installation's spec.mtu may be set
    if pools is None:
        return CalicoMtu(None, None, None)  # which encapsulations count is not known
    fields = _felix_mtu_fields(objects.felix or {}, pools)
    spec = spec_of(objects.felix)
    configured = [(positive(spec.get(key), least=68), key) for key in fields]
    values = [(value, key) for value, key in configured if value]
    auto = len(values) < len(fields) or not fields
    if values:
        value, key = min(values)
        return CalicoMtu(value, f"FelixConfiguration default {key}", auto)
    return CalicoMtu(None, None, True)


def _installation_network(installation: JsonObject) -> tuple[dict[str, Any], dict[str, Any]]:
    """(status.computed.calicoNetwork, spec.calicoNetwork) of an Installation."""
    computed = as_dict(as_dict(installation.get("status")).get("computed"))
    return as_dict(computed.get("calicoNetwork")), as_dict(
        spec_of(installation).get("calicoNetwork")
    )


def calico_bgp(objects: CalicoObjects) -> bool | None:
    """Whether calico-node runs BGP (BIRD).

    Operator: Installation calicoNetwork.bgp, "Enabled" unless set
    (operator.tigera.io API: "BGP ... Default: Enabled"); the computed status
    wins over the spec when the operator reports it. Manifest: calico-config
    calico_backend "bird" runs BGP, "vxlan" and "none" do not.
    """
    if objects.installation is not None:
        computed, spec = _installation_network(objects.installation)
        value = computed.get("bgp") or spec.get("bgp") or "Enabled"
        return str(value) == "Enabled"
    if objects.calico_config is not None:
        backend = as_dict(objects.calico_config.get("data")).get("calico_backend")
        if isinstance(backend, str) and backend:
            return backend.strip().lower() == "bird"
    return None


def policy_only(objects: CalicoObjects) -> bool:
    """Calico enforces policy only and another CNI (Canal's flannel) routes: ClusterInformation
    spec.clusterType names canal (calico-node's CLUSTER_TYPE "k8s,canal" in canal.yaml) or
    calico-config's calico_backend is "none"."""
    cluster_type = spec_of(objects.cluster_information).get("clusterType")
    if isinstance(cluster_type, str) and "canal" in cluster_type.split(","):
        return True
    data = as_dict(objects.calico_config.get("data")) if objects.calico_config else {}
    return str(data.get("calico_backend", "")).strip().lower() == "none"


def nat_outgoing_exclusions(
    objects: CalicoObjects,
) -> Literal["IPPoolsOnly", "IPPoolsAndHostIPs"] | None:
    """FelixConfiguration natOutgoingExclusions (Calico 3.31's api felixconfig.go).

    Unset means "IPPoolsOnly" (felix config_params.go default), which is also
    how Felix before 3.31 behaves: only traffic to IP pools skips natOutgoing.
    """
    if objects.felix is None and objects.felix_failed:
        return None
    value = spec_of(objects.felix).get("natOutgoingExclusions")
    if value == "IPPoolsAndHostIPs":
        return "IPPoolsAndHostIPs"
    return "IPPoolsOnly"


def program_cluster_routes(objects: CalicoObjects) -> bool | None:
    """FelixConfiguration programClusterRoutes (Calico 3.31's api felixconfig.go: "whether
    Felix should program IPIP routes instead of BIRD ... [Default: Disabled]")."""
    if objects.felix is None and objects.felix_failed:
        return None
    return spec_of(objects.felix).get("programClusterRoutes") == "Enabled"


def installation_bpf(objects: CalicoObjects) -> bool:
    """The operator's Installation asks for the eBPF data plane: calicoNetwork.linuxDataplane
    "BPF" (tigera/operator api/v1/installation_types.go)."""
    if objects.installation is None:
        return False
    computed, spec = _installation_network(objects.installation)
    return "BPF" in (computed.get("linuxDataplane"), spec.get("linuxDataplane"))


def bpf_enabled(objects: CalicoObjects) -> bool | None:
    """FelixConfiguration `default` bpfEnabled (api felixconfig.go, "[Default: false]"): the
    operator writes it from its Installation only once calico-node's rollout is complete
    (`installation_bpf`, collect/_cni_calico.py). None: Felix's settings were not read."""
    if objects.felix is None and objects.felix_failed:
        return None
    return spec_of(objects.felix).get("bpfEnabled") is True


def bpf_external_service_mode(objects: CalicoObjects) -> Literal["Tunnel", "DSR"] | None:
    """FelixConfiguration bpfExternalServiceMode, matched case-insensitively as Calico's
    validation does (`^(?i)(Tunnel|DSR)?$`); "Tunnel" when unset (config_params.go
    `oneof(tunnel,dsr);tunnel`). None: Felix's settings were not read."""
    if objects.felix is None and objects.felix_failed:
        return None
    return spec_mode(spec_of(objects.felix).get("bpfExternalServiceMode"))


def bpf_dsr_optout_cidrs(objects: CalicoObjects) -> tuple[str, ...] | None:
    """FelixConfiguration bpfDSROptoutCIDRs (api felixconfig.go: "clients in those CIDRs will
    access service node ports as if BPFExternalServiceMode was set to Tunnel"), each as a
    network (host bits cleared); an entry that is no CIDR is left out. None: not read."""
    if objects.felix is None and objects.felix_failed:
        return None
    return spec_cidrs(spec_of(objects.felix).get("bpfDSROptoutCIDRs"))


def bpf_exclude_cidrs_from_nat(objects: CalicoObjects) -> tuple[str, ...] | None:
    """FelixConfiguration bpfExcludeCIDRsFromNAT (api felixconfig.go: "CIDRs that are to be
    excluded from NAT resolution so that host can handle them"), each as a network; an entry
    that is no CIDR is left out. None: not read."""
    if objects.felix is None and objects.felix_failed:
        return None
    return spec_cidrs(spec_of(objects.felix).get("bpfExcludeCIDRsFromNAT"))


def feature_detect_override(objects: CalicoObjects) -> str | None:
    """FelixConfiguration featureDetectOverride as written ("" when unset), e.g.
    "MASQFullyRandom=false" (Calico's api felixconfig.go: "true" or "false" forces a
    feature, empty or omitted values are auto-detected)."""
    if objects.felix is None and objects.felix_failed:
        return None
    value = spec_of(objects.felix).get("featureDetectOverride")
    return value[:1024] if isinstance(value, str) else ""


def installation_pools_text(installation: JsonObject | None) -> str:
    """What the operator's Installation asks for, for a hint when the pools cannot be read."""
    if installation is None:
        return ""
    computed, spec = _installation_network(installation)
    pools = spec.get("ipPools") or computed.get("ipPools") or []
    parts = []
    for pool in pools if isinstance(pools, list) else []:
        if isinstance(pool, dict):
            # operator.tigera.io API: encapsulation defaults to IPIP, natOutgoing to Enabled.
            parts.append(
                f"{pool.get('cidr')} {pool.get('encapsulation') or 'IPIP'} "
                f"natOutgoing {pool.get('natOutgoing') or 'Enabled'}"
            )
    return "; ".join(parts)


def calico_version(objects: CalicoObjects) -> tuple[str | None, str | None]:
    """(version, where it was read): ClusterInformation, then the Installation's status.

    calico-node writes spec.calicoVersion of ClusterInformation `default` when
    it starts; the operator reports status.calicoVersion on its Installation.
    """
    info = spec_of(objects.cluster_information).get("calicoVersion")
    if isinstance(info, str) and info.strip():
        return info.strip(), "ClusterInformation default spec.calicoVersion"
    if objects.installation is not None:
        status = as_dict(objects.installation.get("status")).get("calicoVersion")
        if isinstance(status, str) and status.strip():
            return status.strip(), "Installation default status.calicoVersion"
    return None, None
