"""Read a Kubernetes cluster into the snapshot's ``cluster`` section: official client, read-only.

``collect_kubernetes`` reads the version, nodes, pods, the kubeadm, kubelet
and kube-proxy settings, the ``kubernetes`` and cluster DNS services with
their EndpointSlices, and the CNI's settings (Calico, Flannel or Cilium).
Every read is a list or a get of a named object, so the number of requests
does not grow with the node count (lists are paged: more pages only for more
than ``page_size`` objects of one kind).

What it cannot read does not stop it: the field stays None (unknown) and a
:class:`~kostack.model.snapshot.Gap` records the exact error and a hint, so
the checks that need it answer UNKNOWN. Only what makes the whole cluster
unreadable raises: an API server that cannot be reached (CollectError),
credentials it rejects (AuthError), or a refusal to list nodes (AuthError),
all exit code 3. Nothing returned or raised holds a credential; no client
object leaves the collect layer.

The core reads and where failures go are in ``_kube_core``; the CNI's settings,
the cluster, pod and service CIDRs and kube-proxy's mode in ``_kube_networks``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from kostack.collect import _kube_networks as networks
from kostack.collect._cilium_announce import with_cilium_lb
from kostack.collect._kube_api import open_session
from kostack.collect._kube_config import parse_kubeadm, parse_kubelet
from kostack.collect._kube_core import ClusterReads, cluster_dns_service, merge_services
from kostack.collect._kube_egress import read_egress_ips
from kostack.collect._kube_lb import read_lb_services
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_vip import read_virtual_ips
from kostack.collect.match import NodeIdentity
from kostack.gap_words import Msg, quoted
from kostack.model.snapshot import CNI, Cluster, Gap

__all__ = ["DEFAULT_PAGE_SIZE", "KubeCollection", "collect_kubernetes"]

# kubectl's chunk size for lists (--chunk-size default 500).
DEFAULT_PAGE_SIZE: Final = 500

Progress = Callable[[str], None]


@dataclass(frozen=True)
class KubeCollection:
    """What was read from one cluster.

    ``cluster`` is the snapshot record; ``gaps`` what could not be read (exact
    error and hint each); ``nodes_raw`` what identifies each node's VM, for
    matching nodes to Neutron ports; ``api_requests`` how many requests it took.
    """

    cluster: Cluster
    gaps: tuple[Gap, ...]
    nodes_raw: tuple[NodeIdentity, ...]
    api_requests: int = 0


def collect_kubernetes(
    kubeconfig: str | None,
    context: str | None,
    *,
    timeout_s: float = 10.0,
    in_cluster: bool | None = None,
    environ: Mapping[str, str] | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
) -> KubeCollection:
    """Read the cluster that ``kubeconfig``/``context`` (or the in-cluster account) points at.

    ``kubeconfig`` None means KUBECONFIG, then ~/.kube/config; ``context``
    None means the kubeconfig's current context. ``in_cluster`` True uses the
    pod's service account, False never does, None uses it when no kubeconfig
    is found and the process runs in a pod. ``environ`` replaces os.environ
    (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT). ``timeout_s`` bounds
    each request; ``progress`` is told what is being read.

    Raises ConfigError (exit 2) for unusable configuration, CollectError or
    AuthError (exit 3) when the cluster cannot be read at all.
    """
    env = os.environ if environ is None else environ
    session = open_session(kubeconfig, context, in_cluster=in_cluster, environ=env)
    try:
        reader = Reader(session, timeout_s=timeout_s, page_size=page_size)
        return _collect(ClusterReads(session, reader), progress or (lambda _: None))
    finally:
        session.close()


def _collect(reads: ClusterReads, progress: Progress) -> KubeCollection:
    """Every read in order, then the cluster record from what they found."""
    progress("Kubernetes API version")
    version = reads.version()
    progress("nodes")
    nodes, identities = reads.nodes()
    progress("pods")
    pods = reads.pods()
    progress("kubeadm, kubelet and kube-proxy settings")
    kubeadm, kubeadm_failure = reads.configmap("kubeadm-config", parse_kubeadm)
    kubelet, kubelet_failure = reads.configmap("kubelet-config", parse_kubelet)
    proxy_cm, proxy_failure = reads.raw_configmap("kube-proxy")
    cluster_dns = kubelet.cluster_dns[0] if kubelet and kubelet.cluster_dns else None
    progress("services and EndpointSlices")
    services = reads.services(cluster_dns, nodes)
    progress("Services of type LoadBalancer")
    lb = read_lb_services(reads.reader, nodes, reads.gap, reads.notes)
    services = merge_services(services, lb.services)
    progress("CNI settings")
    cni_result = networks.read_settings(reads)
    progress("MetalLB and kube-vip")
    endpoint = kubeadm.control_plane_endpoint if kubeadm else None
    facts = reads.facts
    servicelb = (facts.k3s.servicelb if facts.k3s else None) if facts.k3s_nodes else ""
    vips = read_virtual_ips(
        reads.reader, facts.vips, facts.pods_known, endpoint, reads.gap, servicelb
    )
    if vips is not None and cni_result is not None and cni_result.cni.type == "cilium":
        vips = with_cilium_lb(vips, reads.reader, reads.gap, reads.gap_text, cni_result.cilium_lb)
    progress("egress IPs (Antrea Egress, Cilium egress gateway)")
    egress = read_egress_ips(reads.reader, cni_result.cni if cni_result else None, reads.gap)
    dns_service = cluster_dns_service(services, cluster_dns)
    cluster_dns_ip = cluster_dns or (dns_service.cluster_ip if dns_service else None)
    if cluster_dns_ip is None:
        reads.gap_text(
            "cluster.cluster_dns_ip",
            Msg("gap.kube.no-dns-ip.failed", error=quoted(kubelet_failure.error))
            if kubelet_failure
            else Msg("gap.kube.no-dns-ip"),
            Msg("gap.hint.kube.dns-ip"),
        )
    cluster_cidrs = networks.cluster_cidrs(reads.facts, kubeadm, proxy_cm)
    pod_cidrs, pod_cidrs_source = networks.pod_cidrs(
        reads, cluster_cidrs, kubeadm_failure, cni_result
    )
    proxy_mode = networks.kube_proxy_mode(reads, proxy_cm, proxy_failure, cni_result)
    proxy_absent = proxy_mode is None and networks.kube_proxy_absent(reads, proxy_cm, proxy_failure)
    cluster = Cluster(
        name=kubeadm.cluster_name if kubeadm else None,
        kubernetes_version=version,
        nodes=nodes,
        pods=pods,
        services=services,
        pod_cidrs=pod_cidrs,
        pod_cidrs_source=pod_cidrs_source,
        cluster_cidrs=cluster_cidrs[0] if cluster_cidrs else None,
        service_cidrs=networks.service_cidrs(reads, kubeadm, kubeadm_failure, cni_result),
        cluster_dns_ip=cluster_dns_ip,
        dns_domain=(kubeadm.dns_domain if kubeadm else None)
        or (kubelet.cluster_domain if kubelet else None)
        or "cluster.local",
        kube_proxy_mode=proxy_mode,
        kube_proxy_absent=proxy_absent,
        kubeadm=True if kubeadm is not None else (None if kubeadm_failure else False),
        kube_proxy_pods=networks.kube_proxy_pods(reads),
        kube_proxy_node_port_addresses=networks.kube_proxy_node_port_addresses(reads, proxy_cm),
        cni=cni_result.cni if cni_result else CNI(),
        service_events=lb.events,
        virtual_ips=vips,
        egress_ips=egress,
    )
    reads.notes_to_gaps()
    reads.inconsistent_lists_to_gaps()
    return KubeCollection(
        cluster=cluster,
        gaps=tuple(reads.gaps),
        nodes_raw=identities,
        api_requests=reads.reader.requests,
    )
