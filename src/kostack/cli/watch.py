"""`kostack watch`: the continuous mode (the work is in `kostack.watch`)."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

import click

from kostack.cli._options import (
    collect_options,
    deployment_option,
    egress_target_option,
    events_option,
    interval_option,
    jitter_option,
    lang_option,
    listen_option,
    options,
    request_timeout_option,
    serve_extra,
    setting,
    snapshot_option,
    workload,
)
from kostack.cli.common import detect_lang, get_env, long_running_timeout
from kostack.cli.diagnose import live_options
from kostack.errors import ConfigError

__all__ = ["watch"]

_EXAMPLES = """\b
Examples:
  kostack watch --snapshot examples/seed-incident.json --listen 127.0.0.1:9109
  kostack watch --os-cloud mycloud --context prod --interval 120 --lang ko
  kostack watch --probes agents --probe-namespace kostack       # in the cluster (deploy/)
  curl -s 127.0.0.1:9109/metrics; curl -s 127.0.0.1:9109/status
"""


WATCH_TIMEOUT_S = 20.0


_OPTIONS = (
    snapshot_option("Watch a snapshot file (read again every cycle) instead of collecting live."),
    listen_option("127.0.0.1:9109"),
    interval_option("Seconds between cycles."),
    jitter_option(),
    request_timeout_option(
        f"Per-request timeout of live collection, a hard limit (default {WATCH_TIMEOUT_S:g}, "
        "or $KOSTACK_TIMEOUT).",
        most=300,
        metavar="S",
    ),
    lang_option("Language of log lines, Events and /readyz (default: from the locale)."),
    egress_target_option("An address outside the cluster to judge pod egress against."),
    setting(
        "--max-classes",
        click.IntRange(1, 12),
        8,
        "Node classes with their own metric labels; the rest are 'other'.",
    ),
    setting(
        "--probes",
        click.Choice(["off", "agents", "lab"]),
        "off",
        "Probe round each cycle: by the agent DaemonSet (deploy/), or in the network lab.",
    ),
    click.option(
        "--probe-namespace",
        metavar="NS",
        help="With --probes agents: the agents' namespace (default: POD_NAMESPACE, else kostack).",
    ),
    setting(
        "--probe-token-file",
        None,
        "/etc/kostack-agent/token",
        "With --probes agents: the token the agents require.",
        metavar="FILE",
    ),
    setting(
        "--probe-address",
        click.Choice(["pod", "host"]),
        "pod",
        "Reach each agent at its pod IP, or at its node IP (hostPort).",
    ),
    setting(
        "--probe-timeout",
        click.FloatRange(0.1, 60),
        2.0,
        "Seconds before a probe counts as silent.",
        metavar="S",
    ),
    setting(
        "--probe-max-sources",
        click.IntRange(1, 1000),
        16,
        "Probe sources per round: every class, plus a sample that rotates each cycle.",
    ),
    setting(
        "--probe-egress", None, "1.1.1.1:443", "Where pod egress is probed.", metavar="IP:PORT"
    ),
    click.option(
        "--probe-lab", metavar="NAME", help="With --probes lab: the lab's name ('default')."
    ),
    events_option("Kubernetes Events on transitions (default: on when collecting live)."),
    deployment_option(
        "kostack's own Deployment, for cluster-wide Events (default: POD_NAMESPACE/kostack-watch)."
    ),
    setting(
        "--history",
        click.IntRange(1, 10000),
        200,
        "Transitions kept for /status.",
        dest="history_limit",
    ),
    setting("--flap-window", click.FloatRange(1), 3600.0, "Window of flap detection.", metavar="S"),
    setting(
        "--flap-threshold",
        click.IntRange(2, 1000),
        4,
        "Changes within the window that make a key flap.",
    ),
    click.option(
        "--cycles",
        "max_cycles",
        type=click.IntRange(1),
        metavar="N",
        help="Stop after N cycles (default: until SIGTERM).",
    ),
    live_options,
)


@click.command(epilog=_EXAMPLES)
@options(*_OPTIONS)
@click.pass_context
def watch(ctx: click.Context, /, **opts: Any) -> int:
    """Run continuously: collect, diagnose and probe every interval; serve Prometheus metrics.

    Serves /metrics (Prometheus), /healthz, /readyz (a cycle succeeded
    within 3 x (interval + its duration)) and /status (the last diagnosis as JSON, and the
    history of transitions). Root causes appearing or clearing are logged
    and, when collecting live, posted as Kubernetes Events. Runs until
    SIGTERM (exit 0) or Ctrl-C (130); exit 2 for bad input. See docs/watch.md.
    """
    env = get_env(ctx)
    lang = detect_lang(opts["lang"], env.environ)
    from kostack.watch.messages import say

    with serve_extra(lang, say):
        from kostack.watch.run import run_watch
    from kostack.cli.main import version

    config, runner = _config(env, opts, lang)
    return run_watch(config, stderr=env.stderr, version=version(), probe_runner=runner)


def _config(env: Any, opts: dict[str, Any], lang: str) -> tuple[Any, Any]:
    """The watch's configuration from its options, and the runner of each cycle's probes."""
    from kostack.serve.http import parse_listen
    from kostack.watch.loop import LoopSettings
    from kostack.watch.messages import say
    from kostack.watch.probing import ProbeSettings
    from kostack.watch.run import WatchConfig

    try:
        egress_target = ipaddress.ip_address(opts["egress_target"])
    except ValueError:
        raise ConfigError(
            say(lang, "error.egress", text=opts["egress_target"]), say(lang, "hint.egress")
        ) from None
    snapshot = opts["snapshot_path"]
    if snapshot is not None and not os.path.isfile(snapshot):
        # later cycles may find the file missing for a moment (rewritten): only the start is strict
        raise ConfigError(say(lang, "error.snapshot", path=snapshot), say(lang, "hint.snapshot"))
    collect = None
    if snapshot is None:
        collect = collect_options(
            opts, env.environ, long_running_timeout(opts["timeout_s"], env.environ, WATCH_TIMEOUT_S)
        )
    from kostack.cli.probe import parse_target

    egress = parse_target(opts["probe_egress"])
    runner, label, echo_port = _probe_runner(env, opts, lang)
    events = opts["events"] if opts["events"] is not None else collect is not None
    config = WatchConfig(
        listen=parse_listen(opts["listen"], lang),
        snapshot=snapshot,
        collect=collect,
        loop=LoopSettings(
            interval=opts["interval"],
            jitter=opts["jitter"],
            egress_target=egress_target,
            max_classes=opts["max_classes"],
            max_cycles=opts["max_cycles"],
        ),
        lang=lang,
        history_limit=opts["history_limit"],
        flap_window_s=opts["flap_window"],
        flap_threshold=opts["flap_threshold"],
        events=events,
        workload=workload(opts["deployment"], env.environ, "kostack-watch", lang, say),
        instance=env.environ.get("POD_NAME") or socket.gethostname(),
        probe_settings=ProbeSettings(
            timeout=opts["probe_timeout"],
            egress=egress,
            max_sources=opts["probe_max_sources"],
            echo_port=echo_port,
        ),
        probe_label=label,
    )
    return config, runner


def _probe_runner(env: Any, opts: dict[str, Any], lang: str) -> tuple[Any, str, int | None]:
    """The runner of each cycle's probe round, what to call it (in ``lang``), and the echo port
    it needs."""
    from kostack.watch.messages import say

    mode = opts["probes"]
    if mode == "off":
        return None, "", None
    if mode == "lab":
        from kostack.cli.defaults import PROBE_IMAGE as DEFAULT_IMAGE
        from kostack.cli.probe import _lab, run_round

        name = opts["probe_lab"]
        lab = _lab(
            None if name in (None, "1", "default") else name,
            env.environ.get("KOSTACK_LAB_STATE_DIR"),
            "kostack watch --probes lab",
        )

        def in_lab(plan: Any) -> Any:
            return run_round(env, plan, lab=lab, image=DEFAULT_IMAGE, live={})

        return in_lab, say(lang, "runner.lab", prefix=lab.prefix), lab.echo_port
    from kostack.probe.agents_runner import AgentOptions, agents_runner

    namespace = opts["probe_namespace"] or env.environ.get("POD_NAMESPACE") or "kostack"
    options = AgentOptions(
        namespace=namespace,
        token_file=opts["probe_token_file"],
        address=opts["probe_address"],
        kubeconfig=opts["kubeconfig"],
        kube_context=opts["kube_context"],
        environ=dict(env.environ),
    )
    label = say(lang, "runner.agents", namespace=namespace)
    return agents_runner(options), label, options.echo_port
