"""Renderers for `kostack preflight`: the report, `openstack` commands, a Terraform snippet, JSON.

The `openstack` commands and the Terraform snippet are rendered by
`kostack.report.preflight_scripts` (re-exported here).
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.messages import localize as L
from kostack.plan.preflight import PreflightResult
from kostack.plan.rules import Rule
from kostack.report.cells import cells, hang, pad, wrap
from kostack.report.preflight_scripts import (
    planned_network,
    render_commands,
    render_terraform,
)
from kostack.report.preflight_words import KIND_KO, RULE_WHY_KO, t
from kostack.report.safe import terminal_safe

__all__ = ["preflight_dict", "render_commands", "render_terraform", "render_text"]


def _rule_text(rule: Rule, group: str, lang: str = "en") -> str:
    proto = rule.protocol or t(lang, "any")
    ports = f" {rule.port_span()}" if rule.port_range_min is not None else ""
    remote = (
        t(lang, "from_prefix", prefix=rule.remote_ip_prefix)
        if rule.remote_ip_prefix
        else t(lang, "from_group", group=group)
    )
    return t(lang, "rule", proto=proto, ports=ports, remote=remote)


def _rule_why(slug: str, why: str, lang: str) -> str:
    """Why a rule is there; a dual-stack cluster's IPv6 twin (slug ``*_v6``) says IPv6."""
    if lang != "ko":
        return why
    base = slug.removesuffix("_v6")
    ko = RULE_WHY_KO.get(base, why)
    return f"{ko} (IPv6)" if base != slug else ko


def _kind(kind: str, lang: str) -> str:
    return KIND_KO.get(kind, L(kind, lang)) if lang == "ko" else kind


def _text_breaks(result: PreflightResult, lang: str) -> list[str]:
    """The setup in one line, then what would break with the ports as they are."""
    spec = result.spec
    cps = sum(1 for n in spec.nodes if n.control_plane)
    net = result.network
    where = (
        t(lang, "planned", mtu=net.mtu, type=_kind(str(net.network_type), lang))
        if planned_network(result)
        else t(
            lang,
            "network",
            name=net.name or net.id,
            mtu=net.mtu,
            type=net.network_type or t(lang, "type_unknown"),
        )
    )
    backend = (
        spec.backend or (spec.openstack.backend if spec.openstack else None) or t(lang, "unknown")
    )
    out = [
        t(lang, "head", n=len(spec.nodes), cps=cps, where=where, backend=backend),
        t(
            lang,
            "setup",
            pods=", ".join(map(str, spec.pod_cidrs)),
            services=", ".join(map(str, spec.service_cidrs)),
            cni=L(spec.describe_cni(), lang),
        ),
        "",
    ]
    existing = any(p.existing is not None for p in result.ports)
    as_is = t(lang, "as_existing" if existing else "as_new")
    if result.breaks:
        out.append(t(lang, "breaks", as_is=as_is))
        for rc in result.breaks:
            out.append(f"  [{severity_word(rc.severity, lang)}] {rc.title_in(lang)}")
            out.extend(wrap(L(rc.message, lang), " " * 6))
    else:
        out.append(t(lang, "nothing", as_is=as_is))
    out.append("")
    return out


def _text_group(result: PreflightResult, lang: str) -> list[str]:
    """How to create the security group and which rules it needs."""
    spec = result.spec
    out = [t(lang, "create_remaining" if result.remaining else "create_ok")]
    if result.existing_group is not None:
        out.append(
            t(
                lang,
                "group_exists",
                group=spec.group_name,
                id=result.existing_group.id,
                n=len(result.rules_present),
            )
        )
    else:
        out.append(t(lang, "group_new", group=spec.group_name))
    texts = [_rule_text(needed.rule, spec.group_name, lang) for needed in result.rules]
    width = max([32, *(cells(text) for text in texts)])
    for needed, text in zip(result.rules, texts, strict=True):
        why = _rule_why(needed.slug, needed.why, lang)
        row = f"    {pad(text, width)} "
        out.extend(wrap(why, " " * cells(row), first=row))  # under its column
    if not result.rules:
        out.append(t(lang, "no_rules"))
    return out


def _text_ports(result: PreflightResult, lang: str) -> list[str]:
    """The node ports, router routes, pod MTU, notes and what still breaks."""
    spec = result.spec
    out = [t(lang, "ports", group=spec.group_name)]
    ips_of = {id(p): ", ".join(ip for ip, _, _ in p.fixed_ips) or p.ip for p in result.ports}
    name_w = max([12, *(cells(p.node) for p in result.ports)])
    ip_w = max([15, *(cells(ips) for ips in ips_of.values())])
    for port in result.ports:
        pairs = ", ".join(
            t(lang, "service_pair", cidr=p) if p in port.not_for_traffic else p for p in port.pairs
        )
        what = (
            t(lang, "existing_port", id=port.existing.id) if port.existing else t(lang, "new_port")
        )
        needs = t(lang, "pairs", pairs=pairs) if pairs else t(lang, "no_pairs")
        row = f"    {pad(port.node, name_w)} {pad(ips_of[id(port)], ip_w)} "
        out.extend(wrap(f"{what}; {needs}", " " * cells(row), first=row))  # under its column
    if result.routes:
        out.append(t(lang, "routes"))
        out.extend(
            t(lang, "route", destination=r.destination, nexthop=r.nexthop) for r in result.routes
        )
    mtu = spec.pod_mtu or result.recommended_mtu
    largest = t(lang, "largest", mtu=result.recommended_mtu) if spec.pod_mtu else ""
    out.append(
        t(
            lang,
            "mtu",
            mtu=mtu,
            net=result.network.mtu,
            overhead=result.overhead,
            kind=_kind(result.overhead_kind, lang),
            largest=largest,
        )
    )
    for note in result.notes:
        out.append(t(lang, "note", note=L(note, lang)))
    if result.remaining:
        out.append(t(lang, "still"))
        for rc in result.remaining:
            sev = severity_word(rc.severity, lang)
            out.append(f"    [{sev}] {rc.title_in(lang)}: {L(rc.message, lang)}")
    return out


def severity_word(severity: str, lang: str) -> str:
    """A severity as diagnose prints it in ``lang``."""
    from kostack.report.i18n import MESSAGES

    if lang == "en":
        return severity
    return MESSAGES.get(lang, MESSAGES["en"]).get(f"sev.{severity}", severity)


def render_text(result: PreflightResult, lang: str = "en") -> str:
    """The report: what breaks, how to create the ports, then the commands and Terraform."""
    said = _text_breaks(result, lang) + _text_group(result, lang) + _text_ports(result, lang)
    out = [part for line in said for part in hang(line)]  # the commands below stay whole
    out.append("")
    out.append("# --- openstack CLI " + "-" * 60)
    out.append(render_commands(result, lang).rstrip("\n"))
    out.append("")
    out.append("# --- Terraform " + "-" * 64)
    out.append(render_terraform(result, lang).rstrip("\n"))
    return terminal_safe("\n".join(out) + "\n")


# --------------------------------------------------------------------------- JSON


def preflight_dict(result: PreflightResult, version: str, lang: str = "en") -> dict[str, Any]:
    """The preflight as JSON data: a rule's `why` and a cause's `title` in ``lang`` here, the
    other texts messages (`in_language` says them)."""
    spec = result.spec
    return {
        "schema_version": 1,
        "kind": "kostack-preflight",
        "kostack_version": version,
        "inputs": {
            "nodes": [
                {
                    "name": n.name,
                    "ip": str(n.ip),
                    "ips": [str(ip) for ip in n.ips],
                    "control_plane": n.control_plane,
                }
                for n in spec.nodes
            ],
            "pod_cidr": str(spec.pod_cidr),
            "service_cidr": str(spec.service_cidr),
            "pod_cidrs": [str(c) for c in spec.pod_cidrs],
            "service_cidrs": [str(c) for c in spec.service_cidrs],
            "cni": spec.cni,
            "mode": spec.mode,
            "tunnel_type": spec.antrea_tunnel if spec.cni == "antrea" else None,
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
        "breaks": [{**rc.as_dict(), "title": rc.title_in(lang)} for rc in result.breaks],
        "recommended": {
            "security_group": spec.group_name,
            "existing_security_group_id": result.existing_group.id
            if result.existing_group
            else None,
            "rules": [
                {**r.rule.as_dict(), "why": _rule_why(r.slug, r.why, lang), "name": r.slug}
                for r in result.rules
            ],
            "ports": [
                {
                    "node": p.node,
                    "ip": p.ip,
                    "subnet_id": p.subnet_id,
                    "fixed_ips": [
                        {"ip_address": ip, "subnet_id": sid} for ip, sid, _ in p.fixed_ips
                    ],
                    "existing_port_id": p.existing.id if p.existing else None,
                    "allowed_address_pairs": list(p.pairs),
                    "not_needed_for_traffic": list(p.not_for_traffic),
                }
                for p in result.ports
            ],
            "router_routes": [r.as_dict() for r in result.routes],
            "pod_mtu": spec.pod_mtu or result.recommended_mtu,
            "largest_pod_mtu": result.recommended_mtu,
            "overhead_per_family": [
                {"ip_version": v, "overhead": size, "what": what, "tunnel_ip_version": under}
                for v, size, what, under in result.overheads
            ],
        },
        "remaining": [{**rc.as_dict(), "title": rc.title_in(lang)} for rc in result.remaining],
        "notes": list(result.notes),
        "commands": render_commands(result).splitlines(),
        "terraform": render_terraform(result),
    }
