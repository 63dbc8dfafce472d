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
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from kostack.collect._cni_antrea import read_antrea
from kostack.collect._cni_calico import read_calico
from kostack.collect._cni_cilium import read_cilium
from kostack.collect._cni_common import CNI_ORDER, ClusterFacts, CniContext, CniName, CniResult
from kostack.collect._cni_flannel import read_flannel
from kostack.collect._cni_kubeovn import read_kube_ovn
from kostack.collect._cni_kuberouter import read_kube_router
from kostack.collect._k3s import SOURCE as K3S_SOURCE
from kostack.collect._kube_api import open_session
from kostack.collect._kube_egress import read_egress_ips
from kostack.collect._kube_lb import read_lb_services, with_endpoints
from kostack.collect._kube_objects import (
    KubeadmNetworking,
    Notes,
    as_dict,
    container_args,
    flag_value,
    parse_cidrs,
    parse_kube_proxy,
    parse_kubeadm,
    parse_kubelet,
    parse_node,
    parse_pod,
    proxy_mode,
)
from kostack.collect._kube_reader import Reader, fatal
from kostack.collect._kube_types import JsonObject, ReadFailure, Session, joined
from kostack.collect._kube_vip import read_virtual_ips
from kostack.collect.gap_texts import make_gap
from kostack.collect.match import NodeIdentity, node_identity
from kostack.gap_words import Msg, first_of, quoted
from kostack.model.snapshot import (
    CNI,
    Cluster,
    Gap,
    IPAddress,
    IPNetwork,
    KubeProxyMode,
    Node,
    Pod,
    Service,
)

__all__ = ["DEFAULT_PAGE_SIZE", "KubeCollection", "collect_kubernetes"]

# kubectl's chunk size for lists (--chunk-size default 500).
DEFAULT_PAGE_SIZE: Final = 500
DNS_SERVICE: Final = ("kube-system", "kube-dns")
API_SERVICE: Final = ("default", "kubernetes")

Progress = Callable[[str], None]
Parsed = TypeVar("Parsed")
# One module per CNI reads its settings, a constant number of requests whatever the node count.
READERS: dict[CniName, Callable[[CniContext, bool], CniResult | None]] = {
    "calico": read_calico,
    "flannel": read_flannel,
    "cilium": read_cilium,
    "kube-router": read_kube_router,
    "antrea": read_antrea,
    "kube-ovn": read_kube_ovn,
}


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
        return _ClusterReader(session, reader, progress or (lambda _: None)).run()
    finally:
        session.close()


class _ClusterReader:
    def __init__(self, session: Session, reader: Reader, progress: Progress) -> None:
        self.session = session
        self.reader = reader
        self.progress = progress
        self.gaps: list[Gap] = []
        self.notes = Notes()
        self.facts = ClusterFacts()

    # ------------------------------------------------------------------ failures

    def _check(
        self, failure: ReadFailure, *, forbidden: bool = False, timeout: bool = False
    ) -> ReadFailure:
        """Raise if ``failure`` ends collection (see ``fatal``); otherwise hand it back."""
        error = fatal(failure, self.session, forbidden=forbidden, timeout=timeout)
        if error is not None:
            raise error from None
        return failure

    def gap(self, source: str, failure: ReadFailure, hint: str) -> None:
        self._check(failure)
        self.gap_text(source, failure.error, hint)

    def gap_text(self, source: str, error: str, hint: str) -> None:
        """A gap: kostack's words as `Msg`s (a plain ``error`` is the server's, quoted in Korean),
        redacted with the session's credentials (kostack.collect.gap_texts)."""
        self.gaps.append(make_gap(source, error, hint, self.session.redact))

    def _get(self, request: str, method: Callable[..., Any], *args: Any) -> JsonObject | None:
        """A named object, None when absent; failures raise ReadFailure (after _check)."""
        try:
            return self.reader.get(request, method, *args)
        except ReadFailure as failure:
            raise self._check(failure) from None

    # ------------------------------------------------------------------ the reads

    def run(self) -> KubeCollection:
        self.progress("Kubernetes API version")
        version = self._version()
        self.progress("nodes")
        nodes, identities = self._nodes()
        self.progress("pods")
        pods = self._pods()
        self.progress("kubeadm, kubelet and kube-proxy settings")
        kubeadm, kubeadm_failure = self._configmap("kubeadm-config", parse_kubeadm)
        kubelet, kubelet_failure = self._configmap("kubelet-config", parse_kubelet)
        proxy_cm, proxy_failure = self._raw_configmap("kube-proxy")
        cluster_dns = kubelet.cluster_dns[0] if kubelet and kubelet.cluster_dns else None
        self.progress("services and EndpointSlices")
        services = self._services(cluster_dns, nodes)
        self.progress("Services of type LoadBalancer")
        lb = read_lb_services(self.reader, nodes, self.gap, self.notes)
        services = _merge_services(services, lb.services)
        self.progress("CNI settings")
        cni_result = self._cni()
        self.progress("MetalLB and kube-vip")
        endpoint = kubeadm.control_plane_endpoint if kubeadm else None
        facts = self.facts
        vips = read_virtual_ips(self.reader, facts.vips, facts.pods_known, endpoint, self.gap)
        self.progress("egress IPs (Antrea Egress, Cilium egress gateway)")
        egress = read_egress_ips(self.reader, cni_result.cni if cni_result else None, self.gap)
        dns_service = self._dns_service(services, cluster_dns)
        cluster_dns_ip = cluster_dns or (dns_service.cluster_ip if dns_service else None)
        if cluster_dns_ip is None:
            self.gap_text(
                "cluster.cluster_dns_ip",
                Msg("gap.kube.no-dns-ip.failed", error=quoted(kubelet_failure.error))
                if kubelet_failure
                else Msg("gap.kube.no-dns-ip"),
                Msg("gap.hint.kube.dns-ip"),
            )
        cluster_cidrs = self._cluster_cidrs(kubeadm, proxy_cm)
        pod_cidrs, pod_cidrs_source = self._pod_cidrs(cluster_cidrs, kubeadm_failure, cni_result)
        cluster = Cluster(
            name=kubeadm.cluster_name if kubeadm else None,
            kubernetes_version=version,
            nodes=nodes,
            pods=pods,
            services=services,
            pod_cidrs=pod_cidrs,
            pod_cidrs_source=pod_cidrs_source,
            cluster_cidrs=cluster_cidrs[0] if cluster_cidrs else None,
            service_cidrs=self._service_cidrs(kubeadm, kubeadm_failure),
            cluster_dns_ip=cluster_dns_ip,
            dns_domain=(kubeadm.dns_domain if kubeadm else None)
            or (kubelet.cluster_domain if kubelet else None)
            or "cluster.local",
            kube_proxy_mode=self._kube_proxy_mode(proxy_cm, proxy_failure, cni_result),
            cni=cni_result.cni if cni_result else CNI(),
            service_events=lb.events,
            virtual_ips=vips,
            egress_ips=egress,
        )
        self._notes_to_gaps()
        self._inconsistent_lists_to_gaps()
        return KubeCollection(
            cluster=cluster,
            gaps=tuple(self.gaps),
            nodes_raw=identities,
            api_requests=self.reader.requests,
        )

    def _version(self) -> str | None:
        try:
            document = self.reader.call("GET /version", self.reader.version_api.get_code)
        except ReadFailure as failure:
            # The first request: no answer at all means the server is not there.
            self._check(failure, forbidden=True, timeout=True)
            self.gap(
                "cluster.kubernetes_version",
                failure,
                Msg("gap.hint.kube.version"),
            )
            return None
        version = document.get("gitVersion")
        return version if isinstance(version, str) and version else None

    def _nodes(self) -> tuple[tuple[Node, ...] | None, tuple[NodeIdentity, ...]]:
        nodes: list[Node] = []
        identities: list[NodeIdentity] = []
        try:
            for page in self.reader.pages("GET /api/v1/nodes", self.reader.core.list_node):
                for item in page:
                    self.facts.add_node(item)
                    parsed = parse_node(item, self.notes)
                    if parsed is None:
                        continue
                    nodes.append(parsed.node)
                    identities.append(
                        node_identity(parsed.node, parsed.macs, system_uuid=parsed.system_uuid)
                    )
        except ReadFailure as failure:
            # Not allowed to list nodes: nothing can be placed; a slow list is only a gap.
            self._check(failure, forbidden=True)
            self.gap(
                "cluster.nodes",
                failure,
                Msg("gap.hint.kube.nodes"),
            )
            return None, ()
        return tuple(nodes), tuple(identities)

    def _pods(self) -> tuple[Pod, ...] | None:
        pods: list[Pod] = []
        try:
            for page in self.reader.pages(
                "GET /api/v1/pods", self.reader.core.list_pod_for_all_namespaces
            ):
                for item in page:
                    self.facts.add_pod(item)
                    pod = parse_pod(item, self.notes)
                    if pod is not None:
                        pods.append(pod)
        except ReadFailure as failure:
            self.facts = ClusterFacts(node_cni=self.facts.node_cni, nodes_os=self.facts.nodes_os)
            self.gap(
                "cluster.pods",
                failure,
                Msg("gap.hint.kube.pods"),
            )
            return None
        self.facts.pods_known = True
        return tuple(pods)

    def _raw_configmap(self, name: str) -> tuple[JsonObject | None, ReadFailure | None]:
        try:
            return (
                self._get(
                    f"GET /api/v1/namespaces/kube-system/configmaps/{name}",
                    self.reader.core.read_namespaced_config_map,
                    name,
                    "kube-system",
                ),
                None,
            )
        except ReadFailure as failure:
            return None, failure

    def _configmap(
        self, name: str, parse: Callable[[JsonObject], Parsed | None]
    ) -> tuple[Parsed | None, ReadFailure | None]:
        configmap, failure = self._raw_configmap(name)
        if configmap is None:
            return None, failure
        parsed = parse(configmap)
        if parsed is None:
            source = "cluster." + name.replace("-", "_")
            self.notes.skip(source, Msg("skip.configmap", name=name))
        return parsed, None

    # ------------------------------------------------------------------ services

    def _services(
        self, cluster_dns: IPAddress | None, nodes: tuple[Node, ...] | None
    ) -> tuple[Service, ...] | None:
        """default/kubernetes and the cluster DNS service, with their EndpointSlices.

        The DNS service is the one holding the kubelet's clusterDNS address;
        kube-system/kube-dns (kubeadm's CoreDNS service) is read first, and
        only when its ClusterIP is not clusterDNS is the owner looked up.
        """
        core = self.reader.core
        failures: list[ReadFailure] = []
        found: list[JsonObject] = []
        for namespace, name in (API_SERVICE, DNS_SERVICE):
            try:
                obj = self._get(
                    f"GET /api/v1/namespaces/{namespace}/services/{name}",
                    core.read_namespaced_service,
                    name,
                    namespace,
                )
            except ReadFailure as failure:
                failures.append(failure)
                continue
            if obj is not None:
                found.append(obj)
        dns_ip_text = str(cluster_dns) if cluster_dns else None
        has_dns_owner = any(as_dict(s.get("spec")).get("clusterIP") == dns_ip_text for s in found)
        if dns_ip_text and not has_dns_owner and not failures:
            try:
                owners = self.reader.all(
                    f"GET /api/v1/services?fieldSelector=spec.clusterIP={dns_ip_text}",
                    core.list_service_for_all_namespaces,
                    field_selector=f"spec.clusterIP={dns_ip_text}",
                )
                found.extend(owners[:1])
            except ReadFailure as failure:
                failures.append(self._check(failure))
        if failures:
            self.gap(
                "cluster.services",
                failures[0],
                Msg("gap.hint.kube.services"),
            )
            return None
        hint = Msg("gap.hint.kube.endpoints")
        request = "GET /apis/discovery.k8s.io/v1/endpointslices"
        services = with_endpoints(
            self.reader, found, nodes, self.gap, hint, self.notes, request=request
        )
        return tuple(services)

    @staticmethod
    def _dns_service(
        services: tuple[Service, ...] | None, cluster_dns: IPAddress | None
    ) -> Service | None:
        for service in services or ():
            if cluster_dns is not None and service.cluster_ip == cluster_dns:
                return service
        for service in services or ():
            if (service.namespace, service.name) == DNS_SERVICE:
                return service
        return None

    # ------------------------------------------------------------------ networks and modes

    def _cni(self) -> CniResult | None:
        context = CniContext(
            self.reader, self.facts, self.gap, self.notes, self._check, self.gap_text
        )
        result = _read_cni(context)
        if result is None:
            failures = context.probe_failures
            error = (
                quoted(joined([f.error for f in failures])) if failures else Msg("gap.kube.no-cni")
            )
            hint = Msg("gap.hint.kube.cni")
            if self.facts.unmodelled:
                name, namespace = min(self.facts.unmodelled.items())
                error = Msg("gap.kube.cni-unmodelled", cni=name, namespace=namespace)
                hint = Msg(f"gap.hint.kube.cni.{name.lower().replace(' ', '-')}")
            self.gap_text("cluster.cni", error, hint)
        return result

    def _cluster_cidrs(
        self, kubeadm: KubeadmNetworking | None, proxy_cm: JsonObject | None
    ) -> tuple[tuple[IPNetwork, ...], str] | None:
        """kube-controller-manager's cluster CIDR (where Node podCIDRs come from) and its source:
        kubeadm's podSubnet, else its --cluster-cidr flag, else kube-proxy's clusterCIDR, else
        a k3s server's --cluster-cidr."""
        if kubeadm is not None and kubeadm.pod_subnets:
            return kubeadm.pod_subnets, "ConfigMap kube-system/kubeadm-config networking.podSubnet"
        flag = parse_cidrs(flag_value(self.facts.controller_manager_args, "--cluster-cidr"))
        if flag:
            return flag, "kube-controller-manager --cluster-cidr"
        if proxy_cm is not None:
            cluster_cidr = parse_cidrs(parse_kube_proxy(proxy_cm)[2])
            if cluster_cidr:
                return cluster_cidr, "ConfigMap kube-system/kube-proxy clusterCIDR"
        k3s = self.facts.k3s.cluster_cidrs if self.facts.k3s is not None else None
        return (k3s, K3S_SOURCE) if k3s else None

    def _pod_cidrs(
        self,
        cluster_cidrs: tuple[tuple[IPNetwork, ...], str] | None,
        kubeadm_failure: ReadFailure | None,
        cni: CniResult | None,
    ) -> tuple[tuple[IPNetwork, ...] | None, str | None]:
        """Where pods really get addresses: the CNI's own pools (Calico's enabled IP pools,
        Cilium's cluster pool, Flannel's Network); else the cluster CIDR, which the CNI
        then uses through the Nodes' podCIDRs (Cilium's kubernetes IPAM)."""
        if cni is not None and cni.pod_network_unknown:
            self.gap_text(
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
        self.gap_text(
            "cluster.pod_cidrs",
            Msg("gap.kube.no-pod-cidrs", why=why),
            self._hint("gap.hint.kube.pod-cidrs"),
        )
        return None, None

    def _service_cidrs(
        self, kubeadm: KubeadmNetworking | None, kubeadm_failure: ReadFailure | None
    ) -> tuple[IPNetwork, ...] | None:
        """kubeadm's serviceSubnet, else kube-apiserver's --service-cluster-ip-range (or
        kube-router's, which k0s passes: its apiserver is no pod), else a k3s server's
        --service-cidr."""
        if kubeadm is not None and kubeadm.service_subnets:
            return kubeadm.service_subnets
        router = [
            a for c in self.facts.agent_containers.get("kube-router", []) for a in container_args(c)
        ]
        for args in (self.facts.apiserver_args, router):
            flag = parse_cidrs(flag_value(args, "--service-cluster-ip-range"))
            if flag:
                return flag
        if self.facts.k3s is not None and self.facts.k3s.service_cidrs:
            return self.facts.k3s.service_cidrs
        why = (
            quoted(kubeadm_failure.error) if kubeadm_failure else Msg("gap.kube.no-service-subnet")
        )
        self.gap_text(
            "cluster.service_cidrs",
            Msg("gap.kube.no-service-cidrs", why=why),
            self._hint("gap.hint.kube.service-cidrs"),
        )
        return None

    def _kube_proxy_mode(
        self,
        proxy_cm: JsonObject | None,
        proxy_failure: ReadFailure | None,
        cni: CniResult | None,
    ) -> KubeProxyMode | None:
        """kube-proxy's config.conf mode; "none" when Cilium replaces it and it does not run."""
        replaced = cni is not None and cni.kube_proxy_replacement
        if replaced and self.facts.pods_known and self.facts.kube_proxy_pods == 0:
            return "none"
        if proxy_cm is not None:
            mode, raw, _ = parse_kube_proxy(proxy_cm)
            if mode is None:
                self.gap_text(
                    "cluster.kube_proxy_mode",
                    Msg("gap.kube.proxy-mode", mode=repr(raw)),
                    Msg("gap.hint.kube.proxy-modes"),
                )
            return mode
        flags = self.facts.kube_proxy_args
        if flags and flag_value(flags, "--config") is None:  # RKE2's static pods: flags only
            from_flags = proxy_mode(flag_value(flags, "--proxy-mode") or "")
            if from_flags is not None:
                return from_flags
        if self.facts.k3s is not None and self.facts.k3s.proxy_mode is not None:
            return self.facts.k3s.proxy_mode  # k3s runs kube-proxy in its own process
        if proxy_failure is not None:
            self.gap(
                "cluster.kube_proxy_mode",
                proxy_failure,
                self._hint("gap.hint.kube.proxy-read", proxy=True),
            )
        else:
            self.gap_text(
                "cluster.kube_proxy_mode",
                "GET /api/v1/namespaces/kube-system/configmaps/kube-proxy: 404 Not Found",
                self._hint("gap.hint.kube.proxy-absent", proxy=True),
            )
        return None

    def _hint(self, key: str, *, proxy: bool = False) -> str:
        """A gap's hint; on MicroK8s (kube-proxy's mode) and on k3s older than v1.21.1 (flags
        missing from node-args) the distribution's own, with the command that shows it."""
        if proxy and self.facts.microk8s:
            return Msg("gap.hint.microk8s.proxy")
        if self.facts.k3s is not None and self.facts.k3s.partial:
            return Msg("gap.hint.k3s.partial")
        return Msg(key)

    def _inconsistent_lists_to_gaps(self) -> None:
        """A list read across an expired continue token may miss what changed meanwhile."""
        sources = {"GET /api/v1/nodes": "cluster.nodes", "GET /api/v1/pods": "cluster.pods"}
        for request in self.reader.inconsistent:
            self.gap_text(
                sources.get(request, "cluster"),
                Msg("gap.kube.inconsistent", request=request),
                Msg("gap.hint.collect-again"),
            )

    def _notes_to_gaps(self) -> None:
        for source, skipped in self.notes.skipped.items():
            self.gap_text(
                source,
                Msg("gap.kube.skipped", n=len(skipped), shown=first_of(skipped)),
                Msg("gap.hint.skipped"),
            )


def _read_cni(context: CniContext) -> CniResult | None:
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


def _merge_services(
    core: tuple[Service, ...] | None, balanced: tuple[Service, ...] | None
) -> tuple[Service, ...] | None:
    """The kubernetes and DNS services, then every Service of type LoadBalancer (no repeats).

    When only the LoadBalancer list failed the others stay; its gap says what is missing.
    """
    if core is None:
        return None
    seen = {(s.namespace, s.name) for s in core}
    return core + tuple(s for s in balanced or () if (s.namespace, s.name) not in seen)
