"""How the Kubernetes API double reads a request: routes, verbs, discovery.

Pure pieces of `kostack_lab.kubeapi`: the route of an API path, the RBAC verb
of a method, and the /version and discovery documents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kostack_lab.kubeapi_resources import BUILTIN_GROUP_ORDER, ResourceType, version_priority
from kostack_lab.kubeapi_status import JsonObject, KubeApiError, is_true

__all__ = [
    "Route",
    "discovery_document",
    "parse_route",
    "request_verb",
    "version_document",
]


@dataclass(frozen=True)
class Route:
    """The parts of a resource path: /api[s]/<group>/<version>/[namespaces/<ns>/]<plural>/..."""

    group: str = ""
    version: str = ""
    resource: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    legacy_watch: bool = False

    @property
    def resource_path(self) -> str:
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


def parse_route(parts: list[str]) -> Route | None:
    """The resource route of /api/v1/... or /apis/<group>/<version>/..., else None."""
    if len(parts) >= 3 and parts[0] == "api" and parts[1] == "v1":
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    legacy_watch = False
    if rest[0] == "watch":
        legacy_watch, rest = True, rest[1:]
        if not rest:
            return None
    namespace = ""
    namespace_subresource = group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")
    if rest[0] == "namespaces" and len(rest) >= 3 and not namespace_subresource:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return None
    return Route(
        group=group,
        version=version,
        resource=rest[0],
        namespace=namespace,
        name=rest[1] if len(rest) > 1 else "",
        subresource=rest[2] if len(rest) > 2 else "",
        legacy_watch=legacy_watch,
    )


def request_verb(method: str, route: Route, query: Mapping[str, str]) -> str:
    """The RBAC verb of a request on `route` (get, list, watch, create, ...)."""
    if method == "GET":
        if route.legacy_watch or is_true(query.get("watch")):
            return "watch"
        return "get" if route.name else "list"
    if method == "POST":
        return "create"
    if method == "PUT":
        return "update"
    if method == "PATCH":
        return "patch"
    if method == "DELETE":
        return "delete" if route.name else "deletecollection"
    return method.lower()


def version_document(version: str) -> JsonObject:
    """The /version document of a server running Kubernetes `version` (v1.33.5)."""
    major, minor = version.lstrip("v").split(".")[:2]
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": major,
        "emulationMinor": minor,
        "minCompatibilityMajor": major,
        "minCompatibilityMinor": str(max(int(minor) - 1, 0)),
        "gitVersion": version,
        # A stand-in commit id: stable per version, not the real release's.
        "gitCommit": hashlib.sha1(version.encode()).hexdigest(),
        "gitTreeState": "clean",
        "buildDate": "2025-09-09T19:44:50Z",
        "goVersion": "go1.24.6",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def _groups(types: Iterable[ResourceType]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for rtype in types:
        if rtype.group:
            versions = groups.setdefault(rtype.group, [])
            if rtype.version not in versions:
                versions.append(rtype.version)
    for versions in groups.values():
        versions.sort(key=version_priority)
    return groups


def _group_document(name: str, versions: list[str]) -> JsonObject:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def discovery_document(
    types: Iterable[ResourceType], route_parts: list[str], port: int
) -> JsonObject | None:
    """The discovery document at /api, /apis, /apis/<g>, /api/v1 or /apis/<g>/<v>.

    None for any other path; KubeApiError 404 for a group or version not served.
    """
    served = list(types)
    if route_parts == ["api"]:
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{port}"}
            ],
        }
    groups = _groups(served)
    if route_parts == ["apis"]:
        order = {g: n for n, g in enumerate(BUILTIN_GROUP_ORDER)}
        names = sorted(groups, key=lambda g: (order.get(g, len(order)), g))
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [_group_document(g, groups[g]) for g in names],
        }
    if len(route_parts) == 2 and route_parts[0] == "apis":
        if route_parts[1] not in groups:
            raise KubeApiError(404, "the server could not find the requested resource")
        return {
            "kind": "APIGroup",
            "apiVersion": "v1",
            **_group_document(route_parts[1], groups[route_parts[1]]),
        }
    if route_parts == ["api", "v1"]:
        group, version = "", "v1"
    elif len(route_parts) == 3 and route_parts[0] == "apis":
        group, version = route_parts[1], route_parts[2]
    else:
        return None
    resources = [
        entry
        for rtype in sorted(served, key=lambda t: t.plural)
        if rtype.group == group and rtype.version == version
        for entry in rtype.discovery_entries()
    ]
    if not resources:
        raise KubeApiError(404, "the server could not find the requested resource")
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
