"""The report's solution (the fix of every root cause, then clean reinstalls) and its lessons.

Commands that uninstall or delete anything come only from the reinstall
plan of a release that failed (plan/release_advice.py): the same plan, the
same proven volumes, the same namespaces as `kostack release reinstall`. When
that plan cannot prove what it would delete, the report prints no deleting
command and says why. Pure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kostack.analyze.checks.base import Kind
from kostack.analyze.diagnose import Diagnosis, RootCause, declared, root_cause_title
from kostack.analyze.findings import Remedy, Status, choice_lines, command_for
from kostack.analyze.messages import Msg, localize
from kostack.analyze.summary import cni_mode, describe_cni
from kostack.analyze.times import parse_time
from kostack.analyze.topology import Topology
from kostack.model.snapshot import Snapshot
from kostack.plan.release_model import ReinstallPlan, ReleaseAction, backups_alike
from kostack.report.incident_model import (
    MAX_APPLIED,
    MAX_COMMANDS,
    SERVICE_SYMPTOMS,
    Command,
    CommandGroup,
    ConditionalSection,
    Lesson,
    api_ip,
    is_clusterip_ping,
)
from kostack.report.lb_text import LB_BLOCKED, LB_STATUS
from kostack.report.markup import Marked, concat, join, marked
from kostack.report.markup import mt as t
from kostack.report.releases import ReleaseTrouble, release_labels
from kostack.shell import Cmd, command

# root causes whose lesson is "open the CNI's protocols between nodes first", and those whose
# lesson is "give pod traffic a way back": what their checks declare
SG_LESSON_CAUSES = declared(Kind.SG_LESSON)
ROUTES_LESSON_CAUSES = declared(Kind.ROUTES_LESSON)


def _norm(command: str) -> str:
    return " ".join(command.split())


def _commands(
    remedies: tuple[Remedy, ...], applied: dict[str, Command], lang: str
) -> tuple[Command, ...]:
    """Each remedy's command in ``lang`` (a manual step's comment is said in it), with what the
    journal says of it (looked up by the command as kostack runs it)."""
    out = []
    for r, choice in zip(remedies, choice_lines(remedies), strict=True):
        # one of several ways: said above its first command
        if choice is not None:
            out.append(Command(localize(choice, lang)))
        cmd = command_for(r)
        done = applied.get(_norm(cmd))
        out.append(
            Command(
                localize(cmd, lang),
                r.target_name,
                done.status if done else "",
                done.time if done else "",
                done.error if done else "",
            )
        )
    return tuple(out)


def solution(
    d: Diagnosis,
    applied: tuple[Command, ...],
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
    conditional: tuple[ConditionalSection, ...] = (),
) -> tuple[CommandGroup, ...]:
    """The fix of every root cause (recommended, per case, fast), then clean reinstalls, then
    the fix of each conditional cause (``conditional``: their subsections), each apart."""
    done = {_norm(c.command): c for c in applied}
    out: list[CommandGroup] = []

    def number() -> int:
        return len(out) + 1

    for rc in d.root_causes:
        title = root_cause_title(rc.key, lang)
        if rc.fix.remedies:
            key = "rep.fix.recommended" if rc.fix.alternative else "rep.fix.plain"
            out.append(
                CommandGroup(
                    t(lang, key, n=number(), title=title),
                    _commands(rc.fix.remedies, done, lang),
                    t(lang, "rep.fix.recommended_note") if rc.key == "antispoof" else "",
                )
            )
        for condition, remedies in rc.fix.cases:
            out.append(
                CommandGroup(
                    t(
                        lang,
                        "rep.fix.case",
                        n=number(),
                        title=title,
                        condition=marked(condition, lang),
                    ),
                    _commands(remedies, done, lang),
                )
            )
        if rc.fix.alternative:
            out.append(
                CommandGroup(
                    t(lang, "rep.fix.fast", n=number()),
                    _commands(rc.fix.alternative, done, lang),
                    t(lang, "rep.fix.fast_note"),
                    more_key="rep.l.more_fast",  # the default plan has the recommended fix
                )
            )
    out = [capped(g) for g in out]
    planned = {_norm(c.command) for g in out for c in g.commands}
    planned |= {
        _norm(command_for(r))
        for rc in d.conditional
        for r in (*rc.fix.remedies, *rc.fix.alternative)
    }
    extra = tuple(c for c in applied if _norm(c.command) not in planned)
    if extra:
        out.append(CommandGroup(t(lang, "rep.fix.journal_only", n=number()), extra))
    labels = release_labels(troubles)
    now = parse_time(d.snapshot.created_at)  # ages as of the snapshot, as the checks say them
    for tr in troubles:
        if tr.advice is not None:
            out.append(capped(recovery(tr, labels[tr.key], number(), lang, now)))
    for section, rc in zip(conditional, d.conditional, strict=True):
        if rc.fix.remedies:
            out.append(capped(_conditional_fix(section, rc, number(), done, lang)))
        if rc.fix.alternative:
            out.append(capped(_conditional_fix(section, rc, number(), done, lang, fast=True)))
    return tuple(out)


def _conditional_fix(
    section: ConditionalSection,
    rc: RootCause,
    n: int,
    done: dict[str, Command],
    lang: str,
    fast: bool = False,
) -> CommandGroup:
    """A conditional cause's fix (``fast``: its fast insecure alternative, with the fast fix's
    warning): headed by its condition, never run otherwise."""
    condition = marked(rc.condition, lang)
    note = t(lang, "rep.cond.fix_note", condition=condition, section=section.section)
    if fast:
        return CommandGroup(
            t(lang, "rep.cond.fast", n=n, title=section.title, condition=condition),
            _commands(rc.fix.alternative, done, lang),
            join(" ", [note, t(lang, "rep.fix.fast_note")]),
            cause=section.section,
            more_key="rep.l.more_listed",  # the plan by --method disable-port-security
        )
    return CommandGroup(
        t(lang, "rep.cond.fix", n=n, title=section.title, condition=condition),
        _commands(rc.fix.remedies, done, lang),
        note,
        cause=section.section,
    )


def shown(applied: tuple[Command, ...]) -> tuple[Command, ...]:
    """Every failed action, and the others up to MAX_APPLIED, in journal order."""
    if len(applied) <= MAX_APPLIED:
        return applied
    budget = MAX_APPLIED - sum(1 for c in applied if c.status == "failed")
    out = []
    for c in applied:
        if c.status == "failed":
            out.append(c)
        elif budget > 0:
            out.append(c)
            budget -= 1
    return tuple(out)


def capped(group: CommandGroup) -> CommandGroup:
    """Counts instead of floods: the first MAX_COMMANDS commands, and how many more there are."""
    if len(group.commands) <= MAX_COMMANDS:
        return group
    return replace(
        group, commands=group.commands[:MAX_COMMANDS], more=len(group.commands) - MAX_COMMANDS
    )


def _action_note(action: ReleaseAction, plan: ReinstallPlan, lang: str) -> Marked:
    target = action.target
    where = f"{target.namespace}/{target.name}" if target.namespace else target.name
    if action.op == "retain-pv":
        return t(lang, "rep.recovery.op.retain", pvc=action.param("claim"), volume=target.name)
    if action.op == "helm-uninstall":
        return t(lang, "rep.recovery.op.uninstall", release=where)
    if action.op == "delete-pvc":
        owner = next((p.release for p in plan.pvcs if p.key == where), "?")
        return t(lang, "rep.recovery.op.delete_pvc", pvc=where, owner=owner)
    if action.op == "helm-install":
        return t(lang, "rep.recovery.op.install", release=where)
    component = action.param("component") or plan.gate_component or action.param("selector")
    return t(lang, "rep.recovery.op.wait", component=component)


def recovery(
    tr: ReleaseTrouble, label: str, n: int, lang: str, now: datetime | None = None
) -> CommandGroup:
    """The clean reinstall of a failed release: the reinstall plan's own steps, or why there are none."""
    advice = tr.advice
    assert advice is not None
    release = f"{tr.namespace}/{tr.name}"
    check = Cmd(
        command(("kostack", "release", "check"), (tr.name,), ("--namespace", tr.namespace, "-v"))
    )

    def check_only(title: str, why: Marked) -> CommandGroup:
        """No plan to run: only the check, and why (then how it would be proven)."""
        return CommandGroup(
            t(lang, title, n=n, release=label),
            (Command(check.render(), t(lang, "rep.recovery.check")),),
            join(" ", [why, t(lang, "rep.recovery.proof")]),
        )

    if advice.plan is None:
        return check_only(
            "rep.recovery.left_title",
            t(lang, "rep.recovery.left_behind", release=release, newer=advice.left_behind_for),
        )
    plan = advice.plan
    if not advice.actionable:
        reasons = join("; ", [marked(b, lang) for b in advice.blockers])
        return check_only("rep.recovery.title", t(lang, "rep.recovery.blocked", reasons=reasons))
    commands: list[Command] = []
    save = advice.save_values()
    if save is not None:
        commands.append(Command(save.render(), t(lang, "rep.recovery.save_values")))
    commands.append(Command(advice.command().render(), t(lang, "rep.recovery.kostack")))
    commands.extend(
        Command(a.command, _action_note(a, plan, lang)) for a in plan.actions if a.command
    )
    notes: list[str] = [t(lang, "rep.recovery.note", release=release, n=len(plan.pvcs))]
    if plan.pvcs:  # what backs up the data of the claims it deletes
        notes.append(marked(Msg("rel.backup.title"), lang))
    for keys, said in backups_alike(plan.pvcs, now):
        notes.append(
            concat(", ".join(keys), ": ", join("; ", [marked(w, lang) for w in said]), ".")
        )
    if advice.network_first:
        notes.append(t(lang, "rep.recovery.network_first"))
    if plan.left_alone:
        notes.append(t(lang, "rep.recovery.left_alone", n=len(plan.left_alone)))
    notes.extend(marked(w, lang) for w in plan.warnings)
    return CommandGroup(
        t(lang, "rep.recovery.title", n=n, release=label),
        tuple(commands),
        join(" ", notes),
        more_key="rep.l.more_reinstall",
    )


def _lesson_mode(snapshot: Snapshot, pools: tuple[str, ...], cni: str, lang: str) -> str:
    """What the lesson says pod traffic is carried with: Calico's pool, else the CNI's mode."""
    calico = snapshot.cluster is not None and snapshot.cluster.cni.type == "calico"
    if calico and pools:
        return pools[0]
    return marked(cni_mode(snapshot), lang) or cni


def lessons(
    snapshot: Snapshot,
    d: Diagnosis,
    topo: Topology,
    troubles: tuple[ReleaseTrouble, ...],
    lang: str,
) -> tuple[Lesson, ...]:
    keys = {rc.key for rc in d.root_causes}
    warned = {f.check_id for f in d.warnings}
    out: list[Lesson] = []
    pods = ", ".join(str(c) for c in topo.pod_cidrs) or "<POD_CIDR>"
    cni, pools = describe_cni(snapshot)
    cni, pools = marked(cni, lang), tuple(marked(p, lang) for p in pools)
    if "antispoof" in keys:
        out.append(
            Lesson(
                t(lang, "rep.lesson.plan_pairs.title"),
                t(
                    lang,
                    "rep.lesson.plan_pairs",
                    pods=pods,
                    cni=cni,
                    mode=_lesson_mode(snapshot, pools, cni, lang),
                ),
            )
        )
    if keys & SG_LESSON_CAUSES:
        out.append(Lesson(t(lang, "rep.lesson.sg.title"), t(lang, "rep.lesson.sg", cni=cni)))
    if "mtu" in keys:
        out.append(Lesson(t(lang, "rep.lesson.mtu.title"), t(lang, "rep.lesson.mtu")))
    if "no-port" in keys:
        out.append(Lesson(t(lang, "rep.lesson.no_port.title"), t(lang, "rep.lesson.no_port")))
    if keys & ROUTES_LESSON_CAUSES:
        out.append(
            Lesson(t(lang, "rep.lesson.routes.title"), t(lang, "rep.lesson.routes", pods=pods))
        )
    if "neutron-port-security-disabled" in warned:
        out.append(
            Lesson(t(lang, "rep.lesson.portsec_off.title"), t(lang, "rep.lesson.portsec_off"))
        )
    services_hit = any(f.check_id in SERVICE_SYMPTOMS for rc in d.root_causes for f in rc.symptoms)
    pinged = any(is_clusterip_ping(p, topo) for p in snapshot.probes)
    if services_hit or pinged:
        out.append(
            Lesson(t(lang, "rep.lesson.ping.title"), t(lang, "rep.lesson.ping", ip=api_ip(topo)))
        )
    if keys & LB_BLOCKED:
        out.append(Lesson(t(lang, "rep.lesson.lb.title"), t(lang, "rep.lesson.lb")))
    if keys & LB_STATUS:
        out.append(Lesson(t(lang, "rep.lesson.lb_status.title"), t(lang, "rep.lesson.lb_status")))
    failed = list(dict.fromkeys(tr.name for tr in troubles if tr.failed))
    if failed:
        out.append(
            Lesson(
                t(lang, "rep.lesson.clean.title"),
                t(lang, "rep.lesson.clean", releases=", ".join(failed)),
            )
        )
    if d.root_causes:
        out.append(Lesson(t(lang, "rep.lesson.ci.title"), t(lang, "rep.lesson.ci")))
    if not out and (d.conditional or any(f.status == Status.UNKNOWN for f in d.findings)):
        # not everything was decided: no "every check passed"
        out.append(Lesson(t(lang, "rep.lesson.undecided.title"), t(lang, "rep.lesson.undecided")))
    if not out:
        out.append(Lesson(t(lang, "rep.lesson.healthy.title"), t(lang, "rep.lesson.healthy")))
    return tuple(out)


__all__ = ["capped", "lessons", "recovery", "shown", "solution"]
