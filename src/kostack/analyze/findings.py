"""Findings, severities, statuses and the remedies a finding carries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from kostack.catalog import Msg, map_text, register
from kostack.shell import comment, end_options, render, visible


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not-applicable"
    # fails in some cases of what the snapshot leaves open, not in others (`condition` says when)
    CONDITIONAL = "conditional"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


@dataclass(frozen=True)
class Resource:
    kind: str
    id: str
    name: str = ""
    namespace: str | None = None
    project: str | None = None

    def label(self) -> str:
        if self.kind == "port":
            short = self.id[:4] + ".." if len(self.id) > 6 else self.id
            return f"port {short} ({self.name})" if self.name else f"port {self.id}"
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name or self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "namespace": self.namespace,
            "project": self.project,
        }


# The operations a Remedy names (``Remedy.op``)
PAIR_OP = "add-allowed-pair"
RULE_OP = "add-sg-rule"
ROUTE_OP = "add-router-route"
MANUAL_OP = "manual"
REMEDY_OPS = frozenset({PAIR_OP, RULE_OP, ROUTE_OP, MANUAL_OP, "disable-port-security"})


@dataclass(frozen=True)
class Remedy:
    """One change that fixes (part of) a finding, in the operator's terms.

    ``op`` is one of: add-allowed-pair, add-sg-rule, disable-port-security,
    add-router-route, manual. ``params`` hold the operation's fields; ``cause``
    is the root-cause key it addresses.
    """

    op: str
    target_kind: str
    target_id: str
    target_name: str
    params: tuple[tuple[str, str], ...]
    reason: str
    cause: str = ""
    note: str = ""

    def param(self, key: str, default: str = "") -> str:
        for k, v in self.params:
            if k == key:
                return v
        return default

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "target": {"kind": self.target_kind, "id": self.target_id, "name": self.target_name},
            "params": dict(self.params),
            "reason": self.reason,
            "cause": self.cause,
            "note": self.note,
            "command": command_for(self),
        }


def argv_for(r: Remedy) -> tuple[str, ...] | None:
    """The `openstack` command for a remedy as an argument list (None: a manual step)."""
    if r.op == "add-allowed-pair":
        return (
            "openstack",
            "port",
            "set",
            "--allowed-address",
            f"ip-address={r.param('ip_address')}",
            *end_options([r.target_id]),
        )
    if r.op == "add-sg-rule":
        argv = ["openstack", "security", "group", "rule", "create"]
        argv += [
            f"--{r.param('direction', 'ingress')}",
            "--ethertype",
            r.param("ethertype", "IPv4"),
        ]
        argv += ["--protocol", r.param("protocol") or "any"]
        lo, hi = r.param("port_range_min"), r.param("port_range_max")
        if lo:
            argv += ["--dst-port", lo + (f":{hi}" if hi and hi != lo else "")]
        if r.param("remote_group_id"):
            argv += ["--remote-group", r.param("remote_group_id")]
        elif r.param("remote_ip_prefix"):
            argv += ["--remote-ip", r.param("remote_ip_prefix")]
        if r.param("description"):
            argv += ["--description", r.param("description")]
        argv += end_options([r.target_id])
        return tuple(argv)
    if r.op == "disable-port-security":
        return (
            "openstack",
            "port",
            "set",
            "--no-security-group",
            "--disable-port-security",
            "--no-allowed-address",
            *end_options([r.target_id]),
        )
    if r.op == "add-router-route":
        return (
            "openstack",
            "router",
            "add",
            "route",
            "--route",
            f"destination={r.param('destination')},gateway={r.param('nexthop')}",
            *end_options([r.target_id]),
        )
    return None


def command_for(r: Remedy) -> str:
    """The exact `openstack` (or kubectl) command for a remedy, quoted by the one renderer.

    A manual remedy carries its command already rendered (``command``), or
    only a reason, shown as a shell comment (a Msg: said in the reader's language). Rendered once per remedy (it is frozen): a
    per-node group's remedy is said in its finding, its root cause and their commands.
    """
    found: str | None = r.__dict__.get("_command")
    if found is None:
        argv = argv_for(r)
        found = r.__dict__["_command"] = (
            render(argv) if argv is not None else r.param("command") or said_comment(r.reason)
        )
    return found


register(
    {
        "remedy.comment": {"en": "# {text}", "ko": "# {text}"},
        "remedy.choice-one": {"en": "# one way: {text}", "ko": "# 한 가지 방법: {text}"},
        "remedy.choice-another": {"en": "# another way: {text}", "ko": "# 다른 방법: {text}"},
        "remedy.choice-same": {
            "en": "# the same way, this too: {text}",
            "ko": "# 같은 방법, 이것도 함께: {text}",
        },
    }
)


def choice_line(r: Remedy) -> str | None:
    """The comment that goes above a remedy that begins one of several ways to fix a cause
    (param ``choice``: "one" or "another"), so that no reader pastes every way in turn."""
    choice = r.param("choice")
    if choice not in ("one", "another") or not isinstance(r.reason, Msg):
        return None
    return Msg(f"remedy.choice-{choice}", text=r.reason)


def choice_lines(remedies: Sequence[Remedy]) -> list[str | None]:
    """``choice_line`` of each remedy, in a cause's merged list: a way's first step for a
    further Service (the same ``way`` again) is said as the same way, not as one more way; the
    ways are "one" and "another" in the order they first come."""
    seen: list[str] = []
    out: list[str | None] = []
    for r in remedies:
        line, way = choice_line(r), r.param("way")
        if line is not None and way:
            kind = "same" if way in seen else ("another" if seen else "one")
            seen.extend([way] if way not in seen else [])
            line = Msg(f"remedy.choice-{kind}", text=r.reason)
        out.append(line)
    return out


def either(*ways: tuple[Remedy, ...]) -> tuple[Remedy, ...]:
    """Several ways to fix the cause, each said as one way above its first command (findings
    `choice_line`); one way alone is just its commands. A cause merged from several findings
    (one per Service) has, per way, one first step per finding: they are the same way."""
    given = [(i, w) for i, w in enumerate(ways) if w]
    if len(given) < 2:
        return tuple(r for _, w in given for r in w)
    out: list[Remedy] = []
    for n, (i, way) in enumerate(given):
        # ``way``: its place among ``ways``, the same in every finding of a cause, so that the
        # plan joins one way's steps for several Services (report/fixplan.py ``_until``)
        said = (("choice", "another" if n else "one"), ("way", str(i)))
        out.extend((replace(way[0], params=(*way[0].params, *said)), *way[1:]))
    return tuple(out)


def said_comment(text: str) -> str:
    """``text`` as a shell comment (`kostack.shell.comment`), said in the reader's language when
    it is a Msg: a renderer localizes the comment, as any message, where it prints it."""
    if isinstance(text, Msg):
        mapped = map_text(text, visible)  # a Msg still when nothing in it had to be made visible
        if isinstance(mapped, Msg):
            return Msg("remedy.comment", text=mapped)
    return comment(text)


@dataclass(frozen=True)
class Finding:
    check_id: str
    status: Status
    severity: Severity
    resource: Resource
    message: str
    evidence: tuple[str, ...] = ()
    remedies: tuple[Remedy, ...] = ()
    flows: tuple[str, ...] = ()
    cause: str = ""
    affected: tuple[Resource, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    # the nodes where the cause sits (JSON refers to them by node-set id)
    nodes: tuple[str, ...] = ()
    # identity across the cases of engine/cases.py (the diagnosis merges on it)
    key: tuple[object, ...] = ()
    # when it holds, for a CONDITIONAL (or conditionally UNKNOWN) finding ("on ML2/OVN")
    condition: str = ""
    # how to tell the cases apart
    tell: tuple[str, ...] = ()
    # findings this one explains: listed under it, never as causes of their own
    consequences: tuple[Finding, ...] = ()
    # the cause that explains this finding (set on consequences)
    explained_by: str = ""

    def as_dict(self, remedy: Callable[[Remedy], Any] = Remedy.as_dict) -> dict[str, Any]:
        """``remedy``: what stands for each remedy (report/jsonout.py: its id in the table)."""
        return {
            "check_id": self.check_id,
            "status": str(self.status),
            "severity": str(self.severity),
            "resource": self.resource.as_dict(),
            "message": self.message,
            "evidence": list(self.evidence),
            "flows": list(self.flows),
            "cause": self.cause,
            "affected": [r.as_dict() for r in self.affected],
            "counts": dict(self.counts),
            "remedies": [remedy(r) for r in self.remedies],
            "nodes": list(self.nodes),
            "condition": self.condition or None,
            "tell": list(self.tell),
            "explained_by": self.explained_by or None,
            "consequences": [
                {"check_id": c.check_id, "status": str(c.status), "message": c.message}
                for c in self.consequences
            ],
        }
