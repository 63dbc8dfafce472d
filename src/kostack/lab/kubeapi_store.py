"""The objects and API semantics behind the Kubernetes API double, without HTTP.

`KubeStore` holds objects per (storage group, resource) and implements what
the real API server does with them: server-set metadata, resourceVersion
conflicts, create defaults and status-subresource rules, the three patch
types, selectors and pagination, finalizers; and the controllers whose
effects kostack depends on (PVC/PV protection and reclaim, namespace
deletion, CRD establishment, optional pod start). `KubeApiDouble` serves it.
"""

from __future__ import annotations

import base64
import binascii
import copy
import ipaddress
import json
import re
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from kostack.lab.kubeapi_leases import MicroTimeError, normalize_micro_times, validate_lease
from kostack.lab.kubeapi_patch import (
    PatchError,
    PatchTestFailed,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from kostack.lab.kubeapi_pods import start_pod
from kostack.lab.kubeapi_resources import (
    AGGREGATED_RESOURCES,
    BUILTIN_RESOURCES,
    ResourceType,
    resource_types_from_crd,
)
from kostack.lab.kubeapi_selectors import (
    FieldRequirement,
    LabelRequirement,
    SelectorError,
    check_fields_supported,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)

JsonObject = dict[str, Any]
# Called with a new object (defaults applied) before it is stored; mutates it in place.
CreateHook = Callable[[JsonObject], None]

_REASONS: Final[Mapping[int, str]] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
_WATCH_EVENT_LOG_SIZE: Final = 10_000
# Kinds whose metadata.generation the server maintains.
_GENERATION_GROUPS: Final = frozenset(
    {"apps", "batch", "networking.k8s.io", "apiextensions.k8s.io"}
)


_PVC_PROTECTION: Final = "kubernetes.io/pvc-protection"
_PV_PROTECTION: Final = "kubernetes.io/pv-protection"


# Random-looking suffixes use the same alphabet as the apiserver's generateName.
_NAME_ALPHABET: Final = "bcdfghjklmnpqrstvwxz2456789"


class KubeApiError(Exception):
    """An error answered as a Kubernetes `Status` object."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str | None = None,
        details: Mapping[str, Any] | None = None,
        list_continue: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or _REASONS.get(code, "Unknown")
        self.details = dict(details) if details else None
        self.list_continue = list_continue

    def status_body(self) -> JsonObject:
        body: JsonObject = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {"continue": self.list_continue} if self.list_continue else {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


# What kube-apiserver answers when a list's continue token outlived etcd's compaction
# (kubernetes staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go).
EXPIRED_CONTINUE: Final = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)


def expired_continue(token: str) -> KubeApiError:
    """The 410 answer to a list page whose continue token expired, with the token that goes on.

    The new token continues after the same object at the latest revision
    (revision -1), as kube-apiserver's does.
    """
    decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
    renewed = base64.urlsafe_b64encode(
        json.dumps({"rv": -1, "start": decoded["start"]}).encode()
    ).decode()
    return KubeApiError(410, EXPIRED_CONTINUE, list_continue=renewed)


def _not_found(rtype: ResourceType, name: str) -> KubeApiError:
    return KubeApiError(
        404,
        f'{qualified_resource(rtype)} "{name}" not found',
        details={"name": name, "group": rtype.group, "kind": rtype.plural},
    )


def qualified_resource(rtype: ResourceType) -> str:
    """`pods` or `deployments.apps`, as the server names a resource in messages."""
    return f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural


@dataclass(frozen=True)
class WatchEvent:
    """One change, as a watch reports it (ADDED, MODIFIED or DELETED)."""

    resource_version: int
    event_type: str
    storage_key: tuple[str, str]
    obj: JsonObject


def _now_text(clock: Callable[[], datetime]) -> str:
    return clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def metadata_of(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object's metadata dict ({} when missing)."""
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def object_key(obj: Mapping[str, Any]) -> tuple[str, str]:
    """(namespace, name); namespace is "" for cluster-scoped objects."""
    metadata = metadata_of(obj)
    return (str(metadata.get("namespace", "")), str(metadata.get("name", "")))


def is_true(value: str | None) -> bool:
    """A boolean query parameter as the API server reads it."""
    return value is not None and value.lower() in ("true", "1")


def _valid_subdomain(name: str) -> bool:
    return (
        len(name) <= 253
        and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", name)
        is not None
    )


def _valid_label(name: str, *, must_start_alpha: bool) -> bool:
    pattern = (
        r"[a-z]([-a-z0-9]*[a-z0-9])?" if must_start_alpha else r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    )
    return len(name) <= 63 and re.fullmatch(pattern, name) is not None


class KubeStore:
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
        self.add_all(objects)

    def _notify(self, event: WatchEvent) -> None:
        """Called (lock held) after every change; the HTTP layer feeds watches from it."""

    def register_resource(self, rtype: ResourceType) -> None:
        """Serve another resource type (custom types normally come from CRD objects)."""
        with self._lock:
            self._types[(rtype.group, rtype.version, rtype.plural)] = rtype

    def resource_types(self) -> list[ResourceType]:
        with self._lock:
            return list(self._types.values())

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
            metadata.setdefault("creationTimestamp", _now_text(self._clock))
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

    def list_objects(
        self, api_version: str, kind: str, namespace: str | None = None
    ) -> list[JsonObject]:
        """Copies of the stored objects of a kind (in one namespace, or all)."""
        with self._lock:
            rtype = self._type_for_kind(api_version, kind)
            return [
                self._serve(rtype, obj)
                for key, obj in sorted(self._bucket(rtype).items())
                if namespace is None or key[0] == namespace
            ]

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

    def _write(self, rtype: ResourceType, obj: JsonObject, event_type: str) -> None:
        version = self._next_version()
        metadata_of(obj)["resourceVersion"] = str(version)
        obj["apiVersion"] = rtype.api_version
        obj["kind"] = rtype.kind
        self._bucket(rtype)[object_key(obj)] = obj
        self._emit(version, event_type, rtype, obj)

    def _erase(self, rtype: ResourceType, obj: JsonObject) -> None:
        self._bucket(rtype).pop(object_key(obj), None)
        version = self._next_version()
        gone = copy.deepcopy(obj)
        metadata_of(gone)["resourceVersion"] = str(version)
        self._emit(version, "DELETED", rtype, gone)
        self._after_removal(rtype, obj)

    def _emit(self, version: int, event_type: str, rtype: ResourceType, obj: JsonObject) -> None:
        event = WatchEvent(version, event_type, rtype.storage_key, copy.deepcopy(obj))
        self._events.append(event)
        if len(self._events) > _WATCH_EVENT_LOG_SIZE:
            del self._events[: len(self._events) - _WATCH_EVENT_LOG_SIZE]
        self._notify(event)

    def _server_side_effects_on_store(self, rtype: ResourceType, obj: JsonObject) -> None:
        """What the real control plane does as soon as these kinds are stored."""
        if rtype.storage_key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._establish_crd(obj)
        elif rtype.storage_key == ("apiregistration.k8s.io", "apiservices"):
            spec = obj.get("spec") or {}
            for aggregated in AGGREGATED_RESOURCES.get(
                (str(spec.get("group", "")), str(spec.get("version", ""))), ()
            ):
                self._types[(aggregated.group, aggregated.version, aggregated.plural)] = aggregated
            obj.setdefault(
                "status",
                {
                    "conditions": [
                        {
                            "type": "Available",
                            "status": "True",
                            "lastTransitionTime": _now_text(self._clock),
                            "reason": "Passed",
                            "message": "all checks passed",
                        }
                    ]
                },
            )

    def _establish_crd(self, crd: JsonObject) -> None:
        name = str(metadata_of(crd).get("name", ""))
        types = resource_types_from_crd(crd)
        for old in self._crd_types.pop(name, []):
            self._types.pop((old.group, old.version, old.plural), None)
        for rtype in types:
            self._types[(rtype.group, rtype.version, rtype.plural)] = rtype
        self._crd_types[name] = types
        spec = crd.get("spec") or {}
        names = dict(spec.get("names") or {})
        names.setdefault("singular", str(names.get("kind", "")).lower())
        names.setdefault("listKind", f"{names.get('kind', '')}List")
        now = _now_text(self._clock)
        crd["status"] = {
            "acceptedNames": names,
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "lastTransitionTime": now,
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                },
                {
                    "type": "Established",
                    "status": "True",
                    "lastTransitionTime": now,
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                },
            ],
            "storedVersions": [
                str(v["name"]) for v in spec.get("versions") or [] if v.get("storage")
            ],
        }

    def _after_removal(self, rtype: ResourceType, obj: JsonObject) -> None:
        """Controllers that react to an object being gone."""
        key = rtype.storage_key
        namespace, name = object_key(obj)
        if key == ("", "persistentvolumeclaims"):
            self._release_volume(namespace, name, str(metadata_of(obj).get("uid", "")))
        elif key == ("", "pods"):
            self._finalize_terminating_claims(namespace)
        if rtype.namespaced:
            self._finish_terminating_namespace(namespace)
        elif key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            types = self._crd_types.pop(name, [])
            for old in types:
                self._types.pop((old.group, old.version, old.plural), None)
            if types:
                self._store.pop(types[0].storage_key, None)
        elif key == ("apiregistration.k8s.io", "apiservices"):
            spec = obj.get("spec") or {}
            for aggregated in AGGREGATED_RESOURCES.get(
                (str(spec.get("group", "")), str(spec.get("version", ""))), ()
            ):
                self._types.pop((aggregated.group, aggregated.version, aggregated.plural), None)

    def _finish_terminating_namespace(self, namespace: str) -> None:
        ns_type = self._types[("", "v1", "namespaces")]
        stored = self._bucket(ns_type).get(("", namespace))
        if stored is None or not metadata_of(stored).get("deletionTimestamp"):
            return
        if self._namespace_is_empty(namespace):
            (stored.get("spec") or {}).pop("finalizers", None)
            self._erase(ns_type, stored)

    def _release_volume(self, namespace: str, claim: str, claim_uid: str) -> None:
        """The PV controller: a released volume is deleted or kept per its reclaim policy."""
        pv_type = self._types[("", "v1", "persistentvolumes")]
        for volume in list(self._bucket(pv_type).values()):
            ref = (volume.get("spec") or {}).get("claimRef") or {}
            if ref.get("namespace") != namespace or ref.get("name") != claim:
                continue
            if ref.get("uid") and claim_uid and ref.get("uid") != claim_uid:
                continue
            policy = (volume.get("spec") or {}).get("persistentVolumeReclaimPolicy", "Retain")
            if policy == "Delete":
                self._erase(pv_type, volume)
                continue
            updated = copy.deepcopy(volume)
            status = updated.setdefault("status", {})
            if policy == "Recycle":
                updated["spec"].pop("claimRef", None)
                status["phase"] = "Available"
            else:
                status["phase"] = "Released"
            status["lastPhaseTransitionTime"] = _now_text(self._clock)
            self._write(pv_type, updated, "MODIFIED")
            self._try_finalize(pv_type, updated)

    def _finalize_terminating_claims(self, namespace: str) -> None:
        pvc_type = self._types[("", "v1", "persistentvolumeclaims")]
        for claim in list(self._bucket(pvc_type).values()):
            if object_key(claim)[0] == namespace and metadata_of(claim).get("deletionTimestamp"):
                self._try_finalize(pvc_type, claim)

    def _claim_in_use(self, namespace: str, claim: str) -> bool:
        pod_type = self._types[("", "v1", "pods")]
        for pod in self._bucket(pod_type).values():
            if object_key(pod)[0] != namespace:
                continue
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            for volume in (pod.get("spec") or {}).get("volumes") or []:
                if (volume.get("persistentVolumeClaim") or {}).get("claimName") == claim:
                    return True
        return False

    def _try_finalize(self, rtype: ResourceType, obj: JsonObject) -> None:
        """Run the protection controllers on a terminating object; erase it when free."""
        metadata = metadata_of(obj)
        if not metadata.get("deletionTimestamp"):
            return
        finalizers = list(metadata.get("finalizers") or [])
        namespace, name = object_key(obj)
        changed = False
        if (
            rtype.storage_key == ("", "persistentvolumeclaims")
            and _PVC_PROTECTION in finalizers
            and not self._claim_in_use(namespace, name)
        ):
            finalizers.remove(_PVC_PROTECTION)
            changed = True
        if (
            rtype.storage_key == ("", "persistentvolumes")
            and _PV_PROTECTION in finalizers
            and (obj.get("status") or {}).get("phase") != "Bound"
        ):
            finalizers.remove(_PV_PROTECTION)
            changed = True
        if finalizers:
            if changed:
                metadata["finalizers"] = finalizers
                self._write(rtype, obj, "MODIFIED")
            return
        metadata.pop("finalizers", None)
        if object_key(obj) in self._bucket(rtype):
            self._erase(rtype, obj)

    def _run_pod(self, pod: JsonObject) -> None:
        start_pod(
            pod,
            nodes=list(self._store.get(("", "nodes"), {}).values()),
            pods=list(self._store.get(("", "pods"), {}).values()),
            ipam_blocks=list(self._store.get(("crd.projectcalico.org", "ipamblocks"), {}).values()),
            now=_now_text(self._clock),
        )

    def _list(
        self,
        rtype: ResourceType,
        namespace: str,
        query: Mapping[str, str],
    ) -> JsonObject:
        label_reqs, field_reqs = self._selectors(rtype, query)
        matching = self._matching(rtype, namespace, label_reqs, field_reqs)
        list_version = self._resource_version
        start_after: tuple[str, str] | None = None
        token = query.get("continue", "")
        if token:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
                start_after = (str(decoded["start"][0]), str(decoded["start"][1]))
                # -1: a token renewed after expiry reads on at the latest revision
                list_version = int(decoded["rv"]) if int(decoded["rv"]) >= 0 else list_version
            except (ValueError, KeyError, IndexError, TypeError, binascii.Error) as error:
                raise KubeApiError(400, f"continue key is not valid: {error}") from error
            matching = [o for o in matching if object_key(o) > start_after]
        limit_text = query.get("limit", "")
        try:
            limit = int(limit_text) if limit_text else 0
        except ValueError as error:
            raise KubeApiError(400, f"invalid limit {limit_text!r}") from error
        metadata: JsonObject = {"resourceVersion": str(list_version)}
        page = matching
        if limit > 0 and len(matching) > limit:
            page = matching[:limit]
            last = object_key(page[-1])
            metadata["continue"] = base64.urlsafe_b64encode(
                json.dumps({"rv": list_version, "start": list(last)}).encode()
            ).decode()
            if not label_reqs and not field_reqs:
                metadata["remainingItemCount"] = len(matching) - limit
        items = []
        for obj in page:
            item = self._serve(rtype, obj)
            if not rtype.custom:
                # The real server leaves kind/apiVersion off built-in list items.
                item.pop("apiVersion", None)
                item.pop("kind", None)
            items.append(item)
        return {
            "kind": rtype.list_kind,
            "apiVersion": rtype.api_version,
            "metadata": metadata,
            "items": items,
        }

    def _selectors(
        self, rtype: ResourceType, query: Mapping[str, str]
    ) -> tuple[list[LabelRequirement], list[FieldRequirement]]:
        try:
            label_reqs = parse_label_selector(query.get("labelSelector", ""))
            field_reqs = parse_field_selector(query.get("fieldSelector", ""))
            check_fields_supported(field_reqs, rtype.storage_key)
        except SelectorError as error:
            raise KubeApiError(400, str(error)) from error
        return label_reqs, field_reqs

    def _matching(
        self,
        rtype: ResourceType,
        namespace: str,
        label_reqs: list[LabelRequirement],
        field_reqs: list[FieldRequirement],
    ) -> list[JsonObject]:
        return [
            obj
            for key, obj in sorted(self._bucket(rtype).items())
            if (not namespace or key[0] == namespace)
            and labels_match(label_reqs, metadata_of(obj).get("labels") or {})
            and fields_match(field_reqs, obj)
        ]

    def _existing(self, rtype: ResourceType, namespace: str, name: str) -> JsonObject:
        stored = self._bucket(rtype).get((namespace, name))
        if stored is None:
            raise _not_found(rtype, name)
        return stored

    def _check_body(
        self, rtype: ResourceType, body: Any, namespace: str, name: str | None
    ) -> JsonObject:
        if not isinstance(body, dict):
            raise KubeApiError(400, "the request body must be a JSON object")
        api_version = body.get("apiVersion")
        if api_version and api_version != rtype.api_version:
            raise KubeApiError(
                400,
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({rtype.api_version})",
            )
        kind = body.get("kind")
        if kind and kind != rtype.kind:
            raise KubeApiError(
                400,
                f"the kind in the data ({kind}) does not match the expected kind ({rtype.kind})",
            )
        metadata = body.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            raise KubeApiError(400, "metadata must be an object")
        if rtype.namespaced:
            if metadata.get("namespace") and metadata["namespace"] != namespace:
                raise KubeApiError(
                    400,
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request",
                )
            metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)
        if name is not None and metadata.get("name") and metadata["name"] != name:
            raise KubeApiError(
                400,
                f"the name of the object ({metadata['name']}) does not match the name on the "
                f"URL ({name})",
            )
        return body

    def _invalid(
        self, rtype: ResourceType, name: str, causes: Sequence[tuple[str, str]]
    ) -> KubeApiError:
        text = "; ".join(f"{field_path}: {message}" for field_path, message in causes)
        return KubeApiError(
            422,
            f'{rtype.kind} "{name}" is invalid: {text}',
            details={
                "name": name,
                "group": rtype.group,
                "kind": rtype.kind,
                "causes": [
                    {"reason": "FieldValueInvalid", "message": message, "field": field_path}
                    for field_path, message in causes
                ],
            },
        )

    def _validate(self, rtype: ResourceType, obj: JsonObject) -> None:
        name = str(metadata_of(obj).get("name", ""))
        if rtype.storage_key in (("", "namespaces"), ("", "services")):
            ok = _valid_label(name, must_start_alpha=rtype.plural == "services")
        else:
            ok = _valid_subdomain(name)
        if not ok:
            raise self._invalid(
                rtype, name, [("metadata.name", f'Invalid value: "{name}": not a valid name')]
            )
        if rtype.storage_key == ("coordination.k8s.io", "leases"):
            try:
                normalize_micro_times(obj)
            except MicroTimeError as error:
                raise KubeApiError(400, str(error)) from error
            causes = validate_lease(obj)
            if causes:
                raise self._invalid(rtype, name, causes)
        if self._validator is not None:
            problems = list(self._validator(self._serve(rtype, obj)))
            if problems:
                raise self._invalid(rtype, name, [("", p) for p in problems])

    def _create(self, rtype: ResourceType, namespace: str, body: Any, dry_run: bool) -> JsonObject:
        obj = self._check_body(rtype, copy.deepcopy(body), namespace, None)
        metadata = obj["metadata"]
        if not metadata.get("name"):
            prefix = metadata.get("generateName")
            if not prefix:
                raise self._invalid(
                    rtype,
                    "",
                    [("metadata.name", "Required value: name or generateName is required")],
                )
            metadata["name"] = str(prefix) + "".join(
                secrets.choice(_NAME_ALPHABET) for _ in range(5)
            )
        name = str(metadata["name"])
        if rtype.namespaced and ("", namespace) not in self._store.get(("", "namespaces"), {}):
            raise KubeApiError(
                404,
                f'namespaces "{namespace}" not found',
                details={"name": namespace, "kind": "namespaces"},
            )
        if (metadata.get("namespace", ""), name) in self._bucket(rtype):
            raise KubeApiError(
                409,
                f'{qualified_resource(rtype)} "{name}" already exists',
                reason="AlreadyExists",
                details={"name": name, "group": rtype.group, "kind": rtype.plural},
            )
        for server_field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            metadata.pop(server_field, None)
        metadata["uid"] = str(uuid.uuid4())
        metadata["creationTimestamp"] = _now_text(self._clock)
        if self._tracks_generation(rtype):
            metadata["generation"] = 1
        self._apply_create_defaults(rtype, obj)
        self._validate(rtype, obj)
        if dry_run:
            return self._serve(rtype, obj)
        for hook in self._create_hooks.get((rtype.group, rtype.plural), []):
            hook(obj)
        self._server_side_effects_on_store(rtype, obj)
        self._write(rtype, obj, "ADDED")
        return self._serve(rtype, obj)

    def _apply_create_defaults(self, rtype: ResourceType, obj: JsonObject) -> None:
        """The status resets and defaults the real registry strategies apply on create."""
        key = rtype.storage_key
        if rtype.has_status and key != ("", "nodes"):
            obj.pop("status", None)
        if key == ("", "pods"):
            obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        elif key == ("", "persistentvolumeclaims"):
            obj["status"] = {"phase": "Pending"}
            obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        elif key == ("", "persistentvolumes"):
            obj["status"] = {"phase": "Available"}
            obj.setdefault("spec", {}).setdefault("persistentVolumeReclaimPolicy", "Retain")
            obj["spec"].setdefault("volumeMode", "Filesystem")
        elif key == ("", "namespaces"):
            name = str(metadata_of(obj)["name"])
            metadata_of(obj).setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj["status"] = {"phase": "Active"}
        elif key == ("", "services"):
            self._default_service(obj)

    def _default_service(self, service: JsonObject) -> None:
        spec = service.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        service["status"] = {"loadBalancer": {}}
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
        if spec["type"] == "ExternalName":
            return
        spec.setdefault("internalTrafficPolicy", "Cluster")
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        services = self._store.get(("", "services"), {}).values()
        if not spec.get("clusterIP"):
            used = {str((s.get("spec") or {}).get("clusterIP")) for s in services}
            for offset in range(1, self._service_network.num_addresses - 1):
                candidate = str(self._service_network.network_address + offset)
                if candidate not in used:
                    spec["clusterIP"] = candidate
                    break
        if spec.get("clusterIP") != "None":
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
            used_ports = {
                p.get("nodePort")
                for s in services
                for p in (s.get("spec") or {}).get("ports") or []
            }
            used_ports |= {(s.get("spec") or {}).get("healthCheckNodePort") for s in services}
            next_port = self._node_port_range[0]
            for port in spec.get("ports") or []:
                if port.get("nodePort"):
                    continue
                while next_port in used_ports:
                    next_port += 1
                port["nodePort"] = next_port
                used_ports.add(next_port)
            if spec["type"] == "LoadBalancer":
                spec.setdefault("allocateLoadBalancerNodePorts", True)
                # The API server allocates the kube-proxy health check port from the same
                # range for externalTrafficPolicy Local (pkg/registry/core/service/storage).
                if spec["externalTrafficPolicy"] == "Local" and not spec.get("healthCheckNodePort"):
                    while next_port in used_ports:
                        next_port += 1
                    spec["healthCheckNodePort"] = next_port

    def _update(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        subresource: str,
        dry_run: bool,
    ) -> JsonObject:
        existing = self._existing(rtype, namespace, name)
        new = self._check_body(rtype, copy.deepcopy(body), namespace, name)
        new["metadata"].setdefault("name", name)
        version = str(new["metadata"].get("resourceVersion", ""))
        current = str(metadata_of(existing).get("resourceVersion", ""))
        if not version and (rtype.custom or not rtype.unconditional_update):
            raise self._invalid(
                rtype,
                name,
                [
                    (
                        "metadata.resourceVersion",
                        "Invalid value: 0x0: must be specified for an update",
                    )
                ],
            )
        if version and version != current:
            raise KubeApiError(
                409,
                f'Operation cannot be fulfilled on {qualified_resource(rtype)} "{name}": the object has '
                "been modified; please apply your changes to the latest version and try again",
                details={"name": name, "group": rtype.group, "kind": rtype.plural},
            )
        return self._store_update(rtype, existing, new, subresource, dry_run)

    def _store_update(
        self,
        rtype: ResourceType,
        existing: JsonObject,
        new: JsonObject,
        subresource: str,
        dry_run: bool,
    ) -> JsonObject:
        old_meta = metadata_of(existing)
        if subresource == "status":
            merged = copy.deepcopy(existing)
            if "status" in new:
                merged["status"] = new["status"]
            else:
                merged.pop("status", None)
            new = merged
        else:
            metadata = new["metadata"]
            for server_field in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
                if server_field in old_meta:
                    metadata[server_field] = old_meta[server_field]
                else:
                    metadata.pop(server_field, None)
            if old_meta.get("deletionGracePeriodSeconds") is not None:
                metadata["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]
            if rtype.has_status:
                if "status" in existing:
                    new["status"] = copy.deepcopy(existing["status"])
                else:
                    new.pop("status", None)
            if self._tracks_generation(rtype) and new.get("spec") != existing.get("spec"):
                metadata["generation"] = int(old_meta.get("generation", 1)) + 1
        self._validate(rtype, new)
        if dry_run:
            new_copy = self._serve(rtype, new)
            metadata_of(new_copy)["resourceVersion"] = old_meta.get("resourceVersion")
            return new_copy
        if rtype.storage_key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._server_side_effects_on_store(rtype, new)
        self._write(rtype, new, "MODIFIED")
        served = self._serve(rtype, new)
        if metadata_of(new).get("deletionTimestamp"):
            self._try_finalize(rtype, new)
        return served

    def _patch(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        patch_body: Any,
        subresource: str,
        dry_run: bool,
    ) -> JsonObject:
        existing = self._existing(rtype, namespace, name)
        served = self._serve(rtype, existing)
        try:
            if content_type == "application/merge-patch+json":
                patched = merge_patch(served, patch_body)
            elif content_type == "application/strategic-merge-patch+json":
                if rtype.custom:
                    raise KubeApiError(
                        415,
                        "the body of the request was in an unknown format - accepted media "
                        "types include: application/json-patch+json, "
                        "application/merge-patch+json, application/apply-patch+yaml",
                    )
                patched = strategic_merge_patch(served, patch_body)
            elif content_type == "application/json-patch+json":
                patched = json_patch(served, patch_body)
            elif content_type.startswith("application/apply-patch"):
                raise KubeApiError(415, "server-side apply is not supported by the API double")
            else:
                raise KubeApiError(
                    415,
                    f"the body of the request was in an unknown format - {content_type!r}",
                )
        except PatchTestFailed as error:
            raise self._invalid(rtype, name, [("", str(error))]) from error
        except PatchError as error:
            raise KubeApiError(400, str(error)) from error
        if not isinstance(patched, dict):
            raise KubeApiError(400, "the patch did not produce an object")
        metadata = patched.get("metadata")
        if not isinstance(metadata, dict):
            raise KubeApiError(400, "the patch removed metadata")
        wanted_version = str(metadata.get("resourceVersion", ""))
        current = str(metadata_of(existing).get("resourceVersion", ""))
        if wanted_version and wanted_version != current:
            raise KubeApiError(
                409,
                f'Operation cannot be fulfilled on {qualified_resource(rtype)} "{name}": the object has '
                "been modified; please apply your changes to the latest version and try again",
                details={"name": name, "group": rtype.group, "kind": rtype.plural},
            )
        if metadata.get("name") != name or (
            rtype.namespaced and metadata.get("namespace") != namespace
        ):
            raise self._invalid(rtype, name, [("metadata.name", "field is immutable")])
        patched["apiVersion"] = rtype.api_version
        patched["kind"] = rtype.kind
        return self._store_update(rtype, existing, patched, subresource, dry_run)

    def _delete(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        options: Mapping[str, Any],
        dry_run: bool,
    ) -> JsonObject:
        existing = self._existing(rtype, namespace, name)
        preconditions = options.get("preconditions") or {}
        metadata = metadata_of(existing)
        for precondition, field_name in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            expected = preconditions.get(precondition)
            if expected and expected != metadata.get(precondition):
                raise KubeApiError(
                    409,
                    f"Precondition failed: {field_name} in precondition: {expected}, "
                    f"{field_name} in object meta: {metadata.get(precondition)}",
                    details={"name": name, "group": rtype.group, "kind": rtype.plural},
                )
        served = self._serve(rtype, existing)
        if dry_run:
            return served
        is_namespace = rtype.storage_key == ("", "namespaces")
        if not metadata.get("finalizers") and not is_namespace:
            # Nothing to wait for: gone at once, a single DELETED event.
            self._erase(rtype, existing)
            return served
        if not metadata.get("deletionTimestamp"):
            metadata["deletionTimestamp"] = _now_text(self._clock)
            metadata["deletionGracePeriodSeconds"] = 0
            if is_namespace:
                existing.setdefault("status", {})["phase"] = "Terminating"
            self._write(rtype, existing, "MODIFIED")
        served = self._serve(rtype, existing)
        if is_namespace:
            self._empty_namespace(name)
            if self._namespace_is_empty(name):
                existing.get("spec", {}).pop("finalizers", None)
                self._erase(rtype, existing)
            return served
        self._try_finalize(rtype, existing)
        return served

    def _empty_namespace(self, namespace: str) -> None:
        """The namespace controller: delete everything in it, pods first."""
        order = sorted(
            (rtype for rtype in self._unique_storage_types() if rtype.namespaced),
            key=lambda t: 0 if t.storage_key == ("", "pods") else 1,
        )
        for rtype in order:
            for obj in list(self._bucket(rtype).values()):
                if object_key(obj)[0] == namespace and (object_key(obj) in self._bucket(rtype)):
                    self._delete(rtype, namespace, object_key(obj)[1], {}, dry_run=False)

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

    def _delete_collection(
        self, rtype: ResourceType, namespace: str, query: Mapping[str, str], dry_run: bool
    ) -> JsonObject:
        label_reqs, field_reqs = self._selectors(rtype, query)
        deleted = [
            self._delete(rtype, object_key(obj)[0], object_key(obj)[1], {}, dry_run)
            for obj in self._matching(rtype, namespace, label_reqs, field_reqs)
        ]
        return {
            "kind": rtype.list_kind,
            "apiVersion": rtype.api_version,
            "metadata": {"resourceVersion": str(self._resource_version)},
            "items": deleted,
        }

    def _scale(self, rtype: ResourceType, obj: Mapping[str, Any]) -> JsonObject:
        metadata = metadata_of(obj)
        selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                k: metadata[k]
                for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                if k in metadata
            },
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
            "status": {
                "replicas": (obj.get("status") or {}).get("replicas", 0),
                "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items())),
            },
        }

    def _pod_log(self, namespace: str, name: str, query: Mapping[str, str]) -> str:
        pod_type = self._types[("", "v1", "pods")]
        pod = self._existing(pod_type, namespace, name)
        containers = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
        container = query.get("container", "")
        if not container:
            if len(containers) > 1:
                raise KubeApiError(
                    400,
                    f"a container name must be specified for pod {name}, choose one of: "
                    f"[{' '.join(containers)}]",
                )
            container = containers[0] if containers else ""
        elif container not in containers:
            raise KubeApiError(400, f"container {container} is not valid for pod {name}")
        previous = is_true(query.get("previous"))
        text = self._pod_logs.get((namespace, name, container, previous))
        if text is None:
            text = self._pod_logs.get((namespace, name, "", previous))
        if text is None:
            if previous:
                raise KubeApiError(
                    400,
                    f'previous terminated container "{container}" in pod "{name}" not found',
                )
            text = ""
        tail = query.get("tailLines")
        if tail is not None and tail.isdigit():
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-int(tail) :]) if int(tail) else ""
        return text
