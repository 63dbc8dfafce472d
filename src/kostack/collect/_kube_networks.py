"""The cluster's networks and modes: which CNI's settings are read, the cluster, pod and
service CIDRs, and kube-proxy's mode, each from wherever the distribution keeps it.

Where a range or mode comes from: kubeadm's ConfigMaps, the control plane's flags (static
pods), kube-proxy's ConfigMap or flags, the CNI's own pools, a k3s server's node-args.
What none of them says becomes a gap whose hint, on MicroK8s and older k3s, is the
distribution's own (``hint``).
"""

from __future__ import annotations

from collections.abc import Callable

from kostack.collect._cni_antrea import read_antrea
from kostack.collect._cni_calico import read_calico
from kostack.collect._cni_cilium import read_cilium
from kostack.collect._cni_common import CNI_ORDER, ClusterFacts, CniContext, CniName, CniResult
from kostack.collect._cni_flannel import read_flannel
from kostack.collect._cni_kubeovn import read_kube_ovn
from kostack.collect._cni_kuberouter import read_kube_router
from kostack.collect._cni_ovnk import read_ovn_kubernetes
from kostack.collect._k3s import SOURCE as K3S_SOURCE
from kostack.collect._kube_config import (
    KubeadmNetworking,
    kube_proxy_document,
    parse_kube_proxy,
    proxy_mode,
)
from kostack.collect._kube_core import ClusterReads
from kostack.collect._kube_objects import container_args, flag_value, parse_cidrs
from kostack.collect._kube_types import JsonObject, ReadFailure, joined
from kostack.gap_words import Msg, quoted
from kostack.model.node_ports import node_port_address, primary_alone
from kostack.model.snapshot import IPNetwork, KubeProxyMode

# One module per CNI reads its settings, a constant number of requests whatever the node count.
READERS: dict[CniName, Callable[[CniContext, bool], CniResult | None]] = {
    "calico": read_calico,
    "flannel": read_flannel,
    "cilium": read_cilium,
    "kube-router": read_kube_router,
    "antrea": read_antrea,
    "kube-ovn": read_kube_ovn,
    "ovn-kubernetes": read_ovn_kubernetes,
}


def read_cni(context: CniContext) -> CniResult | None:
    """The settings of the CNI that nodes and pods point at; None when none was found.

    With evidence (agent pods, node annotations) only that CNI is read, and
    whatever cannot be read becomes a gap. Without any, each CNI's settings
    are probed in turn; the first one present wins, and if none is, the
    probes' answers (``context.probe_failures``) go into one ``cluster.cni`` gap. A
    Calico that only enforces policy (Canal) gives way to flannel, which routes.
    """
    facts = context.facts
    candidates = facts.candidates()
    if candidates:
        result = READERS[candidates[0]](context, True)
        if result is not None and result.policy_only and "flannel" in candidates:
            facts.calico_policy_only = True  # Canal, seen from Calico's side
            return READERS["flannel"](context, True)
        return result
    for name in CNI_ORDER:
        result = READERS[name](context, False)
        if result is not None:
            return result
    return None


def read_settings(reads: ClusterReads) -> CniResult | None:
    """The CNI's settings; when none was found, a ``cluster.cni`` gap saying why."""
    context = CniContext(
        reads.reader, reads.facts, reads.gap, reads.notes, reads.check, reads.gap_text
    )
    result = read_cni(context)
    if result is None:
        failures = context.probe_failures
        error = quoted(joined([f.error for f in failures])) if failures else Msg("gap.kube.no-cni")
        hint = Msg("gap.hint.kube.cni")
        if reads.facts.unmodelled:
            name, namespace = min(reads.facts.unmodelled.items())
            error = Msg("gap.kube.cni-unmodelled", cni=name, namespace=namespace)
            hint = Msg(f"gap.hint.kube.cni.{name.lower().replace(' ', '-')}")
        reads.gap_text("cluster.cni", error, hint)
    return result


def cluster_cidrs(
    facts: ClusterFacts, kubeadm: KubeadmNetworking | None, proxy_cm: JsonObject | None
) -> tuple[tuple[IPNetwork, ...], str] | None:
    """kube-controller-manager's cluster CIDR (where Node podCIDRs come from) and its source:
    kubeadm's podSubnet, else its --cluster-cidr flag, else kube-proxy's clusterCIDR, else
    a k3s server's --cluster-cidr."""
    if kubeadm is not None and kubeadm.pod_subnets:
        return kubeadm.pod_subnets, "ConfigMap kube-system/kubeadm-config networking.podSubnet"
    flag = parse_cidrs(flag_value(facts.controller_manager_args, "--cluster-cidr"))
    if flag:
        return flag, "kube-controller-manager --cluster-cidr"
    if proxy_cm is not None:
        cluster_cidr = parse_cidrs(parse_kube_proxy(proxy_cm)[2])
        if cluster_cidr:
            return cluster_cidr, "ConfigMap kube-system/kube-proxy clusterCIDR"
    k3s = facts.k3s.cluster_cidrs if facts.k3s is not None else None
    return (k3s, K3S_SOURCE) if k3s else None


def pod_cidrs(
    reads: ClusterReads,
    cluster_cidrs: tuple[tuple[IPNetwork, ...], str] | None,
    kubeadm_failure: ReadFailure | None,
    cni: CniResult | None,
) -> tuple[tuple[IPNetwork, ...] | None, str | None]:
    """Where pods really get addresses: the CNI's own pools (Calico's enabled IP pools,
    Cilium's cluster pool, Flannel's Network); else the cluster CIDR, which the CNI
    then uses through the Nodes' podCIDRs (Cilium's kubernetes IPAM)."""
    if cni is not None and cni.pod_network_unknown:
        reads.gap_text(
            "cluster.pod_cidrs",
            cni.pod_network_unknown,
            Msg("gap.hint.kube.pod-network-unknown"),
        )
        return None, None
    if cni is not None and cni.pod_network:
        return cni.pod_network, cni.pod_network_source
    if cluster_cidrs is not None:
        return cluster_cidrs
    why = quoted(kubeadm_failure.error) if kubeadm_failure else Msg("gap.kube.no-pod-subnet")
    reads.gap_text(
        "cluster.pod_cidrs",
        Msg("gap.kube.no-pod-cidrs", why=why),
        gap_hint(reads.facts, "gap.hint.kube.pod-cidrs"),
    )
    return None, None


def service_cidrs(
    reads: ClusterReads,
    kubeadm: KubeadmNetworking | None,
    kubeadm_failure: ReadFailure | None,
    cni: CniResult | None = None,
) -> tuple[IPNetwork, ...] | None:
    """kubeadm's serviceSubnet, else kube-apiserver's --service-cluster-ip-range (or
    kube-router's, which k0s passes: its apiserver is no pod), else a k3s server's
    --service-cidr, else the CNI's (OVN-Kubernetes' [kubernetes] service-cidrs)."""
    if kubeadm is not None and kubeadm.service_subnets:
        return kubeadm.service_subnets
    router = [
        a for c in reads.facts.agent_containers.get("kube-router", []) for a in container_args(c)
    ]
    for args in (reads.facts.apiserver_args, router):
        flag = parse_cidrs(flag_value(args, "--service-cluster-ip-range"))
        if flag:
            return flag
    if reads.facts.k3s is not None and reads.facts.k3s.service_cidrs:
        return reads.facts.k3s.service_cidrs
    if cni is not None and cni.service_cidrs:
        return cni.service_cidrs
    why = quoted(kubeadm_failure.error) if kubeadm_failure else Msg("gap.kube.no-service-subnet")
    reads.gap_text(
        "cluster.service_cidrs",
        Msg("gap.kube.no-service-cidrs", why=why),
        gap_hint(reads.facts, "gap.hint.kube.service-cidrs"),
    )
    return None


def kube_proxy_mode(
    reads: ClusterReads,
    proxy_cm: JsonObject | None,
    proxy_failure: ReadFailure | None,
    cni: CniResult | None,
) -> KubeProxyMode | None:
    """kube-proxy's config.conf mode; "none" when the CNI replaces it (Cilium's kube-proxy
    replacement, kube-router's service proxy, Antrea's proxyAll) and no kube-proxy pod runs."""
    replaced = cni is not None and cni.kube_proxy_replacement
    if replaced and reads.facts.pods_known and reads.facts.kube_proxy_pods == 0:
        return "none"
    if proxy_cm is not None:
        mode, raw, _ = parse_kube_proxy(proxy_cm)
        if mode is None:
            reads.gap_text(
                "cluster.kube_proxy_mode",
                Msg("gap.kube.proxy-mode", mode=repr(raw)),
                Msg("gap.hint.kube.proxy-modes"),
            )
        return mode
    flags = reads.facts.kube_proxy_args
    if flags and flag_value(flags, "--config") is None:  # RKE2's static pods: flags only
        from_flags = proxy_mode(flag_value(flags, "--proxy-mode") or "")
        if from_flags is not None:
            return from_flags
    if reads.facts.k3s is not None and reads.facts.k3s.proxy_mode is not None:
        return reads.facts.k3s.proxy_mode  # k3s runs kube-proxy in its own process
    if proxy_failure is not None:
        reads.gap(
            "cluster.kube_proxy_mode",
            proxy_failure,
            gap_hint(reads.facts, "gap.hint.kube.proxy-read", proxy=True),
        )
    else:
        reads.gap_text(
            "cluster.kube_proxy_mode",
            "GET /api/v1/namespaces/kube-system/configmaps/kube-proxy: 404 Not Found",
            gap_hint(reads.facts, "gap.hint.kube.proxy-absent", proxy=True),
        )
    return None


def kube_proxy_absent(
    reads: ClusterReads, proxy_cm: JsonObject | None, proxy_failure: ReadFailure | None
) -> bool:
    """Nothing seen of kube-proxy where it would be: its ConfigMap answered 404 (not a denied
    read), the pods were listed and none is kube-proxy's (kubeadm's DaemonSet or a static
    pod), and the distribution does not run it inside another process (k3s, MicroK8s). A
    replacement (Cilium's, kube-router's, Antrea's proxyAll) already made the mode "none"
    and is not asked about here. kube-proxy may still run outside pods (a systemd unit);
    the analysis says UNKNOWN, never that Services work (docs/collect.md)."""
    facts = reads.facts
    return (
        proxy_cm is None
        and proxy_failure is None
        and facts.pods_known
        and facts.kube_proxy_pods == 0
        and not facts.kube_proxy_args
        and not facts.microk8s
        and facts.k3s is None
    )


def gap_hint(facts: ClusterFacts, key: str, *, proxy: bool = False) -> str:
    """A gap's hint; on MicroK8s (kube-proxy's mode) and on k3s older than v1.21.1 (flags
    missing from node-args) the distribution's own, with the command that shows it."""
    if proxy and facts.microk8s:
        return Msg("gap.hint.microk8s.proxy")
    if facts.k3s is not None and facts.k3s.partial:
        return Msg("gap.hint.k3s.partial")
    return Msg(key)


def kube_proxy_pods(reads: ClusterReads) -> int | None:
    """kube-proxy's pods listed; None when the pods were not listed or the distribution runs
    kube-proxy inside another process (k3s, MicroK8s), where no pod of it is expected."""
    facts = reads.facts
    if not facts.pods_known or facts.microk8s or facts.k3s is not None:
        return None
    return facts.kube_proxy_pods


def _addresses(values: object, where: str, reads: ClusterReads) -> tuple[str, ...] | None:
    """nodePortAddresses as kube-proxy takes them (CIDRs, or "primary" alone); None after a
    note when they are something else."""
    if values is None:
        return ()
    try:
        if not isinstance(values, list):  # kube-proxy's strict decoding refuses a scalar
            raise ValueError(values)
        return primary_alone(tuple(node_port_address(text) for text in values))
    except ValueError:
        reads.notes.skip(
            "cluster.kube_proxy_node_port_addresses",
            Msg("skip.not-modelled", field=where, value=repr(values)),
        )
        return None


def kube_proxy_node_port_addresses(
    reads: ClusterReads, proxy_cm: JsonObject | None
) -> tuple[str, ...] | None:
    """kube-proxy's nodePortAddresses: config.conf in its ConfigMap, else its
    --nodeport-addresses flag (comma-separated; flags only, as RKE2's static pods); None when
    neither was read."""
    if proxy_cm is not None:
        document = kube_proxy_document(proxy_cm)
        if document is None:
            return None
        return _addresses(document.get("nodePortAddresses"), "nodePortAddresses", reads)
    flags = reads.facts.kube_proxy_args
    if flags and flag_value(flags, "--config") is None:
        flag = flag_value(flags, "--nodeport-addresses")
        values = [v for v in (flag or "").split(",") if v.strip()] or None
        return _addresses(values, "--nodeport-addresses", reads)
    return None
