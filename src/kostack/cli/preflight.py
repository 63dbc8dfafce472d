"""`kostack preflight`: check a cluster before it is built, and emit the settings to build it right."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, cast

import click

from kostack.cli._options import lang_option, options, output_option, setting, snapshot_option
from kostack.cli.common import get_env, openstack_needed, read_snapshot, request_timeout
from kostack.cli.defaults import NEUTRON_BACKENDS, PREFLIGHT_CNIS, PREFLIGHT_TUNNELS
from kostack.errors import ConfigError, ExitCode

if TYPE_CHECKING:  # the layers below are imported when the command runs: --help stays fast
    from kostack.cli.common import Environment as Env
    from kostack.model.snapshot import IPNetwork, NeutronBackend, OpenStack
    from kostack.plan.preflight import PlannedNode, PreflightResult, PreflightSpec


def _msg(key: str, **params: object) -> str:
    """A preflight message (kostack.plan.preflight_errors, imported here: --help stays fast)."""
    from kostack.plan.preflight_errors import Msg

    return Msg(key, **params)


DEFAULT_MODES = {
    "calico": "vxlan-crosssubnet",
    "flannel": "vxlan",
    "cilium": "vxlan",
    "kube-router": "ipip",
    "antrea": "encap",
    "kube-ovn": "geneve",
    "ovn-kubernetes": "geneve",
}


def _cidr(value: str, flag: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ConfigError(
            _msg("pf.err.not-cidr", flag=flag, value=repr(value), why=str(exc)),
            _msg("pf.hint.cidr", flag=flag),
        ) from None


def _cidrs(value: str, flag: str) -> tuple[IPNetwork, IPNetwork | None]:
    """One CIDR, or a dual-stack pair as kubeadm writes it ("10.244.0.0/16,fd00:10:244::/56")."""
    parts = [p for p in value.split(",") if p.strip()]
    if not parts or len(parts) > 2:
        raise ConfigError(
            _msg("pf.err.cidr-count", flag=flag, value=repr(value)), _msg("pf.hint.pair", flag=flag)
        )
    nets = [_cidr(p, flag) for p in parts]
    if len(nets) == 2 and nets[0].version == nets[1].version:
        raise ConfigError(
            _msg("pf.err.same-family", flag=flag, value=repr(value), version=nets[0].version),
            _msg("pf.hint.pair", flag=flag),
        )
    return nets[0], (nets[1] if len(nets) == 2 else None)


def _node_specs(values: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
    out = []
    for value in values:
        ip, sep, name = value.partition("=")
        out.append((ip.strip(), name.strip() if sep and name.strip() else None))
    return tuple(out)


def _openstack(
    snapshot_path: str | None, os_cloud: str | None, env: Any, timeout_s: float
) -> OpenStack:
    if snapshot_path:
        snapshot = read_snapshot(snapshot_path)
        if snapshot.openstack is None:
            raise ConfigError(
                _msg("pf.err.no-openstack", path=snapshot_path), _msg("pf.hint.collect")
            )
        return snapshot.openstack
    from kostack.collect.openstack import collect_openstack, current_project, open_connection

    with openstack_needed(env, "cli.way.preflight"):
        conn = open_connection(os_cloud, environ=env.environ, timeout_s=timeout_s)
    record, _gaps = collect_openstack(conn, project_scope=current_project(conn))
    return record


def _network_id(openstack: OpenStack, wanted: str) -> str:
    nets = list(openstack.networks or ())
    by_id = [n for n in nets if n.id == wanted]
    if by_id:
        return by_id[0].id
    by_name = [n for n in nets if n.name == wanted]
    if len(by_name) == 1:
        return by_name[0].id
    if len(by_name) > 1:
        raise ConfigError(
            _msg("pf.err.networks-named", n=len(by_name), name=repr(wanted)),
            _msg("pf.hint.give-id"),
        )
    known = ", ".join(sorted(n.name or n.id for n in nets)) or _msg("pf.none")
    raise ConfigError(
        _msg("pf.err.no-network", name=repr(wanted)), _msg("pf.hint.networks-seen", known=known)
    )


def _where(env: Env, opts: dict[str, Any]) -> tuple[OpenStack | None, str | None]:
    """The OpenStack record and network id with --network (from a snapshot or live)."""
    if opts["network"]:
        timeout = request_timeout(None, env.environ)
        openstack = _openstack(opts["snapshot_path"], opts["os_cloud"], env, timeout)
        return openstack, _network_id(openstack, opts["network"])
    if opts["snapshot_path"]:
        raise ConfigError(_msg("pf.err.snapshot-network"), _msg("pf.hint.snapshot-network"))
    return None, None


def _nodes(
    opts: dict[str, Any],
    openstack: OpenStack | None,
    network_id: str | None,
    families: tuple[int, ...],
) -> tuple[PlannedNode, ...]:
    """The planned nodes: --node, else the VM ports of --network."""
    from kostack.plan.preflight import PreflightError, nodes_from_ports, planned_nodes

    if opts["nodes"]:
        try:
            specs = _node_specs(opts["nodes"])
            return tuple(planned_nodes(specs, opts["control_planes"], families))
        except PreflightError as exc:
            raise ConfigError(exc.message, exc.hint) from exc
    if openstack is not None and network_id is not None:
        return nodes_from_ports(openstack, network_id, opts["control_planes"], families)
    raise ConfigError(_msg("pf.err.no-nodes-cli"), _msg("pf.hint.nodes"))


def _spec(env: Env, opts: dict[str, Any]) -> PreflightSpec:
    """The preflight's inputs from the command line (usage errors as ConfigError)."""
    from kostack.plan.preflight import PreflightSpec
    from kostack.plan.preflight_antrea import canonical_mode

    openstack, network_id = _where(env, opts)
    pod, pod2 = _cidrs(opts["pod_cidr"], "--pod-cidr")
    service, service2 = _cidrs(opts["service_cidr"], "--service-cidr")
    families = (pod.version,) if pod2 is None else (pod.version, pod2.version)
    subnet_cidr = opts["subnet_cidr"]
    mode = opts["mode"] or DEFAULT_MODES[opts["cni"]]
    return PreflightSpec(
        pod_cidr=pod,
        service_cidr=service,
        cni=opts["cni"],
        mode=canonical_mode(mode) if opts["cni"] == "antrea" else mode,
        nodes=_nodes(opts, openstack, network_id, families),
        nat_outgoing=opts["nat_outgoing"],
        bgp=opts["bgp"],
        typha=opts["typha"],
        wireguard=opts["wireguard"],
        pod_mtu=opts["pod_mtu"],
        backend=cast("NeutronBackend | None", opts["neutron_backend"]),
        network_mtu=opts["network_mtu"],
        subnet_cidr=_cidr(subnet_cidr, "--subnet-cidr") if subnet_cidr else None,
        group_name=opts["group_name"],
        service_pair=not opts["no_service_cidr"],
        openstack=openstack,
        network_id=network_id,
        pod_cidr_secondary=pod2,
        service_cidr_secondary=service2,
        tunnel_type=opts["tunnel_type"],
    )


def _write(env: Env, result: PreflightResult, output: str) -> None:
    """The result in the chosen output form."""
    from kostack.report.preflight import (
        preflight_dict,
        render_commands,
        render_terraform,
        render_text,
    )

    if output == "json":
        from kostack.cli.console import language
        from kostack.cli.main import version
        from kostack.report.jsonout import dumps, in_language

        env.stdout.write(
            dumps(in_language(preflight_dict(result, version(), language(env)), language(env)))
        )
        return
    from kostack.cli.console import language

    render = {"commands": render_commands, "terraform": render_terraform}.get(output, render_text)
    env.stdout.write(render(result, language(env)))


_OPTIONS = (
    click.option(
        "--pod-cidr",
        required=True,
        metavar="CIDR[,CIDR]",
        help="The planned pod CIDR; dual stack as kubeadm's podSubnet: 10.244.0.0/16,fd00:10:244::/56.",
    ),
    click.option(
        "--service-cidr",
        required=True,
        metavar="CIDR[,CIDR]",
        help="The planned service CIDR; dual stack: 10.96.0.0/12,fd00:10:96::/112.",
    ),
    click.option("--cni", type=click.Choice(PREFLIGHT_CNIS), default="calico", show_default=True),
    click.option(
        "--mode",
        metavar="MODE",
        help="calico: vxlan-crosssubnet (default), vxlan, ipip, ipip-crosssubnet, none; "
        "flannel: vxlan (default), host-gw; cilium: vxlan (default), geneve, native; "
        "kube-router: ipip (default), fou, full, none; antrea (trafficEncapMode): encap "
        "(default), noEncap, hybrid; kube-ovn (install.sh NETWORK_TYPE): geneve (default), "
        "vxlan, stt, vlan; ovn-kubernetes: geneve (default, its only tunnel).",
    ),
    click.option(
        "--tunnel-type",
        type=click.Choice(PREFLIGHT_TUNNELS),
        help="Antrea's tunnelType in encap and hybrid mode (default: geneve).",
    ),
    click.option(
        "--node",
        "nodes",
        multiple=True,
        metavar="IP[,IP][=NAME]",
        help="A planned node (repeat; dual stack: its IPv4 and IPv6 address); without --node, "
        "the VM ports of --network are the nodes.",
    ),
    setting(
        "--control-planes",
        click.IntRange(min=1),
        1,
        "How many of the nodes (the first ones) are control planes.",
    ),
    click.option(
        "--network", metavar="NAME|ID", help="The OpenStack network the nodes are (will be) on."
    ),
    snapshot_option("Read the network from a snapshot."),
    click.option("--os-cloud", metavar="NAME", help="clouds.yaml entry, to read --network live."),
    click.option("--subnet-cidr", metavar="CIDR", help="The planned subnet (without --network)."),
    click.option("--network-mtu", type=click.IntRange(68, 65535), help="The planned network MTU."),
    click.option("--pod-mtu", type=click.IntRange(68, 65535), help="The pod MTU you plan to set."),
    click.option(
        "--nat-outgoing/--no-nat-outgoing",
        default=True,
        show_default=True,
        help="Whether pods' traffic to the outside is masqueraded to the node address "
        "(Antrea: --no-nat-outgoing is noSNAT, noEncap mode only).",
    ),
    click.option(
        "--bgp/--no-bgp", default=None, help="Calico BGP (default: on unless VXLAN Always)."
    ),
    click.option("--typha/--no-typha", default=None, help="Calico Typha (default: on for Calico)."),
    click.option(
        "--wireguard",
        is_flag=True,
        help="The CNI encrypts pod traffic with WireGuard (Antrea: trafficEncryptionMode "
        "wireguard, encap mode only).",
    ),
    click.option("--neutron-backend", type=click.Choice(NEUTRON_BACKENDS)),
    setting(
        "--security-group", None, "k8s-nodes", "Name of the group to create.", dest="group_name"
    ),
    click.option("--no-service-cidr", is_flag=True, help="Leave the service CIDR pair out."),
    output_option("text", "json", "commands", "terraform"),
    lang_option(
        "Language of the report (default: KOSTACK_LANG, else the locale); the commands and "
        "Terraform stay as they are."
    ),
)


@click.command(
    epilog="""\b
Examples:
  kostack preflight --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12 \\
      --cni calico --mode vxlan-crosssubnet \\
      --node 10.0.0.11=k8s-cp-1 --node 10.0.0.12=k8s-w-1 --node 10.0.0.13=k8s-w-2
  kostack preflight --network k8s-net --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12
  kostack preflight --snapshot snap.json --network k8s-net --pod-cidr 10.244.0.0/16 \\
      --service-cidr 10.96.0.0/12 --cni cilium --mode native -o terraform > k8s-ports.tf
  kostack preflight --pod-cidr 10.244.0.0/16,fd00:10:244::/56 \\
      --service-cidr 10.96.0.0/12,fd00:10:96::/112 \\
      --node 10.0.0.11,fd00:0:0:1::11=k8s-cp-1 --node 10.0.0.12,fd00:0:0:1::12=k8s-w-1
"""
)
@options(*_OPTIONS)
@click.pass_context
def preflight(ctx: click.Context, /, **opts: Any) -> int:
    """Check a cluster before it is built: what would break, and the ports to create.

    From the network (and its ports) or planned node IPs, the pod and service
    CIDRs (one, or a dual-stack IPv4,IPv6 pair) and the CNI mode, kostack
    diagnoses the cluster-to-be exactly as `kostack diagnose` would the built
    one (anti-spoofing, security groups, CIDR overlaps, MTU, per family), and
    prints the security group, rules and ports that make it work, as
    `openstack` commands and Terraform. Nothing is changed.
    Exit codes: 0 the recommended setup works, 1 something breaks even so
    (e.g. overlapping CIDRs, a pod MTU too large), 2 bad input.
    """
    from kostack.plan.preflight import PreflightError
    from kostack.plan.preflight import preflight as run_preflight

    env = get_env(ctx)
    spec = _spec(env, opts)
    try:
        result = run_preflight(spec)
    except PreflightError as exc:
        raise ConfigError(exc.message, exc.hint) from exc
    _write(env, result, opts["output"])
    return int(ExitCode.FINDINGS) if result.remaining else int(ExitCode.OK)
