"""The state under the Kubernetes API double's store and the primitives on it (no semantics)."""

from __future__ import annotations

import copy
import ipaddress
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from kostack_lab.kubeapi_resources import (
    BUILTIN_RESOURCES,
    ResourceType,
)
from kostack_lab.kubeapi_status import (
    CreateHook,
    JsonObject,
    KubeApiError,
    WatchEvent,
    not_found,
)

_WATCH_EVENT_LOG_SIZE: Final = 10_000
# Kinds whose metadata.generation the server maintains.
_GENERATION_GROUPS: Final = frozenset(
    {"apps", "batch", "networking.k8s.io", "apiextensions.k8s.io"}
)


class StoreState:
    """The store's objects, types, watch log and hooks, and the primitives on them."""

    def __init__(
        self,
        *,
        service_cidr: str,
        node_port_range: tuple[int, int],
        clock: Callable[[], datetime] | None,
        validator: Callable[[JsonObject], Sequence[str]] | None,
    ) -> None:
        self._lock = threading.RLock()
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._service_network = ipaddress.ip_network(service_cidr)
        self._node_port_range = node_port_range
        self._validator = validator
        self._types: dict[tuple[str, str, str], ResourceType] = {}
        self._crd_types: dict[str, list[ResourceType]] = {}
        self._store: dict[tuple[str, str], dict[tuple[str, str], JsonObject]] = {}
        self._resource_version = 1000
        self._events: list[WatchEvent] = []
        self._create_hooks: dict[tuple[str, str], list[CreateHook]] = {}
        self._pod_logs: dict[tuple[str, str, str, bool], str] = {}
        for rtype in BUILTIN_RESOURCES:
            self._types[(rtype.group, rtype.version, rtype.plural)] = rtype

    def _notify(self, event: WatchEvent) -> None:
        """Called (lock held) after every change; the HTTP layer feeds watches from it."""

    def _type_for_kind(self, api_version: str, kind: str) -> ResourceType:
        group, _, version = api_version.rpartition("/")
        for rtype in self._types.values():
            if rtype.group == group and rtype.version == version and rtype.kind == kind:
                return rtype
        raise ValueError(f"the double serves no {kind} in {api_version} (is its CRD stored?)")

    def _served_type(self, group: str, version: str, plural: str) -> ResourceType:
        rtype = self._types.get((group, version, plural))
        if rtype is None:
            raise KubeApiError(404, "the server could not find the requested resource")
        return rtype

    def _bucket(self, rtype: ResourceType) -> dict[tuple[str, str], JsonObject]:
        return self._store.setdefault(rtype.storage_key, {})

    def _tracks_generation(self, rtype: ResourceType) -> bool:
        return rtype.custom or rtype.group in _GENERATION_GROUPS

    def _next_version(self) -> int:
        self._resource_version += 1
        return self._resource_version

    def _serve(self, rtype: ResourceType, stored: Mapping[str, Any]) -> JsonObject:
        served: JsonObject = {"apiVersion": rtype.api_version, "kind": rtype.kind}
        served.update(
            (k, copy.deepcopy(v)) for k, v in stored.items() if k not in ("apiVersion", "kind")
        )
        return served

    def _emit(self, version: int, event_type: str, rtype: ResourceType, obj: JsonObject) -> None:
        event = WatchEvent(version, event_type, rtype.storage_key, copy.deepcopy(obj))
        self._events.append(event)
        if len(self._events) > _WATCH_EVENT_LOG_SIZE:
            del self._events[: len(self._events) - _WATCH_EVENT_LOG_SIZE]
        self._notify(event)

    def _existing(self, rtype: ResourceType, namespace: str, name: str) -> JsonObject:
        stored = self._bucket(rtype).get((namespace, name))
        if stored is None:
            raise not_found(rtype, name)
        return stored

    def _namespace_is_empty(self, namespace: str) -> bool:
        return not any(
            key[0] == namespace
            for rtype in self._unique_storage_types()
            if rtype.namespaced
            for key in self._bucket(rtype)
        )

    def _unique_storage_types(self) -> list[ResourceType]:
        seen: dict[tuple[str, str], ResourceType] = {}
        for rtype in self._types.values():
            seen.setdefault(rtype.storage_key, rtype)
        return list(seen.values())
