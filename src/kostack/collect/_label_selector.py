"""What Kubernetes' LabelSelectorAsSelector refuses in a LabelSelector (docs/facts.md
"Cilium selectors that do not parse"): Cilium converts each selector it reads with its copy
(cilium/cilium pkg/k8s/slim/k8s/apis/meta/v1/helpers.go ``LabelSelectorAsSelector``, through
pkg/k8s/slim/k8s/apis/labels/selector.go ``NewRequirement``), and an object whose selector it
refuses is not applied as written. Refused: a body that is not an object, ``matchLabels`` not
an object of strings, ``matchExpressions`` not a list of objects, an operator none of In,
NotIn, Exists, DoesNotExist, In or NotIn with no value, Exists or DoesNotExist with a value, a
key that is not a qualified name, a value that is not a label value. The CRDs' schemas refuse
most of these at admission; a snapshot may still carry them."""

from __future__ import annotations

import re
from typing import Final

from kostack.collect._kube_vip import parse_selector
from kostack.model.snapshot import LabelSelector

# k8s.io/apimachinery/pkg/util/validation: qualifiedNameFmt (63 at most), DNS-1123 subdomain
# prefix (253 at most), label value (63 at most, may be empty)
_NAME: Final = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_SUBDOMAIN: Final = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SETS: Final = ("In", "NotIn")
_PRESENCE: Final = ("Exists", "DoesNotExist")


def _key_error(key: object) -> str | None:
    if not isinstance(key, str):
        return f"key {key!r} is not a string"
    prefix, _, name = key.rpartition("/")
    if "/" in key and (not prefix or len(prefix) > 253 or not _SUBDOMAIN.fullmatch(prefix)):
        return f"key {key!r}: prefix is not a DNS subdomain"
    if len(name) > 63 or not _NAME.fullmatch(name):
        return f"key {key!r} is not a qualified name"
    return None


def _value_error(value: object) -> str | None:
    if not isinstance(value, str):
        return f"value {value!r} is not a string"
    if value and (len(value) > 63 or not _NAME.fullmatch(value)):
        return f"value {value!r} is not a label value"
    return None


def _expression_error(raw: object) -> str | None:
    if not isinstance(raw, dict):
        return "a matchExpressions entry is not an object"
    operator = raw.get("operator")
    values = raw.get("values")
    if values is not None and not isinstance(values, list):
        return "values is not a list"
    values = values or []
    if operator in _SETS and not values:
        return f"operator {operator} with no value"
    if operator in _PRESENCE and values:
        return f"operator {operator} with values"
    if operator not in _SETS + _PRESENCE:
        return f"operator {operator!r} is not a LabelSelector operator"
    return _key_error(raw.get("key")) or next(filter(None, map(_value_error, values)), None)


def selector_error(raw: object) -> str | None:
    """Why LabelSelectorAsSelector refuses ``raw`` (a selector, not nil), or None."""
    if not isinstance(raw, dict):
        return "the selector is not an object"
    labels = raw.get("matchLabels")
    if labels is not None and not isinstance(labels, dict):
        return "matchLabels is not an object"
    for key, value in (labels or {}).items():
        found = _key_error(key) or _value_error(value)
        if found:
            return found
    expressions = raw.get("matchExpressions")
    if expressions is not None and not isinstance(expressions, list):
        return "matchExpressions is not a list"
    return next(filter(None, map(_expression_error, expressions or [])), None)


def strict_selector(raw: object) -> LabelSelector | None:
    """``raw`` (not nil) parsed, or None when LabelSelectorAsSelector refuses it."""
    return None if selector_error(raw) is not None else parse_selector(raw)
