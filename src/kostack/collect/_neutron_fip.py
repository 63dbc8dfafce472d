"""Convert a Neutron floating IP (`GET /v2.0/floatingips`) into the snapshot record."""

from __future__ import annotations

from typing import Any

from kostack.model.loadbalancer import FloatingIP


def floating_ip(raw: dict[str, Any]) -> FloatingIP:
    return FloatingIP(
        id=str(raw["id"]),
        floating_ip_address=raw["floating_ip_address"],
        floating_network_id=str(raw["floating_network_id"]),
        port_id=raw.get("port_id") or None,
        fixed_ip_address=raw.get("fixed_ip_address") or None,
        router_id=raw.get("router_id") or None,
        status=str(raw.get("status") or ""),
        description=str(raw.get("description") or "")[:1024],
        project_id=raw.get("project_id") or raw.get("tenant_id") or None,
    )
