"""Renderers for `kostack preflight`: the report, `openstack` commands, a Terraform snippet, JSON.

The `openstack` commands and the Terraform snippet are rendered by
`kostack.report.preflight_scripts` (re-exported here).
"""

from __future__ import annotations

from typing import Any

from kostack.plan.model import Rule
from kostack.plan.preflight import PreflightResult
from kostack.report.preflight_scripts import (
    SERVICE_NOTE,
    planned_network,
    render_commands,
    render_terraform,
)
from kostack.report.safe import terminal_safe

__all__ = ["SERVICE_NOTE", "preflight_dict", "render_commands", "render_terraform", "render_text"]


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


def _text_breaks(result: PreflightResult) -> list[str]:
    """The setup in one line, then what would break with the ports as they are."""
    spec = result.spec
    cps = sum(1 for n in spec.nodes if n.control_plane)
    net = result.network
    where = (
        f"a planned network (MTU {net.mtu}, {net.network_type})"
        if planned_network(result)
        else f"network {net.name or net.id} (MTU {net.mtu}, {net.network_type or 'type unknown'})"
    )
    backend = spec.backend or (spec.openstack.backend if spec.openstack else None) or "unknown"
    out = [
        f"Preflight: {len(spec.nodes)} nodes ({cps} control plane) on {where}, Neutron backend {backend}.",
        f"  pods {spec.pod_cidr}, services {spec.service_cidr}, {spec.describe_cni()}",
        "",
    ]
    existing = any(p.existing is not None for p in result.ports)
    as_is = (
        "as the ports are"
        if existing
        else "with new ports in the project's default group and no allowed pairs"
    )
    if result.breaks:
        out.append(f"What would break {as_is}:")
        for rc in result.breaks:
            out.append(f"  [{rc.severity}] {rc.title}")
            out.append(f"      {rc.message}")
    else:
        out.append(f"Nothing breaks {as_is}; the settings below are still the ones to use.")
    out.append("")
    return out


def _text_group(result: PreflightResult) -> list[str]:
    """How to create the security group and which rules it needs."""
    spec = result.spec
    if result.remaining:
        out = [
            "Create them like this (the diagnosis of this setup still finds the problems at the end):"
        ]
    else:
        out = ["Create them like this (verified: the diagnosis of this setup finds nothing):"]
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
    return out


def _text_ports(result: PreflightResult) -> list[str]:
    """The node ports, router routes, pod MTU, notes and what still breaks."""
    spec = result.spec
    out = [f"  ports (port security on, in group {spec.group_name}):"]
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
        f"  pod MTU {mtu} (network MTU {result.network.mtu} - {result.overhead} for {result.overhead_kind}"
        + (f"; the largest that fits is {result.recommended_mtu})" if spec.pod_mtu else ")")
    )
    for note in result.notes:
        out.append(f"  Note: {note}")
    if result.remaining:
        out.append("  Still breaks:")
        for rc in result.remaining:
            out.append(f"    [{rc.severity}] {rc.title}: {rc.message}")
    return out


def render_text(result: PreflightResult) -> str:
    """The report: what breaks, how to create the ports, then the commands and Terraform."""
    out = _text_breaks(result) + _text_group(result) + _text_ports(result)
    out.append("")
    out.append("# --- openstack CLI " + "-" * 60)
    out.append(render_commands(result).rstrip("\n"))
    out.append("")
    out.append("# --- Terraform " + "-" * 64)
    out.append(render_terraform(result).rstrip("\n"))
    return terminal_safe("\n".join(out) + "\n")


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
