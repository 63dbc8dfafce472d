"""Build a fix plan from a snapshot and its diagnosis, and verify it before anything runs.

The planner starts from the remedies the analysis already computed for each
root cause (allowed pairs, security-group rules, router routes, the
disable-port-security alternative, manual steps), turns them into concrete
actions against the objects in the snapshot (one port update per port, one
rule per rule, one route update per router), drops what already holds, and
then verifies: it applies the actions to a copy of the snapshot
(`apply_remedies`) and diagnoses that. Remedies the would-be state still
calls for are added and the loop runs again (at most MAX_ITERATIONS times),
so a plan that only adds pairs on an ML2/OVN cloud also gets the pod-CIDR
rule that OVN needs.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kostack.analyze.diagnose import (
    PORT_CAUSES,
    Diagnosis,
    RootCause,
    diagnose,
    root_cause_title,
)
from kostack.analyze.findings import Remedy, command_for
from kostack.analyze.loadbalancer.settle import settle_after_fix
from kostack.analyze.remedy import apply_remedies
from kostack.analyze.topology import NodeView, Topology, net_within
from kostack.model.snapshot import IPAddress, IPNetwork, Port, Snapshot
from kostack.plan.model import (
    Action,
    Inverse,
    Method,
    Operation,
    Pair,
    Plan,
    PlanOptions,
    PlanSource,
    PortFields,
    Precondition,
    RootCauseRef,
    Route,
    Rule,
    Target,
    Verification,
)

MAX_ITERATIONS = 4

SERVICE_CIDR_SHORT = "{cidr} is the service CIDR: not needed for traffic (see the plan's notes)"
SERVICE_CIDR_NOTE = (
    "{cidr} is the service CIDR: not needed for traffic (service IPs never appear as a source "
    "on the wire; kube-proxy rewrites them before packets leave the node). It is added because "
    "the seed's operators and Kubespray add it; `--no-service-cidr` leaves it out."
)
PUBLIC_NODEPORT_NOTE = (
    "NodePort {port} open to every address: the Service is public and its provider (OVN) keeps "
    "the client's address; set the Service's spec.loadBalancerSourceRanges and plan again to "
    "open it to those ranges only"
)
TIGHT_NOTE = (
    "--tight: only the pod blocks {node} owns now ({blocks}). When the CNI gives the node "
    "another block (Calico does as its blocks fill), that block's pods are dropped again "
    "until you re-plan."
)


def ref(rc: RootCause) -> RootCauseRef:
    """The short form of a root cause that plans and verification reports carry."""
    return RootCauseRef(rc.key, str(rc.title), str(rc.severity), str(rc.message), len(rc.resources))


@dataclass
class _Fixes:
    """Which root causes an item fixes, and the first reason given for it."""

    keys: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, key: str, reason: str) -> bool:
        added = False
        if key and key not in self.keys:
            self.keys.append(key)
            added = True
        if reason and reason not in self.reasons:
            self.reasons.append(reason)
        return added


@dataclass
class _PortItem:
    port: Port
    node: str
    cidrs: list[IPNetwork] = field(default_factory=list)
    fixes: _Fixes = field(default_factory=_Fixes)


class _Builder:
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
        self.routes: dict[str, tuple[list[Route], _Fixes]] = {}
        self.manual: dict[tuple[str, str, str], tuple[Remedy, _Fixes]] = {}
        self.not_planned: list[str] = []
        # rules some root cause needs whatever the backend (the others are OVN-only)
        self.unconditional: set[tuple[str, tuple[object, ...]]] = set()

    # ------------------------------------------------------------------ intake

    def add(self, items: Iterable[tuple[Remedy, str, bool]]) -> bool:
        """Take (remedy, root-cause key, conditional) items; True when anything new was planned."""
        changed = False
        for remedy, key, conditional in items:
            changed |= self._add(remedy, key)
            if remedy.op == "add-sg-rule" and not conditional:
                self.unconditional.add((remedy.target_id, _rule_of(remedy).key()))
        return changed

    def _note(self, text: str) -> None:
        if text not in self.not_planned:
            self.not_planned.append(text)

    def _add(self, r: Remedy, key: str) -> bool:
        reason = str(r.reason)
        if r.op == "add-allowed-pair":
            return self._add_pair(r, key, reason)
        if r.op == "disable-port-security":
            port = self.topo.ports.get(r.target_id)
            if port is None:
                return False
            item = self.disable.get(port.id)
            if item is None:
                item = self.disable[port.id] = _PortItem(port, r.target_name)
                item.fixes.add(key, reason)
                return True
            return item.fixes.add(key, reason)
        if r.op == "add-sg-rule":
            return self._add_rule(r, key, reason)
        if r.op == "add-router-route":
            try:
                route = Route(
                    str(ipaddress.ip_network(r.param("destination"))),
                    str(ipaddress.ip_address(r.param("nexthop"))),
                )
            except ValueError:
                return False
            routes, fixes = self.routes.setdefault(r.target_id, ([], _Fixes()))
            new = route not in routes
            if new:
                routes.append(route)
            return fixes.add(key, reason) or new
        mkey = (r.target_kind, r.target_id, command_for(r))
        if mkey in self.manual:
            return self.manual[mkey][1].add(key, reason)
        fixes = _Fixes()
        fixes.add(key, reason)
        self.manual[mkey] = (r, fixes)
        return True

    def _add_pair(self, r: Remedy, key: str, reason: str) -> bool:
        port = self.topo.ports.get(r.target_id)
        if port is None:
            return False
        try:
            cidr = ipaddress.ip_network(r.param("ip_address"))
        except ValueError:
            return False
        item = self.pairs.get(port.id)
        new = item is None
        if item is None:
            item = self.pairs[port.id] = _PortItem(port, r.target_name or port.name)
        if cidr not in item.cidrs:
            item.cidrs.append(cidr)
            new = True
        return item.fixes.add(key, reason) or new

    def _add_rule(self, r: Remedy, key: str, reason: str) -> bool:
        rule = _rule_of(r)
        if (
            rule.remote_ip_prefix is not None
            and ipaddress.ip_network(rule.remote_ip_prefix).prefixlen == 0
            and not _public_nodeport(r, rule)
        ):
            self._note(
                f"not planned: a rule open to {rule.remote_ip_prefix} ({reason}); "
                "kostack scopes every rule to the cluster"
            )
            return False
        rkey = (r.target_id, rule.key())
        if rkey in self.rules:
            return self.rules[rkey][1].add(key, reason)
        fixes = _Fixes()
        fixes.add(key, reason)
        self.rules[rkey] = (rule, fixes)
        return True

    # ------------------------------------------------------------------ output

    def actions(self) -> tuple[Action, ...]:
        out: list[Action] = []
        out.extend(self._rule_actions())
        out.extend(self._route_actions())
        out.extend(self._port_actions())
        out.extend(self._manual_actions())
        return tuple(
            Action(
                id=f"a{i}",
                operation=a.operation,
                target=a.target,
                reason=a.reason,
                fixes=a.fixes,
                precondition=a.precondition,
                inverse=a.inverse,
                before=a.before,
                after=a.after,
                pairs=a.pairs,
                not_for_traffic=a.not_for_traffic,
                rule=a.rule,
                routes=a.routes,
                command=a.command,
                notes=a.notes,
            )
            for i, a in enumerate(out, 1)
        )

    def _reason(self, fixes: _Fixes) -> str:
        titles = "; ".join(str(root_cause_title(k)) for k in fixes.keys)
        first = fixes.reasons[0] if fixes.reasons else ""
        return f"{first} (root cause: {titles})" if titles else first

    def _rule_actions(self) -> Iterator[Action]:
        for (gid, rkey), (rule, fixes) in sorted(
            self.rules.items(), key=lambda kv: (kv[0][0], repr(kv[0][1]))
        ):
            group = self.topo.groups.get(gid)
            if group is None:
                continue
            if any(_rule_holds(rule, existing) for existing in group.rules):
                continue
            rev = group.revision_number
            yield Action(
                id="",
                operation=Operation.ADD_SG_RULE,
                target=Target("security_group", gid, group.name),
                reason=self._reason(fixes),
                fixes=tuple(fixes.keys),
                precondition=Precondition(rev, _rev_text("security group", rev)),
                inverse=Inverse(
                    "delete-sg-rule",
                    "delete the rule kostack created (its id is in the journal)",
                ),
                rule=rule,
                notes=(
                    (
                        "needed only under ML2/OVN, where a remote-group rule does not match the "
                        "members' allowed pairs; the Neutron backend is not known, so it is included "
                        "(under ML2/OVS it changes nothing)",
                    )
                    if (gid, rkey) not in self.unconditional
                    else ()
                )
                + (
                    (PUBLIC_NODEPORT_NOTE.format(port=rule.port_range_min),)
                    if rule.remote_ip_prefix is not None
                    and ipaddress.ip_network(rule.remote_ip_prefix).prefixlen == 0
                    else ()
                ),
            )

    def _route_actions(self) -> Iterator[Action]:
        for rid, (routes, fixes) in sorted(self.routes.items()):
            router = next((r for r in self.topo.routers if r.id == rid), None)
            if router is None:
                continue
            have = {Route(str(x.destination), str(x.nexthop)) for x in router.routes}
            missing = tuple(sorted(r for r in routes if r not in have))
            if not missing:
                continue
            rev = router.revision_number
            yield Action(
                id="",
                operation=Operation.ADD_ROUTER_ROUTES,
                target=Target("router", rid, router.name),
                reason=self._reason(fixes),
                fixes=tuple(fixes.keys),
                precondition=Precondition(rev, _rev_text("router", rev)),
                inverse=Inverse(
                    "remove-router-routes", "remove the routes kostack added", routes=missing
                ),
                routes=missing,
                notes=(
                    "if the OpenStack cloud controller manages this router's routes "
                    "(--configure-routes), let it add them instead",
                ),
            )

    def _port_actions(self) -> Iterator[Action]:
        disable_ids = set(self.disable)
        items: list[tuple[str, _PortItem]] = [
            *(("disable", i) for i in self.disable.values()),
            *(("pairs", i) for pid, i in self.pairs.items() if pid not in disable_ids),
        ]
        items.sort(key=lambda ki: (ki[1].node, ki[1].port.id))
        for kind, item in items:
            action = self._disable_action(item) if kind == "disable" else self._pairs_action(item)
            if action is not None:
                yield action

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

    def _disable_action(self, item: _PortItem) -> Action | None:
        port = item.port
        before = self._before(port)
        if before is None:
            return None
        after = PortFields.of(False, (), ())
        if before == after:
            return None
        rev = port.revision_number
        return Action(
            id="",
            operation=Operation.DISABLE_PORT_SECURITY,
            target=Target("port", port.id, item.node),
            reason=self._reason(item.fixes),
            fixes=tuple(item.fixes.keys),
            precondition=Precondition(rev, _rev_text("port", rev)),
            inverse=Inverse(
                "restore-port-fields",
                "one PUT with port security on and the groups and pairs it had",
                port_fields=before,
            ),
            before=before,
            after=after,
            notes=(
                "one request clears groups and pairs and disables port security (the order "
                "Neutron accepts: disabling alone is a 409 while a group or pair is attached)",
            ),
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
                    TIGHT_NOTE.format(node=item.node, blocks=", ".join(str(b) for b in blocks))
                )
            else:
                notes.append(
                    f"--tight: {item.node}'s pod blocks are not known, so the pod CIDR is used"
                )
        wanted.extend((c, False) for c in cidrs)
        if self.options.service_cidr:
            for svc in self.topo.service_cidrs:
                wanted.append((svc, True))
        existing = [
            p for p in port.allowed_address_pairs if p.mac_address in (None, port.mac_address)
        ]
        add: list[Pair] = []
        not_for_traffic: list[str] = []
        for cidr, service in wanted:
            if any(net_within(cidr, p.ip_address) for p in existing):
                continue
            if any(net_within(cidr, ipaddress.ip_network(p.ip_address)) for p in add):
                continue
            add.append(Pair(str(cidr), port.mac_address))
            if service:
                not_for_traffic.append(str(cidr))
                notes.append(SERVICE_CIDR_SHORT.format(cidr=cidr))
        if all(p.ip_address in not_for_traffic for p in add):
            return None  # nothing the traffic needs (or nothing at all) is missing
        after = PortFields.of(
            before.port_security_enabled,
            before.security_groups,
            (*before.allowed_address_pairs, *add),
        )
        rev = port.revision_number
        return Action(
            id="",
            operation=Operation.ADD_ALLOWED_PAIRS,
            target=Target("port", port.id, item.node),
            reason=self._reason(item.fixes),
            fixes=tuple(item.fixes.keys),
            precondition=Precondition(rev, _rev_text("port", rev)),
            inverse=Inverse(
                "restore-port-fields",
                "set allowed_address_pairs back to "
                + (
                    "[" + ", ".join(p.ip_address for p in before.allowed_address_pairs) + "]"
                    if before.allowed_address_pairs
                    else "[] (none)"
                ),
                port_fields=before,
            ),
            before=before,
            after=after,
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
                precondition=Precondition(None, "none: kostack does not run manual steps"),
                inverse=Inverse("none", "undo by hand"),
                command=command,
                notes=(str(r.note),) if r.note else (),
            )


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


def _rule_of(r: Remedy) -> Rule:
    lo, hi = r.param("port_range_min"), r.param("port_range_max")
    prefix = r.param("remote_ip_prefix") or None
    return Rule(
        direction=r.param("direction", "ingress"),
        ethertype=r.param("ethertype", "IPv4"),
        protocol=r.param("protocol") or None,
        port_range_min=int(lo) if lo else None,
        port_range_max=int(hi) if hi else None,
        remote_ip_prefix=str(ipaddress.ip_network(prefix)) if prefix else None,
        remote_group_id=r.param("remote_group_id") or None,
        description=r.param("description"),
    )


def _rev_text(kind: str, rev: int | None) -> str:
    if rev is None:
        return f"the {kind}'s fields still equal the planned before-state (no revision_number in the snapshot)"
    return f"the {kind}'s revision_number is still {rev} (as read at planning)"


def _rule_holds(rule: Rule, existing: object) -> bool:
    """Whether an existing snapshot rule is the same rule (Neutron would call it a duplicate)."""
    from kostack.model.snapshot import SecurityGroupRule

    if not isinstance(existing, SecurityGroupRule):
        return False
    other = Rule(
        direction=existing.direction,
        ethertype=existing.ethertype,
        protocol=existing.protocol,
        port_range_min=existing.port_range_min,
        port_range_max=existing.port_range_max,
        remote_ip_prefix=str(existing.remote_ip_prefix) if existing.remote_ip_prefix else None,
        remote_group_id=existing.remote_group_id,
    )
    return other.key() == rule.key()


# --------------------------------------------------------------------------- simulation


def simulated_remedies(actions: Iterable[Action]) -> tuple[Remedy, ...]:
    """The analysis remedies equivalent to ``actions`` (for `apply_remedies`)."""
    out: list[Remedy] = []
    for a in actions:
        t = a.target
        if a.operation == Operation.ADD_ALLOWED_PAIRS:
            out.extend(
                Remedy(
                    "add-allowed-pair", "port", t.id, t.name, (("ip_address", p.ip_address),), ""
                )
                for p in a.pairs
            )
        elif a.operation == Operation.DISABLE_PORT_SECURITY:
            out.append(Remedy("disable-port-security", "port", t.id, t.name, (), ""))
        elif a.operation == Operation.ADD_SG_RULE and a.rule is not None:
            params = [
                (k, str(v))
                for k, v in a.rule.as_dict().items()
                if v is not None and v != "" and k != "description"
            ]
            out.append(Remedy("add-sg-rule", "security_group", t.id, t.name, tuple(params), ""))
        elif a.operation == Operation.ADD_ROUTER_ROUTES:
            out.extend(
                Remedy(
                    "add-router-route",
                    "router",
                    t.id,
                    t.name,
                    (("destination", r.destination), ("nexthop", r.nexthop)),
                    "",
                )
                for r in a.routes
            )
    return tuple(out)


def simulate(snapshot: Snapshot, actions: Iterable[Action]) -> Snapshot:
    """The snapshot as it would be after the automatic actions (and Octavia's next monitor run)."""
    after = apply_remedies(snapshot, simulated_remedies(a for a in actions if a.automatic))
    return settle_after_fix(snapshot, after)


# --------------------------------------------------------------------------- the plan


def _remedies(d: Diagnosis, options: PlanOptions) -> Iterator[tuple[Remedy, str, bool]]:
    """(remedy, root cause, conditional) for every root cause of ``d``, by ``options.method``.

    Conditional remedies (the pod-CIDR rule when the Neutron backend is not
    known) are included: they are scoped to the pod CIDR and make the fix work
    under ML2/OVN too.
    """
    backend_unknown = d.snapshot.openstack is None or d.snapshot.openstack.backend is None
    for rc in d.root_causes:
        disable = options.method == Method.DISABLE_PORT_SECURITY and rc.key in PORT_CAUSES
        if disable and rc.fix.alternative:
            yield from ((r, rc.key, False) for r in rc.fix.alternative)
            continue
        yield from ((r, rc.key, False) for r in rc.fix.remedies)
        if backend_unknown:
            yield from ((r, rc.key, True) for r in rc.fix.conditional)


def protection_lost(snapshot: Snapshot, actions: Iterable[Action]) -> str:
    """What --method disable-port-security gives up, in one paragraph naming the objects."""
    topo = Topology(snapshot)
    ports = [a for a in actions if a.operation == Operation.DISABLE_PORT_SECURITY]
    if not ports:
        return ""
    names = ", ".join(a.target.name or a.target.id for a in ports[:6])
    if len(ports) > 6:
        names += f" and {len(ports) - 6} more"
    groups: dict[str, int] = {}
    for a in ports:
        for gid in a.before.security_groups if a.before else ():
            grp = topo.groups.get(gid)
            if grp is not None:
                groups[grp.name or gid] = sum(1 for r in grp.rules if r.direction == "ingress")
    nets = sorted(
        {
            (topo.networks[p.network_id].name or p.network_id)
            if p.network_id in topo.networks
            else p.network_id
            for a in ports
            if (p := topo.ports.get(a.target.id)) is not None
        }
    )
    group_text = (
        ", ".join(f"{n} ({k} ingress rules)" for n, k in sorted(groups.items()))
        if groups
        else "none"
    )
    return (
        f"--method disable-port-security turns port security off on {len(ports)} node ports "
        f"({names}). Lost: (1) anti-spoofing - Neutron stops checking the source MAC and IP of "
        f"their packets, so a compromised node can send as any address on {', '.join(nets)}; "
        f"(2) every security group - {group_text} stop filtering, so every service listening "
        "on these VMs (SSH 22, kubelet 10250, etcd 2379-2380, NodePorts 30000-32767) accepts "
        "connections from anything that can reach the network. Re-enabling port security later "
        "restores neither the groups nor the pairs (`kostack fix rollback JOURNAL` does). "
        "Applying needs --i-understand-this-disables-filtering."
    )


def build_plan(
    snapshot: Snapshot,
    options: PlanOptions | None = None,
    *,
    diagnosis: Diagnosis | None = None,
    egress_target: IPAddress | None = None,
) -> Plan:
    """The verified plan that fixes ``snapshot``'s root causes with ``options``."""
    options = options or PlanOptions()
    diagnosis = diagnosis or diagnose(snapshot, egress_target)
    builder = _Builder(snapshot, options)
    builder.add(_remedies(diagnosis, options))
    iterations = 0
    before_keys = {rc.key for rc in diagnosis.root_causes}
    revealed: dict[str, RootCauseRef] = {}
    while True:
        iterations += 1
        actions = builder.actions()
        after = diagnose(simulate(snapshot, actions), egress_target)
        for rc in after.root_causes:
            if rc.key not in before_keys:
                revealed.setdefault(rc.key, ref(rc))
        if iterations >= MAX_ITERATIONS or not builder.add(_remedies(after, options)):
            break
    planned = {k for a in actions for k in a.fixes}
    not_planned = list(builder.not_planned)
    for rc in diagnosis.root_causes:
        if rc.key not in planned:
            not_planned.append(
                f"root cause {rc.key} ({rc.title}): kostack has no change to make for it; "
                f"{rc.message}"
            )
    notes = [
        SERVICE_CIDR_NOTE.format(cidr=c)
        for c in dict.fromkeys(c for a in actions for c in a.not_for_traffic)
    ]
    warnings: list[str] = []
    lost = protection_lost(snapshot, actions)
    if lost:
        warnings.append(lost)
    for f in diagnosis.warnings:
        warnings.append(f"left as it is: {f.message}")
    os_ = snapshot.openstack
    source = PlanSource(
        snapshot_source=snapshot.source,
        snapshot_created_at=snapshot.created_at,
        cloud=os_.cloud if os_ else None,
        project=(os_.project_name or os_.project_id) if os_ else None,
        neutron_backend=os_.backend if os_ else None,
    )
    verification = Verification(
        tuple(ref(rc) for rc in diagnosis.root_causes),
        tuple(ref(rc) for rc in after.root_causes),
        iterations,
        simulated=True,
        revealed=tuple(revealed.values()),
    )
    return Plan(
        options,
        source,
        actions,
        verification,
        tuple(dict.fromkeys(warnings)),
        tuple(dict.fromkeys(not_planned)),
        tuple(notes),
    )


def compare(before: Diagnosis, after: Diagnosis) -> Verification:
    """Before/after root causes of two real diagnoses (verify after apply)."""
    return Verification(
        tuple(ref(rc) for rc in before.root_causes),
        tuple(ref(rc) for rc in after.root_causes),
        1,
        simulated=False,
    )
