"""The Kubernetes API reads of the Helm collection: raw JSON lists and pod logs, and their gaps."""

from __future__ import annotations

import json
from typing import Any

import kubernetes
from kubernetes.client.exceptions import ApiException

from kostack.collect import texts
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure, Session
from kostack.collect.gap_texts import make_gap
from kostack.collect.texts import Msg
from kostack.deadline import GRACE_S, DeadlineExceeded, within
from kostack.errors import AuthError, CollectError
from kostack.gap_words import quoted
from kostack.model.snapshot import Gap

# The client's API classes, untyped on purpose (no client object leaves here).
_client: Any = kubernetes.client

_LISTS = {
    "secrets": ("CoreV1Api", "list_secret_for_all_namespaces", "list_namespaced_secret"),
    "configmaps": ("CoreV1Api", "list_config_map_for_all_namespaces", "list_namespaced_config_map"),
    "persistentvolumeclaims": (
        "CoreV1Api",
        "list_persistent_volume_claim_for_all_namespaces",
        "list_namespaced_persistent_volume_claim",
    ),
    "persistentvolumes": ("CoreV1Api", "list_persistent_volume", "list_persistent_volume"),
    "statefulsets": (
        "AppsV1Api",
        "list_stateful_set_for_all_namespaces",
        "list_namespaced_stateful_set",
    ),
    "pods": ("CoreV1Api", "list_pod_for_all_namespaces", "list_namespaced_pod"),
    "events": ("CoreV1Api", "list_event_for_all_namespaces", "list_namespaced_event"),
}
# Custom resources, listed through CustomObjectsApi: (group, version) by plural.
_CUSTOM = {"volumesnapshots": ("snapshot.storage.k8s.io", "v1")}
SNAPSHOTS = "volumesnapshots.snapshot.storage.k8s.io"
REQUEST_TIMEOUT = 30
PAGE_SIZE = 500

# The most of a pod's log read (its last 200 lines, cut here): a log of huge lines, or a
# server that ignores limitBytes, cannot fill memory or the deadline.
MAX_LOG_BYTES = 1 << 20


class KubeReader:
    """Raw JSON reads through the official client's typed calls (`_preload_content=False`).

    Lists go through the collect layer's one list reader (`_kube_api.Reader`:
    paging, expired continue tokens, exact failures); raw JSON keeps every
    field as the server sent it and lets no client model object escape.
    """

    def __init__(
        self,
        api_client: Any,
        session: Session | None = None,
        page_size: int = PAGE_SIZE,
        timeout_s: float = REQUEST_TIMEOUT,
    ) -> None:
        self.api_client = api_client
        self.session = session if session is not None else Session.of_client(api_client)
        self.reader = Reader(self.session, timeout_s=timeout_s, page_size=page_size)
        self.timeout_s = timeout_s

    def _api(self, name: str) -> Any:
        return getattr(_client, name)(self.api_client)

    def items(
        self, resource: str, namespace: str | None = None, **query: str
    ) -> list[dict[str, Any]]:
        """Every item of a list (all namespaces, or `namespace`); ReadFailure when it fails."""
        if resource in _CUSTOM:  # namespaced custom resources, read a namespace at a time
            group, version = _CUSTOM[resource]
            method = self.reader.custom.list_namespaced_custom_object
            request = f"list {resource} in {namespace}"
            return self.reader.all(request, method, group, version, namespace, resource, **query)
        api_name, all_method, one_method = _LISTS[resource]
        api = self._api(api_name)
        if namespace is not None and one_method != all_method:
            return self.reader.all(
                f"list {resource} in {namespace}", getattr(api, one_method), namespace, **query
            )
        return self.reader.all(f"list {resource}", getattr(api, all_method), **query)

    def pod_log(self, namespace: str, pod: str, container: str, previous: bool) -> str:
        """The log's last lines (at most MAX_LOG_BYTES of them, even from an API server that
        sends more), under a hard deadline: a stuck API server ends the read (exit 3)."""
        core = self._api("CoreV1Api")
        what = f"read the log of {namespace}/{pod}"

        def call() -> Any:  # one raw request (the body read included), with the client's timeout
            response = core.read_namespaced_pod_log(
                pod,
                namespace,
                container=container,
                previous=previous,
                tail_lines=200,
                limit_bytes=MAX_LOG_BYTES,
                _preload_content=False,
                _request_timeout=self.timeout_s,
            )
            try:
                return response.read(MAX_LOG_BYTES)
            finally:
                response.close()

        try:
            data = within(self.timeout_s + GRACE_S, what, call)
        except DeadlineExceeded as exc:
            raise CollectError(
                Msg("col.kube.deadline", what=what, seconds=texts.seconds(self.timeout_s)),
                Msg("col.hint.kube.deadline"),
            ) from exc
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def _gap(source: str, exc: ApiException, what: str) -> Gap:
    status = int(getattr(exc, "status", 0) or 0)
    reason = _api_message(exc)
    # a server may echo the request (its Authorization header) in the message: make_gap
    # redacts every parameter
    error = Msg("gap.helm.http", status=status, reason=quoted(reason))
    return make_gap(source, error, _hint(status, what))


def _hint(status: int | None, what: str, expired: bool = False) -> Msg:
    """What to do about a listing that failed with HTTP ``status`` (or an expired one)."""
    if status == 403:
        return Msg("gap.hint.helm.forbidden", what=what)
    if status == 404:
        return Msg("gap.hint.helm.not-served", what=what)
    return Msg("gap.hint.helm.expired" if expired else "gap.hint.retry")


def _api_message(exc: ApiException) -> str:
    body = getattr(exc, "body", None)
    if body:
        try:
            message = json.loads(body).get("message")
            if message:
                return str(message)[:300]
        except (ValueError, AttributeError):
            pass
    return str(getattr(exc, "reason", "") or "error")[:300]


def _failure_gap(source: str, failure: ReadFailure, what: str) -> Gap:
    hint = _hint(failure.status, what, expired=failure.kind == "expired")
    # (the reader redacted the kubeconfig's credentials; make_gap the shapes of others)
    return make_gap(source, failure.error, hint)


def _raise_for_connection(exc: BaseException) -> None:
    if isinstance(exc, ApiException) and exc.status == 401:
        raise AuthError(Msg("col.kube.401"), Msg("col.hint.kube.401")) from exc
