"""Load, validate and save snapshots.

Every failure is a :class:`SnapshotFormatError` naming what is wrong and where
(a JSON path such as ``$.openstack.ports[2].fixed_ips[0].ip_address``), with a
hint. Nothing in here lets a traceback reach the user.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from kostack.collector import collector_paused
from kostack.model.snapshot import SCHEMA_VERSION, Snapshot
from kostack.model.types import STRICT_SCALARS, STRICT_TYPE_ERROR, json_kind

DEFAULT_HINT: Final = (
    "Check the file against docs/snapshot.md, or write a fresh one with `kostack collect -o FILE`."
)


class SnapshotFormatError(Exception):
    """A snapshot file that cannot be used: unreadable, malformed JSON, wrong shape, inconsistent.

    ``what`` says what is wrong, ``path`` where: a JSON path (``$.cluster.nodes[2].name``),
    "line L column C" for JSON that does not parse, or "" when the file itself cannot be
    read. ``hint`` says what to do. ``key`` and ``params`` name the kind of error for a
    translation (kostack.snapshot_words: "snapshot.<key>"); "" is one only English says.
    """

    def __init__(
        self,
        what: str,
        path: str = "$",
        hint: str = "",
        *,
        key: str = "",
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{what} ({path})" if path else what)
        self.what = what
        self.path = path
        self.hint = hint or DEFAULT_HINT
        self.key = key
        self.params = params or {}

    def describe(self, file: str | Path) -> str:
        """One line: which file, where in it, what is wrong."""
        if not self.path:
            return f"cannot read snapshot {file}: {self.what}"
        return f"snapshot {file}, {self.path}: {self.what}"


def json_path(loc: Iterable[int | str]) -> str:
    """Render a pydantic error location as a JSON path."""
    out = "$"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


# pydantic error types -> what the value should have been (the JSON words a user writes)
_EXPECTED: Final = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "tuple_type": "a list",
    "list_type": "a list",
    "set_type": "a list",
    "frozen_set_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dataclass_type": "an object",
}


def _error(err: dict[str, Any]) -> SnapshotFormatError:
    """One pydantic error as a SnapshotFormatError: what, where, and what to do."""
    kind = str(err.get("type", ""))
    loc = tuple(err.get("loc", ()))
    ctx = err.get("ctx") or {}
    if kind == STRICT_TYPE_ERROR:
        where = json_path((*loc, ctx["field"]))
        return _type_error(where, str(ctx["expected"]), str(ctx["got"]))
    where = json_path(loc)
    if kind == "missing":
        return SnapshotFormatError(
            "required field is missing",
            where,
            "Add it (docs/snapshot.md lists every field), or write a fresh snapshot with "
            "`kostack collect -o FILE`.",
            key="missing",
        )
    if kind == "extra_forbidden":
        return SnapshotFormatError(
            "unknown field",
            where,
            "Remove it, or check its spelling against docs/snapshot.md.",
            key="unknown",
        )
    if kind in _EXPECTED:
        return _type_error(where, _EXPECTED[kind], json_kind(err.get("input")))
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return SnapshotFormatError(msg, where)


def _type_error(where: str, expected: str, got: str) -> SnapshotFormatError:
    return SnapshotFormatError(
        f"expected {expected}, got {got}",
        where,
        "Write the value as JSON of that type (a number or true/false without quotes, a list "
        "in [...]), as `kostack collect -o FILE` does.",
        key="type",
        params={"expected": expected, "got": got},
    )


def _upgrade_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 only added fields, each with a default meaning "not collected".

    One meaning changed: ``cluster.pod_cidrs`` now holds the ranges the CNI
    allocates from (version 1 preferred kubeadm's podSubnet). A version-1
    snapshot keeps its value, and ``pod_cidrs_source`` says where it came from.
    """
    cluster = data.get("cluster")
    if isinstance(cluster, dict) and cluster.get("pod_cidrs") is not None:
        cluster.setdefault("pod_cidrs_source", "schema_version 1 snapshot")
    return data


def _items(value: object) -> list[Any]:
    """A JSON list, or nothing (what is not a list is left for validation to name)."""
    return value if isinstance(value, list) else []


def _upgrade_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 (dual stack) only added fields; a version-2 document means IPv4 or IPv6
    single stack as written: each subnet's ``ip_version`` is its CIDR's family, and a
    pod's ``ips`` / a service's ``cluster_ips`` are their one address (when it has one)."""
    openstack = data.get("openstack")
    if isinstance(openstack, dict):
        for subnet in _items(openstack.get("subnets")):
            if isinstance(subnet, dict) and isinstance(subnet.get("cidr"), str):
                subnet.setdefault("ip_version", 6 if ":" in subnet["cidr"] else 4)
    cluster = data.get("cluster")
    if isinstance(cluster, dict):
        for pod in _items(cluster.get("pods")):
            if isinstance(pod, dict) and isinstance(pod.get("ip"), str):
                pod.setdefault("ips", [pod["ip"]])
        for service in _items(cluster.get("services")):
            if isinstance(service, dict) and isinstance(service.get("cluster_ip"), str):
                service.setdefault("cluster_ips", [service["cluster_ip"]])
    return data


# Each entry turns a document of version N into one of version N + 1 (pure JSON
# in, JSON out). A later schema change adds one function and one entry here.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _upgrade_1_to_2,
    2: _upgrade_2_to_3,
}


def upgrade(data: dict[str, Any], *, owned: bool = False) -> dict[str, Any]:
    """Bring a decoded snapshot of any readable version up to SCHEMA_VERSION: a new dict, or
    ``data`` itself changed when the caller ``owned`` it (decoded for this and nothing else)."""
    version = data.get("schema_version")
    if type(version) is int and version == SCHEMA_VERSION:
        return data
    readable = ", ".join(str(v) for v in (*sorted(UPGRADES), SCHEMA_VERSION))
    if "schema_version" not in data:
        raise SnapshotFormatError(
            "schema_version is missing",
            "$.schema_version",
            f'Add "schema_version": {SCHEMA_VERSION} if the file follows docs/snapshot.md, or '
            "write a fresh snapshot with `kostack collect -o FILE`.",
            key="version_missing",
            params={"version": str(SCHEMA_VERSION)},
        )
    if type(version) is not int:
        raise _type_error("$.schema_version", "a whole number", json_kind(version))
    if version not in UPGRADES:
        raise SnapshotFormatError(
            f"schema_version {version} is not one this kostack reads (it reads {readable})",
            "$.schema_version",
            "Read it with the kostack that wrote it, or write the snapshot again with this "
            "one (`kostack collect -o FILE`).",
            key="version",
            params={"version": str(version), "readable": readable},
        )
    # a copy, so the caller's stays as is: unless it is the caller's to lose (a second copy of
    # the whole document, alive while it is validated, was the peak of reading an old one)
    upgraded: dict[str, Any] = data if owned else json.loads(json.dumps(data))
    while upgraded["schema_version"] != SCHEMA_VERSION:
        step = upgraded["schema_version"]
        upgraded = UPGRADES[step](upgraded)
        upgraded["schema_version"] = step + 1
    return upgraded


@collector_paused()  # validation makes objects, no garbage (kostack/collector.py)
def parse_snapshot(data: object, *, owned: bool = False) -> Snapshot:
    """Validate already-decoded JSON data into a Snapshot, or raise SnapshotFormatError.

    Older schema versions are upgraded first (see ``UPGRADES``), in place when the caller
    ``owned`` the data (else on a copy).
    """
    if not isinstance(data, dict):
        raise SnapshotFormatError(
            f"a snapshot is a JSON object ({{...}}), this is {json_kind(data)}",
            "$",
            key="not_object",
            params={"got": json_kind(data)},
        )
    try:
        data = upgrade(data, owned=owned)
    except RecursionError:
        raise SnapshotFormatError("the document is nested too deeply to read", "$") from None
    try:
        snapshot = Snapshot.model_validate(data, context={STRICT_SCALARS: True})
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = _error(dict(errors[0]))
        if len(errors) > 1:
            first.what += f" (and {len(errors) - 1} more problems)"
        raise first from None
    except (RecursionError, MemoryError):
        raise SnapshotFormatError("the document is nested too deeply to read", "$") from None
    check_consistency(snapshot)
    return snapshot


@collector_paused()
def loads_snapshot(text: str | bytes) -> Snapshot:
    """Decode and validate a snapshot from JSON text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotFormatError(
            f"not valid JSON: {exc.msg}",
            f"line {exc.lineno} column {exc.colno}",
            "A snapshot is the JSON `kostack collect -o FILE` writes: check the file is not cut "
            "short, YAML, or edited into invalid JSON.",
            key="json",
            params={"reason": exc.msg},
        ) from None
    except UnicodeDecodeError:
        raise SnapshotFormatError(
            "not valid JSON: the file is not UTF-8 text",
            "$",
            "A snapshot is the UTF-8 JSON `kostack collect -o FILE` writes.",
            key="utf8",
        ) from None
    except RecursionError:
        raise SnapshotFormatError("the document is nested too deeply to read", "$") from None
    return parse_snapshot(data, owned=True)  # decoded here for this only


def load_snapshot(path: str | Path) -> Snapshot:
    """Read and validate a snapshot file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise SnapshotFormatError(
            "no such file",
            "",
            "Give the path of a snapshot written by `kostack collect -o FILE` "
            "(examples/ has some).",
            key="no_file",
        ) from None
    except IsADirectoryError:
        raise SnapshotFormatError(
            "it is a directory, not a file",
            "",
            "Give the snapshot file itself, e.g. DIR/snap.json.",
            key="directory",
        ) from None
    except PermissionError:
        raise SnapshotFormatError(
            "permission denied",
            "",
            "Make the file readable for this user, or run kostack as one who can read it.",
            key="permission",
        ) from None
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise SnapshotFormatError(
            reason, "", "Check the path and the file.", key="unreadable", params={"reason": reason}
        ) from None
    return loads_snapshot(raw)


def dump_snapshot(snapshot: Snapshot) -> str:
    """Serialise a snapshot as stable, indented JSON."""
    return snapshot.model_dump_json(indent=2, exclude_defaults=False) + "\n"


# --------------------------------------------------------------------------- unique keys
#
# Records that name something must name it once: two ports with one id, two
# rules with one id, a pod listed twice... would make every count and every
# planned change ambiguous (which of the two does a rule id mean?), so the
# loader rejects them with the JSON paths of both. Lists whose meaning is a set
# (CIDRs, id references, keys) are deduplicated silently by the schema instead.

# (path, scope, what, key fields): `*` walks every element; scope "global" is one
# key space over every parent (rule ids are unique in the whole cloud), "parent"
# one per parent list (a release's revisions).
UNIQUE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("openstack.networks", "global", "network id", ("id",)),
    ("openstack.subnets", "global", "subnet id", ("id",)),
    ("openstack.routers", "global", "router id", ("id",)),
    ("openstack.ports", "global", "port id", ("id",)),
    ("openstack.security_groups", "global", "security group id", ("id",)),
    ("openstack.security_groups.*.rules", "global", "security group rule id", ("id",)),
    ("cluster.nodes", "global", "node name", ("name",)),
    ("cluster.pods", "global", "pod", ("namespace", "name")),
    ("cluster.services", "global", "service", ("namespace", "name")),
    ("cluster.services.*.ports", "parent", "service port", ("port", "protocol")),
    ("cluster.cni.calico.ip_pools", "global", "Calico IP pool", ("name",)),
    ("cluster.cni.calico.blocks", "global", "Calico block", ("cidr",)),
    ("cluster.cni.cilium.nodes", "global", "CiliumNode", ("name",)),
    ("node_ports", "global", "node_ports entry for node", ("node",)),
    ("probes", "global", "probe id", ("id",)),
    ("helm.releases", "global", "Helm release", ("namespace", "name")),
    ("helm.releases.*.history", "parent", "release revision", ("revision",)),
    (
        "helm.releases.*.objects",
        "parent",
        "manifest object",
        ("api_version", "kind", "namespace", "name"),
    ),
    (
        "helm.releases.*.manifest_pvcs",
        "parent",
        "manifest PersistentVolumeClaim",
        ("namespace", "name"),
    ),
    (
        "helm.releases.*.manifest_statefulsets",
        "parent",
        "manifest StatefulSet",
        ("namespace", "name"),
    ),
    (
        "helm.releases.*.manifest_statefulsets.*.claim_templates",
        "parent",
        "volumeClaimTemplate",
        ("name",),
    ),
    ("helm.pvcs", "global", "PersistentVolumeClaim", ("namespace", "name")),
    ("helm.pvs", "global", "PersistentVolume", ("name",)),
    ("helm.statefulsets", "global", "StatefulSet", ("namespace", "name")),
    ("helm.pods", "global", "pod", ("namespace", "name")),
    ("helm.pods.*.containers", "parent", "container", ("name",)),
)


# Split once: attribute names made afresh on every load are each kept by CPython's type
# attribute cache (keyed by the string's address) until evicted; in `kostack watch`,
# which loads every cycle, those strings pinned scattered heap pages (docs/watch.md).
_PARTS: Final = {pattern: tuple(pattern.split(".")) for pattern, *_ in UNIQUE}


def _walk(node: Any, parts: tuple[str, ...], path: str) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(JSON path, list) for every list the dotted pattern ``parts`` reaches."""
    if node is None:
        return
    if not parts:
        if isinstance(node, tuple):
            yield path, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        for i, item in enumerate(node if isinstance(node, tuple) else ()):
            yield from _walk(item, rest, f"{path}[{i}]")
        return
    yield from _walk(getattr(node, head, None), rest, f"{path}.{head}")


def check_unique(s: Snapshot) -> None:
    """Reject a record whose key (id, name, namespace/name) an earlier record already has."""
    for pattern, scope, what, fields in UNIQUE:
        first: dict[tuple[object, ...], str] = {}
        for path, items in _walk(s, _PARTS[pattern], "$"):
            if scope == "parent":
                first = {}
            for i, item in enumerate(items):
                value = tuple(getattr(item, f) for f in fields)
                here = f"{path}[{i}]"
                seen = first.setdefault(value, here)
                if seen != here:
                    shown = "/".join("" if v is None else str(v) for v in value)
                    raise SnapshotFormatError(
                        f"duplicate {what} {shown!r} (first at {seen})",
                        f"{here}.{fields[-1]}",
                        "Each id or name may appear once; remove the repeated record "
                        "(a snapshot written by `kostack collect` never repeats one).",
                    )


def check_consistency(s: Snapshot) -> None:
    """Cross-record checks the schema cannot express: unique ids and references."""
    check_unique(s)
    os_ = s.openstack
    network_ids: set[str] = set()
    port_ids: set[str] = set()
    if os_ is not None:
        if os_.networks is not None:
            network_ids = {n.id for n in os_.networks}
            for i, sn in enumerate(os_.subnets or ()):
                if sn.network_id not in network_ids:
                    raise SnapshotFormatError(
                        f"subnet refers to unknown network {sn.network_id!r}",
                        f"$.openstack.subnets[{i}].network_id",
                    )
            for i, port in enumerate(os_.ports or ()):
                if port.network_id not in network_ids:
                    raise SnapshotFormatError(
                        f"port refers to unknown network {port.network_id!r}",
                        f"$.openstack.ports[{i}].network_id",
                    )
        if os_.subnets is not None:
            subnet_by_id = {sn.id: sn for sn in os_.subnets}
            for i, port in enumerate(os_.ports or ()):
                for j, fip in enumerate(port.fixed_ips):
                    if fip.subnet_id is None:
                        continue
                    owner = subnet_by_id.get(fip.subnet_id)
                    if owner is None:
                        raise SnapshotFormatError(
                            f"fixed IP refers to unknown subnet {fip.subnet_id!r}",
                            f"$.openstack.ports[{i}].fixed_ips[{j}].subnet_id",
                        )
                    if fip.ip_address not in owner.cidr:
                        raise SnapshotFormatError(
                            f"fixed IP {fip.ip_address} is outside its subnet {owner.cidr}",
                            f"$.openstack.ports[{i}].fixed_ips[{j}].ip_address",
                        )
        port_ids = {p.id for p in os_.ports or ()}
    cl = s.cluster
    node_names: set[str] = set()
    if cl is not None and cl.nodes is not None:
        node_names = {n.name for n in cl.nodes}
        for i, pod in enumerate(cl.pods or ()):
            if pod.node is not None and pod.node not in node_names:
                raise SnapshotFormatError(
                    f"pod {pod.namespace}/{pod.name} runs on unknown node {pod.node!r}",
                    f"$.cluster.pods[{i}].node",
                )
    for i, link in enumerate(s.node_ports or ()):
        if cl is not None and cl.nodes is not None and link.node not in node_names:
            raise SnapshotFormatError(
                f"node_ports names unknown node {link.node!r}", f"$.node_ports[{i}].node"
            )
        if (
            link.port_id is not None
            and os_ is not None
            and os_.ports is not None
            and link.port_id not in port_ids
        ):
            raise SnapshotFormatError(
                f"node_ports names unknown port {link.port_id!r}", f"$.node_ports[{i}].port_id"
            )
