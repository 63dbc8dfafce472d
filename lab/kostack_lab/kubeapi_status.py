"""What the Kubernetes API double answers besides objects: errors, watch events, object keys.

`KubeApiError` becomes a Kubernetes `Status` body; `WatchEvent` is one change as a
watch reports it. Shared by the store (kubeapi_store) and its HTTP layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from kostack_lab.kubeapi_resources import ResourceType

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


def not_found(rtype: ResourceType, name: str) -> KubeApiError:
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


def now_text(clock: Callable[[], datetime]) -> str:
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
