"""Decide by cases: the unknowns a snapshot leaves open, enumerated in one place.

When an input the engine needs is not in the snapshot but can take only a few
values, the analysis runs once per combination (a *world*) and the results are
merged: a verdict that is the same in every world is that verdict; one that
differs is said once, with the condition it depends on and how to tell the
cases apart. Only what cannot be enumerated (a node without a port) stays
UNKNOWN.

The unknowns, and why each can be enumerated:

- the Neutron backend (``openstack.backend`` None): ML2/OVS or ML2/OVN; it
  decides whether remote-group rules match members' allowed-address pairs.
  Opened only when some security group has a remote-group rule.
- masquerade (a Calico pool's ``natOutgoing``, flannel's ``ip-masq`` or
  Cilium's masquerade set to None): on or off, one value for all of them.
- Calico BGP (``calico.bgp`` None): running or not.
- Calico ``natOutgoingExclusions`` when the FelixConfiguration could not be
  read: IPPoolsOnly (the default) or IPPoolsAndHostIPs.
- WireGuard (Calico's or Cilium's ``wireguard`` None): off or on; it changes
  the overhead the pod MTU must leave. `resolve` writes the world's value
  into the snapshot, so every reader sees it.
- the node network's kind, when this account cannot see ``provider:network_type``
  (admin-only) and no Neutron router serves a node subnet that has a gateway: a tenant
  network (only a Neutron router can be its gateway: "no router") or a flat/VLAN provider
  network (the gateway is normally a physical router: undecided). Not opened when the
  network's MTU is an overlay's default (1450 VXLAN, 1442 Geneve; 8950/8942 on a 9000
  fabric) or the network is another project's (engine/router.py says that case).
- whether the node network is an overlay, when this account cannot see its type and an
  SR-IOV node port is on it: on VXLAN, Geneve or GRE only ML2/OVS or OVN bind that port,
  and filter it; on flat or VLAN the SR-IOV driver may bind it, unfiltered (engine/vnic.py).
  Opened only for the vnic types some backend binds offloaded.
- the kube-proxy mode (None): iptables, nftables or IPVS. It only changes
  what a ping to a ClusterIP gets back, so the kube-proxy hop enumerates it
  itself (``PROXY_MODES``) instead of multiplying worlds.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from kostack.analyze.engine.cases_text import CASE_MESSAGES
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import NeutronBackend, Snapshot
from kostack.shell import as_code, command, render

PROXY_MODES: Final = ("iptables", "nftables", "ipvs")

# API extension aliases that only neutron's OVN L3 service plugin loads
# (neutron/common/ovn/extensions.py ML2_SUPPORTED_API_EXTENSIONS_OVN_L3 and
# neutron/services/ovn_l3/plugin.py, which appends the HA chassis priority
# alias); the agent-based L3RouterPlugin (neutron/services/l3_router/
# l3_router_plugin.py) has none of them. Any user can list extensions.
OVN_ONLY_EXTENSIONS: Final = frozenset(
    {
        "l3-agent-scheduler-ha-chassis-priority",
        "enable-default-route-bfd",
        "enable-default-route-ecmp",
        "external-gateway-multihoming",
    }
)

# per backend: the overlay types it has, and the SR-IOV vnic types it binds there, offloaded
# to OVS (engine/vnic.py; tests/collect/test_vnic_facts_neutron.py asks neutron's drivers)
OFFLOADED: dict[NeutronBackend, tuple[frozenset[str], frozenset[str]]] = {
    "ml2/ovs": (frozenset({"vxlan", "gre", "geneve"}), frozenset({"direct"})),
    "ml2/ovn": (
        frozenset({"vxlan", "geneve"}),
        frozenset({"direct", "direct-physical", "macvtap"}),
    ),
}

# binding:vif_type (admin-only) -> whether Neutron's firewall filters the port: ML2/OVS and OVN
# bind "ovs" (offloaded SR-IOV too); sriovnicswitch binds hw_veb/hostdev_physical and the
# macvtap driver macvtap, neither with security groups nor IP anti-spoofing (engine/vnic.py)
VIF_FILTERED: dict[str, bool] = {
    "ovs": True,
    "hw_veb": False,
    "hostdev_physical": False,
    "macvtap": False,
}

# Loaded by the agent-based L3RouterPlugin only (unless enable_dvr is off): a
# hint for ML2/OVS, not proof.
AGENT_L3_EXTENSIONS: Final = frozenset({"dvr"})

register(CASE_MESSAGES)


@dataclass(frozen=True)
class World:
    """One combination of values for the unknowns that are open (None: not open)."""

    backend: NeutronBackend | None = None
    masquerade: bool | None = None
    bgp: bool | None = None
    host_exclusion: bool | None = None
    wireguard: bool | None = None
    provider: bool | None = None
    overlay: bool | None = None
    open: tuple[str, ...] = field(default=(), compare=False)

    def value(self, variable: str) -> object:
        return getattr(self, variable.replace("-", "_"))

    def label(self) -> str:
        """How this world reads in a sentence ("on ML2/OVN"); "" when nothing is open."""
        parts = [_value_label(v, self.value(v)) for v in self.open]
        return _join(parts, "case.and") if parts else ""


def _value_label(variable: str, value: object) -> str:
    if variable == "backend":
        return Msg(f"case.backend.{value}")
    return Msg(f"case.{variable}.{'on' if value else 'off'}")


def _join(parts: Sequence[str], key: str) -> str:
    out = parts[0]
    for part in parts[1:]:
        out = Msg(key, a=out, b=part)
    return out


# --------------------------------------------------------------------------- what is open


def effective_backend(snapshot: Snapshot) -> NeutronBackend | None:
    """The backend the snapshot states, or the one its extensions prove."""
    os_ = snapshot.openstack
    if os_ is None:
        return None
    if os_.backend is not None:
        return os_.backend
    # ML2/OVN when an extension only neutron's OVN L3 plugin loads is listed
    if OVN_ONLY_EXTENSIONS & set(os_.extensions or ()):
        return "ml2/ovn"
    node_nets = {n.network_type for n in os_.networks or () if not n.router_external}
    return "ml2/ovn" if "geneve" in node_nets else None


def _has_remote_group_rules(snapshot: Snapshot) -> bool:
    os_ = snapshot.openstack
    groups = (os_.security_groups or ()) if os_ is not None else ()
    return any(r.remote_group_id is not None for g in groups for r in g.rules)


def masquerade_unknown(snapshot: Snapshot) -> bool:
    cl = snapshot.cluster
    if cl is None:
        return False
    cni = cl.cni
    if cni.type == "calico" and cni.calico is not None:
        return any(p.nat_outgoing is None for p in cni.calico.ip_pools or ())
    if cni.type == "flannel" and cni.flannel is not None:
        fl = cni.flannel
        if fl.bundle == "canal" and fl.ip_masq is False:  # Felix's natOutgoing decides then
            pools = fl.canal_pools
            return pools is None or any(p.nat_outgoing is None for p in pools)
        return fl.ip_masq is None
    if cni.type == "cilium" and cni.cilium is not None:
        return cni.cilium.masquerade is None
    if cni.type == "kube-router" and cni.kube_router is not None:
        return cni.kube_router.enable_pod_egress is None
    if cni.type == "antrea" and cni.antrea is not None:
        return cni.antrea.no_snat is None
    if cni.type == "kube-ovn" and cni.kube_ovn is not None:
        return any(s.nat_outgoing is None for s in cni.kube_ovn.subnets or ())
    return False


def bgp_unknown(snapshot: Snapshot) -> bool:
    cl = snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    return calico is not None and calico.bgp is None


def host_exclusion_unknown(snapshot: Snapshot) -> bool:
    """natOutgoingExclusions matters (some pool masquerades) and FelixConfiguration was not read."""
    cl = snapshot.cluster
    calico = cl.cni.calico if cl is not None and cl.cni.type == "calico" else None
    if calico is None or calico.nat_outgoing_exclusions is not None:
        return False
    if not any(p.nat_outgoing is not False for p in calico.ip_pools or ()):
        return False
    return snapshot.gap_for("cluster.cni.calico.felix") is not None


def wireguard_unknown(snapshot: Snapshot) -> bool:
    cl = snapshot.cluster
    if cl is None:
        return False
    if cl.cni.type == "calico" and cl.cni.calico is not None:
        return cl.cni.calico.wireguard is None
    if cl.cni.type == "cilium" and cl.cni.cilium is not None:
        return cl.cni.cilium.wireguard is None
    return False


OVERLAY_MTUS: Final = frozenset({1442, 1450, 8942, 8950})
PROVIDER_GUESS: Final = "flat/vlan"  # a world's network_type for a network whose kind is open


def kind_open_networks(snapshot: Snapshot) -> frozenset[str]:
    """This project's networks of unknown kind with a gateway subnet no Neutron router serves."""
    os_ = snapshot.openstack
    if os_ is None or os_.routers is None or not os_.networks or not os_.subnets:
        return frozenset()
    served = {s for r in os_.routers for s in r.interface_subnet_ids}
    served.update(k for k, v in (os_.unlisted_routers or {}).items() if v)
    used = {ip.subnet_id for p in os_.ports or () for ip in p.fixed_ips}
    nets = {
        n.id: n
        for n in os_.networks
        if not n.network_type
        and not n.router_external
        and n.mtu not in OVERLAY_MTUS
        and (os_.project_id is None or n.project_id in (None, os_.project_id))
    }
    return frozenset(
        s.network_id
        for s in os_.subnets
        if s.network_id in nets and s.gateway_ip is not None and s.id in used and s.id not in served
    )


def sriov_open_networks(snapshot: Snapshot) -> frozenset[str]:
    """Networks of a type this account cannot see with a node port some backend binds
    offloaded on an overlay (engine/vnic.py)."""
    os_ = snapshot.openstack
    if os_ is None or not os_.networks or not os_.ports:
        return frozenset()
    unknown = {n.id for n in os_.networks if not n.network_type and not n.router_external}
    nodes = {link.port_id for link in snapshot.node_ports or ()}
    backend = effective_backend(snapshot)
    vnics = {v for b, (_, kinds) in OFFLOADED.items() if backend in (None, b) for v in kinds}
    return frozenset(
        p.network_id
        for p in os_.ports
        if p.id in nodes
        and p.vnic_type in vnics
        and p.network_id in unknown
        and p.vif_type not in VIF_FILTERED
    )


def resolve(snapshot: Snapshot, world: World) -> Snapshot:
    """The snapshot with the world's values written where the snapshot has none (WireGuard,
    a provider network's type)."""
    if world.provider:
        snapshot = _as_provider(snapshot)
    cl = snapshot.cluster
    if world.wireguard is None or cl is None:
        return snapshot
    cni = cl.cni
    if cni.type == "calico" and cni.calico is not None and cni.calico.wireguard is None:
        cni = cni.model_copy(
            update={"calico": cni.calico.model_copy(update={"wireguard": world.wireguard})}
        )
    elif cni.type == "cilium" and cni.cilium is not None and cni.cilium.wireguard is None:
        cni = cni.model_copy(
            update={"cilium": cni.cilium.model_copy(update={"wireguard": world.wireguard})}
        )
    else:
        return snapshot
    return snapshot.model_copy(update={"cluster": cl.model_copy(update={"cni": cni})})


def _as_provider(snapshot: Snapshot) -> Snapshot:
    os_ = snapshot.openstack
    open_ = kind_open_networks(snapshot)
    if os_ is None or os_.networks is None or not open_:
        return snapshot
    nets = tuple(
        n.model_copy(update={"network_type": PROVIDER_GUESS}) if n.id in open_ else n
        for n in os_.networks
    )
    return snapshot.model_copy(update={"openstack": os_.model_copy(update={"networks": nets})})


def open_unknowns(snapshot: Snapshot) -> tuple[str, ...]:
    out = []
    if (
        snapshot.openstack is not None
        and effective_backend(snapshot) is None
        and _has_remote_group_rules(snapshot)
    ):
        out.append("backend")
    if masquerade_unknown(snapshot):
        out.append("masquerade")
    if bgp_unknown(snapshot):
        out.append("bgp")
    if host_exclusion_unknown(snapshot):
        out.append("host-exclusion")
    if wireguard_unknown(snapshot):
        out.append("wireguard")
    if kind_open_networks(snapshot):
        out.append("provider")
    if sriov_open_networks(snapshot):
        out.append("overlay")
    return tuple(out)


_VALUES: Final[dict[str, tuple[object, ...]]] = {
    "backend": ("ml2/ovs", "ml2/ovn"),
    "masquerade": (True, False),
    "bgp": (True, False),
    "host-exclusion": (False, True),
    "wireguard": (False, True),
    "provider": (False, True),
    "overlay": (False, True),
}


def worlds(snapshot: Snapshot) -> tuple[World, ...]:
    """Every combination of the open unknowns (one world when nothing is open)."""
    names = open_unknowns(snapshot)
    fields = [n.replace("-", "_") for n in names]
    return tuple(
        World(**dict(zip(fields, combo, strict=True)), open=names)  # type: ignore[arg-type]
        for combo in itertools.product(*(_VALUES[n] for n in names))
    )


# --------------------------------------------------------------------------- conditions


def condition(holds: Iterable[int], all_worlds: Sequence[World]) -> str:
    """The shortest description of the worlds (by index) where something holds."""
    chosen = set(holds)
    if len(chosen) == len(all_worlds) or not all_worlds:
        return Msg("case.either")
    names = all_worlds[0].open
    # the fewest variables whose values pick out exactly these worlds
    for size in range(1, len(names) + 1):
        for subset in itertools.combinations(names, size):
            keys = {tuple(all_worlds[i].value(n) for n in subset) for i in chosen}
            matches = {
                i for i, w in enumerate(all_worlds) if tuple(w.value(n) for n in subset) in keys
            }
            if matches == chosen:
                terms = [
                    _join(
                        [_value_label(n, v) for n, v in zip(subset, key, strict=True)], "case.and"
                    )
                    for key in sorted(keys, key=str)
                ]
                return _join(terms, "case.or")
    return _join([all_worlds[i].label() for i in sorted(chosen)], "case.or")


def holds_either_way(all_worlds: Sequence[World]) -> str:
    """Evidence that a verdict was checked in every case ("" when nothing was open)."""
    if len(all_worlds) < 2:
        return ""
    what = _join([Msg(f"case.what.{n}") for n in all_worlds[0].open], "case.and")
    return Msg("case.holds", cases=Msg("case.either"), what=what)


def how_to_tell(variables: Iterable[str], snapshot: Snapshot) -> tuple[str, ...]:
    """How a user tells the cases apart: the flag, an admin command, non-admin signals."""
    out: list[str] = []
    for name in variables:
        if name == "backend":
            out.append(Msg("tell.backend.flag"))
            out.append(Msg("tell.backend.agents"))
            aliases = ", ".join(f"'{a}'" for a in sorted(OVN_ONLY_EXTENSIONS))
            out.append(Msg("tell.backend.extensions", aliases=aliases))
            os_ = snapshot.openstack
            exts = set(os_.extensions or ()) if os_ is not None else set()
            if exts & AGENT_L3_EXTENSIONS:
                out.append(Msg("tell.backend.dvr"))
            for net in (os_.networks or ()) if os_ is not None else ():
                if not net.router_external and net.mtu in (1442, 1450):
                    meaning = Msg(f"tell.mtu.{net.mtu}")
                    out.append(
                        Msg(
                            "tell.backend.mtu", net=net.name or net.id, mtu=net.mtu, meaning=meaning
                        )
                    )
        elif name == "provider":
            for net_id in sorted(kind_open_networks(snapshot)):
                ask = command(
                    ("openstack", "network", "show"), (), (net_id, "-c", "provider:network_type")
                )
                out.append(Msg("tell.provider", command=as_code(render(ask))))
        elif name == "overlay":
            for net_id in sorted(sriov_open_networks(snapshot)):
                ask = command(
                    ("openstack", "network", "show"), (), (net_id, "-c", "provider:network_type")
                )
                out.append(Msg("tell.overlay", command=as_code(render(ask))))
        else:
            out.append(Msg(f"tell.{name}"))
    return tuple(out)


def varying(holds: Iterable[int], all_worlds: Sequence[World]) -> tuple[str, ...]:
    """The variables whose value matters for a set of worlds (for how_to_tell)."""
    chosen = set(holds)
    out = []
    for name in all_worlds[0].open if all_worlds else ():
        values = {all_worlds[i].value(name) for i in chosen}
        if len(values) == 1:
            out.append(name)
    return tuple(out) or (all_worlds[0].open if all_worlds else ())
