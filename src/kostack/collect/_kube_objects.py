"""Kubernetes objects (JSON dicts as the API server sends them) to snapshot records.

Pure functions, no I/O: nodes, pods, services and their EndpointSlices (the kubeadm,
kubelet and kube-proxy configuration kept in ConfigMaps: collect/_kube_config.py).
Malformed values are skipped with a note rather than failing the collection.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ValidationError

from kostack.gap_words import Msg
from kostack.model.cluster import KUBE_OVN_POD_KEYS
from kostack.model.snapshot import (
    IPAddress,
    IPNetwork,
    LoadBalancerIngress,
    Node,
    NodeAddress,
    Pod,
    Service,
    ServiceEndpoint,
    ServicePort,
)

JsonObject = dict[str, Any]

ROLE_LABEL_PREFIX: Final = "node-role.kubernetes.io/"
# kubelet --cloud-provider=external taints a node so until a cloud node controller initialises
# it (k8s.io/cloud-provider api TaintExternalCloudProvider)
UNINITIALIZED_TAINT: Final = "node.cloudprovider.kubernetes.io/uninitialized"

# Annotations that carry the MAC of the node's own NIC (the one Neutron sees).
# Only these: CNI annotations such as flannel's backend-data VtepMAC name a
# virtual device whose MAC Neutron never sees, and must not be used.
#   - k8s.ovn.org/l3-gateway-config: OVN-Kubernetes moves the NIC into br-ex,
#     which keeps the NIC's MAC (the "mac-address" of the default gateway config);
#   - kostack.io/mac-address: set by the operator when nothing else identifies a node.
MAC_ANNOTATIONS: Final = ("kostack.io/mac-address", "k8s.ovn.org/l3-gateway-config")


def as_dict(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (API answers can omit anything)."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: object) -> str | None:
    """``value`` if it is a non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def metadata(obj: Mapping[str, Any]) -> dict[str, Any]:
    return as_dict(obj.get("metadata"))


def labels_of(obj: Mapping[str, Any], part: str = "labels") -> dict[str, str]:
    """The object's labels (or its ``annotations``), every key and value as text."""
    return {str(k): str(v) for k, v in as_dict(metadata(obj).get(part)).items()}


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return labels_of(obj, "annotations")


def name_of(obj: Mapping[str, Any]) -> str:
    return str(metadata(obj).get("name") or "")


def namespace_of(obj: Mapping[str, Any]) -> str:
    return str(metadata(obj).get("namespace") or "")


def parse_ip(value: object) -> IPAddress | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def parse_cidrs(text: object) -> tuple[IPNetwork, ...] | None:
    """A comma-separated CIDR list (kubeadm's podSubnet for dual stack); None if any is invalid."""
    if not isinstance(text, str) or not text.strip():
        return None
    out: list[IPNetwork] = []
    for part in text.split(","):
        try:
            out.append(ipaddress.ip_network(part.strip(), strict=True))
        except ValueError:
            return None
    return tuple(out)


def normalise_mac(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    mac = value.strip().lower().replace("-", ":")
    parts = mac.split(":")
    ok = len(parts) == 6 and all(
        len(p) == 2 and all(c in "0123456789abcdef" for c in p) for p in parts
    )
    return mac if ok else None


@dataclass
class Notes:
    """What was skipped while parsing, per source, for the gap that says so."""

    skipped: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, source: str, what: str) -> None:
        self.skipped.setdefault(source, []).append(what)


# --------------------------------------------------------------------------- nodes


@dataclass(frozen=True)
class ParsedNode:
    """A node record plus what identifies its VM beyond the record: NIC MACs, SMBIOS UUID."""

    node: Node
    macs: tuple[str, ...]
    system_uuid: str | None


def node_roles(labels: Mapping[str, str]) -> tuple[str, ...]:
    """Roles from node-role.kubernetes.io/<role> labels (and the old kubernetes.io/role)."""
    roles = {k.removeprefix(ROLE_LABEL_PREFIX) for k in labels if k.startswith(ROLE_LABEL_PREFIX)}
    legacy = labels.get("kubernetes.io/role")
    if legacy:
        roles.add(legacy)
    roles.discard("")
    return tuple(sorted(roles))


def node_macs(annotations: Mapping[str, str]) -> tuple[str, ...]:
    """NIC MACs the node's annotations carry (only those in MAC_ANNOTATIONS)."""
    macs: list[str] = []
    explicit = normalise_mac(annotations.get("kostack.io/mac-address"))
    if explicit:
        macs.append(explicit)
    raw = annotations.get("k8s.ovn.org/l3-gateway-config")
    if raw:
        try:
            config = json.loads(raw)
        except (ValueError, RecursionError):
            config = None
        mac = normalise_mac(as_dict(as_dict(config).get("default")).get("mac-address"))
        if mac and mac not in macs:
            macs.append(mac)
    return tuple(macs)


def parse_node(obj: Mapping[str, Any], notes: Notes) -> ParsedNode | None:
    name = name_of(obj)
    spec = as_dict(obj.get("spec"))
    status = as_dict(obj.get("status"))
    labels = labels_of(obj)
    addresses: list[NodeAddress] = []
    internal: list[IPAddress] = []
    for entry in as_list(status.get("addresses")):
        entry = as_dict(entry)
        kind, address = as_str(entry.get("type")), as_str(entry.get("address"))
        if kind is None or address is None:
            continue
        addresses.append(NodeAddress(type=kind, address=address))
        if kind == "InternalIP":
            ip = parse_ip(address)
            if ip is not None and ip not in internal:
                internal.append(ip)
    cidr_texts = [c for c in as_list(spec.get("podCIDRs")) if isinstance(c, str)]
    if not cidr_texts and as_str(spec.get("podCIDR")):
        cidr_texts = [str(spec["podCIDR"])]
    pod_cidrs: list[IPNetwork] = []
    for text in cidr_texts:
        parsed = parse_cidrs(text)
        if parsed is None:
            notes.skip("cluster.nodes", Msg("skip.node-cidr", name=name, text=repr(text)))
        else:
            pod_cidrs.extend(parsed)
    info = as_dict(status.get("nodeInfo"))
    ready: bool | None = None
    network_unavailable: bool | None = None
    for condition in as_list(status.get("conditions")):
        condition = as_dict(condition)
        if condition.get("type") == "Ready":
            ready = condition.get("status") == "True"
        elif condition.get("type") == "NetworkUnavailable":
            network_unavailable = condition.get("status") == "True"
    provider_id = as_str(spec.get("providerID"))
    uninitialized = any(
        as_dict(t).get("key") == UNINITIALIZED_TAINT for t in as_list(spec.get("taints"))
    )
    try:
        node = Node(
            name=name,
            roles=node_roles(labels),
            internal_ip=internal[0] if internal else None,
            addresses=tuple(addresses),
            provider_id=provider_id,
            pod_cidrs=tuple(pod_cidrs),
            labels=labels,
            kubelet_version=as_str(info.get("kubeletVersion")),
            os_image=as_str(info.get("osImage")),
            kernel_version=as_str(info.get("kernelVersion")),
            container_runtime=as_str(info.get("containerRuntimeVersion")),
            ready=ready,
            network_unavailable=network_unavailable,
            uninitialized=uninitialized,
        )
    except ValidationError as exc:
        notes.skip("cluster.nodes", f"node {name}: {exc.errors()[0].get('msg', 'invalid')}")
        return None
    return ParsedNode(node, node_macs(annotations_of(obj)), as_str(info.get("systemUUID")))


# --------------------------------------------------------------------------- pods


def pod_containers(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = as_dict(obj.get("spec"))
    return [
        as_dict(c) for c in [*as_list(spec.get("initContainers")), *as_list(spec.get("containers"))]
    ]


def container_args(container: Mapping[str, Any]) -> list[str]:
    return [str(a) for a in [*as_list(container.get("command")), *as_list(container.get("args"))]]


def kube_ovn_of(annotations: Mapping[str, str]) -> dict[str, str]:
    """Kube-OVN's annotations of a pod (ovn.kubernetes.io/ ip_address, ip_pool,
    logical_switch), by the key's last part: addresses, IPPool and Subnet names only."""
    found = ((k, annotations.get(f"ovn.kubernetes.io/{k}", "").strip()) for k in KUBE_OVN_POD_KEYS)
    return {k: v for k, v in found if v}


def parse_pod(obj: Mapping[str, Any], notes: Notes) -> Pod | None:
    spec = as_dict(obj.get("spec"))
    status = as_dict(obj.get("status"))
    namespace, name = namespace_of(obj), name_of(obj)
    raw_ip = status.get("podIP")
    ip = parse_ip(raw_ip)
    if raw_ip and ip is None:
        notes.skip("cluster.pods", Msg("skip.pod-ip", pod=f"{namespace}/{name}", text=repr(raw_ip)))
    ips = _family_ips(
        [as_dict(e).get("ip") for e in as_list(status.get("podIPs"))],
        ip,
        "cluster.pods",
        f"pod {namespace}/{name}: podIPs",
        notes,
    )
    try:
        return Pod(
            namespace=namespace,
            name=name,
            node=as_str(spec.get("nodeName")),
            ip=ip,
            ips=ips,
            phase=as_str(status.get("phase")),
            host_network=spec.get("hostNetwork") is True,
            labels=labels_of(obj),
            kube_ovn=kube_ovn_of(annotations_of(obj)),
        )
    except ValidationError as exc:
        notes.skip(
            "cluster.pods", f"pod {namespace}/{name}: {exc.errors()[0].get('msg', 'invalid')}"
        )
        return None


# --------------------------------------------------------------------------- services


def _family_ips(
    texts: list[Any], primary: IPAddress | None, source: str, what: str, notes: Notes
) -> tuple[IPAddress, ...]:
    """status.podIPs / spec.clusterIPs: one address per family, the primary first.
    Anything else (a bad address, two of one family, a primary not first) is noted and
    the list dropped, so the object keeps its primary address alone."""
    ips = [parse_ip(t) for t in texts if isinstance(t, str)]
    if not ips:
        return ()
    good = [ip for ip in ips if ip is not None]
    if (
        len(good) != len(texts)
        or len(good) > 2
        or len({ip.version for ip in good}) != len(good)
        or (primary is not None and good[0] != primary)
    ):
        notes.skip(source, f"{what} {texts!r} is not one address per family, primary first")
        return ()
    return tuple(good)


def parse_service(
    obj: Mapping[str, Any], endpoints: tuple[ServiceEndpoint, ...] | None, notes: Notes
) -> Service | None:
    spec = as_dict(obj.get("spec"))
    namespace, name = namespace_of(obj), name_of(obj)
    ports: list[ServicePort] = []
    for entry in as_list(spec.get("ports")):
        entry = as_dict(entry)
        target = entry.get("targetPort")
        try:
            ports.append(
                ServicePort(
                    name=str(entry.get("name") or ""),
                    port=entry.get("port"),
                    protocol=entry.get("protocol") or "TCP",
                    # A named targetPort resolves per pod; the EndpointSlice ports carry the numbers.
                    target_port=target if isinstance(target, int) and target > 0 else None,
                    node_port=_port_number(entry.get("nodePort")),
                )
            )
        except ValidationError:
            notes.skip("cluster.services", f"service {namespace}/{name}: port {entry!r} skipped")
    cluster_ip_text = as_str(spec.get("clusterIP"))
    cluster_ip = parse_ip(cluster_ip_text) if cluster_ip_text not in (None, "None") else None
    cluster_ips = _family_ips(
        [t for t in as_list(spec.get("clusterIPs")) if t != "None"],
        cluster_ip,
        "cluster.services",
        f"service {namespace}/{name}: clusterIPs",
        notes,
    )
    families = tuple(f for f in as_list(spec.get("ipFamilies")) if f in ("IPv4", "IPv6"))
    policy = spec.get("ipFamilyPolicy")
    return Service(
        namespace=namespace,
        name=name,
        type=str(spec.get("type") or "ClusterIP"),
        cluster_ip=cluster_ip,
        cluster_ips=cluster_ips,
        ip_families=families[:2] if len(set(families)) == len(families) else families[:1],
        ip_family_policy=(
            policy if policy in ("SingleStack", "PreferDualStack", "RequireDualStack") else None
        ),
        ports=tuple(ports),
        endpoints=endpoints,
        **load_balancer_fields(obj, notes),
    )


# The annotations kept: the OpenStack cloud controller's own, and the ExternalIPPool Antrea
# gives the Service its IP from (no other annotation is stored).
OCCM_ANNOTATION_PREFIXES: Final = (
    "loadbalancer.openstack.org/",
    "service.beta.kubernetes.io/openstack-internal-load-balancer",
    "service.antrea.io/external-ip-pool",
)


# The legacy form of spec.loadBalancerSourceRanges (k8s.io/api core/v1 annotation_key_constants.go).
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def _port_number(value: object) -> int | None:
    return value if isinstance(value, int) and 0 < value < 65536 else None


def load_balancer_fields(obj: Mapping[str, Any], notes: Notes) -> dict[str, Any]:
    """The fields of a Service that matter for type NodePort and LoadBalancer."""
    spec = as_dict(obj.get("spec"))
    meta = as_dict(obj.get("metadata"))
    namespace, name = namespace_of(obj), name_of(obj)
    ranges = []
    # As the cloud provider reads them (k8s.io/cloud-provider service helpers,
    # GetLoadBalancerSourceRanges): the field, or when it is empty the legacy annotation's
    # comma-separated list.
    field, texts = "loadBalancerSourceRanges", as_list(spec.get("loadBalancerSourceRanges"))
    if not texts:
        legacy = as_dict(meta.get("annotations")).get(SOURCE_RANGES_ANNOTATION)
        field, texts = SOURCE_RANGES_ANNOTATION, str(legacy or "").strip().split(",")
    for text in texts:
        if not str(text).strip():
            continue
        try:
            # The API server accepts host bits here ("203.0.113.7/24"); the range is the network.
            ranges.append(ipaddress.ip_network(str(text).strip(), strict=False))
        except ValueError:
            notes.skip(
                "cluster.services", f"service {namespace}/{name}: {field} entry {text!r} skipped"
            )
    annotations = {
        str(k): str(v)[:1024]
        for k, v in as_dict(meta.get("annotations")).items()
        if str(k).startswith(OCCM_ANNOTATION_PREFIXES)
    }
    ingress = []
    for entry in as_list(as_dict(as_dict(obj.get("status")).get("loadBalancer")).get("ingress")):
        entry = as_dict(entry)
        try:
            ingress.append(
                LoadBalancerIngress(
                    ip=parse_ip(entry.get("ip")),
                    hostname=as_str(entry.get("hostname")),
                    ip_mode=as_str(entry.get("ipMode")),
                )
            )
        except ValidationError:
            notes.skip("cluster.services", f"service {namespace}/{name}: ingress {entry!r} skipped")
    allocate = spec.get("allocateLoadBalancerNodePorts")
    return {
        "uid": as_str(meta.get("uid")),
        "created": as_str(meta.get("creationTimestamp")),
        "external_traffic_policy": as_str(spec.get("externalTrafficPolicy")),
        "health_check_node_port": _port_number(spec.get("healthCheckNodePort")),
        "load_balancer_source_ranges": tuple(ranges),
        "load_balancer_class": as_str(spec.get("loadBalancerClass")),
        "allocate_load_balancer_node_ports": allocate if isinstance(allocate, bool) else None,
        "annotations": annotations,
        "load_balancer_ingress": tuple(ingress),
        "labels": {str(k)[:317]: str(v)[:63] for k, v in as_dict(meta.get("labels")).items()},
    }


def slice_endpoints(
    slices: Iterable[Mapping[str, Any]], node_by_ip: Mapping[IPAddress, str]
) -> tuple[ServiceEndpoint, ...]:
    """The endpoints of one service from its EndpointSlices, one per address.

    ``conditions.ready`` absent means ready (discovery.k8s.io/v1: "a nil value
    should be interpreted as ready"). An endpoint without nodeName whose
    address is a node's InternalIP (the apiserver's own endpoints for the
    ``kubernetes`` service) is placed on that node.
    """
    out: dict[IPAddress, ServiceEndpoint] = {}
    for slice_ in slices:
        ports: dict[str, int] = {}
        for port in as_list(slice_.get("ports")):
            port = as_dict(port)
            number = port.get("port")
            if isinstance(number, int) and 0 < number < 65536:
                ports[str(port.get("name") or "")] = number
        for endpoint in as_list(slice_.get("endpoints")):
            endpoint = as_dict(endpoint)
            conditions = as_dict(endpoint.get("conditions"))
            ready = conditions.get("ready") is not False
            target = as_dict(endpoint.get("targetRef"))
            pod = None
            if target.get("kind") == "Pod" and as_str(target.get("name")):
                pod = f"{target.get('namespace') or namespace_of(slice_)}/{target['name']}"
            for address in as_list(endpoint.get("addresses")):
                ip = parse_ip(address)
                if ip is None or ip in out:
                    continue
                node = as_str(endpoint.get("nodeName")) or node_by_ip.get(ip)
                out[ip] = ServiceEndpoint(ip=ip, node=node, pod=pod, ready=ready, ports=dict(ports))
    return tuple(out.values())


def flag_value(arguments: Sequence[str], flag: str) -> str | None:
    """The value of ``--flag=value`` or ``--flag value`` in a command line."""
    for index, argument in enumerate(arguments):
        if argument.startswith(flag + "="):
            return argument.split("=", 1)[1]
        if argument == flag and index + 1 < len(arguments):
            return arguments[index + 1]
    return None
