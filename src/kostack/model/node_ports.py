"""Which of a node's addresses answer NodePorts: kube-proxy's and Antrea's nodePortAddresses
(docs/facts.md "kube-proxy nodePortAddresses", "AntreaProxy and proxyAll").

kube-proxy (kubernetes pkg/proxy/util/nodeport_addresses.go ``NewNodePortAddresses``): per IP
family, the listed CIDRs of that family; a family with no CIDR listed, or a zero CIDR, takes
every address of it; an empty list takes every address. "primary", alone in the list
(cmd/kube-proxy/app/server.go ``newProxyServer``), becomes the node's primary IP of each family
as a /32 or /128 (its first InternalIP per family, from the Node object).
Antrea (pkg/config/agent/config.go ``AntreaProxyConfig.NodePortAddresses``): the listed CIDRs;
an empty list takes every host address.

Part of the snapshot's model: imports nothing of kostack's but model.types.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Annotated, Final

from pydantic import BeforeValidator

from kostack.model.types import IPAddress, IPNetwork

PRIMARY: Final = "primary"


def node_port_address(value: object) -> str:
    """'primary' or a CIDR, written as Python prints it (host bits dropped, as Go's
    ParseCIDRSloppy does)."""
    if not isinstance(value, str):
        raise ValueError("expected 'primary' or a CIDR as a string")
    text = value.strip()
    if text == PRIMARY:
        return text
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise ValueError(f"not 'primary' nor a CIDR: {value!r}") from None


NodePortAddress = Annotated[str, BeforeValidator(node_port_address)]


def primary_alone(value: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """kube-proxy refuses 'primary' beside anything else (validation.go)."""
    if value is not None and PRIMARY in value and len(value) != 1:
        raise ValueError("'primary' must be the only nodePortAddresses entry")
    return value


def kube_proxy_answers(
    written: Sequence[str], address: IPAddress, primary: Sequence[IPAddress]
) -> bool:
    """Whether kube-proxy answers NodePorts on the node address ``address`` (``primary``: the
    node's InternalIPs, the first of each family being its primary one)."""
    cidrs: list[IPNetwork]
    if list(written) == [PRIMARY]:
        firsts = {ip.version: ip for ip in reversed(primary)}  # the first of each family wins
        cidrs = [ipaddress.ip_network(ip) for ip in firsts.values()]
    else:
        cidrs = [ipaddress.ip_network(text) for text in written if text != PRIMARY]
    family = [c for c in cidrs if c.version == address.version]
    if not family or any(c.prefixlen == 0 for c in family):
        return True  # no CIDR of the family, or a zero one: every address of it
    return any(address in c for c in family)


def antrea_answers(cidrs: Sequence[IPNetwork], address: IPAddress) -> bool | None:
    """Whether AntreaProxy answers NodePorts on ``address``; None when only CIDRs of the other
    family are listed (how Antrea then treats this family is not modelled)."""
    if not cidrs:
        return True
    family = [c for c in cidrs if c.version == address.version]
    if not family:
        return None
    return any(address in c for c in family)
