"""`kostack collect`, and the live collection `kostack diagnose`/`trace` run without --snapshot."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from kostack.cli._options import lang_option, options, request_timeout_option
from kostack.cli.common import (
    Environment,
    get_env,
    openstack_needed,
    request_timeout,
    write_atomically,
)
from kostack.cli.diagnose import live_options
from kostack.cli.interrupt_text import Msg
from kostack.errors import ConfigError, ExitCode
from kostack.report.safe import terminal_safe

if TYPE_CHECKING:  # the layers below are imported when a command runs: --help stays fast
    from kostack.model import Snapshot
    from kostack.model.snapshot import NeutronBackend

__all__ = ["collect", "collect_live"]


@contextmanager
def _collect_progress(env: Environment) -> Iterator[Callable[[str], None]]:
    """A progress line on stderr naming the source and step being read (kostack.cli.console)."""
    from kostack.cli.console import activity, language
    from kostack.cli.messages import collect_step, say

    lang = language(env)
    with activity(env, say(lang, "cli.progress.collecting")) as describe:
        yield lambda step: describe(terminal_safe(collect_step(lang, step)))


def collect_live(
    env: Environment,
    *,
    os_cloud: str | None = None,
    kubeconfig: str | None = None,
    kube_context: str | None = None,
    neutron_backend: str | None = None,
    timeout_s: float | None = None,
    **_other: object,
) -> Snapshot:
    """Collect a snapshot live for `diagnose`/`trace` (read-only; gaps stay in the snapshot).

    Options other than the live ones are ignored, so commands can pass their
    live options through unchanged.
    """
    from kostack.collect.live import CollectOptions, collect_snapshot

    way, params = _without_openstack()
    with _collect_progress(env) as progress, openstack_needed(env, way, **params):
        return collect_snapshot(
            CollectOptions(
                os_cloud=os_cloud,
                kubeconfig=kubeconfig,
                kube_context=kube_context,
                neutron_backend=cast("NeutronBackend | None", neutron_backend),
                timeout_s=request_timeout(timeout_s, env.environ),
                environ=env.environ,
                progress=progress,
            )
        )


def _without_openstack() -> tuple[str, dict[str, object]]:
    """How the running command can do without OpenStack (a kostack.cli.messages key and its
    parameters): a snapshot of the cluster alone, except for `fix apply`, which writes to it."""
    from kostack.shell import render

    ctx = click.get_current_context(silent=True)
    words = ctx.command_path.split() if ctx is not None else ["kostack"]
    prog = ctx.find_root().command_path.split() if ctx is not None else ["kostack"]
    if words[-2:] == ["fix", "apply"]:
        return "cli.way.fix_apply", {
            "command": render([*prog, "fix", "plan", "--snapshot", "FILE"])
        }
    return "cli.way.snapshot", {
        "collect": render([*prog, "collect", "--no-openstack", "-o", "snap.json"]),
        "command": render([*words, "--snapshot", "snap.json"]),
    }


_EXAMPLES = """\b
Examples:
  kostack collect -o snap.json
  kostack collect --os-cloud mycloud --context prod -o snap.json
  kostack collect --no-kubernetes --neutron-backend ml2/ovn > openstack-only.json
  kostack diagnose --snapshot snap.json
"""

_OPTIONS = (
    click.option(
        "-o",
        "--output",
        "output_path",
        metavar="FILE",
        help="Write the snapshot to FILE (default: standard output).",
    ),
    click.option("--no-openstack", is_flag=True, help="Do not read OpenStack (cluster only)."),
    click.option("--no-kubernetes", is_flag=True, help="Do not read Kubernetes (OpenStack only)."),
    click.option("--no-helm", is_flag=True, help="Do not read Helm releases, PVCs and PVs."),
    request_timeout_option(
        "[default: 30, or $KOSTACK_TIMEOUT] Give up on one API request after this long (that part becomes a gap; a service "
        "that never answers is exit 3). Each phase (OpenStack, Kubernetes, Helm) gives up after "
        "10 times this, at least 60 s."
    ),
    live_options,
    lang_option(
        "Language of the summary, the partial warning and errors (default: from the locale)."
    ),
)


@click.command(epilog=_EXAMPLES)
@options(*_OPTIONS)
@click.pass_context
def collect(
    ctx: click.Context,
    /,
    output_path: str | None,
    no_openstack: bool,
    no_kubernetes: bool,
    no_helm: bool,
    timeout_s: float | None,
    os_cloud: str | None,
    kubeconfig: str | None,
    kube_context: str | None,
    neutron_backend: str | None,
    lang: str | None,
) -> int:
    """Read OpenStack and Kubernetes (read-only) and write a snapshot.

    OpenStack: Neutron (networks, subnets, routers, ports, security groups,
    floating IPs) and Octavia (load balancers, listeners, pools, monitors, and
    the members of pools that are not healthy). Kubernetes: nodes, pods,
    kubeadm/kubelet/kube-proxy settings, the CNI, the kubernetes and DNS
    services, every Service of type LoadBalancer with its EndpointSlices and
    events, and Helm releases (--no-helm to skip). Credentials come from where the usual tools find them: clouds.yaml,
    OS_CLOUD or the OS_* variables of an openrc file (or --os-cloud), and
    kubeconfig, KUBECONFIG or the in-cluster service account (or --kubeconfig,
    --context). The snapshot never holds a credential. Exit codes: 0 complete,
    3 a source cannot be reached or rejects the credentials, 4 partial (what
    could not be read is listed on stderr and recorded in the snapshot).
    """
    from kostack.collect.live import CollectOptions, collect_snapshot
    from kostack.model import dump_snapshot

    env = get_env(ctx)
    env.lang = lang or env.lang
    target = _check_target(output_path)
    started = time.monotonic()
    env.activity = Msg("act.collecting")
    with _collect_progress(env) as progress, openstack_needed(env, "cli.way.collect"):
        snapshot = collect_snapshot(
            CollectOptions(
                os_cloud=os_cloud,
                kubeconfig=kubeconfig,
                kube_context=kube_context,
                neutron_backend=cast("NeutronBackend | None", neutron_backend),
                openstack=not no_openstack,
                kubernetes=not no_kubernetes,
                helm=not no_helm,
                timeout_s=request_timeout(timeout_s, env.environ),
                environ=env.environ,
                progress=progress,
            )
        )
    text = dump_snapshot(snapshot)
    if target is None:
        env.stdout.write(text)
        env.stdout.flush()
    else:
        write_atomically(target, text)
    elapsed = time.monotonic() - started
    from kostack.cli.console import language

    lang = language(env)
    if env.stderr_isatty:
        env.stderr.write(terminal_safe(_summary(snapshot, elapsed, target, lang)) + "\n")
    if snapshot.gaps:
        _report_gaps(env, snapshot, lang)
        return int(ExitCode.PARTIAL)
    return int(ExitCode.OK)


def _check_target(output_path: str | None) -> Path | None:
    if output_path is None or output_path == "-":
        return None
    target = Path(output_path)
    if target.is_dir():
        raise ConfigError(Msg("col.out.dir", path=output_path), Msg("col.out.dir.hint"))
    if not target.parent.is_dir():
        raise ConfigError(
            Msg("col.out.no-parent", path=output_path, parent=str(target.parent)),
            Msg("col.out.no-parent.hint"),
        )
    return target


def _summary(snapshot: Snapshot, elapsed: float, target: Path | None, lang: str) -> str:
    parts: list[str] = []
    os_ = snapshot.openstack
    if os_ is not None:
        project = os_.project_name or os_.project_id or os_.cloud or "OpenStack"
        parts.append(
            Msg(
                "col.done.os",
                project=project,
                networks=_count(os_.networks, "network"),
                ports=_count(os_.ports, "port"),
                groups=_count(os_.security_groups, "security group"),
            )
        )
    cl = snapshot.cluster
    if cl is not None:
        version = cl.kubernetes_version or Msg("col.done.version-unknown")
        nodes = _count(cl.nodes, "node")
        parts.append(Msg("col.done.cluster", version=version, nodes=nodes, cni=cl.cni.type))
    said = parts[0] if len(parts) == 1 else Msg("col.done.and", first=parts[0], then=parts[1])
    where = Msg("col.done.where", path=target) if target is not None else ""
    done = Msg("col.done", parts=said if parts else "", seconds=f"{elapsed:.1f}", where=where)
    return done.render(lang)


def _count(items: tuple[Any, ...] | None, noun: str) -> str:
    if items is None:
        return Msg(f"col.unknown.{noun}")
    return Msg(f"col.count.{noun}", n=len(items))


def _report_gaps(env: Environment, snapshot: Snapshot, lang: str) -> None:
    """The parts that could not be collected; in Korean, kostack's own words are translated and
    the source's error quoted as it is (kostack.collect.gap_texts)."""
    from kostack.gap_words import gap_error, gap_hint

    gaps = snapshot.gaps
    lines = [Msg("col.partial", n=len(gaps)).render(lang)]
    for gap in gaps:
        lines.append(f"  {gap.source}: {gap_error(gap, lang)}")
        if gap.hint:
            lines.append(f"    ({gap_hint(gap, lang)})")
    lines.append(Msg("col.partial.hint").render(lang))
    env.stderr.write(terminal_safe("\n".join(lines)) + "\n")
