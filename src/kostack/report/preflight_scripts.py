"""`kostack preflight` as something to run: `openstack` CLI commands and a Terraform snippet.

Both create the security group, its missing rules, the node ports (or fix
the existing ones) and the router routes the preflight recommends. Every
shell word is quoted (`kostack.shell`) and every HCL string escaped.
"""

from __future__ import annotations

import re

from kostack.catalog import localize
from kostack.plan.preflight import (
    PLANNED_NETWORK_ID,
    PLANNED_ROUTER_ID,
    NeededRule,
    PortPlan,
    PreflightResult,
)
from kostack.report.preflight_words import t
from kostack.report.safe import terminal_safe
from kostack.shell import Arg, Var, Word, render

__all__ = ["one_line", "planned_network", "render_commands", "render_terraform"]


def one_line(text: str) -> str:
    """Cloud-provided text made safe for a shell or HCL comment (no line breaks or controls)."""
    return terminal_safe(" ".join(text.split()))


def planned_network(result: PreflightResult) -> bool:
    """Whether the preflight ran against a planned network (no real network id to use)."""
    return result.network.id == PLANNED_NETWORK_ID


def _subnet_vars(result: PreflightResult) -> dict[str, str]:
    """A planned network's subnets by id -> the variable suffix: "" for the first, "_2"..."""
    return {sub.id: "" if i == 1 else f"_{i}" for i, sub in enumerate(result.subnets, 1)}


def _auto_address(result: PreflightResult, subnet_id: str) -> bool:
    """Whether Neutron picks the port's address itself (an IPv6 SLAAC or DHCPv6-stateless
    subnet: a chosen address is refused, AllocationOnAutoAddressSubnet)."""
    sub = next((s for s in result.subnets if s.id == subnet_id), None)
    return sub is not None and sub.ipv6_address_mode in ("slaac", "dhcpv6-stateless")


def _fixed_ips(port: PortPlan) -> tuple[tuple[str, str, str], ...]:
    return port.fixed_ips or ((port.ip, port.subnet_id, port.subnet_name),)


# --------------------------------------------------------------------------- openstack CLI


def _with_node(command: str, port: PortPlan) -> str:
    """``command`` with the node it is for as a comment (a command not given stays a message)."""
    return command if command.startswith("# ") else f"{command}  # {one_line(port.node)}"


def _cli_port(result: PreflightResult, port: PortPlan, group: str, network: Arg) -> str | None:
    """The command that creates the node's port, or joins its existing one (None: nothing to do)."""
    pairs: list[str] = []
    for p in port.pairs:
        pairs += ["--allowed-address", f"ip-address={p}"]
    if port.existing is not None:
        member = result.group_id in port.existing.security_group_ids
        join = [] if member else ["--security-group", group]
        if not join and not pairs:
            return None
        return _with_node(
            render(["openstack", "port", "set", *join, *pairs, port.existing.id]), port
        )
    fixed: list[Arg] = []
    names = _subnet_vars(result)
    for ip, subnet_id, _ in _fixed_ips(port):
        address = "" if _auto_address(result, subnet_id) else f",ip-address={ip}"
        fixed += [
            "--fixed-ip",
            Word(("subnet=", Var("SUBNET" + names.get(subnet_id, "")), address))
            if planned_network(result)
            else f"subnet={subnet_id}{address}",
        ]
    return render(
        [
            "openstack",
            "port",
            "create",
            "--network",
            network,
            *fixed,
            "--enable-port-security",
            "--security-group",
            group,
            *pairs,
            port.node,
        ]
    )


def _cli_routes(result: PreflightResult) -> str:
    router: Arg = (
        result.router.id
        if result.router is not None and result.router.id != PLANNED_ROUTER_ID
        else Var("ROUTER")
    )
    route_args: list[str] = []
    for r in result.routes:
        route_args += ["--route", f"destination={r.destination},gateway={r.nexthop}"]
    return render(["openstack", "router", "add", "route", *route_args, router])


def render_commands(result: PreflightResult, lang: str = "en") -> str:
    """`openstack` commands that create the group, its rules and the node ports.

    The comments are in ``lang``; the commands are the same in every language.
    """
    spec = result.spec
    group = spec.group_name
    planned = planned_network(result)
    lines = [f"# {t(lang, 'c.head')}"]
    if planned:
        lines.append(f"# {t(lang, 'c.set-first')}")
        lines.append('NETWORK="my-k8s-net"')
        for sub in result.subnets:
            suffix = _subnet_vars(result)[sub.id]
            lines.append(f'SUBNET{suffix}="my-k8s-subnet{suffix.replace("_", "-")}"  # {sub.cidr}')
            if sub.version == 6:
                lines.append(
                    "#   an IPv6 subnet with --ipv6-ra-mode dhcpv6-stateful "
                    "--ipv6-address-mode dhcpv6-stateful: on a SLAAC one Neutron refuses a "
                    "chosen address"
                )
        if result.routes:
            lines.append('ROUTER="my-k8s-router"')
    network: Arg = Var("NETWORK") if planned else result.network.id
    if result.existing_group is not None:
        group = result.existing_group.id
        lines.append(f"# {t(lang, 'c.group-exists', group=one_line(spec.group_name))}")
    else:
        description = "Kubernetes nodes (kostack preflight)"
        lines.append(
            render(
                ["openstack", "security", "group", "create", "--description", description, group]
            )
        )
    for needed in result.rules:
        create = ["openstack", "security", "group", "rule", "create"]
        lines.append(render([*create, *needed.rule.cli_options(group), group]))
    for port in result.ports:
        line = _cli_port(result, port, group, network)
        if line is not None:
            lines.append(line)
    if result.routes:
        lines.append(_cli_routes(result))
    if any(p.existing is None for p in result.ports):
        boot = "openstack server create --port NODE-NAME ..."
        lines.append(f"# {t(lang, 'c.boot', command=boot)}")
    # a command that cannot be given (a NUL in an id) is a comment in the reader's language
    return "\n".join(localize(line, lang) for line in lines) + "\n"


# --------------------------------------------------------------------------- Terraform


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "x"
    return slug if slug[0].isalpha() else f"n_{slug}"


def _hcl(text: str) -> str:
    """A quoted HCL string: escapes, control characters as \\uNNNN, no template interpolation."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 32 or 127 <= ord(ch) < 160:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    escaped = "".join(out).replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def _tf_group(result: PreflightResult, group: str, lang: str) -> list[str]:
    """The network and subnet variables (for a planned network) and the group or its lookup."""
    spec = result.spec
    existing = result.existing_group
    out: list[str] = [f"# {t(lang, 'tf.head')}"]
    if planned_network(result):
        out += [
            'variable "network_id" {',
            '  description = "The network the nodes are on"',
            "  type        = string",
            "}",
            "",
        ]
        for sub in result.subnets:
            suffix = _subnet_vars(result)[sub.id]
            what = (
                f"IPv{sub.version} subnet {sub.cidr}" if suffix or len(result.subnets) > 1 else ""
            )
            out += [
                f'variable "subnet_id{suffix}" {{',
                "  description = "
                + _hcl(
                    f"The {what} the node IPs are in" if what else "The subnet the node IPs are in"
                ),
                "  type        = string",
                "}",
                "",
            ]
    if existing is not None:
        out += [
            f"# {t(lang, 'tf.group-exists', id=one_line(existing.id))}",
            f'data "openstack_networking_secgroup_v2" "{group}" {{',
            f"  secgroup_id = {_hcl(existing.id)}",
            "}",
        ]
    else:
        out += [
            f'resource "openstack_networking_secgroup_v2" "{group}" {{',
            f"  name        = {_hcl(spec.group_name)}",
            '  description = "Kubernetes nodes (kostack preflight)"',
            f"  # {t(lang, 'tf.egress')}",
            "}",
        ]
    return out


def _tf_rule(needed: NeededRule, group: str, ref: str) -> list[str]:
    rule = needed.rule
    out = ["", f'resource "openstack_networking_secgroup_rule_v2" "{group}_{needed.slug}" {{']
    out.append(f"  security_group_id = {ref}")
    out.append(f"  description       = {_hcl(rule.description)}")
    out.append(f"  direction         = {_hcl(rule.direction)}")
    out.append(f"  ethertype         = {_hcl(rule.ethertype)}")
    if rule.protocol:
        out.append(f"  protocol          = {_hcl(rule.protocol)}")
    if rule.port_range_min is not None:
        out.append(f"  port_range_min    = {rule.port_range_min}")
        out.append(f"  port_range_max    = {rule.port_range_max or rule.port_range_min}")
    if rule.remote_ip_prefix:
        out.append(f"  remote_ip_prefix  = {_hcl(rule.remote_ip_prefix)}")
    else:
        out.append(f"  remote_group_id   = {ref}")
    out.append("}")
    return out


def _tf_port(result: PreflightResult, port: PortPlan, ref: str, lang: str) -> list[str]:
    """The node's port resource (with the import command when the port exists)."""
    planned = planned_network(result)
    name = _slug(port.node)
    out = [""]
    if port.existing is not None:
        command = localize(
            render(
                ["terraform", "import", f"openstack_networking_port_v2.{name}", port.existing.id]
            ),
            lang,
        )
        node, existing = one_line(port.node), one_line(port.existing.id)
        out.append(f"# {t(lang, 'tf.has-port', node=node, port=existing, command=command)}")
    out.append(f'resource "openstack_networking_port_v2" "{name}" {{')
    out.append(f"  name                  = {_hcl(port.node)}")
    out.append(
        "  network_id            = " + ("var.network_id" if planned else _hcl(result.network.id))
    )
    out.append("  admin_state_up        = true")
    out.append("  port_security_enabled = true")
    groups = [ref]
    if port.existing is not None:
        keep = result.group_id
        groups = [_hcl(g) for g in port.existing.security_group_ids if g != keep] + groups
    out.append(f"  security_group_ids    = [{', '.join(groups)}]")
    out.append("")
    names = _subnet_vars(result)
    for ip, subnet_id, _ in _fixed_ips(port):
        out.append("  fixed_ip {")
        out.append(
            "    subnet_id  = "
            + (f"var.subnet_id{names.get(subnet_id, '')}" if planned else _hcl(subnet_id))
        )
        if _auto_address(result, subnet_id):
            out.append(f"    # Neutron derives the address from the MAC here (not {one_line(ip)})")
        else:
            out.append(f"    ip_address = {_hcl(ip)}")
        out.append("  }")
    for pair in port.pairs:
        out.append("")
        if pair in port.not_for_traffic:
            out.append(f"  # {t(lang, 'tf.service')}")
        out.append("  allowed_address_pairs {")
        out.append(f"    ip_address = {_hcl(pair)}")
        out.append("  }")
    out.append("}")
    return out


def render_terraform(result: PreflightResult, lang: str = "en") -> str:
    """`openstack_networking_secgroup_rule_v2` and `openstack_networking_port_v2` resources.

    The comments are in ``lang``; the resources are the same in every language.
    """
    group = _slug(result.spec.group_name)
    ref = (
        f"data.openstack_networking_secgroup_v2.{group}.id"
        if result.existing_group is not None
        else f"openstack_networking_secgroup_v2.{group}.id"
    )
    out = _tf_group(result, group, lang)
    for needed in result.rules:
        out += _tf_rule(needed, group, ref)
    for port in result.ports:
        out += _tf_port(result, port, ref, lang)
    return "\n".join(out) + "\n"
