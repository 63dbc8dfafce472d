"""Every published install, collected and joined to a Neutron project (tenant network MTU
1450), decides its MTU from the CNI's own auto-detection rules instead of answering UNKNOWN,
and names the CNI with its version in the diagnose header."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from k8s_collect_served import ServeFn, joined_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.report.text import render_diagnosis
from kostack_testkit import k8s_fixture_published as calico_fx
from kostack_testkit import k8s_fixture_published_cilium as cilium_fx
from kostack_testkit import k8s_fixture_published_flannel as flannel_fx
from kostack_testkit.k8s_fixture_objects import JsonObject

CASES: dict[str, tuple[Callable[[], list[JsonObject]], str, str, str]] = {
    # name: (fixture, node subnet, the pod MTU and its source, the CNI as the header names it)
    "calico-manifest-ipip": (
        lambda: calico_fx.calico_manifest_published("v3.30.7", "ipip"),
        "10.0.0.0/24",
        "The pod MTU 1430 fits",  # calico-node: 1450 - 20 (IPIP)
        "Calico manifest v3.30.7, IPPool 10.244.0.0/16 IPIP Always, natOutgoing on",
    ),
    "calico-manifest-vxlan": (
        lambda: calico_fx.calico_manifest_published("v3.31.7", "vxlan"),
        "10.0.0.0/24",
        "The pod MTU 1400 fits",  # VXLAN is enabled by the pool: 1450 - 50
        "Calico manifest v3.31.7, IPPool 10.244.0.0/16 VXLANCrossSubnet, natOutgoing on",
    ),
    "calico-operator": (
        calico_fx.calico_operator_published,
        "10.0.0.0/24",
        "The pod MTU 1400 fits",  # Installation status.mtu
        "Calico operator v3.30.7, IPPool 192.168.0.0/16 VXLANCrossSubnet, natOutgoing on",
    ),
    "flannel": (
        flannel_fx.flannel_published,
        "10.0.0.0/24",
        "The pod MTU 1400 fits",  # flanneld: 1450 - 50 (vxlan)
        "Flannel v0.28.9 vxlan, network 10.244.0.0/16",
    ),
    "cilium-default": (
        cilium_fx.cilium_chart_published,
        "192.168.10.0/24",
        "The pod MTU 1400 fits",  # cilium-agent: 1450 - 50 (VXLAN)
        "Cilium v1.18.2 tunnel vxlan, ipam cluster-pool 10.0.0.0/8",
    ),
    "cilium-native": (
        lambda: cilium_fx.cilium_chart_published("native-kpr"),
        "192.168.10.0/24",
        "The pod MTU 1450 fits",  # native routing: the device MTU
        "Cilium v1.18.2 native routing, ipam cluster-pool 10.0.0.0/8",
    ),
    "cilium-1.6": (
        cilium_fx.cilium_quick_install_v16,
        "10.0.0.0/24",
        "The pod MTU 1400 fits",
        "Cilium v1.6.0 tunnel vxlan, ipam hostscope-legacy",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_mtu_is_decided_and_the_cni_is_named(serve: ServeFn, name: str) -> None:
    fixture, subnet, mtu_text, headline = CASES[name]
    collection = serve(fixture()).collect()
    assert collection.gaps == ()
    diagnosis = diagnose(joined_snapshot(collection, subnet))
    mtu = [f for f in diagnosis.findings if f.check_id == "net-mtu"]
    assert [f.status for f in mtu] == [Status.PASS], [str(f.message) for f in mtu]
    assert str(mtu[0].message).startswith(mtu_text), mtu[0].message
    # the "Collected ..." paragraph after the verdict line, its wrapped lines joined again
    header = " ".join(render_diagnosis(diagnosis).split("\n\n", 1)[0].splitlines()[1:])
    assert f"4 nodes, {headline})" in header, header


def test_incident_report_environment_names_the_cni_version(serve: ServeFn) -> None:
    from kostack.report.incident import build_incident

    collection = serve(cilium_fx.cilium_chart_published("native-kpr")).collect()
    snapshot = joined_snapshot(collection, "192.168.10.0/24")
    diagnosis = diagnose(snapshot)
    for lang, mode, ipam in (("en", "native routing", "ipam"), ("ko", "네이티브 라우팅", "IPAM")):
        rows = dict(build_incident(snapshot, diagnosis, lang=lang).environment)
        cni = f"Cilium v1.18.2 {mode}: {ipam} cluster-pool 10.0.0.0/8, MTU 1450 (auto)"
        assert rows["CNI"] == cni
    antispoof = next(rc for rc in diagnosis.root_causes if rc.key == "antispoof")
    summary = render_diagnosis(diagnosis)
    # The CNI and its mode are said once (it used to read "Cilium native (Cilium native)").
    assert "Cilium v1.18.2 native routing sends pod traffic between nodes unencapsulated" in summary
    assert "(Cilium" not in summary and antispoof.key == "antispoof"
