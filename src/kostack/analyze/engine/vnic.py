"""Ports Neutron's firewall may not filter: a ``binding:vnic_type`` other than normal.

ML2/OVS and ML2/OVN filter the ports they bind through OVS (anti-spoofing, security
groups): vnic types normal, vhost-vdpa, smart-nic, remote-managed, virtio-forwarder. An
SR-IOV port (direct, direct-physical, macvtap, accelerator-direct) bound by the
sriovnicswitch driver gets no security groups and, for port security, only the VF's
spoofchk (the source MAC); unless it is offloaded to OVS (switchdev, in the admin-only
binding:profile), which the OVS/OVN firewall filters. A bare-metal port is filtered only by
what its switch's driver applies. So a filter's pass stands either way, and its drop is
undecided on such a port (docs/facts.md "Ports Neutron's firewall may not filter").
"""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.engine.types import PASSING, Disposition, Evidence, Hop
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import Port
from kostack.shell import as_code, command, render

FILTERED = frozenset({"normal", "vhost-vdpa", "smart-nic", "remote-managed", "virtio-forwarder"})
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
        "hop.vnic-other": {
            "en": "port {port} has vnic_type {vnic}, which kostack does not know: whether Neutron's "
            "firewall filters it is undecided; if it does, it is dropped: {detail}",
            "ko": "포트 {port:은/는} kostack이 모르는 vnic_type {vnic}입니다: Neutron 방화벽이 이 "
            "포트를 거르는지 알 수 없습니다. 거른다면 차단됩니다: {detail}",
        },
    }
)


def maybe_unfiltered(port: Port) -> bool:
    """Whether Neutron's OVS/OVN firewall may not filter ``port`` (its vnic type)."""
    return port.vnic_type is not None and port.vnic_type not in FILTERED


def unfiltered(hop: Hop, port: Port) -> Hop:
    """``hop``, a filter's verdict on ``port`` as ML2/OVS or OVN gives it, for a port that
    filter may not cover: a pass stands either way; anything else is undecided, saying why."""
    kind = port.vnic_type
    if kind is None or not maybe_unfiltered(port) or hop.disposition in PASSING:
        return hop
    what = "sriov" if kind in SRIOV else "baremetal" if kind == "baremetal" else "other"
    ev = (Evidence("port", port.id, "binding:vnic_type", kind), *hop.evidence)
    ask = command(("openstack", "port", "show"), (port.id,), ("-c", "binding_vif_type"))
    detail = Msg(
        f"hop.vnic-{what}", port=port.id, vnic=kind, detail=hop.detail, command=as_code(render(ask))
    )
    return replace(hop, disposition=Disposition.UNKNOWN, detail=detail, evidence=ev, cause=VNIC)
