"""Which Neutron port is each Kubernetes node's NIC: a pure function of collected data.

Evidence, strongest first:

1. providerID ``openstack:///<server id>`` (or ``openstack://<region>/<server
   id>``, as the OpenStack cloud controller writes it) equals the port's
   ``device_id``. A server with several ports is narrowed to the port holding
   the node's InternalIP (then its MAC);
2. the node's InternalIP (every InternalIP, for dual stack) is one of the
   port's fixed IPs. When the same IP is a fixed IP in two networks (two
   clusters with the same addressing in one project), the port on the one
   network that holds a port for every node's IP wins; otherwise it stays
   ambiguous;
3. a MAC the node is known to have (from node annotations or labels, when the
   Kubernetes collector finds one) equals the port's ``mac_address``.

The node's SMBIOS system UUID (which Nova on KVM sets to the server id) only
breaks ties between InternalIP candidates; it is never a match on its own.

Anything ambiguous or missing gives ``port_id=None``, ``matched_by=None`` and a
note saying why, so every check that needs that node's port answers UNKNOWN
rather than guessing. Two nodes never share a port: a port claimed twice goes
to the providerID claim, or to neither.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from kostack.catalog import joined, message_data
from kostack.match_words import Msg, either
from kostack.model.snapshot import IPAddress, Node, NodePort, Port

__all__ = [
    "NodeIdentity",
    "match_identities",
    "match_nodes",
    "node_identity",
    "server_id_from_provider_id",
]

MatchedBy = Literal["provider_id", "internal_ip", "mac"]

# cloud-provider-openstack: `^openstack://([^/]*)/([^/]+)$` (region may be empty).
_PROVIDER_ID: Final = re.compile(r"^openstack://(?P<region>[^/]*)/(?P<server>[^/]+)$")
_MAX_IDS_IN_NOTE: Final = 3


def server_id_from_provider_id(provider_id: str | None) -> str | None:
    """The Nova server id in an OpenStack providerID, or None for anything else."""
    if not provider_id:
        return None
    match = _PROVIDER_ID.match(provider_id.strip())
    return match.group("server") if match else None


@dataclass(frozen=True)
class NodeIdentity:
    """What identifies a node's VM: providerID, InternalIPs and any known MACs."""

    name: str
    provider_id: str | None = None
    internal_ips: tuple[IPAddress, ...] = ()
    macs: tuple[str, ...] = ()
    system_uuid: str | None = None


def node_identity(
    node: Node, macs: Iterable[str] = (), system_uuid: str | None = None
) -> NodeIdentity:
    """A node's identity from its record (InternalIP first, then every InternalIP address)."""
    ips: list[IPAddress] = []
    if node.internal_ip is not None:
        ips.append(node.internal_ip)
    for address in node.addresses:
        if address.type != "InternalIP":
            continue
        try:
            ip = ipaddress.ip_address(address.address.strip())
        except ValueError:
            continue
        if ip not in ips:
            ips.append(ip)
    return NodeIdentity(
        name=node.name,
        provider_id=node.provider_id or None,
        internal_ips=tuple(ips),
        macs=tuple(dict.fromkeys(_mac(m) for m in macs if _mac(m))),
        system_uuid=system_uuid.strip().lower() if system_uuid else None,
    )


def _mac(value: str) -> str:
    return value.strip().lower().replace("-", ":")


@dataclass
class _Claim:
    port: Port | None
    matched_by: MatchedBy | None
    notes: list[str] = field(default_factory=list)
    # Candidates of an InternalIP match that several networks share.
    ip_candidates: tuple[Port, ...] = ()


class _PortIndex:
    def __init__(self, ports: Sequence[Port]) -> None:
        self.by_device: dict[str, list[Port]] = defaultdict(list)
        self.by_ip: dict[IPAddress, list[Port]] = defaultdict(list)
        self.by_mac: dict[str, list[Port]] = defaultdict(list)
        for port in ports:
            if port.device_id:
                self.by_device[port.device_id].append(port)
            # Router interfaces, DHCP and floating-IP ports are never a node's NIC.
            if port.device_owner.startswith("network:"):
                continue
            for fip in port.fixed_ips:
                self.by_ip[fip.ip_address].append(port)
            self.by_mac[_mac(port.mac_address)].append(port)


def _unique(ports: Iterable[Port]) -> list[Port]:
    seen: dict[str, Port] = {}
    for port in ports:
        seen.setdefault(port.id, port)
    return list(seen.values())


def _ids(ports: Sequence[Port]) -> str:
    shown = ", ".join(p.id for p in ports[:_MAX_IDS_IN_NOTE])
    more = len(ports) - _MAX_IDS_IN_NOTE
    return Msg("match.ids.more", ids=shown, more=more) if more > 0 else shown


def _ips(ips: Sequence[IPAddress]) -> str:
    return ", ".join(str(ip) for ip in ips)


def _holds_ip(port: Port, ips: Sequence[IPAddress]) -> bool:
    return any(fip.ip_address in ips for fip in port.fixed_ips)


def _claim(node: NodeIdentity, index: _PortIndex) -> _Claim:
    """One node's best match on its own (before conflicts between nodes are settled)."""
    notes: list[str] = []
    server_id = server_id_from_provider_id(node.provider_id)
    if node.provider_id and server_id is None:
        notes.append(Msg("match.not-openstack", provider=repr(node.provider_id)))
    if server_id is not None:
        candidates = index.by_device.get(server_id, [])
        if len(candidates) == 1:
            return _Claim(candidates[0], "provider_id", notes)
        if candidates:
            return _narrow_server_ports(node, server_id, candidates, notes)
        notes.append(Msg("match.no-device", server=server_id, provider=node.provider_id))
    if node.internal_ips:
        candidates = _unique(p for ip in node.internal_ips for p in index.by_ip.get(ip, ()))
        if len(candidates) == 1:
            return _Claim(candidates[0], "internal_ip", notes)
        if candidates:
            by_mac = [p for p in candidates if _mac(p.mac_address) in node.macs]
            if len(by_mac) == 1:
                return _Claim(by_mac[0], "internal_ip", notes)
            by_uuid = [p for p in candidates if node.system_uuid == p.device_id.lower()]
            if len(by_uuid) == 1:
                ips, n = _ips(node.internal_ips), len(candidates)
                notes.append(Msg("match.ip-uuid", ips=ips, n=n, port=by_uuid[0].id))
                return _Claim(by_uuid[0], "internal_ip", notes)
            ips, n = _ips(node.internal_ips), len(candidates)
            notes.append(Msg("match.ip-many", ips=ips, n=n, ids=_ids(candidates)))
            return _Claim(None, None, notes, ip_candidates=tuple(candidates))
    if node.macs:
        candidates = _unique(p for mac in node.macs for p in index.by_mac.get(mac, ()))
        if len(candidates) == 1:
            return _Claim(candidates[0], "mac", notes)
        if candidates:
            macs, n = ", ".join(node.macs), len(candidates)
            notes.append(Msg("match.mac-many", macs=macs, n=n, ids=_ids(candidates)))
            return _Claim(None, None, notes)
    looked: list[str] = []
    if server_id is not None:
        looked.append(Msg("match.by.device", id=server_id))
    if node.internal_ips:
        looked.append(Msg("match.by.ip", ips=_ips(node.internal_ips)))
    if node.macs:
        looked.append(Msg("match.by.mac", macs=", ".join(node.macs)))
    notes.append(Msg("match.none", looked=either(looked)) if looked else Msg("match.nothing"))
    return _Claim(None, None, _dedupe(notes))


def _narrow_server_ports(
    node: NodeIdentity, server_id: str, candidates: list[Port], notes: list[str]
) -> _Claim:
    """A server with several ports: the node's NIC is the one holding its InternalIP (or MAC)."""
    holding = [p for p in candidates if _holds_ip(p, node.internal_ips)]
    if len(holding) == 1:
        ips, n = _ips(node.internal_ips), len(candidates)
        notes.append(Msg("match.server-ip", server=server_id, n=n, ips=ips, port=holding[0].id))
        return _Claim(holding[0], "provider_id", notes)
    by_mac = [p for p in holding or candidates if _mac(p.mac_address) in node.macs]
    if len(by_mac) == 1:
        n = len(candidates)
        notes.append(Msg("match.server-mac", server=server_id, n=n, port=by_mac[0].id))
        return _Claim(by_mac[0], "provider_id", notes)
    pool = holding or candidates
    ips = _ips(node.internal_ips)
    why = (
        Msg("match.why.no-ip")
        if not node.internal_ips
        else Msg("match.why.some", k=len(holding), ips=ips)
        if holding
        else Msg("match.why.none", ips=ips)
    )
    n = len(candidates)
    notes.append(Msg("match.server-unsure", server=server_id, n=n, ids=_ids(pool), why=why))
    return _Claim(None, None, notes)


def _cluster_network(claims: Mapping[str, _Claim], nodes: Sequence[NodeIdentity]) -> str | None:
    """The one network holding a port for every node's InternalIP, if exactly one does."""
    per_node: list[set[str]] = []
    for node in nodes:
        claim = claims[node.name]
        if claim.port is not None:
            per_node.append({claim.port.network_id})
        elif claim.ip_candidates:
            per_node.append({p.network_id for p in claim.ip_candidates})
        else:
            return None  # a node with no IP match at all: nothing to lean on
    if not per_node:
        return None
    common = set.intersection(*per_node)
    return next(iter(common)) if len(common) == 1 else None


def match_nodes(
    nodes: Sequence[Node],
    ports: Sequence[Port],
    *,
    macs: Mapping[str, Iterable[str]] | None = None,
    system_uuids: Mapping[str, str] | None = None,
) -> tuple[NodePort, ...]:
    """Match every node to its Neutron port; one NodePort per node, in node order.

    ``macs`` maps a node name to MACs known for it (e.g. from an annotation),
    ``system_uuids`` to its SMBIOS system UUID (status.nodeInfo.systemUUID).
    Unmatched and ambiguous nodes get ``port_id=None`` and a note saying why.
    """
    known_macs = macs or {}
    uuids = system_uuids or {}
    identities = [node_identity(n, known_macs.get(n.name, ()), uuids.get(n.name)) for n in nodes]
    return match_identities(identities, ports)


def match_identities(
    identities: Sequence[NodeIdentity], ports: Sequence[Port]
) -> tuple[NodePort, ...]:
    """Like :func:`match_nodes`, from identities the Kubernetes collector already built."""
    index = _PortIndex(ports)
    claims = {node.name: _claim(node, index) for node in identities}

    # Same IP in several networks: lean on the network every node has a port in.
    ambiguous_ip = [n for n in identities if claims[n.name].ip_candidates]
    if ambiguous_ip:
        network_id = _cluster_network(claims, identities)
        if network_id is not None:
            for node in ambiguous_ip:
                claim = claims[node.name]
                on_network = [p for p in claim.ip_candidates if p.network_id == network_id]
                if len(on_network) == 1:
                    claim.port, claim.matched_by = on_network[0], "internal_ip"
                    claim.notes.append(Msg("match.network", network=network_id))

    _settle_conflicts(identities, claims)
    out: list[NodePort] = []
    for node in identities:
        claim = claims[node.name]
        note = joined(_dedupe(claim.notes))
        key, params = message_data(note)
        link = NodePort(
            node=node.name,
            port_id=claim.port.id if claim.port is not None else None,
            matched_by=claim.matched_by,
            note=note,
            note_key=key,
            note_params=params,
        )
        # validation made the note a plain str: keep the message (it dumps as its English)
        out.append(link.model_copy(update={"note": note}))
    return tuple(out)


def _settle_conflicts(identities: Sequence[NodeIdentity], claims: dict[str, _Claim]) -> None:
    """A port claimed by several nodes goes to the single providerID claim, or to none."""
    by_port: dict[str, list[str]] = defaultdict(list)
    for node in identities:
        port = claims[node.name].port
        if port is not None:
            by_port[port.id].append(node.name)
    for port_id, names in by_port.items():
        if len(names) < 2:
            continue
        strong = [n for n in names if claims[n].matched_by == "provider_id"]
        keep = strong[0] if len(strong) == 1 else None
        for name in names:
            if name == keep:
                continue
            others = ", ".join(n for n in names if n != name)
            key = "match.claimed.won" if keep else "match.claimed"
            claims[name].notes.append(Msg(key, port=port_id, others=others))
            claims[name].port, claims[name].matched_by = None, None


def _dedupe(notes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n for n in notes if n))
