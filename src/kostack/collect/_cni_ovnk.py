"""Read OVN-Kubernetes' settings (docs/facts.md "OVN-Kubernetes"; model/ovnk.py says where).

OpenShift (cluster-network-operator bindata/network/ovn-kubernetes/self-hosted/004-config.yaml):
ConfigMap ``ovnkube-config`` in openshift-ovn-kubernetes, key ``ovnkube.conf``, a gcfg (INI)
file: ``[default] mtu``, ``encap-port``, ``cluster-subnets``, ``transport``; ``[kubernetes]
service-cidrs``; ``[gateway] mode``. ovn-kubernetes' own install (dist/templates/
ovn-setup.yaml.j2, ovnkube-node.yaml.j2, dist/images/ovnkube.sh): ConfigMap ``ovn-config`` in
ovn-kubernetes (``mtu``, ``net_cidr``, ``svc_cidr``) and the ovnkube-node container's
``OVN_ENCAP_PORT`` (6081 when empty), ``OVN_GATEWAY_MODE`` ("shared" when empty) and
``OVN_DISABLE_SNAT_MULTIPLE_GWS``. A key the file leaves out takes config.go's default
(encap-type geneve, encap-port 6081, mtu 1400); the gateway mode has none there (ovnkube.sh
passes its flag), so an absent one is not known. Each node's pod range is its annotation
k8s.ovn.org/node-subnets; OVN's IPsec is its ovn-ipsec pods; on OpenShift the Network
operator config says the IPsec mode (_cni_ovnk_operator.py). Three requests at most.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from typing import Any, Final

from kostack.collect._cni_common import CniContext, CniResult, agent_version, positive, truthy
from kostack.collect._cni_ovnk_operator import read_operator
from kostack.collect._kube_objects import Notes, as_dict, as_list
from kostack.collect._kube_types import ReadFailure
from kostack.gap_words import Msg
from kostack.model.ovnk import OVNK_DEFAULT_MTU, OVNK_GENEVE_PORT, OvnKubernetes
from kostack.model.snapshot import CNI, IPNetwork

SOURCE: Final = "cluster.cni.ovn_kubernetes"
NAMESPACE: Final = "ovn-kubernetes"  # ovn-kubernetes' own install; OpenShift's is openshift-*
INI_MAP: Final = "ovnkube-config"
INI_KEY: Final = "ovnkube.conf"
ENV_MAP: Final = "ovn-config"
Sections = dict[str, dict[str, str]]


def parse_ini(text: str) -> Sections:
    """gcfg's sections: ``[name]`` then ``key=value`` lines (names lower-cased, a value's
    double quotes dropped, ``;`` and ``#`` lines comments)."""
    out: Sections = {}
    section = out.setdefault("", {})
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = out.setdefault(line[1:-1].strip().lower(), {})
        elif "=" in line:
            key, value = line.split("=", 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            section[key.strip().lower()] = value
    return out


def _subnets(text: str, field: str, notes: Notes) -> tuple[tuple[IPNetwork, ...], tuple[int, ...]]:
    """cluster-subnets ("cidr/hostPrefix" or "cidr", comma-separated) or service-cidrs: the
    CIDRs and the host prefixes written (config.go ParseClusterSubnetEntries)."""
    cidrs: list[IPNetwork] = []
    prefixes: list[int] = []
    for entry in (e.strip() for e in text.split(",") if e.strip()):
        parts = entry.split("/")
        try:
            cidrs.append(ipaddress.ip_network("/".join(parts[:2]), strict=False))
            if len(parts) == 3:
                prefixes.append(int(parts[2]))
        except ValueError:
            notes.skip(SOURCE, Msg("skip.not-modelled", field=field, value=repr(text)))
            return (), ()
    return tuple(dict.fromkeys(cidrs)), tuple(prefixes)


def parse_conf(sections: Sections, where: str, notes: Notes) -> OvnKubernetes:
    """OVN-Kubernetes' settings from ovnkube.conf's sections (config.go's defaults for keys
    left out; ``where`` names the ConfigMap)."""
    default, gateway = sections.get("default", {}), sections.get("gateway", {})
    encap = default.get("encap-type", "geneve").lower()
    if encap != "geneve":
        notes.skip(SOURCE, Msg("skip.not-modelled", field="encap-type", value=repr(encap)))
    port = positive(default.get("encap-port") or OVNK_GENEVE_PORT)
    mtu = positive(default.get("mtu") or OVNK_DEFAULT_MTU, least=68)
    for key, value, found in (("encap-port", default.get("encap-port"), port), ("mtu", 0, mtu)):
        if found is None:
            notes.skip(SOURCE, Msg("skip.not-modelled", field=key, value=repr(value)))
    mode = gateway.get("mode", "").lower()
    if mode not in ("shared", "local", ""):
        notes.skip(SOURCE, Msg("skip.not-modelled", field="[gateway] mode", value=repr(mode)))
    cluster, prefixes = _subnets(default.get("cluster-subnets", ""), "cluster-subnets", notes)
    services, _ = _subnets(sections.get("kubernetes", {}).get("service-cidrs", ""), "", notes)
    return OvnKubernetes(
        config_map=where,
        encap_type="geneve" if encap == "geneve" else None,
        encap_port=port,
        transport=default.get("transport", ""),
        mtu=mtu,
        gateway_mode=mode if mode in ("shared", "local") else None,
        disable_snat_multiple_gws=truthy(gateway.get("disable-snat-multiple-gws"), False),
        cluster_subnets=cluster or None,
        host_prefixes=prefixes or None,
        service_cidrs=services or None,
    )


def env_sections(data: Mapping[str, Any], env: Mapping[str, str]) -> Sections:
    """ovn-kubernetes' own install as ovnkube.conf's sections: ConfigMap ovn-config's keys and
    the ovnkube-node container's environment, with dist/images/ovnkube.sh's defaults."""
    return {
        "default": {
            "mtu": str(data.get("mtu") or ""),
            "cluster-subnets": str(data.get("net_cidr") or ""),
            "encap-port": env.get("OVN_ENCAP_PORT") or str(OVNK_GENEVE_PORT),
        },
        "kubernetes": {"service-cidrs": str(data.get("svc_cidr") or "")},
        "gateway": {
            "mode": env.get("OVN_GATEWAY_MODE") or "shared",
            "disable-snat-multiple-gws": env.get("OVN_DISABLE_SNAT_MULTIPLE_GWS", ""),
        },
    }


def node_subnets(raw: Mapping[str, str], notes: Notes) -> dict[str, tuple[IPNetwork, ...]]:
    """Each node's k8s.ovn.org/node-subnets "default" range(s): one CIDR or a list."""
    out: dict[str, tuple[IPNetwork, ...]] = {}
    for node, text in raw.items():
        try:
            found = json.loads(text).get("default")
            cidrs = [found] if isinstance(found, str) else list(found)
            out[node] = tuple(ipaddress.ip_network(str(c), strict=False) for c in cidrs)
        except (ValueError, TypeError, AttributeError, RecursionError):
            shown = repr(text if len(text) <= 80 else f"{text[:80]}...")  # a note stays short
            notes.skip(SOURCE, Msg("skip.ovnk-node-subnets", node=node, value=shown))
    return out


def _env(containers: list[dict[str, Any]]) -> dict[str, str]:
    """The plain (not valueFrom) environment of every container, the first value winning."""
    out: dict[str, str] = {}
    for container in containers:
        for e in as_list(container.get("env")):
            value = as_dict(e).get("value")
            if isinstance(value, str):
                out.setdefault(str(as_dict(e).get("name")), value)
    return out


def _read_map(ctx: CniContext, namespace: str, name: str) -> dict[str, Any] | None:
    """One ConfigMap; None when absent (a 404); any other failure is raised."""
    reader = ctx.reader
    request = f"GET /api/v1/namespaces/{namespace}/configmaps/{name}"
    try:
        return reader.call(request, reader.core.read_namespaced_config_map, name, namespace)
    except ReadFailure as failure:
        ctx.check(failure)
        if failure.kind == "not_found":
            return None
        raise


def _settings(
    ctx: CniContext, namespace: str, containers: list[dict[str, Any]]
) -> OvnKubernetes | str:
    """ovnkube.conf in ovnkube-config, else ovn-config and the agent's environment; the gap's
    text when ovnkube-config has no ovnkube.conf. Raises the ReadFailure that stops it (a 404
    of ovn-config, the last one tried, included)."""
    found = _read_map(ctx, namespace, INI_MAP)
    if found is not None:
        text = as_dict(found.get("data")).get(INI_KEY)
        name = f"{namespace}/{INI_MAP}"
        if not isinstance(text, str):
            return Msg("gap.kube.ovnk-key", name=name, file=INI_KEY)
        return parse_conf(parse_ini(text), name, ctx.notes)
    request = f"GET /api/v1/namespaces/{namespace}/configmaps/{ENV_MAP}"
    reader = ctx.reader
    data = reader.call(request, reader.core.read_namespaced_config_map, ENV_MAP, namespace)
    sections = env_sections(as_dict(as_dict(data).get("data")), _env(containers))
    return parse_conf(sections, f"{namespace}/{ENV_MAP}", ctx.notes)


def read_ovn_kubernetes(ctx: CniContext, detected: bool) -> CniResult | None:
    """OVN-Kubernetes' settings; None when nothing says it runs (its ovnkube-node pods, or
    the nodes' k8s.ovn.org/node-subnets annotations, say so). Its OVN load balancers serve
    every Service address: kube-proxy's mode is "none" when no kube-proxy pod runs."""
    if not detected:
        return None
    namespace = (ctx.facts.pod_cni.get("ovn-kubernetes") or [NAMESPACE])[0]
    containers = ctx.agent_containers("ovn-kubernetes", namespace, "ovnkube-node")
    version, version_source = agent_version(containers, "ovn-kubernetes")
    base = CNI(type="ovn-kubernetes", version=version, version_source=version_source)
    hint = Msg("gap.hint.ovnk.config", namespace=namespace)
    try:
        found = _settings(ctx, namespace, containers)
    except ReadFailure as failure:
        ctx.gap(SOURCE, failure, hint)
        return CniResult(cni=base, kube_proxy_replacement=True)
    if isinstance(found, str):
        ctx.gap_text(SOURCE, found, hint)
        return CniResult(cni=base, kube_proxy_replacement=True)
    facts = ctx.facts
    settings = OvnKubernetes.model_validate(
        {
            **found.model_dump(),
            "ipsec": True if facts.ovn_ipsec else (False if facts.pods_known else None),
            "node_subnets": node_subnets(facts.ovnk_node_subnets, ctx.notes),
            "operator": read_operator(ctx, namespace, found),
        }
    )
    cni = base.model_copy(update={"ovn_kubernetes": settings})
    source = f"ConfigMap {settings.config_map} cluster-subnets"
    return CniResult(
        cni=cni,
        kube_proxy_replacement=True,
        pod_network=settings.cluster_subnets or (),
        pod_network_source=source if settings.cluster_subnets else None,
        service_cidrs=settings.service_cidrs or (),
    )
