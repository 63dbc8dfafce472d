"""What the engine computes: hops, their dispositions and evidence, flows and their results."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from kostack.analyze.protocols import protocol_label
from kostack.catalog import Msg, register
from kostack.model.snapshot import IPAddress

register(
    {
        "wire.encap": {
            "en": "{wire} ({encap} carrying {inner})",
            "ko": "{wire} ({inner:을/를} 실은 {encap})",
        },
        # a flow in one line: its ends are labels said in the reader's language
        "flow.describe": {"en": "{src} -> {target}{port}", "ko": "{src} -> {target}{port}"},
        "flow.target-via": {"en": "{target} (-> {dst})", "ko": "{target} (-> {dst})"},
    }
)


class Disposition(StrEnum):
    ACCEPTED = "accepted"
    DENIED = "denied"
    NO_ROUTE = "no-route"
    NOT_APPLICABLE = "not-applicable"
    UNKNOWN = "unknown"


PASSING = frozenset({Disposition.ACCEPTED, Disposition.NOT_APPLICABLE})

# What a ping to a ClusterIP gets back (DOMAIN facts in docs/engine.md):
# none (times out), reject (ICMP port unreachable at once), local-answer (the
# node itself replies), depends (which one is not decided by the snapshot).
ExpectedReply = Literal["none", "reject", "local-answer", "depends"]


@dataclass(frozen=True)
class Evidence:
    """The object and field that decided a hop, as a person can look it up."""

    kind: str
    id: str
    field: str = ""
    value: str = ""

    def text(self) -> str:
        out = f"{self.kind} {self.id}"
        if self.field:
            out += f" {self.field}"
        if self.value:
            out += f"={self.value}"
        return out


@dataclass(frozen=True)
class Hop:
    step: str
    where: str
    disposition: Disposition
    detail: str
    evidence: tuple[Evidence, ...] = ()
    direction: Literal["forward", "reply"] = "forward"
    cause: str = ""

    @property
    def passes(self) -> bool:
        return self.disposition in PASSING


@dataclass(frozen=True)
class Endpoint:
    kind: Literal["pod", "node", "service", "external"]
    label: str
    ip: IPAddress | None
    node: str | None = None
    port: int | None = None
    protocol: str | None = None


@dataclass(frozen=True)
class Wire:
    """A packet as it crosses the tenant network."""

    src: IPAddress
    dst: IPAddress
    proto: int
    dst_port: int | None
    encap: str | None = None
    inner_src: IPAddress | None = None
    inner_dst: IPAddress | None = None
    # the source ports a masquerade picks the packet's from (engine/stateless.py
    # `masquerade_ports`); None: the sender's own, its ephemeral range
    src_ports: tuple[int, int] | None = None

    def describe(self) -> str:
        port = f":{self.dst_port}" if self.dst_port is not None else ""
        base = f"{self.src} -> {self.dst} {protocol_label(self.proto)}{port}"
        if self.encap:
            inner = f"{self.inner_src} -> {self.inner_dst}"
            return Msg("wire.encap", wire=base, encap=self.encap, inner=inner)
        return base


@dataclass(frozen=True)
class FlowResult:
    src: Endpoint
    dst: Endpoint
    requested: Endpoint
    protocol: str
    port: int | None
    hops: tuple[Hop, ...]
    # Set for a ping to a ClusterIP: whatever comes back proves nothing.
    expected_reply: ExpectedReply | None = None
    wire: Wire | None = None

    @property
    def no_reply_expected(self) -> bool:
        """The flow is one whose answer says nothing about the network (a ClusterIP ping)."""
        return self.expected_reply is not None

    @property
    def blocking(self) -> Hop | None:
        for hop in self.hops:
            if hop.disposition not in PASSING:
                return hop
        return None

    @property
    def verdict(self) -> Disposition:
        hop = self.blocking
        return Disposition.ACCEPTED if hop is None else hop.disposition

    @property
    def ok(self) -> bool:
        return self.blocking is None and not self.no_reply_expected

    def describe(self) -> Msg:
        port = f":{self.port}/{self.protocol}" if self.port is not None else f" {self.protocol}"
        target: str = self.requested.label
        if self.dst != self.requested:
            target = Msg("flow.target-via", target=target, dst=self.dst.label)
        return Msg("flow.describe", src=self.src.label, target=target, port=port)


class EndpointError(ValueError):
    """An endpoint spec that does not name anything in the snapshot."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message  # a Msg: the CLI says it in the command's language
        self.hint = hint
