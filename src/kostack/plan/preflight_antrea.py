"""Antrea in preflight: its modes in its own words, what it needs between nodes, its settings.

antrea-agent.conf (docs/facts.md "Antrea"): ``trafficEncapMode`` encap (the default: every
pod packet to another node tunnelled, ``tunnelType`` geneve by default, or vxlan, gre, stt),
noEncap (natively routed, the pod's address on the wire) or hybrid (natively within a
subnet, tunnelled across); ``trafficEncryptionMode`` wireguard (encap only) replaces the
tunnel with UDP 51820; ``noSNAT`` (noEncap only) leaves pod egress unmasqueraded. GRE has no
IPv6 support. The planned snapshot carries the `Antrea` record built here, so the engine
(kostack.analyze.engine.antrea) decides what the planned cluster needs; the MTU deduction is
the engine's too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from kostack.analyze.engine.antrea import TUNNEL_KIND
from kostack.analyze.engine.antrea import overhead as antrea_overhead
from kostack.model.cni import ANTREA_TUNNEL_PORTS as _PORTS
from kostack.model.cni import ANTREA_TUNNELS
from kostack.model.cni import ANTREA_WIREGUARD_PORT as _WIREGUARD_PORT
from kostack.model.snapshot import Antrea
from kostack.plan.preflight_errors import Msg

if TYPE_CHECKING:
    from kostack.model.cni import AntreaEncapMode, AntreaTunnelType

# trafficEncapMode values preflight plans (networkPolicyOnly leaves the network to another CNI)
MODES = ("encap", "noEncap", "hybrid")
# tunnelType values, the default first (cmd/antrea-agent/options.go defaultTunnelType)
TUNNELS = ANTREA_TUNNELS


def canonical_mode(mode: str) -> str:
    """Antrea compares trafficEncapMode case-insensitively (strings.EqualFold)."""
    return next((m for m in MODES if m.lower() == mode.lower()), mode)


def record(mode: str, tunnel: str, *, wireguard: bool, masquerade: bool, mtu: int) -> Antrea:
    """antrea-agent.conf as installed in the planned mode, with the planned pod MTU."""
    return Antrea(
        traffic_encap_mode=cast("AntreaEncapMode", mode),  # one of MODES (validated)
        tunnel_type=cast("AntreaTunnelType", tunnel),  # one of TUNNELS (validated)
        tunnel_port=_PORTS.get(tunnel),
        traffic_encryption_mode="wireguard" if wireguard else "none",
        wireguard_port=_WIREGUARD_PORT,
        no_snat=not masquerade,
        snat_fully_random_ports=False,
        default_mtu=mtu,
        antrea_proxy=True,
        proxy_all=False,
        config_map="antrea-config",
    )


def overhead(mode: str, tunnel: str, *, wireguard: bool, version: int) -> tuple[int, str]:
    """What Antrea takes off the pod MTU for pods of one family (the engine's deduction), and
    what: the tunnel's (hybrid: across subnets), WireGuard's instead, none in noEncap."""
    rec = record(mode, tunnel, wireguard=wireguard, masquerade=True, mtu=0)
    size = antrea_overhead(rec, version) or 0
    if wireguard:
        return size, "WireGuard"
    if mode == "noEncap":
        return size, Msg("preflight.kind.none")
    name = TUNNEL_KIND[tunnel][0]
    return size, (Msg("preflight.kind.across", tunnel=name) if mode == "hybrid" else name)


def describe(mode: str, tunnel: str, *, wireguard: bool) -> str:
    """The mode in antrea-agent.conf's words."""
    words = [f"trafficEncapMode {mode}"]
    if wireguard:
        words.append("trafficEncryptionMode wireguard")
    elif mode != "noEncap":
        words.append(f"tunnelType {tunnel}")
    return ", ".join(words)


def problem(
    mode: str, tunnel: str | None, *, wireguard: bool, masquerade: bool, families: tuple[int, ...]
) -> tuple[Msg, Msg] | None:
    """Why Antrea would refuse the combination (options.go ``validateNodeOptions``; GRE's
    IPv6, docs/network-requirements.md), as (message, hint), or None."""
    if tunnel is not None and mode == "noEncap":
        return Msg("pf.err.antrea-no-tunnel", tunnel=tunnel), Msg("pf.hint.antrea-no-tunnel")
    if wireguard and mode != "encap":
        return Msg("pf.err.antrea-wireguard", mode=mode), Msg("pf.hint.antrea-wireguard")
    if not masquerade and mode != "noEncap":
        return Msg("pf.err.antrea-nosnat", mode=mode), Msg("pf.hint.antrea-nosnat")
    # the agent checks the tunnel type whatever the encryption (agent.go
    # setupDefaultTunnelInterface; docs/facts.md "GRE and IPv6"): WireGuard does not save it
    if tunnel == "gre" and 6 in families and mode != "noEncap":
        return Msg("pf.err.antrea-gre-v6"), Msg("pf.hint.antrea-gre-v6")
    return None


def rules(
    mode: str,
    tunnel: str,
    *,
    wireguard: bool,
    families: tuple[int, ...],
    add: Callable[..., None],
) -> None:
    """Antrea's rules between nodes (docs/network-requirements.md): the controller's, agents'
    and memberlist's ports over the primary family, and in encap and hybrid the tunnel (or
    WireGuard) per family: each family's pod packets travel between the nodes' addresses of
    that family. Hybrid tunnels to nodes of another subnet only: planned all the same, so
    that a node added in another subnet works."""
    add(
        "antrea_agent",
        "Antrea controller, agent and memberlist (tcp 10349-10351)",
        "tcp",
        10349,
        10351,
        version=families[0],
    )
    add("antrea_memberlist", "Antrea memberlist (udp 10351)", "udp", 10351, version=families[0])
    if mode == "noEncap":
        return
    for v in families:
        if wireguard:
            why = f"Antrea WireGuard (udp {_WIREGUARD_PORT})"
            add("antrea_wireguard", why, "udp", _WIREGUARD_PORT, version=v)
        elif tunnel == "gre":
            add("antrea_gre", "Antrea GRE (IP protocol 47)", "gre", version=v)
        else:
            kind, proto = TUNNEL_KIND[tunnel]
            name = "tcp" if proto == 6 else "udp"
            port = _PORTS[tunnel]
            add(f"antrea_{tunnel}", f"Antrea {kind} ({name} {port})", name, port, version=v)


__all__ = [
    "MODES",
    "TUNNELS",
    "canonical_mode",
    "describe",
    "overhead",
    "problem",
    "record",
    "rules",
]
