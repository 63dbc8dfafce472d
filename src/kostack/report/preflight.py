"""Renderers for `kostack preflight`: the report, `openstack` commands, a Terraform snippet, JSON."""

from __future__ import annotations

import re
from typing import Any

from kostack.plan.model import Rule
from kostack.plan.preflight import PLANNED_NETWORK_ID, PLANNED_ROUTER_ID, PreflightResult
from kostack.report.safe import terminal_safe
from kostack.shell import Arg, Var, Word, render

SERVICE_NOTE = (
    "service CIDR: not needed for traffic (service IPs never appear as a source on the wire)"
)


def _one_line(text: str) -> str:
    """Cloud-provided text made safe for a shell or HCL comment (no line breaks or controls)."""
    return terminal_safe(" ".join(text.split()))


def _rule_text(rule: Rule, group: str) -> str:
    proto = rule.protocol or "any"
    ports = ""
    if rule.port_range_min is not None:
        hi = rule.port_range_max
        ports = f" {rule.port_range_min}" + (
            f"-{hi}" if hi not in (None, rule.port_range_min) else ""
        )
    remote = f"from {rule.remote_ip_prefix}" if rule.remote_ip_prefix else f"from group {group}"
    return f"{proto}{ports} {remote}"


def _planned_network(result: PreflightResult) -> bool:
    return result.network.id == PLANNED_NETWORK_ID


def render_text(result: PreflightResult) -> str:
    spec = result.spec
    cps = sum(1 for n in spec.nodes if n.control_plane)
    net = result.network
    where = (
        f"a planned network (MTU {net.mtu}, {net.network_type})"
        if _planned_network(result)
        else f"network {net.name or net.id} (MTU {net.mtu}, {net.network_type or 'type unknown'})"
    )
    backend = spec.backend or (spec.openstack.backend if spec.openstack else None) or "unknown"
    out = [
        f"Preflight: {len(spec.nodes)} nodes ({cps} control plane) on {where}, Neutron backend {backend}.",
        f"  pods {spec.pod_cidr}, services {spec.service_cidr}, {spec.describe_cni()}",
        "",
    ]
    breaks = result.breaks
    existing = any(p.existing is not None for p in result.ports)
    as_is = (
        "as the ports are"
        if existing
        else "with new ports in the project's default group and no allowed pairs"
    )
    if breaks:
        out.append(f"What would break {as_is}:")
        for rc in breaks:
            out.append(f"  [{rc.severity}] {rc.title}")
            out.append(f"      {rc.message}")
    else:
        out.append(f"Nothing breaks {as_is}; the settings below are still the ones to use.")
    out.append("")
    if result.remaining:
        out.append(
            "Create them like this (the diagnosis of this setup still finds the problems at the end):"
        )
    else:
        out.append("Create them like this (verified: the diagnosis of this setup finds nothing):")
    if result.existing_group is not None:
        out.append(
            f"  security group {spec.group_name} exists ({result.existing_group.id}); "
            f"{len(result.rules_present)} of the rules it needs are there, add:"
        )
    else:
        out.append(
            f"  security group {spec.group_name} (ingress; Neutron adds egress to anywhere):"
        )
    for needed in result.rules:
        out.append(f"    {_rule_text(needed.rule, spec.group_name):<32} {needed.why}")
    if not result.rules:
        out.append("    (nothing: every rule is there)")
    out.append(f"  ports (port security on, in group {spec.group_name}):")
    for port in result.ports:
        pairs = ", ".join(
            p + (" (service CIDR, not needed for traffic)" if p in port.not_for_traffic else "")
            for p in port.pairs
        )
        what = f"existing port {port.existing.id}" if port.existing else "new port"
        out.append(
            f"    {port.node:<12} {port.ip:<15} {what}; "
            + (f"allowed pairs {pairs}" if pairs else "no allowed pairs needed")
        )
    if result.routes:
        out.append("  router routes back to each node's pods:")
        out.extend(f"    {r.destination} via {r.nexthop}" for r in result.routes)
    mtu = spec.pod_mtu or result.recommended_mtu
    out.append(
        f"  pod MTU {mtu} (network MTU {net.mtu} - {result.overhead} for {result.overhead_kind}"
        + (f"; the largest that fits is {result.recommended_mtu})" if spec.pod_mtu else ")")
    )
    for note in result.notes:
        out.append(f"  Note: {note}")
    if result.remaining:
        out.append("  Still breaks:")
        for rc in result.remaining:
            out.append(f"    [{rc.severity}] {rc.title}: {rc.message}")
    out.append("")
    out.append("# --- openstack CLI " + "-" * 60)
    out.append(render_commands(result).rstrip("\n"))
    out.append("")
    out.append("# --- Terraform " + "-" * 64)
    out.append(render_terraform(result).rstrip("\n"))
    return terminal_safe("\n".join(out) + "\n")


# --------------------------------------------------------------------------- openstack CLI


def _cli_rule(rule: Rule, group: str) -> list[str]:
    args = ["openstack", "security", "group", "rule", "create", f"--{rule.direction}"]
    args += ["--ethertype", rule.ethertype, "--protocol", rule.protocol or "any"]
    if rule.port_range_min is not None:
        hi = rule.port_range_max
        args += [
            "--dst-port",
            f"{rule.port_range_min}" + (f":{hi}" if hi not in (None, rule.port_range_min) else ""),
        ]
    if rule.remote_ip_prefix:
        args += ["--remote-ip", rule.remote_ip_prefix]
    else:
        args += ["--remote-group", group]
    if rule.description:
        args += ["--description", rule.description]
    args.append(group)
    return args


def render_commands(result: PreflightResult) -> str:
    """`openstack` commands that create the group, its rules and the node ports."""
    spec = result.spec
    group = spec.group_name
    planned = _planned_network(result)
    lines = ["# kostack preflight: create the node ports and their security group"]
    if planned:
        lines.append("# Set these to your network and subnet first:")
        lines.append('NETWORK="my-k8s-net"')
        lines.append('SUBNET="my-k8s-subnet"')
        if result.routes:
            lines.append('ROUTER="my-k8s-router"')
    network: Arg = Var("NETWORK") if planned else result.network.id
    if result.existing_group is not None:
        group = result.existing_group.id
        lines.append(f"# security group {spec.group_name} exists: only its missing rules are added")
    else:
        lines.append(
            render(
                [
                    "openstack",
                    "security",
                    "group",
                    "create",
                    "--description",
                    "Kubernetes nodes (kostack preflight)",
                    group,
                ]
            )
        )
    for needed in result.rules:
        lines.append(render(_cli_rule(needed.rule, group)))
    for port in result.ports:
        pairs: list[str] = []
        for p in port.pairs:
            pairs += ["--allowed-address", f"ip-address={p}"]
        if port.existing is not None:
            member = result.group_id in port.existing.security_group_ids
            join = [] if member else ["--security-group", group]
            if not join and not pairs:
                continue
            lines.append(
                render(["openstack", "port", "set", *join, *pairs, port.existing.id])
                + f"  # {_one_line(port.node)}"
            )
        else:
            fixed: Arg = (
                Word(("subnet=", Var("SUBNET"), f",ip-address={port.ip}"))
                if planned
                else f"subnet={port.subnet_id},ip-address={port.ip}"
            )
            lines.append(
                render(
                    [
                        "openstack",
                        "port",
                        "create",
                        "--network",
                        network,
                        "--fixed-ip",
                        fixed,
                        "--enable-port-security",
                        "--security-group",
                        group,
                        *pairs,
                        port.node,
                    ]
                )
            )
    if result.routes:
        router: Arg = (
            result.router.id
            if result.router is not None and result.router.id != PLANNED_ROUTER_ID
            else Var("ROUTER")
        )
        route_args: list[str] = []
        for r in result.routes:
            route_args += ["--route", f"destination={r.destination},gateway={r.nexthop}"]
        lines.append(render(["openstack", "router", "add", "route", *route_args, router]))
    if any(p.existing is None for p in result.ports):
        lines.append(
            "# then boot each node on its port: openstack server create --port NODE-NAME ..."
        )
    return "\n".join(lines) + "\n"


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


def render_terraform(result: PreflightResult) -> str:
    """`openstack_networking_secgroup_rule_v2` and `openstack_networking_port_v2` resources."""
    spec = result.spec
    group = _slug(spec.group_name)
    existing = result.existing_group
    ref = (
        f"data.openstack_networking_secgroup_v2.{group}.id"
        if existing is not None
        else f"openstack_networking_secgroup_v2.{group}.id"
    )
    planned = _planned_network(result)
    out: list[str] = ["# kostack preflight: the node ports and their security group"]
    if planned:
        out += [
            'variable "network_id" {',
            '  description = "The network the nodes are on"',
            "  type        = string",
            "}",
            "",
            'variable "subnet_id" {',
            '  description = "The subnet the node IPs are in"',
            "  type        = string",
            "}",
            "",
        ]
    if existing is not None:
        out += [
            f"# the group exists ({existing.id}): only its missing rules are added",
            f'data "openstack_networking_secgroup_v2" "{group}" {{',
            f"  secgroup_id = {_hcl(existing.id)}",
            "}",
        ]
    else:
        out += [
            f'resource "openstack_networking_secgroup_v2" "{group}" {{',
            f"  name        = {_hcl(spec.group_name)}",
            '  description = "Kubernetes nodes (kostack preflight)"',
            "  # Neutron gives a new group egress to anywhere (IPv4 and IPv6); rules below are ingress",
            "}",
        ]
    for needed in result.rules:
        rule = needed.rule
        out += ["", f'resource "openstack_networking_secgroup_rule_v2" "{group}_{needed.slug}" {{']
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
    for port in result.ports:
        name = _slug(port.node)
        out.append("")
        if port.existing is not None:
            command = render(
                ["terraform", "import", f"openstack_networking_port_v2.{name}", port.existing.id]
            )
            out.append(
                f"# {_one_line(port.node)} has port {_one_line(port.existing.id)} already: "
                + command
            )
        out.append(f'resource "openstack_networking_port_v2" "{name}" {{')
        out.append(f"  name                  = {_hcl(port.node)}")
        out.append(
            "  network_id            = "
            + ("var.network_id" if planned else _hcl(result.network.id))
        )
        out.append("  admin_state_up        = true")
        out.append("  port_security_enabled = true")
        groups = [ref]
        if port.existing is not None:
            keep = result.group_id
            groups = [_hcl(g) for g in port.existing.security_group_ids if g != keep] + groups
        out.append(f"  security_group_ids    = [{', '.join(groups)}]")
        out.append("")
        out.append("  fixed_ip {")
        out.append("    subnet_id  = " + ("var.subnet_id" if planned else _hcl(port.subnet_id)))
        out.append(f"    ip_address = {_hcl(port.ip)}")
        out.append("  }")
        for pair in port.pairs:
            out.append("")
            if pair in port.not_for_traffic:
                out.append(f"  # {SERVICE_NOTE}")
            out.append("  allowed_address_pairs {")
            out.append(f"    ip_address = {_hcl(pair)}")
            out.append("  }")
        out.append("}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- JSON


def preflight_dict(result: PreflightResult, version: str) -> dict[str, Any]:
    spec = result.spec
    return {
        "schema_version": 1,
        "kind": "kostack-preflight",
        "kostack_version": version,
        "inputs": {
            "nodes": [
                {"name": n.name, "ip": str(n.ip), "control_plane": n.control_plane}
                for n in spec.nodes
            ],
            "pod_cidr": str(spec.pod_cidr),
            "service_cidr": str(spec.service_cidr),
            "cni": spec.cni,
            "mode": spec.mode,
            "nat_outgoing": spec.nat_outgoing,
            "bgp": spec.bgp_on,
            "typha": spec.typha_on,
            "neutron_backend": spec.backend,
            "network": {
                "id": result.network.id,
                "name": result.network.name,
                "mtu": result.network.mtu,
            },
        },
        "breaks": [rc.as_dict() for rc in result.breaks],
        "recommended": {
            "security_group": spec.group_name,
            "existing_security_group_id": result.existing_group.id
            if result.existing_group
            else None,
            "rules": [{**r.rule.as_dict(), "why": r.why, "name": r.slug} for r in result.rules],
            "ports": [
                {
                    "node": p.node,
                    "ip": p.ip,
                    "subnet_id": p.subnet_id,
                    "existing_port_id": p.existing.id if p.existing else None,
                    "allowed_address_pairs": list(p.pairs),
                    "not_needed_for_traffic": list(p.not_for_traffic),
                }
                for p in result.ports
            ],
            "router_routes": [r.as_dict() for r in result.routes],
            "pod_mtu": spec.pod_mtu or result.recommended_mtu,
            "largest_pod_mtu": result.recommended_mtu,
        },
        "remaining": [rc.as_dict() for rc in result.remaining],
        "notes": list(result.notes),
        "commands": render_commands(result).splitlines(),
        "terraform": render_terraform(result),
    }
