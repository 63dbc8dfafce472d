"""The value types every snapshot record is made of: addresses, CIDRs, MACs, names, and
the record base class (immutable, unknown fields rejected)."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from kostack.model._sets import once

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse_ip(value: Any) -> IPAddress:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an IP address as a string")
    try:
        return ipaddress.ip_address(value.strip())
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
Name = Annotated[str, Field(max_length=1024)]


class Record(BaseModel):
    """Base for every snapshot record: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=65536)


# Lists whose meaning is a set: a repeat is dropped when the snapshot is read
# (kostack.model._sets; docs/limits.md lists them).
Once = AfterValidator(once)
CIDRSet = Annotated[tuple[CIDR, ...], Once]
StrSet = Annotated[tuple[str, ...], Once]
