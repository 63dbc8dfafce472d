"""Label and field selectors with the Kubernetes API server's grammar and semantics."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    """A selector the API server would reject with 400 Bad Request."""


_KEY = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_NOT_EXISTS = re.compile(rf"\s*!\s*({_KEY})\s*")
_SET = re.compile(rf"\s*({_KEY})\s+(in|notin)\s*\(([^)]*)\)\s*")
_COMPARE = re.compile(rf"\s*({_KEY})\s*(==|=|!=|>|<)\s*({_VALUE})\s*")
_EXISTS = re.compile(rf"\s*({_KEY})\s*")
_VALUE_ONLY = re.compile(_VALUE)


@dataclass(frozen=True)
class LabelRequirement:
    """One term of a label selector, e.g. `tier in (web,api)`."""

    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!", ">", "<"
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has_key = self.key in labels
        value = labels.get(self.key)
        if self.operator in ("=", "in"):
            return has_key and value in self.values
        if self.operator in ("!=", "notin"):
            # As in Kubernetes: objects without the label match `!=` and `notin`.
            return not has_key or value not in self.values
        if self.operator == "exists":
            return has_key
        if self.operator == "!":
            return not has_key
        if not has_key or value is None:
            return False
        try:
            actual = int(value)
        except ValueError:
            return False
        bound = int(next(iter(self.values)))
        return actual > bound if self.operator == ">" else actual < bound


def _split_top_level(text: str) -> list[str]:
    """Split at commas that are not inside parentheses."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def parse_label_selector(text: str) -> list[LabelRequirement]:
    """Parse `a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3` into requirements."""
    if not text.strip():
        return []
    requirements: list[LabelRequirement] = []
    for term in _split_top_level(text):
        if (match := _NOT_EXISTS.fullmatch(term)) is not None:
            requirements.append(LabelRequirement(match.group(1), "!"))
        elif (match := _SET.fullmatch(term)) is not None:
            values = [v.strip() for v in match.group(3).split(",")]
            if any(_VALUE_ONLY.fullmatch(v) is None for v in values):
                raise SelectorError(f"unable to parse requirement: invalid label value in {term!r}")
            requirements.append(LabelRequirement(match.group(1), match.group(2), frozenset(values)))
        elif (match := _COMPARE.fullmatch(term)) is not None:
            operator = "=" if match.group(2) == "==" else match.group(2)
            if operator in (">", "<") and not match.group(3).lstrip("-").isdigit():
                raise SelectorError(f"unable to parse requirement: {term!r} needs an integer value")
            requirements.append(
                LabelRequirement(match.group(1), operator, frozenset({match.group(3)}))
            )
        elif (match := _EXISTS.fullmatch(term)) is not None:
            requirements.append(LabelRequirement(match.group(1), "exists"))
        else:
            raise SelectorError(f"unable to parse requirement: found {term.strip()!r}")
    return requirements


def labels_match(requirements: list[LabelRequirement], labels: Mapping[str, str]) -> bool:
    return all(requirement.matches(labels) for requirement in requirements)


@dataclass(frozen=True)
class FieldRequirement:
    """One term of a field selector: `field=value` or `field!=value`."""

    field: str
    negated: bool
    value: str


def _unescape_split(text: str, separator: str) -> list[str]:
    """Split at unescaped separators; `\\,`, `\\=` and `\\\\` are escapes as in Kubernetes."""
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
            current.append(char)
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_field_selector(text: str) -> list[FieldRequirement]:
    """Parse `metadata.name=x,spec.nodeName!=y` (also `==`)."""
    if not text.strip():
        return []
    requirements: list[FieldRequirement] = []
    for term in _unescape_split(text, ","):
        match = re.fullmatch(r"([^=!]+?)(==|!=|=)(.*)", term.strip())
        if match is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        requirements.append(
            FieldRequirement(
                match.group(1).strip(), match.group(2) == "!=", _unescape(match.group(3))
            )
        )
    return requirements


# Fields each built-in resource can be selected on (apiserver's GetAttrs /
# field label conversion); every resource also supports metadata.name and
# metadata.namespace.
SELECTABLE_FIELDS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("", "pods"): (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ),
    ("", "nodes"): ("spec.unschedulable",),
    ("", "namespaces"): ("status.phase",),
    ("", "secrets"): ("type",),
    ("", "services"): ("spec.clusterIP", "spec.type"),
    ("", "events"): (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    ("apps", "replicasets"): ("status.replicas",),
    ("batch", "jobs"): ("status.successful",),
}

# Values a field has when absent (Go zero values as the server sees them).
_FIELD_DEFAULTS: Mapping[str, str] = {
    "spec.hostNetwork": "false",
    "spec.unschedulable": "false",
    "status.replicas": "0",
    "status.successful": "0",
}


def _field_value(obj: Mapping[str, Any], field: str) -> str:
    if field == "source":  # events: source.component
        return str((obj.get("source") or {}).get("component", ""))
    current: Any = obj
    for part in field.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return _FIELD_DEFAULTS.get(field, "")
        current = current[part]
    if isinstance(current, bool):
        return "true" if current else "false"
    if current is None:
        return _FIELD_DEFAULTS.get(field, "")
    return str(current)


def check_fields_supported(
    requirements: list[FieldRequirement], storage_key: tuple[str, str]
) -> None:
    """Raise SelectorError for a field the real server would not select on."""
    allowed = {"metadata.name", "metadata.namespace", *SELECTABLE_FIELDS.get(storage_key, ())}
    for requirement in requirements:
        if requirement.field not in allowed:
            raise SelectorError(f"field label not supported: {requirement.field}")


def fields_match(requirements: list[FieldRequirement], obj: Mapping[str, Any]) -> bool:
    for requirement in requirements:
        equal = _field_value(obj, requirement.field) == requirement.value
        if equal == requirement.negated:
            return False
    return True
