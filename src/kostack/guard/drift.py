"""Drift: how Neutron differs from what the cluster's CNI needs, in guard's terms.

"Right" has one source of truth, the plan builder of `kostack fix plan`
(`kostack.plan.build.build_plan`, itself built on the remedies the analysis
computes). Guard runs it on the snapshot *without* what guard itself added
(`kostack.guard.ownership.strip_owned`): the pairs and rules that plan adds
are what the cluster needs from guard. Then, per port and per group:

- to add: what the plan adds and guard does not already own;
- to remove: what guard owns and the plan no longer adds (a node that left
  while its port stayed, a pod range that moved, a CNI that changed mode).

Removals are *held* (reported, not done) whenever the reading could be
wrong: a gap in what was collected, a check that answered UNKNOWN, or a
node that could not be matched to its port (its port might be one that
looks abandoned). Ports with port security off are reported, never
changed. Router routes and manual steps in the plan are not guard's: they
are reported as left to `kostack fix` (or the cloud controller).

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kostack.analyze.diagnose import OBSERVED_CAUSES, Diagnosis, diagnose
from kostack.analyze.findings import PAIR_OP, Status
from kostack.guard.drift_model import (
    PAIR_CHECKS,
    RULE_CHECKS,
    Drift,
    DriftOptions,
    Hold,
    PortDrift,
    RuleDrift,
)
from kostack.guard.ownership import (
    MAX_TAGS,
    PortOwnership,
    cidr_text,
    is_owned_rule,
    port_ownership,
    strip_owned,
)
from kostack.model.snapshot import Port, Snapshot
from kostack.plan.build import build_plan
from kostack.plan.model import Action, Operation
from kostack.plan.rules import Rule, rule_of

__all__ = [
    "Drift",
    "DriftOptions",
    "Hold",
    "PortDrift",
    "RuleDrift",
    "compute",
]


def compute(
    snapshot: Snapshot,
    options: DriftOptions | None = None,
    claims: Mapping[str, frozenset[str]] | None = None,
) -> Drift:
    """The drift of ``snapshot``; ``claims``: port id -> CIDRs the journal says guard added."""
    options = options or DriftOptions()
    os_ = snapshot.openstack
    ports: tuple[Port, ...] = (os_.ports or ()) if os_ is not None else ()
    ownership = {p.id: port_ownership(p, (claims or {}).get(p.id, ())) for p in ports}
    node_of = {np.port_id: np.node for np in snapshot.node_ports or () if np.port_id is not None}
    own_groups, ours = _this_cluster(snapshot, ports, node_of)
    owned_rules = {
        r.id: (g.id, g.name, r)
        for g in ((os_.security_groups or ()) if os_ is not None else ())
        if g.id in own_groups
        for r in g.rules
        if is_owned_rule(r)
    }
    stripped = strip_owned(snapshot, ownership, owned_rules)
    diagnosis = diagnose(stripped)
    plan = build_plan(stripped, options.plan_options(), diagnosis=diagnosis)
    wanted, wanted_rules, outside = _wanted(plan.actions)

    node_names = [n.name for n in (snapshot.cluster.nodes or ())] if snapshot.cluster else []
    linked = {np.node for np in snapshot.node_ports or () if np.port_id is not None}
    unmatched = tuple(sorted(n for n in node_names if n not in linked))
    unknown = {f.check_id for f in diagnosis.findings if f.status == Status.UNKNOWN}
    hold_pairs = bool(snapshot.gaps) or bool(unknown & PAIR_CHECKS)
    hold_rules = bool(snapshot.gaps) or bool(unknown & RULE_CHECKS)
    scope = set(node_of) | {pid for pid, o in ownership.items() if o.managed and pid in ours}
    port_drift, tag_holds = _port_drifts(
        ports, ownership, node_of, wanted, sorted(scope | set(wanted)), hold_pairs, unmatched
    )
    strangers = _strangers(snapshot, ports, set(scope), set(wanted_rules))
    rule_drift = _rule_drift(snapshot, wanted_rules, owned_rules, hold_rules, strangers)
    holds = _holds(
        snapshot,
        unknown,
        unmatched,
        pairs_held=any(p.held for p in port_drift),
        pairs_held_unused=any(p.held and not p.node for p in port_drift),
        rules_held=any(r.held for r in rule_drift),
    )
    off = tuple(
        sorted(
            (node_of[p.id], p.id)
            for p in ports
            if p.id in node_of and p.port_security_enabled is False
        )
    )
    named = {r.group_id for r in rule_drift} | {
        rule.remote_group_id
        for r in rule_drift
        for rule in (*r.add, *r.add_held, *(x for _, x in r.delete), *(x for _, x in r.held))
        if rule.remote_group_id
    }
    groups = (os_.security_groups or ()) if os_ is not None else ()
    return Drift(
        ports=tuple(port_drift),
        rules=rule_drift,
        node_ports=len(scope),
        nodes=len(node_names),
        holds=(*holds, *tag_holds),
        port_security_off=off,
        unmatched_nodes=unmatched,
        outside=tuple(outside),
        consent=_consent_only(diagnosis),
        root_causes=tuple(rc.key for rc in diagnosis.root_causes),
        plan_digest=plan.digest(),
        group_names={g.id: g.name for g in groups if g.id in named and g.name},
    )


def _consent_only(diagnosis: Diagnosis) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The ports whose pairs only `kostack fix` adds: those of the causes guard never keeps
    (OBSERVED: Calico eBPF DSR's answers, predicted or seen; docs/guard.md), as (port id,
    name: its node's, the pairs it lacks, sorted), once each and sorted by name. Guard
    reports them and changes nothing there."""
    names: dict[str, str] = {}
    pairs: dict[str, set[str]] = {}
    for rc in diagnosis.root_causes:
        if rc.key in OBSERVED_CAUSES:
            for r in rc.fix.remedies:
                if r.op == PAIR_OP:
                    names.setdefault(r.target_id, r.target_name or r.target_id)
                    pairs.setdefault(r.target_id, set()).add(r.param("ip_address"))
    return tuple(
        sorted(
            ((pid, name, tuple(sorted(pairs[pid] - {""}))) for pid, name in names.items()),
            key=lambda t: (t[1], t[0]),
        )
    )


def _this_cluster(
    snapshot: Snapshot, ports: tuple[Port, ...], node_of: Mapping[str, str]
) -> tuple[set[str], set[str]]:
    """The groups of this cluster's node ports, and the ports that may be this cluster's.

    The project may hold another cluster with its own guard, whose marks read
    like ours: its rules sit in its own groups, its ports are its nodes'. A
    port no node of this cluster has (a node that left while its port stays)
    is ours only on a network of our node ports and in a group our node ports
    have, other than `default` (which every port of the project may share).
    """
    node_ports = [p for p in ports if p.id in node_of]
    groups = {g for p in node_ports for g in p.security_group_ids}
    os_ = snapshot.openstack
    default = {
        g.id
        for g in ((os_.security_groups or ()) if os_ is not None else ())
        if g.name == "default"
    }
    networks = {p.network_id for p in node_ports}
    ours = {
        p.id
        for p in ports
        if p.id in node_of
        or (p.network_id in networks and (set(p.security_group_ids) & groups) - default)
    }
    return groups, ours


def _port_drifts(
    ports: tuple[Port, ...],
    ownership: Mapping[str, PortOwnership],
    node_of: Mapping[str, str],
    wanted: _Wanted,
    candidates: list[str],
    hold_pairs: bool,
    unmatched: tuple[str, ...],
) -> tuple[list[PortDrift], list[Hold]]:
    """Each candidate port's drift, and the ports held back because their tags would overflow."""
    by_id = {p.id: p for p in ports}
    port_drift: list[PortDrift] = []
    tag_holds: list[Hold] = []
    for pid in candidates:
        if pid not in by_id:
            continue
        node = node_of.get(pid, "")
        drift = _port_drift(
            by_id[pid],
            ownership[pid],
            node,
            wanted.get(pid),
            may_remove=not hold_pairs and (bool(node) or not unmatched),
        )
        if drift is None:
            continue
        if drift.add and ownership[pid].tags + len(drift.add) + 1 > MAX_TAGS:
            tag_holds.append(Hold("hold.tags", (("port", pid), ("tags", str(ownership[pid].tags)))))
            continue
        port_drift.append(drift)
    return port_drift, tag_holds


_Wanted = dict[str, tuple[set[str], set[str], str]]  # port -> (cidrs, service CIDRs, reason)
_WantedRules = dict[str, dict[tuple[object, ...], tuple[Rule, str]]]


def _wanted(
    actions: Iterable[Action],
) -> tuple[_Wanted, _WantedRules, list[tuple[str, str]]]:
    """The pairs and rules the plan adds, by port and group; what else it plans (not guard's):
    (operation, target) pairs."""
    wanted: _Wanted = {}
    wanted_rules: _WantedRules = {}
    outside: list[tuple[str, str]] = []
    for action in actions:
        if action.operation == Operation.ADD_ALLOWED_PAIRS:
            cidrs, service, _ = wanted.setdefault(action.target.id, (set(), set(), action.reason))
            cidrs.update(cidr_text(p.ip_address) for p in action.pairs)
            service.update(cidr_text(c) for c in action.not_for_traffic)
        elif action.operation == Operation.ADD_SG_RULE and action.rule is not None:
            rules = wanted_rules.setdefault(action.target.id, {})
            rules[action.rule.key()] = (action.rule, action.reason)
        else:
            outside.append((str(action.operation), action.target.name or action.target.id))
    return wanted, wanted_rules, outside


def _port_drift(
    port: Port,
    own: PortOwnership,
    node: str,
    wanted: tuple[set[str], set[str], str] | None,
    *,
    may_remove: bool,
) -> PortDrift | None:
    """What guard must do to one port, or None when the port is as it should be."""
    cidrs, service, reason = wanted if wanted is not None else (set(), set(), "")
    add = sorted(cidrs - own.owned)
    extra = sorted(own.owned - cidrs)
    remove, held = (extra, []) if may_remove else ([], extra)
    owned_after = (own.owned - set(remove)) | set(add)
    drift = PortDrift(
        port_id=port.id,
        port_name=port.name,
        node=node,
        revision=port.revision_number,
        add=tuple(add),
        remove=tuple(remove),
        claim=tuple(sorted(own.claimable - set(remove))),
        unclaim=tuple(sorted(own.stale)),
        service=tuple(sorted(service & set(add))),
        held=tuple(held),
        reason=reason if add else "",
        mark=bool(owned_after) and not own.marker,
        unmark=not owned_after and own.marker and not held,
    )
    if drift.changes_pairs or drift.changes_tags or drift.held:
        return drift
    return None


def _holds(
    snapshot: Snapshot,
    unknown: set[str],
    unmatched: tuple[str, ...],
    *,
    pairs_held: bool,
    pairs_held_unused: bool,
    rules_held: bool,
) -> tuple[Hold, ...]:
    """Why removals were held, said only where something was held (or the reading had gaps)."""
    holds: list[Hold] = []
    if snapshot.gaps:
        first = snapshot.gaps[0]
        holds.append(Hold("hold.gaps", (("n", str(len(snapshot.gaps))), ("source", first.source))))
    checks = sorted(
        (unknown & PAIR_CHECKS if pairs_held else set())
        | (unknown & RULE_CHECKS if rules_held else set())
    )
    if checks:
        holds.append(Hold("hold.unknown", (("checks", ", ".join(checks)),)))
    if unmatched and pairs_held_unused:
        shown = ", ".join(unmatched[:5]) + (
            f" (+{len(unmatched) - 5})" if len(unmatched) > 5 else ""
        )
        holds.append(Hold("hold.unmatched", (("n", str(len(unmatched))), ("nodes", shown))))
    return tuple(holds)


def _strangers(
    snapshot: Snapshot, ports: Iterable[Port], scope: set[str], groups: set[str]
) -> dict[str, tuple[str, ...]]:
    """Per group the plan adds rules to: who else a rule there admits traffic to, the ports
    outside guard's scope (another team's VMs) and, for a group another project owns, that
    project (its ports are not seen). One pass over the ports."""
    out: dict[str, list[str]] = {}
    for port in ports:
        if port.id in scope:
            continue
        for gid in port.security_group_ids:
            if gid in groups:
                out.setdefault(gid, []).append(port.name or port.id)
    os_ = snapshot.openstack
    project = os_.project_id if os_ is not None else None
    for group in (os_.security_groups or ()) if os_ is not None else ():
        if group.id in groups and project and group.project_id not in (None, project):
            out.setdefault(group.id, []).append(f"project {group.project_id}")
    return {gid: tuple(sorted(names)) for gid, names in out.items()}


def _rule_drift(
    snapshot: Snapshot,
    wanted: Mapping[str, Mapping[tuple[object, ...], tuple[Rule, str]]],
    owned: Mapping[str, tuple[str, str, Any]],
    hold_all: bool,
    strangers: Mapping[str, tuple[str, ...]],
) -> tuple[RuleDrift, ...]:
    """Per group: the plan's rules guard creates (none in a group shared with ports outside
    its scope: those it leaves to `kostack fix plan`, which warns), and its own rules it
    deletes or holds."""
    os_ = snapshot.openstack
    groups = {g.id: g for g in ((os_.security_groups or ()) if os_ is not None else ())}
    owned_by_group: dict[str, list[tuple[str, Rule]]] = {}
    for rule_id, (gid, _name, raw) in owned.items():
        owned_by_group.setdefault(gid, []).append((rule_id, rule_of(raw)))
    out: list[RuleDrift] = []
    for gid in sorted(set(wanted) | set(owned_by_group)):
        group = groups.get(gid)
        want = wanted.get(gid, {})
        mine = owned_by_group.get(gid, [])
        mine_keys = {r.key() for _, r in mine}
        add = tuple(
            rule for key, (rule, _reason) in sorted(want.items(), key=repr) if key not in mine_keys
        )
        extra = tuple(
            (rid, r) for rid, r in sorted(mine, key=lambda x: x[0]) if r.key() not in want
        )
        delete, held = ((), extra) if hold_all else (extra, ())
        shared = strangers.get(gid, ())
        add, add_held = ((), add) if shared else (add, ())
        if add or delete or held or add_held:
            out.append(
                RuleDrift(
                    group_id=gid,
                    group_name=group.name if group else "",
                    add=add,
                    delete=delete,
                    held=held,
                    reasons=tuple(dict.fromkeys(reason for _r, reason in want.values())),
                    add_held=add_held,
                    strangers=shared if add_held else (),
                )
            )
    return tuple(out)
