"""Merge the findings of every world into one answer, and say it in one verdict.

A finding with the same identity (check, status, cause, resource, `key`,
counts) in every world is that finding, with evidence that it holds either
way. A check that fails for the same cause in every world, but not the same
way (a pod MTU too large for VXLAN's 50 bytes with WireGuard off, for its 60
with it on), fails: each way is kept as a FAIL with the condition its details
hold in, and its fix is said per case. A failure found in some worlds only becomes CONDITIONAL, naming the
condition minimally ("on ML2/OVN") and how to tell the cases apart; the
conditional findings of one (cause, condition) fold into one, the layer
finding leading and the symptoms listed under it. A pass found in some worlds
only is dropped (the conditional finding says the rest). UNKNOWN stays only
for what no case split decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from kostack.analyze.checks import CHECKS, with_role
from kostack.analyze.checks.base import Role
from kostack.analyze.engine.cases import World, condition, holds_either_way, how_to_tell, varying
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import CATALOG, Msg, register
from kostack.analyze.remedy import dedupe
from kostack.model.snapshot import Snapshot

if TYPE_CHECKING:
    from kostack.analyze.diagnose import RootCause

# the flows every cluster needs, each the answer of the check that names it (its CRITICAL_PATH)
CRITICAL_PATHS: dict[str, str] = {c.critical_path: c.id for c in CHECKS if c.critical_path}
PATH_CHECKS = frozenset(CRITICAL_PATHS.values())
# a symptom (Role.SYMPTOM: a flow or a Service that breaks) never leads a conditional group
SYMPTOMS = frozenset(with_role(Role.SYMPTOM))

register(
    {
        "path.dns": {"en": "DNS", "ko": "DNS"},
        "path.api-service": {"en": "the kubernetes service", "ko": "kubernetes 서비스"},
        "path.pod-to-pod": {"en": "pod-to-pod", "ko": "Pod 간 통신"},
        "path.egress": {"en": "egress", "ko": "외부 통신"},
    }
)


def _identity(f: Finding) -> tuple[object, ...]:
    return (
        f.check_id,
        f.status,
        f.cause,
        f.resource.kind,
        f.resource.id,
        f.key if f.key else str(f.message),
        f.counts,
    )


def _cause_identity(f: Finding) -> tuple[object, ...]:
    return (f.check_id, f.cause, f.resource.kind, f.resource.id)


def merge(
    per_world: Sequence[list[Finding]], worlds: Sequence[World], snapshot: Snapshot
) -> list[Finding]:
    """One set of findings from every world's (see the module docstring)."""
    if len(per_world) == 1:
        return list(per_world[0])
    seen: dict[tuple[object, ...], tuple[Finding, set[int]]] = {}
    for w, found in enumerate(per_world):
        for f in found:
            ident = _identity(f)
            if ident in seen:
                seen[ident][1].add(w)
            else:
                seen[ident] = (f, {w})
    everywhere = set(range(len(worlds)))
    # the worlds where each (check, cause, resource) fails in a way that varies: in every
    # world, the cause is decided and only its details depend on the case (a failure that
    # holds everywhere with more in some worlds leaves the more conditional)
    fails: dict[tuple[object, ...], set[int]] = defaultdict(set)
    for f, where in seen.values():
        if f.status == Status.FAIL and where != everywhere:
            fails[_cause_identity(f)] |= where
    out: list[Finding] = []
    either = holds_either_way(worlds)
    for f, where in seen.values():
        if where == everywhere:
            if either and f.status in (Status.FAIL, Status.PASS):
                f = replace(f, evidence=(*f.evidence, either))
            out.append(f)
        elif f.status == Status.FAIL:
            tell = how_to_tell(varying(where, worlds), snapshot)
            decided = fails[_cause_identity(f)] == everywhere
            status = Status.FAIL if decided else Status.CONDITIONAL
            out.append(replace(f, status=status, condition=condition(where, worlds), tell=tell))
        elif f.status == Status.UNKNOWN:
            out.append(replace(f, condition=condition(where, worlds)))
    # a check that passes (or does not apply) in every world, though not the same way, passes
    kept = {f.check_id for f in out}
    for check_id in dict.fromkeys(f.check_id for found in per_world for f in found):
        if check_id in kept:
            continue
        statuses = [{f.status for f in found if f.check_id == check_id} for found in per_world]
        if all(s <= {Status.PASS, Status.NOT_APPLICABLE} for s in statuses):
            first = next(
                (
                    f
                    for found in per_world
                    for f in found
                    if f.check_id == check_id and f.status == Status.PASS
                ),
                next(f for found in per_world for f in found if f.check_id == check_id),
            )
            out.append(
                replace(first, evidence=(*first.evidence, either) if either else first.evidence)
            )
    return _fold(out)


def _fold(findings: list[Finding]) -> list[Finding]:
    """One conditional finding per (cause, condition): the layer finding leads."""
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        if f.status == Status.CONDITIONAL:
            groups[(f.cause, str(f.condition))].append(f)
    out = []
    done: set[tuple[str, str]] = set()
    for f in findings:
        if f.status != Status.CONDITIONAL:
            out.append(f)
            continue
        group_key = (f.cause, str(f.condition))
        if group_key in done:
            continue
        done.add(group_key)
        group = groups[group_key]
        lead = next((g for g in group if g.check_id not in SYMPTOMS), group[0])
        rest = tuple(g for g in group if g is not lead)
        remedies = dedupe(r for g in group for r in g.remedies)
        out.append(replace(lead, remedies=remedies, consequences=(*lead.consequences, *rest)))
    return out


# --------------------------------------------------------------------------- the verdict

PathState = Literal["ok", "fail", "conditional", "undecided", "not-applicable"]


@dataclass(frozen=True)
class Verdict:
    """The answer in one line, as data (`watch` and JSON read it).

    kind: healthy (decided), root-causes (at least one decided root cause),
    undecided (nothing fails for sure, but a critical path or a cause depends on
    what the snapshot does not say).
    """

    kind: Literal["healthy", "root-causes", "undecided"] = "healthy"
    root_causes: int = 0
    conditional: int = 0
    undecided: int = 0
    reasons: tuple[str, ...] = ()
    paths: dict[str, PathState] = field(default_factory=dict)

    @property
    def critical_undecided(self) -> tuple[str, ...]:
        return tuple(p for p, s in self.paths.items() if s in ("conditional", "undecided"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "root_causes": self.root_causes,
            "conditional": self.conditional,
            "undecided": self.undecided,
            "reasons": [str(r) for r in self.reasons],
            "critical_paths": dict(self.paths),
        }


def _path_state(findings: list[Finding], check_id: str) -> PathState:
    mine = [f for f in findings if f.check_id == check_id]
    found = {f.status for f in mine}
    for c in findings:
        for sub in c.consequences:
            if sub.check_id == check_id:
                found.add(Status.CONDITIONAL if c.status == Status.CONDITIONAL else sub.status)
    if Status.FAIL in found:
        return "fail"
    if Status.CONDITIONAL in found:
        return "conditional"
    if Status.UNKNOWN in found:
        return "undecided"
    if Status.PASS in found:
        return "ok"
    return "not-applicable"


def verdict_of(
    findings: list[Finding], roots: Sequence[RootCause], conditional: Sequence[RootCause]
) -> Verdict:
    paths = {name: _path_state(findings, check) for name, check in CRITICAL_PATHS.items()}
    unknown = [f for f in findings if f.status == Status.UNKNOWN]
    reasons: list[str] = []
    for rc in conditional:
        title = Msg(f"title.{rc.key}") if f"title.{rc.key}" in CATALOG else rc.title
        reasons.append(Msg("verdict.reason-conditional", title=title, condition=rc.condition))
    for f in unknown:
        # an undecided critical path says why; any other unknown only when nothing else does
        if f.check_id in PATH_CHECKS or not reasons:
            reasons.append(f.message)
    if roots:
        kind: Literal["healthy", "root-causes", "undecided"] = "root-causes"
    elif conditional or any(s in ("conditional", "undecided") for s in paths.values()):
        kind = "undecided"
    else:
        kind = "healthy"
    return Verdict(
        kind, len(roots), len(conditional), len(unknown), tuple(dict.fromkeys(reasons))[:6], paths
    )


register(
    {
        "verdict.reason-conditional": {
            "en": "{title} {condition}",
            "ko": "{condition} 조건에서 {title}",
        },
    }
)
