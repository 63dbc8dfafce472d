"""Remedies gathered per object, and turned into the plan's actions.

`Builder` takes the remedies of each root cause (allowed pairs, security-group
rules, router routes, the disable-port-security alternative, manual steps) and
keeps one item per object: a port's pairs, a group's rule, a router's routes.
An item's root causes and reasons are ordered sets, so gathering is linear in
the remedies however many of them name one object. `actions()` renders the
items as actions against the objects in the snapshot, dropping what already
holds (an index of each group's rules, of each port's pairs).

Pure: no I/O, no clock.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from kostack.analyze.findings import Remedy, command_for
from kostack.analyze.messages import Msg
from kostack.analyze.prefixes import PrefixIndex, parse_net
from kostack.analyze.topology import NodeView, Topology
from kostack.model.snapshot import IPNetwork, Port, Snapshot
from kostack.plan.assemble_text import title_msg
from kostack.plan.model import (
    Action,
    Inverse,
    Operation,
    Pair,
    PlanOptions,
    PortFields,
    Precondition,
    Route,
    Target,
)
from kostack.plan.nodeport_range import RULE_QUOTA, Sources, range_rules
from kostack.plan.rules import Rule, rule_key

# What matters for a router is the routes the plan adds, not its revision: the
# update writes the routes read just before it plus the missing ones, with
# If-Match on that fresh revision, so nobody's route is ever overwritten.


@dataclass
class _Fixes:
    """Which root causes an item fixes, and the reasons given for it (each once, in order)."""

    _keys: dict[str, None] = field(default_factory=dict)
    _reasons: dict[str, None] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @property
    def reasons(self) -> list[str]:
        return list(self._reasons)

    def add(self, key: str, reason: str) -> bool:
        added = False
        if key and key not in self._keys:
            self._keys[key] = None
            added = True
        if reason:
            self._reasons.setdefault(reason, None)
        return added


@dataclass
class _PortItem:
    port: Port
    node: str
    cidrs: dict[IPNetwork, None] = field(default_factory=dict)  # an ordered set
    fixes: _Fixes = field(default_factory=_Fixes)
    # a port to disable: whether a decided cause needs it, else the note of each case it is for
    always: bool = False
    cases: dict[str, None] = field(default_factory=dict)


class Builder:
    """Accumulates remedies into per-object items; `actions()` renders them as a plan."""

    def __init__(self, snapshot: Snapshot, options: PlanOptions) -> None:
        self.snapshot = snapshot
        self.options = options
        self.topo = Topology(snapshot)
        self.view_by_port: dict[str, NodeView] = {
            v.port.id: v for v in self.topo.node_views.values() if v.port is not None
        }
        self.pairs: dict[str, _PortItem] = {}
        self.disable: dict[str, _PortItem] = {}
        self.rules: dict[tuple[str, tuple[object, ...]], tuple[Rule, _Fixes]] = {}
        self.routes: dict[str, tuple[dict[Route, None], _Fixes]] = {}
        self.manual: dict[tuple[str, str, str], tuple[Remedy, _Fixes]] = {}
        self._not_planned: dict[str, None] = {}
        self.routers = {r.id: r for r in self.topo.routers}
        self._existing_rules: dict[str, frozenset[tuple[object, ...]]] = {}
        # rules some root cause needs whatever the backend (the others are OVN-only)
        self.unconditional: set[tuple[str, tuple[object, ...]]] = set()
        # (kind, port id) -> the item's sizes when last rendered, and its action (`_port_actions`)
        self._rendered: dict[tuple[str, str], tuple[tuple[int, ...], Action | None]] = {}

    # ------------------------------------------------------------------ intake

    def add(self, items: Iterable[tuple[Remedy, str, bool]]) -> bool:
        """Take (remedy, root-cause key, conditional) items; True when anything new was planned."""
        changed = False
        for remedy, key, conditional in items:
            changed |= self._add(remedy, key, conditional)
            if remedy.op == "add-sg-rule" and not conditional:
                self.unconditional.add((remedy.target_id, rule_of(remedy).key()))
        return changed

    @property
    def not_planned(self) -> list[str]:
        return list(self._not_planned)

    def _note(self, text: str) -> None:
        self._not_planned.setdefault(text, None)

    def existing_rules(self, group_id: str) -> frozenset[tuple[object, ...]]:
        """The keys of a group's rules in the snapshot (computed once per group)."""
        keys = self._existing_rules.get(group_id)
        if keys is None:
            group = self.topo.groups.get(group_id)
            keys = frozenset(rule_key(r) for r in group.rules) if group is not None else frozenset()
            self._existing_rules[group_id] = keys
        return keys

    def _add(self, r: Remedy, key: str, conditional: bool = False) -> bool:
        reason = r.reason  # a Msg: the plan says it in either language
        if r.op == "add-allowed-pair":
            return self._add_pair(r, key, reason)
        if r.op == "disable-port-security":
            port = self.topo.ports.get(r.target_id)
            if port is None:
                return False
            new = port.id not in self.disable
            item = self.disable.setdefault(port.id, _PortItem(port, r.target_name))
            if not conditional and not item.always:
                item.always = new = True
            elif conditional and r.note and r.note not in item.cases:
                item.cases[r.note] = None
                new = True
            return item.fixes.add(key, reason) or new
        if r.op == "add-sg-rule":
            return self._add_rule(r, key, reason)
        if r.op == "add-router-route":
            try:
                route = Route(
                    str(parse_net(r.param("destination"))),
                    str(ipaddress.ip_address(r.param("nexthop"))),
                )
            except ValueError:
                return False
            routes, fixes = self.routes.setdefault(r.target_id, ({}, _Fixes()))
            new = route not in routes
            if new:
                routes[route] = None
            return fixes.add(key, reason) or new
        mkey = (r.target_kind, r.target_id, command_for(r))
        new = mkey not in self.manual
        fixes = self.manual.setdefault(mkey, (r, _Fixes()))[1]
        return fixes.add(key, reason) or new

    def _add_pair(self, r: Remedy, key: str, reason: str) -> bool:
        port = self.topo.ports.get(r.target_id)
        if port is None:
            return False
        try:
            cidr = parse_net(r.param("ip_address"))
        except ValueError:
            return False
        if cidr.prefixlen == 0:
            # a pair for every address is anti-spoofing switched off, which only
            # --method disable-port-security (acknowledged) may do
            self._note(Msg("plan.not-planned.every-address", cidr=str(cidr)))
            return False
        new = port.id not in self.pairs
        item = self.pairs.setdefault(port.id, _PortItem(port, r.target_name or port.name))
        if cidr not in item.cidrs:
            item.cidrs[cidr] = None
            new = True
        return item.fixes.add(key, reason) or new

    def _add_rule(self, r: Remedy, key: str, reason: str) -> bool:
        rule = rule_of(r)
        if (
            rule.remote_ip_prefix is not None
            and ipaddress.ip_network(rule.remote_ip_prefix).prefixlen == 0
            and not _public_nodeport(r, rule)
        ):
            self._note(
                Msg("plan.not-planned.open-to-all", cidr=rule.remote_ip_prefix, reason=reason)
            )
            return False
        rkey = (r.target_id, rule.key())
        new = rkey not in self.rules
        fixes = self.rules.setdefault(rkey, (rule, _Fixes()))[1]
        return fixes.add(key, reason) or new

    # ------------------------------------------------------------------ output

    def actions(self) -> tuple[Action, ...]:
        out: list[Action] = []
        out.extend(self._rule_actions())
        out.extend(self._route_actions())
        out.extend(self._port_actions())
        out.extend(self._manual_actions())
        return tuple(replace(a, id=f"a{i}") for i, a in enumerate(out, 1))

    def _reason(self, fixes: _Fixes) -> str:
        first = fixes.reasons[0] if fixes.reasons else ""
        if not fixes.keys:
            return first
        titles = [title_msg(k) for k in fixes.keys]
        return Msg("plan.reason", first=first, titles=_semicolons(titles))

    def _rule_actions(self) -> Iterator[Action]:
        pending = [
            (gid, rkey, rule, fixes)
            for (gid, rkey), (rule, fixes) in sorted(
                self.rules.items(), key=lambda kv: (kv[0][0], repr(kv[0][1]))
            )
            if gid in self.topo.groups and rule.key() not in self.existing_rules(gid)
        ]
        ranges = range_rules(((g, r, f.keys) for g, _k, r, f in pending), Sources(self.topo))
        into = {(rr.gid, key): i for i, rr in enumerate(ranges) for key in rr.replaced}
        merged = [_Fixes() for _ in ranges]
        for fixes, rr in zip(merged, ranges, strict=True):
            fixes.add("", Msg("plan.why.nodeport-range", n=len(rr.replaced)))
        anywhere = [False] * len(ranges)
        for gid, rkey, rule, fixes in pending:
            i = into.get((gid, rkey))
            if i is None:
                yield self._rule_action(gid, rule, fixes, (gid, rkey) in self.unconditional)
                continue
            anywhere[i] |= (gid, rkey) in self.unconditional
            for key in fixes.keys:
                merged[i].add(key, "")
            for reason in fixes.reasons:
                merged[i].add("", reason)
        for i, rr in enumerate(ranges):
            if rr.rule.key() in self.existing_rules(rr.gid):
                continue
            note = Msg(
                "plan.note.nodeport-range",
                n=len(rr.replaced),
                lo=rr.rule.port_range_min,
                hi=rr.rule.port_range_max,
                source=rr.rule.remote_ip_prefix or rr.rule.remote_group_id,
                quota=RULE_QUOTA,
            )
            yield self._rule_action(rr.gid, rr.rule, merged[i], anywhere[i], (note,))

    def _rule_action(
        self, gid: str, rule: Rule, fixes: _Fixes, unconditional: bool, notes: tuple[str, ...] = ()
    ) -> Action:
        group = self.topo.groups[gid]
        rev = group.revision_number
        public = (
            rule.remote_ip_prefix is not None
            and ipaddress.ip_network(rule.remote_ip_prefix).prefixlen == 0
        )
        return Action(
            id="",
            operation=Operation.ADD_SG_RULE,
            target=Target("security_group", gid, group.name),
            reason=self._reason(fixes),
            fixes=tuple(fixes.keys),
            precondition=Precondition(rev, _rev_text("security group", rev)),
            inverse=Inverse("delete-sg-rule", Msg("plan.undo.rule")),
            rule=rule,
            notes=notes
            + (() if unconditional else (Msg("plan.note.ovn-only"),))
            + ((Msg("plan.note.public-nodeport", port=rule.port_range_min),) if public else ()),
        )

    def _route_actions(self) -> Iterator[Action]:
        for rid, (routes, fixes) in sorted(self.routes.items()):
            router = self.routers.get(rid)
            if router is None:
                continue
            have = {Route(str(x.destination), str(x.nexthop)) for x in router.routes}
            missing = tuple(sorted(r for r in routes if r not in have))  # routes: ordered set
            if not missing:
                continue
            rev = router.revision_number
            yield Action(
                id="",
                operation=Operation.ADD_ROUTER_ROUTES,
                target=Target("router", rid, router.name),
                reason=self._reason(fixes),
                fixes=tuple(fixes.keys),
                precondition=Precondition(rev, Msg("plan.only-if.router")),
                inverse=Inverse("remove-router-routes", Msg("plan.undo.routes"), routes=missing),
                routes=missing,
                notes=(Msg("plan.note.routes-by-ccm"),),
            )

    def _port_actions(self) -> Iterator[Action]:
        disable_ids = set(self.disable)
        items: list[tuple[str, _PortItem]] = [
            *(("disable", i) for i in self.disable.values()),
            *(("pairs", i) for pid, i in self.pairs.items() if pid not in disable_ids),
        ]
        items.sort(key=lambda ki: (ki[1].node, ki[1].port.id))
        for kind, item in items:
            # an item only grows (cidrs and fixes are ordered sets): one whose sizes did not
            # change since the last `actions()` (fix plan's next iteration) renders the same
            state = (
                len(item.cidrs),
                len(item.fixes._keys),
                len(item.fixes._reasons),
                len(item.cases),
                int(item.always),
            )
            done = self._rendered.get((kind, item.port.id))
            if done is None or done[0] != state:
                action = (
                    self._disable_action(item) if kind == "disable" else self._pairs_action(item)
                )
                done = self._rendered[(kind, item.port.id)] = (state, action)
            if done[1] is not None:
                yield done[1]

    def _before(self, port: Port) -> PortFields | None:
        if port.port_security_enabled is None:
            self._note(
                f"not planned: port {port.id} ({port.name}): port_security_enabled was not "
                "collected, so its exact state cannot be recorded for rollback"
            )
            return None
        return PortFields.of(
            port.port_security_enabled,
            port.security_group_ids,
            (
                Pair(str(p.ip_address), p.mac_address or port.mac_address)
                for p in port.allowed_address_pairs
            ),
        )

    def _port_action(
        self,
        item: _PortItem,
        operation: Operation,
        undo: Msg,
        before: PortFields,
        after: PortFields,
        *,
        pairs: tuple[Pair, ...] = (),
        not_for_traffic: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> Action:
        """One update of ``item``'s port: planned at its revision, undone by restoring ``before``."""
        rev = item.port.revision_number
        return Action(
            id="",
            operation=operation,
            target=Target("port", item.port.id, item.node),
            reason=self._reason(item.fixes),
            fixes=tuple(item.fixes.keys),
            precondition=Precondition(rev, _rev_text("port", rev)),
            inverse=Inverse("restore-port-fields", undo, port_fields=before),
            before=before,
            after=after,
            pairs=pairs,
            not_for_traffic=not_for_traffic,
            notes=notes,
        )

    def _disable_action(self, item: _PortItem) -> Action | None:
        port = item.port
        before = self._before(port)
        if before is None:
            return None
        after = PortFields.of(False, (), ())
        if before == after:
            return None
        return self._port_action(
            item,
            Operation.DISABLE_PORT_SECURITY,
            Msg("plan.undo.port-security"),
            before,
            after,
            # for a conditional cause only: the case it is for, and that it drops all filtering
            notes=(*(() if item.always else item.cases), Msg("plan.note.one-request")),
        )

    def _pairs_action(self, item: _PortItem) -> Action | None:
        port = item.port
        before = self._before(port)
        if before is None:
            return None
        if not before.port_security_enabled:
            self._note(
                f"not planned: port {port.id} ({item.node}) has port security disabled; allowed "
                "pairs need it on (Neutron answers 409 AddressPairAndPortSecurityRequired)"
            )
            return None
        notes: list[str] = []
        wanted: list[tuple[IPNetwork, bool]] = []
        view = self.view_by_port.get(port.id)
        cidrs = list(item.cidrs)
        if self.options.tight:
            blocks = list(view.blocks) if view is not None else []
            if blocks:
                cidrs = blocks
                notes.append(
                    Msg("plan.note.tight", node=item.node, blocks=", ".join(str(b) for b in blocks))
                )
            else:
                notes.append(Msg("plan.note.tight-unknown", node=item.node))
        wanted.extend((c, False) for c in cidrs)
        if self.options.service_cidr:
            for svc in self.topo.service_cidrs:
                wanted.append((svc, True))
        # pairs the port has (with its own MAC) and pairs added here: "already covered" is a
        # lookup per prefix length, not a scan of every pair for every wanted CIDR
        covered: PrefixIndex[None] = PrefixIndex(
            (p.ip_address, None)
            for p in port.allowed_address_pairs
            if p.mac_address in (None, port.mac_address)
        )
        add: list[Pair] = []
        not_for_traffic: list[str] = []
        for cidr, service in wanted:
            if covered.covers(cidr):
                continue
            covered.add(cidr, None)
            add.append(Pair(str(cidr), port.mac_address))
            if service:
                not_for_traffic.append(str(cidr))
                notes.append(Msg("plan.note.service-short", cidr=str(cidr)))
        if set(not_for_traffic).issuperset(p.ip_address for p in add):
            return None  # nothing the traffic needs (or nothing at all) is missing
        return self._port_action(
            item,
            Operation.ADD_ALLOWED_PAIRS,
            Msg(
                "plan.undo.pairs",
                pairs=", ".join(p.ip_address for p in before.allowed_address_pairs),
            )
            if before.allowed_address_pairs
            else Msg("plan.undo.no-pairs"),
            before,
            before.with_pairs(tuple(add)),
            pairs=tuple(add),
            not_for_traffic=tuple(not_for_traffic),
            notes=tuple(notes),
        )

    def _manual_actions(self) -> Iterator[Action]:
        for (_kind, _tid, command), (r, fixes) in self.manual.items():
            yield Action(
                id="",
                operation=Operation.MANUAL,
                target=Target(r.target_kind, r.target_id, r.target_name),
                reason=self._reason(fixes),
                fixes=tuple(fixes.keys),
                precondition=Precondition(None, Msg("plan.only-if.manual")),
                inverse=Inverse("none", Msg("plan.undo.by-hand")),
                command=command,
                notes=(*((r.note,) if r.note else ()), *_one_way(r)),
            )


def _one_way(r: Remedy) -> tuple[Msg, ...]:
    """A manual step that begins one of several ways (findings `choice_line`) says so."""
    if not r.param("choice"):
        return ()
    return (Msg("plan.note.one-way", way=r.param("way") or "0"),)


def _public_nodeport(r: Remedy, rule: Rule) -> bool:
    """A rule for one NodePort of a public LoadBalancer Service on the OVN provider.

    OVN keeps the client's address, so a Service open to the world needs its
    NodePort open to the world (OCCM's manage-security-groups does the same,
    cloud-provider-openstack pkg/openstack/loadbalancer_sg.go); one port only,
    never a range, and the plan says how to narrow it (loadBalancerSourceRanges).
    """
    return (
        r.cause == "lb-nodeport-blocked"
        and rule.port_range_min is not None
        and rule.port_range_min == rule.port_range_max
    )


def rule_of(r: Remedy) -> Rule:
    """The security-group rule a rule remedy asks for (its network written canonically)."""
    lo, hi = r.param("port_range_min"), r.param("port_range_max")
    prefix = r.param("remote_ip_prefix") or None
    return Rule(
        direction=r.param("direction", "ingress"),
        ethertype=r.param("ethertype", "IPv4"),
        protocol=r.param("protocol") or None,
        port_range_min=int(lo) if lo else None,
        port_range_max=int(hi) if hi else None,
        remote_ip_prefix=str(parse_net(prefix)) if prefix else None,
        remote_group_id=r.param("remote_group_id") or None,
        description=r.param("description"),
    )


def _rev_text(kind: str, rev: int | None) -> str:
    if rev is None:
        return Msg(f"plan.only-if.{kind.replace(' ', '-')}.fields")
    return Msg(f"plan.only-if.{kind.replace(' ', '-')}.rev", rev=rev)


def _semicolons(items: list[str]) -> str:
    """Root-cause titles joined by "; " in either language."""
    joined = items[0]
    for item in items[1:]:
        joined = Msg("plan.and", first=joined, then=item)
    return joined
