"""The records of a clean-reinstall plan: targets, preconditions, actions, volumes, the gate.

Frozen data built by `plan/release.py` and carried out by `apply/release.py`.
An action keeps its equivalent shell commands as argument lists; they are
rendered (quoted) by `kostack.shell` whenever they are shown. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kostack.analyze.messages import Msg
from kostack.analyze.messages import localize as L
from kostack.analyze.times import parse_time
from kostack.model.helm import VolumeSnapshot
from kostack.plan import release_texts  # noqa: F401  (registers the words of a plan)
from kostack.shell import Cmd, chain

Op = Literal[
    "retain-pv",
    "helm-uninstall",
    "delete-pvc",
    "helm-install",
    "wait-ready",
    "check-ready",
    "rebind-pvc",
    "restore-reclaim-policy",
]
GateStatus = Literal["pass", "fail", "unknown"]
DEFAULT_TIMEOUT = 600

# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Target:
    kind: str  # PersistentVolume | PersistentVolumeClaim | HelmRelease | Pods
    name: str
    namespace: str | None = None

    def label(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


@dataclass(frozen=True)
class Precondition:
    """What must still hold when the action runs (else it is refused, nothing is changed)."""

    resource_version: str | None = None
    uid: str | None = None
    absent: bool = False
    note: str = ""

    def text(self, lang: str = "en") -> str:
        note = L(self.note, lang)
        if self.absent:
            absent = Msg("rel.pre.absent-why", note=note) if note else Msg("rel.pre.absent")
            return L(absent, lang)
        parts = []
        if self.resource_version:
            parts.append(f"resourceVersion={self.resource_version}")
        if self.uid:
            parts.append(f"uid={self.uid}")
        if note:
            parts.append(note)
        return ", ".join(parts)


@dataclass(frozen=True)
class ReleaseAction:
    """One step: target, operation, parameters, reason, precondition, inverse, the equivalent command."""

    step: int
    op: Op
    target: Target
    params: tuple[tuple[str, str], ...]
    reason: str
    precondition: Precondition | None = None
    inverse: ReleaseAction | None = None
    commands: tuple[Cmd, ...] = ()  # the equivalent commands, run one after the other

    @property
    def command(self) -> str:
        """The equivalent shell command line, quoted ("" when there is none)."""
        return chain(*self.commands) if self.commands else ""

    def param(self, key: str, default: str = "") -> str:
        return next((v for k, v in self.params if k == key), default)


@dataclass(frozen=True)
class PlannedPVC:
    namespace: str
    name: str
    uid: str
    size: str | None
    created: str | None
    volume: str | None
    reclaim_policy: str | None
    storage_class: str | None
    access_modes: tuple[str, ...]
    release: str  # "default/harbor" or "harbor (gone)"
    role: str | None
    kept: bool
    labels: Mapping[str, str]
    evidence: tuple[str, ...]
    volume_source: str | None = None
    resource_version: str | None = None
    # the VolumeSnapshots of the claim, ready and newest first (None: unknown, and
    # `backups_unread` says why); kostack reads them, it never takes one
    backups: tuple[VolumeSnapshot, ...] | None = None
    backups_unread: str = ""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def age(self, now: datetime) -> str:
        return age(self.created, now)

    def backups_said(self, now: datetime | None) -> list[str]:
        """What backs the claim up: each VolumeSnapshot of it, that it has none, or why they are
        unknown (one text for the reinstall plan, `release check` and the report)."""
        if self.backups is None:
            return [self.backups_unread]
        said: list[str] = []
        for b in self.backups:
            state = {True: "ready", False: "not-ready", None: "unsaid"}[b.ready]
            said.append(
                Msg(
                    "rel.backup.one",
                    name=b.name,
                    state=Msg(f"rel.backup.{state}"),
                    age=age(b.created, now),
                    size=b.size or "?",
                )
            )
        return said or [Msg("rel.backup.none")]

    def backups_dict(self) -> dict[str, Any]:
        """The claim's VolumeSnapshots for JSON (null, and why, when unknown)."""
        found = self.backups
        return {
            "volume_snapshots": None
            if found is None
            else [
                {"name": b.name, "ready": b.ready, "created": b.created, "restore_size": b.size}
                for b in found
            ],
            "volume_snapshots_unread": self.backups_unread or None,  # a message: said in --lang
        }


def backups_alike(
    pvcs: Iterable[PlannedPVC], now: datetime | None
) -> list[tuple[list[str], list[str]]]:
    """What backs up each claim, the claims that say the same together, in order: (keys, said)
    (five claims of a namespace kostack could not list share one line)."""
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for p in pvcs:
        said = p.backups_said(now)
        groups.setdefault("; ".join(said), ([], said))[0].append(p.key)
    return list(groups.values())


def age(when: str | None, now: datetime | None) -> str:
    """How long ago `when` (RFC 3339) was, as 40m, 3h or 2d ("?" when unknown)."""
    created = parse_time(when)
    if created is None or now is None:
        return "?"
    seconds = (now - created).total_seconds()
    if seconds >= 86400:
        return f"{seconds / 86400:.0f}d"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f}h"
    return f"{max(seconds, 0) / 60:.0f}m"


@dataclass(frozen=True)
class LeftAlone:
    pvc: str
    reason: str


@dataclass(frozen=True)
class ReleaseInstance:
    name: str
    namespace: str
    status: str
    revision: int
    chart: str
    chart_version: str
    storage_object: str
    resource_version: str | None
    reason: str
    values_keys: int
    secret_keys: tuple[str, ...]


@dataclass(frozen=True)
class GateCheck:
    name: Literal["dns", "api-service"]
    status: GateStatus
    text: str  # what decided it, in full
    source: str  # diagnosis | probe | none
    summary: str = ""  # one short clause for the blocker line


@dataclass(frozen=True)
class NetworkGate:
    checks: tuple[GateCheck, ...]
    root_causes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.status == "pass" for c in self.checks)

    def reasons(self) -> tuple[str, ...]:
        return tuple(c.summary or c.text for c in self.checks if c.status != "pass")


@dataclass(frozen=True)
class ReinstallPlan:
    release: str
    namespace: str
    chart: str
    values_file: str | None
    discard_data: bool
    from_namespaces: tuple[str, ...]
    removing: tuple[ReleaseInstance, ...]
    pvcs: tuple[PlannedPVC, ...]
    left_alone: tuple[LeftAlone, ...]
    actions: tuple[ReleaseAction, ...]
    gate: NetworkGate
    blockers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    timeout: int = DEFAULT_TIMEOUT
    gate_component: str | None = None
    asked: tuple[str, ...] = ()  # the namespaces given with --from (a rerun must give them too)

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    def head(self) -> dict[str, Any]:
        """What the plan reinstalls, and from where: the opening keys of its JSON and journal."""
        return {
            "release": self.release,
            "namespace": self.namespace,
            "chart": self.chart,
            "values_file": self.values_file,
            "discard_data": self.discard_data,
            "from_namespaces": list(self.from_namespaces),
        }

    @property
    def retained_volumes(self) -> tuple[PlannedPVC, ...]:
        if self.discard_data:
            return tuple(p for p in self.pvcs if p.volume and p.reclaim_policy == "Retain")
        return tuple(p for p in self.pvcs if p.volume)
