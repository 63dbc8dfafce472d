"""`kostack probe` and the probes of `kostack diagnose --active`.

The plan comes from a snapshot (`--snapshot FILE`, live collection, or with
`--lab` the lab's own description of itself); the probes run in the
cluster (a temporary namespace, one probe pod per source node, deleted
afterwards) or, with `--lab`, in the network lab's pod namespaces. Without
`--yes` nothing is sent: the plan is printed with the model's predictions.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kostack.catalog import map_text
from kostack.cli._options import lang_option, options, output_option, setting, snapshot_option
from kostack.cli.common import Environment, detect_lang, get_env, optional_part, read_snapshot
from kostack.cli.defaults import PROBE_IMAGE as DEFAULT_IMAGE
from kostack.cli.defaults import PROBE_MAX_SOURCES as DEFAULT_MAX_SOURCES
from kostack.cli.diagnose import live_options
from kostack.errors import ConfigError, ExitCode, KostackError, ProbeError
from kostack.redact import redact

if TYPE_CHECKING:  # the layers below are imported when a command runs: --help stays fast
    from kostack.cli.parts import LabSide
    from kostack.model import Snapshot
    from kostack.probe.plan import ProbePlan
    from kostack.probe.results import ProbeRound

__all__ = ["add_probe_observations", "probe", "run_round"]

DEFAULT_TIMEOUT = 2.0
DEFAULT_EGRESS = "1.1.1.1:443"


def parse_target(text: str) -> tuple[str, int]:
    """HOST:PORT (a name is resolved here, on this machine: the agent never resolves)."""
    from kostack.cli.messages import Msg  # imported late: `kostack probe --help` stays fast

    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(Msg("cli.probe.not_target", value=repr(text)), Msg("cli.probe.target_eg"))
    host = host.strip("[]")
    try:
        return str(ipaddress.ip_address(host)), int(port_text)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, int(port_text), type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ConfigError(
            Msg("cli.probe.unresolved", host=repr(host), why=str(exc)),
            Msg("cli.probe.give_ip"),
        ) from exc
    return str(infos[0][4][0]), int(port_text)


def _lab(name: str | None, state_dir: str | None, command: str) -> LabSide:
    """The lab, through the kostack-lab package (or the error naming it: kostack.cli.parts)."""
    from kostack.cli.parts import lab_part

    side: LabSide = lab_part(command).open_lab(name, state_dir)
    return side


def run_round(
    env: Environment,
    plan: ProbePlan,
    *,
    lab: LabSide | None,
    image: str,
    live: Mapping[str, Any],
) -> ProbeRound:
    """Run ``plan`` in the lab (when given) or in the cluster the live options point at."""
    from kostack.analyze.messages import localize
    from kostack.cli.console import activity, language
    from kostack.cli.interrupt_text import Msg
    from kostack.cli.messages import say
    from kostack.probe.k8s_runner import KubeProbeOptions, run_in_kubernetes
    from kostack.report.safe import terminal_safe

    env.activity = Msg("act.probing-lab" if lab is not None else "act.probing")
    if lab is not None:
        return lab.run(env, plan)
    from kostack.collect._kube_api import open_session

    session = open_session(
        live.get("kubeconfig"),
        live.get("kube_context"),
        in_cluster=None,
        environ=env.environ,
    )
    session.client.user_agent = "kostack (probe runner)"
    try:
        lang = language(env)
        with activity(env, say(lang, "cli.progress.probing")) as describe:
            options = KubeProbeOptions(
                image=image, progress=lambda text: describe(terminal_safe(localize(text, lang)))
            )
            return run_in_kubernetes(plan, session.client, options)
    except ProbeError as exc:
        # redacted message by message: a catalogue message stays one (said in the reader's language)
        message, hint = (map_text(text, session.redact) for text in (exc.message, exc.hint))
        raise ProbeError(message, hint) from exc
    finally:
        session.close()


def _env_float(env: Environment, name: str, default: float) -> float:
    text = env.environ.get(name, "")
    try:
        return float(text) if text else default
    except ValueError:
        from kostack.cli import errors_text  # noqa: F401  (registers the message)
        from kostack.cli.messages import Msg

        raise ConfigError(Msg("cli.err.timeout-nan", var=name, value=repr(text))) from None


def add_probe_observations(ctx: click.Context, snapshot: Snapshot, **live: Any) -> Snapshot:
    """`kostack diagnose --active`: run one probe round for ``snapshot`` and add what it saw.

    Probes run in the cluster the live options point at (`--kubeconfig`,
    `--context`); with --probe-lab NAME (or KOSTACK_PROBE_LAB) set (a lab name, or 1 for the
    default lab; KOSTACK_LAB_STATE_DIR as for `kostack lab`) in the network
    lab instead. KOSTACK_PROBE_IMAGE,
    KOSTACK_PROBE_TIMEOUT, KOSTACK_PROBE_EGRESS (HOST:PORT; default
    diagnose's --egress-target on port 443) and KOSTACK_PROBE_ICMP_CLUSTERIP=1
    tune it. A round that cannot run (no permission, image not pulled, lab
    down) becomes a gap `probes` in the snapshot: the static diagnosis stands.
    """
    from kostack.gap_words import Msg  # probe.gap.*
    from kostack.probe.correlate import add_observations
    from kostack.probe.plan import ECHO_PORT, build_probe_plan

    env = get_env(ctx)
    params = ctx.params
    egress_text = (
        env.environ.get("KOSTACK_PROBE_EGRESS") or f"{params.get('egress_target') or '1.1.1.1'}:443"
    )
    egress = parse_target(egress_text)
    timeout = params.get("probe_timeout") or _env_float(
        env, "KOSTACK_PROBE_TIMEOUT", DEFAULT_TIMEOUT
    )
    lab_name = params.get("probe_lab") or env.environ.get("KOSTACK_PROBE_LAB", "")
    state_dir = env.environ.get("KOSTACK_LAB_STATE_DIR") or None
    lab = (
        _lab(
            None if lab_name in ("1", "default") else lab_name,
            state_dir,
            "kostack diagnose --active",
        )
        if lab_name
        else None
    )
    echo_port = lab.echo_port if lab is not None else None
    plan = build_probe_plan(
        snapshot,
        timeout=timeout,
        egress=egress,
        icmp_clusterip=bool(params.get("probe_icmp_clusterip"))
        or env.environ.get("KOSTACK_PROBE_ICMP_CLUSTERIP") == "1",
        echo_port=echo_port or ECHO_PORT,
    )
    if not plan.probes:
        notes = tuple(plan.notes)
        why = notes[0] if len(notes) == 1 else (notes or Msg("probe.gap.no-plan"))
        return _with_gap(snapshot, Msg("probe.gap.nothing", why=why), Msg("probe.gap.nothing.hint"))
    try:
        round_ = run_round(
            env,
            plan,
            lab=lab,
            image=params.get("probe_image")
            or env.environ.get("KOSTACK_PROBE_IMAGE")
            or DEFAULT_IMAGE,
            live=live,
        )
    except ConfigError:
        raise  # bad input stays bad input
    except KostackError as exc:
        # The static diagnosis still stands; the report says the probes could not run.
        return _with_gap(snapshot, Msg("probe.gap.failed", error=exc.message), exc.hint)
    return add_observations(snapshot, round_)


def _with_gap(snapshot: Snapshot, error: str, hint: str) -> Snapshot:
    from kostack.collect.gap_texts import make_gap

    # the messages render in the reader's language; the snapshot keeps their keys
    gap = make_gap("probes", error, hint)
    return snapshot.model_copy(update={"gaps": (*snapshot.gaps, gap)})


_EXAMPLES = """\b
Examples:
  kostack probe --snapshot snap.json                  # the plan, with the model's predictions
  kostack probe --kubeconfig ~/.kube/config --os-cloud mycloud --yes
  kostack probe --yes --image registry.local/python:3.12-alpine --timeout 3
  sudo kostack probe --lab --yes --egress-target 203.0.113.10:80 --icmp-clusterip
"""


_OPTIONS = (
    snapshot_option("Plan from this snapshot instead of collecting live."),
    click.option(
        "--lab",
        "use_lab",
        is_flag=True,
        help="Run the probes in the network lab (`kostack lab up`; the kostack-lab package), as root.",
    ),
    click.option(
        "--lab-name", metavar="NAME", help="With --lab: the lab's name (`kostack lab up --name`)."
    ),
    click.option(
        "--lab-state-dir",
        metavar="DIR",
        envvar="KOSTACK_LAB_STATE_DIR",
        help="With --lab: the lab's state directory (env KOSTACK_LAB_STATE_DIR).",
    ),
    setting(
        "--image",
        None,
        DEFAULT_IMAGE,
        "Image of the probe pods: anything with python3 (use your registry's when air-gapped).",
        metavar="IMG",
    ),
    setting(
        "--timeout",
        click.FloatRange(0.1, 60),
        DEFAULT_TIMEOUT,
        "Seconds before a probe counts as silent (every probe runs at once).",
        metavar="S",
    ),
    setting(
        "--egress-target",
        None,
        DEFAULT_EGRESS,
        "Where pod egress is tested (a name is resolved here, never in the pods).",
        metavar="HOST:PORT",
    ),
    click.option(
        "--icmp-clusterip",
        is_flag=True,
        help="Also ping the kubernetes ClusterIP (not judged: what comes back depends on the proxy "
        "mode and proves nothing).",
    ),
    setting(
        "--max-sources",
        click.IntRange(1, 1000),
        DEFAULT_MAX_SOURCES,
        "Probe from every node up to this many; beyond, one node per class plus a sample.",
    ),
    setting("--seed", int, 0, "Seed of the node sample."),
    click.option(
        "--save",
        "save_path",
        metavar="FILE",
        help="Also write the snapshot with the probe observations.",
    ),
    output_option("text", "json"),
    lang_option(),
    click.option("-v", "--verbose", is_flag=True, help="Every probe with its detail."),
    click.option("--yes", is_flag=True, help="Send the probes (without it: print the plan only)."),
    live_options,
)


@click.command(epilog=_EXAMPLES)
@options(*_OPTIONS)
@click.pass_context
def probe(
    ctx: click.Context,
    /,
    snapshot_path: str | None,
    use_lab: bool,
    lab_name: str | None,
    lab_state_dir: str | None,
    image: str,
    timeout: float,
    egress_target: str,
    icmp_clusterip: bool,
    max_sources: int,
    seed: int,
    save_path: str | None,
    output: str,
    lang: str | None,
    verbose: bool,
    yes: bool,
    **live: Any,
) -> int:
    """Probe the pod network for real and compare it with the static model.

    From a pod on each node (or one per node class plus a sample, at
    scale): DNS over UDP and TCP to the cluster DNS, TCP and TLS to the
    kubernetes service (a TLS error or HTTP 401/403 proves the path),
    egress, and between node classes pod-to-pod HTTP, ping to pods and
    nodes, DF-bit MTU probes and a sized transfer. Every probe runs at once,
    each with its own timeout. Prints a matrix (source class x target x
    probe) with verdicts, timings and the model's prediction; a probe that
    contradicts the model is shown as MODEL MISMATCH.

    Without --yes nothing is sent. Exit codes: 0 every probe passed (or
    needs no reply), 1 a probe failed or contradicts the model, 2 bad
    input, 3 cannot reach the cluster or the lab, 4 some probes could not
    run, 130 interrupted (the probe namespace is deleted first).
    """
    from kostack.cli.interrupt_text import Msg
    from kostack.probe.correlate import add_observations
    from kostack.probe.plan import ECHO_PORT, build_probe_plan

    env = get_env(ctx)
    language = detect_lang(lang, env.environ)
    egress = parse_target(egress_target)
    lab = _lab(lab_name, lab_state_dir, "kostack probe --lab") if use_lab else None
    if lab_name and not use_lab:
        from kostack.cli.messages import Msg

        raise ConfigError(Msg("cli.probe.lab_name"), Msg("cli.probe.add_lab"))
    if snapshot_path:
        snapshot = read_snapshot(snapshot_path)
    elif lab is not None and not any(live.values()):
        snapshot = lab.snapshot()
    else:
        collect_live = optional_part("kostack.cli.collect", "collect_live", "live collection")
        snapshot = collect_live(env, **live)
    plan = build_probe_plan(
        snapshot,
        timeout=timeout,
        egress=egress,
        icmp_clusterip=icmp_clusterip,
        max_sources=max_sources,
        seed=seed,
        echo_port=lab.echo_port if lab is not None else ECHO_PORT,
    )
    if not yes:
        _write_plan(env, plan, language, lab=lab, image=image, output=output)
        return int(ExitCode.OK)
    if save_path:
        _save(save_path, None)  # a path it cannot write is said before any probe is sent
    round_ = run_round(env, plan, lab=lab, image=image, live=live)
    probed = add_observations(snapshot, round_)
    if save_path:
        _save(save_path, probed)
    _write_round(env, probed, round_, plan, language, output=output, verbose=verbose)
    return _exit_code(probed)


def _save(path: str, snapshot: Snapshot | None) -> None:
    """Write ``snapshot`` to --save ``path`` (None: only prove a file can be made there); an
    OS error is bad input in the run's language, not an internal error."""
    import os
    import tempfile

    from kostack.cli.errors_text import said  # noqa: F401  (registers the io.* texts)
    from kostack.cli.interrupt_text import Msg
    from kostack.model import dump_snapshot
    from kostack.oserror import reason

    target = Path(path)
    try:
        if snapshot is None:
            fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            os.close(fd)
            os.unlink(temp)
        else:
            target.write_text(redact(dump_snapshot(snapshot)), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            Msg("io.cannot-write", path=path, why=reason(exc)), Msg("io.hint.check-path")
        ) from exc


def _write_plan(
    env: Environment,
    plan: ProbePlan,
    language: str,
    *,
    lab: LabSide | None,
    image: str,
    output: str,
) -> None:
    """The dry run: the plan with the model's predictions, and what --yes would start."""
    from kostack.report.i18n import t
    from kostack.report.probe_matrix import plan_dict, render_plan

    pods = len(plan.sources) + len(plan.echo_nodes)
    what = (
        t(language, "probe.dry_run_lab")
        if lab is not None
        else t(language, "probe.dry_run_k8s", pods=pods, image=image)
    )
    if output == "json":
        env.stdout.write(_dumped({"dry_run": True, "plan": plan_dict(plan)}, language))
    else:
        env.stdout.write(render_plan(plan, language, what))


def _dumped(body: dict[str, Any], language: str) -> str:
    """``body`` as `kostack probe -o json` prints it, after the schema and kostack versions and
    the language of its human text."""
    from kostack.cli.main import version
    from kostack.report.jsonout import dumps, in_language

    return dumps(in_language({"schema_version": 1, "kostack_version": version(), **body}, language))


def _write_round(
    env: Environment,
    probed: Snapshot,
    round_: ProbeRound,
    plan: ProbePlan,
    language: str,
    *,
    output: str,
    verbose: bool,
) -> None:
    """The round's matrix (text) or the round and the matrix (JSON)."""
    from kostack.report.probe_matrix import matrix_dict, render_matrix

    if output == "json":
        env.stdout.write(
            _dumped(
                {
                    "round": {
                        "runner": round_.runner,
                        "started_at": round_.started_at,
                        "seconds": round(round_.seconds, 3),
                        "timeout_s": plan.timeout,
                        "probes": len(round_.results),
                        "sources": list(plan.sources),
                        "nodes": plan.node_count,
                        "node_classes": plan.class_count,
                        "problems": list(round_.problems),
                        "notes": list(plan.notes),  # messages: said in the language
                    },
                    **matrix_dict(probed),
                },
                language,
            )
        )
    else:
        env.stdout.write(
            render_matrix(
                probed,
                language,
                seconds=round_.seconds,
                timeout=plan.timeout,
                node_count=plan.node_count,
                class_count=plan.class_count,
                problems=round_.problems,
                notes=plan.notes,
                verbose=verbose,
            )
        )


def _exit_code(snapshot: Snapshot) -> int:
    from kostack.probe.correlate import correlate

    corr = correlate(snapshot)
    verdicts = {c.observation.verdict for c in corr.comparisons}
    if "fail" in verdicts or corr.mismatches:
        return int(ExitCode.FINDINGS)
    if verdicts & {"error", "skipped"}:
        return int(ExitCode.PARTIAL)
    return int(ExitCode.OK)
