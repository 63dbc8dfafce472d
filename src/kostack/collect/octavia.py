"""Read Octavia's load balancers (read-only) into the snapshot's OpenStack record.

The listings are plain Octavia v2 API GETs through the SDK's authenticated
``load_balancer`` adapter (never ``conn.load_balancer.listeners(...)``: the
SDK drops filters it does not know without a word, e.g. ``loadbalancer_id``
on listeners, and returns everything). The number of requests:

- one GET each for load balancers, listeners, pools and health monitors
  (pages of ``PAGE_SIZE``), plus the SDK's version discovery: constant in the
  number of load balancers;
- one GET for the project's quota, when the project is known;
- members: Octavia has no listing of members across pools, only
  ``GET /v2/lbaas/pools/{pool_id}/members`` (octavia api/v2/controllers:
  members are a sub-resource of a pool; a pool record carries only member
  ids). A pool whose statuses already settle its members is not asked:
  ACTIVE and ONLINE with an ONLINE health monitor means every enabled member
  answered the monitor (Octavia rolls member health up into the pool:
  DEGRADED when some are down, ERROR when all are). Every other pool with
  members costs one GET. So a healthy cluster reads a constant number of
  requests, and each pool that is not healthy adds one: the pools that need
  a closer look. docs/loadbalancer.md says this and the benchmark measures it.

A missing load-balancer endpoint (no Octavia in the catalogue), a 403 or a
failed listing becomes a Gap (``openstack.load_balancers``) and the record
holds None; the caller drops that gap when the cluster has no Service of
type LoadBalancer. Nothing here raises for Octavia alone: Neutron decides
whether OpenStack is reachable at all.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from pydantic import ValidationError

from kostack.collect._neutron_listing import ListingFailed, json_object, next_page
from kostack.collect._neutron_records import _text, convert_items
from kostack.collect._os_connection import api_timeout
from kostack.collect.gap_texts import make_gap
from kostack.collect.openstack import PAGE_SIZE, redact
from kostack.deadline import GRACE_S, DeadlineExceeded, within
from kostack.gap_words import Msg, first_of, quoted
from kostack.model.loadbalancer import (
    HealthMonitor,
    Listener,
    LoadBalancer,
    LoadBalancerQuota,
    Member,
    Pool,
)
from kostack.model.snapshot import Gap

__all__ = ["NO_ENDPOINT", "SOURCE", "OctaviaCollection", "collect_octavia", "pool_needs_members"]

SOURCE: Final = "openstack.load_balancers"
NO_ENDPOINT: Final = "no load-balancer (Octavia) endpoint"

T = TypeVar("T")


@dataclass
class OctaviaCollection:
    """What was read: the load balancers (None when not), the quota, gaps and the request count."""

    load_balancers: tuple[LoadBalancer, ...] | None
    quota: LoadBalancerQuota | None
    gaps: tuple[Gap, ...]
    requests: int = 0
    member_requests: int = 0


@dataclass
class _Octavia:
    conn: Any
    secrets: frozenset[str]
    requests: int = 0

    def redact(self, text: str) -> str:
        """``text`` without the connection's secrets."""
        return redact(text, self.secrets)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        from keystoneauth1 import exceptions as ksa

        try:
            # The SDK resolves the endpoint on first use of the proxy: without one it raises
            # ServiceDisabledException, EndpointNotFound, or (auth_type none) even asserts.
            get = self.conn.load_balancer.get
        except Exception as exc:
            raise ListingFailed(
                Msg(
                    "gap.octavia.no-endpoint",
                    kind=type(exc).__name__,
                    why=quoted(self.redact(str(exc)) or "no endpoint"),
                )
            ) from exc
        self.requests += 1
        seconds = api_timeout(self.conn)
        try:
            # a hard deadline, as for Neutron's listings (kostack.deadline): a socket timeout
            # bounds one read, not the request
            response = within(
                seconds + GRACE_S, f"GET /v2{path}", lambda: get(path, params=dict(params or {}))
            )
        except DeadlineExceeded as exc:
            raise ListingFailed(
                Msg("gap.api.deadline", path=f"/v2{path}", seconds=f"{seconds:g}")
            ) from exc
        except ksa.EndpointNotFound as exc:
            raise ListingFailed(
                Msg("gap.octavia.no-endpoint.catalogue", why=quoted(self.redact(str(exc))))
            ) from exc
        except ksa.ClientException as exc:
            why = quoted(self.redact(str(exc)))
            said = (  # a ConnectTimeout is a ClientException that ran out of time
                Msg("gap.api.timeout", path=f"/v2{path}", why=why)
                if isinstance(exc, ksa.ConnectTimeout)
                else Msg("gap.api.failed", path=f"/v2{path}", kind=type(exc).__name__, why=why)
            )
            raise ListingFailed(said) from exc
        status = int(response.status_code)
        if status >= 400:
            raise ListingFailed(
                Msg(
                    "gap.api.http",
                    status=status,
                    reason="",
                    path=f"/v2{path}",
                    message=quoted(self.redact(_message(response))),
                    request="",
                ),
                status,
            )
        return json_object(response, status, f"/v2{path}")

    def list(self, path: str, key: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        query: dict[str, Any] | None = {**(params or {}), "limit": PAGE_SIZE}
        items: list[Any] = []
        markers: set[str] = set()
        while query is not None:
            body = self.get(path, query)
            page = body.get(key)
            if not isinstance(page, list):
                raise ListingFailed(Msg("gap.api.no-list", path=f"/v2{path}", listed_key=repr(key)))
            items.extend(i for i in page if isinstance(i, dict))
            query = next_page(body, key, query, markers, f"/v2{path}")
        return items


def _message(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return (getattr(response, "text", "") or "").strip()[:300] or "(no body)"
    if isinstance(body, dict):
        for key in ("faultstring", "message", "description"):
            if body.get(key):
                return str(body[key])[:300]
    return str(body)[:300]


# --------------------------------------------------------------------------- conversion


def _opt(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _ids(items: object) -> tuple[str, ...]:
    listed = items if isinstance(items, list) else ()
    return tuple(str(item["id"]) for item in listed if isinstance(item, dict) and item.get("id"))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _common(
    raw: dict[str, Any], texts: tuple[str, ...] = (), ints: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every Octavia object's id, name and three states (admin_state_up absent counts as up),
    and the optional fields ``texts`` (strings) and ``ints`` it has under the same names."""
    return {
        "id": str(raw["id"]),
        "name": _text(raw.get("name")),
        "admin_state_up": raw.get("admin_state_up") is not False,
        "provisioning_status": _text(raw.get("provisioning_status")),
        "operating_status": _text(raw.get("operating_status")),
        **{key: _opt(raw.get(key)) for key in texts},
        **{key: _int(raw.get(key)) for key in ints},
    }


_VIP_TEXTS = ("vip_address", "vip_port_id", "vip_subnet_id", "vip_network_id")


def _monitor(raw: dict[str, Any]) -> HealthMonitor:
    texts = ("url_path", "http_method", "expected_codes")
    ints = ("delay", "timeout", "max_retries", "max_retries_down")
    return HealthMonitor(**_common(raw, texts, ints), type=str(raw.get("type") or ""))


def _member(raw: dict[str, Any]) -> Member:
    return Member(
        **_common(raw, ("subnet_id", "monitor_address"), ("monitor_port", "weight")),
        address=raw["address"],
        protocol_port=raw["protocol_port"],
        backup=raw.get("backup") is True,
    )


def _listener(raw: dict[str, Any]) -> Listener:
    return Listener(
        **_common(raw, ("default_pool_id",), ("connection_limit",)),
        protocol=str(raw.get("protocol") or ""),
        protocol_port=raw["protocol_port"],
        allowed_cidrs=tuple(str(c) for c in raw.get("allowed_cidrs") or ()),
        tags=tuple(str(t) for t in raw.get("tags") or ()),
    )


def _pool(
    raw: dict[str, Any],
    monitors: Mapping[str, HealthMonitor],
    members: Mapping[str, tuple[Member, ...]],
) -> Pool:
    persistence = raw.get("session_persistence")
    pool_id = str(raw["id"])
    member_ids = _ids(raw.get("members"))
    return Pool(
        **_common(raw),
        protocol=str(raw.get("protocol") or ""),
        lb_algorithm=_text(raw.get("lb_algorithm")),
        session_persistence=_opt(persistence.get("type"))
        if isinstance(persistence, dict)
        else None,
        listener_ids=_ids(raw.get("listeners")),
        healthmonitor=monitors.get(_text(raw.get("healthmonitor_id"))),
        member_ids=member_ids,
        members=members.get(pool_id) if member_ids else (),
    )


def pool_needs_members(raw_pool: Mapping[str, Any], monitor: HealthMonitor | None) -> bool:
    """Whether the pool's own record leaves its members' state open (see the module docstring)."""
    if not _ids(raw_pool.get("members")):
        return False
    settled = (
        raw_pool.get("provisioning_status") == "ACTIVE"
        and raw_pool.get("operating_status") == "ONLINE"
        and monitor is not None
        and monitor.admin_state_up
        and monitor.provisioning_status == "ACTIVE"
        and monitor.operating_status == "ONLINE"
    )
    return not settled


def _convert(
    items: Iterable[dict[str, Any]], make: Callable[[dict[str, Any]], T], problems: list[str]
) -> tuple[T, ...]:
    """Convert items; one the model rejects is left out and named in ``problems``."""
    return convert_items(items, make, "", problems, _first_error)


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return exc.errors(include_url=False)[0]["msg"]
    return repr(exc)


# --------------------------------------------------------------------------- the collector


def collect_octavia(
    conn: Any, *, project_scope: str | None, project_hint: str | None = None
) -> OctaviaCollection:
    """Read load balancers, listeners, pools, monitors, the members that matter and the quota.

    ``project_scope`` filters the listings (normally the token's project);
    ``project_hint`` names the project whose quota to read when there is no
    scope (e.g. the project of the node ports).
    """
    from kostack.collect.openstack import secret_values

    octavia = _Octavia(conn, secret_values(conn))
    scope = {"project_id": project_scope} if project_scope else {}
    try:
        raw_lbs = octavia.list("/lbaas/loadbalancers", "loadbalancers", scope)
        raw_listeners = octavia.list("/lbaas/listeners", "listeners", scope)
        raw_pools = octavia.list("/lbaas/pools", "pools", scope)
        raw_monitors = octavia.list("/lbaas/healthmonitors", "healthmonitors", scope)
        problems: list[str] = []
        monitors = {m.id: m for m in _convert(raw_monitors, _monitor, problems)}
        members: dict[str, tuple[Member, ...]] = {}
        member_requests = 0
        for raw in raw_pools:
            monitor = monitors.get(_text(raw.get("healthmonitor_id")))
            if not raw.get("id") or not pool_needs_members(raw, monitor):
                continue
            member_requests += 1
            listed = octavia.list(f"/lbaas/pools/{raw['id']}/members", "members")
            members[str(raw["id"])] = _convert(listed, _member, problems)
    except ListingFailed as failed:
        hint = Msg("gap.hint.octavia.policy" if failed.status == 403 else "gap.hint.octavia")
        gap = make_gap(SOURCE, failed.error, hint, octavia.redact)
        return OctaviaCollection(None, None, (gap,), octavia.requests)
    lbs = _assemble(raw_lbs, raw_listeners, raw_pools, monitors, members, problems)
    quota = _quota(octavia, project_scope or project_hint or _single_project(raw_lbs))
    gaps: tuple[Gap, ...] = ()
    if problems:
        gaps = (
            make_gap(
                SOURCE,
                Msg("gap.octavia.unreadable", shown=first_of(problems)),
                Msg("gap.hint.octavia.unreadable"),
                octavia.redact,
            ),
        )
    return OctaviaCollection(lbs, quota, gaps, octavia.requests, member_requests)


def _single_project(raw_lbs: list[dict[str, Any]]) -> str | None:
    projects = {str(lb["project_id"]) for lb in raw_lbs if lb.get("project_id")}
    return next(iter(projects)) if len(projects) == 1 else None


def _assemble(
    raw_lbs: list[dict[str, Any]],
    raw_listeners: list[dict[str, Any]],
    raw_pools: list[dict[str, Any]],
    monitors: Mapping[str, HealthMonitor],
    members: Mapping[str, tuple[Member, ...]],
    problems: list[str],
) -> tuple[LoadBalancer, ...]:
    listeners_of: dict[str, list[Listener]] = {}
    for raw in raw_listeners:
        for listener in _convert([raw], _listener, problems):
            for lb_id in _ids(raw.get("loadbalancers")):
                listeners_of.setdefault(lb_id, []).append(listener)
    pools_of: dict[str, list[Pool]] = {}
    for raw in raw_pools:
        for pool in _convert([raw], lambda r: _pool(r, monitors, members), problems):
            for lb_id in _ids(raw.get("loadbalancers")):
                pools_of.setdefault(lb_id, []).append(pool)

    def lb(raw: dict[str, Any]) -> LoadBalancer:
        lb_id = str(raw["id"])
        return LoadBalancer(
            **_common(raw, ("project_id", "created_at", "updated_at", *_VIP_TEXTS)),
            description=_text(raw.get("description"))[:1024],
            tags=tuple(str(t) for t in raw.get("tags") or ()),
            provider=_text(raw.get("provider")),
            listeners=tuple(listeners_of.get(lb_id, ())),
            pools=tuple(pools_of.get(lb_id, ())),
        )

    return _convert(raw_lbs, lb, problems)


def _quota(octavia: _Octavia, project: str | None) -> LoadBalancerQuota | None:
    if not project:
        return None
    try:
        body = octavia.get(f"/lbaas/quotas/{urllib.parse.quote(project)}")
    except ListingFailed:
        # Reading a quota is often admin-only; nothing depends on it but one explanation.
        return None
    raw = body.get("quota")
    if not isinstance(raw, dict):
        return None
    return LoadBalancerQuota(
        load_balancer=_int(raw.get("load_balancer", raw.get("loadbalancer"))),
        listener=_int(raw.get("listener")),
        pool=_int(raw.get("pool")),
        member=_int(raw.get("member")),
        health_monitor=_int(raw.get("health_monitor", raw.get("healthmonitor"))),
    )
