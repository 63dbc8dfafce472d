"""Read Antrea's settings: antrea-agent.conf in its ConfigMap (docs/facts.md "Antrea").

Antrea's published install (antrea-io/antrea build/yamls/antrea.yml) keeps the agent's
settings in ConfigMap ``antrea-config`` in kube-system, key ``antrea-agent.conf`` (YAML,
pkg/config/agent/config.go), mounted into the ``antrea-agent`` container at
/etc/antrea/antrea-agent.conf; up to v1.6 the ConfigMap's name carried a hash suffix
(``antrea-config-<hash>``, kustomize's configMapGenerator), which the agent pod's volume
names. A key left out takes the agent's default (cmd/antrea-agent/options.go
``setK8sNodeDefaultOptions``). Each node's pod range is its Node spec.podCIDR(s).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, Final

import yaml

from kostack.collect._cni_common import CniContext, CniResult, agent_version, positive
from kostack.collect._kube_objects import Notes, as_dict
from kostack.collect._kube_types import ReadFailure
from kostack.gap_words import Msg
from kostack.model.cni import (
    ANTREA_CLUSTER_PORT,
    ANTREA_TUNNEL_PORTS,
    ANTREA_TUNNELS,
    ANTREA_WIREGUARD_PORT,
)
from kostack.model.snapshot import CNI, Antrea, IPNetwork

NAMESPACE: Final = "kube-system"
CONFIG_MAP: Final = "antrea-config"
KEY: Final = "antrea-agent.conf"
SOURCE: Final = "cluster.cni.antrea"
# Go's strings.EqualFold over these (traffic_encap_mode.go, traffic_encryption_mode.go).
_ENCAP: Final = {m.lower(): m for m in ("encap", "noEncap", "hybrid", "networkPolicyOnly")}
_ENCRYPTION: Final = {"none": "none", "ipsec": "ipsec", "wireguard": "wireguard"}


def _text(conf: Mapping[str, Any], key: str, default: str) -> str:
    value = conf.get(key)
    return default if value is None or value == "" else str(value).strip()


def _flag(conf: Mapping[str, Any], key: str, default: bool | None, notes: Notes) -> bool | None:
    value = conf.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    notes.skip(SOURCE, Msg("skip.not-modelled", field=key, value=repr(value)))
    return None


def _port(value: object, key: str, notes: Notes, least: int = 1) -> int | None:
    """A port (1-65535; an MTU from ``least``); None after a note when it is something else."""
    port = positive(value, least=least)
    if port is None:
        notes.skip(SOURCE, Msg("skip.not-modelled", field=key, value=repr(value)))
    return port


def _node_port_cidrs(proxy: Mapping[str, Any], notes: Notes) -> tuple[IPNetwork, ...] | None:
    """antreaProxy.nodePortAddresses: CIDRs (host bits dropped, as Go's net.ParseCIDR does);
    () unset; None after a note when an entry is not a CIDR."""
    values = proxy.get("nodePortAddresses")
    if values is None or values == []:
        return ()
    try:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError
        return tuple(dict.fromkeys(ipaddress.ip_network(v.strip(), strict=False) for v in values))
    except ValueError:
        field = "antreaProxy.nodePortAddresses"
        notes.skip(SOURCE, Msg("skip.not-modelled", field=field, value=repr(values)))
        return None


def parse_antrea(text: object, notes: Notes, config_map: str = CONFIG_MAP) -> Antrea | None:
    """Antrea's settings from antrea-agent.conf; None when it is not a YAML mapping."""
    try:
        conf = yaml.safe_load(text) if isinstance(text, str) else None
    except yaml.YAMLError:
        conf = None
    if not isinstance(conf, dict):
        notes.skip(SOURCE, Msg("skip.antrea-conf", file=KEY))
        return None
    encap_text = _text(conf, "trafficEncapMode", "encap")
    encap = _ENCAP.get(encap_text.lower())
    tunnel: str | None = _text(conf, "tunnelType", "geneve")  # compared as written
    encryption = _ENCRYPTION.get(_text(conf, "trafficEncryptionMode", "none").lower())
    known_tunnel = tunnel in ANTREA_TUNNELS
    for key, value, known in (
        ("trafficEncapMode", encap_text, encap),
        ("tunnelType", tunnel, tunnel if known_tunnel else None),
        ("trafficEncryptionMode", conf.get("trafficEncryptionMode"), encryption or "none"),
    ):
        if known is None:
            notes.skip(SOURCE, Msg("skip.not-modelled", field=key, value=repr(value)))
    if not known_tunnel:
        tunnel = None
    raw_port = conf.get("tunnelPort") or 0
    port = (
        ANTREA_TUNNEL_PORTS.get(tunnel or "")
        if raw_port == 0
        else _port(raw_port, "tunnelPort", notes)
    )
    wireguard = as_dict(conf.get("wireGuard")).get("port") or 0
    proxy = as_dict(conf.get("antreaProxy"))
    mtu = conf.get("defaultMTU") or 0
    no_snat = _flag(conf, "noSNAT", False, notes)
    gates = as_dict(conf.get("featureGates"))
    cluster_port = conf.get("clusterPort") or 0
    return Antrea(
        traffic_encap_mode=encap,
        tunnel_type=tunnel,
        tunnel_port=None if tunnel == "gre" else port,
        traffic_encryption_mode=encryption,
        wireguard_port=ANTREA_WIREGUARD_PORT
        if wireguard == 0
        else _port(wireguard, "wireGuard.port", notes),
        # networkPolicyOnly: antrea-agent never masquerades (options.go sets noSNAT)
        no_snat=True if encap == "networkPolicyOnly" else no_snat,
        snat_fully_random_ports=_flag(conf, "snatFullyRandomPorts", False, notes),
        default_mtu=0 if mtu == 0 else _port(mtu, "defaultMTU", notes, least=68),
        antrea_proxy=_flag(proxy, "enable", True, notes),
        proxy_all=_flag(proxy, "proxyAll", False, notes),
        node_port_addresses=_node_port_cidrs(proxy, notes),
        config_map=config_map,
        egress=_flag(gates, "Egress", True, notes),
        service_external_ip=_flag(gates, "ServiceExternalIP", None, notes),
        cluster_port=ANTREA_CLUSTER_PORT
        if cluster_port == 0
        else _port(cluster_port, "clusterPort", notes),
    )


def _config_map(
    ctx: CniContext, namespace: str
) -> tuple[dict[str, Any] | None, ReadFailure | None]:
    """The ConfigMap the agent pods mount (antrea-config unless a pod names another): one
    request."""
    name = ctx.facts.antrea_config or CONFIG_MAP
    reader = ctx.reader
    request = f"GET /api/v1/namespaces/{namespace}/configmaps/{name}"
    try:
        return reader.call(request, reader.core.read_namespaced_config_map, name, namespace), None
    except ReadFailure as failure:
        ctx.check(failure)
        return None, failure


def read_antrea(ctx: CniContext, detected: bool) -> CniResult | None:
    """Antrea's settings; None when nothing says it runs (only its agent pods, label
    component=antrea-agent, say so)."""
    if not detected:
        return None
    namespace = (ctx.facts.pod_cni.get("antrea") or [NAMESPACE])[0]
    containers = ctx.agent_containers("antrea", namespace, "antrea-agent")
    version, version_source = agent_version(containers, "antrea")
    configmap, failure = _config_map(ctx, namespace)
    name = ctx.facts.antrea_config or CONFIG_MAP
    hint = Msg("gap.hint.antrea.config", namespace=namespace)
    if configmap is None or failure is not None:
        if failure is not None:
            ctx.gap(SOURCE, failure, hint)
        return CniResult(cni=CNI(type="antrea", version=version, version_source=version_source))
    text = as_dict(configmap.get("data")).get(KEY)
    if text is None:
        ctx.gap_text(SOURCE, Msg("gap.kube.antrea-key", name=name, file=KEY), hint)
        return CniResult(cni=CNI(type="antrea", version=version, version_source=version_source))
    settings = parse_antrea(text, ctx.notes, name)
    cni = CNI(type="antrea", version=version, version_source=version_source, antrea=settings)
    # proxyAll: AntreaProxy serves every Service address, kube-proxy may be gone (docs/facts.md)
    proxy_all = settings is not None and settings.antrea_proxy is not False and settings.proxy_all
    return CniResult(cni=cni, kube_proxy_replacement=bool(proxy_all))
