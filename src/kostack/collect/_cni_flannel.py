"""Read Flannel's settings: ConfigMap kube-flannel-cfg (net-conf.json) and flanneld's flags.

Sources: flannel-io/flannel Documentation/configuration.md, backends.md and
kube-flannel.yml; pkg/subnet/config.go (net-conf.json fields, SubnetLen);
pkg/backend/vxlan (Backend MTU, 50 bytes of overhead), wireguard (80), udp (28).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, get_args

from kostack.collect._cni_canal import canal_nat_exclusions, canal_pools, canal_veth_mtu
from kostack.collect._cni_common import (
    CniContext,
    CniResult,
    JsonObject,
    agent_version,
    combined,
    positive,
    version_tuple,
)
from kostack.collect._k3s import SOURCE
from kostack.collect._kube_objects import Notes, as_dict, container_args, namespace_of
from kostack.collect._kube_types import ReadFailure
from kostack.gap_words import Msg
from kostack.model.snapshot import CNI, Flannel

FlannelBackend = Literal["vxlan", "host-gw", "wireguard", "udp", "ipip", "ipsec"]
_FLANNEL_TYPES: Final[Mapping[str, FlannelBackend]] = {t: t for t in get_args(FlannelBackend)}


def flannel_flag(
    containers: Sequence[Mapping[str, Any]],
    flag: str,
    configmap: Mapping[str, Any] | None = None,
) -> bool | None:
    """A boolean flanneld flag from its container (flanneld's default for both is false).

    flannel Documentation/configuration.md: "--ip-masq=false: setup IP
    masquerade for traffic destined for outside the flannel network";
    "--kube-subnet-mgr=false: Contact the Kubernetes API for subnet
    assignment instead of etcd". kube-flannel.yml passes both. Any flag is
    also FLANNELD_<FLAG> in the environment, which a flag on the command line
    overrides (flanneld's main.go: flagutil.SetFlagsFromEnv sets only flags
    not given). Canal takes FLANNELD_IP_MASQ from its ConfigMap's `masquerade`
    (configMapKeyRef): read from ``configmap`` when it is that one, else not
    known. None: no flanneld container seen, or the value is not known.
    """
    env_name = "FLANNELD_" + flag.upper().replace("-", "_")
    for container in containers:
        arguments = container_args(container)
        if not any("flanneld" in a for a in arguments) and container.get("name") != "kube-flannel":
            continue
        for argument in arguments:
            if argument == f"--{flag}":
                return True
            if argument.startswith(f"--{flag}="):
                return argument.split("=", 1)[1].strip().lower() in ("true", "1")
        for env in container.get("env") or []:
            if isinstance(env, dict) and env.get("name") == env_name:
                return _env_value(env, configmap)
        return False
    return None


def _env_value(env: Mapping[str, Any], configmap: Mapping[str, Any] | None) -> bool | None:
    """A boolean environment variable, its value given or from ``configmap``'s key."""
    ref = as_dict(as_dict(env.get("valueFrom")).get("configMapKeyRef"))
    if not ref:
        return str(env.get("value", "")).strip().lower() in ("true", "1")
    if configmap is None or as_dict(configmap.get("metadata")).get("name") != ref.get("name"):
        return None
    value = as_dict(configmap.get("data")).get(str(ref.get("key")))
    return None if value is None else str(value).strip().lower() in ("true", "1")


def _field(conf: Mapping[str, Any], name: str) -> Any:
    """A net-conf.json field: flanneld decodes it with Go's encoding/json, which matches
    field names case-insensitively ("MTU" and "mtu" are the same field)."""
    if name in conf:
        return conf[name]
    lowered = name.lower()
    for key, value in conf.items():
        if isinstance(key, str) and key.lower() == lowered:
            return value
    return None


def _network(
    conf: Mapping[str, Any], name: str, notes: Notes
) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The CIDR of net-conf.json's ``name`` field; a value that is not one is noted and left out."""
    text = _field(conf, name)
    try:
        if text:
            return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        notes.skip("cluster.cni.flannel", Msg("skip.not-cidr", name=name, text=repr(text)))
    return None


def _subnet_len(conf: Mapping[str, Any], network: ipaddress.IPv4Network | None) -> int | None:
    """SubnetLen, else flannel's default: /24 for a Network of /22 or wider, else prefix + 2."""
    explicit = positive(_field(conf, "SubnetLen"), most=32)
    if explicit:
        return explicit
    if network is None or network.version != 4:
        return None
    return 24 if network.prefixlen <= 22 else network.prefixlen + 2


def parse_flannel(
    configmap: Mapping[str, Any],
    *,
    ip_masq: bool | None,
    linux_only: bool,
    notes: Notes,
    kube_subnet_mgr: bool | None = None,
    bundle: Literal["canal"] | None = None,
) -> Flannel | None:
    """net-conf.json of kube-flannel-cfg.

    flannel Documentation/configuration.md and backends.md: Backend "Defaults
    to udp"; vxlan Port "On Linux, defaults to kernel default, currently
    8472, but on Windows, must be 4789"; udp Port defaults to 8285; wireguard
    ListenPort to 51820; DirectRouting defaults to false; vxlan and wireguard
    MTU: "If not defined, the MTU of the external interface is used".
    """
    data = as_dict(configmap.get("data"))
    try:
        conf = json.loads(str(data.get("net-conf.json", "")))
    except (ValueError, RecursionError):  # nested past the parser's depth: not a net-conf
        notes.skip("cluster.cni.flannel", Msg("skip.netconf-json"))
        return None
    if not isinstance(conf, dict):
        notes.skip("cluster.cni.flannel", Msg("skip.netconf-object"))
        return None
    network = _network(conf, "Network", notes)
    ipv6_network = _network(conf, "IPv6Network", notes)
    backend = as_dict(_field(conf, "Backend"))
    type_text = str(_field(backend, "Type") or "udp").strip().lower()
    backend_type = _FLANNEL_TYPES.get(type_text)
    if backend_type is None:
        notes.skip(
            "cluster.cni.flannel",
            Msg("skip.not-modelled", field="Backend.Type", value=repr(type_text)),
        )
    port = positive(_field(backend, "Port"))
    if port is None:
        if backend_type == "vxlan":
            port = 8472 if linux_only else None
        elif backend_type == "udp":
            port = 8285
        elif backend_type == "wireguard":
            port = positive(_field(backend, "ListenPort")) or 51820
    mtu = (
        positive(_field(backend, "MTU"), least=68)
        if backend_type in ("vxlan", "wireguard")
        else None
    )
    return Flannel(
        network=network,
        backend_type=backend_type,
        port=port,
        direct_routing=_field(backend, "DirectRouting") is True,
        # flanneld's own default is off; kube-flannel.yml turns it on. When the DaemonSet
        # is not visible it is not known (None): the analysis tries both (engine/cases.py).
        ip_masq=ip_masq,
        mtu=mtu,
        mtu_auto=mtu is None,
        kube_subnet_mgr=kube_subnet_mgr,
        bundle=bundle,
        subnet_len=_subnet_len(
            conf, network if isinstance(network, ipaddress.IPv4Network) else None
        )
        if kube_subnet_mgr is False
        else None,
        # EnableIPv4 defaults to true, EnableIPv6 to false (pkg/subnet/config.go).
        enable_ipv4=_field(conf, "EnableIPv4") is not False,
        enable_ipv6=_field(conf, "EnableIPv6") is True,
        ipv6_network=ipv6_network if isinstance(ipv6_network, ipaddress.IPv6Network) else None,
        ipv6_subnet_len=positive(_field(conf, "IPv6SubnetLen"), most=128)
        or (64 if _field(conf, "EnableIPv6") is True else None),
    )


def _configmap(ctx: CniContext) -> tuple[JsonObject | None, list[ReadFailure]]:
    """The ConfigMap with net-conf.json: the one the agent mounts, else kube-flannel.yml's
    kube-flannel-cfg in kube-flannel (older ones: kube-system), and under Canal Calico's
    canal.yaml canal-config or RKE2's rke2-canal-config (kube-system)."""
    facts = ctx.facts
    spaces = list(dict.fromkeys([*facts.pod_cni.get("flannel", []), "kube-flannel", "kube-system"]))
    wanted = [(space, "kube-flannel-cfg") for space in spaces]
    if facts.calico_policy_only:
        wanted += [("kube-system", "canal-config"), ("kube-system", "rke2-canal-config")]
    if facts.flannel_config:
        wanted.insert(0, (spaces[0], facts.flannel_config))
    failures: list[ReadFailure] = []
    reader = ctx.reader
    for space, name in dict.fromkeys(wanted):
        request = f"GET /api/v1/namespaces/{space}/configmaps/{name}"
        try:
            return reader.call(
                request, reader.core.read_namespaced_config_map, name, space
            ), failures
        except ReadFailure as failure:
            failures.append(failure)
            if failure.kind not in ("not_found", "forbidden"):
                break
    return None, failures


def read_flannel(ctx: CniContext, detected: bool) -> CniResult | None:
    """Flannel's settings; None when it is not installed (and was not detected)."""
    configmap, failures = _configmap(ctx)
    k3s = ctx.facts.k3s.flannel() if ctx.facts.k3s is not None and configmap is None else None
    if k3s is not None:  # k3s's own flannel, from fixed templates and the server's flags
        return CniResult(
            cni=CNI(type="flannel", flannel=k3s),
            pod_network=k3s.networks,
            pod_network_source=SOURCE,
        )
    if configmap is None:
        server, key = ctx.facts.k3s, "gap.hint.flannel.config"
        if server is not None and server.partial:  # older k3s: its config file may say
            key = "gap.hint.k3s.partial"
        if server is not None and "--flannel-conf" in server.args:
            key = "gap.hint.flannel.k3s"
        hint = Msg(key)
        return ctx.unread("flannel", detected, combined(failures), "cluster.cni.flannel", hint)
    containers = ctx.agent_containers("flannel", namespace_of(configmap), "kube-flannel-ds")
    flannel = parse_flannel(
        configmap,
        ip_masq=flannel_flag(containers, "ip-masq", configmap),
        linux_only=ctx.facts.linux_only,
        notes=ctx.notes,
        kube_subnet_mgr=flannel_flag(containers, "kube-subnet-mgr", configmap),
        bundle="canal" if ctx.facts.calico_policy_only else None,
    )
    version, version_source = agent_version(containers, "flannel")
    if flannel is not None:  # flannel v0.27.4 added the flag (commit 93558a76)
        switch = flannel_flag(containers, "ip-masq-fully-random-disable", configmap)
        older = (version_tuple(version) or (0, 27, 4)) < (0, 27, 4)
        flannel = flannel.model_copy(update={"ip_masq_fully_random_disable": switch and not older})
        if flannel.bundle == "canal":  # Felix's natOutgoing masquerades pod egress too
            pools = canal_pools(ctx)
            felix = canal_nat_exclusions(ctx) if any(p.nat_outgoing for p in pools or ()) else None
            update = {
                "canal_pools": pools,
                "canal_nat_exclusions": felix,
                "canal_config": (configmap.get("metadata") or {}).get("name"),
                "canal_veth_mtu": canal_veth_mtu(configmap),
            }
            flannel = flannel.model_copy(update=update)
    network = flannel.networks if flannel is not None else ()
    return CniResult(
        cni=CNI(type="flannel", version=version, version_source=version_source, flannel=flannel),
        pod_network=network,
        pod_network_source="ConfigMap kube-flannel-cfg net-conf.json Network"
        + (" and IPv6Network" if any(n.version == 6 for n in network) else "")
        if network
        else None,
    )
