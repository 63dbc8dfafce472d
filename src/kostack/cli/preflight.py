"""`kostack preflight`: check a cluster before it is built, and emit the settings to build it right."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, cast

import click

from kostack.cli.common import get_env, openstack_needed, read_snapshot, request_timeout
from kostack.cli.defaults import NEUTRON_BACKENDS, PREFLIGHT_CNIS
from kostack.errors import ConfigError, ExitCode

if TYPE_CHECKING:  # the layers below are imported when the command runs: --help stays fast
    from kostack.model.snapshot import IPNetwork, NeutronBackend, OpenStack

DEFAULT_MODES = {"calico": "vxlan-crosssubnet", "flannel": "vxlan", "cilium": "vxlan"}


def _cidr(value: str, flag: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ConfigError(
            f"{flag} {value!r} is not a CIDR ({exc})", f"e.g. {flag} 10.244.0.0/16"
        ) from None


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
                f"{snapshot_path} has no OpenStack part", "collect one with `kostack collect`"
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
        raise ConfigError(f"{len(by_name)} networks are called {wanted!r}", "give its id instead")
    known = ", ".join(sorted(n.name or n.id for n in nets)) or "none"
    raise ConfigError(f"no network {wanted!r}", f"networks seen: {known}")


@click.command(
    epilog="""\b
Examples:
  kostack preflight --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12 \\
      --cni calico --mode vxlan-crosssubnet \\
      --node 10.0.0.11=k8s-cp-1 --node 10.0.0.12=k8s-w-1 --node 10.0.0.13=k8s-w-2
  kostack preflight --network k8s-net --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12
  kostack preflight --snapshot snap.json --network k8s-net --pod-cidr 10.244.0.0/16 \\
      --service-cidr 10.96.0.0/12 --cni cilium --mode native -o terraform > k8s-ports.tf
"""
)
@click.option("--pod-cidr", required=True, metavar="CIDR", help="The planned pod CIDR.")
@click.option("--service-cidr", required=True, metavar="CIDR", help="The planned service CIDR.")
@click.option("--cni", type=click.Choice(PREFLIGHT_CNIS), default="calico", show_default=True)
@click.option(
    "--mode",
    metavar="MODE",
    help="calico: vxlan-crosssubnet (default), vxlan, ipip, ipip-crosssubnet, none; "
    "flannel: vxlan (default), host-gw; cilium: vxlan (default), geneve, native.",
)
@click.option(
    "--node",
    "nodes",
    multiple=True,
    metavar="IP[=NAME]",
    help="A planned node (repeat); without --node, the VM ports of --network are the nodes.",
)
@click.option(
    "--control-planes",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many of the nodes (the first ones) are control planes.",
)
@click.option(
    "--network", metavar="NAME|ID", help="The OpenStack network the nodes are (will be) on."
)
@click.option(
    "--snapshot", "snapshot_path", metavar="FILE", help="Read the network from a snapshot."
)
@click.option("--os-cloud", metavar="NAME", help="clouds.yaml entry, to read --network live.")
@click.option("--subnet-cidr", metavar="CIDR", help="The planned subnet (without --network).")
@click.option("--network-mtu", type=click.IntRange(68, 65535), help="The planned network MTU.")
@click.option("--pod-mtu", type=click.IntRange(68, 65535), help="The pod MTU you plan to set.")
@click.option(
    "--nat-outgoing/--no-nat-outgoing",
    default=True,
    show_default=True,
    help="Whether pods' traffic to the outside is masqueraded to the node address.",
)
@click.option("--bgp/--no-bgp", default=None, help="Calico BGP (default: on unless VXLAN Always).")
@click.option("--typha/--no-typha", default=None, help="Calico Typha (default: on for Calico).")
@click.option("--wireguard", is_flag=True, help="The CNI encrypts pod traffic with WireGuard.")
@click.option("--neutron-backend", type=click.Choice(NEUTRON_BACKENDS))
@click.option(
    "--security-group",
    "group_name",
    default="k8s-nodes",
    show_default=True,
    help="Name of the group to create.",
)
@click.option("--no-service-cidr", is_flag=True, help="Leave the service CIDR pair out.")
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json", "commands", "terraform"]),
    default="text",
    show_default=True,
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    help="Language of the report (default: KOSTACK_LANG, else the locale); the commands and "
    "Terraform stay as they are.",
)
@click.pass_context
def preflight(
    ctx: click.Context,
    /,
    pod_cidr: str,
    service_cidr: str,
    cni: str,
    mode: str | None,
    nodes: tuple[str, ...],
    control_planes: int,
    network: str | None,
    snapshot_path: str | None,
    os_cloud: str | None,
    subnet_cidr: str | None,
    network_mtu: int | None,
    pod_mtu: int | None,
    nat_outgoing: bool,
    bgp: bool | None,
    typha: bool | None,
    wireguard: bool,
    neutron_backend: str | None,
    group_name: str,
    no_service_cidr: bool,
    output: str,
    lang: str | None = None,
) -> int:
    """Check a cluster before it is built: what would break, and the ports to create.

    From the network (and its ports) or planned node IPs, the pod and service
    CIDRs and the CNI mode, kostack diagnoses the cluster-to-be exactly as
    `kostack diagnose` would the built one (anti-spoofing, security groups,
    CIDR overlaps, MTU), and prints the security group, rules and ports that
    make it work, as `openstack` commands and Terraform. Nothing is changed.
    Exit codes: 0 the recommended setup works, 1 something breaks even so
    (e.g. overlapping CIDRs, a pod MTU too large), 2 bad input.
    """
    from kostack.plan.preflight import (
        PreflightError,
        PreflightSpec,
        nodes_from_ports,
        planned_nodes,
    )
    from kostack.plan.preflight import preflight as run_preflight
    from kostack.report.jsonout import dumps
    from kostack.report.preflight import (
        preflight_dict,
        render_commands,
        render_terraform,
        render_text,
    )

    env = get_env(ctx)
    openstack: OpenStack | None = None
    network_id: str | None = None
    if network:
        openstack = _openstack(snapshot_path, os_cloud, env, request_timeout(None, env.environ))
        network_id = _network_id(openstack, network)
    elif snapshot_path:
        raise ConfigError("--snapshot needs --network", "say which network the nodes are on")
    if nodes:
        try:
            planned = tuple(planned_nodes(_node_specs(nodes), control_planes))
        except PreflightError as exc:
            raise ConfigError(exc.message, exc.hint) from exc
    elif openstack is not None and network_id is not None:
        planned = nodes_from_ports(openstack, network_id, control_planes)
    else:
        raise ConfigError(
            "no nodes: give --node IP[=NAME] for each planned node, or --network",
            "e.g. --node 10.0.0.11=k8s-cp-1 --node 10.0.0.12=k8s-w-1",
        )
    spec = PreflightSpec(
        pod_cidr=_cidr(pod_cidr, "--pod-cidr"),
        service_cidr=_cidr(service_cidr, "--service-cidr"),
        cni=cni,
        mode=mode or DEFAULT_MODES[cni],
        nodes=planned,
        nat_outgoing=nat_outgoing,
        bgp=bgp,
        typha=typha,
        wireguard=wireguard,
        pod_mtu=pod_mtu,
        backend=cast("NeutronBackend | None", neutron_backend),
        network_mtu=network_mtu,
        subnet_cidr=_cidr(subnet_cidr, "--subnet-cidr") if subnet_cidr else None,
        group_name=group_name,
        service_pair=not no_service_cidr,
        openstack=openstack,
        network_id=network_id,
    )
    try:
        result = run_preflight(spec)
    except PreflightError as exc:
        raise ConfigError(exc.message, exc.hint) from exc
    if output == "json":
        from kostack.cli.main import version

        env.stdout.write(dumps(preflight_dict(result, version())))
    elif output in ("commands", "terraform"):
        from kostack.cli.console import language

        render = render_commands if output == "commands" else render_terraform
        env.stdout.write(render(result, language(env)))
    else:
        from kostack.cli.console import language

        env.stdout.write(render_text(result, language(env)))
    return int(ExitCode.FINDINGS) if result.remaining else int(ExitCode.OK)
