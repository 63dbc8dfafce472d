"""The guard pass, and the loop that runs one every interval (or sooner, when the cluster changes).

One pass (`GuardLoop.run_pass`):

1. standby replicas stop here (only the Lease's holder reads and writes);
2. read Neutron and Kubernetes (`kostack.guard.source`): a constant number
   of list calls; a failure ends the pass (*unreachable*) and the loop backs
   off (5 s, doubling, up to ``backoff_max_s``);
3. settle the journal's claims, compute the drift (`kostack.guard.drift`),
   judge it (`kostack.guard.breaker`): an open breaker ends the pass with
   nothing changed;
4. enforce mode: carry the drift out (`kostack.guard.enforce`); when a port
   moved under guard (its revision changed, or 412), read everything again
   and recompute, at most ``max_rereads`` times per pass; with ``confirm``
   (``--once``) read once more to report what is left.

The loop waits ``interval`` (with jitter) between passes, and wakes early
when the Kubernetes watches report a node or pod range change (after
``settle_s``, so a burst of joins is one pass). Nothing a pass raises ends
the loop.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kostack.apply.neutron import Neutron
from kostack.errors import KostackError
from kostack.guard.breaker import BreakerSettings, WriteBudget, judge
from kostack.guard.drift import Drift, DriftOptions, compute
from kostack.guard.enforce import Done, Enforcer, EnforceResult, WriteHook
from kostack.guard.events import DriftMemory, breaker_event, pass_events
from kostack.guard.journal import GuardJournal
from kostack.guard.lease import LeaderElector
from kostack.guard.messages import say
from kostack.guard.metrics import GuardMetrics
from kostack.guard.ownership import pair_tag
from kostack.guard.render import breaker_why, notes, pass_lines, write_line
from kostack.guard.source import Reader
from kostack.guard.state import GuardState, PassReport, actionable, pass_result, remaining_items
from kostack.model.snapshot import Snapshot
from kostack.serve.events import EventSpec, Workload

__all__ = ["EventPoster", "GuardLoop", "GuardSettings"]


@dataclass(frozen=True)
class GuardSettings:
    mode: str = "audit"  # audit | enforce
    interval: float = 60.0
    jitter: float = 0.1
    settle_s: float = 2.0
    max_rereads: int = 3
    backoff_base_s: float = 5.0
    backoff_max_s: float = 300.0
    writes_per_minute: int = 60
    drift: DriftOptions = field(default_factory=DriftOptions)
    breaker: BreakerSettings = field(default_factory=BreakerSettings)
    max_passes: int | None = None


class EventPoster(Protocol):
    def post(self, specs: Sequence[EventSpec]) -> None: ...


class GuardLoop:
    """Passes, their timing and their faults; one per guard process."""

    def __init__(
        self,
        reader: Reader,
        settings: GuardSettings,
        state: GuardState,
        *,
        log: Callable[[str], None],
        journal: GuardJournal | None = None,
        elector: LeaderElector | None = None,
        metrics: GuardMetrics | None = None,
        events: EventPoster | None = None,
        workload: Workload | None = None,
        before_write: WriteHook | None = None,
        on_reading: Callable[[Snapshot], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.reader = reader
        self.settings = settings
        self.state = state
        self.log = log
        self.journal = journal
        self.elector = elector
        self.metrics = metrics
        self.events = events
        self.workload = workload
        self.before_write = before_write
        self.on_reading = on_reading
        self.clock = clock
        self.rng = rng or random.Random()
        self.budget = WriteBudget(settings.writes_per_minute, clock)
        self.failures = 0  # consecutive passes that could not read or write
        self.memory = DriftMemory()
        self.refused: dict[str, tuple[tuple[object, ...], str]] = {}  # see Enforcer.refused
        self._notes: tuple[str, ...] = ()
        self._standby_logged = False

    @property
    def lang(self) -> str:
        return self.state.lang

    # ------------------------------------------------------------------ the loop

    def run(self, stop: threading.Event, wake: threading.Event) -> None:
        """Passes until ``stop`` (or ``max_passes``); ``wake`` starts the next one early."""
        ran = 0
        while not stop.is_set():
            self.safe_pass()
            ran += 1
            if self.settings.max_passes is not None and ran >= self.settings.max_passes:
                return
            self._wait(stop, wake)

    def _wait(self, stop: threading.Event, wake: threading.Event) -> None:
        deadline = self.clock() + self.next_delay()
        while not stop.is_set():
            remaining = deadline - self.clock()
            if remaining <= 0:
                return
            if not wake.wait(remaining):
                continue
            wake.clear()
            if stop.is_set() or self.failures:
                continue  # backing off: a change in the cluster does not cut the wait short
            stop.wait(self.settings.settle_s)  # a burst of joins becomes one pass
            wake.clear()
            return

    def next_delay(self) -> float:
        if self.failures:
            base = self.settings.backoff_base_s * float(2 ** (self.failures - 1))
            return min(self.settings.backoff_max_s, base)
        spread = self.settings.jitter * self.settings.interval
        return max(0.0, self.settings.interval + self.rng.uniform(-spread, spread))

    def safe_pass(self) -> PassReport:
        """A pass whose internal errors are logged and counted, never raised."""
        try:
            return self.run_pass()
        except Exception as exc:
            number = self.state.passes
            error = f"{type(exc).__name__}: {exc}"
            self.log(say(self.lang, "pass.crashed", n=number, error=error))
            report = PassReport(
                number, self.settings.mode, self.state.clock(), 0.0, "crashed", error=error
            )
            return self._recorded(report)

    # ------------------------------------------------------------------ one pass

    def run_pass(self, *, confirm: bool = False) -> PassReport:
        """One pass (see the module docstring); ``confirm`` re-reads after writing."""
        number = self.state.next_pass()
        started_wall, started = self.state.clock(), self.clock()
        mode = self.settings.mode
        if self.elector is not None and not self.elector.is_leader():
            return self._standby(number, started_wall, started)
        self._standby_logged = False
        done: list[Done] = []
        deferred = rereads = requests_os = requests_kube = 0
        not_leader = False
        while True:
            try:
                reading = self.reader.read()
            except KostackError as err:
                return self._unreachable(number, started_wall, started, err, requests_os)
            requests_os += reading.openstack_requests
            requests_kube += reading.kubernetes_requests
            if self.on_reading is not None:
                self.on_reading(reading.snapshot)
            drift = compute(reading.snapshot, self.settings.drift, self._claims(reading.snapshot))
            decision = judge(drift, self.settings.breaker)
            writer = self.reader.writer()
            if mode != "enforce" or decision.open or not actionable(drift) or writer is None:
                break
            result = self._enforce(writer, drift, number, done)
            deferred += result.deferred
            not_leader = not_leader or result.not_leader
            if result.stale and rereads < self.settings.max_rereads and not not_leader:
                rereads += 1
                stale = result.count("stale")
                self.log(
                    say(
                        self.lang,
                        "pass.stale",
                        n=number,
                        count=stale,
                        attempt=rereads,
                        max=self.settings.max_rereads,
                    )
                )
                continue
            break
        remaining = remaining_items(drift, done) if mode == "enforce" else drift.items
        if confirm and mode == "enforce" and any(d.outcome == "applied" for d in done):
            try:
                again = self.reader.read()
                requests_os += again.openstack_requests
                requests_kube += again.kubernetes_requests
                remaining = compute(
                    again.snapshot, self.settings.drift, self._claims(again.snapshot)
                ).items
            except KostackError:
                pass  # what was done is known; what is left is what the pass computed
        report = PassReport(
            number=number,
            mode=mode,
            started_at=started_wall,
            seconds=self.clock() - started,
            result=pass_result(mode, drift, decision, done, deferred, remaining),
            drift=drift,
            breaker=decision,
            done=tuple(done),
            deferred=deferred,
            rereads=rereads,
            remaining=remaining,
            openstack_requests=requests_os,
            kubernetes_requests=requests_kube,
            not_leader=not_leader,
        )
        self._finish(report)
        return report

    # ------------------------------------------------------------------ parts of a pass

    def _enforce(
        self, writer: Neutron, drift: Drift, number: int, done: list[Done]
    ) -> EnforceResult:
        """Write what the drift needs (journal first); each write is logged, counted and added to `done`."""
        assert self.journal is not None, "enforce mode needs a journal"
        enforcer = Enforcer(
            writer,
            self.journal,
            self.budget,
            leader=lambda: self.elector is None or self.elector.is_leader(),
            before_write=self.before_write,
            refused=self.refused,
        )
        result = enforcer.apply(drift, number)
        for item in result.done:
            done.append(item)
            self.log(write_line(item, self.lang))
            if self.metrics is not None:
                self.metrics.observe_done(item)
        return result

    def _claims(self, snapshot: Snapshot) -> dict[str, frozenset[str]]:
        """The journal's claims still open after this reading (tagged or absent ones settle)."""
        if self.journal is None:
            return {}
        ports = {p.id: p for p in (snapshot.openstack.ports or ())} if snapshot.openstack else {}
        for port_id, cidrs in self.journal.claims().items():
            port = ports.get(port_id)
            if port is None:
                self.journal.settle(port_id, set(cidrs), "port gone")
                continue
            present = {str(p.ip_address) for p in port.allowed_address_pairs}
            tagged = {c for c in cidrs if pair_tag(c) in port.tags}
            absent = {c for c in cidrs if c not in present}
            if tagged:
                self.journal.settle(port_id, tagged, "tagged")
            if absent - tagged:
                self.journal.settle(port_id, absent - tagged, "not on the port")
        claims = self.journal.claims()
        with self.state.lock:
            self.state.claims = sum(len(c) for c in claims.values())
        return claims

    def _standby(self, number: int, started_wall: float, started: float) -> PassReport:
        assert self.elector is not None
        holder = self.elector.holder or "?"
        report = PassReport(
            number,
            self.settings.mode,
            started_wall,
            self.clock() - started,
            "standby",
            holder=holder,
        )
        if not self._standby_logged:
            self.log(say(self.lang, "pass.standby", n=number, holder=holder))
            self._standby_logged = True
        return self._recorded(report)

    def _unreachable(
        self, number: int, started_wall: float, started: float, err: KostackError, requests: int
    ) -> PassReport:
        self.failures += 1
        report = PassReport(
            number,
            self.settings.mode,
            started_wall,
            self.clock() - started,
            "unreachable",
            error=err.message,
            hint=err.hint,
            openstack_requests=requests,
        )
        delay = f"{self.next_delay():g}"
        self.log(say(self.lang, "pass.unreachable", n=number, error=err.message, delay=delay))
        return self._recorded(report)

    def _recorded(self, report: PassReport) -> PassReport:
        """A pass that did not act (crashed, standby, unreachable): published and counted."""
        self.state.record(report)
        if self.metrics is not None:
            self.metrics.observe(report, tripped=False)
        return report

    def _finish(self, report: PassReport) -> None:
        drift, decision = report.drift, report.breaker
        assert drift is not None and decision is not None
        was_open = self.state.breaker_open
        tripped = decision.open and not was_open
        self.failures = self.failures + 1 if report.failed else 0
        self.state.record(report)
        if self.metrics is not None:
            # writes were counted as they happened
            self.metrics.observe(PassReport(**{**report.__dict__, "done": ()}), tripped=tripped)
        for line in pass_lines(
            report, self.settings.breaker, self.settings.writes_per_minute, self.lang
        ):
            self.log(line)
        current = tuple(notes(drift, self.lang))
        for line in current:
            if line not in self._notes:
                self.log(line)
        self._notes = current
        specs = pass_events(report, self.lang, self.workload, self.memory)
        if decision.open != was_open:
            s = self.settings.breaker
            why = breaker_why(decision, s.max_share, s.floor, self.lang)
            self.log(
                say(self.lang, "breaker.opened", why=why)
                if decision.open
                else say(self.lang, "breaker.closed")
            )
            specs.extend(breaker_event(decision.open, why, self.lang, self.workload))
        if self.events is not None and specs:
            self.events.post(specs)
