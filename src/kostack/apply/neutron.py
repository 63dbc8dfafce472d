"""The Neutron calls `kostack fix` makes, through openstacksdk, with errors made plain.

SDK objects stay in here: callers get `PortState`, `GroupState` and
`RouterState` records in the plan's own terms, and every failure becomes a
`NeutronProblem` carrying the HTTP status, Neutron's error type (e.g.
`RevisionNumberConstraintFailed`), the message and the request id, with the
SDK exception chained as its cause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from kostack.collect._os_connection import api_timeout
from kostack.deadline import GRACE_S, DeadlineExceeded, Worker, within
from kostack.errors import KostackError
from kostack.plan.model import Pair, PortFields, Route
from kostack.plan.rules import Rule

T = TypeVar("T")


class ProblemKind(StrEnum):
    HTTP = "http"
    TIMEOUT = "timeout"
    CONNECTION = "connection"


class NeutronProblem(Exception):
    """A Neutron request that failed: status, Neutron error type, message, request id."""

    def __init__(
        self,
        kind: ProblemKind,
        message: str,
        *,
        status: int | None = None,
        error_type: str = "",
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.error_type = error_type
        self.request_id = request_id

    @property
    def transient(self) -> bool:
        """Worth retrying: no answer, or a server-side error."""
        if self.kind in (ProblemKind.TIMEOUT, ProblemKind.CONNECTION):
            return True
        return self.status is not None and self.status >= 500

    @property
    def ambiguous(self) -> bool:
        """The request may have been carried out although it failed (no answer, or a 5xx)."""
        return self.transient

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "status": self.status,
            "error_type": self.error_type,
            "message": self.message,
            "request_id": self.request_id,
        }

    def short(self) -> str:
        if self.kind == ProblemKind.TIMEOUT:
            return f"no answer from Neutron (timeout): {self.message}"
        if self.kind == ProblemKind.CONNECTION:
            return f"cannot reach Neutron: {self.message}"
        kind = f" {self.error_type}" if self.error_type else ""
        return f"{self.status}{kind}: {self.message}"


@dataclass(frozen=True)
class PortState:
    id: str
    name: str
    revision_number: int
    mac_address: str
    fields: PortFields
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleRecord:
    id: str
    rule: Rule


@dataclass(frozen=True)
class GroupState:
    id: str
    name: str
    revision_number: int
    rules: tuple[RuleRecord, ...]


@dataclass(frozen=True)
class RouterState:
    id: str
    name: str
    revision_number: int
    routes: tuple[Route, ...]


def _problem(exc: BaseException) -> NeutronProblem:
    """Translate an openstacksdk / keystoneauth exception."""
    from keystoneauth1 import exceptions as ks_exc
    from openstack import exceptions as os_exc

    if isinstance(exc, os_exc.HttpException):
        error_type = ""
        message = str(exc.details or exc.message or exc)
        response = exc.response
        if response is not None:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and isinstance(body.get("NeutronError"), dict):
                error_type = str(body["NeutronError"].get("type") or "")
                message = str(body["NeutronError"].get("message") or message)
        return NeutronProblem(
            ProblemKind.HTTP,
            message,
            status=exc.status_code,
            error_type=error_type,
            request_id=exc.request_id,
        )
    if isinstance(exc, ks_exc.ConnectTimeout):
        return NeutronProblem(ProblemKind.TIMEOUT, str(exc))
    if isinstance(exc, ks_exc.ConnectionError):
        return NeutronProblem(ProblemKind.CONNECTION, str(exc))
    if isinstance(exc, ks_exc.HttpError):
        return NeutronProblem(
            ProblemKind.HTTP, str(exc), status=getattr(exc, "http_status", None), request_id=None
        )
    if isinstance(exc, os_exc.SDKException):
        return NeutronProblem(ProblemKind.HTTP, str(exc))
    import requests

    if isinstance(exc, requests.Timeout):
        return NeutronProblem(ProblemKind.TIMEOUT, str(exc))
    if isinstance(exc, requests.ConnectionError):
        return NeutronProblem(ProblemKind.CONNECTION, str(exc))
    raise exc


def _pairs(raw: Iterable[Any], mac: str) -> tuple[Pair, ...]:
    out = []
    for p in raw or ():
        get = p.get if isinstance(p, dict) else lambda k, _p=p: getattr(_p, k, None)
        out.append(Pair(str(get("ip_address")), str(get("mac_address") or mac).lower()))
    return tuple(out)


def _rule_of(raw: dict[str, Any]) -> Rule:
    prefix = raw.get("remote_ip_prefix")
    return Rule(
        direction=str(raw.get("direction")),
        ethertype=str(raw.get("ethertype") or raw.get("ether_type") or "IPv4"),
        protocol=raw.get("protocol"),
        port_range_min=raw.get("port_range_min"),
        port_range_max=raw.get("port_range_max"),
        remote_ip_prefix=_normal_prefix(prefix) if prefix else None,
        remote_group_id=raw.get("remote_group_id"),
        description=str(raw.get("description") or ""),
        remote_address_group_id=raw.get("remote_address_group_id") or None,
    )


def _normal_prefix(prefix: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_network(prefix, strict=False))
    except ValueError:
        return prefix


class Neutron:
    """The writes and reads of `kostack fix`, over an openstacksdk Connection.

    Every request has a hard deadline (the connection's timeout and a grace,
    kostack.deadline): one that gets no answer by then is a TIMEOUT problem,
    like a socket timeout (ambiguous: the engine re-reads before going on).
    ``pending`` is the latest write request, for the re-read after Ctrl-C.
    """

    def __init__(self, conn: Any, *, timeout_s: float | None = None) -> None:
        self._conn = conn
        self.timeout_s = timeout_s or api_timeout(conn)
        self.pending: Worker | None = None

    @property
    def connection(self) -> Any:
        """The openstacksdk Connection (for re-collection after apply)."""
        return self._conn

    @property
    def _net(self) -> Any:
        return self._conn.network

    def _call(self, fn: Callable[[], T], *, write: bool = False) -> T:
        def started(worker: Worker) -> None:
            if write:
                self.pending = worker

        try:
            return within(self.timeout_s + GRACE_S, "a Neutron request", fn, on_start=started)
        except DeadlineExceeded as exc:
            raise NeutronProblem(
                ProblemKind.TIMEOUT, f"no answer within {self.timeout_s:g} s"
            ) from exc
        except KostackError:
            raise  # the identity endpoint refused the credentials (AuthError)
        except Exception as exc:
            raise _problem(exc) from exc

    # ------------------------------------------------------------------ ports

    def _port_state(self, raw: Any) -> PortState:
        mac = str(raw.mac_address).lower()
        return PortState(
            id=str(raw.id),
            name=str(raw.name or ""),
            revision_number=int(raw.revision_number),
            mac_address=mac,
            fields=PortFields.of(
                bool(raw.is_port_security_enabled),
                [str(g) for g in raw.security_group_ids or ()],
                _pairs(raw.allowed_address_pairs, mac),
            ),
            tags=tuple(str(t) for t in getattr(raw, "tags", None) or ()),
        )

    def port(self, port_id: str) -> PortState:
        return self._port_state(self._call(lambda: self._net.get_port(port_id)))

    def update_port(self, port_id: str, body: dict[str, Any], if_revision: int) -> PortState:
        """PUT ``body`` on the port only if its revision is still ``if_revision`` (else 412)."""
        return self._port_state(
            self._call(
                lambda: self._net.update_port(port_id, if_revision=if_revision, **body), write=True
            )
        )

    def add_port_tags(self, port_id: str, tags: Iterable[str]) -> None:
        """Add tags to a port, keeping the others (one POST /ports/ID/tags; idempotent).

        Never the PUT of the whole tag list: that would drop a tag someone
        else added meanwhile.
        """
        body = {"tags": sorted(set(tags))}
        self._checked(lambda: self._net.post(f"/ports/{port_id}/tags", json=body))

    def remove_port_tag(self, port_id: str, tag: str) -> bool:
        """Remove one tag (DELETE /ports/ID/tags/TAG); False when it was not there."""
        from urllib.parse import quote

        response = self._call(lambda: self._net.delete(f"/ports/{port_id}/tags/{quote(tag)}"))
        if int(response.status_code) == 404:
            return False
        self._raise_for(response)
        return True

    def _checked(self, fn: Callable[[], Any]) -> Any:
        response = self._call(fn)
        self._raise_for(response)
        return response

    @staticmethod
    def _raise_for(response: Any) -> None:
        """A raw adapter answer with an error status, as the SDK's own calls raise it."""
        from openstack import exceptions as os_exc

        if int(response.status_code) >= 400:
            try:
                os_exc.raise_from_response(response)
            except Exception as exc:
                raise _problem(exc) from exc

    # ------------------------------------------------------------------ security groups

    def group(self, group_id: str) -> GroupState:
        raw = self._call(lambda: self._net.get_security_group(group_id))
        rules = tuple(RuleRecord(str(r["id"]), _rule_of(r)) for r in raw.security_group_rules or ())
        return GroupState(str(raw.id), str(raw.name or ""), int(raw.revision_number), rules)

    def create_rule(self, group_id: str, rule: Rule) -> str:
        attrs: dict[str, Any] = {
            "security_group_id": group_id,
            "direction": rule.direction,
            "ether_type": rule.ethertype,
        }
        for key in ("protocol", "port_range_min", "port_range_max", "remote_ip_prefix"):
            value = getattr(rule, key)
            if value is not None:
                attrs[key] = value
        if rule.remote_group_id:
            attrs["remote_group_id"] = rule.remote_group_id
        if rule.description:
            attrs["description"] = rule.description
        created = self._call(lambda: self._net.create_security_group_rule(**attrs), write=True)
        return str(created.id)

    def delete_rule(self, rule_id: str) -> bool:
        """Delete a rule; False when it was already gone."""
        from openstack import exceptions as os_exc

        def delete() -> bool:
            try:
                self._net.delete_security_group_rule(rule_id, ignore_missing=False)
            except os_exc.NotFoundException:
                return False
            return True

        return self._call(delete, write=True)

    # ------------------------------------------------------------------ routers

    def _router_state(self, raw: Any) -> RouterState:
        routes = tuple(
            sorted(Route(str(r["destination"]), str(r["nexthop"])) for r in raw.routes or ())
        )
        return RouterState(str(raw.id), str(raw.name or ""), int(raw.revision_number), routes)

    def router(self, router_id: str) -> RouterState:
        return self._router_state(self._call(lambda: self._net.get_router(router_id)))

    def set_routes(self, router_id: str, routes: Iterable[Route], if_revision: int) -> RouterState:
        """PUT the router's whole route list, only if its revision is still ``if_revision``."""
        body = [r.as_dict() for r in routes]
        return self._router_state(
            self._call(
                lambda: self._net.update_router(router_id, if_revision=if_revision, routes=body),
                write=True,
            )
        )
