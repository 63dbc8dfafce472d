"""`kostack lab`: a network-namespace lab that reproduces the incident (and its fixes) on one machine."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kostack.cli._options import lang_option, options
from kostack.cli.common import Environment, get_env
from kostack.report.safe import terminal_safe
from kostack_lab.errors import LabError

if TYPE_CHECKING:
    from kostack_lab.lab import Lab

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


def _lab(name: str | None, state_dir: Path | None, *, root: bool = False) -> Lab:
    """The lab named by --name/--state-dir; with `root`, first make sure we run as root."""
    if root:
        from kostack_lab.netns import require_root

        require_root()
    from kostack_lab.lab import Lab  # imported late: `kostack --help` stays fast

    return Lab(name=name, state_dir=state_dir)


def _lang(ctx: click.Context) -> str:
    """The language of what the command prints: its --lang, else KOSTACK_LANG or the locale."""
    from kostack.cli.console import language

    env = get_env(ctx)
    given = ctx.params.get("lang")
    env.lang = given if isinstance(given, str) else env.lang
    return language(env)


def _reports_errors(function: F) -> F:
    """Turn a LabError into `error: ...` / `hint: ...` on stderr (in the command's
    language: its keys, kostack_lab.cli.lab_errors) and its exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        try:
            return function(*args, **kwargs)
        except LabError as err:
            from kostack.analyze.messages import Msg
            from kostack.cli.console import emit_err
            from kostack.cli.errors_text import said
            from kostack_lab.cli.lab_errors import lab_error

            env, lang = get_env(ctx), _lang(ctx)
            message, hint = lab_error(lang, err.message, err.hint)
            emit_err(env, terminal_safe(f"{said(Msg('cli.err.prefix'), lang)}{message}\n"))
            if hint:
                emit_err(env, terminal_safe(f"{said(Msg('cli.hint.prefix'), lang)}{hint}\n"))
            ctx.exit(int(err.exit_code))

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature


def _lab_command(function: F) -> F:
    """What every lab command has: --name and --state-dir (which lab), --lang (every lab
    command speaks Korean too), the click context first, and LabErrors said (_reports_errors)."""
    function = lang_option()(click.pass_context(_reports_errors(function)))
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
        help="First write the scenario's port security, and its router's routes back to the pods, into that Neutron (its ports must exist; routes are added, none removed).",
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
@_lab_command
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
    lang: str | None,
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
    from kostack_lab.errors import LabInputError, Msg

    if seed_neutron and not neutron_endpoint:
        raise LabInputError(Msg("lab.x.seed_needs_endpoint"), Msg("lab.x.give_root_url"))
    if no_neutron and neutron_endpoint:
        raise LabInputError(Msg("lab.x.no_neutron_and_endpoint"), Msg("lab.x.give_one"))
    from kostack_lab.cli.lab_text import up_lines

    own_neutron = not no_neutron and neutron_endpoint is None
    lab_ = _lab(name, state_dir)
    get_env(ctx).activity = Msg("lab.up.activity")  # said in the command's language on Ctrl-C
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
    if as_json:
        _write(ctx, json.dumps(status.to_dict(), indent=2))
        return
    same_lab = _same_lab_options(name, state_dir)
    for line in up_lines(_lang(ctx), status, own_neutron=own_neutron, same_lab=same_lab):
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
    from kostack_lab.cli.lab_text import lab_stage, say

    lang = language(env)
    with activity(env, say(lang, "cli.progress.lab_up")) as describe:

        def stage(what: str) -> None:
            if what == "provisioning Neutron":
                from kostack_lab.neutron_venv import neutron_venv_dir

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
@_lab_command
def down(
    ctx: click.Context,
    all_labs: bool,
    as_json: bool,
    name: str | None,
    state_dir: Path | None,
    lang: str | None,
) -> None:
    """Stop the lab's processes and delete its namespaces (also after a crash).

    \b
    Example:
      sudo kostack lab down
    """
    report = _lab(name, state_dir).down(all_labs=all_labs)
    if as_json:
        _write(ctx, json.dumps(report.to_dict()))
        return
    from kostack_lab.cli.lab_text import say

    _write(
        ctx,
        say(
            _lang(ctx),
            "lab.down.done",
            namespaces=len(report.namespaces_removed),
            processes=len(report.processes_stopped),
            seconds=f"{report.seconds:.2f}",
        ),
    )


@lab.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@_lab_command
def status(
    ctx: click.Context, as_json: bool, name: str | None, state_dir: Path | None, lang: str | None
) -> None:
    """Show the scenario, namespaces, processes, port-security source and drop counters.

    \b
    Example:
      sudo kostack lab status --json
    """
    current = _lab(name, state_dir, root=True).status()
    if as_json:
        _write(ctx, json.dumps(current.to_dict(), indent=2))
        return
    from kostack_lab.cli.lab_text import status_lines

    for line in status_lines(_lang(ctx), current):
        _write(ctx, line)


@lab.command("sync")
@_lab_command
def sync(ctx: click.Context, name: str | None, state_dir: Path | None, lang: str | None) -> None:
    """Re-read port security (Neutron or the lab's description) and re-render if it changed.

    \b
    Example:
      sudo kostack lab sync
    """
    lab_ = _lab(name, state_dir, root=True)
    from kostack_lab.cli.lab_errors import warning
    from kostack_lab.cli.lab_text import say

    result = lab_.sync()
    said = "lab.sync.changed" if result.changed else "lab.sync.unchanged"
    language = _lang(ctx)
    _write(
        ctx,
        say(language, said, fingerprint=result.fingerprint, seconds=f"{result.seconds:.2f}"),
    )
    for text in result.warnings:
        _write(ctx, "  " + say(language, "lab.sync.warning", warning=warning(language, text)))


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
@_lab_command
def probe(
    ctx: click.Context,
    source: str | None,
    timeout: float,
    as_json: bool,
    name: str | None,
    state_dir: Path | None,
    lang: str | None,
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
    from kostack.cli.console import activity
    from kostack_lab.cli.lab_text import say

    lab_ = _lab(name, state_dir, root=True)
    lang = _lang(ctx)
    # a failing round waits out --timeout (and sync asks Neutron first): say so on stderr
    with activity(get_env(ctx), say(lang, "cli.progress.lab_probe")) as describe:
        # Probe what the port description (the lab's Neutron) says now, even if a change made a
        # moment ago has not been picked up by the lab's agent yet.
        describe(say(lang, "cli.progress.lab_probe_sync"))
        lab_.sync()
        describe(say(lang, "cli.progress.lab_probe_round", timeout=f"{timeout:g}"))
        results = lab_.probe_round(source, timeout=timeout)
    failed = [k for k, r in results.items() if not r.ok and k not in EXPECTED_SILENT]
    if as_json:
        _write(ctx, json.dumps({k: v.__dict__ for k, v in results.items()}, indent=2))
    else:
        from kostack_lab.cli.lab_text import probe_lines

        for line in probe_lines(_lang(ctx), results, EXPECTED_SILENT):
            _write(ctx, line)
    if failed:
        ctx.exit(1)


_WAY_IN_OPTIONS = (
    click.option(
        "--mode",
        type=click.Choice(["amphora", "ovn"]),
        required=True,
        help="amphora: the nodes see the load balancer's address in their subnet; ovn: they see the client.",
    ),
    click.option(
        "--node-port",
        type=click.IntRange(30000, 32767),
        default=31080,
        show_default=True,
        help="The Service's NodePort on every member node.",
    ),
    click.option(
        "--member",
        "members",
        multiple=True,
        metavar="NODE",
        help="A member node (repeat; default: every node).",
    ),
    click.option("--remove", "remove_it", is_flag=True, help="Take the load balancer out again."),
    click.option(
        "--timeout",
        type=float,
        default=2.0,
        show_default=True,
        help="Seconds before the probe counts as silent.",
    ),
    click.option("--json", "as_json", is_flag=True, help="Print the probe's result as JSON."),
)


@lab.command("way-in")
@options(*_WAY_IN_OPTIONS)
@_lab_command
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
    lang: str | None,
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
    from kostack_lab.cli.lab_errors import detail
    from kostack_lab.cli.lab_text import say
    from kostack_lab.way_in import WayIn, install, probe, remove

    running = _lab(name, state_dir, root=True)
    way = WayIn("ovn" if mode == "ovn" else "amphora", node_port=node_port, members=members)
    if remove_it:
        remove(running, way)
        _write(ctx, say(_lang(ctx), "lab.way.removed"))
        return
    install(running, way)
    result = probe(running, way, timeout=timeout)
    if as_json:
        _write(ctx, json.dumps({"mode": mode, **result.__dict__}, indent=2))
    else:
        where = f"{way.floating_ip}:{way.listener_port} -> NodePort {node_port} ({mode})"
        language = _lang(ctx)
        verdict = (
            say(language, "lab.way.answered", pod=result.pod)
            if result.ok
            else say(language, "lab.way.failed", detail=detail(language, result.detail))
        )
        _write(ctx, f"  way-in  {where}  {verdict}")
    if not result.ok:
        ctx.exit(1)


@lab.command("scenarios")
@lang_option()
@click.pass_context
def scenarios(ctx: click.Context, lang: str | None) -> None:
    """List the scenarios `lab up` can build.

    \b
    Example:
      kostack lab scenarios
    """
    from kostack.report.cells import labelled
    from kostack_lab.cli.lab_text import scenario_summary
    from kostack_lab.scenarios import SCENARIOS

    language = _lang(ctx)
    width = max(len(s.name) for s in SCENARIOS)
    for scenario in SCENARIOS:
        summary = scenario_summary(language, scenario.name, scenario.summary)
        # the summary wraps at 100 cells under its own column
        _write(ctx, "\n".join(labelled(scenario.name, summary, width, indent="")))


def main() -> None:
    """Run the `lab` group on its own (`python -m kostack_lab.cli.lab`)."""
    lab(prog_name="kostack lab")


if __name__ == "__main__":
    main()
