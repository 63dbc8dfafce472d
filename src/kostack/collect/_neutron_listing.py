"""Plain Neutron API GETs through the SDK's authenticated network adapter: paged, counted, timed.

A listing that fails in a way that leaves the others usable (403, an error status, a
timeout after the first answer) raises ``ListingFailed``, which the collector turns into a
Gap; the first request failing to connect, or a 401, stops the whole collection.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Final

from kostack.collect import texts
from kostack.collect._os_connection import (
    api_timeout,
    auth_endpoint,
    connection_error,
    endpoint_name,
    redact,
)
from kostack.collect.texts import Msg
from kostack.deadline import GRACE_S, DeadlineExceeded, within
from kostack.errors import AuthError, CollectError
from kostack.gap_words import quoted

PAGE_SIZE: Final = 1000
MARKER_RESTARTS: Final = 3  # a listing restarted because its marker item vanished


# --------------------------------------------------------------------------- raw listings


class ListingFailed(Exception):
    """One listing failed in a way that leaves the rest usable (becomes a Gap)."""

    def __init__(self, error: str, status: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class NeutronReader:
    """GET listings through the SDK's network adapter, counted and paginated."""

    def __init__(self, conn: Any, secrets: frozenset[str]) -> None:
        self._conn = conn
        self._secrets = secrets
        self.requests = 0
        self._contacted = False

    def where(self) -> str:
        """scheme://host:port of the network endpoint (the override, else the catalogue's)."""
        lookups: tuple[Callable[[], Any], ...] = (
            lambda: self._conn.config.get_endpoint("network"),
            lambda: self._conn.network.get_endpoint(),
        )
        for lookup in lookups:
            try:
                endpoint = lookup()
            except Exception:  # no catalogue without a token: try the next source
                continue
            if endpoint:
                return endpoint_name(str(endpoint))
        return "the network endpoint"

    def list(
        self, resource: str, key: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of `GET /v2.0/<resource>` with `params`, page by page.

        Neutron answers 404 to a page whose marker (the last item of the page
        before) was deleted meanwhile: the listing then starts again from the
        first page, at most ``MARKER_RESTARTS`` times.
        """
        first: dict[str, Any] = {**(params or {}), "limit": PAGE_SIZE}
        query = first
        items: list[dict[str, Any]] = []
        markers: set[str] = set()
        restarts = 0
        while True:
            try:
                body = self._get(f"/{resource}", query)
            except ListingFailed as failed:
                if failed.status != 404 or "marker" not in query or restarts >= MARKER_RESTARTS:
                    raise
                restarts += 1
                query, items, markers = first, [], set()
                continue
            page = body.get(key)
            if not isinstance(page, list):
                raise ListingFailed(
                    Msg("gap.api.no-list", path=f"/v2.0/{resource}", listed_key=repr(key)), None
                )
            items.extend(item for item in page if isinstance(item, dict))
            following = next_page(body, key, query, markers, f"/v2.0/{resource}")
            if following is None:
                return items
            query = following

    def _get(self, path: str, query: Mapping[str, Any]) -> dict[str, Any]:
        from keystoneauth1 import exceptions as ksa

        first = not self._contacted
        self.requests += 1
        seconds = api_timeout(self._conn)
        try:
            response = within(
                seconds + GRACE_S,
                f"GET /v2.0{path}",
                lambda: self._conn.network.get(path, params=dict(query)),
            )
        except DeadlineExceeded as exc:
            if first:
                raise CollectError(
                    Msg(
                        "col.neutron.deadline",
                        where=self.where(),
                        path=path,
                        seconds=texts.seconds(seconds),
                    ),
                    Msg("col.hint.neutron.deadline"),
                ) from exc
            raise ListingFailed(
                Msg("gap.api.deadline", path=f"/v2.0{path}", seconds=f"{seconds:g}"), None
            ) from exc
        except (ksa.ConnectionError, ksa.DiscoveryFailure, ksa.EndpointNotFound) as exc:
            if first:
                raise connection_error(exc, "Neutron", self.where()) from exc
            why = quoted(redact(str(exc), self._secrets))
            said = (  # a ConnectTimeout is a ConnectionError that ran out of time
                Msg("gap.api.timeout", path=f"/v2.0{path}", why=why)
                if isinstance(exc, ksa.ConnectTimeout)
                else Msg("gap.api.failed", path=f"/v2.0{path}", kind=type(exc).__name__, why=why)
            )
            raise ListingFailed(said, None) from exc
        except (ksa.http.Unauthorized, ksa.AuthorizationFailure, ksa.MissingRequiredOptions) as exc:
            raise connection_error(exc, "Keystone", auth_endpoint(self._conn)) from exc
        except ksa.ClientException as exc:
            raise connection_error(exc, "Neutron", self.where()) from exc
        self._contacted = True
        status = int(response.status_code)
        if status == 401:
            raise AuthError(
                Msg(
                    "col.neutron.401",
                    where=self.where(),
                    path=path,
                    message=_neutron_message(response),
                ),
                Msg("col.hint.neutron.401"),
            )
        if status >= 400:
            raise _refused(response, status, path, self._secrets)
        return json_object(response, status, f"/v2.0{path}")


def json_object(response: Any, status: int, shown: str) -> dict[str, Any]:
    """An API answer's JSON body, which must be an object (else a listing failure at ``shown``)."""
    try:
        body = response.json()
    except ValueError as exc:
        raise ListingFailed(Msg("gap.api.not-json", path=shown), status) from exc
    if not isinstance(body, dict):
        raise ListingFailed(Msg("gap.api.json-kind", path=shown, kind=type(body).__name__), status)
    return body


def _refused(response: Any, status: int, path: str, secrets: frozenset[str]) -> ListingFailed:
    """An error answer as a listing failure: status, reason, Neutron's words, request id."""
    reason = str(getattr(response, "reason", "") or "")
    return ListingFailed(
        Msg(
            "gap.api.http",
            status=status,
            reason=f" {reason}" if reason else "",
            path=f"/v2.0{path}",
            message=quoted(redact(_neutron_message(response), secrets)),
            request=_request_id(response),
        ),
        status,
    )


def next_page(
    body: Mapping[str, Any], key: str, query: dict[str, Any], markers: set[str], shown: str
) -> dict[str, Any] | None:
    """The query of the page after ``body`` (None: the last page), its marker added to ``markers``.

    A marker seen before means the server answers a page it already gave (it ignores the
    marker, or its links go round): a listing failure, never an endless loop.
    """
    marker = _next_marker(body.get(f"{key}_links"))
    if marker is None or not body.get(key):
        return None
    if marker in markers:
        raise ListingFailed(Msg("gap.api.same-page", path=shown), None)
    markers.add(marker)
    return {**query, "marker": marker}


def _next_marker(links: object) -> str | None:
    """The `marker` of a Neutron `<key>_links` rel=next link (the host is ignored)."""
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "next":
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(str(link.get("href", ""))).query)
            markers = query.get("marker")
            if markers:
                return markers[-1]
    return None


def _request_id(response: Any) -> str:
    headers = getattr(response, "headers", {}) or {}
    rid = headers.get("x-openstack-request-id") or headers.get("x-compute-request-id")
    return Msg("gap.api.request-id", id=str(rid)) if rid else ""


def _neutron_message(response: Any) -> str:
    """The message of a NeutronError body, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return (getattr(response, "text", "") or "").strip()[:300] or "(no body)"
    if isinstance(body, dict):
        error = body.get("NeutronError")
        if isinstance(error, dict) and error.get("message"):
            kind = error.get("type")
            message = str(error["message"])
            return f"{kind}: {message}" if kind else message
        if isinstance(error, str):
            return error
        for value in body.values():  # {"forbidden": {"message": ...}} and the like
            if isinstance(value, dict) and value.get("message"):
                return str(value["message"])
    return str(body)[:300]
