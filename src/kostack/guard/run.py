"""Start, run and stop `kostack guard`: one pass (``--once``), or the server, Lease, watches and loop.

`run_once` reads, computes and (in enforce mode) writes once, then reads
again to report what is left; it never elects a leader (for cron and CI,
where one run at a time is the scheduler's job; the conditional updates
still protect against a concurrent writer).

`run_guard` serves the endpoints first (so /healthz answers at once), then
campaigns for the Lease (when configured), watches Nodes and the CNI's range
objects, and runs passes in a worker thread until SIGTERM or SIGINT (or
``max_passes``). On a signal it stops serving, releases the Lease (the other
replica takes over at its next try), gives the running pass `STOP_GRACE_S`
and returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from prometheus_client import CONTENT_TYPE_LATEST

from kostack.apply.journal import JournalError
from kostack.collect.live import CollectOptions, kube_session
from kostack.errors import ConfigError
from kostack.guard.events import COMPONENT, leader_event
from kostack.guard.journal import GuardJournal, journal_path
from kostack.guard.kwatch import KubeWatcher
from kostack.guard.lease import LeaderElector, LeaseSettings
from kostack.guard.loop import EventPoster, GuardLoop, GuardSettings
from kostack.guard.messages import say
from kostack.guard.metrics import GuardMetrics
from kostack.guard.source import FileReader, LiveReader, Reader
from kostack.guard.state import GuardState, PassReport
from kostack.model.snapshot import Snapshot
from kostack.serve.events import KubeEventSink, Workload
from kostack.serve.log import logger
from kostack.serve.signals import exit_code, signal_name, stop_on_signals
from kostack.serve.status import ModeServer

__all__ = ["STOP_GRACE_S", "GuardConfig", "run_guard", "run_once", "watched_kinds"]

STOP_GRACE_S = 3.0


@dataclass(frozen=True)
class GuardConfig:
    """Everything `kostack guard` was asked to do."""

    settings: GuardSettings
    lang: str = "en"
    collect: CollectOptions | None = None
    snapshot: str | None = None
    listen: tuple[str, int] = ("127.0.0.1", 9110)
    journal_dir: Path | None = None
    instance: str = "kostack-guard"
    lease: tuple[str, str] | None = None  # (namespace, name)
    lease_duration_s: int = 15
    renew_deadline_s: float = 10.0
    retry_period_s: float = 2.0
    events: bool = False
    workload: Workload | None = None
    watches: bool = True
    environ: Mapping[str, str] = field(default_factory=dict)


def _reader(config: GuardConfig) -> Reader:
    if config.snapshot is not None:
        return FileReader(Path(config.snapshot))
    assert config.collect is not None
    return LiveReader(config.collect)


def _journal(config: GuardConfig, version: str) -> GuardJournal | None:
    if config.settings.mode != "enforce":
        return None
    directory = config.journal_dir or Path.cwd()
    try:
        return GuardJournal(
            journal_path(directory, config.instance), instance=config.instance, version=version
        )
    except JournalError as exc:  # a directory it cannot write, a journal in use: bad input
        raise ConfigError(exc.message, exc.hint) from exc


def watched_kinds(snapshot: Snapshot) -> set[str]:
    """The Kubernetes kinds whose changes can change guard's drift (see `kostack.guard.kwatch`)."""
    kinds = {"nodes"}
    cni = snapshot.cluster.cni if snapshot.cluster else None
    if cni is not None and cni.calico is not None and cni.calico.blocks is not None:
        kinds.add("ipamblocks")
    if cni is not None and cni.cilium is not None and cni.cilium.nodes is not None:
        kinds.add("ciliumnodes")
    return kinds


def run_once(
    config: GuardConfig,
    *,
    stderr: IO[str] | None,
    version: str,
) -> PassReport:
    """One pass; with enforce, a confirming re-read. Raises KostackError for bad configuration.

    ``stderr`` gets the log lines of the pass (None: none; the report says it all).
    """
    log = logger(stderr) if stderr is not None else (lambda _text: None)
    state = GuardState(
        mode=config.settings.mode, interval=config.settings.interval, lang=config.lang
    )
    reader = _reader(config)
    journal = _journal(config, version)
    try:
        loop = GuardLoop(
            reader,
            config.settings,
            state,
            log=log,
            journal=journal,
        )
        return loop.run_pass(confirm=True)
    finally:
        reader.close()
        if journal is not None:
            journal.close()


def run_guard(
    config: GuardConfig,
    *,
    stderr: IO[str],
    version: str,
    stop: threading.Event | None = None,
    signals: bool = True,
    on_serving: Callable[[ModeServer], Any] | None = None,
) -> int:
    """Run until stopped; the exit code (0 on SIGTERM or after max_passes, 130 on SIGINT).

    Wires the parts one after the other; each is small and tested on its own.
    """
    log = logger(stderr)
    stop = stop or threading.Event()
    wake = threading.Event()
    settings = config.settings
    state = GuardState(mode=settings.mode, interval=settings.interval, lang=config.lang)
    metrics = GuardMetrics(state, version)
    server = ModeServer(  # ConfigError when taken
        config.listen,
        state,
        metrics,
        version,
        name="kostack guard",
        alive=lambda lang: say(lang, "healthz"),
        metrics_type=CONTENT_TYPE_LATEST,
    )
    reader = _reader(config)
    journal = _journal(config, version)
    session = kube_session(config.collect) if config.collect is not None else None
    events, elector, watcher = _cluster_parts(config, session, state, log, stop, wake)

    def on_reading(snapshot: Snapshot) -> None:
        if watcher is not None:
            watcher.ensure(watched_kinds(snapshot))

    loop = GuardLoop(
        reader,
        settings,
        state,
        log=log,
        journal=journal,
        elector=elector,
        metrics=metrics,
        events=events,
        workload=config.workload,
        on_reading=on_reading,
    )
    with stop_on_signals(signals, stop, wake) as caught:
        server.start()
        if on_serving is not None:
            on_serving(server)
        _log_start(config, server, log, version, journal, elector)
        threads = _start_threads(loop, elector, stop, wake)
        worker = threads[-1]
        try:
            while not stop.wait(0.2):
                if not worker.is_alive():
                    break  # max_passes ran
        finally:
            if caught:
                log(say(config.lang, "stopping", signal=signal_name(caught)))
            stop.set()
            wake.set()
            server.stop()
            for thread in threads:
                thread.join(timeout=STOP_GRACE_S)
            if elector is not None and elector.is_leader():
                elector.release()
            if not worker.is_alive():
                reader.close()
                if journal is not None:
                    journal.close()
            if session is not None:
                session.close()
            log(say(config.lang, "stopped", passes=state.passes))
    return exit_code(caught)


def _start_threads(
    loop: GuardLoop, elector: LeaderElector | None, stop: threading.Event, wake: threading.Event
) -> list[threading.Thread]:
    """Start the Lease's thread (after a first try, so the first pass knows), then the loop's (last)."""
    threads = []
    if elector is not None:
        elector.try_acquire_or_renew()  # the first pass knows whether it leads
        threads.append(
            threading.Thread(
                target=elector.run, args=(stop,), name="kostack-guard-lease", daemon=True
            )
        )
    worker = threading.Thread(
        target=loop.run, args=(stop, wake), name="kostack-guard-loop", daemon=True
    )
    threads.append(worker)
    for thread in threads:
        thread.start()
    return threads


def _cluster_parts(
    config: GuardConfig,
    session: Any,
    state: GuardState,
    log: Callable[[str], None],
    stop: threading.Event,
    wake: threading.Event,
) -> tuple[EventPoster | None, LeaderElector | None, KubeWatcher | None]:
    """When reading live: the Event sink, the Lease's elector and the watch on Nodes (each optional)."""
    events: EventPoster | None = None
    if session is not None and config.events:
        events = KubeEventSink(session.client, instance=config.instance, component=COMPONENT)
    elector = None
    if session is not None and config.lease is not None:
        elector = _elector(config, session.client, state, log, events, wake)
    watcher = None
    if session is not None and config.watches:
        watcher = KubeWatcher(session.client, lambda _kind: wake.set(), stop)
        watcher.ensure({"nodes"})
    return events, elector, watcher


def _elector(
    config: GuardConfig,
    client: Any,
    state: GuardState,
    log: Callable[[str], None],
    events: EventPoster | None,
    wake: threading.Event,
) -> LeaderElector:
    assert config.lease is not None
    namespace, name = config.lease
    settings = LeaseSettings(
        namespace=namespace,
        name=name,
        identity=config.instance,
        duration_s=config.lease_duration_s,
        renew_deadline_s=config.renew_deadline_s,
        retry_period_s=config.retry_period_s,
    )
    state.leader = False

    def changed(leader: bool, holder: str) -> None:
        with state.lock:
            state.leader = leader
            state.holder = holder
        if leader:
            log(say(config.lang, "leader.acquired", identity=config.instance))
            if events is not None:
                events.post(leader_event(config.instance, config.lang, config.workload))
            wake.set()  # the new leader looks at once
        else:
            lost = "leader.lost" if holder else "leader.released"
            log(say(config.lang, lost, identity=config.instance, holder=holder))

    elector = LeaderElector(client, settings, on_change=changed)
    state.lease = elector.describe()
    return elector


def _log_start(
    config: GuardConfig,
    server: ModeServer,
    log: Callable[[str], None],
    version: str,
    journal: GuardJournal | None,
    elector: LeaderElector | None,
) -> None:
    lang = config.lang
    source = (
        say(lang, "source.snapshot", path=config.snapshot)
        if config.snapshot is not None
        else say(lang, "source.live")
    )
    host = config.listen[0]
    shown = f"[{host}]:{server.port}" if ":" in host else f"{host}:{server.port}"
    settings = config.settings
    log(
        say(
            lang,
            "start",
            version=version,
            mode=say(lang, f"mode.{settings.mode}"),
            source=source,
            interval=f"{settings.interval:g}",
            jitter=f"{settings.jitter * 100:g}",
            listen=shown,
        )
    )
    if elector is not None:
        log(
            say(
                lang,
                "start.lease",
                lease=f"{elector.settings.namespace}/{elector.settings.name}",
                identity=elector.settings.identity,
            )
        )
    else:
        log(say(lang, "start.nolease"))
    if journal is not None:
        claims = sum(len(c) for c in journal.claims().values())
        log(say(lang, "start.journal", path=journal.path, claims=claims))
