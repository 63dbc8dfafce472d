"""The objects and API semantics behind the Kubernetes API double, without HTTP.

`KubeStore` holds objects per (storage group, resource) and implements what
the real API server does with them: server-set metadata, resourceVersion
conflicts, create defaults and status-subresource rules, the three patch
types, selectors and pagination, finalizers; and the controllers whose
effects kostack depends on (PVC/PV protection and reclaim, namespace
deletion, CRD establishment, optional pod start). `KubeApiDouble` serves it.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from kostack_lab.kubeapi_status import (
    CreateHook,
    JsonObject,
    KubeApiError,
    WatchEvent,
    is_true,
    metadata_of,
    now_text,
    object_key,
    qualified_resource,
)
from kostack_lab.kubeapi_writes import StoreWrites

__all__ = [
    "CreateHook",
    "JsonObject",
    "KubeApiError",
    "KubeStore",
    "WatchEvent",
    "is_true",
    "metadata_of",
    "object_key",
    "qualified_resource",
]


class KubeStore(StoreWrites):
    """Kubernetes objects in memory with the API server's semantics (thread-safe).

    `objects` are stored as if created before (CRDs and APIServices first,
    so the custom types they define exist).
    """

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] = (),
        *,
        service_cidr: str = "10.96.0.0/12",
        node_port_range: tuple[int, int] = (30000, 32767),
        clock: Callable[[], datetime] | None = None,
        validator: Callable[[JsonObject], Sequence[str]] | None = None,
    ) -> None:
        super().__init__(
            service_cidr=service_cidr,
            node_port_range=node_port_range,
            clock=clock,
            validator=validator,
        )
        self.add_all(objects)

    @property
    def resource_version(self) -> int:
        """The latest resourceVersion handed out."""
        with self._lock:
            return self._resource_version

    def add(self, obj: Mapping[str, Any]) -> JsonObject:
        """Store an object as it would be after a create; returns a copy of it.

        Missing uid and creationTimestamp are filled in (the uid is derived
        from the object's identity, so fixtures stay reproducible); the
        resourceVersion is always the server's. An existing object of the
        same name is replaced.
        """
        with self._lock:
            rtype = self._type_for_kind(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
            stored = copy.deepcopy(dict(obj))
            metadata = stored.setdefault("metadata", {})
            if not metadata.get("name"):
                raise ValueError(f"{rtype.kind} without metadata.name")
            if rtype.namespaced:
                metadata.setdefault("namespace", "default")
            else:
                metadata.pop("namespace", None)
            identity = f"{rtype.storage_key}/{metadata.get('namespace', '')}/{metadata['name']}"
            metadata.setdefault(
                "uid", str(uuid.uuid5(uuid.NAMESPACE_URL, "kostack-kubeapi/" + identity))
            )
            metadata.setdefault("creationTimestamp", now_text(self._clock))
            if self._tracks_generation(rtype):
                metadata.setdefault("generation", 1)
            self._server_side_effects_on_store(rtype, stored)
            event = "MODIFIED" if object_key(stored) in self._bucket(rtype) else "ADDED"
            self._write(rtype, stored, event)
            return self._serve(rtype, stored)

    def add_all(self, objects: Iterable[Mapping[str, Any]]) -> list[JsonObject]:
        """`add` each object; CRDs and APIServices first so their types exist."""
        ordered = sorted(
            objects,
            key=lambda o: 0 if o.get("kind") in ("CustomResourceDefinition", "APIService") else 1,
        )
        return [self.add(obj) for obj in ordered]

    def get(self, api_version: str, kind: str, name: str, namespace: str = "") -> JsonObject | None:
        """A copy of a stored object, or None."""
        with self._lock:
            rtype = self._type_for_kind(api_version, kind)
            stored = self._bucket(rtype).get((namespace if rtype.namespaced else "", name))
            return None if stored is None else self._serve(rtype, stored)

    def remove(self, api_version: str, kind: str, name: str, namespace: str = "") -> bool:
        """Drop an object at once (no finalizers, no controllers); True if it existed."""
        with self._lock:
            rtype = self._type_for_kind(api_version, kind)
            stored = self._bucket(rtype).get((namespace if rtype.namespaced else "", name))
            if stored is None:
                return False
            self._erase(rtype, stored)
            return True

    def set_pod_log(
        self,
        namespace: str,
        pod: str,
        text: str,
        *,
        container: str | None = None,
        previous: bool = False,
    ) -> None:
        """The text `pods/<pod>/log` returns (for one container, or for any)."""
        with self._lock:
            self._pod_logs[(namespace, pod, container or "", previous)] = text

    def on_create(self, group: str, resource: str, hook: CreateHook) -> None:
        """Run `hook(obj)` on every object of group/resource created through the API."""
        with self._lock:
            self._create_hooks.setdefault((group, resource), []).append(hook)

    def start_pods_on_create(self) -> None:
        """Make created pods run: scheduled, given a pod IP, phase Running and Ready.

        A pod without spec.nodeName goes to the schedulable node (no
        NoSchedule taint it does not tolerate, matching nodeSelector) with
        the fewest pods. Its IP comes from the node's Calico IPAM blocks, or
        else its spec.podCIDR; hostNetwork pods get the node's InternalIP.
        """
        self.on_create("", "pods", self._run_pod)
