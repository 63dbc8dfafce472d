"""Every pair of a flow family at once, by classes and address sets (docs/engine.md, "At scale").

A family is a set of flows between sources and targets (pods on every node to pods on every other
node; node to node on UDP 4789; pods on every node to the DNS endpoints...). Its verdict for a pair
factors into what depends on the source alone (subnet, pool, anti-spoofing, the egress rules of its
port, its BGPPeers' sessions: engine/peering.py), on the target alone (subnet, pool, routes, the
ingress rules of its port, anti-spoofing of the reply, its sessions) and on the pair only through
memberships: is the target's address in the source port's admitted egress set, is the source's
address in the target port's admitted ingress set (and the TCP 179 sets, with their replies' under a
stateless group, when the route comes from BGP). Sources are grouped into classes by everything on
their side (admitted sets included, canonical over the universe), targets likewise; `pairs` then
counts each class pair's members per membership pattern and traces one representative pair per
distinct situation. The ends, classes and results are in engine/family_records.py, the keys
that class the ends and the queries that judge a pair in engine/family_keys.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kostack.analyze.engine.addrsets import Admitted, Ranges, SetEngine, Universe, contains
from kostack.analyze.engine.calico_moved import calico_views
from kostack.analyze.engine.family_keys import common_key, route_key, side_routes, wire_sets
from kostack.analyze.engine.family_records import End, EndClass, FamilyResult, FlowOf, Plan
from kostack.analyze.engine.peering import peer_keys
from kostack.analyze.engine.secgroups import Query
from kostack.analyze.engine.stateless import bgp_queries
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress, Port

if TYPE_CHECKING:
    from kostack.analyze.engine.shape_sides import Cuts


@dataclass(frozen=True, eq=False)
class _SetRow:
    """The admitted sets of one port for a family's queries (one object per distinct row)."""

    sets: tuple[Admitted, ...]


_NO_PORT = _SetRow(())


class Families:
    """Flow families over one snapshot in every world (the topologies share one snapshot)."""

    def __init__(
        self,
        topos: Sequence[Topology],
        addresses: Sequence[IPAddress],
        universe: Universe | None = None,
    ) -> None:
        """``universe``: share another evaluation's (its addresses must cover these)."""
        self.topos = list(topos)
        views = [*self.topos[0].node_views.values(), *calico_views(self.topos[0]).values()]
        self.universe = universe or Universe([*addresses, *(a for v in views for a in v.ips)])
        self.engines = [SetEngine(t, self.universe) for t in self.topos]
        self.bgp_sets = bgp_queries(self.topos)  # per family whose routes come from BGP
        self.bgp = bool(self.bgp_sets)
        self.bgp_qs = tuple(q for qs in self.bgp_sets.values() for q in qs)
        # (source classes, target classes, representative traces) of each evaluation, in order
        self.stats: list[tuple[int, int, int]] = []
        self._rows: dict[tuple[object, ...], _SetRow] = {}
        self._interned_rows: dict[tuple[object, ...], _SetRow] = {}
        # query tuples, one per content (their ids key _rows: families of one query share)
        self._qs: dict[tuple[Query, ...], tuple[Query, ...]] = {}
        # what is known of each end object, by id (the record keeps the end alive, so an
        # id is never reused while cached); keys shared by many ends are interned
        self._ends: dict[int, _EndInfo] = {}
        self._interned: dict[tuple[object, ...], tuple[object, ...]] = {}
        self._profiles: dict[tuple[object, ...], _Profile] = {}
        self._static_ids: dict[tuple[object, ...], int] = {}
        # evaluations judged, by what decides their judging (all but ``steps``): judging.py
        # `evaluate` settles each again for another ``steps``, judging nothing twice
        self.judged: dict[tuple[object, ...], object] = {}
        self.cuts: Cuts | None = None  # every run's sets and their cuts (pairs.py `Run`)
        # pairs.py `Run.plan`'s memos, for every run (ends by id: `route` keeps them)
        self.plans: tuple[dict[object, Plan], dict[int, bool], dict[int, tuple[object, ...]]]
        self.plans = ({}, {}, {})
        # per address kind (`position`): an end's universe position, by the end's id
        self.at: dict[str, dict[int, int | None]] = {
            k: {} for k in ("ip", "node", "node4", "node6")
        }

    def bgp_tests(self, e: End, version: int) -> list[tuple[Query, str]]:
        """The TCP 179 sets of a pod flow of ``version`` at ``e``'s node (`session_judge`)."""
        v = e.view
        mine = v is not None and e.ip.version == version and v.ip_of(version) is not None
        kind = "node" if mine else f"node{version}"
        return [(q, kind) for q in self.bgp_sets.get(version, ())]

    def _info(self, e: End) -> _EndInfo:
        info = self._ends.get(id(e))
        if info is None:
            info = self._ends[id(e)] = _EndInfo(e)
        return info

    def _intern(self, key: tuple[object, ...]) -> tuple[object, ...]:
        return self._interned.setdefault(key, key)

    def route(self, e: End) -> tuple[object, ...]:
        """`route_key`, memoised per end."""
        info = self._ends.get(id(e)) or self._info(e)  # the lookup inline: per end and pair
        if info.route is None:
            info.route = self._intern((*route_key(self.topos[0], e), *peer_keys(self.topos, e)))
        return info.route

    def position(self, e: End, kind: str) -> int | None:
        """The universe position of an end's own address ("ip") or its node's ("node"; "node4"
        or "node6": the node's address of that family, for a tunnel over another family);
        memoised in `at` (the loops over every class's members read it there: no call)."""
        found = self.at[kind].get(id(e), -1)  # an id there is a live end's: `_ends` keeps it
        if found != -1:
            return found
        info = self._ends.get(id(e)) or self._info(e)  # keeps the end alive: its id is a key
        if kind in ("node4", "node6"):
            a = e.view.ip_of(int(kind[4])) if e.view is not None else None
        else:
            a = e.ip if kind == "ip" else e.node_ip
        found = self.universe.position(a) if a is not None else None
        self.at[kind][id(info.end)] = found
        return found

    def static(self, e: End, side: str) -> tuple[object, ...]:
        """The static key (`common_key`, `side_routes`), once per end and side for all families."""
        return self._profile(e, side).static

    def _profile(self, e: End, side: str) -> _Profile:
        """An end's static key, and a token naming it with the end's groups in every world.

        Ends with one token have the same admitted rows for any queries, so `_classes`
        looks the rows up once per token, not per end.
        """
        info = self._info(e)
        found = info.src if side == "src" else info.dst
        if found is None:
            if e.view is None:
                static = self._intern(("outside", e.ip))
            else:
                # the static key, its shared part computed once for both sides
                if info.common is None:
                    info.common = self._intern(common_key(self.topos[0], e, self.route(e)))
                routes = side_routes(self.topos[0], e, side)
                static = self._intern((*info.common, routes))
            port = e.view.port if e.view is not None else None
            groups = (
                tuple(eng.groups_key(port) for eng in self.engines) if port is not None else None
            )
            key = (static, groups)
            found = self._profiles.get(key)
            if found is None:
                static_id = self._static_ids.setdefault(static, len(self._static_ids))
                found = self._profiles[key] = _Profile(len(self._profiles), static, static_id, port)
            if side == "src":
                info.src = found
            else:
                info.dst = found
        return found

    def evaluate(
        self,
        sources: Sequence[End],
        targets: Sequence[End],
        flow_of: FlowOf,
        *,
        same_node: str = "exclude",
        steps: frozenset[str] | None = None,
        joint: bool = False,
        split: Callable[[End], object] | None = None,
        openers: int | None = None,
    ) -> FamilyResult:
        """Judge every (source, target) pair; ``same_node``: exclude such pairs, or trace them.

        ``steps``: judge only these hops (a layer check looks at one mechanism).
        ``joint``: few targets (service endpoints): sources are classed by what every
        target admits of them, so a class fails or passes as a whole
        (`FamilyResult.failed_sources` is then exact).
        ``split``: what else tells ends apart on both sides, where ``flow_of`` reads more
        than the route key (a node's IP pools in use, for a tunnel's node pairs).
        """
        from kostack.analyze.engine.judging import evaluate

        return evaluate(self, sources, targets, flow_of, same_node, steps, joint, split, openers)

    def partition(
        self, sources: Sequence[End], targets: Sequence[End], flow_of: FlowOf
    ) -> tuple[list[EndClass], list[EndClass]]:
        """The source and target classes `evaluate` (same_node "exclude", not joint) groups
        the ends into, without judging any class pair: O(ends), where judging is O(classes^2)
        (the probe plan needs the classes only)."""
        queries = self._queries(sources, targets, flow_of)
        both = set(self.bgp_qs)
        q_src = tuple(q for q in queries if q.side == "src" or q in both)
        q_dst = tuple(q for q in queries if q.side == "dst" or q in both)
        src_classes, _ = self._classes(sources, "src", q_src, None, (None, None))
        dst_classes, _ = self._classes(targets, "dst", q_dst, None)
        return src_classes, dst_classes

    def _admitted(self, w: int, port: Port | None, qs: tuple[Query, ...]) -> _SetRow:
        """The admitted sets of ``port`` for ``qs`` in world ``w``, one interned row per groups."""
        if port is None:
            return _NO_PORT
        eng = self.engines[w]
        key = (w, id(qs), eng.groups_keys.get(port.id) or eng.groups_key(port))
        row = self._rows.get(key)
        if row is None:
            sets = eng.admitted_row(port, qs)
            ids = (w, tuple(map(id, sets)))
            row = self._interned_rows.get(ids)
            if row is None:
                row = self._interned_rows[ids] = _SetRow(sets)
            self._rows[key] = row
        return row

    def _joint_key(self, targets: Sequence[End], flow_of: FlowOf) -> Callable[[End], object]:
        """A source's memberships in every target's ingress (and TCP 179) sets, per world."""
        memo: dict[tuple[object, ...], list[tuple[Query, str]]] = {}
        # per (target, wire key): the sets to test and whose address each tests
        tests_of: dict[tuple[object, ...], list[tuple[Ranges, str]]] = {}
        judged = [
            (w, topo, j, t, t.view.port, self.route(t), t.ip in topo.node_by_ip)
            for w, topo in enumerate(self.topos)
            for j, t in enumerate(targets)
            if t.view is not None and t.view.port is not None
        ]

        def key(s: End) -> object:
            bits: list[bool] = []
            route = self.route(s)
            for w, topo, j, t, port, t_route, t_node in judged:
                flow = flow_of(s, t)
                if flow is None:
                    continue
                mk = (w, route, t_route, t_node, flow)
                tests = tests_of.get((j, mk))
                if tests is None:
                    if mk not in memo:
                        memo[mk] = wire_sets(topo, s, t, flow)
                    qs = [(q, k) for q, k in memo[mk] if q.side == "dst"]
                    qs += self.bgp_tests(s, t.ip.version)
                    tests = tests_of[(j, mk)] = [
                        (self.engines[w].admitted(port, q).ranges, kind) for q, kind in qs
                    ]
                for ranges, kind in tests:
                    pos = self.position(s, kind)
                    bits.append(pos is not None and contains(ranges, pos))
            return tuple(bits)

        return key

    # ------------------------------------------------------------------ classes

    def _queries(
        self,
        sources: Sequence[End],
        targets: Sequence[End],
        flow_of: FlowOf,
        split: Callable[[End], object] | None = None,
    ) -> list[Query]:
        """Every query the family's wires can need: from one rep per route class (and
        ``split`` value), and per source route class from one target route class per
        relation (relations.py)."""
        from kostack.analyze.engine.relations import RouteClasses

        topo = self.topos[0]

        def group(e: End) -> tuple[object, ...]:
            route = self.route(e)
            return route if split is None else (*route, split(e))

        src_groups: dict[tuple[object, ...], list[End]] = {}
        for s in sources:
            src_groups.setdefault(group(s), []).append(s)
        tgt_groups: dict[tuple[object, ...], list[End]] = {}
        for t in targets:
            tgt_groups.setdefault(group(t), []).append(t)
        classes = RouteClasses(topo, tgt_groups)
        out: dict[Query, None] = {}
        for a, ends in src_groups.items():
            for b in classes.reps(a):
                flow = flow_of(ends[0], tgt_groups[b][0])
                if flow is not None:
                    for q, _ in wire_sets(
                        topo, ends[0], tgt_groups[b][0], flow, world_topos=self.topos
                    ):
                        out.setdefault(q, None)
        out.update(dict.fromkeys(self.bgp_qs))
        return list(out)

    def _classes(
        self,
        ends: Sequence[End],
        side: str,
        queries: Sequence[Query],
        extra: Callable[[End], object] | None,
        constant: object = None,
    ) -> tuple[list[EndClass], dict[int, int]]:
        """Group ``ends`` by everything on their side; ``extra`` (or the ``constant``) too.

        Ends with one profile token (static key and groups in every world) have the
        same admitted rows, so the rows are looked up once per token, not per end.
        """
        groups: dict[tuple[object, ...], EndClass] = {}
        of: dict[int, int] = {}
        qs = self._qs.setdefault(tuple(queries), tuple(queries))
        worlds = range(len(self.engines))
        by_token: dict[tuple[int, object], EndClass] = {}
        known, mine = self._ends, side == "src"
        for idx, e in enumerate(ends):
            info = known.get(id(e))  # `_profile`, its memo read inline: per end and family
            prof = (info.src if mine else info.dst) if info is not None else None
            if prof is None:
                prof = self._profile(e, side)
            ex = extra(e) if extra is not None else constant
            cls = by_token.get((prof.token, ex))
            if cls is None:
                found = tuple([self._admitted(w, prof.port, qs) for w in worlds])
                ids = tuple(map(id, found))
                # the class key is (static key, extra, rows); grouped by the static key's id
                cls = groups.get((prof.static_id, ex, ids))
                if cls is None:
                    sets = tuple(
                        [dict(zip(qs, f.sets, strict=True)) if f.sets else {} for f in found]
                    )
                    cls = EndClass(len(groups), (prof.static, ex, ids), [], sets)
                    groups[(prof.static_id, ex, ids)] = cls
                by_token[(prof.token, ex)] = cls
            cls.members.append(e)
            of[idx] = cls.id
        return list(groups.values()), of


@dataclass(frozen=True)
class _Profile:
    """What decides one side of an end's classes; ``port``: one port with its groups."""

    token: int
    static: tuple[object, ...]
    static_id: int  # one per distinct static key (cheaper to hash)
    port: Port | None


class _EndInfo:
    """Per end object: route key, shared static part, profiles."""

    __slots__ = ("common", "dst", "end", "route", "src")

    def __init__(self, end: End) -> None:
        self.end = end
        self.route: tuple[object, ...] | None = None
        self.common: tuple[object, ...] | None = None
        self.src: _Profile | None = None
        self.dst: _Profile | None = None
