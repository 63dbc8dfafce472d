"""The core reads of one collection, and where their failures go.

:class:`ClusterReads` holds what one collection shares (the session, the reader,
the gaps, the notes, and the evidence gathered from nodes and pods) and reads the
core objects: the API version, nodes, pods, the kubeadm, kubelet and kube-proxy
ConfigMaps in kube-system, and the ``kubernetes`` and cluster DNS services with
their EndpointSlices. A failure that makes the whole cluster unreadable raises
(``fatal``); any other becomes a gap with the exact error and a hint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from kostack.collect._cni_common import ClusterFacts
from kostack.collect._kube_lb import with_endpoints
from kostack.collect._kube_objects import Notes, as_dict, parse_node, parse_pod
from kostack.collect._kube_reader import Reader, fatal
from kostack.collect._kube_types import JsonObject, ReadFailure, Session
from kostack.collect.gap_texts import make_gap
from kostack.collect.match import NodeIdentity, node_identity
from kostack.gap_words import Msg, first_of
from kostack.model.snapshot import Gap, IPAddress, Node, Pod, Service

DNS_SERVICE: Final = ("kube-system", "kube-dns")
API_SERVICE: Final = ("default", "kubernetes")

Parsed = TypeVar("Parsed")


class ClusterReads:
    """One collection's shared state and its core reads (the collectors of the other parts
    take its ``reader``, ``facts``, ``notes`` and gap sinks)."""

    def __init__(self, session: Session, reader: Reader) -> None:
        self.session = session
        self.reader = reader
        self.gaps: list[Gap] = []
        self.notes = Notes()
        self.facts = ClusterFacts()

    # ------------------------------------------------------------------ failures

    def check(
        self, failure: ReadFailure, *, forbidden: bool = False, timeout: bool = False
    ) -> ReadFailure:
        """Raise if ``failure`` ends collection (see ``fatal``); otherwise hand it back."""
        error = fatal(failure, self.session, forbidden=forbidden, timeout=timeout)
        if error is not None:
            raise error from None
        return failure

    def gap(self, source: str, failure: ReadFailure, hint: str) -> None:
        self.check(failure)
        self.gap_text(source, failure.error, hint)

    def gap_text(self, source: str, error: str, hint: str) -> None:
        """A gap: kostack's words as `Msg`s (a plain ``error`` is the server's, quoted in Korean),
        redacted with the session's credentials (kostack.collect.gap_texts)."""
        self.gaps.append(make_gap(source, error, hint, self.session.redact))

    def _get(self, request: str, method: Callable[..., Any], *args: Any) -> JsonObject | None:
        """A named object, None when absent; failures raise ReadFailure (after check)."""
        try:
            return self.reader.get(request, method, *args)
        except ReadFailure as failure:
            raise self.check(failure) from None

    def inconsistent_lists_to_gaps(self) -> None:
        """A list read across an expired continue token may miss what changed meanwhile."""
        sources = {"GET /api/v1/nodes": "cluster.nodes", "GET /api/v1/pods": "cluster.pods"}
        for request in self.reader.inconsistent:
            self.gap_text(
                sources.get(request, "cluster"),
                Msg("gap.kube.inconsistent", request=request),
                Msg("gap.hint.collect-again"),
            )

    def notes_to_gaps(self) -> None:
        for source, skipped in self.notes.skipped.items():
            self.gap_text(
                source,
                Msg("gap.kube.skipped", n=len(skipped), shown=first_of(skipped)),
                Msg("gap.hint.skipped"),
            )

    # ------------------------------------------------------------------ the reads

    def version(self) -> str | None:
        try:
            document = self.reader.call("GET /version", self.reader.version_api.get_code)
        except ReadFailure as failure:
            # The first request: no answer at all means the server is not there.
            self.check(failure, forbidden=True, timeout=True)
            self.gap(
                "cluster.kubernetes_version",
                failure,
                Msg("gap.hint.kube.version"),
            )
            return None
        version = document.get("gitVersion")
        return version if isinstance(version, str) and version else None

    def nodes(self) -> tuple[tuple[Node, ...] | None, tuple[NodeIdentity, ...]]:
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
            self.check(failure, forbidden=True)
            self.gap(
                "cluster.nodes",
                failure,
                Msg("gap.hint.kube.nodes"),
            )
            return None, ()
        return tuple(nodes), tuple(identities)

    def pods(self) -> tuple[Pod, ...] | None:
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
            self.facts = self.facts.nodes_only()  # what the nodes said stays
            self.gap(
                "cluster.pods",
                failure,
                Msg("gap.hint.kube.pods"),
            )
            return None
        self.facts.pods_known = True
        return tuple(pods)

    def raw_configmap(self, name: str) -> tuple[JsonObject | None, ReadFailure | None]:
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

    def configmap(
        self, name: str, parse: Callable[[JsonObject], Parsed | None]
    ) -> tuple[Parsed | None, ReadFailure | None]:
        configmap, failure = self.raw_configmap(name)
        if configmap is None:
            return None, failure
        parsed = parse(configmap)
        if parsed is None:
            source = "cluster." + name.replace("-", "_")
            self.notes.skip(source, Msg("skip.configmap", name=name))
        return parsed, None

    # ------------------------------------------------------------------ services

    def services(
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
                failures.append(self.check(failure))
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


def cluster_dns_service(
    services: tuple[Service, ...] | None, cluster_dns: IPAddress | None
) -> Service | None:
    """The service holding the kubelet's clusterDNS address, else kube-system/kube-dns."""
    for service in services or ():
        if cluster_dns is not None and service.cluster_ip == cluster_dns:
            return service
    for service in services or ():
        if (service.namespace, service.name) == DNS_SERVICE:
            return service
    return None


def merge_services(
    core: tuple[Service, ...] | None, balanced: tuple[Service, ...] | None
) -> tuple[Service, ...] | None:
    """The kubernetes and DNS services, then every Service of type LoadBalancer (no repeats).

    When only the LoadBalancer list failed the others stay; its gap says what is missing.
    """
    if core is None:
        return None
    seen = {(s.namespace, s.name) for s in core}
    return core + tuple(s for s in balanced or () if (s.namespace, s.name) not in seen)
