"""Builders for single Kubernetes objects, shaped exactly like a real cluster's.

The object metadata, namespaces and CRDs come from the lab's own
`kostack_lab.kube_objects` (one definition). Used by `k8s_fixtures` (whole clusters); other fixtures (Helm releases,
PVCs) can use them to stay consistent: deterministic uids (`object_uid`),
timestamps relative to `CLUSTER_CREATED`, owner references, pod status.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kostack_lab import seed
from kostack_lab.kube_objects import (
    JsonObject,
    object_meta,
    object_uid,
    timestamp,
)

KUBERNETES_VERSION: Final = seed.KUBERNETES_VERSION


POD_SUBNET: Final = seed.POD_SUBNET
SERVICE_SUBNET: Final = seed.SERVICE_SUBNET


_NAME_ALPHABET: Final = "bcdfghjklmnpqrstvwxz2456789"


# The Nova server id of a seed node: Neutron's device_id and the providerID's uuid.
seed_device_id = seed.node_device_id


@dataclass(frozen=True)
class NodeSpec:
    """One node VM: name, fixed IP on the node subnet, and its pod CIDR."""

    name: str
    internal_ip: str
    pod_cidr: str
    control_plane: bool = False
    subnet_prefix: int = 24
    zone: str = "nova"
    flavor: str = "m1.large"

    @property
    def server_id(self) -> str:
        return seed_device_id(self.name)

    @property
    def provider_id(self) -> str:
        return f"openstack:///{self.server_id}"

    def pod_ip(self, offset: int) -> str:
        """The `offset`-th address of the node's pod range (0 is the network address)."""
        return str(ipaddress.ip_network(self.pod_cidr).network_address + offset)


def make_nodes(
    *,
    workers: int = 3,
    control_planes: int = 1,
    first_ip: str | None = None,
    pod_subnet: str = POD_SUBNET,
    subnet_prefix: int = 24,
    control_plane_prefix: str = seed.CONTROL_PLANE_PREFIX,
    worker_prefix: str = seed.WORKER_PREFIX,
) -> list[NodeSpec]:
    """Control planes then workers, consecutive IPs, pod CIDRs 10.244.N.0/24 in order.

    The defaults are the seed's (kostack_lab.seed): `k8s-cp-1` at 10.0.0.11, then
    `k8s-w-1` ...; `first_ip` moves the first address.
    """
    if first_ip is None:
        first_ip = seed.seed_nodes(1)[0].ip
    cidrs = ipaddress.ip_network(pod_subnet).subnets(new_prefix=24)
    first = ipaddress.ip_address(first_ip)
    names = [f"{control_plane_prefix}{n}" for n in range(1, control_planes + 1)] + [
        f"{worker_prefix}{n}" for n in range(1, workers + 1)
    ]
    return [
        NodeSpec(
            name=name,
            internal_ip=str(first + index),
            pod_cidr=str(next(cidrs)),
            control_plane=index < control_planes,
            subnet_prefix=subnet_prefix,
        )
        for index, name in enumerate(names)
    ]


def identity(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(apiVersion, kind, namespace, name) of an object."""
    metadata = obj.get("metadata") or {}
    return (
        str(obj.get("apiVersion", "")),
        str(obj.get("kind", "")),
        str(metadata.get("namespace", "")),
        str(metadata.get("name", "")),
    )


def merge_objects(*groups: Iterable[Mapping[str, Any]]) -> list[JsonObject]:
    """Concatenate object lists; a later object replaces an earlier one of the same identity."""
    merged: dict[tuple[str, str, str, str], JsonObject] = {}
    for group in groups:
        for obj in group:
            merged.pop(identity(obj), None)
            merged[identity(obj)] = dict(obj)
    return list(merged.values())


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("/".join(parts).encode()).digest()


def name_suffix(length: int, *parts: str) -> str:
    """A generateName-style suffix, deterministic in `parts`."""
    return "".join(_NAME_ALPHABET[b % len(_NAME_ALPHABET)] for b in _digest(*parts)[:length])


def hex_id(length: int, *parts: str) -> str:
    return _digest(*parts).hex()[:length]


def owner_reference(api_version: str, kind: str, namespace: str, name: str) -> JsonObject:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": object_uid(kind, namespace, name),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def configmap_object(
    namespace: str,
    name: str,
    data: Mapping[str, str],
    *,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    created: float = 1.0,
) -> JsonObject:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": object_meta(
            "ConfigMap", name, namespace, labels=labels, annotations=annotations, created=created
        ),
        "data": dict(data),
    }


def container_spec(
    name: str,
    image: str,
    *,
    ports: Sequence[Mapping[str, Any]] = (),
    command: Sequence[str] | None = None,
    args: Sequence[str] | None = None,
    env: Sequence[Mapping[str, Any]] = (),
    resources: Mapping[str, Any] | None = None,
    volume_mounts: Sequence[Mapping[str, Any]] = (),
    privileged: bool = False,
) -> JsonObject:
    container: JsonObject = {"name": name, "image": image}
    if command is not None:
        container["command"] = list(command)
    if args is not None:
        container["args"] = list(args)
    if env:
        container["env"] = [dict(e) for e in env]
    container["imagePullPolicy"] = "IfNotPresent"
    if ports:
        container["ports"] = [dict(p) for p in ports]
    container["resources"] = dict(resources or {})
    if privileged:
        container["securityContext"] = {"privileged": True}
    container["terminationMessagePath"] = "/dev/termination-log"
    container["terminationMessagePolicy"] = "File"
    if volume_mounts:
        container["volumeMounts"] = [dict(v) for v in volume_mounts]
    return container


DEFAULT_TOLERATIONS: Final = (
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
)


TOLERATE_EVERYTHING: Final = ({"operator": "Exists"},)


def env_var(name: str, value: str) -> JsonObject:
    return {"name": name, "value": value}


def _qos(containers: Sequence[Mapping[str, Any]]) -> str:
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        r.get("limits")
        and r.get("limits", {}).get("cpu")
        and r.get("limits", {}).get("memory")
        and r.get("requests", r.get("limits")) == r.get("limits")
        for r in resources
    )
    return "Guaranteed" if guaranteed else "Burstable"


def pod_object(
    namespace: str,
    name: str,
    node: NodeSpec,
    pod_ip: str,
    containers: Sequence[JsonObject],
    *,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    owner: Mapping[str, Any] | None = None,
    generate_name: str | None = None,
    host_network: bool = False,
    service_account: str = "default",
    priority_class: str | None = None,
    tolerations: Sequence[Mapping[str, Any]] = DEFAULT_TOLERATIONS,
    volumes: Sequence[Mapping[str, Any]] = (),
    dns_policy: str | None = None,
    node_selector: Mapping[str, str] | None = None,
    created: float = 10.0,
) -> JsonObject:
    priority = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
    spec: JsonObject = {"containers": list(containers)}
    spec["dnsPolicy"] = dns_policy or (
        "ClusterFirstWithHostNet" if host_network else "ClusterFirst"
    )
    spec["enableServiceLinks"] = True
    if host_network:
        spec["hostNetwork"] = True
    spec["nodeName"] = node.name
    if node_selector:
        spec["nodeSelector"] = dict(node_selector)
    spec["preemptionPolicy"] = "PreemptLowerPriority"
    spec["priority"] = priority.get(priority_class or "", 0)
    if priority_class:
        spec["priorityClassName"] = priority_class
    spec["restartPolicy"] = "Always"
    spec["schedulerName"] = "default-scheduler"
    spec["securityContext"] = {}
    spec["serviceAccount"] = service_account
    spec["serviceAccountName"] = service_account
    spec["terminationGracePeriodSeconds"] = 30
    spec["tolerations"] = [dict(t) for t in tolerations]
    if volumes:
        spec["volumes"] = [dict(v) for v in volumes]
    started = timestamp(created + 0.5)
    ready = timestamp(created + 1.0)
    ip = node.internal_ip if host_network else pod_ip
    status: JsonObject = {
        "conditions": [
            {"lastProbeTime": None, "lastTransitionTime": ready, "status": "True", "type": kind}
            for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
        ]
        + [
            {
                "lastProbeTime": None,
                "lastTransitionTime": timestamp(created),
                "status": "True",
                "type": "PodScheduled",
            }
        ],
        "containerStatuses": [
            {
                "containerID": "containerd://" + hex_id(64, namespace, name, str(c["name"])),
                "image": str(c["image"]),
                "imageID": str(c["image"]).split(":")[0]
                + "@sha256:"
                + hex_id(64, "image", str(c["image"])),
                "lastState": {},
                "name": str(c["name"]),
                "ready": True,
                "restartCount": 0,
                "started": True,
                "state": {"running": {"startedAt": started}},
            }
            for c in containers
        ],
        "hostIP": node.internal_ip,
        "hostIPs": [{"ip": node.internal_ip}],
        "phase": "Running",
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "qosClass": _qos(containers),
        "startTime": timestamp(created),
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": object_meta(
            "Pod",
            name,
            namespace,
            labels=labels,
            annotations=annotations,
            created=created,
            owner=owner,
            generate_name=generate_name,
        ),
        "spec": spec,
        "status": status,
    }


def _template(
    labels: Mapping[str, str],
    containers: Sequence[JsonObject],
    **pod_options: Any,
) -> JsonObject:
    """A pod template: the spec `pod_object` would build, without the node."""
    placeholder = NodeSpec("template", "0.0.0.0", "0.0.0.0/32")
    pod = pod_object("", "", placeholder, "", containers, **pod_options)
    spec = pod["spec"]
    for scheduled in (
        "nodeName",
        "serviceAccount",
        "priority",
        "preemptionPolicy",
        "enableServiceLinks",
    ):
        spec.pop(scheduled, None)
    return {"metadata": {"labels": dict(labels)}, "spec": spec}


def daemonset_objects(
    namespace: str,
    name: str,
    labels: Mapping[str, str],
    containers: Sequence[JsonObject],
    nodes: Sequence[NodeSpec],
    *,
    pod_ips: Mapping[str, str] | None = None,
    pod_annotations: Mapping[str, Mapping[str, str]] | None = None,
    created: float = 5.0,
    **pod_options: Any,
) -> list[JsonObject]:
    """A DaemonSet with one running pod per node (hostNetwork unless pod_ips given)."""
    revision_hash = name_suffix(10, namespace, name, "revision")
    template = _template(labels, containers, **pod_options)
    daemonset: JsonObject = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": object_meta(
            "DaemonSet",
            name,
            namespace,
            labels=labels,
            annotations={"deprecated.daemonset.template.generation": "1"},
            created=created,
            generation=True,
        ),
        "spec": {
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": dict(labels)},
            "template": template,
            "updateStrategy": {
                "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                "type": "RollingUpdate",
            },
        },
        "status": {
            "currentNumberScheduled": len(nodes),
            "desiredNumberScheduled": len(nodes),
            "numberAvailable": len(nodes),
            "numberMisscheduled": 0,
            "numberReady": len(nodes),
            "observedGeneration": 1,
            "updatedNumberScheduled": len(nodes),
        },
    }
    pods = []
    for node in nodes:
        pod_name = f"{name}-{name_suffix(5, namespace, name, node.name)}"
        pods.append(
            pod_object(
                namespace,
                pod_name,
                node,
                (pod_ips or {}).get(node.name, node.internal_ip),
                containers,
                labels={
                    **labels,
                    "controller-revision-hash": revision_hash,
                    "pod-template-generation": "1",
                },
                annotations=(pod_annotations or {}).get(node.name),
                owner=owner_reference("apps/v1", "DaemonSet", namespace, name),
                generate_name=f"{name}-",
                created=created + 1,
                **pod_options,
            )
        )
    return [daemonset, *pods]


def deployment_objects(
    namespace: str,
    name: str,
    labels: Mapping[str, str],
    containers: Sequence[JsonObject],
    placements: Sequence[tuple[NodeSpec, str]],
    *,
    pod_annotations: Sequence[Mapping[str, str] | None] = (),
    created: float = 5.0,
    **pod_options: Any,
) -> list[JsonObject]:
    """A Deployment, its ReplicaSet and one running pod per (node, pod IP) placement."""
    template_hash = name_suffix(10, namespace, name, "template")
    replicas = len(placements)
    template = _template(labels, containers, **pod_options)
    rs_name = f"{name}-{template_hash}"
    pod_labels = {**labels, "pod-template-hash": template_hash}
    ready_status = {
        "availableReplicas": replicas,
        "observedGeneration": 1,
        "readyReplicas": replicas,
        "replicas": replicas,
    }
    deployment: JsonObject = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": object_meta(
            "Deployment",
            name,
            namespace,
            labels=labels,
            annotations={"deployment.kubernetes.io/revision": "1"},
            created=created,
            generation=True,
        ),
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": replicas,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": dict(labels)},
            "strategy": {
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
                "type": "RollingUpdate",
            },
            "template": template,
        },
        "status": {
            **ready_status,
            "conditions": [
                {
                    "lastTransitionTime": timestamp(created + 1),
                    "lastUpdateTime": timestamp(created + 1),
                    "message": "Deployment has minimum availability.",
                    "reason": "MinimumReplicasAvailable",
                    "status": "True",
                    "type": "Available",
                },
                {
                    "lastTransitionTime": timestamp(created),
                    "lastUpdateTime": timestamp(created + 1),
                    "message": f'ReplicaSet "{rs_name}" has successfully progressed.',
                    "reason": "NewReplicaSetAvailable",
                    "status": "True",
                    "type": "Progressing",
                },
            ],
            "updatedReplicas": replicas,
        },
    }
    rs_template = json.loads(json.dumps(template))
    rs_template["metadata"]["labels"] = dict(pod_labels)
    replicaset: JsonObject = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": object_meta(
            "ReplicaSet",
            rs_name,
            namespace,
            labels=pod_labels,
            annotations={
                "deployment.kubernetes.io/desired-replicas": str(replicas),
                "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                "deployment.kubernetes.io/revision": "1",
            },
            created=created,
            owner=owner_reference("apps/v1", "Deployment", namespace, name),
            generation=True,
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(pod_labels)},
            "template": rs_template,
        },
        "status": {**ready_status, "fullyLabeledReplicas": replicas},
    }
    pods = []
    annotations = list(pod_annotations) + [None] * replicas
    for index, (node, pod_ip) in enumerate(placements):
        pod_name = f"{rs_name}-{name_suffix(5, namespace, rs_name, str(index))}"
        pods.append(
            pod_object(
                namespace,
                pod_name,
                node,
                pod_ip,
                containers,
                labels=pod_labels,
                annotations=annotations[index],
                owner=owner_reference("apps/v1", "ReplicaSet", namespace, rs_name),
                generate_name=f"{rs_name}-",
                created=created + 1,
                **pod_options,
            )
        )
    return [deployment, replicaset, *pods]


def service_ip(service_subnet: str, offset: int) -> str:
    return str(ipaddress.ip_network(service_subnet).network_address + offset)


def service_object(
    namespace: str,
    name: str,
    cluster_ip: str,
    ports: Sequence[Mapping[str, Any]],
    *,
    selector: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    created: float = 1.0,
) -> JsonObject:
    spec: JsonObject = {
        "clusterIP": cluster_ip,
        "clusterIPs": [cluster_ip],
        "internalTrafficPolicy": "Cluster",
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "ports": [dict(p) for p in ports],
    }
    if selector:
        spec["selector"] = dict(selector)
    spec["sessionAffinity"] = "None"
    spec["type"] = "ClusterIP"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": object_meta(
            "Service", name, namespace, labels=labels, annotations=annotations, created=created
        ),
        "spec": spec,
        "status": {"loadBalancer": {}},
    }


@dataclass(frozen=True)
class Backend:
    """A ready endpoint of a service: the pod (or host) behind it."""

    ip: str
    node: NodeSpec
    pod: JsonObject | None = None


def endpoints_objects(
    service: JsonObject,
    backends: Sequence[Backend],
    ports: Sequence[Mapping[str, Any]],
    *,
    managed_by: str = "endpointslice-controller.k8s.io",
    slice_name: str | None = None,
) -> list[JsonObject]:
    """The Endpoints and the EndpointSlice the controllers keep for a service."""
    namespace = str(service["metadata"]["namespace"])
    name = str(service["metadata"]["name"])
    labels = dict(service["metadata"].get("labels") or {})

    def target(backend: Backend) -> JsonObject | None:
        if backend.pod is None:
            return None
        metadata = backend.pod["metadata"]
        return {
            "kind": "Pod",
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata["uid"],
        }

    addresses = []
    for backend in backends:
        address: JsonObject = {"ip": backend.ip}
        if backend.pod is not None:
            address["nodeName"] = backend.node.name
            address["targetRef"] = target(backend)
        addresses.append(address)
    endpoints: JsonObject = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": object_meta(
            "Endpoints",
            name,
            namespace,
            labels=labels or None,
            annotations={"endpoints.kubernetes.io/last-change-trigger-time": timestamp(11.0)}
            if backends and backends[0].pod is not None
            else None,
            created=1.0,
        ),
        "subsets": [{"addresses": addresses, "ports": [dict(p) for p in ports]}],
    }
    slice_endpoints = []
    for backend in backends:
        endpoint: JsonObject = {
            "addresses": [backend.ip],
            "conditions": {"ready": True, "serving": True, "terminating": False},
        }
        if backend.pod is not None:
            endpoint["nodeName"] = backend.node.name
            endpoint["targetRef"] = target(backend)
            endpoint["zone"] = backend.node.zone
        slice_endpoints.append(endpoint)
    owned = backends and backends[0].pod is not None
    name_of_slice = slice_name or f"{name}-{name_suffix(5, namespace, name, 'slice')}"
    endpoint_slice: JsonObject = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": object_meta(
            "EndpointSlice",
            name_of_slice,
            namespace,
            labels={
                **labels,
                "endpointslice.kubernetes.io/managed-by": managed_by,
                "kubernetes.io/service-name": name,
            },
            annotations={"endpoints.kubernetes.io/last-change-trigger-time": timestamp(11.0)}
            if owned
            else None,
            created=1.0,
            owner={
                "apiVersion": "v1",
                "kind": "Service",
                "name": name,
                "uid": service["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
            if owned
            else None,
            generate_name=f"{name}-" if slice_name is None else None,
            generation=True,
        ),
        "addressType": "IPv4",
        "endpoints": slice_endpoints,
        "ports": [dict(p) for p in ports],
    }
    return [endpoints, endpoint_slice]


def split_roles(nodes: Sequence[NodeSpec]) -> tuple[list[NodeSpec], list[NodeSpec]]:
    control_planes = [n for n in nodes if n.control_plane]
    workers = [n for n in nodes if not n.control_plane]
    if not control_planes or not workers:
        raise ValueError("a cluster needs at least one control plane and one worker")
    return control_planes, workers
