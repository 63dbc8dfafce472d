"""The kubeadm, kubelet and kube-proxy configuration kept in ConfigMaps, to settings.

Pure functions, no I/O (collect/_kube_objects.py holds the objects' own parsers). A
document that is missing or not YAML reads as None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, get_args

import yaml

from kostack.collect._kube_objects import as_dict, as_list, as_str, parse_cidrs, parse_ip
from kostack.model.snapshot import IPAddress, IPNetwork, KubeProxyMode


def _yaml_document(text: object) -> dict[str, Any] | None:
    if not isinstance(text, str):
        return None
    try:
        document = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):  # nested past the parser's depth
        return None
    return document if isinstance(document, dict) else None


@dataclass(frozen=True)
class KubeadmNetworking:
    cluster_name: str | None
    pod_subnets: tuple[IPNetwork, ...] | None
    service_subnets: tuple[IPNetwork, ...] | None
    dns_domain: str | None
    control_plane_endpoint: str | None = None


def parse_kubeadm(configmap: Mapping[str, Any]) -> KubeadmNetworking | None:
    """kube-system/kubeadm-config ClusterConfiguration: networking and cluster name."""
    document = _yaml_document(as_dict(configmap.get("data")).get("ClusterConfiguration"))
    if document is None:
        return None
    networking = as_dict(document.get("networking"))
    return KubeadmNetworking(
        cluster_name=as_str(document.get("clusterName")),
        pod_subnets=parse_cidrs(networking.get("podSubnet")),
        service_subnets=parse_cidrs(networking.get("serviceSubnet")),
        dns_domain=as_str(networking.get("dnsDomain")),
        control_plane_endpoint=as_str(document.get("controlPlaneEndpoint")),
    )


@dataclass(frozen=True)
class KubeletSettings:
    cluster_dns: tuple[IPAddress, ...]
    cluster_domain: str | None


def parse_kubelet(configmap: Mapping[str, Any]) -> KubeletSettings | None:
    """kube-system/kubelet-config (key ``kubelet``): clusterDNS and clusterDomain."""
    document = _yaml_document(as_dict(configmap.get("data")).get("kubelet"))
    if document is None:
        return None
    dns = tuple(ip for ip in (parse_ip(v) for v in as_list(document.get("clusterDNS"))) if ip)
    return KubeletSettings(cluster_dns=dns, cluster_domain=as_str(document.get("clusterDomain")))


_PROXY_MODES: Final[Mapping[str, KubeProxyMode]] = {mode: mode for mode in get_args(KubeProxyMode)}


def proxy_mode(text: str) -> KubeProxyMode | None:
    """kube-proxy's mode as written in its config.conf or --proxy-mode; empty means the
    platform default, iptables on Linux (kube-proxy docs: "If blank, use the
    best-available proxy (currently iptables on Linux)"). None: not a mode kostack knows."""
    text = text.strip().lower()
    return _PROXY_MODES.get(text) if text else "iptables"


def kube_proxy_document(configmap: Mapping[str, Any]) -> dict[str, Any] | None:
    """kube-system/kube-proxy ``config.conf`` (a KubeProxyConfiguration); None when missing."""
    return _yaml_document(as_dict(configmap.get("data")).get("config.conf"))


def parse_kube_proxy(configmap: Mapping[str, Any]) -> tuple[KubeProxyMode | None, str, str | None]:
    """kube-system/kube-proxy ``config.conf``: (mode, the raw mode text, clusterCIDR).

    An empty mode means the platform default, iptables on Linux (kube-proxy
    docs: "If blank, use the best-available proxy (currently iptables on Linux)").
    """
    document = kube_proxy_document(configmap)
    if document is None:
        return None, "<config.conf missing or not YAML>", None
    raw = document.get("mode")
    text = str(raw).strip().lower() if raw is not None else ""
    cluster_cidr = as_str(document.get("clusterCIDR"))
    return proxy_mode(text), text, cluster_cidr
