"""`kostack guard`: keep node ports right as nodes come and go (the work is in `kostack.guard`)."""

from __future__ import annotations

import json
import os
import socket
import uuid
from pathlib import Path
from typing import Any

import click

from kostack.cli._options import (
    collect_options,
    deployment_option,
    events_option,
    interval_option,
    jitter_option,
    lang_option,
    listen_option,
    namespaced_name,
    options,
    output_option,
    request_timeout_option,
    serve_extra,
    setting,
    snapshot_option,
    workload,
)
from kostack.cli.common import detect_lang, get_env, long_running_timeout
from kostack.cli.diagnose import live_options
from kostack.errors import ConfigError
from kostack.report.safe import terminal_safe

GUARD_TIMEOUT_S = 20.0

__all__ = ["guard"]

GUARD_JSON_VERSION = 1

_EXAMPLES = """\b
Examples:
  kostack guard --once                                  # audit: report drift, change nothing
  kostack guard --once --mode enforce --os-cloud prod   # fix it (exit codes of `kostack fix`)
  kostack guard --once --snapshot examples/seed-incident.json --lang ko
  kostack guard --mode enforce --interval 60            # keep it right (deploy/guard)
  curl -s 127.0.0.1:9110/metrics; curl -s 127.0.0.1:9110/status
"""


_OPTIONS = (
    setting(
        "--mode",
        click.Choice(["audit", "enforce"]),
        "audit",
        "audit reports drift and changes nothing; enforce fixes it.",
    ),
    click.option(
        "--once", is_flag=True, help="One pass, then exit (cron, CI); no leader election."
    ),
    output_option("text", "json", help="With --once: the report's format."),
    snapshot_option("Audit a snapshot file (read again each pass) instead of listing live."),
    click.option(
        "--tight", is_flag=True, help="Pairs for each node's own pod blocks, as `fix plan --tight`."
    ),
    click.option(
        "--no-service-cidr",
        is_flag=True,
        help="Do not add the service CIDR as a pair (as `fix plan --no-service-cidr`).",
    ),
    interval_option("Seconds between passes (a node joining starts one sooner)."),
    jitter_option(),
    setting(
        "--settle",
        click.FloatRange(0, 300),
        2.0,
        "After a Kubernetes change, wait this long for more before the pass.",
        metavar="S",
    ),
    listen_option("127.0.0.1:9110"),
    setting(
        "--breaker-share",
        click.FloatRange(0, 1),
        0.3,
        "Open the circuit breaker when a pass would change pairs on more than this share of ports.",
        metavar="F",
    ),
    setting(
        "--breaker-floor",
        click.IntRange(0),
        2,
        "... but never below N ports (a node joining a small cluster).",
        metavar="N",
    ),
    setting(
        "--breaker-removals",
        click.IntRange(0),
        5,
        "Open it when a pass would remove pairs or rules on more than N ports and rules.",
        metavar="N",
    ),
    setting(
        "--writes-per-minute",
        click.IntRange(1, 10000),
        60,
        "Rate limit of Neutron writes (one port update with its tags, one rule).",
        metavar="N",
    ),
    setting(
        "--max-rereads",
        click.IntRange(0, 10),
        3,
        "Times a pass reads again and recomputes when ports change under it (412).",
    ),
    click.option(
        "--journal-dir",
        metavar="DIR",
        help="Where the enforce journal goes (default: the current directory).",
    ),
    click.option(
        "--lease",
        metavar="NS/NAME",
        help="The Lease for leader election (default: POD_NAMESPACE/kostack-guard in a pod).",
    ),
    click.option("--no-lease", is_flag=True, help="No leader election: this is the only guard."),
    setting(
        "--lease-duration",
        click.IntRange(2, 3600),
        15,
        "How long a silent leader keeps the Lease.",
        metavar="S",
    ),
    events_option(
        "Kubernetes Events on fixes, drift and the breaker (default: on when live, not --once)."
    ),
    deployment_option(
        "guard's own Deployment, for cluster-wide Events (default: POD_NAMESPACE/kostack-guard)."
    ),
    click.option(
        "--no-watch", is_flag=True, help="Do not watch Nodes and IPAM objects; passes only."
    ),
    click.option(
        "--passes",
        "max_passes",
        type=click.IntRange(1),
        metavar="N",
        help="Stop after N passes (default: until SIGTERM).",
    ),
    request_timeout_option(
        f"Per-request timeout, a hard limit (default {GUARD_TIMEOUT_S:g}, or $KOSTACK_TIMEOUT).",
        most=300,
        metavar="S",
    ),
    lang_option("Language of the report, log lines and Events (default: from the locale)."),
    live_options,
)


@click.command(epilog=_EXAMPLES)
@options(*_OPTIONS)
@click.pass_context
def guard(ctx: click.Context, /, **opts: Any) -> int:
    """Keep node ports right as nodes come and go: audit drift, or enforce with a safety net.

    Lists Neutron and Kubernetes each pass (a constant number of list calls)
    and compares each node's port and the node security groups with what
    `kostack fix plan` would add. audit (the default) reports the drift;
    enforce adds what is missing with conditional updates, marks what it
    added (port tags, a rule description) and only ever removes that. A
    circuit breaker stops a pass that would change too much. With --once:
    exit 0 no drift (or fixed), 1 drift left, 3 unreachable, 4 breaker open
    or incomplete data, 5 a write failed; drift left includes Calico eBPF DSR's
    pairs, which only `kostack fix` adds. See docs/guard.md.
    """
    env = get_env(ctx)
    lang = detect_lang(opts["lang"], env.environ)
    from kostack.guard.messages import say

    with serve_extra(lang, say):
        from kostack.guard.run import GuardConfig, run_guard, run_once
    config = _config(env, opts, lang, GuardConfig)
    from kostack.cli.main import version

    if opts["once"]:
        report = run_once(config, stderr=None, version=version())
        _print(env, report, config, opts, lang)
        return int(report.exit_code())
    return run_guard(config, stderr=env.stderr, version=version())


def _config(env: Any, opts: dict[str, Any], lang: str, config_class: Any) -> Any:
    from kostack.guard.breaker import BreakerSettings
    from kostack.guard.drift import DriftOptions
    from kostack.guard.lease import LEASE_NAME
    from kostack.guard.loop import GuardSettings
    from kostack.guard.messages import say
    from kostack.serve.http import parse_listen

    snapshot = opts["snapshot_path"]
    if snapshot is not None:
        if opts["mode"] != "audit":
            raise ConfigError(say(lang, "error.snapshot"), say(lang, "hint.snapshot"))
        if not os.path.isfile(snapshot):
            raise ConfigError(
                say(lang, "error.snapshot.missing", path=snapshot),
                say(lang, "hint.snapshot.missing"),
            )
    collect = None
    if snapshot is None:
        timeout = long_running_timeout(opts["timeout_s"], env.environ, GUARD_TIMEOUT_S)
        collect = collect_options(opts, env.environ, timeout)
    namespace = env.environ.get("POD_NAMESPACE", "")
    lease = None
    if not opts["no_lease"] and not opts["once"] and collect is not None:
        if opts["lease"]:
            lease = namespaced_name(opts["lease"], "error.lease", "hint.lease", lang, say)
        elif namespace:
            lease = (namespace, LEASE_NAME)
    events = (
        opts["events"] if opts["events"] is not None else (collect is not None and not opts["once"])
    )
    instance = env.environ.get("POD_NAME") or f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}"
    return config_class(
        settings=GuardSettings(
            mode=opts["mode"],
            interval=opts["interval"],
            jitter=opts["jitter"],
            settle_s=opts["settle"],
            max_rereads=opts["max_rereads"],
            writes_per_minute=opts["writes_per_minute"],
            drift=DriftOptions(service_cidr=not opts["no_service_cidr"], tight=opts["tight"]),
            breaker=BreakerSettings(
                max_share=opts["breaker_share"],
                floor=opts["breaker_floor"],
                max_removals=opts["breaker_removals"],
            ),
            max_passes=opts["max_passes"],
        ),
        lang=lang,
        collect=collect,
        snapshot=snapshot,
        listen=parse_listen(opts["listen"], lang),
        journal_dir=Path(opts["journal_dir"]) if opts["journal_dir"] else None,
        instance=instance,
        lease=lease,
        lease_duration_s=opts["lease_duration"],
        renew_deadline_s=max(1.0, opts["lease_duration"] * 2 / 3),
        retry_period_s=max(0.5, opts["lease_duration"] / 7.5),
        events=bool(events),
        workload=workload(opts["deployment"], env.environ, "kostack-guard", lang, say),
        watches=not opts["no_watch"],
        environ=dict(env.environ),
    )


def _print(env: Any, report: Any, config: Any, opts: dict[str, Any], lang: str) -> None:
    from kostack.guard.render import render_report

    if opts["output"] == "json":
        body = {"schema_version": GUARD_JSON_VERSION, **report.as_dict()}
        env.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        return
    command = ["kostack", "guard", "--once", "--mode", "enforce"]
    if opts["os_cloud"]:
        command += ["--os-cloud", opts["os_cloud"]]
    if opts["kube_context"]:
        command += ["--context", opts["kube_context"]]
    breaker = config.settings.breaker
    text = render_report(
        report, lang, share=breaker.max_share, floor=breaker.floor, command=command
    )
    env.stdout.write(terminal_safe(text))
