"""Endpoints: what `pod:NS/NAME`, `node:NAME`, `svc:NS/NAME:PORT/PROTO` and `ip:A.B.C.D` name."""

from __future__ import annotations

import ipaddress

from kostack.analyze.engine.types import Endpoint, EndpointError
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress


def parse_endpoint(topo: Topology, spec: str) -> tuple[Endpoint, int | None, str | None]:
    """Parse ``pod:NS/NAME``, ``node:NAME``, ``svc:NS/NAME:PORT/PROTO``, ``ip:A.B.C.D[:PORT/PROTO]``."""
    kind, sep, rest = spec.partition(":")
    if not sep:
        raise EndpointError(
            f"endpoint {spec!r} has no kind",
            "Write pod:NAMESPACE/NAME, node:NAME, svc:NAMESPACE/NAME:PORT/PROTO or ip:A.B.C.D[:PORT/PROTO].",
        )
    port: int | None = None
    proto: str | None = None

    def split_port(text: str) -> str:
        nonlocal port, proto
        if kind == "ip" and text.count(":") > 1 and not text.startswith("["):
            return text  # bare IPv6
        host, colon, pp = text.rpartition(":") if ":" in text else (text, "", "")
        if not colon:
            return text
        num, _slash, pr = pp.partition("/")
        if not num.isdigit() or not 0 < int(num) < 65536:
            raise EndpointError(
                f"bad port {pp!r} in {spec!r}", "Ports look like 53/udp or 443/tcp."
            )
        port = int(num)
        proto = (pr or "tcp").lower()
        if proto not in ("tcp", "udp", "sctp"):
            raise EndpointError(f"bad protocol {pr!r} in {spec!r}", "Use tcp, udp or sctp.")
        return host.strip("[]")

    if kind == "pod":
        ns, slash, name = rest.partition("/")
        if not slash:
            raise EndpointError(f"pod endpoint {spec!r} needs NAMESPACE/NAME")
        name = split_port(name) if ":" in name else name
        pod = topo.pod_by_name.get((ns, name))
        if pod is None:
            raise EndpointError(
                f"no pod {ns}/{name} in the snapshot", "List pods with `kostack diagnose -o json`."
            )
        if pod.ip is None:
            raise EndpointError(f"pod {ns}/{name} has no IP in the snapshot")
        node = pod.node
        if pod.host_network:
            return Endpoint("node", f"pod {ns}/{name} (hostNetwork)", pod.ip, node), port, proto
        return Endpoint("pod", f"pod {ns}/{name} {pod.ip}", pod.ip, node), port, proto
    if kind == "node":
        name = split_port(rest)
        view = topo.node_views.get(name)
        if view is None:
            raise EndpointError(f"no node {name!r} in the snapshot")
        return Endpoint("node", f"node {name} {view.ip}", view.ip, name), port, proto
    if kind in ("svc", "service"):
        ns, slash, name = rest.partition("/")
        if not slash:
            raise EndpointError(f"service endpoint {spec!r} needs NAMESPACE/NAME:PORT/PROTO")
        name = split_port(name)
        svc = topo.services.get((ns, name))
        if svc is None:
            raise EndpointError(f"no service {ns}/{name} in the snapshot")
        if svc.cluster_ip is None:
            raise EndpointError(f"service {ns}/{name} is headless (no ClusterIP)")
        return (
            Endpoint("service", f"svc {ns}/{name} {svc.cluster_ip}", svc.cluster_ip),
            port,
            proto,
        )
    if kind == "ip":
        host = split_port(rest)
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise EndpointError(f"not an IP address: {host!r}") from None
        return classify_ip(topo, ip), port, proto
    raise EndpointError(f"unknown endpoint kind {kind!r} in {spec!r}", "Kinds: pod, node, svc, ip.")


def classify_ip(topo: Topology, ip: IPAddress) -> Endpoint:
    """Name an address the way the cluster sees it: a service, a pod, a node or outside."""
    svc = topo.service_by_ip.get(ip)
    if svc is not None:
        return Endpoint("service", f"svc {svc.namespace}/{svc.name} {ip}", ip)
    view = topo.node_by_ip.get(ip)
    if view is not None:
        return Endpoint("node", f"node {view.name} {ip}", ip, view.name)
    pod = topo.pod_by_ip.get(ip)
    if pod is not None:
        return Endpoint("pod", f"pod {pod.namespace}/{pod.name} {ip}", ip, pod.node)
    if topo.in_pod_network(ip):
        owner = topo.node_of_pod_ip(ip)
        return Endpoint("pod", f"pod address {ip}", ip, owner.name if owner else None)
    return Endpoint("external", f"{ip}", ip)
