"""Calico's BGP sessions with the node-to-node mesh off: BGPPeers and route reflectors.

With BGPConfiguration ``nodeToNodeMeshEnabled: false`` a node's BGP sessions are those the
BGPPeers give it (calico confd/pkg/backends/calico/client.go): a BGPPeer applies to its
``node``, else to the nodes its ``nodeSelector`` selects, else to every node, and peers them
with the Calico nodes its ``peerSelector`` selects (both ends get the session) or with its
``peerIP``. A node never peers with itself. A node with a RouteReflectorClusterID reflects:
its peers of another (or no) cluster ID are its route reflector clients (``rr client``,
bird.cfg.template / bgp_processor.go), so a client's routes reach every other peer of the
reflector, and a non-client's reach its clients (RFC 4456); a reflector drops a route whose
cluster list holds its own ID, so reflectors of one cluster ID do not pass routes on to
each other's clients. kostack decides a route between two nodes when they share a session
(one of them a reflector) or a working session with one reflector of which one is a client;
chains of reflectors of different cluster IDs and routers outside the cluster stay undecided,
never passed (docs/facts.md "BGPPeers and route reflectors").

A session comes up when one TCP 179 connection passes the security groups (and, under a
stateless group, its replies): either side may open a node-specific peer's (``node`` or
``nodeSelector``); a global peer's to a Calico node is opened by the greater address only
from Calico v3.23 (the smaller side's passes alone: undecided); a router's outside the
cluster by either side, judged at the node's port only.

Everything here is per node and per configured session (nodes x route reflectors), never per
node pair: each node's sessions give it a *state* (which reflectors it reaches), and the
state is part of the classes' route key (families.py), so a class pair's trace stands for
all its pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING

from kostack.analyze.engine.bgp_routes import SessionJudge, peers_routed
from kostack.analyze.engine.peering_text import PEERING_MESSAGES
from kostack.analyze.engine.router import no_port_hop
from kostack.analyze.engine.secgroups import security_groups
from kostack.analyze.engine.stateless import reply_hops
from kostack.analyze.engine.types import PASSING, Disposition, Hop, Wire
from kostack.analyze.messages import Msg, register
from kostack.analyze.topology import NodeView, Topology
from kostack.model.calico_selector import matches, required_label
from kostack.model.snapshot import Calico, CalicoBGPPeer, IPAddress

if TYPE_CHECKING:
    from kostack.analyze.engine.family_records import End

PORT = 179
# configured sessions judged one by one, at most this many a node on average (route reflectors
# are a few per cluster or rack); beyond, every route over BGPPeers is undecided, so a snapshot
# with every node a reflector peered with every other costs its nodes, not their pairs
SESSIONS_PER_NODE = 64
RR_ANNOTATION = "projectcalico.org/RouteReflectorClusterID"
ASN_ANNOTATION = "projectcalico.org/ASNumber"

register(PEERING_MESSAGES)


# ---------------------------------------------------------------------------- sessions


def session_judge(topo: Topology, port: int) -> SessionJudge:
    """Judge a TCP ``port`` session src -> dst between the nodes' addresses of one family
    (BIRD for IPv4, BIRD6 for IPv6) by its security-group hops: the first packet's, and under
    a stateless group its replies' (engine/stateless.py). None: it comes up; else the first
    decided drop, or the first undecided hop."""

    def judge(src: NodeView, dst: NodeView, version: int) -> Hop | None:
        if src.port is None or dst.port is None:
            return no_port_hop("sg", src if src.port is None else dst)
        src_ip, dst_ip = src.ip_of(version), dst.ip_of(version)
        if src_ip is None or dst_ip is None:
            node = (src if src_ip is None else dst).name
            detail = Msg("hop.bgp-no-ip", node=node, v=version)
            return Hop("sg", node, Disposition.UNKNOWN, detail, cause="gap")
        wire = Wire(src_ip, dst_ip, 6, port)
        hops = [
            security_groups(topo, src.port, wire, "egress", src.port_label()),
            security_groups(topo, dst.port, wire, "ingress", dst.port_label()),
        ]
        reply_hops(topo, hops, src, dst, wire)
        return _first_failed(hops)

    return judge


def _first_failed(hops: Sequence[Hop]) -> Hop | None:
    failed = [h for h in hops if h.disposition not in PASSING]
    decided = [h for h in failed if h.disposition != Disposition.UNKNOWN]
    return next(iter(decided or failed), None)


@dataclass(frozen=True)
class Session:
    """One configured BGP session of a node: with a Calico node (``view``) or an address."""

    peer: str  # the peer node's name, or the peer's address
    view: NodeView | None
    greater_opens: bool  # a global BGPPeer's, to a Calico node (bgp_processor.go "Passive")
    source: str  # the BGPPeer's name
    # a peerIP BGPPeer's localASNumber that is not its local node's own AS (or that AS not
    # known): (the local node, the localASNumber, its own AS or None)
    local_as: tuple[str, int, int | None] | None = None


@dataclass(frozen=True)
class NodeState:
    """What a node's configured sessions give it, for one family."""

    rr: str | None  # its own cluster ID
    works: frozenset[str]  # route reflectors it has a working session with (itself, if one)
    undecided: frozenset[str]
    external: str  # its sessions outside the cluster: "", "works", "undecided", "blocked"
    others: bool  # it peers with nodes that are not route reflectors
    configured: bool  # it has a session at all
    blocked: tuple[Hop, ...]  # the drops of its blocked sessions
    why: Hop | None  # the first undecided session's hop
    external_ip: str = ""
    # each judged session: (peer, "works" / "undecided" / "blocked", its failing hop)
    outcomes: tuple[tuple[str, str, Hop | None], ...] = ()
    # the first reflector it has a session with that may come up over eBGP (another AS, or
    # an AS not known): no reflection, its routes not judged
    ebgp: str = ""

    def key(self) -> tuple[object, ...]:
        return (
            self.rr,
            self.works,
            self.undecided,
            self.external,
            self.others,
            self.configured,
            self.ebgp,
        )

    @property
    def alive(self) -> bool:
        return bool(
            self.works or self.undecided or self.ebgp or self.external in ("works", "undecided")
        )


class Peering:
    """The sessions the BGPPeers give each node, in one topology (one world)."""

    def __init__(
        self,
        topo: Topology,
        peers: tuple[CalicoBGPPeer, ...],
        rr: dict[str, str],
        calico: Calico | None = None,
    ):
        self.topo = topo
        views = topo.node_views
        self.rr = {n: c for n, c in rr.items() if n in views}
        self.calico = calico
        self._labels: dict[str, Mapping[str, str]] = {}
        self.unknown: tuple[str, str] | None = None
        self.many = False  # more sessions than SESSIONS_PER_NODE a node: none judged
        self._budget = SESSIONS_PER_NODE * max(len(views), 1)
        self.sessions: dict[str, dict[str, Session]] = {n: {} for n in views}
        self.others: set[str] = set()
        self.cross = False  # reflectors of different cluster IDs peer with each other
        self.judge = session_judge(topo, PORT)
        self._states: dict[tuple[str, int], NodeState] = {}
        self._selected: dict[str, list[str] | None] = {}
        self._by_label: dict[tuple[str, str], list[str]] | None = None
        # the families whose pod routes come over the BGPPeers
        self.families = {p.cidr.version for p in topo.calico_pools if peers_routed(topo, p)}
        for peer in peers:
            if self.unknown is None and not self.many:
                self._add(peer)

    def _select(self, peer: CalicoBGPPeer, selector: str) -> list[str] | None:
        """The nodes ``selector`` selects; None (and the peer noted) where it is outside the
        subset kostack evaluates. Once per selector, and where it requires a ``k == 'v'``
        only over the nodes so labelled (a label index): per-node BGPPeers cost their nodes,
        not the peers times the nodes."""
        if selector not in self._selected:
            views = self.topo.node_views
            label = required_label(selector)
            names = self._labelled().get(label, ()) if label is not None else views
            found = [(name, matches(selector, self.labels(name))) for name in names]
            unknown = any(f is None for _, f in found)
            self._selected[selector] = None if unknown else [n for n, f in found if f]
        out = self._selected[selector]
        if out is None:
            self.unknown = (peer.name, selector)
        return out

    def labels(self, name: str) -> Mapping[str, str]:
        """The labels Calico selects a node by: its own (KDD: annotation
        projectcalico.org/labels) under the Node's (`Calico.calico_labels`), once per node."""
        found = self._labels.get(name)
        if found is None:
            own = self.topo.node_views[name].node.labels
            calico = self.calico
            found = calico.calico_labels(name, own) if calico is not None else own
            self._labels[name] = found
        return found

    def _labelled(self) -> dict[tuple[str, str], list[str]]:
        if self._by_label is None:
            self._by_label = {}
            for name in self.topo.node_views:
                for pair in self.labels(name).items():
                    self._by_label.setdefault(pair, []).append(name)
        return self._by_label

    def ibgp(self, a: str, b: str) -> bool:
        """Whether a session of nodes ``a`` and ``b`` is iBGP (one AS): a reflector takes only
        such peers for clients (bgp_processor.go "the peer is iBGP"). Where no node has an
        AS of its own every node is in the BGPConfiguration's; an AS not known is not one."""
        calico = self.calico
        if calico is None or not calico.node_as_numbers:
            return True
        x, y = calico.as_of(a), calico.as_of(b)
        return x is not None and x == y

    def _add(self, peer: CalicoBGPPeer) -> None:
        views = self.topo.node_views
        if peer.node is not None:
            local: list[str] | None = [peer.node] if peer.node in views else []
        elif peer.node_selector is not None:
            local = self._select(peer, peer.node_selector)
        else:
            local = list(views)
        remote: list[str] | None = []
        address: IPAddress | None = None
        if peer.peer_selector is not None:
            remote = self._select(peer, peer.peer_selector)
        elif peer.peer_ip is not None:
            address = _address(peer.peer_ip)
            view = self.topo.node_by_ip.get(address) if address is not None else None
            remote = [view.name] if view is not None else []
        if local is None or remote is None:
            return
        # a global BGPPeer's session with a Calico node: the greater address opens it
        opens = peer.node is None and peer.node_selector is None
        outside = not remote and address is not None
        rrs_remote = [r for r in remote if r in self.rr]
        rrs_local = [n for n in local if n in self.rr]
        self._budget -= len(local) * (1 if outside else len(rrs_remote))
        self._budget -= len(remote) * len(rrs_local)
        if self._budget < 0:
            self.many = True
            return
        if outside:  # a peer outside the cluster
            for name in local:
                self.sessions[name][str(address)] = Session(str(address), None, False, peer.name)
            return
        plain_remote = len(remote) - len(rrs_remote)
        plain_local = len(local) - len(rrs_local)
        remote_set = set(remote)
        clash = self._local_as(peer)
        for name in local:  # each local node: its sessions with the selected reflectors
            for r in rrs_remote:
                if r != name:
                    self._session(name, r, opens, peer.name, clash(name))
            if name not in self.rr and plain_remote - (name in remote_set) > 0:
                self.others.add(name)
        local_set = set(local)
        for r in remote:  # and the other end of each (confd adds the reverse peering)
            for name in rrs_local:
                if name != r:
                    self._session(r, name, opens, peer.name, clash(name))
            if r not in self.rr and plain_local - (r in local_set) > 0:
                self.others.add(r)
        if rrs_remote and rrs_local:
            ids = {self.rr[n] for n in (*rrs_remote, *rrs_local)}
            self.cross = self.cross or len(ids) > 1

    def _local_as(self, peer: CalicoBGPPeer) -> Callable[[str], tuple[str, int, int | None] | None]:
        """For a local node: the clash of the peer's localASNumber with the node's own AS
        (its reverse session, which confd builds from the node's own AS, expects that one);
        None where there is none. confd applies localASNumber to peerIP peers only
        (client.go: a peerSelector's sessions come from nodeAsBGPPeers, which sets none)."""
        local = peer.local_as_number
        if local is None or peer.peer_ip is None or peer.peer_selector is not None:
            return lambda _name: None
        calico = self.calico

        def clash(name: str) -> tuple[str, int, int | None] | None:
            own = calico.as_of(name) if calico is not None else None
            return None if own == local else (name, local, own)

        return clash

    def _session(
        self, a: str, b: str, opens: bool, source: str, local_as: tuple[str, int, int | None] | None
    ) -> None:
        views = self.topo.node_views
        found = self.sessions[a].get(b)
        clash = local_as or (found.local_as if found else None)
        self.sessions[a][b] = Session(
            b, views[b], opens or bool(found and found.greater_opens), source, clash
        )
        back = self.sessions[b].get(a)
        clash = local_as or (back.local_as if back else None)
        self.sessions[b][a] = Session(
            a, views[a], opens or bool(back and back.greater_opens), source, clash
        )

    # ------------------------------------------------------------------ judging

    def state(self, name: str, v: int) -> NodeState:
        """A node's sessions for family ``v``, judged once (its sessions: at most the
        reflectors and outside peers it is configured with)."""
        found = self._states.get((name, v))
        if found is None:
            found = self._states[name, v] = self._judge_node(name, v)
        return found

    def _judge_node(self, name: str, v: int) -> NodeState:
        view = self.topo.node_views[name]
        works: set[str] = {name} if name in self.rr else set()
        undecided: set[str] = set()
        blocked: list[Hop] = []
        why: Hop | None = None
        external, external_ip = "", ""
        outcomes: list[tuple[str, str, Hop | None]] = []
        ebgp = ""
        sessions = self.sessions.get(name, {})
        for s in sessions.values():
            if s.view is not None and s.peer not in self.rr:
                continue  # a reflector's client: the client's own state judges the session
            if s.view is None:
                address = _address(s.peer)
                if address is None or address.version != v:
                    continue
                hop = self._outside(view, address, v)
            else:
                hop = self._between(view, s, v)
            if hop is None:
                outcome = "works"
            elif hop.disposition == Disposition.UNKNOWN:
                outcome, why = "undecided", why or hop
            else:
                outcome = "blocked"
                blocked.append(hop)
            outcomes.append((s.peer, outcome, hop))
            if s.view is None:
                rank = ("", "blocked", "undecided", "works")
                if rank.index(outcome) > rank.index(external):
                    external, external_ip = outcome, s.peer
            elif outcome != "blocked" and not self.ibgp(name, s.peer):
                ebgp = ebgp or s.peer
            elif s.peer in self.rr and outcome == "works":
                works.add(s.peer)
            elif s.peer in self.rr and outcome == "undecided":
                undecided.add(s.peer)
        return NodeState(
            self.rr.get(name),
            frozenset(works),
            frozenset(undecided),
            external,
            name in self.others,
            bool(sessions) or name in self.others,
            tuple(blocked),
            why,
            external_ip,
            tuple(outcomes),
            ebgp,
        )

    def _between(self, view: NodeView, s: Session, v: int) -> Hop | None:
        """A session with a Calico node: either side may connect, unless only the greater
        address does (a global BGPPeer from Calico v3.23: the smaller side's alone: undecided)."""
        other = s.view
        assert other is not None
        if s.local_as is not None:  # the two ends disagree on an AS: BIRD refuses the OPEN
            node, local, own = s.local_as
            far = other.name if node == view.name else view.name
            detail = Msg(
                "hop.bgp-local-as", peer=s.source, node=node, far=far, local=local, own=own or "?"
            )
            return Hop("sg", view.name, Disposition.UNKNOWN, detail, cause="gap")
        there, back = self.judge(view, other, v), self.judge(other, view, v)
        if there is None or back is None:
            if not s.greater_opens:
                return None
            a, b = view.ip_of(v), other.ip_of(v)
            greater = view if str(a) > str(b) else other
            if (there if greater is view else back) is None:
                return None
            passing = view if there is None else other
            detail = Msg("hop.rr-order", a=view.name, b=other.name, c=passing.name, d=greater.name)
            return Hop("sg", view.name, Disposition.UNKNOWN, detail, cause="gap")
        return there if there.disposition != Disposition.UNKNOWN else back

    def _outside(self, view: NodeView, b: IPAddress, v: int) -> Hop | None:
        """A session with an address outside the cluster: either side connects; judged at the
        node's port (the far end is not in the snapshot)."""
        a = view.ip_of(v)
        if view.port is None:
            return no_port_hop("sg", view)
        if a is None:
            detail = Msg("hop.bgp-no-ip", node=view.name, v=v)
            return Hop("sg", view.name, Disposition.UNKNOWN, detail, cause="gap")
        out = security_groups(
            self.topo, view.port, Wire(a, b, 6, PORT), "egress", view.port_label()
        )
        if out.passes:
            return None
        inward = Wire(b, a, 6, PORT)
        into = security_groups(self.topo, view.port, inward, "ingress", view.port_label())
        if into.passes:
            return None
        return out if out.disposition != Disposition.UNKNOWN else into


def _address(text: str) -> IPAddress | None:
    """A BGPPeer's peerIP as an address ("ip", "ip:port", "[ip6]:port")."""
    text = text.strip()
    for candidate in (text, text.rsplit(":", 1)[0].strip("[]")):
        try:
            return ip_address(candidate)
        except ValueError:
            continue
    return None


def peering(topo: Topology) -> Peering | None:
    """The BGPPeers' sessions when pod routes come over them (Calico on BGP, its mesh off,
    a BGP-routed pool, the BGPPeers read); None otherwise."""
    if "peering" in topo.derived:
        found = topo.derived["peering"]
        return found if isinstance(found, Peering) else None
    cl = topo.snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    out = None
    routed = calico is not None and any(peers_routed(topo, p) for p in topo.calico_pools)
    if calico is not None and calico.bgp_peers is not None and routed:
        out = Peering(topo, calico.bgp_peers, calico.route_reflectors, calico)
    topo.derived["peering"] = out
    return out


def peer_keys(topos: Sequence[Topology], e: End) -> tuple[object, ...]:
    """What an end's node's sessions give it in every world (its route key's last part):
    () where pod routes do not come over BGPPeers."""
    view = e.view
    if view is None:
        return ()
    out: list[object] = []
    for topo in topos:
        p = peering(topo)
        if p is not None and p.unknown is None and not p.many:
            out += [p.state(view.name, v).key() for v in sorted(p.families)]
    return tuple(out)
