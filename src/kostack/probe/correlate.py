"""Probe results against the static model: what confirms a root cause, what contradicts it.

Pure. `observations()` turns a finished round into `ProbeObservation`
records (`Snapshot.probes`); `correlate()` takes a snapshot that holds them,
asks the engine again what each probe should have seen (against *this*
snapshot, so an edited or stale snapshot is judged as it is), and sorts every
probe into:

- confirmed: predicted blocked, observed failing: it confirms the root cause
  named by the hop that blocks it (`Prediction.cause`, the same keys as
  `RootCause.key`);
- as predicted: predicted open, observed passing;
- mismatch: predicted blocked but observed open, or predicted open but
  observed failing. Never hidden: both sides are reported;
- expected: a ClusterIP ping (no reply expected, healthy or not);
- undecided: the model could not decide (unknown, or some service
  endpoints blocked); the probe tells what it is;
- not comparable: the probe could not run (error, skipped).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from kostack.analyze.matrix import Matrix, NodeClass
from kostack.analyze.messages import Msg
from kostack.analyze.reach import classify_ip
from kostack.analyze.topology import Topology
from kostack.model.snapshot import IPAddress, ProbeObservation, Snapshot
from kostack.probe.plan import KINDS, Prediction, predict_probe
from kostack.probe.plan_model import at_port
from kostack.probe.results import ProbeRound

__all__ = [
    "Agreement",
    "Comparison",
    "Contrast",
    "Correlation",
    "add_observations",
    "compare",
    "correlate",
    "observations",
    "observed_open",
    "short_outcome",
]

Agreement = Literal[
    "confirmed", "as-predicted", "mismatch", "expected", "undecided", "not-comparable"
]

_EXTRA_KEYS = (
    "answered",
    "status",
    "largest_ok",
    "smallest_lost",
    "local_limit",
    "sizes",
    "socket",
    "rcode",
    "addresses",
    "replied",
    "tls",
)


def _ip(text: str | None) -> IPAddress | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def observations(round_: ProbeRound) -> tuple[ProbeObservation, ...]:
    """One snapshot record per probe of the round (plan facts + what the agent saw)."""
    out: list[ProbeObservation] = []
    for planned, result in round_.pairs():
        extra: dict[str, Any] = {
            "runner": round_.runner,
            "round_started_at": round_.started_at,
            "source_class": str(planned.source_class),
            "target_class": str(planned.target_class),
            "reason": planned.reason,
        }
        if planned.path:
            extra["path"] = str(planned.path)
        extra.update({k: result.extra[k] for k in _EXTRA_KEYS if k in result.extra})
        target_ip = _ip(result.target_ip) or planned.target_ip
        out.append(
            ProbeObservation(
                id=planned.id,
                kind=planned.kind,
                source_node=planned.source_node,
                source_pod=result.source_pod,
                source_ip=_ip(result.source_ip),
                target=str(planned.target),
                target_ip=target_ip,
                target_port=planned.target_port,
                target_node=planned.target_node,
                protocol=planned.protocol,
                verdict=result.verdict,  # one of VERDICTS (checked when parsed; pydantic checks again)
                detail=result.detail,
                elapsed_ms=result.elapsed_ms,
                extra=extra,
            )
        )
    return tuple(out)


def add_observations(snapshot: Snapshot, round_: ProbeRound) -> Snapshot:
    """``snapshot`` with the round's observations as its probes (a new round replaces an old one)."""
    return snapshot.model_copy(update={"probes": observations(round_)})


def observed_open(observation: ProbeObservation) -> bool | None:
    """Did the probe find the path open? None when it says nothing (error, skipped, ClusterIP ping).

    A DNS probe that failed on what the server answered (NXDOMAIN, SERVFAIL, an address other
    than the expected one: its ``rcode`` or ``addresses``) got a reply over the path, which is
    therefore open: such a failure neither confirms a blocking hop nor contradicts an open one.
    """
    if observation.verdict == "pass":
        return True
    if observation.verdict == "fail":
        extra = observation.extra
        return observation.kind in _DNS_KINDS and (bool(extra.get("rcode")) or "addresses" in extra)
    return None


_DNS_KINDS = frozenset(kind for kind, info in KINDS.items() if info.mechanism == "dns")


@dataclass(frozen=True)
class Comparison:
    """One observation next to what the model predicted for it."""

    observation: ProbeObservation
    prediction: Prediction
    agreement: Agreement
    source_class: str = ""  # the source node's class in the snapshot being diagnosed
    target_class: str = ""  # the target's class (pods or nodes of a class), or the target

    @property
    def label(self) -> str:
        info = KINDS.get(self.observation.kind)
        return info.label if info else self.observation.kind


def compare(observation: ProbeObservation, prediction: Prediction) -> Comparison:
    """Put one observation next to its prediction."""
    if prediction.outcome == "no-reply-expected" or observation.verdict == "expected-no-reply":
        return Comparison(observation, prediction, "expected")
    is_open = observed_open(observation)
    if is_open is None:
        return Comparison(observation, prediction, "not-comparable")
    if prediction.outcome == "open":
        return Comparison(observation, prediction, "as-predicted" if is_open else "mismatch")
    if prediction.outcome == "blocked":
        return Comparison(observation, prediction, "mismatch" if is_open else "confirmed")
    return Comparison(observation, prediction, "undecided")


@dataclass(frozen=True)
class Contrast:
    """From one source, why some probes pass and others fail, in the model's words."""

    source_node: str
    passing: tuple[Comparison, ...]
    failing: tuple[Comparison, ...]
    same_on: int  # other sources that show the same picture


@dataclass(frozen=True)
class Correlation:
    """Every probe of the snapshot next to the model, grouped for the report."""

    comparisons: tuple[Comparison, ...]

    def by(self, agreement: Agreement) -> tuple[Comparison, ...]:
        return tuple(c for c in self.comparisons if c.agreement == agreement)

    @property
    def mismatches(self) -> tuple[Comparison, ...]:
        return self.by("mismatch")

    @property
    def expected(self) -> tuple[Comparison, ...]:
        return self.by("expected")

    def confirming(self, cause: str) -> tuple[Comparison, ...]:
        """Failing probes whose predicted blocking hop names root cause ``cause``."""
        return tuple(c for c in self.by("confirmed") if c.prediction.cause == cause and cause)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for c in self.comparisons:
            out[c.agreement] += 1
        return dict(out)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({c.observation.source_node or "?" for c in self.comparisons}))

    @property
    def runner(self) -> str:
        return next((str(c.observation.extra.get("runner", "")) for c in self.comparisons), "")

    def contrasts(self) -> tuple[Contrast, ...]:
        """Why some probes pass while others fail from the same pods, by the deciding hops.

        (Why TCP to 10.96.0.1 works while DNS fails: natOutgoing masquerades
        node-bound traffic; DNS goes to a CoreDNS pod on another node.) One
        source leads (preferably one where the kubernetes service works and
        DNS fails); the others with a contrast are counted, not repeated.
        """
        by_source: dict[str, list[Comparison]] = defaultdict(list)
        for c in self.comparisons:
            by_source[c.observation.source_node or "?"].append(c)
        found: list[Contrast] = []
        for node in sorted(by_source):
            items = by_source[node]
            passing = _pick(
                (c for c in items if c.agreement == "as-predicted" and c.prediction.because),
                _WORKS_ORDER,
            )
            failing = _pick((c for c in items if c.agreement == "confirmed"), _FAILS_ORDER)
            if passing and failing:
                found.append(Contrast(node, tuple(passing), tuple(failing), 0))
        if not found:
            return ()
        lead = max(
            found,
            key=lambda x: (
                x.passing[0].observation.kind == _WORKS_ORDER[0],
                x.failing[0].observation.kind == _FAILS_ORDER[0],
            ),
        )
        return (Contrast(lead.source_node, lead.passing, lead.failing, len(found) - 1),)


_WORKS_ORDER = ("api-tcp", "egress", "icmp-node", "api-tls", "pod-http", "icmp-pod")
_FAILS_ORDER = ("dns-udp", "pod-http", "api-tcp", "egress", "transfer", "mtu", "icmp-pod")


def _pick(items: Iterable[Comparison], order: tuple[str, ...], limit: int = 2) -> list[Comparison]:
    """One comparison per kind, the kinds in ``order`` first, at most ``limit``."""
    first: dict[str, Comparison] = {}
    for c in items:
        first.setdefault(c.observation.kind, c)
    ranked = sorted(
        first.values(),
        key=lambda c: (
            order.index(c.observation.kind) if c.observation.kind in order else len(order)
        ),
    )
    return ranked[:limit]


def correlate(snapshot: Snapshot) -> Correlation:
    """Compare every probe in ``snapshot.probes`` with the engine's answer for this snapshot."""
    if not snapshot.probes:
        return Correlation(())
    topo = Topology(snapshot)
    matrix = Matrix(topo)
    class_of = {m.name: c for c in matrix.classes for m in c.members}
    comparisons = []
    for obs in snapshot.probes:
        if obs.source_node is None:
            prediction = Prediction("unknown", "gap")
        else:
            prediction = predict_probe(
                topo,
                matrix,
                obs.kind,
                obs.source_node,
                target_ip=obs.target_ip,
                target_port=obs.target_port,
                target_node=obs.target_node,
                source_ip=obs.source_ip,
            )
        compared = compare(obs, prediction)
        source_cls = class_of.get(obs.source_node or "")
        source_label = source_cls.label() if source_cls else (obs.source_node or "?")
        comparisons.append(
            replace(
                compared,
                source_class=source_label,
                target_class=_target_class(topo, class_of, obs),
            )
        )
    return Correlation(tuple(comparisons))


def _target_class(topo: Topology, class_of: Mapping[str, NodeClass], obs: ProbeObservation) -> str:
    info = KINDS.get(obs.kind)
    if info is None:
        return obs.target
    if info.target in ("service", "external"):
        return _said_again(topo, obs)
    if info.target == "node":
        view = topo.node_by_ip.get(obs.target_ip) if obs.target_ip is not None else None
        cls = class_of.get(view.name) if view is not None else None
        return Msg("probe.nodes-of", label=cls.label()) if cls is not None else obs.target
    node = obs.target_node
    if node is None and obs.target_ip is not None:
        owner = topo.node_of_pod_ip(obs.target_ip)
        node = owner.name if owner is not None else None
    cls = class_of.get(node or "")
    return Msg("probe.pods-on", label=cls.label()) if cls is not None else obs.target


def _said_again(topo: Topology, obs: ProbeObservation) -> str:
    """A service's or an outside target as the plan named it, so it can be said in another
    language; the recorded text when the snapshot names it otherwise (another version)."""
    if obs.target_ip is None:
        return obs.target
    label = classify_ip(topo, obs.target_ip).label
    named = label if obs.target_port is None else at_port(label, obs.target_port)
    return named if str(named) == obs.target else obs.target


def short_outcome(observation: ProbeObservation) -> str:
    """A few words for what a probe saw ("timed out", "HTTP 403", "answered NXDOMAIN...")."""
    detail = observation.detail
    largest = observation.extra.get("largest_ok")
    if observation.kind == "mtu" and observation.verdict == "fail" and largest:
        return f"only {largest}-byte packets passed"
    if observation.kind == "transfer" and "stalled" in detail:
        return "stalled" + detail.split("stalled", 1)[1].split(" (", 1)[0]
    if "timed out" in detail or "no echo reply" in detail or "no answer" in detail:
        return "timed out"
    if "stalled" in detail:
        return detail.split(" (", 1)[0]
    return detail.split(";", 1)[0].split(" (", 1)[0][:80]
