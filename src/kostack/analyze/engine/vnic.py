"""Ports Neutron's firewall may not filter: a ``binding:vnic_type`` other than normal.

ML2/OVS and ML2/OVN filter the ports they bind through OVS (anti-spoofing, security
groups): vnic types normal, vdpa, smart-nic, remote-managed, virtio-forwarder. An
SR-IOV port (direct, direct-physical, macvtap, accelerator-direct) bound by the
sriovnicswitch driver gets no security groups and, for port security, only the VF's
spoofchk (the source MAC); unless it is offloaded to OVS (switchdev, in the admin-only
binding:profile), which the OVS/OVN firewall filters. A bare-metal port is filtered only by
what its switch's driver applies. So a filter's pass stands either way, and its drop is
undecided on such a port; except on a VXLAN, Geneve or GRE network, which sriovnicswitch
does not bind: there only ML2/OVS (``direct``) or ML2/OVN (also ``direct-physical`` and
``macvtap``) bind an SR-IOV port, offloaded, so their firewall filters it and the drop
stands (docs/facts.md "Ports Neutron's firewall may not filter"). Where the snapshot has
the port's ``binding:vif_type`` (admin-only), it decides: ``ovs`` is filtered, ``hw_veb``,
``hostdev_physical`` (sriovnicswitch) and ``macvtap`` (the macvtap driver, whatever the vnic
type) are not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from kostack.analyze.engine.cases import OFFLOADED, VIF_FILTERED
from kostack.analyze.engine.types import PASSING, Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import Network, Port
from kostack.shell import as_code, command, render

if TYPE_CHECKING:
    from kostack.analyze.topology import Topology

FILTERED = frozenset({"normal", "vdpa", "smart-nic", "remote-managed", "virtio-forwarder"})
SRIOV = frozenset({"direct", "direct-physical", "macvtap", "accelerator-direct"})
VNIC = "vnic-unfiltered"

register(
    {
        "hop.vnic-sriov": {
            "en": "port {port} is an SR-IOV port (vnic_type {vnic}): unless it is offloaded to OVS "
            "(switchdev, in the admin-only binding:profile), Neutron applies no security groups and "
            "no IP anti-spoofing to it (the VF's spoofchk checks the source MAC only), so this "
            "passes; if it is offloaded, it is dropped: {detail} (an admin tells which: {command} says "
            "ovs when it is offloaded, hw_veb or hostdev_physical when not)",
            "ko": "포트 {port:은/는} SR-IOV 포트(vnic_type {vnic})입니다: OVS로 오프로드되지 "
            "않았다면(관리자만 볼 수 있는 binding:profile의 switchdev) Neutron은 이 포트에 보안 그룹도 "
            "IP anti-spoofing도 적용하지 않으므로(VF의 spoofchk는 출발지 MAC만 검사) 통과합니다. "
            "오프로드되었다면 차단됩니다: {detail} (관리자는 {command} 명령으로 구분합니다: 오프로드되었으면 "
            "ovs, 아니면 hw_veb 또는 hostdev_physical)",
        },
        "hop.vnic-baremetal": {
            "en": "port {port} is a bare-metal port (vnic_type {vnic}): Neutron's OVS/OVN firewall "
            "does not filter it, and whether its switch applies security groups or anti-spoofing "
            "depends on the switch's mechanism driver (networking-generic-switch can apply security "
            "groups on some switches); where they are applied, it is dropped: {detail}",
            "ko": "포트 {port:은/는} 베어메탈 포트(vnic_type {vnic})입니다: Neutron의 OVS/OVN 방화벽은 "
            "이 포트를 거르지 않으며, 스위치가 보안 그룹이나 anti-spoofing을 적용하는지는 스위치의 "
            "메커니즘 드라이버에 달려 있습니다(networking-generic-switch는 일부 스위치에 보안 그룹을 "
            "적용할 수 있음). 적용된다면 차단됩니다: {detail}",
        },
        "hop.vnic-overlay": {
            "en": "{detail} (port {port} is an SR-IOV port (vnic_type {vnic}) on {kind} network "
            "{net}, which Neutron's SR-IOV driver does not bind: only ML2/OVS or OVN bind it there, "
            "offloaded to OVS, whose firewall filters it; an admin confirms: {command} says ovs; "
            "hw_veb would mean a switch fabric's driver binds it through a VLAN (hierarchical port "
            "binding) and nothing filters it)",
            "ko": "{detail} (포트 {port:은/는} {kind} 네트워크 {net}의 SR-IOV 포트(vnic_type {vnic})"
            "입니다: Neutron의 SR-IOV 드라이버는 이 네트워크에 바인딩하지 않으므로 ML2/OVS나 OVN만 "
            "OVS로 오프로드해 바인딩하고, 그 방화벽이 이 포트를 거릅니다. 관리자는 {command} 명령이 "
            "ovs를 보여 주는지로 확인합니다. hw_veb라면 스위치 패브릭 드라이버가 VLAN으로 바인딩한 "
            "것(계층적 포트 바인딩)이며 이 포트를 거르는 것은 없습니다)",
        },
        "kind.overlay-guess": {"en": "an overlay", "ko": "오버레이"},
        "hop.vif-unfiltered": {
            "en": "port {port} is bound as {vif} (binding:vif_type), by {driver}, which applies no "
            "security groups and no IP anti-spoofing to it, so this passes (a filtered port would "
            "drop it: {detail})",
            "ko": "포트 {port:은/는} {driver:이/가} 바인딩했습니다(binding:vif_type {vif}): 이 "
            "드라이버는 보안 그룹도 IP anti-spoofing도 적용하지 않으므로 통과합니다(필터링되는 "
            "포트였다면 차단됩니다: {detail})",
        },
        "driver.sriov": {
            "en": "the SR-IOV driver (sriovnicswitch; the VF's spoofchk checks the source MAC only)",
            "ko": "SR-IOV 드라이버(sriovnicswitch, VF의 spoofchk는 출발지 MAC만 검사)",
        },
        "driver.macvtap": {
            "en": "the macvtap driver (it runs only the noop firewall)",
            "ko": "macvtap 드라이버(noop 방화벽만 실행)",
        },
        "hop.vnic-other": {
            "en": "port {port} has vnic_type {vnic}, which kostack does not know: whether Neutron's "
            "firewall filters it is undecided; if it does, it is dropped: {detail}",
            "ko": "포트 {port:은/는} kostack이 모르는 vnic_type {vnic}입니다: Neutron 방화벽이 이 "
            "포트를 거르는지 알 수 없습니다. 거른다면 차단됩니다: {detail}",
        },
    }
)


def overlay_bound(port: Port, topo: Topology) -> Network | None:
    """The VXLAN, Geneve or GRE network on which only ML2/OVS or OVN can bind SR-IOV ``port``
    (so their firewall filters it); None when the port is not such a port on such a network."""
    net = topo.networks.get(port.network_id)
    kind = (net.network_type or "").lower() if net is not None else ""
    if not kind and topo.world.overlay:
        kind = "vxlan"  # this case takes a type not visible as an overlay (cases.py "overlay")
    # every backend that can have such a network binds the port there (an unknown one: both)
    can = [
        OFFLOADED[b]
        for b in ((topo.backend,) if topo.backend else OFFLOADED)
        if kind in OFFLOADED[b][0]
    ]
    return net if can and all(port.vnic_type in vnics for _, vnics in can) else None


def maybe_unfiltered(port: Port, topo: Topology) -> bool:
    """Whether Neutron's OVS/OVN firewall may not filter ``port`` (its binding, else its vnic
    type and network)."""
    seen = VIF_FILTERED.get(port.vif_type or "")
    if seen is not None:
        return not seen
    kind = port.vnic_type
    return kind is not None and kind not in FILTERED and overlay_bound(port, topo) is None


def not_filtered(port: Port) -> bool:
    """Whether the port's binding (``binding:vif_type``) says nothing filters it."""
    return VIF_FILTERED.get(port.vif_type or "") is False


def unfiltered(hop: Hop, port: Port, topo: Topology) -> Hop:
    """``hop``, a filter's verdict on ``port`` as ML2/OVS or OVN gives it, for a port that
    filter may not cover: a pass stands either way; anything else is undecided, saying why,
    or stands on an overlay network, saying why; unless the port's binding:vif_type says
    which: then the drop stands (filtered) or the hop passes (not)."""
    kind, vif = port.vnic_type, port.vif_type or ""
    if hop.disposition in PASSING:
        return hop
    if vif in VIF_FILTERED:
        ev = (Evidence("port", port.id, "binding:vif_type", vif), *hop.evidence)
        if VIF_FILTERED[vif]:
            return replace(hop, evidence=ev) if kind not in FILTERED else hop
        driver = Msg("driver.macvtap" if vif == "macvtap" else "driver.sriov")
        text = Msg("hop.vif-unfiltered", port=port.id, vif=vif, driver=driver, detail=hop.detail)
        return replace(hop, disposition=Disposition.ACCEPTED, detail=text, evidence=ev, cause="")
    if kind is None or kind in FILTERED:
        return hop
    ev = (Evidence("port", port.id, "binding:vnic_type", kind), *hop.evidence)
    ask = command(("openstack", "port", "show"), (port.id,), ("-c", "binding_vif_type"))
    args = {"port": port.id, "vnic": kind, "detail": hop.detail, "command": as_code(render(ask))}
    net = overlay_bound(port, topo)
    if net is not None:
        said = net.network_type or Msg("kind.overlay-guess")
        seen = net.network_type or "? (not visible to this account)"
        ev += (Evidence("network", net.id, "provider:network_type", seen),)
        text = Msg("hop.vnic-overlay", kind=said, net=net.name or net.id, **args)
        return replace(hop, detail=text, evidence=ev)
    what = "sriov" if kind in SRIOV else "baremetal" if kind == "baremetal" else "other"
    detail = Msg(f"hop.vnic-{what}", **args)
    return replace(hop, disposition=Disposition.UNKNOWN, detail=detail, evidence=ev, cause=VNIC)
