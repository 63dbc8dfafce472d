"""`kostack release check` and `kostack release reinstall`: stateful Helm releases such as Harbor.

check: reads every Helm release (no helm binary needed), attributes PVCs to
releases with evidence, and reports what is wrong, failing pods as one cause
chain ending at the network root cause from the diagnosis.

reinstall: plans the clean reinstall (dry run by default), gated on the
network, and with --yes carries it out: volumes set to Retain first, the
releases uninstalled, exactly the proven PVCs deleted and waited for, the
release installed into its namespace, core judged before jobservice; every
step journaled, with the retained volumes and how to get their data back.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kostack.cli._options import (
    fail_on_option,
    lang_option,
    options,
    output_option,
    pending_grace_option,
    setting,
    snapshot_option,
)
from kostack.cli.common import (
    Environment,
    detect_lang,
    exit_for,
    get_env,
    optional_part,
    progress,
    read_snapshot,
    request_timeout,
)
from kostack.cli.defaults import RELEASE_TIMEOUT_S as DEFAULT_TIMEOUT
from kostack.cli.diagnose import live_options, with_probes
from kostack.errors import ConfigError, ExitCode, KostackError

if TYPE_CHECKING:  # the layers below are imported when a command runs: --help stays fast
    from kostack.analyze.diagnose import Diagnosis
    from kostack.analyze.release_checks import ReleaseReport
    from kostack.model import Snapshot
    from kostack.plan.release_advice import ReinstallAdvice


@click.group(
    epilog="""\b
Examples:
  kostack release check harbor
  kostack release reinstall harbor --namespace harbor --chart harbor/harbor --values values.yaml
"""
)
def release() -> None:
    """Stateful Helm releases (such as Harbor): what is wrong, and a clean reinstall."""


def _snapshot_options(f: Any) -> Any:
    f = snapshot_option(
        "Read the network (and Helm) state from a snapshot instead of collecting it."
    )(f)
    f = click.option(
        "--active",
        is_flag=True,
        help="Also run in-cluster probes for DNS and the kubernetes service (sends traffic).",
    )(f)
    f = lang_option()(f)
    return live_options(f)


def _network_snapshot(
    ctx: click.Context,
    env: Environment,
    snapshot_path: str | None,
    active: bool,
    live: dict[str, Any],
) -> tuple[Snapshot | None, str]:
    """The snapshot the network diagnosis runs on, or None (and why) when there is none."""
    if snapshot_path:
        snapshot = read_snapshot(snapshot_path)
    else:
        try:
            collect_live = optional_part("kostack.cli.collect", "collect_live", "live collection")
        except ConfigError:
            return None, "live collection is not available in this build"
        try:
            snapshot = collect_live(env, **live)  # with its own progress per source
        except KostackError as exc:
            # The release checks still work from the cluster alone; the gate will say why it cannot pass.
            return None, f"{exc.message} ({exc.hint})" if exc.hint else exc.message
    return with_probes(ctx, snapshot, active, live), ""


def _diagnosis(snapshot: Snapshot | None) -> Diagnosis | None:
    from kostack.analyze.diagnose import diagnose

    if snapshot is None or (snapshot.openstack is None and snapshot.cluster is None):
        return None
    return diagnose(snapshot)


def _kubeconfig(env: Environment, live: dict[str, Any]) -> str | None:
    value = live.get("kubeconfig") or env.environ.get("KUBECONFIG")
    return str(value) if value else None


def _with_helm(
    env: Environment,
    snapshot: Snapshot | None,
    live: dict[str, Any],
    *,
    force_live: bool,
) -> tuple[Snapshot, Any]:
    """The snapshot with the Helm state: the snapshot's own, else read live from the kubeconfig."""
    from kostack.model import Snapshot

    base = snapshot or Snapshot()
    if base.helm is not None and not force_live:
        return base, None  # offline: no Kubernetes client is even imported
    from kostack.collect.helm import collect_helm, load_client

    kubeconfig = _kubeconfig(env, live)
    context = live.get("kube_context")
    client, context_namespace = load_client(kubeconfig, str(context) if context else None)
    with progress(env, "cli.progress.reading_helm"):
        collected = collect_helm(
            client,
            context_namespace=context_namespace,
            timeout_s=request_timeout(None, env.environ),
        )
    gaps = tuple(g for g in base.gaps if not g.source.startswith("helm")) + collected.gaps
    return base.model_copy(update={"helm": collected.state, "gaps": gaps}), client


def _require_a_cluster(
    env: Environment, live: dict[str, Any], snapshot_path: str, lang: str
) -> None:
    """A snapshot without Helm state, and no kubeconfig to read the releases from: say which."""
    if _kubeconfig(env, live):
        return
    home = env.environ.get("HOME")
    default = Path(home, ".kube", "config") if home else Path("~/.kube/config").expanduser()
    if default.is_file():
        return
    from kostack.report.release_words import t

    raise ConfigError(
        t(lang, "no_helm_state", path=snapshot_path, default=default),
        t(lang, "no_helm_state_hint"),
    )


SHOWN_RELEASES = 20


def _require_release(snapshot: Snapshot, name: str, namespace: str | None, lang: str) -> None:
    """`release check NAME` where no release has that name: an error (exit 2) naming the ones
    that exist. Releases that could not be read (a gap) decide nothing: the check says so."""
    from kostack.report.release_words import t

    helm = snapshot.helm
    releases = helm.releases if helm is not None else None
    if releases is None or any(g.source.startswith("helm") for g in snapshot.gaps):
        return
    if any(r.name == name and namespace in (None, r.namespace) for r in releases):
        return
    where = t(lang, "missing_where", namespace=namespace) if namespace else ""
    existing = sorted({f"{r.namespace}/{r.name}" for r in releases})
    if not existing:
        raise ConfigError(
            t(lang, "missing_none", name=name, where=where), t(lang, "missing_hint_none")
        )
    shown = ", ".join(existing[:SHOWN_RELEASES])
    if len(existing) > SHOWN_RELEASES:
        shown = t(lang, "missing_more", list=shown, n=len(existing) - SHOWN_RELEASES)
    raise ConfigError(
        t(lang, "missing", name=name, where=where, list=shown), t(lang, "missing_hint")
    )


@release.command(
    epilog="""\b
Examples:
  kostack release check
  kostack release check harbor
  kostack release check harbor --namespace harbor --lang ko
  kostack release check harbor --snapshot snap.json -o json
"""
)
@click.argument("name", required=False, metavar="[NAME]")
@click.option("-n", "--namespace", metavar="NS", help="Only the release in this namespace.")
@output_option("text", "json")
@fail_on_option()
@click.option("-v", "--verbose", is_flag=True, help="All evidence for every claim.")
@pending_grace_option()
@_snapshot_options
@click.pass_context
def check(
    ctx: click.Context,
    /,
    name: str | None,
    namespace: str | None,
    output: str,
    fail_on: str,
    verbose: bool,
    pending_grace: float,
    snapshot_path: str | None,
    active: bool,
    lang: str | None,
    **live: Any,
) -> int:
    """Check Helm releases and their volumes; explain failing pods as one cause chain.

    Reads the releases' storage Secrets in every namespace (no helm binary
    needed; values are never printed or stored), attributes each PVC to its
    release with the evidence, and ties failing pods to the network root cause
    when the diagnosis finds one. Exit codes: 0 ok, 1 a finding at or above
    --fail-on, 2 bad input, 3 cannot reach the cluster, 4 partial data.
    """
    from kostack.analyze.release_checks import check_releases
    from kostack.plan.release_advice import advice_about, reinstall_advice

    env = get_env(ctx)
    network, why = _network_snapshot(ctx, env, snapshot_path, active, live)
    if snapshot_path and network is not None and network.helm is None:
        _require_a_cluster(env, live, snapshot_path, detect_lang(lang, env.environ))
    snapshot, client = _with_helm(env, network, live, force_live=False)
    read_at = env.clock() if client is not None else None  # read live: now
    if client is not None:
        client.close()
    language = detect_lang(lang, env.environ)
    if name is not None:
        _require_release(snapshot, name, namespace, language)
    diagnosis = _diagnosis(network)
    everything = check_releases(snapshot, diagnosis, now=read_at, pending_grace=pending_grace)
    report = everything.about(name, namespace)
    # decided on every release (a plan may also remove a copy elsewhere), shown for the asked ones
    advice = advice_about(reinstall_advice(snapshot, diagnosis, everything), name, namespace)
    _write_check(env, report, name, namespace, output, language, verbose, advice)
    if output != "json" and why:
        from kostack.cli.messages import say

        env.stderr.write(say(language, "cli.release.network-unjudged", why=why) + "\n")
    worst = report.worst()
    code = exit_for(str(worst) if worst else None, fail_on)
    if code == 0 and any(g.source.startswith("helm") for g in snapshot.gaps):
        return int(ExitCode.PARTIAL)
    return code


def _write_check(
    env: Environment,
    report: ReleaseReport,
    name: str | None,
    namespace: str | None,
    output: str,
    language: str,
    verbose: bool,
    advice: tuple[ReinstallAdvice, ...],
) -> None:
    """The release check's report on stdout: JSON, or text in the language."""
    from kostack.cli.main import version
    from kostack.report.jsonout import in_language
    from kostack.report.release_text import dumps, release_check_dict, render_release_check

    if output == "json":
        answer = release_check_dict(
            report, version(), name=name, namespace=namespace, advice=advice
        )
        env.stdout.write(dumps(in_language(answer, language)))
    else:
        env.stdout.write(
            render_release_check(
                report,
                name=name,
                namespace=namespace,
                lang=language,
                verbose=verbose,
                advice=advice,
            )
        )


# NAME and the options of `release reinstall`, in the order --help lists them.
_reinstall_options = options(
    click.argument("name", metavar="NAME"),
    click.option(
        "-n", "--namespace", required=True, metavar="NS", help="Namespace to install into."
    ),
    click.option(
        "--chart", required=True, metavar="CHART", help="Chart reference, as for helm install."
    ),
    click.option(
        "-f",
        "--values",
        "values_file",
        metavar="FILE",
        type=click.Path(exists=True, dir_okay=False),
        help="Values file for the new install (passed to helm as is).",
    ),
    click.option(
        "--from",
        "from_namespaces",
        multiple=True,
        metavar="NS",
        help="Also remove release NAME and its volumes from NS (default: NS, and the "
        "namespace `helm install` without -n used when the chart's release there failed or "
        "was uninstalled; a deployed one is removed only when named here).",
    ),
    click.option(
        "--discard-data",
        is_flag=True,
        help="Do not set volumes to Retain first: data on Delete volumes is lost with the claims.",
    ),
    click.option(
        "--replace-ready",
        is_flag=True,
        help="Replace the release in NS even when it is deployed and all its pods are ready "
        "(by default it is kept: a second run after a successful reinstall does nothing).",
    ),
    pending_grace_option(),
    click.option("--yes", is_flag=True, help="Act (default: show the plan only)."),
    click.option(
        "--journal",
        "journal_path",
        metavar="FILE",
        help="Journal file (default: ./kostack-reinstall-NAME-TIME.journal.jsonl).",
    ),
    setting(
        "--timeout",
        click.IntRange(min=1, max=86400),
        DEFAULT_TIMEOUT,
        "How long to wait for a deletion, helm, or readiness.",
        metavar="SECONDS",
    ),
    output_option("text", "json"),
)


@release.command(
    epilog="""\b
Examples:
  kostack release reinstall harbor --namespace harbor --chart harbor/harbor --values values.yaml
  kostack release reinstall harbor --namespace harbor --chart harbor/harbor --values values.yaml --yes
  kostack release reinstall pg --namespace databases --chart bitnami/postgresql --from default
"""
)
@_reinstall_options
@_snapshot_options
@click.pass_context
def reinstall(
    ctx: click.Context,
    /,
    name: str,
    namespace: str,
    chart: str,
    values_file: str | None,
    from_namespaces: tuple[str, ...],
    discard_data: bool,
    replace_ready: bool,
    pending_grace: float,
    yes: bool,
    journal_path: str | None,
    timeout: int,
    output: str,
    snapshot_path: str | None,
    active: bool,
    lang: str | None,
    **live: Any,
) -> int:
    """Plan (and with --yes carry out) a clean reinstall that deletes only what is proven.

    Stops when DNS or the kubernetes service fail from pods (the diagnosis, and probes with
    --active): a reinstall during a network outage initialises state that stays wrong.
    Otherwise: volumes set to Retain, the release uninstalled (also its copy installed without
    -n), exactly the PVCs proven to belong to it deleted and waited for, then installed into NS
    with --create-namespace; core must be ready before jobservice is judged. helm runs when
    installed, else its exact commands are printed. Exit codes: 0 done (or dry run), 1 blocked,
    2 bad input, 3 cannot reach the cluster, 5 a step failed or stopped.
    """
    from kostack.analyze.release_checks.pending import PendingRule
    from kostack.cli.release_run import ReinstallRun, carry_out, show_plan

    env = get_env(ctx)
    language = detect_lang(lang, env.environ)
    network, why = _network_snapshot(ctx, env, snapshot_path, active, live)
    snapshot, client = _with_helm(env, network, live, force_live=yes)
    try:
        run = ReinstallRun(
            env,
            language=language,
            output=output,
            yes=yes,
            kubeconfig=_kubeconfig(env, live),
            context=str(live["kube_context"]) if live.get("kube_context") else None,
        )
        plan = show_plan(
            run,
            snapshot,
            _diagnosis(network),
            name=name,
            namespace=namespace,
            chart=chart,
            values_file=values_file,
            discard_data=discard_data,
            from_namespaces=from_namespaces,
            replace_ready=replace_ready,
            pending=PendingRule(env.clock() if client else None, pending_grace),
            timeout=timeout,
            network_note=why,
        )
        if not yes or not plan.actions:  # a dry run, or nothing to do
            return int(ExitCode.OK)
        assert client is not None  # force_live=True always reads live
        carry_out(run, client, plan, journal_path)
        return int(ExitCode.OK)
    finally:
        if client is not None:
            client.close()
