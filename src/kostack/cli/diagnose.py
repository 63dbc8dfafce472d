"""`kostack diagnose` and `kostack trace`."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import click

from kostack.cli._options import (
    egress_target_option,
    fail_on_option,
    lang_option,
    options,
    output_option,
    request_timeout_option,
    snapshot_option,
)
from kostack.cli.common import (
    F,
    detect_lang,
    doing,
    exit_for,
    get_env,
    optional_part,
    read_snapshot,
)
from kostack.cli.interrupt_text import Msg
from kostack.errors import ConfigError

if TYPE_CHECKING:  # the layers below are imported when a command runs: --help stays fast
    from kostack.analyze.diagnose import Diagnosis
    from kostack.analyze.reach import CasedTrace, Endpoint, FlowResult
    from kostack.analyze.topology import Topology
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
        help="Say which Neutron backend the cloud runs when the API does not reveal it "
        "(also with --snapshot: it overrides the snapshot's openstack.backend).",
    )(f)
    return f


# --timeout for the commands that collect live when no --snapshot is given.
timeout_option = request_timeout_option(
    "Without --snapshot: give up on one API request after this long (a hard limit; "
    "default 30, or $KOSTACK_TIMEOUT)."
)


def obtain_snapshot(ctx: click.Context, snapshot_path: str | None, **live: object) -> Snapshot:
    env = get_env(ctx)
    if snapshot_path:
        read = read_snapshot(snapshot_path)
        backend = live.get("neutron_backend")
        if backend and read.openstack is not None:
            # the user says which backend the cloud runs: it decides the cases it opened
            os_ = read.openstack.model_copy(
                update={"backend": backend, "backend_source": "--neutron-backend"}
            )
            read = read.model_copy(update={"openstack": os_})
        return read
    collect_live = optional_part("kostack.cli.collect", "collect_live", "live collection")
    with doing(env, Msg("act.collecting")):
        snapshot: Snapshot = collect_live(env, **live)  # with its own progress per source
    return snapshot


def egress_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The --egress-target address (a ConfigError when it is not one)."""
    from kostack.cli import errors_text  # noqa: F401  (registers the messages)

    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise ConfigError(Msg("cli.err.egress-target", text=repr(value))) from None


def with_probes(
    ctx: click.Context, snapshot: Snapshot, active: bool, live: dict[str, object]
) -> Snapshot:
    """``snapshot`` with what the in-cluster probes observed, when --active asks for them."""
    if not active:
        return snapshot
    add_probe_observations = optional_part(
        "kostack.cli.probe", "add_probe_observations", "active probes"
    )
    probed: Snapshot = add_probe_observations(ctx, snapshot, **live)
    return probed


# The options of `diagnose` before --timeout and the live ones, in --help's order.
_diagnose_options = options(
    snapshot_option("Read a snapshot instead of collecting live."),
    output_option("text", "json", "junit", "sarif"),
    fail_on_option(),
    lang_option(),
    click.option(
        "-v", "--verbose", is_flag=True, help="Every flow, all evidence and every command."
    ),
    egress_target_option(),
    click.option(
        "--active",
        is_flag=True,
        help="Also run in-cluster probes and correlate them with the static model (sends traffic).",
    ),
    click.option(
        "--probe-image",
        metavar="IMAGE",
        help="With --active: the probe pods' image (any with python3).",
    ),
    click.option(
        "--probe-timeout",
        type=float,
        metavar="S",
        help="With --active: per-probe timeout in seconds.",
    ),
    click.option(
        "--probe-lab",
        metavar="NAME",
        help="With --active: probe the network lab NAME ('default') instead.",
    ),
    click.option(
        "--probe-icmp-clusterip",
        is_flag=True,
        help="With --active: also ping the ClusterIP (not judged: what comes back depends on the "
        "proxy mode and proves nothing).",
    ),
)


@click.command()
@_diagnose_options
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
    (read-only). What the snapshot does not say but can take only a few values
    (the Neutron backend, masquerade, Calico BGP, natOutgoingExclusions,
    WireGuard, the kube-proxy mode, whether a node network with no router is a
    provider network) is tried every way: the same answer in
    every case is the answer; a cause that fails in every case, differently,
    is a root cause with a fix per case; otherwise it is reported once, as
    CONDITIONAL, with how to tell the cases apart.

    \b
    Exit codes:
      0  decided healthy (warnings below --fail-on allowed)
      1  a finding at or above --fail-on
      2  bad input
      3  cannot reach or authenticate
      4  undecided: DNS, the API service, pod-to-pod or egress cannot be
         decided, a cause at or above --fail-on is conditional, or data is
         missing

    \b
    Examples:
      kostack diagnose --snapshot examples/seed-incident.json
      kostack diagnose --os-cloud mycloud --context prod -o json
      kostack diagnose --snapshot snap.json --lang ko --fail-on critical
      kostack diagnose --active --probe-image registry.local/python:3.12
    """
    from kostack.analyze.diagnose import diagnose as run_diagnosis
    from kostack.cli.console import diagnosing

    env = get_env(ctx)
    target = egress_ip(egress_target)
    snapshot = obtain_snapshot(ctx, snapshot_path, timeout_s=timeout_s, **live)
    snapshot = with_probes(ctx, snapshot, active, live)
    with diagnosing(env, snapshot) as phases:
        result = run_diagnosis(snapshot, target, phases)
        phases.start("report")
        again = ("--snapshot", snapshot_path) if snapshot_path else ()
        text = rendered(result, output, detect_lang(lang, env.environ), verbose, again)
    env.stdout.write(text)
    return diagnosis_exit(result, fail_on)


def rendered(
    result: Diagnosis, output: str, language: str, verbose: bool, again: tuple[str, ...] = ()
) -> str:
    """The diagnosis as `diagnose -o OUTPUT` prints it; ``again`` is what the text's hints repeat
    to read the same input (``--snapshot FILE``)."""
    from kostack.cli.main import version
    from kostack.report.jsonout import diagnosis_dict, dumps
    from kostack.report.text import render_diagnosis

    if output == "json":
        return dumps(diagnosis_dict(result, version(), language))
    if output in ("junit", "sarif"):
        render = optional_part("kostack.report.ci_formats", output, f"-o {output}")
        return str(render(result, version()))
    return render_diagnosis(result, language, verbose, again)


def diagnosis_exit(result: Diagnosis, fail_on: str) -> int:
    """1: a decided finding at or above --fail-on; 4: a critical path (DNS, the API service,
    pod-to-pod, egress) or a cause at or above --fail-on depends on what the snapshot does
    not say, or data is missing; 0: decided healthy (warnings below --fail-on allowed)."""
    from kostack.errors import ExitCode

    worst = result.worst()
    code = exit_for(str(worst) if worst else None, fail_on)
    if code != 0:
        return code
    conditional = [rc for rc in result.conditional if exit_for(str(rc.severity), fail_on) != 0]
    if result.verdict.critical_undecided or conditional or result.snapshot.gaps:
        return int(ExitCode.PARTIAL)
    return code


@click.command()
@click.argument("src", metavar="SRC")
@click.argument("dst", metavar="DST")
@snapshot_option("Read a snapshot instead of collecting live.")
@click.option(
    "-p",
    "--protocol",
    type=click.Choice(["tcp", "udp", "icmp", "sctp"]),
    help="Protocol (default: from DST's /PROTO, else tcp).",
)
@output_option("text", "json")
@lang_option()
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
      ip:A.B.C.D[:PORT/PROTO]   ip:[IPV6][:PORT/PROTO]
      client                    (SRC only: any client outside the cluster)

    A dual-stack pod, node or service is traced by its address of the other
    end's family; ends with no family in common are a usage error (exit 2).

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

    When the snapshot leaves something open that changes the path (the Neutron
    backend, masquerade), every case is traced and shown when they differ.

    Exit codes: 0 reachable in every case (or a ClusterIP ping, which proves
    nothing), 1 blocked in every case (to one service endpoint or more: the first
    example reaches one CoreDNS pod of two), 2 bad input, 4 undecided or it depends.
    """
    from kostack.report.jsonout import cased_trace_dict, dumps
    from kostack.report.text import render_cased_trace

    env = get_env(ctx)
    snapshot = obtain_snapshot(ctx, snapshot_path, timeout_s=timeout_s, **live)
    cased = _cased_trace(snapshot, src, dst, protocol)
    from kostack.cli.main import version

    if output == "json":
        env.stdout.write(dumps(cased_trace_dict(cased, version(), detect_lang(lang, env.environ))))
    else:
        env.stdout.write(render_cased_trace(cased, detect_lang(lang, env.environ)))
    return _trace_exit(cased.results)


def _cased_trace(snapshot: Snapshot, src: str, dst: str, protocol: str | None) -> CasedTrace:
    """SRC -> DST traced in every case the snapshot leaves open (the way in from outside
    to a LoadBalancer, or pod/node/address to anything); bad endpoints are usage errors."""
    from kostack.analyze.loadbalancer.entry import ANY_CLIENT, lb_target, trace_way_in
    from kostack.analyze.messages import Msg
    from kostack.analyze.reach import (
        CasedTrace,
        EndpointError,
        parse_endpoint,
        trace_cases,
        worlds,
    )
    from kostack.analyze.topology import Topology
    from kostack.cli import errors_text  # noqa: F401  (registers the messages)

    topo = Topology(snapshot)
    any_client = src.strip().lower() in ANY_CLIENT
    try:
        s = None if any_client else parse_endpoint(topo, src)[0]
        d, port, proto = parse_endpoint(topo, dst)
    except EndpointError as exc:
        raise ConfigError(exc.message, exc.hint or Msg("ep.hint.forms")) from exc
    if s is not None and s.kind == "service":
        raise ConfigError(Msg("cli.err.svc-source", src=src), Msg("cli.hint.svc-source"))
    chosen = protocol or proto or "tcp"
    way_in = lb_target(topo, d) if s is None or s.kind == "external" else None
    if chosen == "icmp":
        port = None
    elif d.kind == "service" and port is None and way_in is None:
        raise ConfigError(Msg("ep.need-port", dst=dst), Msg("ep.hint.need-port"))
    if way_in is None and s is None:
        raise ConfigError(
            Msg("cli.err.client-needs-lb", src=repr(src)), Msg("cli.hint.client-needs-lb")
        )
    if way_in is not None:
        # the way in, traced in every case too
        client = s.ip if s is not None else None
        all_worlds = worlds(snapshot)
        cased = CasedTrace(
            all_worlds,
            tuple(
                tuple(trace_way_in(Topology(snapshot, w), client, way_in, chosen, port))
                for w in all_worlds
            ),
        )
    else:
        assert s is not None
        s, d = _same_family(topo, src, dst, s, d)
        cased = trace_cases(snapshot, s, d, chosen, port)
    return cased


def _same_family(
    topo: Topology, src: str, dst: str, s: Endpoint, d: Endpoint
) -> tuple[Endpoint, Endpoint]:
    """SRC and DST by addresses of one family: a dual-stack pod, node or service is taken by
    its address of the other end's family (the source adapts first); none is a usage error."""
    from kostack.analyze.reach import parse_endpoint

    if s.ip is None or d.ip is None or s.ip.version == d.ip.version:
        return s, d
    other = parse_endpoint(topo, src, d.ip.version)[0]
    if other.ip is not None and other.ip.version == d.ip.version:
        return other, d
    other = parse_endpoint(topo, dst, s.ip.version)[0]
    if other.ip is not None and other.ip.version == s.ip.version:
        return s, other
    families = Msg("ep.families", src=s.label, dst=d.label, want=d.ip.version, have=s.ip.version)
    raise ConfigError(families, Msg("ep.hint.families"))


def _trace_exit(per_world: tuple[tuple[FlowResult, ...], ...]) -> int:
    """0 open in every case, 1 blocked in every case, 4 undecided or depends."""
    from kostack.analyze.reach import Disposition

    def state(results: tuple[FlowResult, ...]) -> str:
        if all(r.ok or r.no_reply_expected for r in results):
            return "open"
        if any(r.verdict == Disposition.UNKNOWN for r in results):
            return "unknown"
        return "blocked"

    states = {state(rs) for rs in per_world}
    if states == {"open"}:
        return 0
    if states == {"blocked"}:
        return 1
    from kostack.errors import ExitCode

    return int(ExitCode.PARTIAL)
