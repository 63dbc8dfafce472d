"""`kostack lab`: a network-namespace lab that reproduces the incident (and its fixes) on one machine."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kostack.cli._options import options
from kostack.cli.common import Environment, get_env
from kostack.lab.errors import LabError
from kostack.report.safe import terminal_safe
from kostack.shell import render

if TYPE_CHECKING:
    from kostack.lab.lab import Lab
    from kostack.lab.lab_records import LabStatus

F = TypeVar("F", bound=Callable[..., Any])

_EXAMPLES = """\b
Examples (rehearse the incident; README "Rehearse the incident"):
  sudo kostack lab up --scenario seed   # then paste the export lines it prints
  sudo -E kostack diagnose              # exit 1: Neutron anti-spoofing drops pod traffic
  sudo -E kostack fix apply --yes       # allowed address pairs, in the lab's Neutron
  sudo kostack lab probe                # DNS, 10.96.0.1:443, egress, pod-to-pod, 4 MiB
  sudo kostack lab way-in --mode amphora   # a load balancer in front of the NodePorts, probed
  sudo kostack lab down
"""

# Probes that never answer on a healthy cluster: shown to make the point, never a failure.
EXPECTED_SILENT = {"ping_cluster_ip": "a ClusterIP never answers ping, on a healthy cluster too"}
EXPECTED_SILENT["ping_cluster_ip_ipv6"] = EXPECTED_SILENT["ping_cluster_ip"]  # dual-stack labs


def _lab(name: str | None, state_dir: Path | None) -> Lab:
    from kostack.lab.lab import Lab  # imported late: `kostack --help` stays fast

    return Lab(name=name, state_dir=state_dir)


def _reports_errors(function: F) -> F:
    """Turn a LabError into `error: ...` / `hint: ...` on stderr and its exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        try:
            return function(*args, **kwargs)
        except LabError as err:
            from kostack.cli.console import emit_err

            env = get_env(ctx)
            emit_err(env, terminal_safe(f"error: {err.message}\n"))
            if err.hint:
                emit_err(env, terminal_safe(f"hint: {err.hint}\n"))
            ctx.exit(int(err.exit_code))

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature


def _lab_options(function: F) -> F:
    function = click.option(
        "--state-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="KOSTACK_LAB_STATE_DIR",
        help="Where the lab keeps its state (default /run/kostack/lab; env KOSTACK_LAB_STATE_DIR).",
    )(function)
    function = click.option(
        "--name",
        metavar="NAME",
        help="Run a separate lab whose namespaces are ks-NAME-* (1-8 lowercase letters/digits).",
    )(function)
    return function


def _write(ctx: click.Context, text: str) -> None:
    get_env(ctx).stdout.write(terminal_safe(text) + "\n")


@click.group(
    name="lab",
    epilog=_EXAMPLES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
def lab() -> None:
    """Build, probe and tear down a network lab that behaves like the incident's cloud.

    The lab is made of network namespaces named ks-*: a hypervisor with a
    bridge for the tenant network whose taps enforce Neutron port security
    and security groups (nftables), node VMs with Calico-style pods,
    kube-proxy DNAT for 10.96.0.1 and 10.96.0.10, a Neutron router and an
    "internet" host. Nothing joins the root namespace or a real network.
    Needs root.
    """


_UP_OPTIONS = (
    click.option(
        "--scenario",
        "scenario_name",
        required=True,
        metavar="NAME",
        help="Which state to build; see `kostack lab scenarios`.",
    ),
    click.option(
        "--nodes",
        type=int,
        default=4,
        show_default=True,
        help="Node VMs: 1 control plane + workers (2-40).",
    ),
    click.option(
        "--neutron-endpoint",
        metavar="URL",
        help="Take port security from this Neutron (root URL, e.g. http://127.0.0.1:9696/) instead of the scenario.",
    ),
    click.option(
        "--seed-neutron",
        is_flag=True,
        help="First write the scenario's port security into that Neutron (its ports must exist).",
    ),
    click.option(
        "--watch-interval",
        type=float,
        default=0.5,
        show_default=True,
        help="With --neutron-endpoint: seconds between polls of Neutron (0 = no background agent; use `lab sync`).",
    ),
    click.option(
        "--no-neutron",
        is_flag=True,
        help="No Neutron at all: port security from the scenario's own description "
        "(no clouds.yaml, so kostack sees only the cluster side).",
    ),
    click.option(
        "--no-kube-api",
        is_flag=True,
        help="Do not serve the lab as a cluster (no Kubernetes API double, no kubeconfig).",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print the status as JSON."),
)


@lab.command("up")
@options(*_UP_OPTIONS)
@_lab_options
@click.pass_context
@_reports_errors
def up(
    ctx: click.Context,
    scenario_name: str,
    nodes: int,
    neutron_endpoint: str | None,
    seed_neutron: bool,
    watch_interval: float,
    no_neutron: bool,
    no_kube_api: bool,
    as_json: bool,
    name: str | None,
    state_dir: Path | None,
) -> None:
    """Build the lab for a scenario and start its servers (DNS, API server, web, pod echo).

    The lab brings up its own real Neutron (neutron 29 from the user cache,
    on 127.0.0.1, no Keystone; installed on first use, about 370 MB), seeds
    it with the scenario's network, ports and security groups, and takes
    port security from it: a fix applied to that Neutron reaches the
    packets. --neutron-endpoint uses yours instead; --no-neutron none.

    Unless --no-kube-api, the lab is also served as a cluster (nodes, pods,
    services, EndpointSlices, IP pools, kubeadm config) through a Kubernetes
    API double on 127.0.0.1; paste the printed `export` lines and `kostack
    collect`, `diagnose`, `fix` and `probe` run against the lab and its Neutron.

    \b
    Example:
      sudo kostack lab up --scenario seed --nodes 4
      sudo kostack lab up --scenario seed --neutron-endpoint http://127.0.0.1:9696/
    """
    from kostack.lab.errors import LabInputError

    if seed_neutron and not neutron_endpoint:
        raise LabInputError("--seed-neutron needs --neutron-endpoint", "give the Neutron root URL")
    if no_neutron and neutron_endpoint:
        raise LabInputError(
            "--no-neutron and --neutron-endpoint exclude each other", "give one of them"
        )
    own_neutron = not no_neutron and neutron_endpoint is None
    lab_ = _lab(name, state_dir)
    get_env(ctx).activity = (
        "building the lab (what was built was torn down again; `kostack lab status` "
        "shows anything left)"
    )
    with _stages(get_env(ctx)) as stage:
        status = lab_.up(
            scenario_name,
            nodes=nodes,
            neutron_endpoint=neutron_endpoint,
            seed_neutron=seed_neutron,
            watch_interval=(
                watch_interval if (neutron_endpoint or own_neutron) and watch_interval > 0 else None
            ),
            kube_api=not no_kube_api,
            own_neutron=own_neutron,
            step=stage,
        )
    _write_up(
        ctx,
        status,
        as_json=as_json,
        own_neutron=own_neutron,
        same_lab=_same_lab_options(name, state_dir),
    )


def _write_up(
    ctx: click.Context, status: LabStatus, *, as_json: bool, own_neutron: bool, same_lab: list[str]
) -> None:
    """What `lab up` built, where its Neutron is, what to run next and the lines to paste."""
    if as_json:
        _write(ctx, json.dumps(status.to_dict(), indent=2))
        return
    _write(
        ctx,
        f"lab up: scenario {status.scenario} ({len(status.nodes)} nodes) in {status.up_seconds or 0:.2f} s",
    )
    _write(ctx, f"  {status.summary}")
    _write(ctx, f"  namespaces {status.prefix}*, state in {status.state_dir}")
    if status.neutron_endpoint:
        whose = "the lab's own" if own_neutron else "your"
        _write(ctx, f"  port security from {whose} Neutron at {status.neutron_endpoint}")
    _write(
        ctx,
        "  next: "
        + ", ".join(
            render(["kostack", "lab", verb, *same_lab]) for verb in ("probe", "status", "down")
        ),
    )
    if status.exports:
        sides = "the cluster and its Neutron" if status.neutron_endpoint else "the cluster"
        _write(ctx, f"  to run kostack collect, diagnose, fix and probe against {sides}, paste:")
        for line in status.exports:
            _write(ctx, line)


def _same_lab_options(name: str | None, state_dir: Path | None) -> list[str]:
    """The options that name this lab again in a later command (`--name`, `--state-dir`)."""
    options = ["--name", name] if name else []
    if state_dir is not None:
        options += ["--state-dir", str(state_dir)]
    return options


@contextmanager
def _stages(env: Environment) -> Iterator[Callable[[str], None]]:
    """A progress line on stderr naming the stage `lab up` is at (kostack.cli.console).

    Before the first use of the lab's Neutron, a note (kept on the screen)
    says what is downloaded, how big, how long and where.
    """
    from kostack.cli.console import activity, language
    from kostack.cli.messages import lab_stage, say

    lang = language(env)
    with activity(env, say(lang, "cli.progress.lab_up")) as describe:

        def stage(what: str) -> None:
            if what == "provisioning Neutron":
                from kostack.lab.neutron_venv import neutron_venv_dir

                env.stderr.write(
                    terminal_safe(say(lang, "cli.lab.provisioning", venv=str(neutron_venv_dir())))
                    + "\n"
                )
            describe(lab_stage(lang, what))

        yield stage


@lab.command("down")
@click.option(
    "--all-labs",
    is_flag=True,
    help="Remove every ks-* namespace and lab process, not only this lab's.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@_lab_options
@click.pass_context
@_reports_errors
def down(
    ctx: click.Context, all_labs: bool, as_json: bool, name: str | None, state_dir: Path | None
) -> None:
    """Stop the lab's processes and delete its namespaces (also after a crash).

    \b
    Example:
      sudo kostack lab down
    """
    report = _lab(name, state_dir).down(all_labs=all_labs)
    if as_json:
        _write(
            ctx,
            json.dumps(
                {
                    "namespaces_removed": list(report.namespaces_removed),
                    "processes_stopped": list(report.processes_stopped),
                    "seconds": report.seconds,
                }
            ),
        )
        return
    _write(
        ctx,
        f"lab down: removed {len(report.namespaces_removed)} namespaces, "
        f"stopped {len(report.processes_stopped)} processes in {report.seconds:.2f} s",
    )


@lab.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@_lab_options
@click.pass_context
@_reports_errors
def status(ctx: click.Context, as_json: bool, name: str | None, state_dir: Path | None) -> None:
    """Show the scenario, namespaces, processes, port-security source and drop counters.

    \b
    Example:
      sudo kostack lab status --json
    """
    from kostack.lab.netns import require_root

    require_root()
    current = _lab(name, state_dir).status()
    if as_json:
        _write(ctx, json.dumps(current.to_dict(), indent=2))
        return
    if current.scenario is None:
        _write(ctx, f"no lab is up ({current.prefix}*, state dir {current.state_dir})")
    else:
        _write(
            ctx,
            f"lab {'up' if current.up else 'DEGRADED'}: scenario {current.scenario}, prefix {current.prefix}",
        )
        for node in current.nodes:
            _write(ctx, f"  node {node}")
        alive = sum(1 for s in current.servers if s.alive)
        _write(ctx, f"  processes: {alive} of {len(current.servers)} running")
        source = (current.portsec or {}).get("source", "not rendered")
        _write(ctx, f"  port security from {source}")
        for line in current.exports:
            _write(ctx, f"  {line}")
        for port, counts in sorted(current.counters.items()):
            _write(
                ctx,
                f"  port {port:12} anti-spoofing drops {counts['antispoof_drops']:5}  "
                f"ingress drops {counts['ingress_drops']:5}  egress drops {counts['egress_drops']:5}  "
                f"tap rx dropped {counts['tap_rx_dropped']:5}",
            )
    for problem in current.problems:
        _write(ctx, f"  problem: {problem}")


@lab.command("sync")
@_lab_options
@click.pass_context
@_reports_errors
def sync(ctx: click.Context, name: str | None, state_dir: Path | None) -> None:
    """Re-read port security (Neutron or the lab's description) and re-render if it changed.

    \b
    Example:
      sudo kostack lab sync
    """
    from kostack.lab.netns import require_root

    require_root()
    result = _lab(name, state_dir).sync()
    verb = "re-rendered" if result.changed else "unchanged"
    _write(ctx, f"port security {verb} ({result.fingerprint}) in {result.seconds:.2f} s")
    for warning in result.warnings:
        _write(ctx, f"  warning: {warning}")


@lab.command("probe")
@click.option(
    "--from",
    "source",
    metavar="POD",
    help="Probe from this pod (default: the first pod on the first worker).",
)
@click.option(
    "--timeout",
    type=float,
    default=2.0,
    show_default=True,
    help="Seconds before a probe counts as silent.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@_lab_options
@click.pass_context
@_reports_errors
def probe(
    ctx: click.Context,
    source: str | None,
    timeout: float,
    as_json: bool,
    name: str | None,
    state_dir: Path | None,
) -> None:
    """Run the standard probes from a pod: DNS, 10.96.0.1:443 TCP and TLS, egress, ping, pod-to-pod, 4 MiB.

    Port security is re-read first (from the lab's Neutron: a fix applied a
    moment ago counts). Ping to a ClusterIP never answers, on a healthy
    cluster too; it is shown to make that point, not as evidence, and never
    counts as a failure.
    Exit codes: 0 every probe passed, 1 a probe failed, 2 bad input, 3 not root.

    \b
    Example:
      sudo kostack lab probe --from echo-w-1-1
    """
    from kostack.lab.netns import require_root

    require_root()
    lab_ = _lab(name, state_dir)
    # Probe what the port description (the lab's Neutron) says now, even if a change made a
    # moment ago has not been picked up by the lab's agent yet.
    lab_.sync()
    results = lab_.probe_round(source, timeout=timeout)
    failed = [k for k, r in results.items() if not r.ok and k not in EXPECTED_SILENT]
    if as_json:
        _write(ctx, json.dumps({k: v.__dict__ for k, v in results.items()}, indent=2))
    else:
        for key, result in results.items():
            verdict = "ok" if result.ok else "expected" if key in EXPECTED_SILENT else "FAILED"
            detail = (
                f"{result.detail} ({EXPECTED_SILENT[key]})"
                if key in EXPECTED_SILENT and not result.ok
                else result.detail
            )
            _write(ctx, f"  {key:16} {verdict:8} {result.target:22} {detail}")
        counted = len(results) - sum(1 for k in results if k in EXPECTED_SILENT)
        _write(
            ctx,
            f"{len(failed)} of {counted} probes failed"
            if failed
            else f"all {counted} probes passed",
        )
    if failed:
        ctx.exit(1)


@lab.command("way-in")
@click.option(
    "--mode",
    type=click.Choice(["amphora", "ovn"]),
    required=True,
    help="amphora: the nodes see the load balancer's address in their subnet; ovn: they see the client.",
)
@click.option(
    "--node-port",
    type=click.IntRange(30000, 32767),
    default=31080,
    show_default=True,
    help="The Service's NodePort on every member node.",
)
@click.option(
    "--member",
    "members",
    multiple=True,
    metavar="NODE",
    help="A member node (repeat; default: every node).",
)
@click.option("--remove", "remove_it", is_flag=True, help="Take the load balancer out again.")
@click.option(
    "--timeout",
    type=float,
    default=2.0,
    show_default=True,
    help="Seconds before the probe counts as silent.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the probe's result as JSON.")
@_lab_options
@click.pass_context
@_reports_errors
def way_in(
    ctx: click.Context,
    mode: str,
    node_port: int,
    members: tuple[str, ...],
    remove_it: bool,
    timeout: float,
    as_json: bool,
    name: str | None,
    state_dir: Path | None,
) -> None:
    """Put a load balancer for 203.0.113.50:80 in front of the nodes' NodePort and probe it.

    The router namespace plays the load balancer behind the floating IP
    203.0.113.50 (round robin to the members' NodePort, which DNATs to a pod
    on that node); the nodes' security groups decide, as in the cloud. The
    probe connects from the lab's internet host (203.0.113.10) and says which
    pod answered; exit 1 when nothing did (`kostack lab status` shows which
    port dropped it). docs/loadbalancer.md, "The lab".

    \b
    Example:
      sudo kostack lab up --scenario fixed
      sudo kostack lab way-in --mode ovn --member k8s-w-1 --member k8s-w-2
      sudo kostack lab way-in --mode ovn --remove
    """
    from kostack.lab.netns import require_root
    from kostack.lab.way_in import WayIn, install, probe, remove

    require_root()
    running = _lab(name, state_dir)
    way = WayIn("ovn" if mode == "ovn" else "amphora", node_port=node_port, members=members)
    if remove_it:
        remove(running, way)
        _write(ctx, "way in removed")
        return
    install(running, way)
    result = probe(running, way, timeout=timeout)
    if as_json:
        _write(ctx, json.dumps({"mode": mode, **result.__dict__}, indent=2))
    else:
        where = f"{way.floating_ip}:{way.listener_port} -> NodePort {node_port} ({mode})"
        verdict = f"answered by {result.pod}" if result.ok else f"FAILED: {result.detail}"
        _write(ctx, f"  way-in  {where}  {verdict}")
    if not result.ok:
        ctx.exit(1)


@lab.command("scenarios")
@click.pass_context
def scenarios(ctx: click.Context) -> None:
    """List the scenarios `lab up` can build.

    \b
    Example:
      kostack lab scenarios
    """
    from kostack.lab.scenarios import SCENARIOS

    width = max(len(s.name) for s in SCENARIOS)
    for scenario in SCENARIOS:
        _write(ctx, f"{scenario.name:{width}} {scenario.summary}")


def main() -> None:
    """Run the `lab` group on its own (`python -m kostack.cli.lab`)."""
    lab(prog_name="kostack lab")


if __name__ == "__main__":
    main()
