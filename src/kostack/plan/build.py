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

from collections.abc import Iterable, Iterator
from dataclasses import replace

from kostack.analyze.diagnose import (
    OBSERVED_CAUSES,
    PORT_CAUSES,
    SILENT,
    Diagnosis,
    Phases,
    RootCause,
    diagnose,
    diagnose_with_flows,
)
from kostack.analyze.engine.stateless import fully_random_switched_off
from kostack.analyze.findings import Remedy
from kostack.analyze.loadbalancer.settle import settle_after_fix
from kostack.analyze.messages import Msg
from kostack.analyze.remedy import apply_remedies
from kostack.analyze.topology import Topology
from kostack.collector import collector_paused
from kostack.model.snapshot import IPAddress, Snapshot
from kostack.plan.assemble import Builder
from kostack.plan.assemble_text import title_msg
from kostack.plan.model import (
    Action,
    Method,
    Operation,
    Plan,
    PlanOptions,
    PlanSource,
    RootCauseRef,
    Verification,
)
from kostack.plan.nodeport_range import PAIR_LIMIT, RULE_QUOTA, over_quota

MAX_ITERATIONS = 4
FELIX = "felixconfiguration"  # net-sg-stateless's manual step (Felix's switch) changes it


def ref(rc: RootCause) -> RootCauseRef:
    """The short form of a root cause that plans and verification reports carry."""
    # the message stays a Msg: the plan and the preflight report say it in either language
    return RootCauseRef(rc.key, str(rc.title), str(rc.severity), rc.message, len(rc.resources))


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
    under ML2/OVN too. So is what a decided cause needs in each case where that
    differs (``rc.fix.cases``), marked conditional.
    """
    for rc in d.root_causes:
        if not options.observed and rc.key in OBSERVED_CAUSES:
            continue  # guard: the need is seen only until it is fixed
        disable = options.method == Method.DISABLE_PORT_SECURITY and rc.key in PORT_CAUSES
        if disable and rc.fix.alternative:
            yield from ((r, rc.key, False) for r in rc.fix.alternative)
            continue
        yield from ((r, rc.key, False) for r in rc.fix.remedies)
        for condition, remedies in rc.fix.cases:
            # each says the case it is for ("... (if WireGuard is on)")
            yield from (
                (
                    replace(r, reason=Msg("cause.in-case", message=r.reason, condition=condition)),
                    rc.key,
                    True,
                )
                for r in remedies
            )
    # causes that hold only in some cases of what the snapshot leaves open (the pod-CIDR rule
    # under ML2/OVN when the backend is not known): included, marked conditional; by
    # --method disable-port-security, their fast alternative, which says its case
    for rc in d.conditional:
        if not options.observed and rc.key in OBSERVED_CAUSES:
            continue
        disable = options.method == Method.DISABLE_PORT_SECURITY and rc.key in PORT_CAUSES
        if disable and rc.fix.alternative:
            yield from ((_in_case(r, rc.condition), rc.key, True) for r in rc.fix.alternative)
            continue
        yield from ((r, rc.key, True) for r in rc.fix.remedies)


def _in_case(r: Remedy, condition: str) -> Remedy:
    """A conditional cause's fast alternative: its reason says the case, its note that it is
    for that case only and drops all filtering (the plan notes it unless a decided cause
    needs the port's change too)."""
    return replace(
        r,
        reason=Msg("cause.in-case", message=r.reason, condition=condition),
        note=Msg("plan.note.disable-case", condition=condition),
    )


def protection_lost(actions: Iterable[Action], topo: Topology) -> str:
    """What --method disable-port-security gives up, in one paragraph naming the objects."""
    ports = [a for a in actions if a.operation == Operation.DISABLE_PORT_SECURITY]
    if not ports:
        return ""
    names: str = ", ".join(a.target.name or a.target.id for a in ports[:6])
    if len(ports) > 6:
        names = Msg("plan.lost.more", names=names, n=len(ports) - 6)
    groups: dict[str, int] = {}
    counted: set[str] = set()
    for a in ports:
        for gid in a.before.security_groups if a.before else ():
            grp = topo.groups.get(gid)
            if grp is not None and gid not in counted:
                counted.add(gid)
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
    group_text: object = [
        Msg("plan.lost.group", name=n, n=k) for n, k in sorted(groups.items())
    ] or Msg("plan.lost.no-groups")
    return Msg(
        "plan.lost",
        n=len(ports),
        names=names,
        nets=", ".join(nets),
        groups=group_text,
    )


def shared_groups(
    actions: Iterable[Action], topo: Topology, project: str | None = None
) -> list[str]:
    """A warning for each group the plan adds rules to that ports of no node also have.

    A rule admits its traffic to every port in the group: another team's VMs
    in a group the nodes share (often `default`) are opened with the nodes; so
    are the ports of another ``project`` owning the group, which are not seen.
    """
    nodes = {v.port.id for v in topo.node_views.values() if v.port is not None}
    out: list[str] = []
    for gid in dict.fromkeys(a.target.id for a in actions if a.operation == Operation.ADD_SG_RULE):
        others = sorted(
            p.name or p.id
            for p in topo.ports.values()
            if gid in p.security_group_ids and p.id not in nodes
        )
        group = topo.groups.get(gid)
        if group is not None and project and group.project_id not in (None, project):
            out.append(
                Msg("plan.foreign-group", group=group.name, project=group.project_id, own=project)
            )
        if not others:
            continue
        names: str = ", ".join(others[:6])
        if len(others) > 6:
            names = Msg("plan.lost.more", names=names, n=len(others) - 6)
        out.append(
            Msg("plan.shared-group", group=group.name if group else gid, n=len(others), ports=names)
        )
    return out


def rule_quota(actions: Iterable[Action], topo: Topology, project: str | None) -> list[str]:
    """A warning when the plan's rules take the project past Neutron's default rule quota."""
    rules = [a for a in actions if a.operation == Operation.ADD_SG_RULE]
    if project is None:  # not known (no Keystone): the project owning the groups the rules go to
        owners = (g.project_id for a in rules if (g := topo.groups.get(a.target.id)) is not None)
        project = next((p for p in owners if p), None)
    added = len(rules)
    existing = {g.id: len(g.rules) for g in topo.groups.values() if g.project_id in (None, project)}
    total = over_quota(added, existing)
    if total is None:
        return []
    return [
        Msg(
            "plan.rule-quota",
            added=added,
            existing=sum(existing.values()),
            total=total,
            quota=RULE_QUOTA,
        )
    ]


def pair_limit(actions: Iterable[Action]) -> list[str]:
    """A warning naming the ports the plan takes past Neutron's default pair limit per port."""
    over = [
        a
        for a in actions
        if a.operation == Operation.ADD_ALLOWED_PAIRS
        and a.after is not None
        and len(a.after.allowed_address_pairs) > PAIR_LIMIT
    ]
    if not over:
        return []
    names: str = ", ".join(a.target.name or a.target.id for a in over[:6])
    if len(over) > 6:
        names = Msg("plan.lost.more", names=names, n=len(over) - 6)
    most = max(len(a.after.allowed_address_pairs) for a in over if a.after is not None)
    return [Msg("plan.pair-limit", n=len(over), ports=names, most=most, limit=PAIR_LIMIT)]


def _after_manual(
    v: Verification,
    would: Snapshot,
    actions: tuple[Action, ...],
    egress_target: IPAddress | None,
    reuse: Topology | None,
) -> Verification:
    """``v`` with the would-be causes once Felix's switch is made too (featureDetectOverride
    with MASQFullyRandom=false: the one manual step whose effect kostack models); one more
    diagnosis, only when the plan has that step."""
    steps = tuple(a.id for a in actions if not a.automatic and a.target.kind == FELIX)
    cl = would.cluster
    cni = cl.cni if cl else None
    if not steps or cl is None or cni is None or cni.calico is None:
        return v
    override = fully_random_switched_off(cni.calico.feature_detect_override)
    cni = cni.model_copy(
        update={"calico": cni.calico.model_copy(update={"feature_detect_override": override})}
    )
    switched = would.model_copy(update={"cluster": cl.model_copy(update={"cni": cni})})
    after, _ = diagnosed(switched, egress_target, reuse=reuse)
    return replace(v, manual_steps=steps, after_manual=tuple(ref(rc) for rc in after.root_causes))


def diagnosed(
    snapshot: Snapshot,
    egress_target: IPAddress | None = None,
    phases: Phases = SILENT,
    reuse: Topology | None = None,
) -> tuple[Diagnosis, Topology]:
    """`diagnose`, and its topology: the would-be states have the same pods, so each verifying
    diagnosis shares its pod indexes (`Topology` reuse) instead of building them again."""
    diagnosis, flows = diagnose_with_flows(snapshot, egress_target, phases, reuse)
    # the analyses kept on each topology (the load balancer one holds its topology: a cycle)
    # dropped, so that what the verification leaves is freed as it goes, not walked by the
    # garbage collector at exit (3 s of a 20,000-node plan: benchmarks/diagnose_scale.py)
    for topo in flows.topos:
        topo.derived.clear()
    return diagnosis, flows.topo  # not the flows: their families are as many objects again


@collector_paused()
def build_plan(
    snapshot: Snapshot,
    options: PlanOptions | None = None,
    *,
    diagnosis: Diagnosis | None = None,
    egress_target: IPAddress | None = None,
    reuse: Topology | None = None,
) -> Plan:
    """The verified plan that fixes ``snapshot``'s root causes with ``options`` (``reuse``:
    the topology of ``diagnosis``, `diagnosed`)."""
    options = options or PlanOptions()
    diagnosis = diagnosis or diagnose(snapshot, egress_target)
    builder = Builder(snapshot, options)
    builder.add(_remedies(diagnosis, options))
    iterations = 0
    before_keys = {rc.key for rc in diagnosis.root_causes}
    revealed: dict[str, RootCauseRef] = {}
    while True:
        iterations += 1
        actions = builder.actions()
        would = simulate(snapshot, actions)
        after, reuse = diagnosed(would, egress_target, reuse=reuse)
        for rc in after.root_causes:
            if rc.key not in before_keys:
                revealed.setdefault(rc.key, ref(rc))
        if iterations >= MAX_ITERATIONS or not builder.add(_remedies(after, options)):
            break
    planned = {k for a in actions for k in a.fixes}
    not_planned = list(builder.not_planned)
    for rc in diagnosis.root_causes:
        if rc.key not in planned:
            # only the fast alternative fixes it (Kube-OVN's underlay), and this method is not it
            fast_only = not rc.fix.remedies and bool(rc.fix.alternative)
            not_planned.append(
                Msg(
                    "plan.not-planned.fast-only" if fast_only else "plan.not-planned",
                    cause=rc.key,
                    title=title_msg(rc.key, rc.title),
                    message=rc.message,
                )
            )
    notes = [
        Msg("plan.note.service", cidr=c)
        for c in dict.fromkeys(c for a in actions for c in a.not_for_traffic)
    ]
    warnings: list[str] = []
    lost = protection_lost(actions, builder.topo)
    if lost:
        warnings.append(lost)
    project = snapshot.openstack.project_id if snapshot.openstack else None
    warnings.extend(shared_groups(actions, builder.topo, project))
    warnings.extend(rule_quota(actions, builder.topo, project))
    warnings.extend(pair_limit(actions))
    for f in diagnosis.warnings:
        warnings.append(Msg("plan.left-alone", message=f.message))
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
        _after_manual(verification, would, actions, egress_target, reuse),
        tuple(dict.fromkeys(warnings)),
        tuple(dict.fromkeys(not_planned)),
        tuple(notes),
    )


def compare(
    before: Diagnosis | tuple[RootCause, ...] | tuple[RootCauseRef, ...], after: Diagnosis
) -> Verification:
    """Before/after root causes of real diagnoses (verify after apply).

    ``before`` is a diagnosis, its root causes, or a plan's recorded before-state.
    """
    causes = before.root_causes if isinstance(before, Diagnosis) else before
    return Verification(
        tuple(c if isinstance(c, RootCauseRef) else ref(c) for c in causes),
        tuple(ref(rc) for rc in after.root_causes),
        1,
        simulated=False,
    )
