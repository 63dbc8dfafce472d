"""What the cluster adds to a chart's objects: Helm's ownership metadata, bound volumes, pods.

- `helm install` labels and annotates every object (app.kubernetes.io/managed-by:
  Helm, meta.helm.sh/release-name / release-namespace);
- the StatefulSet controller makes `<template>-<set>-<ordinal>` PVCs with the
  template's labels plus the selector's matchLabels (no Helm annotations);
- the Cinder CSI provisioner binds each claim to a PersistentVolume;
- Deployments get ReplicaSets and pods, StatefulSets pods `<set>-0`, with the
  statuses, kubelet events and container logs of a running, crash-looping or
  not-ready container.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from kostack_lab.kube_objects import CLUSTER_CREATED, JsonObject, object_meta, object_uid, timestamp
from kostack_lab.kubeapi_store import KubeStore
from kostack_testkit.k8s_fixture_objects import (
    SERVICE_SUBNET,
    NodeSpec,
    hex_id,
    name_suffix,
    owner_reference,
    pod_object,
    service_ip,
)

STORAGE_CLASS: Final = "csi-cinder-sc-delete"
CINDER_DRIVER: Final = "cinder.csi.openstack.org"


def storage_class() -> JsonObject:
    """The default StorageClass of an OpenStack cluster with the Cinder CSI driver."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": object_meta(
            "StorageClass",
            STORAGE_CLASS,
            annotations={"storageclass.kubernetes.io/is-default-class": "true"},
            created=30.0,
        ),
        "provisioner": CINDER_DRIVER,
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
        "allowVolumeExpansion": True,
    }


def minutes_since_created(when: datetime) -> float:
    return (when - CLUSTER_CREATED).total_seconds() / 60


def helm_owned(obj: JsonObject, release: str, namespace: str) -> JsonObject:
    """The object as `helm install` stores it: managed-by label and ownership annotations."""
    out = copy.deepcopy(obj)
    metadata = out.setdefault("metadata", {})
    metadata.setdefault("labels", {})["app.kubernetes.io/managed-by"] = "Helm"
    annotations = metadata.setdefault("annotations", {})
    annotations["meta.helm.sh/release-name"] = release
    annotations["meta.helm.sh/release-namespace"] = namespace
    return out


def service_address(namespace: str, name: str) -> str:
    offset = 1000 + int(hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest(), 16) % 60000
    return service_ip(SERVICE_SUBNET, offset)


def live_object(obj: JsonObject, created: float) -> JsonObject:
    """Server-set metadata and the status controllers keep, for a chart object."""
    out = copy.deepcopy(obj)
    kind = str(out["kind"])
    metadata = out["metadata"]
    ns = str(metadata.get("namespace", ""))
    name = str(metadata["name"])
    ordered: JsonObject = {"name": name}
    if ns:
        ordered["namespace"] = ns
    ordered["uid"] = object_uid(kind, ns, name)
    if kind in ("Deployment", "StatefulSet", "Ingress"):
        ordered["generation"] = 1
    ordered["creationTimestamp"] = timestamp(created)
    for key in ("labels", "annotations", "finalizers", "ownerReferences"):
        if metadata.get(key):
            ordered[key] = metadata[key]
    out["metadata"] = ordered
    if kind == "Service":
        spec = out["spec"]
        headless = spec.get("clusterIP") == "None"
        address = "None" if headless else service_address(ns, name)
        ports = []
        for port in spec.get("ports") or []:
            port = {k: v for k, v in port.items() if v is not None}
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port["port"])
            ports.append(port)
        new_spec: JsonObject = {
            "clusterIP": address,
            "clusterIPs": [address],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": ports,
        }
        if spec.get("publishNotReadyAddresses"):
            new_spec["publishNotReadyAddresses"] = True
        new_spec["selector"] = spec.get("selector", {})
        new_spec["sessionAffinity"] = "None"
        new_spec["type"] = spec.get("type", "ClusterIP")
        out["spec"] = new_spec
        out["status"] = {"loadBalancer": {}}
    elif kind == "Ingress":
        out["status"] = {"loadBalancer": {}}
    return out


def bound_claim(claim: JsonObject, created: float, *, volume: str, capacity: str) -> JsonObject:
    """A PVC after the PV controller bound it (storage class defaulted by admission)."""
    out = copy.deepcopy(claim)
    metadata = out["metadata"]
    annotations = dict(metadata.get("annotations") or {})
    annotations.update(
        {
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes",
            "volume.beta.kubernetes.io/storage-provisioner": CINDER_DRIVER,
            "volume.kubernetes.io/storage-provisioner": CINDER_DRIVER,
        }
    )
    metadata["annotations"] = annotations
    metadata["finalizers"] = ["kubernetes.io/pvc-protection"]
    spec = out["spec"]
    spec.setdefault("storageClassName", STORAGE_CLASS)
    spec["volumeMode"] = "Filesystem"
    spec["volumeName"] = volume
    out["status"] = {
        "accessModes": list(spec["accessModes"]),
        "capacity": {"storage": capacity},
        "phase": "Bound",
    }
    return out


def volume_for(claim: JsonObject, created: float, reclaim: str = "Delete") -> JsonObject:
    """The Cinder CSI volume dynamically provisioned for a claim."""
    metadata = claim["metadata"]
    ns = str(metadata["namespace"])
    name = str(metadata["name"])
    uid = str(metadata["uid"])
    size = str(claim["spec"]["resources"]["requests"]["storage"])
    pv_name = f"pvc-{uid}"
    handle = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kostack-cinder/{ns}/{name}/{uid}"))
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": pv_name,
            "uid": object_uid("PersistentVolume", "", pv_name),
            "creationTimestamp": timestamp(created + 0.05),
            "annotations": {
                "pv.kubernetes.io/provisioned-by": CINDER_DRIVER,
                "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                "volume.kubernetes.io/provisioner-deletion-secret-namespace": "",
            },
            "finalizers": [
                "external-provisioner.volume.kubernetes.io/finalizer",
                "kubernetes.io/pv-protection",
            ],
        },
        "spec": {
            "accessModes": list(claim["spec"]["accessModes"]),
            "capacity": {"storage": size},
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "name": name,
                "namespace": ns,
                "uid": uid,
            },
            "csi": {
                "driver": CINDER_DRIVER,
                "fsType": "ext4",
                "volumeAttributes": {
                    "storage.kubernetes.io/csiProvisionerIdentity": "1760922000000-2318-"
                    + CINDER_DRIVER
                },
                "volumeHandle": handle,
            },
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": "topology.cinder.csi.openstack.org/zone",
                                    "operator": "In",
                                    "values": ["nova"],
                                }
                            ]
                        }
                    ]
                }
            },
            "persistentVolumeReclaimPolicy": reclaim,
            "storageClassName": STORAGE_CLASS,
            "volumeMode": "Filesystem",
        },
        "status": {"lastPhaseTransitionTime": timestamp(created + 0.05), "phase": "Bound"},
    }


def provision(claim: JsonObject, created: float) -> list[JsonObject]:
    """A claim (uid assigned) and its bound volume."""
    claim = copy.deepcopy(claim)
    metadata = claim["metadata"]
    metadata.setdefault(
        "uid", object_uid("PersistentVolumeClaim", metadata["namespace"], metadata["name"])
    )
    metadata.setdefault("creationTimestamp", timestamp(created))
    volume = volume_for(claim, created)
    size = str(claim["spec"]["resources"]["requests"]["storage"])
    return [bound_claim(claim, created, volume=volume["metadata"]["name"], capacity=size), volume]


def statefulset_claims(sts: JsonObject, created: float) -> list[JsonObject]:
    """PVCs the StatefulSet controller makes: `<template>-<set>-<ordinal>`, template labels +
    the selector's matchLabels (no Helm annotations, no owner references with the default
    Retain/Retain persistentVolumeClaimRetentionPolicy)."""
    out = []
    metadata = sts["metadata"]
    spec = sts["spec"]
    selector = spec["selector"]["matchLabels"]
    for ordinal in range(int(spec.get("replicas", 1))):
        for template in spec.get("volumeClaimTemplates") or []:
            tmeta = template["metadata"]
            name = f"{tmeta['name']}-{metadata['name']}-{ordinal}"
            labels = {**(tmeta.get("labels") or {}), **selector}
            claim: JsonObject = {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": name,
                    "namespace": metadata["namespace"],
                    "uid": object_uid("PersistentVolumeClaim", metadata["namespace"], name),
                    "creationTimestamp": timestamp(created),
                    "labels": labels,
                },
                "spec": copy.deepcopy(template["spec"]),
            }
            if tmeta.get("annotations"):
                claim["metadata"]["annotations"] = dict(tmeta["annotations"])
            out.extend(provision(claim, created))
    return out


PodPhase = Literal["ready", "crashloop", "not-ready"]


@dataclass(frozen=True)
class PodState:
    """How a pod's (first) container is doing, and what it last said."""

    phase: PodPhase = "ready"
    restarts: int = 0
    exit_code: int = 1
    log: str = ""  # the previous container's log (crash loops) or the current one
    events: tuple[tuple[str, str, int], ...] = ()  # (reason, message, count), Warning events


@dataclass(frozen=True)
class PodLog:
    namespace: str
    pod: str
    container: str
    previous: bool
    text: str


@dataclass
class HelmScenario:
    """Objects to serve, pod logs to set, and what the scenario is about."""

    objects: list[JsonObject] = field(default_factory=list)
    logs: list[PodLog] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def extend(self, other: HelmScenario) -> HelmScenario:
        self.objects.extend(other.objects)
        self.logs.extend(other.logs)
        self.notes.extend(other.notes)
        return self

    def set_logs(self, store: KubeStore) -> None:
        for log in self.logs:
            store.set_pod_log(
                log.namespace, log.pod, log.text, container=log.container, previous=log.previous
            )


def _pod_template_pod(
    template: Mapping[str, Any],
    namespace: str,
    name: str,
    node: NodeSpec,
    ip: str,
    owner: JsonObject,
    created: float,
    extra_labels: Mapping[str, str],
    generate_name: str | None,
    hostname: str | None = None,
    subdomain: str | None = None,
) -> JsonObject:
    spec = template["spec"]
    containers = [_defaulted(c) for c in spec["containers"]]
    pod = pod_object(
        namespace,
        name,
        node,
        ip,
        containers,
        labels={**template["metadata"].get("labels", {}), **extra_labels},
        annotations=template["metadata"].get("annotations"),
        owner=owner,
        generate_name=generate_name,
        volumes=spec.get("volumes") or (),
        created=created,
    )
    pod_spec = pod["spec"]
    for key in ("securityContext", "automountServiceAccountToken", "terminationGracePeriodSeconds"):
        if key in spec:
            pod_spec[key] = copy.deepcopy(spec[key])
    if spec.get("initContainers"):
        pod_spec["initContainers"] = [_defaulted(c) for c in spec["initContainers"]]
    if spec.get("serviceAccountName"):
        pod_spec["serviceAccount"] = pod_spec["serviceAccountName"] = spec["serviceAccountName"]
    if hostname:
        pod_spec["hostname"] = hostname
    if subdomain:
        pod_spec["subdomain"] = subdomain
    pod_spec.pop("enableServiceLinks", None)
    pod_spec["enableServiceLinks"] = True
    return pod


def _defaulted(container: Mapping[str, Any]) -> JsonObject:
    """A container as the API server stores it (the defaults it fills in)."""
    out = copy.deepcopy(dict(container))
    out.setdefault("resources", {})
    out.setdefault("terminationMessagePath", "/dev/termination-log")
    out.setdefault("terminationMessagePolicy", "File")
    for port in out.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for probe_key in ("livenessProbe", "readinessProbe"):
        probe = out.get(probe_key)
        if probe:
            probe.setdefault("timeoutSeconds", 1)
            probe.setdefault("periodSeconds", 10)
            probe.setdefault("successThreshold", 1)
            probe.setdefault("failureThreshold", 3)
    return out


def _apply_state(pod: JsonObject, state: PodState, now: float) -> None:
    """Turn a running, ready pod's status into a crash loop or a not-ready pod."""
    if state.phase == "ready":
        return
    status = pod["status"]
    name = pod["metadata"]["name"]
    ns = pod["metadata"]["namespace"]
    first = status["containerStatuses"][0]
    container = first["name"]
    finished = timestamp(now - 0.5)
    started = timestamp(now - 0.6)
    last = {
        "terminated": {
            "containerID": "containerd://" + hex_id(64, ns, name, container, "previous"),
            "exitCode": state.exit_code,
            "finishedAt": finished,
            "reason": "Error",
            "startedAt": started,
        }
    }
    first["lastState"] = last
    first["restartCount"] = state.restarts
    first["ready"] = False
    if state.phase == "crashloop":
        first["started"] = False
        first["state"] = {
            "waiting": {
                "message": f"back-off 5m0s restarting failed container={container} pod={name}_{ns}({pod['metadata']['uid']})",
                "reason": "CrashLoopBackOff",
            }
        }
    else:
        first["started"] = True
        first["state"] = {"running": {"startedAt": timestamp(now - 0.4)}}
    for condition in status["conditions"]:
        if condition["type"] in ("Ready", "ContainersReady"):
            condition["status"] = "False"
            condition["reason"] = "ContainersNotReady"
            condition["message"] = f"containers with unready status: [{container}]"
            condition["lastTransitionTime"] = finished


def _event(pod: JsonObject, reason: str, message: str, count: int, now: float) -> JsonObject:
    metadata = pod["metadata"]
    ns = metadata["namespace"]
    name = f"{metadata['name']}.{hex_id(16, metadata['name'], reason)}"
    node = pod["spec"]["nodeName"]
    container = pod["spec"]["containers"][0]["name"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": object_uid("Event", ns, name),
            "creationTimestamp": timestamp(now - 30),
        },
        "involvedObject": {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": metadata["name"],
            "namespace": ns,
            "uid": metadata["uid"],
            "fieldPath": f"spec.containers{{{container}}}",
        },
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": node},
        "firstTimestamp": timestamp(now - 30),
        "lastTimestamp": timestamp(now - 0.2),
        "count": count,
        "type": "Warning",
        "eventTime": None,
        "reportingComponent": "kubelet",
        "reportingInstance": node,
    }


@dataclass(frozen=True)
class Placement:
    node: NodeSpec
    ip: str
    template_hash: str | None = None  # Deployments: pod-template-hash
    suffix: str | None = None  # Deployments: the pod name's random suffix


def workload(
    objects: Sequence[JsonObject],
    *,
    placements: Mapping[str, Placement],
    states: Mapping[str, PodState] | None = None,
    created: float,
    now: float,
    component_of: str = "component",
) -> HelmScenario:
    """Live Deployments/StatefulSets (with status), their ReplicaSets, pods, PVCs, PVs, events, logs.

    `placements` and `states` are keyed by the workload's component label (or
    its name). Objects other than Deployments and StatefulSets pass through.
    """
    states = states or {}
    scenario = HelmScenario()
    for obj in objects:
        kind = obj["kind"]
        if kind not in ("Deployment", "StatefulSet"):
            continue
        metadata = obj["metadata"]
        ns = metadata["namespace"]
        name = metadata["name"]
        labels = metadata.get("labels", {})
        key = labels.get(component_of) or labels.get("app.kubernetes.io/component") or name
        placement = placements.get(key) or placements.get(name)
        if placement is None:
            raise ValueError(f"no placement for {kind} {ns}/{name} ({key})")
        state = states.get(key, PodState())
        template = obj["spec"]["template"]
        live = live_object(obj, created)
        ready = 1 if state.phase == "ready" else 0
        if kind == "Deployment":
            template_hash = placement.template_hash or name_suffix(10, ns, name, "template")
            rs_name = f"{name}-{template_hash}"
            selector = {
                **obj["spec"]["selector"]["matchLabels"],
                "pod-template-hash": template_hash,
            }
            rs_template = copy.deepcopy(template)
            rs_template["metadata"]["labels"] = {
                **template["metadata"]["labels"],
                "pod-template-hash": template_hash,
            }
            replicaset: JsonObject = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    **object_meta(
                        "ReplicaSet",
                        rs_name,
                        ns,
                        labels=rs_template["metadata"]["labels"],
                        annotations={
                            "deployment.kubernetes.io/desired-replicas": "1",
                            "deployment.kubernetes.io/max-replicas": "2",
                            "deployment.kubernetes.io/revision": "1",
                            **{
                                k: v
                                for k, v in metadata.get("annotations", {}).items()
                                if k.startswith("meta.helm.sh/")
                            },
                        },
                        created=created,
                        owner=owner_reference("apps/v1", "Deployment", ns, name),
                        generation=True,
                    )
                },
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": selector},
                    "template": rs_template,
                },
                "status": {
                    "replicas": 1,
                    "fullyLabeledReplicas": 1,
                    "readyReplicas": ready,
                    "availableReplicas": ready,
                    "observedGeneration": 1,
                },
            }
            if not ready:
                replicaset["status"].pop("readyReplicas")
                replicaset["status"].pop("availableReplicas")
            live["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/revision"] = (
                "1"
            )
            live["spec"]["progressDeadlineSeconds"] = 600
            live["spec"].setdefault("strategy", {})["rollingUpdate"] = {
                "maxSurge": "25%",
                "maxUnavailable": "25%",
            }
            live["status"] = _deployment_status(ready, rs_name, created, now)
            pod_name = f"{rs_name}-{placement.suffix or name_suffix(5, ns, rs_name)}"
            pod = _pod_template_pod(
                rs_template,
                ns,
                pod_name,
                placement.node,
                placement.ip,
                owner_reference("apps/v1", "ReplicaSet", ns, rs_name),
                created + 0.1,
                {},
                f"{rs_name}-",
            )
            scenario.objects.extend([live, replicaset])
        else:
            revision = f"{name}-{name_suffix(10, ns, name, 'revision')}"
            live["spec"].setdefault("podManagementPolicy", "OrderedReady")
            live["spec"].setdefault("revisionHistoryLimit", 10)
            live["spec"].setdefault(
                "updateStrategy", {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"}
            )
            live["spec"]["persistentVolumeClaimRetentionPolicy"] = {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            }
            for claim_template in live["spec"].get("volumeClaimTemplates") or []:
                claim_template["spec"]["volumeMode"] = "Filesystem"
                claim_template["status"] = {"phase": "Pending"}
            live["status"] = {
                "availableReplicas": ready,
                "collisionCount": 0,
                "currentReplicas": 1,
                "currentRevision": revision,
                "observedGeneration": 1,
                "readyReplicas": ready,
                "replicas": 1,
                "updateRevision": revision,
                "updatedReplicas": 1,
            }
            if not ready:
                live["status"].pop("readyReplicas")
            pod_name = f"{name}-0"
            claims = {
                t["metadata"]["name"]: f"{t['metadata']['name']}-{name}-0"
                for t in obj["spec"].get("volumeClaimTemplates") or []
            }
            pod_template = copy.deepcopy(template)
            volumes = list(pod_template["spec"].get("volumes") or [])
            for volume, claim in claims.items():
                volumes.insert(0, {"name": volume, "persistentVolumeClaim": {"claimName": claim}})
            pod_template["spec"]["volumes"] = volumes
            pod = _pod_template_pod(
                pod_template,
                ns,
                pod_name,
                placement.node,
                placement.ip,
                owner_reference("apps/v1", "StatefulSet", ns, name),
                created + 0.1,
                {
                    "apps.kubernetes.io/pod-index": "0",
                    "controller-revision-hash": revision,
                    "statefulset.kubernetes.io/pod-name": pod_name,
                },
                f"{name}-",
                hostname=pod_name,
                subdomain=obj["spec"].get("serviceName"),
            )
            scenario.objects.append(live)
        _apply_state(pod, state, now)
        scenario.objects.append(pod)
        container = pod["spec"]["containers"][0]["name"]
        for reason, message, count in state.events:
            scenario.objects.append(_event(pod, reason, message, count, now))
        if state.log:
            scenario.logs.append(
                PodLog(
                    ns, pod["metadata"]["name"], container, state.phase == "crashloop", state.log
                )
            )
    return scenario


def _deployment_status(ready: int, rs_name: str, created: float, now: float) -> JsonObject:
    available = {
        "lastTransitionTime": timestamp(created + 0.2),
        "lastUpdateTime": timestamp(created + 0.2),
        "message": "Deployment has minimum availability."
        if ready
        else "Deployment does not have minimum availability.",
        "reason": "MinimumReplicasAvailable" if ready else "MinimumReplicasUnavailable",
        "status": "True" if ready else "False",
        "type": "Available",
    }
    progressing = {
        "lastTransitionTime": timestamp(created),
        "lastUpdateTime": timestamp(created + 0.2),
        "message": f'ReplicaSet "{rs_name}" has successfully progressed.'
        if ready
        else f'ReplicaSet "{rs_name}" has timed out progressing.',
        "reason": "NewReplicaSetAvailable" if ready else "ProgressDeadlineExceeded",
        "status": "True" if ready else "False",
        "type": "Progressing",
    }
    status: JsonObject = {
        "conditions": [available, progressing],
        "observedGeneration": 1,
        "replicas": 1,
        "updatedReplicas": 1,
    }
    if ready:
        status["availableReplicas"] = 1
        status["readyReplicas"] = 1
    else:
        status["unavailableReplicas"] = 1
    return status


def install_objects(
    rendered: Sequence[tuple[str, JsonObject]],
    *,
    release: str,
    namespace: str,
    created: float,
    now: float,
    placements: Mapping[str, Placement],
    states: Mapping[str, PodState] | None = None,
    existing_claims: Iterable[str] = (),
) -> HelmScenario:
    """Everything a successful `helm install` leaves in the cluster for these rendered objects.

    Chart PVCs and StatefulSet claims named in `existing_claims` are not
    created (the caller supplies older ones: a reinstall binds them).
    """
    existing = set(existing_claims)
    owned = [helm_owned(obj, release, namespace) for _, obj in rendered]
    scenario = HelmScenario()
    for obj in owned:
        kind = obj["kind"]
        if kind in ("Deployment", "StatefulSet"):
            continue
        if kind == "PersistentVolumeClaim":
            if obj["metadata"]["name"] in existing:
                continue
            scenario.objects.extend(provision(live_object(obj, created), created))
            continue
        scenario.objects.append(live_object(obj, created))
    for obj in owned:
        if obj["kind"] == "StatefulSet":
            claims = statefulset_claims(obj, created + 0.05)
            scenario.objects.extend(
                c
                for c in claims
                if not (c["kind"] == "PersistentVolumeClaim" and c["metadata"]["name"] in existing)
                and not (
                    c["kind"] == "PersistentVolume" and c["spec"]["claimRef"]["name"] in existing
                )
            )
    scenario.extend(
        workload(
            [o for o in owned if o["kind"] in ("Deployment", "StatefulSet")],
            placements=placements,
            states=states,
            created=created,
            now=now,
            component_of="component"
            if any("component" in o["metadata"].get("labels", {}) for o in owned)
            else "app.kubernetes.io/component",
        )
    )
    return scenario
