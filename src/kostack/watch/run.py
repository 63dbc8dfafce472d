"""Start, run and stop `kostack watch`: the server, the loop thread, signals.

`run_watch` serves the endpoints first (so /healthz answers while the first
cycle runs), then cycles in a worker thread until SIGTERM or SIGINT (or
``max_cycles``). On a signal it stops serving, gives the running cycle
`STOP_GRACE_S` to finish, closes its connections and returns well within
5 s: a cycle stuck on a slow API is abandoned (its thread is a daemon),
and the probe agents of the DaemonSet need no cleanup (a round creates
nothing in the cluster).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from prometheus_client import CONTENT_TYPE_LATEST

from kostack.collect.live import CollectOptions, kube_session
from kostack.serve.log import logger
from kostack.serve.signals import exit_code, signal_name, stop_on_signals
from kostack.serve.status import ModeServer
from kostack.watch.events import KubeEventSink, Workload
from kostack.watch.history import History
from kostack.watch.loop import LoopSettings, WatchLoop
from kostack.watch.messages import say
from kostack.watch.metrics import WatchMetrics
from kostack.watch.probing import ProbeRunner, ProbeSettings
from kostack.watch.sources import LiveSource, SnapshotSource, Source
from kostack.watch.state import WatchState

__all__ = ["STOP_GRACE_S", "WatchConfig", "run_watch"]

STOP_GRACE_S = 3.0


@dataclass(frozen=True)
class WatchConfig:
    """Everything `kostack watch` was asked to do."""

    listen: tuple[str, int]
    snapshot: str | None = None
    collect: CollectOptions | None = None
    loop: LoopSettings = field(default_factory=LoopSettings)
    lang: str = "en"
    history_limit: int = 200
    flap_window_s: float = 3600.0
    flap_threshold: int = 4
    events: bool = False
    workload: Workload | None = None
    instance: str = "kostack-watch"
    probe_settings: ProbeSettings = field(default_factory=ProbeSettings)
    probe_label: str = ""


def _source(config: WatchConfig) -> Source:
    if config.snapshot is not None:
        return SnapshotSource(config.snapshot)
    assert config.collect is not None
    return LiveSource(config.collect)


def _event_sink(config: WatchConfig) -> KubeEventSink | None:
    if not config.events or config.collect is None:
        return None
    session = kube_session(config.collect)
    session.client.user_agent = "kostack-watch (events)"
    return KubeEventSink(session.client, instance=config.instance)


def run_watch(
    config: WatchConfig,
    *,
    stderr: IO[str],
    version: str,
    probe_runner: ProbeRunner | None = None,
) -> int:
    """Run until stopped; returns the exit code (0 on SIGTERM or after max_cycles, 130 on SIGINT)."""
    log = logger(stderr)
    stop = threading.Event()
    state = WatchState(
        interval=config.loop.interval,
        lang=config.lang,
        history=History(config.history_limit, config.flap_window_s, config.flap_threshold),
    )
    metrics = WatchMetrics(state, version)
    server = watch_server(config.listen, state, metrics, version)  # ConfigError when taken
    source = _source(config)
    events = _event_sink(config)
    loop = WatchLoop(
        source=source,
        state=state,
        metrics=metrics,
        settings=config.loop,
        version=version,
        log=log,
        probe_runner=probe_runner,
        probe_settings=config.probe_settings,
        events=events,
        workload=config.workload,
    )
    with stop_on_signals(True, stop) as caught:
        server.start()
        _log_start(config, server, source, probe_runner, log, version)
        worker = threading.Thread(
            target=loop.run, args=(stop,), name="kostack-watch-loop", daemon=True
        )
        worker.start()
        try:
            while not stop.wait(0.2):
                if not worker.is_alive():
                    break  # max_cycles ran
        finally:
            if caught:
                log(say(config.lang, "stopping", signal=signal_name(caught)))
            stop.set()
            server.stop()
            worker.join(timeout=STOP_GRACE_S)
            if not worker.is_alive():
                source.close()  # a cycle still stuck owns the connection: the exit releases it
            if events is not None:
                events.close()
            log(say(config.lang, "stopped", cycles=state.cycle))
    return exit_code(caught)


def watch_server(
    address: tuple[str, int], state: WatchState, metrics: WatchMetrics, version: str
) -> ModeServer:
    """The watch's /metrics, /healthz, /readyz and /status (docs/watch.md), until `stop`."""
    return ModeServer(
        address,
        state,
        metrics,
        version,
        name="kostack watch",
        alive=lambda lang: say(lang, "healthz"),
        metrics_type=CONTENT_TYPE_LATEST,
        redacted_by_route=("/status",),  # by parts: its diagnosis once per cycle
    )


def _log_start(
    config: WatchConfig,
    server: ModeServer,
    source: Source,
    probe_runner: ProbeRunner | None,
    log: Callable[[str], None],
    version: str,
) -> None:
    """The first log line: version, what is watched, whether it probes, the interval, where it serves."""
    what = (
        say(config.lang, "source.snapshot", path=config.snapshot)
        if config.snapshot is not None
        else say(config.lang, "source.live", what=", ".join(source.names))
    )
    probes = (
        say(config.lang, "probes.on", runner=config.probe_label)
        if probe_runner is not None
        else say(config.lang, "probes.off")
    )
    host = config.listen[0]
    shown = f"[{host}]:{server.port}" if ":" in host else f"{host}:{server.port}"
    log(
        say(
            config.lang,
            "start",
            version=version,
            source=f"{what}, {probes}",
            interval=f"{config.loop.interval:g}",
            jitter=f"{config.loop.jitter * 100:g}",
            listen=shown,
        )
    )
