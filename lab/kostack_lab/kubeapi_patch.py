"""The three patch types the Kubernetes API server accepts, applied to plain dicts.

- JSON merge patch (RFC 7386): `application/merge-patch+json`;
- strategic merge patch: `application/strategic-merge-patch+json`, built-in
  types only; lists with a merge key (containers by name, ports by
  containerPort/port, conditions by type, ...) are merged item by item, and
  the `$patch`, `$deleteFromPrimitiveList/` and `$retainKeys` directives work;
- JSON patch (RFC 6902): `application/json-patch+json`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final


class PatchError(ValueError):
    """A patch the API server would reject (400 Bad Request / 422 Invalid)."""


class PatchTestFailed(PatchError):
    """A JSON patch `test` operation did not hold (the server answers 422)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result: dict[str, Any] = dict(copy.deepcopy(target)) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


_PRIMITIVE_MERGE: Final = "<primitive>"

# patchStrategy=merge fields of the built-in types and their patchMergeKey.
# Keyed by field name: the same name has the same merge key throughout the
# core types, except `ports`, resolved from the items themselves.
_MERGE_KEYS: Mapping[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "conditions": "type",
    "addresses": "type",
    "ownerReferences": "uid",
    "taints": "key",
    "secrets": "name",
    "resourceClaims": "name",
    "topologySpreadConstraints": "topologyKey",
    "finalizers": _PRIMITIVE_MERGE,
}


def _merge_key(field: str, items: Sequence[Any]) -> str | None:
    if field == "ports":
        if all(isinstance(i, Mapping) and "containerPort" in i for i in items if _is_item(i)):
            return "containerPort"
        return "port"
    return _MERGE_KEYS.get(field)


def _is_item(value: Any) -> bool:
    """False for directive-only list entries such as {"$patch": "replace"}."""
    return not (isinstance(value, Mapping) and set(value) <= {"$patch"})


def _strip_directives(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value if _is_item(v)]
    return copy.deepcopy(value)


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """Apply a strategic merge patch as the API server does for built-in types."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return _strip_directives(patch)
    if directive == "delete":
        return None
    if directive is not None:
        raise PatchError(f"Unknown patch type: {directive}")
    result: dict[str, Any] = dict(copy.deepcopy(target)) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if key == "$retainKeys" or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if not isinstance(value, list):
                raise PatchError(f"{key} must be a list")
            if isinstance(result.get(field), list):
                result[field] = [item for item in result[field] if item not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = strategic_merge_patch(result.get(key), value)
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(field: str, original: Any, patch: list[Any]) -> list[Any]:
    if any(isinstance(i, Mapping) and i.get("$patch") == "replace" and len(i) == 1 for i in patch):
        return list(_strip_directives(patch))
    current: list[Any] = list(copy.deepcopy(original)) if isinstance(original, list) else []
    key = _merge_key(field, patch)
    if key == _PRIMITIVE_MERGE:
        for item in patch:
            if item not in current:
                current.append(copy.deepcopy(item))
        return current
    items = [i for i in patch if _is_item(i)]
    if key is None or not all(isinstance(i, Mapping) and key in i for i in items):
        # No merge strategy for this list (or items without the key): replace.
        return list(_strip_directives(patch))
    for item in items:
        matches = [
            n
            for n, existing in enumerate(current)
            if isinstance(existing, Mapping) and existing.get(key) == item[key]
        ]
        if item.get("$patch") == "delete":
            current = [e for n, e in enumerate(current) if n not in matches]
        elif matches:
            current[matches[0]] = strategic_merge_patch(current[matches[0]], item)
        else:
            current.append(_strip_directives(item))
    return current


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list[Any], token: str, *, for_add: bool) -> int:
    if for_add and token == "-":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise PatchError(f"invalid array index {token!r}")
    index = int(token)
    limit = len(container) if for_add else len(container) - 1
    if index > limit:
        raise PatchError(f"array index {index} out of range")
    return index


def _parent(document: Any, tokens: list[str]) -> Any:
    current = document
    for token in tokens[:-1]:
        if isinstance(current, dict):
            if token not in current:
                raise PatchError(f"path element {token!r} not found")
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, for_add=False)]
        else:
            raise PatchError(f"cannot descend into {token!r}")
    return current


def _existing(document: Any, tokens: list[str], verb: str) -> tuple[Any, Any]:
    """The container of the element `tokens` points at and its key or index (it must exist)."""
    parent = _parent(document, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"path element {last!r} not found")
        return parent, last
    if isinstance(parent, list):
        return parent, _index(parent, last, for_add=False)
    raise PatchError(f"cannot {verb} {last!r}")


def _get(document: Any, tokens: list[str]) -> Any:
    if not tokens:
        return document
    parent, key = _existing(document, tokens, "read")
    return parent[key]


def _add(document: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent = _parent(document, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, for_add=True), value)
    else:
        raise PatchError(f"cannot add at {last!r}")
    return document


def _remove(document: Any, tokens: list[str]) -> Any:
    if not tokens:
        raise PatchError("cannot remove the whole document")
    parent, key = _existing(document, tokens, "remove")
    del parent[key]
    return document


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 add/remove/replace/move/copy/test, all or nothing."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be a list of operations")
    document = copy.deepcopy(target)
    for operation in operations:
        if not isinstance(operation, Mapping) or "op" not in operation or "path" not in operation:
            raise PatchError(f"invalid JSON patch operation {operation!r}")
        op = operation["op"]
        tokens = _pointer(str(operation["path"]))
        if op == "add":
            document = _add(document, tokens, copy.deepcopy(operation.get("value")))
        elif op == "remove":
            document = _remove(document, tokens)
        elif op == "replace":
            _get(document, tokens)
            if not tokens:
                document = copy.deepcopy(operation.get("value"))
                continue
            document = _add(
                _remove(document, tokens), tokens, copy.deepcopy(operation.get("value"))
            )
        elif op in ("move", "copy"):
            source = _pointer(str(operation.get("from", "")))
            value = copy.deepcopy(_get(document, source))
            if op == "move":
                document = _remove(document, source)
            document = _add(document, tokens, value)
        elif op == "test":
            if _get(document, tokens) != operation.get("value"):
                raise PatchTestFailed(f"testing value {operation['path']} failed")
        else:
            raise PatchError(f"unknown JSON patch operation {op!r}")
    return document
