"""Endpoints: what `pod:NS/NAME`, `node:NAME`, `svc:NS/NAME:PORT/PROTO` and `ip:A.B.C.D` name."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from kostack.analyze.engine.types import Endpoint, EndpointError
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import Topology
from kostack.gap_words import error_of
from kostack.model.snapshot import IPAddress, Pod
from kostack.shell import as_code, command, render

register(
    {
        "ep.no-kind": {
            "en": "endpoint {spec} has no kind",
            "ko": "엔드포인트 {spec}에 종류가 없습니다",
        },
        "ep.hint.forms": {
            "en": "Write pod:NAMESPACE/NAME, node:NAME, svc:NAMESPACE/NAME:PORT/PROTO or "
            "ip:A.B.C.D[:PORT/PROTO].",
            "ko": "pod:NAMESPACE/NAME, node:NAME, svc:NAMESPACE/NAME:PORT/PROTO, "
            "ip:A.B.C.D[:PORT/PROTO] 중 하나로 쓰세요.",
        },
        "ep.bad-port": {
            "en": "bad port {port} in {spec}",
            "ko": "{spec}의 포트 {port:이/가} 잘못되었습니다",
        },
        "ep.hint.port": {
            "en": "Ports look like 53/udp or 443/tcp.",
            "ko": "포트는 53/udp, 443/tcp처럼 씁니다.",
        },
        "ep.bad-proto": {
            "en": "bad protocol {proto} in {spec}",
            "ko": "{spec}의 프로토콜 {proto:이/가} 잘못되었습니다",
        },
        "ep.hint.proto": {"en": "Use tcp, udp or sctp.", "ko": "tcp, udp, sctp 중 하나를 쓰세요."},
        "ep.pod-form": {
            "en": "pod endpoint {spec} needs NAMESPACE/NAME",
            "ko": "Pod 엔드포인트 {spec}에는 NAMESPACE/NAME이 필요합니다",
        },
        "ep.no-pod": {
            "en": "no pod {pod} in the snapshot",
            "ko": "스냅샷에 Pod {pod:이/가} 없습니다",
        },
        "ep.pods-not-collected": {
            "en": "pod {pod}: the snapshot's pods were not collected",
            "ko": "Pod {pod}: 스냅샷에 Pod 목록이 수집되지 않았습니다",
        },
        "ep.pods-not-collected-gap": {
            "en": "pod {pod}: the snapshot's pods were not collected: {error}",
            "ko": "Pod {pod}: 스냅샷에 Pod 목록이 수집되지 않았습니다: {error}",
        },
        "ep.hint.pods-not-collected": {
            "en": "Name the pod by its address instead ({find} shows it: ip:ADDRESS), or collect "
            "again with an account that may list pods: `kostack collect -o snapshot.json`.",
            "ko": "대신 Pod를 주소로 지정하거나(주소는 {find:으로/로} 확인: ip:ADDRESS), Pod를 나열할 수 있는 "
            "계정으로 다시 수집하세요: `kostack collect -o snapshot.json`.",
        },
        "ep.hint.in-ns": {
            "en": "In namespace {ns} the snapshot has: {names}.",
            "ko": "스냅샷의 네임스페이스 {ns}에 있는 것: {names}.",
        },
        "ep.hint.namespaces": {
            "en": "The snapshot has none in namespace {ns}; its namespaces: {names}.",
            "ko": "스냅샷의 네임스페이스 {ns}에는 없습니다. 있는 네임스페이스: {names}.",
        },
        "ep.hint.nodes": {
            "en": "The snapshot's nodes: {names}.",
            "ko": "스냅샷의 노드: {names}.",
        },
        "ep.pod-no-ip": {
            "en": "pod {pod} has no IP in the snapshot",
            "ko": "스냅샷에서 Pod {pod}에 IP가 없습니다",
        },
        "ep.no-node": {
            "en": "no node {node} in the snapshot",
            "ko": "스냅샷에 노드 {node:이/가} 없습니다",
        },
        "ep.svc-form": {
            "en": "service endpoint {spec} needs NAMESPACE/NAME:PORT/PROTO",
            "ko": "서비스 엔드포인트 {spec}에는 NAMESPACE/NAME:PORT/PROTO가 필요합니다",
        },
        "ep.no-svc": {
            "en": "no service {svc} in the snapshot",
            "ko": "스냅샷에 서비스 {svc:이/가} 없습니다",
        },
        "ep.headless": {
            "en": "service {svc} is headless (no ClusterIP)",
            "ko": "서비스 {svc:은/는} headless입니다 (ClusterIP 없음)",
        },
        "ep.external-name": {
            "en": "service {svc} is of type ExternalName: a DNS alias, with no ClusterIP",
            "ko": "서비스 {svc:은/는} ExternalName 타입입니다. ClusterIP 없는 DNS 별칭입니다",
        },
        "ep.hint.external": {
            "en": "Trace to the address its name resolves to (ip:...).",
            "ko": "그 이름이 가리키는 주소(ip:...)로 추적하세요.",
        },
        "ep.not-ip": {"en": "not an IP address: {host}", "ko": "IP 주소가 아닙니다: {host}"},
        "ep.families": {
            "en": "{src} has no IPv{want} address and {dst} no IPv{have} address: a packet "
            "goes from an address to one of the same family",
            "ko": "{src}에는 IPv{want} 주소가 없고 {dst}에는 IPv{have} 주소가 없습니다. 패킷은 "
            "같은 주소 체계끼리만 오갑니다",
        },
        "ep.hint.ipv6-port": {
            "en": "An IPv6 address with a port goes in brackets: ip:[fd00::1]:53/udp.",
            "ko": "포트가 붙은 IPv6 주소는 대괄호로 감쌉니다: ip:[fd00::1]:53/udp.",
        },
        "ep.hint.families": {
            "en": "Trace to an address of the other family (ip:...), or between dual-stack ends.",
            "ko": "다른 주소 체계의 주소(ip:...)로 추적하거나, 듀얼 스택인 양 끝 사이를 추적하세요.",
        },
        "ep.kind": {
            "en": "unknown endpoint kind {kind} in {spec}",
            "ko": "{spec}의 엔드포인트 종류 {kind:을/를} 알 수 없습니다",
        },
        "ep.hint.kinds": {"en": "Kinds: pod, node, svc, ip.", "ko": "종류: pod, node, svc, ip."},
        "ep.need-port": {
            "en": "give the service port: {dst}:PORT/PROTO",
            "ko": "서비스 포트를 주세요: {dst}:PORT/PROTO",
        },
        "ep.hint.need-port": {
            "en": "e.g. svc:kube-system/kube-dns:53/udp",
            "ko": "예: svc:kube-system/kube-dns:53/udp",
        },
        # What a flow's ends are called in traces and evidence (the English text is the label)
        "ep.label.pod": {"en": "pod {pod} {ip}", "ko": "Pod {pod} {ip}"},
        "ep.label.pod-name": {"en": "pod {pod}", "ko": "Pod {pod}"},
        "ep.label.pod-on": {"en": "a pod on {node} ({ip})", "ko": "{node}의 Pod ({ip})"},
        "ep.label.host-pod": {"en": "pod {pod} (hostNetwork)", "ko": "Pod {pod} (hostNetwork)"},
        "ep.label.pod-address": {"en": "pod address {ip}", "ko": "Pod 주소 {ip}"},
        "ep.label.node": {"en": "node {node} {ip}", "ko": "노드 {node} {ip}"},
        "ep.label.svc": {"en": "svc {svc} {ip}", "ko": "서비스 {svc} {ip}"},
    }
)


def pod_label(namespace: str, name: str, ip: object = None) -> Msg:
    """``pod NS/NAME IP`` (``pod NS/NAME`` without an address), in either language."""
    if ip is None:
        return Msg("ep.label.pod-name", pod=f"{namespace}/{name}")
    return Msg("ep.label.pod", pod=f"{namespace}/{name}", ip=ip)


def pod_on_label(node: str, ip: object) -> Msg:
    """A pod the snapshot does not name: ``a pod on NODE (IP)``."""
    return Msg("ep.label.pod-on", node=node, ip=ip)


def node_label(node: str, ip: object) -> Msg:
    return Msg("ep.label.node", node=node, ip=ip)


def svc_label(namespace: str, name: str, ip: object) -> Msg:
    return Msg("ep.label.svc", svc=f"{namespace}/{name}", ip=ip)


def parse_endpoint(
    topo: Topology, spec: str, version: int | None = None
) -> tuple[Endpoint, int | None, str | None]:
    """Parse ``pod:NS/NAME``, ``node:NAME``, ``svc:NS/NAME:PORT/PROTO``, ``ip:A.B.C.D[:PORT/PROTO]``.

    ``version``: a dual-stack pod, node or service by its address of that family (4 or 6)
    when it has one; else (and with None) by its primary address."""
    kind, sep, rest = spec.partition(":")
    if not sep:
        raise EndpointError(Msg("ep.no-kind", spec=repr(spec)), Msg("ep.hint.forms"))
    if kind == "pod":
        ns, slash, name = rest.partition("/")
        if not slash:
            raise EndpointError(Msg("ep.pod-form", spec=repr(spec)))
        name, port, proto = _split_port(name, spec) if ":" in name else (name, None, None)
        return _pod_end(topo, ns, name, version), port, proto
    if kind == "node":
        name, port, proto = _split_port(rest, spec)
        view = topo.node_views.get(name)
        if view is None:
            raise EndpointError(
                Msg("ep.no-node", node=repr(name)),
                Msg("ep.hint.nodes", names=_some(topo.node_views)),
            )
        node_ip = _of_family(view.ips, view.ip, version) if view.ip is not None else None
        return Endpoint("node", node_label(name, node_ip), node_ip, name), port, proto
    if kind in ("svc", "service"):
        ns, slash, name = rest.partition("/")
        if not slash:
            raise EndpointError(Msg("ep.svc-form", spec=repr(spec)))
        name, port, proto = _split_port(name, spec)
        return _service_end(topo, ns, name, version), port, proto
    if kind == "ip":
        host, port, proto = _split_port(rest, spec, bare_ipv6=True)
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            hint = Msg("ep.hint.ipv6-port") if host.count(":") > 1 else ""
            raise EndpointError(Msg("ep.not-ip", host=repr(host)), hint) from None
        return classify_ip(topo, ip), port, proto
    raise EndpointError(Msg("ep.kind", kind=repr(kind), spec=repr(spec)), Msg("ep.hint.kinds"))


def _of_family(
    addresses: Iterable[IPAddress], primary: IPAddress, version: int | None
) -> IPAddress:
    return next((a for a in addresses if a.version == version), primary)


def _split_port(
    text: str, spec: str, *, bare_ipv6: bool = False
) -> tuple[str, int | None, str | None]:
    """``NAME[:PORT/PROTO]`` (an address in brackets when it is IPv6 with a port)."""
    if bare_ipv6 and text.count(":") > 1 and (not text.startswith("[") or text[-1] == "]"):
        return text.strip("[]"), None, None  # a bare IPv6 address, or one in brackets, no port
    host, colon, pp = text.rpartition(":") if ":" in text else (text, "", "")
    if not colon:
        return text, None, None
    num, _slash, pr = pp.partition("/")
    if not num.isdigit() or not 0 < int(num) < 65536:
        raise EndpointError(Msg("ep.bad-port", port=repr(pp), spec=repr(spec)), Msg("ep.hint.port"))
    proto = (pr or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise EndpointError(
            Msg("ep.bad-proto", proto=repr(pr), spec=repr(spec)), Msg("ep.hint.proto")
        )
    return host.strip("[]"), int(num), proto


def _pod_end(topo: Topology, ns: str, name: str, version: int | None) -> Endpoint:
    pod = topo.pod_by_name.get((ns, name))
    cluster = topo.snapshot.cluster
    if pod is None and cluster is not None and cluster.pods is None:
        gap = topo.snapshot.gap_for("cluster.pods")
        find = render(
            command(("kubectl", "get", "pod"), (name,), (f"--namespace={ns}", "-o", "wide"))
        )
        raise EndpointError(
            Msg("ep.pods-not-collected-gap", pod=f"{ns}/{name}", error=error_of(gap))
            if gap
            else Msg("ep.pods-not-collected", pod=f"{ns}/{name}"),
            Msg("ep.hint.pods-not-collected", find=as_code(find)),
        )
    if pod is None:
        raise EndpointError(Msg("ep.no-pod", pod=f"{ns}/{name}"), _in(topo.pod_by_name, ns))
    if pod.ip is None:
        raise EndpointError(Msg("ep.pod-no-ip", pod=f"{ns}/{name}"))
    ip = _of_family((*pod.addresses, *_host_ips(topo, pod)), pod.ip, version)
    if pod.host_network:
        return Endpoint("node", Msg("ep.label.host-pod", pod=f"{ns}/{name}"), ip, pod.node)
    return Endpoint("pod", pod_label(ns, name, ip), ip, pod.node)


def _host_ips(topo: Topology, pod: Pod) -> tuple[IPAddress, ...]:
    """A hostNetwork pod's node's addresses, which are its own (podIPs may list only the
    primary one); none for a pod on the pod network."""
    view = topo.node_views.get(pod.node or "") if pod.host_network else None
    return view.ips if view is not None else ()


def _service_end(topo: Topology, ns: str, name: str, version: int | None) -> Endpoint:
    svc = topo.services.get((ns, name))
    if svc is None:
        raise EndpointError(Msg("ep.no-svc", svc=f"{ns}/{name}"), _in(topo.services, ns))
    if svc.cluster_ip is None and svc.type == "ExternalName":
        raise EndpointError(Msg("ep.external-name", svc=f"{ns}/{name}"), Msg("ep.hint.external"))
    if svc.cluster_ip is None:
        raise EndpointError(Msg("ep.headless", svc=f"{ns}/{name}"))
    ip = _of_family(svc.cluster_addresses, svc.cluster_ip, version)
    return Endpoint("service", svc_label(ns, name, ip), ip)


def _some(names: Iterable[str], most: int = 8) -> str:
    """Up to ``most`` names, sorted, and how many more."""
    ordered = sorted(set(names))
    more = f" (+{len(ordered) - most})" if len(ordered) > most else ""
    return ", ".join(ordered[:most]) + more


def _in(known: Iterable[tuple[str, str]], ns: str) -> Msg:
    """What a user could have meant: the names in ``ns``, or the namespaces there are."""
    keys = list(known)
    names = [name for space, name in keys if space == ns]
    if names:
        return Msg("ep.hint.in-ns", ns=ns, names=_some(names))
    return Msg("ep.hint.namespaces", ns=ns, names=_some(space for space, _ in keys))


def classify_ip(topo: Topology, ip: IPAddress) -> Endpoint:
    """Name an address the way the cluster sees it: a service, a pod, a node or outside."""
    svc = topo.service_by_ip.get(ip)
    if svc is not None:
        return Endpoint("service", svc_label(svc.namespace, svc.name, ip), ip)
    view = topo.node_by_ip.get(ip)
    if view is not None:
        return Endpoint("node", node_label(view.name, ip), ip, view.name)
    pod = topo.pod_by_ip.get(ip)
    if pod is not None:
        return Endpoint("pod", pod_label(pod.namespace, pod.name, ip), ip, pod.node)
    if topo.in_pod_network(ip):
        owner = topo.node_of_pod_ip(ip)
        return Endpoint(
            "pod", Msg("ep.label.pod-address", ip=ip), ip, owner.name if owner else None
        )
    return Endpoint("external", f"{ip}", ip)
