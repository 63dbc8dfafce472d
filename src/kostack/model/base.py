"""The record base class, address types and their parsers, shared by every snapshot module."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(value: Any) -> IPAddress:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an IP address as a string")
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        raise ValueError(f"not an IP address: {value!r}") from None


def parse_net(value: Any) -> IPNetwork:
    """Parse a CIDR or a bare address (a /32 or /128); host bits must be zero."""
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a CIDR as a string")
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"not a CIDR: {value!r} ({exc})") from None


IP = Annotated[IPAddress, BeforeValidator(parse_ip), PlainSerializer(str, return_type=str)]
CIDR = Annotated[IPNetwork, BeforeValidator(parse_net), PlainSerializer(str, return_type=str)]
Name = Annotated[str, Field(max_length=1024)]


class Record(BaseModel):
    """Base for every snapshot record: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=65536)
