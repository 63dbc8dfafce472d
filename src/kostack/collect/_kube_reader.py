"""One request at a time against the Kubernetes API, with a timeout; the collect layer's list reader.

Every way a request can fail becomes a :class:`ReadFailure` whose text is
exact and carries no credential; :meth:`Reader.pages` pages with
limit/continue and handles an expired continue token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import kubernetes
import urllib3
from kubernetes.client.exceptions import ApiException

from kostack.collect._kube_types import FailureKind, JsonObject, ReadFailure, Session
from kostack.collect.texts import Msg, seconds
from kostack.deadline import GRACE_S, DeadlineExceeded, within
from kostack.errors import AuthError, CollectError, ConfigError
from kostack.gap_words import quoted

_OBJECT_ADDRESS: Final = re.compile(
    r"<[^<>]*? object at 0x[0-9a-f]+>:?\s*|HTTPS?Connection(?:Pool)?\([^()]*\):\s*"
)


def _transport_detail(exc: BaseException, timeout_s: float) -> tuple[FailureKind, str]:
    """Classify a urllib3 failure and describe it without object reprs."""
    reason: BaseException = exc
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        reason = exc.reason
    text = _OBJECT_ADDRESS.sub("", str(reason)).strip() or reason.__class__.__name__
    # urllib3's NewConnectionError (refused, no route, DNS) subclasses ConnectTimeoutError.
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return "unreachable", text
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return "timeout", Msg("col.kube.read.no-connection", seconds=seconds(timeout_s))
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError | TimeoutError) or (
        isinstance(reason, urllib3.exceptions.ProtocolError) and "timed out" in text
    ):
        return "timeout", Msg("col.kube.read.no-answer", seconds=seconds(timeout_s))
    return "unreachable", text


def _status(exc: ApiException) -> tuple[str, str | None]:
    """The message of the Kubernetes Status the server answered with, and its continue token."""
    body = exc.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str) and body.strip():
        try:
            status = json.loads(body)
        except ValueError:
            return body.strip()[:500], None
        if isinstance(status, dict):
            message = status.get("message")
            metadata = status.get("metadata")
            token = metadata.get("continue") if isinstance(metadata, dict) else None
            return (
                str(message) if isinstance(message, str) else "",
                token if isinstance(token, str) and token else None,
            )
    return "", None


_KINDS: Final[Mapping[int, FailureKind]] = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    410: "expired",
    504: "timeout",
}


# How many expired continue tokens one list may follow before it counts as failed.
MAX_INCONSISTENT_CONTINUES: Final = 3


class Reader:
    """Requests through the official client's typed APIs, answers as plain JSON dicts.

    Every call asks for the raw response (``_preload_content=False``): the
    collector needs a few fields of each object, and skipping the client's
    model deserialisation keeps a 10,000-pod list fast. ``inconsistent``
    names the lists read across an expired continue token (see ``pages``).
    """

    def __init__(self, session: Session, *, timeout_s: float, page_size: int) -> None:
        if timeout_s <= 0:
            raise ConfigError(
                Msg("col.kube.bad-timeout", value=timeout_s), Msg("col.hint.kube.bad-timeout")
            )
        if page_size < 1:
            raise ConfigError(Msg("col.kube.bad-page", value=page_size), "")
        self.session = session
        self.timeout_s = timeout_s
        self.page_size = page_size
        self.requests = 0
        self.inconsistent: list[str] = []
        client = session.client
        self.core = kubernetes.client.CoreV1Api(client)
        self.apps = kubernetes.client.AppsV1Api(client)
        self.discovery = kubernetes.client.DiscoveryV1Api(client)
        self.custom = kubernetes.client.CustomObjectsApi(client)
        self.version_api = kubernetes.client.VersionApi(client)

    def call(
        self, request: str, method: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> JsonObject:
        """One request; the decoded JSON object, or ReadFailure."""
        redact = self.session.redact
        self.requests += 1

        def fetch() -> Any:
            response = method(
                *args, _preload_content=False, _request_timeout=self.timeout_s, **kwargs
            )
            return response.data

        try:
            # the socket timeout bounds each read; the watchdog bounds the whole request
            data = within(self.timeout_s + GRACE_S, request, fetch)
        except DeadlineExceeded:
            raise ReadFailure(
                "timeout", request, Msg("col.kube.read.deadline", seconds=seconds(self.timeout_s))
            ) from None
        except ApiException as exc:
            status = int(exc.status) if exc.status else 0
            reason = str(exc.reason or "").strip()
            message, token = _status(exc)
            head = f"{status} {reason}".strip()
            detail = f"{head}: {message}" if message else head
            kind = _KINDS.get(status, "error")
            raise ReadFailure(kind, request, redact(detail), status, list_continue=token) from None
        except urllib3.exceptions.HTTPError as exc:
            kind, text = _transport_detail(exc, self.timeout_s)
            raise ReadFailure(
                kind, request, text if isinstance(text, Msg) else redact(text)
            ) from None
        except OSError as exc:
            raise ReadFailure(
                "unreachable", request, redact(f"{exc.__class__.__name__}: {exc}")
            ) from None
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            raise ReadFailure("error", request, Msg("col.kube.read.not-json")) from None
        if not isinstance(document, dict):
            raise ReadFailure("error", request, Msg("col.kube.read.not-object"))
        return document

    def get(self, request: str, method: Callable[..., Any], *args: Any) -> JsonObject | None:
        """One object, or None when the server says it does not exist (404)."""
        try:
            return self.call(request, method, *args)
        except ReadFailure as failure:
            if failure.kind == "not_found":
                return None
            raise

    def pages(
        self, request: str, method: Callable[..., Any], *args: Any, **selectors: str
    ) -> Iterator[list[JsonObject]]:
        """The items of a list, a page (``limit``) at a time, following ``continue``.

        When a continue token has expired (410 Gone: etcd compacted the
        revision the list started at), the API server answers with a new token
        that reads the rest of the list at the latest revision (kubernetes
        staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go,
        handleCompactedErrorForPaging). Restarting instead would hand the
        caller the first pages twice; so the rest is read with that token, and
        the request is recorded in ``inconsistent`` (objects changed meanwhile
        may be missing or newer). A 410 with no token, or more than
        MAX_INCONSISTENT_CONTINUES in one list, raises ReadFailure ("expired").
        """
        token: str | None = None
        page = 0
        expired = 0
        seen: set[str] = set()  # continue tokens followed: one coming back would page forever
        while True:
            page += 1
            kwargs: dict[str, Any] = {"limit": self.page_size, **selectors}
            if token:
                kwargs["_continue"] = token
            described = request if page == 1 else f"{request} (page {page})"
            try:
                document = self.call(described, method, *args, **kwargs)
            except ReadFailure as failure:
                if not (token and failure.kind == "expired" and failure.list_continue):
                    raise
                expired += 1
                if expired > MAX_INCONSISTENT_CONTINUES:
                    raise
                if request not in self.inconsistent:
                    self.inconsistent.append(request)
                token = failure.list_continue
                page -= 1
                continue
            items = document.get("items")
            if not isinstance(items, list):
                raise ReadFailure("error", described, Msg("col.kube.read.no-items"))
            yield [item for item in items if isinstance(item, dict)]
            metadata = document.get("metadata")
            token = metadata.get("continue") if isinstance(metadata, dict) else None
            if not token:
                return
            if token in seen:
                raise ReadFailure("error", described, Msg("col.kube.read.same-page"))
            seen.add(token)

    def all(
        self, request: str, method: Callable[..., Any], *args: Any, **selectors: str
    ) -> list[JsonObject]:
        return [item for page in self.pages(request, method, *args, **selectors) for item in page]


def fatal(
    failure: ReadFailure, session: Session, *, forbidden: bool = False, timeout: bool = False
) -> AuthError | CollectError | None:
    """The error that ends collection for this failure, or None when it is only a gap.

    Rejected credentials end it wherever they show up; so does an API server
    that stops accepting connections. ``forbidden`` and ``timeout`` say whether
    a 403 or a timeout ends it too (the basic reads: the first request, nodes).
    """
    said = {"where": session.where, "error": quoted(failure.error)}
    if failure.kind == "unauthorized":
        plugin: str = (
            Msg("col.kube.plugin", said="; ".join(session.loader_messages))
            if session.loader_messages
            else ""
        )
        return AuthError(
            Msg("col.kube.rejected", **said), Msg("col.hint.kube.rejected", plugin=plugin)
        )
    if failure.kind == "unreachable":
        return CollectError(Msg("col.kube.unreachable", **said), Msg("col.hint.kube.unreachable"))
    if forbidden and failure.kind == "forbidden":
        return AuthError(Msg("col.kube.forbidden", **said), Msg("col.hint.kube.forbidden"))
    if timeout and failure.kind == "timeout":
        return CollectError(Msg("col.kube.timeout", **said), Msg("col.hint.kube.timeout"))
    return None
