"""Calico's BGPPeers and route reflectors to snapshot records: pure parsers, no I/O.

A BGPPeer (crd.projectcalico.org/v1 or projectcalico.org/v3, cluster-scoped) applies to the
node ``spec.node``, else to the nodes ``spec.nodeSelector`` selects, else to every node, and
peers them with the Calico nodes ``spec.peerSelector`` selects, or with ``spec.peerIP``
(calico confd/pkg/backends/calico/client.go, docs/facts.md "BGPPeers"). A peer's password
is a Secret reference: kostack notes that one is set and never reads the Secret.

With the Kubernetes datastore a Calico Node is its Kubernetes Node (libcalico-go
lib/backend/k8s/resources/node.go `K8sNodeToCalico`, docs/facts.md "A Calico node in KDD"):
its own labels (``calicoctl label nodes``) are the JSON annotation ``projectcalico.org/labels``
(resources.go ``labelsAnnotation``), merged under the Node's labels (the Node's win); its
``spec.bgp.routeReflectorClusterID`` is the annotation
``projectcalico.org/RouteReflectorClusterID`` (ignored unless an IPv4 address:
``ValidateIPv4Network``) and makes the node a route reflector; its ``spec.bgp.asNumber`` is
``projectcalico.org/ASNumber`` ("64512" or "1.10", ``numorstring.ASNumberFromString``); its
``spec.bgp.ipv4Address`` / ``ipv6Address``, the address calico-node detected (BGP's and the
tunnels'), are ``projectcalico.org/IPv4Address`` / ``IPv6Address`` ("10.0.0.11/24", an
address or CIDR of the family: ``ValidateCIDRv4`` / ``ValidateCIDRv6``; docs/facts.md
"Calico's node address").
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any, Final

from kostack.catalog import register
from kostack.collect._kube_objects import (
    Notes,
    annotations_of,
    as_dict,
    as_str,
    labels_of,
    name_of,
)
from kostack.model.snapshot import CalicoBGPPeer

RR_ANNOTATION: Final = "projectcalico.org/RouteReflectorClusterID"
LABELS_ANNOTATION: Final = "projectcalico.org/labels"
ASN_ANNOTATION: Final = "projectcalico.org/ASNumber"
ADDRESS_ANNOTATIONS: Final = (
    (4, "projectcalico.org/IPv4Address"),
    (6, "projectcalico.org/IPv6Address"),
)
MAX_ASN: Final = 4294967295
DIGITS: Final = re.compile(r"[0-9]+")

register(
    {
        "skip.calico-annotation": {
            "en": "node {name}: Calico ignores its annotation {note} (not a value it takes)",
            "ko": "노드 {name}: Calico가 받아들이는 값이 아니어서 어노테이션 {note:을/를} 무시합니다",
        },
    }
)
MAX_SELECTOR: Final = 1024  # characters of a selector a snapshot holds (model cni.py)


def kept_selector(value: object) -> str | None:
    """A Calico selector as written; None when unset or empty; "?" (never evaluated) when
    kostack cannot keep it (not a string, over the 1,024 characters a snapshot holds)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > MAX_SELECTOR:
        return "?"
    return value


def parse_bgp_peer(obj: Mapping[str, Any], notes: Notes) -> CalicoBGPPeer | None:
    spec = as_dict(obj.get("spec"))
    name = name_of(obj)
    peer_selector = kept_selector(spec.get("peerSelector"))
    peer_ip = as_str(spec.get("peerIP"))
    if not name or (peer_selector is None and peer_ip is None):
        # confd skips a peer without peerSelector and peerIP ("PeerIP is not assigned")
        notes.skip("cluster.cni.calico.bgp_peers", f"BGPPeer {name}: no peerSelector or peerIP")
        return None
    asn = spec.get("asNumber")
    local = spec.get("localASNumber")  # numorstring.ASNumber: a number, or "asdot" text
    local_asn = as_number(local) if isinstance(local, str) else local
    password = as_dict(as_dict(spec.get("password")).get("secretKeyRef"))
    return CalicoBGPPeer(
        name=name,
        node=as_str(spec.get("node")),
        node_selector=kept_selector(spec.get("nodeSelector")),
        peer_selector=peer_selector,
        peer_ip=None if peer_selector is not None else peer_ip,
        as_number=asn if isinstance(asn, int) and 0 <= asn <= 4294967295 else None,
        local_as_number=(
            local_asn if isinstance(local_asn, int) and 0 <= local_asn <= MAX_ASN else None
        ),
        password=bool(password),
    )


def cluster_id(text: str) -> str | None:
    """A RouteReflectorClusterID as Calico takes it: an IPv4 address (or a masked IPv4
    network, which its validator passes too); None for anything else, which Calico ignores."""
    try:
        IPv4Network(text, strict=True)
    except ValueError:
        return None
    return text


def as_number(text: str) -> int | None:
    """An AS number as Calico parses it (Go's ``strconv.ParseUint``: ASCII digits only):
    "64512" (32 bits), or "asdot" "1.10" (16 bits each: 1 * 65536 + 10); None otherwise."""
    if DIGITS.fullmatch(text):
        value = int(text)
        return value if value <= MAX_ASN else None
    high, dot, low = text.partition(".")
    if not (dot and DIGITS.fullmatch(high) and DIGITS.fullmatch(low)):
        return None
    return (int(high) << 16) + int(low) if int(high) < 65536 and int(low) < 65536 else None


def own_labels(text: str) -> dict[str, str] | None:
    """The labels of the annotation: a JSON object of strings; None where Go's
    ``json.Unmarshal`` into a map[string]string would fail (Calico then keeps none)."""
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        return None
    return found


def node_address(text: str, version: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address of a Calico node address annotation as Calico takes it: an address or a
    CIDR of family ``version``, host bits allowed (libcalico-go ``ValidateCIDRv4`` /
    ``ValidateCIDRv6``: ``cnet.ParseCIDROrIP``, Go's ``net.ParseCIDR`` else ``net.ParseIP``,
    which take no zone, no netmask form; an IPv4-mapped IPv6 address is IPv4 there); None
    for anything else, which Calico ignores."""
    address, slash, length = text.partition("/")
    if "%" in address or (slash and not DIGITS.fullmatch(length)):
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if slash and int(length) > (32 if ":" not in address else 128):
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip if ip.version == version else None


@dataclass
class CalicoNodes:
    """Calico's own settings of each node, from the Node annotations (read while the Nodes
    are listed: no request of its own)."""

    route_reflectors: dict[str, str] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    as_numbers: dict[str, int] = field(default_factory=dict)
    # the addresses calico-node detected and published (IPv4 first), by node
    addresses: dict[str, tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]] = field(
        default_factory=dict
    )
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (node, annotation) ignored
    # every node's labels as Calico selects it: its own under the Node's (a Node's label wins)
    selectable: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, node: Mapping[str, Any]) -> None:
        name = name_of(node)
        notes = annotations_of(node)
        if not name:
            return
        raw = notes.get(RR_ANNOTATION, "")
        found = cluster_id(raw) if raw else None
        if found is not None:
            self.route_reflectors[name] = found
        elif raw:
            self.skipped.append((name, RR_ANNOTATION))
        raw = notes.get(ASN_ANNOTATION, "")
        asn = as_number(raw) if raw else None
        if asn is not None:
            self.as_numbers[name] = asn
        elif raw:
            self.skipped.append((name, ASN_ANNOTATION))
        if LABELS_ANNOTATION in notes:
            labels = own_labels(notes[LABELS_ANNOTATION])
            if labels is None:
                self.skipped.append((name, LABELS_ANNOTATION))
            elif labels:
                self.labels[name] = labels
        self.selectable[name] = {**self.labels.get(name, {}), **labels_of(node)}
        self._addresses(name, notes)

    def _addresses(self, name: str, notes: Mapping[str, str]) -> None:
        found = []
        for version, key in ADDRESS_ANNOTATIONS:
            raw = notes.get(key, "")
            ip = node_address(raw, version) if raw else None
            if ip is not None:
                found.append(ip)
            elif raw:
                self.skipped.append((name, key))
        if found:
            self.addresses[name] = tuple(found)
