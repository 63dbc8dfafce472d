"""Security groups decided on address sets, so node pairs need not be enumerated.

For a port and a query (direction, IP version, protocol, port), the addresses
its groups admit (ingress: as sources; egress: as destinations) form a set:
the `remote_ip_prefix` of every matching rule, the members of every matching
remote group (their fixed IPs, and their allowed-pair ranges under ML2/OVS),
or everything. Intersected with the *universe* — the addresses a cluster flow
can have at either end (node IPs, pod addresses, service endpoints, the egress
target), sorted — each set becomes a short tuple of index ranges over the
universe. Two ports with equal tuples treat every cluster flow of that query
alike, whatever their rule ids, descriptions or irrelevant rules; and how many
of a class's addresses a set admits is a binary search per range.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

from kostack.analyze.engine.ipv6 import rule_protocol
from kostack.analyze.engine.secgroups import Query
from kostack.analyze.engine.stateless import EPHEMERAL, NAT_PORTS
from kostack.analyze.protocols import ECHO_REQUEST, port_bounds, protocol_number
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress, IPNetwork, Port, SecurityGroupRule

V6_OFFSET = 1 << 32  # IPv6 keys sort after every IPv4 key

Ranges = tuple[tuple[int, int], ...]  # half-open index ranges over the universe, sorted, merged


def addr_key(ip: IPAddress) -> int:
    return int(ip) + (V6_OFFSET if ip.version == 6 else 0)


def merge(ranges: Iterable[tuple[int, int]]) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(r for r in ranges if r[0] < r[1]):
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


BEYOND = 1 << 200  # after every range's end: (pos, BEYOND) sorts after each range at pos
SMALL = 2  # a set of at most this many ranges is spliced into a union, not merged (`_union`)


def contains(ranges: Ranges, pos: int) -> bool:
    i = bisect_right(ranges, (pos, BEYOND)) - 1
    return i >= 0 and ranges[i][0] <= pos < ranges[i][1]


def covers(ranges: Ranges, r: tuple[int, int]) -> bool:
    """Whether one of ``ranges`` holds all of the non-empty range ``r``."""
    i = bisect_right(ranges, (r[0], BEYOND)) - 1
    return i >= 0 and ranges[i][0] <= r[0] and r[1] <= ranges[i][1]


def splice(ranges: Ranges, extra: Iterable[tuple[int, int]]) -> Ranges:
    """``merge`` of ``ranges`` (merged) and the non-empty ``extra``, by binary search: per
    extra range, two searches and a copy of the tuple (in C), not a pass in Python."""
    out = ranges
    for lo, hi in sorted(extra):
        i = bisect_left(out, (lo, -1))  # the first range that starts at lo or later
        if i and out[i - 1][1] >= lo:  # the one before reaches lo: they join
            i -= 1
            lo, hi = out[i][0], max(hi, out[i][1])
        j = bisect_right(out, (hi, BEYOND), i)  # past every range starting at hi or before
        if j > i:
            hi = max(hi, out[j - 1][1])
        out = (*out[:i], (lo, hi), *out[j:])
    return out


def patterns(sets: Sequence[Ranges], positions: Sequence[int]) -> dict[tuple[bool, ...], int]:
    """How many of ``positions`` (sorted) fall in each membership pattern across ``sets``.

    The boundaries of all sets cut the universe into segments of one pattern
    each; counting a segment is two binary searches, so the cost is
    O(total ranges x log(len(positions))), not O(len(positions)).
    """
    if not sets:
        return {(): len(positions)} if positions else {}
    cuts = sorted({b for rs in sets for r in rs for b in r} | {0})
    out: dict[tuple[bool, ...], int] = {}
    n = len(positions)
    for i, start in enumerate(cuts):
        end = cuts[i + 1] if i + 1 < len(cuts) else None
        lo = bisect_left(positions, start)
        hi = bisect_left(positions, end) if end is not None else n
        if hi > lo:
            key = tuple(contains(rs, start) for rs in sets)
            out[key] = out.get(key, 0) + hi - lo
    return out


class Universe:
    """The sorted addresses cluster flows can have at either end."""

    def __init__(self, addresses: Iterable[IPAddress]) -> None:
        self.keys: list[int] = sorted({addr_key(a) for a in addresses})
        self.everything: Ranges = ((0, len(self.keys)),) if self.keys else ()
        # compiled security groups, shared by every SetEngine over this universe (the
        # hypotheses of a diagnosis change ports, not groups): group id -> (group, compiled)
        self.compiled: dict[str, tuple[object, _Compiled]] = {}
        # admitted sets that use no remote group, shared the same way (by groups, then query)
        self.admitted: dict[tuple[object, ...], dict[Query, Admitted]] = {}
        # compiled rules, one object per content (per-node groups repeat most rules); a
        # bucket of them too, so a port's rules for a query are keyed by their ids
        self.rules: dict[_Rule, _Rule] = {}
        self.buckets: dict[tuple[_Rule, ...], tuple[_Rule, ...]] = {}
        # a remote prefix's index ranges (rules of many groups name the same prefixes)
        self.prefixes: dict[IPNetwork, Ranges] = {}
        # an admitted set made of a shared part (a remote group's members, merged once per
        # combination of groups: `SetEngine._union`) and its own few ranges, by the set's id:
        # the set (kept alive, so its id stays its), the shared part, its own ranges; the
        # shapes cut the shared part once for every set that holds it (shape_sides.py `Cuts`)
        self.splits: dict[int, tuple[Ranges, Ranges, Ranges]] = {}

    def position(self, ip: IPAddress) -> int:
        k = addr_key(ip)
        i = bisect_left(self.keys, k)
        if i == len(self.keys) or self.keys[i] != k:
            raise KeyError(ip)
        return i

    def span(self, lo: int, hi: int) -> tuple[int, int]:
        """The index range of universe keys in [lo, hi]."""
        return bisect_left(self.keys, lo), bisect_right(self.keys, hi)

    def of_net(self, net: IPNetwork) -> tuple[int, int]:
        off, bits = (V6_OFFSET, 128) if net.version == 6 else (0, 32)
        lo = int(net.network_address)
        return self.span(lo + off, (lo | ((1 << (bits - net.prefixlen)) - 1)) + off)


@dataclass(frozen=True)
class Admitted:
    """What a port's groups admit for one query, over the universe.

    ``undecided``: a rule could not be read or a group is missing, so an
    address outside ``ranges`` is undecided rather than dropped.
    """

    ranges: Ranges
    undecided: bool = False


class SetEngine:
    """Admitted sets per (port, query) in one world, interned and cached."""

    def __init__(self, topo: Topology, universe: Universe) -> None:
        self.topo = topo
        self.universe = universe
        self._members: dict[str, Ranges] = {}
        self._cache: dict[tuple[object, ...], dict[Query, Admitted]] = {}
        self._interned: dict[tuple[Ranges, bool], Admitted] = {}
        self._bases: dict[tuple[int, ...], tuple[tuple[Ranges, ...], Ranges]] = {}
        self.groups_keys: dict[str, tuple[object, ...]] = {}  # `groups_key` by port id
        # by what of its groups a query reads (`_relevant`): the set, and whether it read
        # a remote group's members (per world: they differ); groups of one content share
        self._by_rules: dict[tuple[object, ...], tuple[Admitted, bool]] = {}
        self._reads: dict[tuple[object, ...], tuple[tuple[object, ...], Read]] = {}
        self.collected = topo.snapshot.openstack is not None and (
            topo.snapshot.openstack.security_groups is not None
        )

    def members(self, group_id: str) -> Ranges:
        """Remote-group member addresses: fixed IPs; allowed pairs too under ML2/OVS."""
        cached = self._members.get(group_id)
        if cached is not None:
            return cached
        m = self.topo.members.get(group_id)
        spans: list[tuple[int, int]] = []
        if m is not None:
            for ip in m.fixed:
                k = addr_key(ip)
                spans.append(self.universe.span(k, k))
            if self.topo.backend == "ml2/ovs":
                spans.extend(self.universe.of_net(n) for n in m.pairs)
        out = merge(spans)
        self._members[group_id] = out
        return out

    def _compiled(self, group_id: str) -> _Compiled | None:
        """A group's rules bucketed by (direction, IP version, protocol), remotes resolved
        (None: not in the snapshot)."""
        grp = self.topo.groups.get(group_id)
        if grp is None:
            return None
        shared = self.universe.compiled.get(group_id)
        if shared is not None and shared[0] is grp:
            return shared[1]
        lists: dict[tuple[str, int, int | None], list[_Rule]] = defaultdict(list)
        unreadable: set[tuple[str, int]] = set()
        for rule in grp.rules:
            version = 4 if rule.ethertype == "IPv4" else 6
            proto = rule_protocol(protocol_number(rule.protocol), rule.ethertype)
            if isinstance(proto, str):
                unreadable.add((rule.direction, version))
                continue
            if proto in ECHO_REQUEST:  # ICMP: the type it admits (topology.other_icmp)
                if rule.port_range_max not in (None, 0):
                    continue  # a code other than 0: no echo request or reply
                t = rule.port_range_min
                lo, hi, ported = (t, t, True) if t is not None else (0, 65535, False)
            else:
                lo, hi = port_bounds(rule, proto) or (0, 65535)
                ported = (lo, hi) != (0, 65535)  # port_bounds is None for unported protocols
            one = _Rule(lo, hi, ported, self._remote_spec(rule))
            lists[(rule.direction, version, proto)].append(self.universe.rules.setdefault(one, one))
        pool = self.universe.buckets
        buckets = {k: pool.setdefault(tuple(v), tuple(v)) for k, v in lists.items()}
        found = _Compiled(buckets, frozenset(unreadable))
        self.universe.compiled[group_id] = (grp, found)
        return found

    def _remote_spec(self, rule: SecurityGroupRule) -> Ranges | str | None:
        """The rule's remote: index ranges, "group:<id>" (resolved per query), or None."""
        if rule.remote_ip_prefix is not None:
            found = self.universe.prefixes.get(rule.remote_ip_prefix)
            if found is None:
                found = merge([self.universe.of_net(rule.remote_ip_prefix)])
                self.universe.prefixes[rule.remote_ip_prefix] = found
            return found
        if rule.remote_group_id is not None:
            return "group:" + rule.remote_group_id
        if rule.remote_address_group_id is not None:
            return None
        return self.universe.everything

    def groups_key(self, port: Port) -> tuple[object, ...]:
        """What decides a port's admitted sets: port security off, and its groups."""
        gkey = self.groups_keys.get(port.id)
        if gkey is None:
            gkey = self.groups_keys[port.id] = (
                port.port_security_enabled is False,
                tuple(port.security_group_ids),
            )
        return gkey

    def admitted_row(self, port: Port, qs: Sequence[Query]) -> tuple[Admitted, ...]:
        """`admitted` for each of ``qs``."""
        mine = self._cache.get(self.groups_keys.get(port.id) or self.groups_key(port), {})
        return tuple([mine.get(q) or self.admitted(port, q) for q in qs])

    def admitted(self, port: Port, q: Query) -> Admitted:
        """The admitted set of ``port`` for ``q`` (everything when port security is off)."""
        gkey = self.groups_key(port)
        mine = self._cache.get(gkey)
        if mine is None:
            mine = self._cache[gkey] = {}
        cached = mine.get(q) or self.universe.admitted.get(gkey, {}).get(q)
        if cached is not None:
            mine[q] = cached
            return cached
        uses_members = False
        if port.port_security_enabled is False:
            result = Admitted(self.universe.everything)
        elif not self.collected:
            result = Admitted((), True)
        else:
            # what of its groups the query reads: per group its rules for the query's
            # direction, version and protocol (or any), and whether one there is unreadable
            # (None: a group not in the snapshot)
            found_read = self._reads.get((gkey, q[:3]))  # once per groups and protocol
            if found_read is None:
                dv = q[:2]
                read: Read = []
                for c in map(self._compiled, port.security_group_ids):
                    b = c.buckets if c is not None else {}
                    unreadable = dv in c.unreadable if c is not None else None
                    read.append((b.get((*dv, q.proto), ()), b.get((*dv, None), ()), unreadable))
                ids = tuple((id(a), id(b), u) for a, b, u in read)
                found_read = self._reads[(gkey, q[:3])] = (ids, read)
            key = (q, found_read[0])
            found = self._by_rules.get(key)
            if found is None:
                found = self._by_rules[key] = self._read(q, found_read[1])
            result, uses_members = found
        # one object per distinct set (keyed by its fields: a tuple hashes in C)
        made, result = result, self._interned.setdefault((result.ranges, result.undecided), result)
        split = self.universe.splits.get(id(made.ranges))
        if split is not None and split[0] is made.ranges:
            self.universe.splits.setdefault(id(result.ranges), (result.ranges, *split[1:]))
        mine[q] = result
        if not uses_members:
            # no remote group: the same whatever the ports' pairs or the backend
            self.universe.admitted.setdefault(gkey, {})[q] = result
        return result

    def _read(self, q: Query, read: Read) -> tuple[Admitted, bool]:
        """The set of the rules ``read`` (per group: its two buckets and whether one is
        unreadable, None: the group is missing), and whether a remote group's members made it."""
        undecided, uses_members = False, False
        span = _span_of(q)
        pieces: list[tuple[int, int, Ranges]] = []  # a rule's ports, and whom it admits
        for own, anyproto, unreadable in read:
            undecided = undecided or unreadable is not False
            for r in (*own, *anyproto):
                if r.ported and (span is None or r.hi < span[0] or r.lo > span[1]):
                    continue
                if r.remote is None:
                    undecided = True
                    continue
                if isinstance(r.remote, str):
                    uses_members = True
                remote = self.members(r.remote[6:]) if isinstance(r.remote, str) else r.remote
                pieces.append((r.lo, r.hi, remote) if r.ported else (0, 65535, remote))
        if q.reply in ("all", "all-nat"):
            return Admitted(merge(_covering(pieces, span)), undecided), uses_members
        return Admitted(self._union([rs for _lo, _hi, rs in pieces]), undecided), uses_members

    def _union(self, sets: list[Ranges]) -> Ranges:
        """The union of ``sets``. The large ones (a remote group's members: one shared object
        per group) are merged once per distinct combination; each small one is spliced in
        unless the large ones already cover it. Per-node groups that all admit one large
        group (whose members interleave with other addresses: a range per member) thus cost
        their own few ranges each, not the group's."""
        large = {id(s): s for s in sets if len(s) > SMALL}
        key = tuple(sorted(large))
        found = self._bases.get(key)
        if found is None:  # the sets kept alive with their union, so their ids stay theirs
            found = self._bases[key] = (
                tuple(large.values()),
                merge(x for s in large.values() for x in s),
            )
        base = found[1]
        rest = [r for s in sets if len(s) <= SMALL for r in s if r[0] < r[1]]
        own = tuple(sorted({r for r in rest if not covers(base, r)}))
        out = splice(base, own)
        if large:
            self.universe.splits.setdefault(id(out), (out, base, own))
        return out


def _span_of(q: Query) -> tuple[int, int] | None:
    """The ports (ICMP: the type) a query asks for; None: a protocol without ports. An ICMP
    query asks for echo request, a stateless reply's for the type it names; a reply to the
    ephemeral range ("part", "all": admitted on some or all of it) for the range, and to a
    masquerade's ports ("part-nat", "all-nat") for those."""
    if q.reply in ("part", "all"):
        return EPHEMERAL
    if q.reply in ("part-nat", "all-nat"):
        return NAT_PORTS
    want = q.port if q.reply or q.proto not in ECHO_REQUEST else ECHO_REQUEST[q.proto]
    return None if want is None else (want, want)


def _covering(pieces: list[tuple[int, int, Ranges]], span: tuple[int, int] | None) -> Ranges:
    """The universe spans whose addresses the rules (their ports, whom they admit) admit on
    every port of ``span`` together: O(pieces^2) per port and query, pieces being rules."""
    cuts = sorted({b for _lo, _hi, rs in pieces for r in rs for b in r})
    out: list[tuple[int, int]] = []
    lo, hi = span or (0, 0)
    for a, b in pairwise(cuts):
        reach = lo
        for p_lo, p_hi, _rs in sorted(x for x in pieces if contains(x[2], a)):
            if p_lo > reach:
                break
            reach = max(reach, p_hi + 1)
        if reach > hi:
            out.append((a, b))
    return merge(out)


class _Rule(NamedTuple):
    lo: int
    hi: int
    ported: bool  # has a port range to check
    remote: Ranges | str | None


# per group of a port: its rules a query reads (of its protocol, of any), whether one of its
# direction and version is unreadable (None: the group is not in the snapshot)
Read = list[tuple[tuple[_Rule, ...], tuple[_Rule, ...], bool | None]]


@dataclass(frozen=True)
class _Compiled:
    buckets: dict[tuple[str, int, int | None], tuple[_Rule, ...]]
    unreadable: frozenset[tuple[str, int]]
