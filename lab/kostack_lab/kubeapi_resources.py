"""The resource types the Kubernetes API double serves, as the real API server lists them.

Built-in types are always served. Custom resources are served once their
CustomResourceDefinition is stored (as on a real cluster); aggregated APIs
(Calico's projectcalico.org/v3, served by calico-apiserver) once their
APIService is stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STANDARD_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)


@dataclass(frozen=True)
class ResourceType:
    """One served resource: group/version/plural, its kind and scope.

    `storage_group` lets one API (projectcalico.org/v3) serve the objects
    stored under another group (crd.projectcalico.org), as calico-apiserver
    does; objects are stored once per (storage group, plural) whatever the
    version they are read through.
    """

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    storage_group: str | None = None
    custom: bool = False
    # False where the registry strategy forbids updates without a resourceVersion
    # (custom resources and Leases): such a PUT is 422, a stale one 409.
    unconditional_update: bool = True

    @property
    def api_version(self) -> str:
        """`v1` for the core group, `group/version` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def storage_key(self) -> tuple[str, str]:
        """Where objects of this type live in the store."""
        return (self.storage_group if self.storage_group is not None else self.group, self.plural)

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    def discovery_entries(self) -> list[dict[str, Any]]:
        """APIResource entries for /api/v1 or /apis/<group>/<version>."""
        entry: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.singular or self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(STANDARD_VERBS),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        digest = hashlib.sha256(f"{self.api_version}/{self.plural}".encode()).digest()
        # Real servers publish a base64 hash here; only its presence matters to clients.
        entry["storageVersionHash"] = digest[:8].hex()
        entries = [entry]
        for sub in self.subresources:
            verbs = {
                "status": ["get", "patch", "update"],
                "log": ["get"],
                "scale": ["get", "patch", "update"],
            }
            sub_kind = "Scale" if sub == "scale" else self.kind
            entries.append(
                {
                    "name": f"{self.plural}/{sub}",
                    "singularName": "",
                    "namespaced": self.namespaced,
                    "kind": sub_kind,
                    "verbs": verbs.get(sub, ["get"]),
                }
            )
        return entries


def _core(
    plural: str,
    kind: str,
    namespaced: bool,
    short: tuple[str, ...] = (),
    sub: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
) -> ResourceType:
    return ResourceType("", "v1", plural, kind, namespaced, kind.lower(), short, categories, sub)


def _grouped(
    group: str,
    version: str,
    plural: str,
    kind: str,
    namespaced: bool,
    short: tuple[str, ...] = (),
    sub: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
) -> ResourceType:
    return ResourceType(
        group, version, plural, kind, namespaced, kind.lower(), short, categories, sub
    )


BUILTIN_RESOURCES: tuple[ResourceType, ...] = (
    _core("configmaps", "ConfigMap", True, ("cm",)),
    _core("endpoints", "Endpoints", True, ("ep",)),
    _core("events", "Event", True, ("ev",)),
    _core("namespaces", "Namespace", False, ("ns",), ("status",)),
    _core("nodes", "Node", False, ("no",), ("status",)),
    _core("persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",), ("status",)),
    _core("persistentvolumes", "PersistentVolume", False, ("pv",), ("status",)),
    _core("pods", "Pod", True, ("po",), ("log", "status"), ("all",)),
    _core("secrets", "Secret", True),
    _core("serviceaccounts", "ServiceAccount", True, ("sa",)),
    _core("services", "Service", True, ("svc",), ("status",), ("all",)),
    _grouped("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), ("status",), ("all",)),
    _grouped(
        "apps", "v1", "deployments", "Deployment", True, ("deploy",), ("scale", "status"), ("all",)
    ),
    _grouped(
        "apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), ("scale", "status"), ("all",)
    ),
    _grouped(
        "apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), ("scale", "status"), ("all",)
    ),
    _grouped("batch", "v1", "jobs", "Job", True, (), ("status",), ("all",)),
    _grouped("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    ResourceType(
        "coordination.k8s.io", "v1", "leases", "Lease", True, "lease", unconditional_update=False
    ),
    _grouped("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",), ("status",)),
    _grouped("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",)),
    _grouped("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ("sc",)),
    _grouped("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    _grouped("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    _grouped("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    _grouped("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    _grouped(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        ("status",),
    ),
    _grouped("apiregistration.k8s.io", "v1", "apiservices", "APIService", False, (), ("status",)),
)

# Resources of aggregated APIs this double knows how to serve once their
# APIService is stored. calico-apiserver serves projectcalico.org/v3 from the
# crd.projectcalico.org/v1 objects; the shapes of these kinds are the same.
AGGREGATED_RESOURCES: Mapping[tuple[str, str], tuple[ResourceType, ...]] = {
    ("projectcalico.org", "v3"): tuple(
        ResourceType(
            "projectcalico.org",
            "v3",
            plural,
            kind,
            False,
            kind.lower(),
            short,
            (),
            (),
            storage_group="crd.projectcalico.org",
            custom=True,
        )
        for plural, kind, short in (
            ("bgpconfigurations", "BGPConfiguration", ("bgpconfig", "bgpconfigs")),
            ("bgppeers", "BGPPeer", ()),
            ("felixconfigurations", "FelixConfiguration", ("felixconfig", "felixconfigs")),
            ("ippools", "IPPool", ()),
            ("ipreservations", "IPReservation", ()),
        )
    ),
}

# Where the group of a built-in type sits in /apis (the real server orders by priority).
BUILTIN_GROUP_ORDER: tuple[str, ...] = (
    "apiregistration.k8s.io",
    "apps",
    "batch",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "apiextensions.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
)


def resource_types_from_crd(crd: Mapping[str, Any]) -> list[ResourceType]:
    """The resource types a CustomResourceDefinition makes the server serve."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = str(spec.get("group", ""))
    plural = str(names.get("plural", ""))
    kind = str(names.get("kind", ""))
    if not group or not plural or not kind:
        raise ValueError("CustomResourceDefinition needs spec.group, names.plural and names.kind")
    namespaced = spec.get("scope", "Namespaced") == "Namespaced"
    types: list[ResourceType] = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = version.get("subresources") or {}
        types.append(
            ResourceType(
                group=group,
                version=str(version["name"]),
                plural=plural,
                kind=kind,
                namespaced=namespaced,
                singular=str(names.get("singular") or kind.lower()),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=tuple(sorted(k for k in ("scale", "status") if k in subresources)),
                custom=True,
            )
        )
    return types


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key putting versions in Kubernetes order: v2, v1, v1beta2, v1beta1, v1alpha1, others."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if match is None:
        return (3, 0, 0, version)
    major = int(match.group(1))
    stability = {None: 0, "beta": 1, "alpha": 2}[match.group(2)]
    minor = int(match.group(3) or 0)
    return (stability, -major, -minor, version)
