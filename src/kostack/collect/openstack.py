"""Read one OpenStack project's networking into the snapshot's OpenStack record.

openstacksdk supplies the connection (clouds.yaml, OS_CLOUD, OS_* variables,
``--os-cloud``, keystone authentication, the endpoint catalogue and version
discovery); the listings themselves are plain Neutron API GETs through the
SDK's authenticated network adapter, so SDK objects never leave this module
and the number of requests is under our control:

- one GET per collection (extensions, networks, subnets, routers, ports,
  security groups with their rules embedded, agents), plus the SDK's one
  version-discovery GET: 8 requests whatever the number of nodes;
- pages of ``PAGE_SIZE`` items (``limit``/``marker``), so only a project with
  more than ``PAGE_SIZE`` ports needs a second page;
- router interfaces come from the same port listing (device_owner
  ``network:router_interface*``), never from one request per router or node;
- in a project scope, networks and security groups that the project's ports
  use but another project owns (shared networks, the external network of a
  router) cost one more filtered GET each, only when there are some.

Failures: 401 (or a rejected keystone login) is an :class:`AuthError` and an
endpoint that cannot be reached at all is a :class:`CollectError` (both exit
3). A 403, an error status or a timeout on one listing becomes a
:class:`Gap` naming the exact error and what depends on it; the record then
holds ``None`` for that collection so checks answer UNKNOWN. The agents list
is admin-only on most clouds: a 403 there is normal and recorded nowhere.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from pydantic import ValidationError

from kostack.collect._neutron_fip import floating_ip
from kostack.collect._os_config import ENV_CLOUD_NAMES, cloud_region
from kostack.deadline import GRACE_S, DeadlineExceeded, within
from kostack.errors import AuthError, CollectError, ConfigError, KostackError
from kostack.model.snapshot import (
    AllowedAddressPair,
    FixedIP,
    Gap,
    Network,
    NeutronBackend,
    OpenStack,
    Port,
    Record,
    Router,
    RouterRoute,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
)
from kostack.redact import remember

__all__ = [
    "PAGE_SIZE",
    "ROUTER_INTERFACE_OWNERS",
    "close_connection",
    "collect_openstack",
    "count_requests",
    "current_project",
    "detect_backend",
    "open_connection",
    "redact",
    "secret_values",
]

PAGE_SIZE: Final = 1000

# Ports that put a router on a subnet (legacy, DVR and HA routers).
ROUTER_INTERFACE_OWNERS: Final = (
    "network:router_interface",
    "network:router_interface_distributed",
    "network:ha_router_replicated_interface",
)

# Agent types (the `agent_type` field of GET /v2.0/agents) that reveal the backend.
_OVN_AGENTS: Final = frozenset(
    {
        "OVN Controller agent",
        "OVN Controller Gateway agent",
        "OVN Metadata agent",
        "OVN Neutron agent",
    }
)
_OVS_AGENTS: Final = frozenset({"Open vSwitch agent"})

# What a collection's absence breaks, said in the gap (the checks then say UNKNOWN).
_DEPENDENTS: Final[Mapping[str, str]] = {
    "extensions": "whether allowed-address-pairs and port-security are available is unknown",
    "networks": "network MTU and port-security defaults are unknown",
    "subnets": "which nodes share a subnet (native vs encapsulated pod traffic) is unknown",
    "routers": "routes back to pod CIDRs and SNAT are unknown",
    "ports": "anti-spoofing, allowed address pairs and node-to-port matching are unknown",
    "security_groups": "every security-group check (CNI encapsulation, BGP, pod sources) is UNKNOWN",
    "floating_ips": "which floating IP fronts a load balancer's VIP is unknown",
}

_SECRET_KEY = re.compile(r"password|secret|token|passcode|key", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


# --------------------------------------------------------------------------- connection

# The User-Agent comment of kostack's OpenStack requests: reads say this; the
# commands that write say what they are (open_connection's ``purpose``).
READ_ONLY: Final = "read-only collector"
_PRODUCT: Final = "kostack"  # the User-Agent's product name: `kostack (fix apply)` ...


def open_connection(
    cloud: str | None,
    *,
    environ: Mapping[str, str],
    timeout_s: float,
    config_files: Sequence[str] | None = None,
    purpose: str = READ_ONLY,
) -> Any:
    """An openstacksdk Connection from the standard configuration sources.

    ``purpose`` goes into the User-Agent of every request (``kostack (fix apply)``
    ...), so that Neutron's logs tell kostack's reads from its writes.

    ``cloud`` (``--os-cloud``) wins, then ``OS_CLOUD``, then the ``OS_*``
    variables, then the only cloud in clouds.yaml. Variables (and HOME,
    XDG_CONFIG_HOME, which say where clouds.yaml is) are read from
    ``environ``, never the process environment, so a caller (and a test)
    decides what is seen; ``config_files`` replaces the clouds.yaml search
    path. The SDK is used through its public configuration API only
    (``_os_config.cloud_region``). For a Neutron without Keystone, a
    clouds.yaml entry with ``auth_type: none`` and
    ``network_endpoint_override: URL`` works. No request is sent yet.
    """
    import openstack.connection

    region = cloud_region(
        cloud,
        environ=environ,
        timeout_s=timeout_s,
        config_files_override=config_files,
        redact=redact,
        app_name=f"{_PRODUCT} ({purpose})",
    )
    try:
        conn = openstack.connection.Connection(config=region)
    except Exception as exc:  # the SDK raises many types for a bad auth section
        raise ConfigError(
            f"cannot build an OpenStack connection for cloud {region.name!r}: "
            f"{type(exc).__name__}: {redact(str(exc))}",
            "Check the cloud's auth_type and auth options in clouds.yaml.",
        ) from exc
    watch_identity(conn)
    return conn


def close_connection(conn: Any) -> None:
    """Close the connection's HTTP sessions (best effort: the data is already read)."""
    try:
        conn.close()
    except Exception:
        return


def current_project(conn: Any) -> str | None:
    """The project id of the connection's token (None with ``auth_type: none``).

    Authenticates if needed, so a wrong password or an unreachable Keystone
    shows up here as AuthError / CollectError, within the connection's timeout
    whatever keystoneauth does (see kostack.deadline).
    """
    seconds = api_timeout(conn)
    try:
        project = within(
            seconds + GRACE_S,
            f"authenticating at {_auth_url(conn)}",
            lambda: conn.current_project_id,
        )
    except DeadlineExceeded as exc:
        raise CollectError(
            f"Keystone at {_auth_url(conn, path=True)} did not answer within {seconds:g} s "
            f"while authenticating {describe_credential(conn)}",
            "Check the auth_url in clouds.yaml and your network path to it (VPN, proxy); "
            "`openstack token issue` should answer. Raise the limit with --timeout SECONDS.",
        ) from exc
    except KostackError:
        raise
    except Exception as exc:
        raise _connection_error(exc, "Keystone", _auth_url(conn)) from exc
    return str(project) if project else None


def api_timeout(conn: Any) -> float:
    """The connection's per-request timeout (``--timeout``), 30 s when it has none."""
    config = getattr(getattr(conn, "config", None), "config", None) or {}
    try:
        return float(config.get("api_timeout") or 30.0)
    except (TypeError, ValueError):
        return 30.0


# --------------------------------------------------------------------------- identity refusals


def describe_credential(conn: Any) -> str:
    """Which credential the cloud uses, named without its secret (for error messages)."""
    config = getattr(getattr(conn, "config", None), "config", None) or {}
    auth = config.get("auth") or {}
    auth_type = str(config.get("auth_type") or "password")
    cloud = config.get("name") or getattr(getattr(conn, "config", None), "name", None)

    def first(*keys: str) -> str:
        return next((str(auth[k]) for k in keys if auth.get(k)), "")

    if "applicationcredential" in auth_type.replace("_", ""):
        who = first("application_credential_id", "application_credential_name")
        user = first("username", "user_id")
        what = f"application credential {who or '(no id)'}" + (f" of user {user}" if user else "")
    elif "token" in auth_type:
        project = first("project_name", "project_id")
        what = "a token" + (f" for project {project}" if project else "")
    else:
        user = first("username", "user_id") or "(no user)"
        domain = first("user_domain_name", "user_domain_id")
        what = f"the password of user {user}" + (f" in domain {domain}" if domain else "")
    where = f"cloud {cloud!r}, " if cloud and cloud != "envvars" else ""
    return f"{what} ({where}auth type {auth_type})"


def watch_identity(conn: Any) -> None:
    """Make a 401 from the identity endpoint end the call at once, as an AuthError.

    keystoneauth1 (5.x) deadlocks when version discovery of the auth_url
    answers 401: it retries the discovery GET authenticated, which needs a
    token, which re-enters ``get_access`` under the lock it already holds (the
    ``openstack`` CLI hangs the same way). A response hook on the session's
    HTTP client sees the 401 first and raises, which unwinds the client's
    stack and its lock. The deadline in current_project is the backstop.
    """
    try:
        http = conn.config.get_session().session
    except Exception:
        return  # auth_type none, or no session: nothing authenticates
    hooks = getattr(http, "hooks", None)
    auth_url = _auth_url(conn, path=True)
    if not isinstance(hooks, dict) or "://" not in auth_url:
        return
    base = auth_url.rstrip("/")
    root = re.sub(r"/v[0-9][0-9.]*$", "", base)

    def refused(response: Any, *_args: Any, **_kwargs: Any) -> Any:
        if getattr(response, "status_code", None) != 401:
            return response
        url = _public_url(str(getattr(response, "url", "") or ""))
        if url.rstrip("/") not in (base, root) and not url.startswith(base + "/"):
            return response
        request = getattr(response, "request", None)
        method = str(getattr(request, "method", "") or "GET")
        raise AuthError(
            f"OpenStack rejected the credentials: {url} answered 401 to {method} "
            f"{urllib.parse.urlsplit(url).path or '/'} with {describe_credential(conn)}",
            "Check that credential in clouds.yaml (or your openrc), and that auth_url is this "
            "cloud's Keystone; `openstack token issue` shows whether it works.",
        )

    hooks.setdefault("response", []).append(refused)


def secret_values(conn: Any) -> frozenset[str]:
    """Every credential value in the connection's configuration, for redaction."""
    values: set[str] = set()
    config = getattr(getattr(conn, "config", None), "config", None) or {}
    auth = config.get("auth") or {}
    for key, value in auth.items():
        if _SECRET_KEY.search(str(key)) and isinstance(value, str) and len(value) >= 4:
            values.add(value)
    for key in ("password", "token", "application_credential_secret"):
        value = config.get(key)
        if isinstance(value, str) and len(value) >= 4:
            values.add(value)
    remember(*values)
    return frozenset(values)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove credentials embedded in URLs (``https://user:pw@host``) and any known secret."""
    text = _URL_CREDENTIALS.sub(lambda m: m.group("scheme") + "<redacted>@", text)
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def _auth_url(conn: Any, *, path: bool = False) -> str:
    config = getattr(getattr(conn, "config", None), "config", None) or {}
    url = (config.get("auth") or {}).get("auth_url")
    if not url:
        return "the identity endpoint"
    return _public_url(str(url)) if path else _endpoint_name(str(url))


def _public_url(url: str) -> str:
    """scheme://host:port/path of a URL: never its user info or query."""
    parts = urllib.parse.urlsplit(url)
    return f"{_endpoint_name(url)}{parts.path}" if parts.scheme else url


def _endpoint_name(url: str) -> str:
    """scheme://host:port of a URL, never its user info, path or query."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if parts.scheme else host


def _connection_error(exc: Exception, service: str, where: str) -> Exception:
    """Map a keystoneauth / SDK failure to AuthError or CollectError (both exit 3)."""
    from keystoneauth1 import exceptions as ksa

    detail = redact(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, ksa.http.Unauthorized | ksa.AuthorizationFailure):
        return AuthError(
            f"OpenStack rejected the credentials ({service} at {where}): {detail}",
            "Check the password or application credential of this cloud "
            "(`openstack token issue` shows whether they work).",
        )
    if isinstance(exc, ksa.MissingRequiredOptions | ksa.MissingAuthPlugin):
        return AuthError(
            f"incomplete OpenStack credentials: {detail}",
            "Give auth_url and a username/password or application credential in clouds.yaml, "
            "or source your openrc file.",
        )
    if isinstance(exc, ksa.http.Forbidden):
        return AuthError(
            f"OpenStack refused access ({service} at {where}): {detail}",
            "The user needs a role (e.g. member or reader) in the project.",
        )
    if isinstance(exc, ksa.ConnectTimeout):
        return CollectError(
            f"{service} at {where} did not answer in time: {detail}",
            "Check the endpoint and your network path to it (VPN, proxy); "
            "`openstack network list` should answer.",
        )
    if isinstance(exc, ksa.ConnectionError | ksa.DiscoveryFailure | ksa.EndpointNotFound):
        return CollectError(
            f"cannot reach {service} at {where}: {detail}",
            "Check the auth_url / endpoint in clouds.yaml and your network path to it; "
            "`openstack network list` should answer.",
        )
    return CollectError(
        f"{service} at {where} failed: {detail}",
        "Rerun with --debug for details; `openstack network list` should answer.",
    )


# --------------------------------------------------------------------------- raw listings


class _ListingFailed(Exception):
    """One listing failed in a way that leaves the rest usable (becomes a Gap)."""

    def __init__(self, error: str, status: int | None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class _Neutron:
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
                return _endpoint_name(str(endpoint))
        return "the network endpoint"

    def list(
        self, resource: str, key: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of `GET /v2.0/<resource>` with `params`, page by page."""
        query: dict[str, Any] = {**(params or {}), "limit": PAGE_SIZE}
        items: list[dict[str, Any]] = []
        while True:
            body = self._get(f"/{resource}", query)
            page = body.get(key)
            if not isinstance(page, list):
                raise _ListingFailed(f"GET /v2.0/{resource} answered without a {key!r} list", None)
            items.extend(item for item in page if isinstance(item, dict))
            marker = _next_marker(body.get(f"{key}_links"))
            if marker is None or not page:
                return items
            query = {**query, "marker": marker}

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
                    f"Neutron at {self.where()} did not answer GET /v2.0{path} within {seconds:g} s",
                    "Check the network endpoint and your network path to it (VPN, proxy); "
                    "`openstack network list` should answer. Raise the limit with --timeout.",
                ) from exc
            raise _ListingFailed(
                f"GET /v2.0{path} got no answer within {seconds:g} s", None
            ) from exc
        except ksa.ConnectTimeout as exc:
            if first:
                raise _connection_error(exc, "Neutron", self.where()) from exc
            raise _ListingFailed(
                f"GET /v2.0{path} timed out: {redact(str(exc), self._secrets)}", None
            ) from exc
        except (ksa.ConnectionError, ksa.DiscoveryFailure, ksa.EndpointNotFound) as exc:
            if first:
                raise _connection_error(exc, "Neutron", self.where()) from exc
            raise _ListingFailed(
                f"GET /v2.0{path} failed: {type(exc).__name__}: {redact(str(exc), self._secrets)}",
                None,
            ) from exc
        except (ksa.http.Unauthorized, ksa.AuthorizationFailure, ksa.MissingRequiredOptions) as exc:
            raise _connection_error(exc, "Keystone", _auth_url(self._conn)) from exc
        except ksa.ClientException as exc:
            raise _connection_error(exc, "Neutron", self.where()) from exc
        self._contacted = True
        status = int(response.status_code)
        if status == 401:
            raise AuthError(
                f"Neutron at {self.where()} answered 401 Unauthorized to GET /v2.0{path}: "
                f"{_neutron_message(response)}",
                "The token was rejected: check the credentials of this cloud "
                "(`openstack token issue`).",
            )
        if status >= 400:
            raise _ListingFailed(
                f"HTTP {status} {_reason(response)} on GET /v2.0{path}: "
                f"{redact(_neutron_message(response), self._secrets)}"
                f"{_request_id(response)}",
                status,
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise _ListingFailed(
                f"GET /v2.0{path} answered something that is not JSON", status
            ) from exc
        if not isinstance(body, dict):
            raise _ListingFailed(f"GET /v2.0{path} answered a JSON {type(body).__name__}", status)
        return body


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


def _reason(response: Any) -> str:
    reason = getattr(response, "reason", "") or ""
    return str(reason)


def _request_id(response: Any) -> str:
    headers = getattr(response, "headers", {}) or {}
    rid = headers.get("x-openstack-request-id") or headers.get("x-compute-request-id")
    return f" (request {rid})" if rid else ""


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


# --------------------------------------------------------------------------- conversion

R = TypeVar("R", bound=Record)


def _convert(
    items: Iterable[dict[str, Any]],
    make: Callable[[dict[str, Any]], R],
    what: str,
    problems: list[str],
) -> tuple[R, ...]:
    """Convert raw items; an item the model rejects is left out and named in `problems`."""
    out: list[R] = []
    for item in items:
        try:
            out.append(make(item))
        except (ValidationError, ValueError, TypeError, KeyError) as exc:
            ident = item.get("id", "?")
            problems.append(f"{what} {ident} left out: {_short_error(exc)}")
    return tuple(out)


def _short_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(p) for p in first["loc"])
        return f"{loc}: {first['msg']}"
    return f"{type(exc).__name__}: {exc}"


def _cidr(value: object) -> str:
    """A CIDR with host bits cleared (Neutron accepts `10.0.0.5/24` in some fields)."""
    return str(ipaddress.ip_network(str(value).strip(), strict=False))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _optional_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _network(raw: dict[str, Any]) -> Network:
    mtu = raw.get("mtu")
    return Network(
        id=str(raw["id"]),
        name=_text(raw.get("name")),
        mtu=int(mtu) if isinstance(mtu, int) and mtu > 0 else None,
        port_security_enabled=_optional_bool(raw.get("port_security_enabled")),
        network_type=raw.get("provider:network_type") or None,
        router_external=bool(raw.get("router:external", False)),
        project_id=raw.get("project_id") or raw.get("tenant_id") or None,
    )


def _subnet(raw: dict[str, Any]) -> Subnet:
    return Subnet(
        id=str(raw["id"]),
        name=_text(raw.get("name")),
        network_id=str(raw["network_id"]),
        cidr=_cidr(raw["cidr"]),
        gateway_ip=raw.get("gateway_ip") or None,
        ip_version=raw["ip_version"] if raw.get("ip_version") in (4, 6) else None,
        ipv6_ra_mode=raw.get("ipv6_ra_mode") or None,
        ipv6_address_mode=raw.get("ipv6_address_mode") or None,
        enable_dhcp=_optional_bool(raw.get("enable_dhcp")),
    )


def _port(raw: dict[str, Any]) -> Port:
    pairs = [
        AllowedAddressPair(
            ip_address=_cidr(pair["ip_address"]),
            mac_address=pair.get("mac_address") or None,
        )
        for pair in raw.get("allowed_address_pairs") or ()
    ]
    fixed = [
        FixedIP(subnet_id=fip.get("subnet_id") or None, ip_address=fip["ip_address"])
        for fip in raw.get("fixed_ips") or ()
    ]
    revision = raw.get("revision_number")
    return Port(
        id=str(raw["id"]),
        name=_text(raw.get("name")),
        network_id=str(raw["network_id"]),
        mac_address=str(raw["mac_address"]),
        fixed_ips=tuple(fixed),
        allowed_address_pairs=tuple(pairs),
        port_security_enabled=_optional_bool(raw.get("port_security_enabled")),
        security_group_ids=tuple(str(g) for g in raw.get("security_groups") or ()),
        device_id=_text(raw.get("device_id")),
        device_owner=_text(raw.get("device_owner")),
        revision_number=revision if isinstance(revision, int) else None,
        status=_text(raw.get("status")),
        project_id=raw.get("project_id") or raw.get("tenant_id") or None,
        tags=tuple(str(t) for t in raw.get("tags") or () if isinstance(t, str)),
    )


def _rule(raw: dict[str, Any]) -> SecurityGroupRule:
    protocol = raw.get("protocol")
    prefix = raw.get("remote_ip_prefix")
    return SecurityGroupRule(
        id=str(raw["id"]),
        direction=raw["direction"],
        ethertype=raw.get("ethertype") or "IPv4",
        protocol=None if protocol in (None, "") else str(protocol),
        port_range_min=raw.get("port_range_min"),
        port_range_max=raw.get("port_range_max"),
        remote_ip_prefix=_cidr(prefix) if prefix else None,
        remote_group_id=raw.get("remote_group_id") or None,
        remote_address_group_id=raw.get("remote_address_group_id") or None,
        description=_text(raw.get("description")),
    )


def _security_group(raw: dict[str, Any]) -> SecurityGroup:
    revision = raw.get("revision_number")
    stateful = raw.get("stateful")
    return SecurityGroup(
        id=str(raw["id"]),
        name=_text(raw.get("name")),
        project_id=raw.get("project_id") or raw.get("tenant_id") or None,
        revision_number=revision if isinstance(revision, int) else None,
        stateful=stateful if isinstance(stateful, bool) else True,
        rules=tuple(_rule(r) for r in raw.get("security_group_rules") or ()),
    )


def _router(raw: dict[str, Any], interface_subnets: Mapping[str, tuple[str, ...]]) -> Router:
    gateway = raw.get("external_gateway_info") or {}
    routes = [
        RouterRoute(destination=_cidr(r["destination"]), nexthop=r["nexthop"])
        for r in raw.get("routes") or ()
    ]
    revision = raw.get("revision_number")
    router_id = str(raw["id"])
    return Router(
        id=router_id,
        name=_text(raw.get("name")),
        external_network_id=gateway.get("network_id") or None,
        enable_snat=_optional_bool(gateway.get("enable_snat")) if gateway else None,
        interface_subnet_ids=interface_subnets.get(router_id, ()),
        routes=tuple(routes),
        revision_number=revision if isinstance(revision, int) else None,
    )


def _interface_subnets(raw_ports: Iterable[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Router id -> the subnets it has interfaces on, from the router's own ports."""
    out: dict[str, list[str]] = {}
    for raw in raw_ports:
        if str(raw.get("device_owner", "")) not in ROUTER_INTERFACE_OWNERS:
            continue
        router_id = str(raw.get("device_id") or "")
        if not router_id:
            continue
        subnets = out.setdefault(router_id, [])
        for fip in raw.get("fixed_ips") or ():
            subnet_id = fip.get("subnet_id")
            if subnet_id and subnet_id not in subnets:
                subnets.append(str(subnet_id))
    return {router_id: tuple(ids) for router_id, ids in out.items()}


# --------------------------------------------------------------------------- backend


def detect_backend(
    agent_types: Iterable[str] | None,
    networks: Iterable[Network] | None,
    hint: NeutronBackend | None,
) -> tuple[NeutronBackend | None, str | None]:
    """The Neutron backend and how it was decided; the user's ``--neutron-backend`` wins.

    The agents list names "OVN Controller agent" or "Open vSwitch agent"; a
    Geneve tenant network means OVN. VXLAN says nothing (OVN can run VXLAN).
    """
    seen = set(agent_types or ())
    found: NeutronBackend | None = None
    source: str | None = None
    ovn, ovs = seen & _OVN_AGENTS, seen & _OVS_AGENTS
    if ovn and not ovs:
        found, source = "ml2/ovn", f"agents list: {sorted(ovn)[0]}"
    elif ovs and not ovn:
        found, source = "ml2/ovs", f"agents list: {sorted(ovs)[0]}"
    else:
        geneve = [n for n in networks or () if (n.network_type or "").lower() == "geneve"]
        if geneve:
            found = "ml2/ovn"
            source = f"network {geneve[0].name or geneve[0].id} is geneve (provider:network_type)"
    if hint is not None:
        if found is not None and found != hint:
            return hint, f"--neutron-backend (the API suggests {found}: {source})"
        return hint, "--neutron-backend"
    return found, source


# --------------------------------------------------------------------------- the collector


@dataclass
class _Listings:
    """Raw listings, None where the listing failed (its error is in `gaps`)."""

    extensions: list[dict[str, Any]] | None = None
    networks: list[dict[str, Any]] | None = None
    subnets: list[dict[str, Any]] | None = None
    routers: list[dict[str, Any]] | None = None
    ports: list[dict[str, Any]] | None = None
    security_groups: list[dict[str, Any]] | None = None
    agents: list[dict[str, Any]] | None = None
    floating_ips: list[dict[str, Any]] | None = None
    gaps: list[Gap] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)


def collect_openstack(
    conn: Any,
    *,
    project_scope: str | None,
    backend_hint: NeutronBackend | None = None,
) -> tuple[OpenStack, tuple[Gap, ...]]:
    """Read networks, subnets, routers, ports, security groups, extensions and agents.

    ``project_scope`` is the project id to read (normally the token's project,
    from :func:`current_project`); None reads whatever the credentials see.
    ``backend_hint`` is the user's ``--neutron-backend``. Returns the record
    and the gaps (one per listing that failed). Raises AuthError when the
    credentials are rejected and CollectError when Neutron cannot be reached.
    """
    secrets = secret_values(conn)
    neutron = _Neutron(conn, secrets)
    raw = _Listings()

    def fetch(name: str, resource: str, key: str, params: Mapping[str, Any]) -> Any:
        try:
            return neutron.list(resource, key, params)
        except _ListingFailed as failed:
            if failed.status == 403:
                raw.forbidden.add(name)
            raw.gaps.append(_gap(name, failed, secrets))
            return None

    scope = {"project_id": project_scope} if project_scope else {}
    # The first request also does version discovery: if it cannot connect,
    # Neutron is unreachable and the whole command stops (exit 3).
    raw.extensions = fetch("extensions", "extensions", "extensions", {})
    raw.ports = fetch("ports", "ports", "ports", scope)
    raw.routers = fetch("routers", "routers", "routers", scope)
    raw.networks = fetch("networks", "networks", "networks", scope)
    if raw.networks is not None and project_scope:
        raw.networks += _referenced_networks(raw, fetch)
    raw.subnets = _fetch_subnets(raw, scope, fetch)
    raw.security_groups = fetch("security_groups", "security-groups", "security_groups", scope)
    if raw.security_groups is not None and project_scope:
        raw.security_groups += _referenced_groups(raw, fetch)
    raw.agents = _fetch_agents(neutron)
    raw.floating_ips = fetch("floating_ips", "floatingips", "floatingips", scope)

    core = {"networks", "subnets", "routers", "ports", "security_groups"}
    if core <= raw.forbidden:
        raise AuthError(
            f"OpenStack accepted the credentials but refuses every networking listing "
            f"({raw.gaps[0].error})",
            "The user needs a role such as member or reader in the project "
            "(`openstack port list` must work).",
        )
    return _record(conn, raw, project_scope, backend_hint, secrets)


def _fetch_subnets(
    raw: _Listings, scope: Mapping[str, Any], fetch: Callable[..., Any]
) -> list[dict[str, Any]] | None:
    if raw.networks is not None and scope:
        ids = sorted({str(n["id"]) for n in raw.networks if n.get("id")})
        if not ids:
            return []
        # One GET: list filters are repeated query parameters (network_id=a&network_id=b).
        result: list[dict[str, Any]] | None = fetch(
            "subnets", "subnets", "subnets", {"network_id": ids}
        )
        return result
    result = fetch("subnets", "subnets", "subnets", scope)
    return result


def _referenced_networks(raw: _Listings, fetch: Callable[..., Any]) -> list[dict[str, Any]]:
    """Networks the project's ports and routers use that another project owns (one GET)."""
    known = {str(n.get("id")) for n in raw.networks or ()}
    wanted = {str(p["network_id"]) for p in raw.ports or () if p.get("network_id")}
    if raw.routers is not None:
        for router in raw.routers:
            gateway = router.get("external_gateway_info") or {}
            if gateway.get("network_id"):
                wanted.add(str(gateway["network_id"]))
    missing = sorted(wanted - known)
    if not missing:
        return []
    found: list[dict[str, Any]] | None = fetch("networks", "networks", "networks", {"id": missing})
    return found or []


def _referenced_groups(raw: _Listings, fetch: Callable[..., Any]) -> list[dict[str, Any]]:
    """Security groups the project's ports use that another project owns (one GET)."""
    known = {str(g.get("id")) for g in raw.security_groups or ()}
    wanted = {str(g) for p in raw.ports or () for g in p.get("security_groups") or ()}
    missing = sorted(wanted - known)
    if not missing:
        return []
    found: list[dict[str, Any]] | None = fetch(
        "security_groups", "security-groups", "security_groups", {"id": missing}
    )
    return found or []


def _fetch_agents(neutron: _Neutron) -> list[dict[str, Any]] | None:
    """The agents list, or None: it is admin-only on most clouds, so failing is normal."""
    try:
        return neutron.list("agents", "agents", {"fields": ["agent_type", "binary"]})
    except _ListingFailed:
        return None


def _gap(name: str, failed: _ListingFailed, secrets: frozenset[str]) -> Gap:
    hint = _DEPENDENTS.get(name, "")
    if failed.status == 403:
        hint = f"{hint}; the user needs read access to {name.replace('_', ' ')} (policy)"
    elif failed.status is None:
        hint = (
            f"{hint}; retry, or raise the per-request timeout (kostack collect --timeout SECONDS)"
        )
    return Gap(source=f"openstack.{name}", error=redact(failed.error, secrets), hint=hint)


def _record(
    conn: Any,
    raw: _Listings,
    project_scope: str | None,
    backend_hint: NeutronBackend | None,
    secrets: frozenset[str],
) -> tuple[OpenStack, tuple[Gap, ...]]:
    problems: dict[str, list[str]] = {}

    def convert(name: str, items: list[dict[str, Any]] | None, make: Callable[..., R]) -> Any:
        if items is None:
            return None
        bad: list[str] = []
        out = _convert(_unique(items), make, name.rstrip("s").replace("_", " "), bad)
        if bad:
            problems[name] = bad
        return out

    networks: tuple[Network, ...] | None = convert("networks", raw.networks, _network)
    subnets: tuple[Subnet, ...] | None = convert("subnets", raw.subnets, _subnet)
    ports: tuple[Port, ...] | None = convert("ports", raw.ports, _port)
    groups: tuple[SecurityGroup, ...] | None = convert(
        "security_groups", raw.security_groups, _security_group
    )
    routers: tuple[Router, ...] | None = None
    if raw.routers is not None and raw.ports is None:
        # Interfaces come from the port listing: without it a router would look
        # attached to nothing, which is a claim we cannot make.
        raw.gaps.append(
            Gap(
                source="openstack.routers",
                error="router interfaces are read from the port listing, which failed",
                hint=_DEPENDENTS["routers"],
            )
        )
    elif raw.routers is not None:
        interfaces = _interface_subnets(raw.ports or ())
        routers = convert("routers", raw.routers, lambda r: _router(r, interfaces))
    ports, subnets = _consistent(ports, networks, subnets, problems)
    gaps = list(raw.gaps)
    for name, bad in problems.items():
        shown = "; ".join(bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else "")
        gaps.append(
            Gap(
                source=f"openstack.{name}",
                error=redact(shown, secrets),
                hint="these items could not be read; what depends on them is UNKNOWN",
            )
        )
    extensions = (
        tuple(sorted({str(e.get("alias")) for e in raw.extensions if e.get("alias")}))
        if raw.extensions is not None
        else None
    )
    agent_types = [str(a.get("agent_type", "")) for a in raw.agents] if raw.agents else None
    backend, backend_source = detect_backend(agent_types, networks, backend_hint)
    cloud, region, project_id, project_name = _identity(conn, project_scope)
    record = OpenStack(
        cloud=cloud,
        region=region,
        project_id=project_id,
        project_name=project_name,
        backend=backend,
        backend_source=backend_source,
        extensions=extensions,
        networks=networks,
        subnets=subnets,
        routers=routers,
        ports=ports,
        security_groups=groups,
        floating_ips=convert("floating_ips", raw.floating_ips, floating_ip),
    )
    return record, tuple(gaps)


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop repeated ids (a page boundary moving under concurrent changes)."""
    seen: set[str] = set()
    out = []
    for item in items:
        ident = str(item.get("id", ""))
        if ident and ident in seen:
            continue
        seen.add(ident)
        out.append(item)
    return out


def _consistent(
    ports: tuple[Port, ...] | None,
    networks: tuple[Network, ...] | None,
    subnets: tuple[Subnet, ...] | None,
    problems: dict[str, list[str]],
) -> tuple[tuple[Port, ...] | None, tuple[Subnet, ...] | None]:
    """Keep references resolvable, as the snapshot format requires.

    A subnet of an unseen network, or a port on one, is left out and named;
    a fixed IP on an unseen subnet keeps its address but loses the subnet id.
    """
    if networks is not None and subnets is not None:
        network_ids = {n.id for n in networks}
        kept = tuple(s for s in subnets if s.network_id in network_ids)
        for s in subnets:
            if s.network_id not in network_ids:
                problems.setdefault("subnets", []).append(
                    f"subnet {s.id} left out: its network {s.network_id} is not visible"
                )
        subnets = kept
    if ports is None:
        return ports, subnets
    if networks is not None:
        network_ids = {n.id for n in networks}
        for p in ports:
            if p.network_id not in network_ids:
                problems.setdefault("ports", []).append(
                    f"port {p.id} left out: its network {p.network_id} is not visible"
                )
        ports = tuple(p for p in ports if p.network_id in network_ids)
    if subnets is not None:
        by_id = {s.id: s for s in subnets}
        fixed_ports = []
        for p in ports:
            fips = []
            for fip in p.fixed_ips:
                sn = by_id.get(fip.subnet_id or "")
                if fip.subnet_id is not None and (sn is None or fip.ip_address not in sn.cidr):
                    fip = fip.model_copy(update={"subnet_id": None})
                fips.append(fip)
            fixed_ports.append(p.model_copy(update={"fixed_ips": tuple(fips)}))
        ports = tuple(fixed_ports)
    return ports, subnets


def _identity(
    conn: Any, project_scope: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """Cloud name, region, project id and name: never an auth URL or a credential."""
    region_config = getattr(conn, "config", None)
    config = getattr(region_config, "config", None) or {}
    auth = config.get("auth") or {}
    cloud = getattr(region_config, "name", None)
    region = getattr(region_config, "region_name", None) or config.get("region_name")
    project_id = project_scope or auth.get("project_id") or None
    project_name = _token_project_name(conn) or auth.get("project_name") or None
    return (
        str(cloud) if cloud and cloud not in ENV_CLOUD_NAMES else ("env" if cloud else None),
        str(region) if region else None,
        str(project_id) if project_id else None,
        str(project_name) if project_name else None,
    )


def _token_project_name(conn: Any) -> str | None:
    """The project name in the token already obtained (no request); None without Keystone."""
    try:
        session = conn.session
        auth = session.auth
        if auth is None or not hasattr(auth, "get_access"):
            return None
        access = auth.get_access(session)
        name = getattr(access, "project_name", None)
    except Exception:  # noauth plugins have no token; the name is only a label
        return None
    return str(name) if name else None


def count_requests(conn: Any) -> Callable[[], int]:
    """Count every HTTP request the connection sends from now on (Keystone and Neutron alike).

    Returns a function giving the count so far: `kostack watch` publishes it
    per cycle. Installed as a response hook on the connection's HTTP session;
    a connection without one counts nothing (0).
    """
    sent = [0]

    def hook(response: Any, *args: Any, **kwargs: Any) -> Any:
        sent[0] += 1
        return response

    http = getattr(getattr(conn, "session", None), "session", None)
    hooks = getattr(http, "hooks", None)
    if isinstance(hooks, dict):
        hooks.setdefault("response", []).append(hook)
    return lambda: sent[0]
