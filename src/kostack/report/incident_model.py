"""The incident report's records, and the helpers every part of its builder shares.

Text fields hold either ``Marked`` text (kostack's templates: backticks are
code-span markup) or plain data from the cloud and cluster (every character
literal); see report/markup.py. Commands are rendered by ``kostack.shell``.
Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kostack.analyze.checks import with_role
from kostack.analyze.checks.base import Role
from kostack.analyze.engine.clusterip_ping import ping_story
from kostack.analyze.topology import Topology
from kostack.model.snapshot import ProbeObservation
from kostack.report.i18n import MESSAGES
from kostack.report.markup import Marked, alike, code, concat, marked, mt
from kostack.report.topology_svg import Picture

SYSTEM_NAMESPACES = frozenset(
    {
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "calico-system",
        "calico-apiserver",
        "tigera-operator",
        "kube-flannel",
        "cilium",
        "cilium-system",
    }
)
# the symptoms of a flow to a ClusterIP Service (ROLE holds Role.CLUSTER_IP): the ping lesson
SERVICE_SYMPTOMS: Final = with_role(Role.CLUSTER_IP)
MAX_COMMANDS = 20
MAX_APPLIED = 50
TEST_POD_WORDS = ("netshoot", "dns-test", "debug", "busybox", "dnsutils", "toolbox")
# The headings (catalogue keys) of the report's tables: the same columns in Markdown and HTML.
PORT_COLUMNS = (
    "rep.l.node",
    "rep.l.port",
    "rep.l.fixed_ips",
    "rep.l.pairs",
    "rep.l.port_security",
    "rep.l.groups",
)
PROBE_COLUMNS = ("rep.l.command", "rep.l.source", "rep.l.verdict", "rep.l.meaning", "rep.l.detail")
FLOW_COLUMNS = ("rep.l.kind", "rep.l.flow", "rep.l.verdict", "rep.l.where", "rep.l.detail")


# --------------------------------------------------------------------------- the report's records


@dataclass(frozen=True)
class Command:
    command: str
    note: str = ""
    status: str = ""  # "", applied, failed, started, planned, rolled-back, skipped
    time: str = ""
    error: str = ""


@dataclass(frozen=True)
class CommandGroup:
    title: str
    commands: tuple[Command, ...]
    note: str = ""
    more: int = 0  # commands not shown
    more_key: str = "rep.l.more_commands"  # where the full list is (`kostack fix plan`...)
    cause: str = ""  # a conditional cause's fix: that cause's subsection ("3.2"); never mixed


@dataclass(frozen=True)
class PortRow:
    node: str
    port_id: str
    fixed_ips: str
    pairs: str
    port_security: str
    groups: str


@dataclass(frozen=True)
class CauseSection:
    check_id: str
    heading: str
    severity: str
    severity_label: str
    what: str
    why: str
    breaks: tuple[str, ...]
    ports: tuple[PortRow, ...]
    evidence: tuple[str, ...]
    background: str
    # a cause that fails in every case but not the same way: the other ways ("Otherwise, ..."),
    # and how to tell the cases apart, as `kostack diagnose` says them
    cases: tuple[str, ...] = ()
    tell: tuple[str, ...] = ()


@dataclass(frozen=True)
class WarningSection:
    """Failing findings of one warning cause (no outage; `kostack fix plan` leaves them alone):
    what each says, their evidence, and the optional change that clears them."""

    check_id: str
    section: str  # "3.2"
    title: str
    heading: str
    severity: str
    severity_label: str
    what: tuple[str, ...]
    evidence: tuple[str, ...]
    optional: tuple[Command, ...]
    optional_more: int = 0  # optional commands not shown (`kostack diagnose -v` lists them)


@dataclass(frozen=True)
class ConditionalSection:
    """A cause that holds only in one case the snapshot leaves open (only on ML2/OVN): when,
    what breaks then, its evidence, how to tell the cases apart, where its fix is (section 5)."""

    check_id: str
    section: str  # "3.2"
    title: str
    heading: str
    severity: str
    severity_label: str
    when: str  # only in that case; healthy (or undecided) in the others
    breaks: tuple[str, ...]
    what: str
    evidence: tuple[str, ...]
    tell: tuple[str, ...]
    fix: str = ""  # where its fix is ("5.3 ..."), or that kostack has no command for it


@dataclass(frozen=True)
class Note:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class ProbeRow:
    """Alike probes (same kind and outcome): one example and how many there are."""

    command: str
    source: str
    verdict: str
    ok: bool | None
    meaning: str
    detail: str
    count: int = 1


@dataclass(frozen=True)
class FlowRow:
    """Alike flows (same kind, outcome and reason): one example and how many there are."""

    kind: str
    flow: str
    ok: bool
    verdict: str
    where: str
    detail: str
    count: int = 1


@dataclass(frozen=True)
class Lesson:
    title: str
    text: str


@dataclass(frozen=True)
class IncidentReport:
    lang: str
    title: str
    generated_from: str
    symptoms: tuple[str, ...]
    impact: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    causes: tuple[CauseSection, ...]
    notes: tuple[Note, ...]
    probes: tuple[ProbeRow, ...]
    flows: tuple[FlowRow, ...]
    checked_intro: str
    ping_note: str
    verify: tuple[Command, ...]
    also_ok: tuple[str, ...]
    undecided: tuple[str, ...]
    gaps: tuple[str, ...]
    applied: tuple[Command, ...]
    applied_more: int
    applied_note: str
    solution: tuple[CommandGroup, ...]
    lessons: tuple[Lesson, ...]
    picture: Picture
    root_cause_count: int
    verdict_undecided: bool = False  # the diagnosis could not decide: not "no fault found"
    warnings: tuple[WarningSection, ...] = ()
    conditional: tuple[ConditionalSection, ...] = ()
    conditional_lines: tuple[str, ...] = ()  # the summary's line per conditional cause
    warning_lines: tuple[str, ...] = ()  # the summary's line per warning
    rca_none: str = ""  # section 3 without a root cause: why, in one sentence
    solution_none: str = ""  # section 5 without a command: why, in one sentence

    def lists(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """What was checked, closing lists (heading key, items): fine, undecided, not read."""
        return (
            ("rep.l.also_ok", self.also_ok),
            ("rep.l.undecided", self.undecided),
            ("rep.l.gaps", self.gaps),
        )

    def checked(self) -> tuple[tuple[str, ...], list[tuple[bool | None, list[str]]]] | None:
        """The probes that ran, else the flows the model traced, as a table: its column keys,
        and each row's outcome (None: neither) and cells; None when there is neither."""
        if self.probes:
            return PROBE_COLUMNS, [
                (
                    p.ok,
                    [
                        code(p.command),
                        alike(p.source, p.count, self.lang),
                        p.verdict,
                        p.meaning,
                        p.detail,
                    ],
                )
                for p in self.probes
            ]
        if self.flows:
            return FLOW_COLUMNS, [
                (
                    f.ok,
                    [
                        f.kind,
                        concat(alike(f.flow, f.count, self.lang)),
                        f.verdict,
                        f.where,
                        f.detail,
                    ],
                )
                for f in self.flows
            ]
        return None


# --------------------------------------------------------------------------- helpers


def status_label(lang: str, status: str) -> str:
    """How an action ended, in ``lang`` (an outcome without a label is shown as it is)."""
    if not status:
        return ""
    key = "rep.status." + status
    return mt(lang, key) if key in MESSAGES["en"] else status


def api_ip(topo: Topology) -> str:
    """The kubernetes service's ClusterIP (or the first address of the service CIDR)."""
    api = topo.services.get(("default", "kubernetes"))
    if api is not None and api.cluster_ip is not None:
        return str(api.cluster_ip)
    cidrs = topo.service_cidrs
    if cidrs:
        return str(next(iter(cidrs[0].hosts()), cidrs[0].network_address))
    return "10.96.0.1"


def ping_note(topo: Topology, lang: str) -> Marked:
    """The engine's one story of a ClusterIP ping, for this proxy mode."""
    text = marked(ping_story(topo, api_ip(topo)), lang)
    return text if isinstance(text, Marked) else concat(text)


def is_clusterip_ping(p: ProbeObservation, topo: Topology) -> bool:
    icmp = p.kind.lower() in ("ping", "icmp") or (p.protocol or "").lower() == "icmp"
    return icmp and p.target_ip is not None and p.target_ip in topo.service_by_ip


def verdict_label(verdict: str, lang: str) -> Marked:
    return mt(lang, "rep.verdict." + verdict)
