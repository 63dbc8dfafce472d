"""Kubernetes objects the lab serves through its API double: metadata, namespaces, Calico's CRDs.

`kostack lab up` serves the lab's cluster (lab/cluster.py); these builders
give its objects the shape a real API server returns: deterministic uids
(`object_uid`), creation timestamps relative to `CLUSTER_CREATED`, and the
CustomResourceDefinitions Calico and the Tigera operator install. The test
fixtures (kostack_testkit) build whole clusters on top of them.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

__all__ = [
    "CLUSTER_CREATED",
    "JsonObject",
    "calico_crds",
    "crd_object",
    "host_daemon_set",
    "namespace_object",
    "object_meta",
    "object_uid",
    "timestamp",
]

JsonObject = dict[str, Any]

# When the cluster was built; every timestamp is an offset from it.
CLUSTER_CREATED: Final = datetime(2025, 10, 20, 1, 2, 3, tzinfo=UTC)


def object_uid(kind: str, namespace: str, name: str) -> str:
    """The uid fixtures give an object: stable, derived from its identity."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kostack-fixture/{kind}/{namespace}/{name}"))


def host_daemon_set(
    name: str,
    namespace: str,
    labels: Mapping[str, str],
    pod_spec: Mapping[str, Any],
    nodes: Sequence[tuple[str, str]],
) -> list[JsonObject]:
    """A hostNetwork DaemonSet, ready on every node, and its running pod on each (name,
    address): owned by it and named `<name>-<5 hex>` as the DaemonSet controller makes them,
    the pod's address the node's."""
    owner = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "name": name,
        "uid": object_uid("DaemonSet", namespace, name),
        "controller": True,
        "blockOwnerDeletion": True,
    }
    count = len(nodes)
    objects: list[JsonObject] = [
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
            "spec": {
                "selector": {"matchLabels": dict(labels)},
                "template": {"metadata": {"labels": dict(labels)}, "spec": copy.deepcopy(pod_spec)},
            },
            "status": {
                "currentNumberScheduled": count,
                "desiredNumberScheduled": count,
                "numberMisscheduled": 0,
                "numberReady": count,
            },
        }
    ]
    for node, ip in nodes:
        suffix = hashlib.sha256(f"{name}/{node}".encode()).hexdigest()[:5]
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"{name}-{suffix}",
                    "generateName": f"{name}-",
                    "namespace": namespace,
                    "labels": dict(labels),
                    "ownerReferences": [dict(owner)],
                },
                "spec": {"nodeName": node, **copy.deepcopy(pod_spec)},
                "status": {
                    "phase": "Running",
                    "hostIP": ip,
                    "hostIPs": [{"ip": ip}],
                    "podIP": ip,
                    "podIPs": [{"ip": ip}],
                },
            }
        )
    return objects


def timestamp(minutes: float = 0.0) -> str:
    """`CLUSTER_CREATED` plus `minutes`, as the API server writes times."""
    return (CLUSTER_CREATED + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def object_meta(
    kind: str,
    name: str,
    namespace: str | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    created: float = 0.0,
    owner: Mapping[str, Any] | None = None,
    generate_name: str | None = None,
    generation: bool = False,
) -> JsonObject:
    """`metadata` of an object: uid from its identity, creation `created` minutes in."""
    metadata: JsonObject = {"name": name}
    if generate_name:
        metadata["generateName"] = generate_name
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata["uid"] = object_uid(kind, namespace or "", name)
    if generation:
        metadata["generation"] = 1
    metadata["creationTimestamp"] = timestamp(created)
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    if owner:
        metadata["ownerReferences"] = [dict(owner)]
    return metadata


def namespace_object(
    name: str, labels: Mapping[str, str] | None = None, created: float = 0.0
) -> JsonObject:
    """A Namespace as the API server returns it (with its metadata.name label)."""
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": object_meta(
            "Namespace",
            name,
            labels={"kubernetes.io/metadata.name": name, **(labels or {})},
            created=created,
        ),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def crd_object(
    group: str,
    kind: str,
    plural: str,
    *,
    version: str = "v1",
    status_subresource: bool = False,
    short_names: Sequence[str] = (),
) -> JsonObject:
    """A CRD with a permissive structural schema (the real ones list every field)."""
    version_entry: JsonObject = {
        "name": version,
        "schema": {
            "openAPIV3Schema": {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
            }
        },
        "served": True,
        "storage": True,
    }
    if status_subresource:
        version_entry["subresources"] = {"status": {}}
    names: JsonObject = {
        "kind": kind,
        "listKind": f"{kind}List",
        "plural": plural,
        "singular": kind.lower(),
    }
    if short_names:
        names["shortNames"] = list(short_names)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": object_meta(
            "CustomResourceDefinition", f"{plural}.{group}", created=4.0, generation=True
        ),
        "spec": {
            "conversion": {"strategy": "None"},
            "group": group,
            "names": names,
            "scope": "Cluster",
            "versions": [version_entry],
        },
    }


def calico_crds(*, operator: bool, api_server: bool = False) -> list[JsonObject]:
    """Calico's CRDs (and the operator's), plus the v3 APIService when calico-apiserver runs."""
    crds = [
        crd_object("crd.projectcalico.org", kind, plural, short_names=short)
        for kind, plural, short in (
            ("BGPConfiguration", "bgpconfigurations", ()),
            ("BGPPeer", "bgppeers", ()),
            ("BlockAffinity", "blockaffinities", ()),
            ("ClusterInformation", "clusterinformations", ()),
            ("FelixConfiguration", "felixconfigurations", ()),
            ("IPAMBlock", "ipamblocks", ()),
            ("IPAMHandle", "ipamhandles", ()),
            ("IPPool", "ippools", ()),
            ("IPReservation", "ipreservations", ()),
        )
    ]
    if operator:
        crds.append(
            crd_object(
                "operator.tigera.io", "Installation", "installations", status_subresource=True
            )
        )
        crds.append(
            crd_object("operator.tigera.io", "APIServer", "apiservers", status_subresource=True)
        )
    if api_server:
        crds.append(
            {
                "apiVersion": "apiregistration.k8s.io/v1",
                "kind": "APIService",
                "metadata": object_meta(
                    "APIService",
                    "v3.projectcalico.org",
                    labels={"k8s-app": "calico-apiserver"},
                    created=12.0,
                    owner={
                        "apiVersion": "operator.tigera.io/v1",
                        "kind": "APIServer",
                        "name": "default",
                        "uid": object_uid("APIServer", "", "default"),
                        "controller": True,
                        "blockOwnerDeletion": True,
                    },
                ),
                "spec": {
                    "caBundle": base64_placeholder_ca(),
                    "group": "projectcalico.org",
                    "groupPriorityMinimum": 1500,
                    "service": {"name": "calico-api", "namespace": "calico-apiserver", "port": 443},
                    "version": "v3",
                    "versionPriority": 200,
                },
            }
        )
    return crds


def base64_placeholder_ca() -> str:
    """A base64 value where real objects carry a CA bundle (no real certificate)."""
    return base64.b64encode(b"kostack lab placeholder, not a certificate\n").decode()
