"""`kostack diagnose` and `kostack trace`."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import click

from kostack.cli.common import (
    READ_ONLY,
    SEVERITIES,
    F,
    detect_lang,
    doing,
    exit_for,
    get_env,
    optional_part,
    read_snapshot,
)
from kostack.errors import ConfigError

if TYPE_CHECKING:  # the layers below are imported when a command runs: --help stays fast
    from kostack.model import Snapshot


def live_options(f: F) -> F:
    """Options that choose what to collect when no --snapshot is given."""
    f = click.option(
        "--os-cloud", metavar="NAME", help="clouds.yaml entry (default: OS_CLOUD / OS_* env)."
    )(f)
    f = click.option(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig file (default: KUBECONFIG, ~/.kube/config).",
    )(f)
    f = click.option(
        "--context", "kube_context", metavar="NAME", help="kubeconfig context to use."
    )(f)
    f = click.option(
        "--neutron-backend",
        type=click.Choice(["ml2/ovs", "ml2/ovn"]),
        help="Say which Neutron backend the cloud runs when the API does not reveal it.",
    )(f)
    return f


def timeout_option(f: F) -> F:
    """--timeout for the commands that collect live when no --snapshot is given."""
    return click.option(
        "--timeout",
        "timeout_s",
        type=click.FloatRange(min=0.1, max=3600),
        metavar="SECONDS",
        help="Without --snapshot: give up on one API request after this long (a hard limit; "
        "default 30, or $KOSTACK_TIMEOUT).",
    )(f)


def obtain_snapshot(ctx: click.Context, snapshot_path: str | None, **live: object) -> Snapshot:
    env = get_env(ctx)
    if snapshot_path:
        return read_snapshot(snapshot_path)
    collect_live = optional_part("kostack.cli.collect", "collect_live", "live collection")
    with doing(env, f"collecting ({READ_ONLY})"):
        snapshot: Snapshot = collect_live(env, **live)  # with its own progress per source
    return snapshot


@click.command()
@click.option(
    "--snapshot",
    "snapshot_path",
    metavar="FILE",
    help="Read a snapshot instead of collecting live.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json", "junit", "sarif"]),
    default="text",
    show_default=True,
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="high",
    show_default=True,
    help="Exit 1 when a finding at or above this severity fails.",
)
@click.option(
    "--lang", type=click.Choice(["en", "ko"]), help="Language (default: from the locale)."
)
@click.option("-v", "--verbose", is_flag=True, help="Every flow, all evidence and every command.")
@click.option(
    "--egress-target",
    default="1.1.1.1",
    show_default=True,
    metavar="IP",
    help="An address outside the cluster to judge pod egress against (nothing is sent).",
)
@click.option(
    "--active",
    is_flag=True,
    help="Also run in-cluster probes and correlate them with the static model (sends traffic).",
)
@click.option(
    "--probe-image",
    metavar="IMAGE",
    help="With --active: the probe pods' image (any with python3).",
)
@click.option(
    "--probe-timeout", type=float, metavar="S", help="With --active: per-probe timeout in seconds."
)
@click.option(
    "--probe-lab",
    metavar="NAME",
    help="With --active: probe the network lab NAME ('default') instead.",
)
@click.option(
    "--probe-icmp-clusterip",
    is_flag=True,
    help="With --active: also ping the ClusterIP (no reply expected).",
)
@timeout_option
@live_options
@click.pass_context
def diagnose(
    ctx: click.Context,
    /,
    snapshot_path: str | None,
    output: str,
    fail_on: str,
    lang: str | None,
    verbose: bool,
    egress_target: str,
    active: bool,
    probe_image: str | None,
    probe_timeout: float | None,
    probe_lab: str | None,
    probe_icmp_clusterip: bool,
    timeout_s: float | None,
    **live: object,
) -> int:
    """Find the root cause of pod networking failures.

    Without --snapshot, kostack collects from OpenStack and Kubernetes first
    (read-only). Exit codes: 0 ok, 1 a finding at or above --fail-on, 2 bad
    input, 3 cannot reach or authenticate, 4 partial data.

    \b
    Examples:
      kostack diagnose --snapshot examples/seed-incident.json
      kostack diagnose --os-cloud mycloud --context prod -o json
      kostack diagnose --snapshot snap.json --lang ko --fail-on critical
      kostack diagnose --active --probe-image registry.local/python:3.12
    """
    from kostack.analyze.diagnose import diagnose as run_diagnosis
    from kostack.cli.console import diagnosing
    from kostack.report.jsonout import diagnosis_dict, dumps
    from kostack.report.text import render_diagnosis

    env = get_env(ctx)
    try:
        target = ipaddress.ip_address(egress_target)
    except ValueError:
        raise ConfigError(f"--egress-target {egress_target!r} is not an IP address") from None
    snapshot = obtain_snapshot(ctx, snapshot_path, timeout_s=timeout_s, **live)
    if active:
        add_probe_observations = optional_part(
            "kostack.cli.probe", "add_probe_observations", "active probes"
        )
        snapshot = add_probe_observations(ctx, snapshot, **live)
    with diagnosing(env, snapshot):
        result = run_diagnosis(snapshot, target)
    language = detect_lang(lang, env.environ)
    from kostack.cli.main import version

    if output == "json":
        env.stdout.write(dumps(diagnosis_dict(result, version())))
    elif output in ("junit", "sarif"):
        render = optional_part("kostack.report.ci_formats", output, f"-o {output}")
        env.stdout.write(render(result, version()))
    else:
        env.stdout.write(render_diagnosis(result, language, verbose))
    worst = result.worst()
    code = exit_for(str(worst) if worst else None, fail_on)
    if code == 0 and snapshot.gaps:
        from kostack.errors import ExitCode

        return int(ExitCode.PARTIAL)
    return code


@click.command()
@click.argument("src", metavar="SRC")
@click.argument("dst", metavar="DST")
@click.option(
    "--snapshot",
    "snapshot_path",
    metavar="FILE",
    help="Read a snapshot instead of collecting live.",
)
@click.option(
    "-p",
    "--protocol",
    type=click.Choice(["tcp", "udp", "icmp", "sctp"]),
    help="Protocol (default: from DST's /PROTO, else tcp).",
)
@click.option(
    "-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--lang", type=click.Choice(["en", "ko"]), help="Language (default: from the locale)."
)
@timeout_option
@live_options
@click.pass_context
def trace(
    ctx: click.Context,
    /,
    src: str,
    dst: str,
    snapshot_path: str | None,
    protocol: str | None,
    output: str,
    lang: str | None,
    timeout_s: float | None,
    **live: object,
) -> int:
    """Trace one flow hop by hop and say which rule decides it.

    \b
    Endpoints:
      pod:NAMESPACE/NAME        node:NAME
      svc:NAMESPACE/NAME:PORT/PROTO
      ip:A.B.C.D[:PORT/PROTO]
      client                    (SRC only: any client outside the cluster)

    From an outside client (ip:... or client) to a Service of type
    LoadBalancer (or its floating IP), the way in is traced: floating IP,
    VIP, listener, pool, the provider (amphora or OVN), each member node's
    security groups on the NodePort, kube-proxy, the pod.

    \b
    Examples:
      kostack trace --snapshot examples/seed-incident.json pod:demo/netshoot svc:kube-system/kube-dns:53/udp
      kostack trace --snapshot examples/seed-incident.json -p icmp pod:demo/netshoot svc:default/kubernetes
      kostack trace --snapshot examples/lb-ovn-node-subnet-only.json ip:198.51.100.7 svc:shop/web:80/tcp
      kostack trace --snapshot examples/lb-amphora-healthy.json client ip:203.0.113.50:80/tcp

    Exit codes: 0 reachable (or no reply expected), 1 blocked or undecided, 2 bad input.
    """
    from kostack.analyze.loadbalancer.entry import ANY_CLIENT, lb_target, trace_way_in
    from kostack.analyze.reach import EndpointError, parse_endpoint
    from kostack.analyze.reach import trace as run_trace
    from kostack.analyze.topology import Topology
    from kostack.report.jsonout import dumps, trace_dict
    from kostack.report.text import render_trace

    env = get_env(ctx)
    snapshot = obtain_snapshot(ctx, snapshot_path, timeout_s=timeout_s, **live)
    topo = Topology(snapshot)
    any_client = src.strip().lower() in ANY_CLIENT
    try:
        s = None if any_client else parse_endpoint(topo, src)[0]
        d, port, proto = parse_endpoint(topo, dst)
    except EndpointError as exc:
        raise ConfigError(
            str(exc), exc.hint or "See `kostack trace --help` for endpoint forms."
        ) from exc
    chosen = protocol or proto or "tcp"
    way_in = lb_target(topo, d) if s is None or s.kind == "external" else None
    if chosen == "icmp":
        port = None
    elif d.kind == "service" and port is None and way_in is None:
        raise ConfigError(
            f"give the service port: {dst}:PORT/PROTO", "e.g. svc:kube-system/kube-dns:53/udp"
        )
    if way_in is not None:
        results = trace_way_in(topo, s.ip if s is not None else None, way_in, chosen, port)
    elif s is None:
        raise ConfigError(
            f"{src!r} (any client) needs a Service of type LoadBalancer or its address as DST",
            "e.g. kostack trace client svc:shop/web:80/tcp",
        )
    else:
        results = run_trace(topo, s, d, chosen, port)
    from kostack.cli.main import version

    if output == "json":
        env.stdout.write(dumps(trace_dict(results, version())))
    else:
        env.stdout.write(render_trace(results, detect_lang(lang, env.environ)))
    ok = all(r.ok or r.no_reply_expected for r in results)
    return 0 if ok else 1
