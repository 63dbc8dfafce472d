"""The value types every snapshot record is made of: addresses, CIDRs, MACs, names, and
the record base class (immutable, unknown fields rejected)."""

from __future__ import annotations

import functools
import ipaddress
import re
import types
from collections.abc import Callable
from typing import Annotated, Any, Final, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kostack.model._sets import once

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# an IPv4 address as ipaddress takes it: four decimal octets, ASCII digits, no leading zero
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD: Final = re.compile(r"\.".join([_OCTET] * 4))


def _parse_ip(value: Any) -> IPAddress:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an IP address as a string")
    text = value.strip()
    quad = _DOTTED_QUAD.fullmatch(text)
    if quad is not None:  # a third of ipaddress's parser's time, as strict (test_model.py)
        a, b, c, d = map(int, quad.groups())
        return ipaddress.IPv4Address(a << 24 | b << 16 | c << 8 | d)
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"not an IP address: {value!r}") from None


def _parse_net(value: Any) -> IPNetwork:
    """Parse a CIDR or a bare address (a /32 or /128); host bits must be zero."""
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a CIDR as a string")
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"not a CIDR: {value!r} ({exc})") from None


def _parse_mac(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a MAC address as a string")
    mac = value.strip().lower().replace("-", ":")
    parts = mac.split(":")
    if len(parts) != 6 or not all(
        len(p) == 2 and all(c in "0123456789abcdef" for c in p) for p in parts
    ):
        raise ValueError(f"not a MAC address: {value!r}")
    return mac


IP = Annotated[IPAddress, BeforeValidator(_parse_ip), PlainSerializer(str, return_type=str)]
CIDR = Annotated[IPNetwork, BeforeValidator(_parse_net), PlainSerializer(str, return_type=str)]
MAC = Annotated[str, BeforeValidator(_parse_mac)]
# What a cloud shows on one line stays on one line: an OpenStack name or description may
# hold any character, and a line break in one would start a line of kostack's output that
# the cloud wrote, such as a fake command to paste. So line breaks and tabs in them are kept
# as escapes, written as kostack.shell's `visible` writes them (the model imports nothing of
# ours); the other hidden characters are made visible where the text is printed
# (kostack.report.safe). Only for what is shown, never for what a command names: an id, a
# Kubernetes name (the API allows no line break in one) or a setting stays exact, and
# kostack.shell quotes it.
_ONE_LINE: Final = str.maketrans(
    {
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        **{c: f"\\x{ord(c):02x}" for c in "\v\f\x1c\x1d\x1e\x85"},
        **{c: f"\\u{ord(c):04x}" for c in "\u2028\u2029"},
    }
)


def _one_line(value: str) -> str:
    return value if value.isprintable() else value.translate(_ONE_LINE)


Name = Annotated[str, Field(max_length=1024)]
# An OpenStack or Octavia name, only ever shown: kept on one line.
Label = Annotated[str, Field(max_length=1024), AfterValidator(_one_line)]
# Free text from a cloud or cluster (a description, an event's message), on one line too.
Text = Annotated[str, AfterValidator(_one_line)]


# Validation context under which a number, a count or a flag must be given as one: what the
# snapshot loader passes (kostack.model.load). Pydantic alone would take "1450" for an MTU,
# 1.0 for a port and "yes" for a flag; a snapshot that says so was not written by kostack
# and may mean something else, so the loader names it instead of guessing.
STRICT_SCALARS: Final = "kostack.strict_scalars"
STRICT_TYPE_ERROR: Final = "kostack_strict_type"

_JSON_KINDS: Final[dict[type, tuple[str, Callable[[object], bool]]]] = {
    int: ("a whole number", lambda v: type(v) is int),
    float: ("a number", lambda v: type(v) in (int, float)),
    bool: ("true or false", lambda v: type(v) is bool),
}


def json_kind(value: object) -> str:
    """What a decoded JSON value is, as an error message names it (with a short value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _scalar(annotation: object) -> type | None:
    """int, float or bool when a field holds exactly that (optionally None), else None."""
    if get_origin(annotation) is Annotated:
        return _scalar(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        return _scalar(kinds[0]) if len(kinds) == 1 else None
    return annotation if isinstance(annotation, type) and annotation in _JSON_KINDS else None


@functools.cache
def _scalar_fields(cls: type[BaseModel]) -> tuple[tuple[str, type], ...]:
    return tuple(
        (name, kind)
        for name, field in cls.model_fields.items()
        if (kind := _scalar(field.annotation)) is not None
    )


class Record(BaseModel):
    """Base for every snapshot record: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=65536)

    @model_validator(mode="before")
    @classmethod
    def _strict_scalars(cls, data: Any, info: ValidationInfo) -> Any:
        """Under STRICT_SCALARS: a number, count or flag must be a JSON number or boolean."""
        if not isinstance(data, dict) or not (info.context and info.context.get(STRICT_SCALARS)):
            return data
        for name, kind in _scalar_fields(cls):
            value = data.get(name)
            if value is None:
                continue
            expected, fits = _JSON_KINDS[kind]
            if not fits(value):
                raise PydanticCustomError(
                    STRICT_TYPE_ERROR,
                    "expected {expected}, got {got}",
                    {"field": name, "expected": expected, "got": json_kind(value)},
                )
        return data


# Lists whose meaning is a set: a repeat is dropped when the snapshot is read
# (kostack.model._sets; docs/limits.md lists them).
Once = AfterValidator(once)
CIDRSet = Annotated[tuple[CIDR, ...], Once]
StrSet = Annotated[tuple[str, ...], Once]


class Gap(Record):
    """Something kostack tried to collect and could not: the exact error and a hint.

    ``error`` and ``hint`` are English. ``key``/``params`` (``hint_key``/``hint_params``)
    name the catalogue message the error (hint) was said with, so a reader can say it in
    another language; a parameter that is itself a message is ``{"key", "params"}``.
    Without a key (a snapshot from before keys) the English text is all there is.
    """

    source: Name
    error: str
    hint: str = ""
    key: Name | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    hint_key: Name | None = None
    hint_params: dict[str, Any] = Field(default_factory=dict)

    def __hash__(self) -> int:  # the parameters are dicts; equal gaps have equal texts and keys
        return hash((self.source, self.error, self.hint, self.key, self.hint_key))
