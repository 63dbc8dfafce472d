"""Calico's eBPF data plane read over HTTP: FelixConfiguration bpfEnabled and
bpfExternalServiceMode, the operator's linuxDataplane, and kube-proxy turned off by a
nodeSelector (its ConfigMap stays, no pod of it runs)."""

from __future__ import annotations

from typing import Any

from k8s_collect_served import ServeFn

from kostack_testkit import k8s_fixture_published as calico_fx
from kostack_testkit.k8s_fixture_objects import JsonObject


def _felix(objects: list[JsonObject], **spec: Any) -> list[JsonObject]:
    for obj in objects:
        if obj["kind"] == "FelixConfiguration":
            obj["spec"].update(spec)
    return objects


def _kube_proxy_pods_gone(objects: list[JsonObject]) -> list[JsonObject]:
    """Calico's docs turn kube-proxy off by a nodeSelector no node matches: its pods go, its
    DaemonSet and ConfigMap stay."""
    return [
        o
        for o in objects
        if not (o["kind"] == "Pod" and o["metadata"]["name"].startswith("kube-proxy"))
    ]


def test_felix_bpf_dsr_without_kube_proxy_pods(serve: ServeFn) -> None:
    objects = calico_fx.calico_manifest_published("v3.31.7", "ipip")
    objects = _felix(
        objects,
        bpfEnabled=True,
        bpfExternalServiceMode="dsr",
        vxlanPort=4799,
        bpfDSROptoutCIDRs=["10.0.0.0/24", "192.0.2.7/24", "not-a-cidr"],
    )
    collection = serve(_kube_proxy_pods_gone(objects)).collect()
    calico = collection.cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_external_service_mode) == (True, "DSR")
    # host bits cleared as Felix's cidr-list does; an entry that is no CIDR is left out
    assert [str(c) for c in calico.bpf_dsr_optout_cidrs or ()] == ["10.0.0.0/24", "192.0.2.0/24"]
    assert calico.vxlan_port == 4799
    assert collection.cluster.kube_proxy_mode == "none"


def test_bpf_with_kube_proxy_running_keeps_its_mode(serve: ServeFn) -> None:
    objects = _felix(calico_fx.calico_manifest_published("v3.31.7", "ipip"), bpfEnabled=True)
    collection = serve(objects).collect()
    calico = collection.cluster.cni.calico
    assert calico is not None and calico.bpf_enabled is True
    assert calico.bpf_external_service_mode == "Tunnel"
    assert calico.bpf_dsr_optout_cidrs == ()
    assert collection.cluster.kube_proxy_mode == "iptables"


def test_operator_linux_dataplane_bpf_decides_when_felix_is_unreadable(serve: ServeFn) -> None:
    objects = calico_fx.calico_operator_published("v3.31.7")
    for obj in objects:
        if obj["kind"] == "Installation":
            obj["spec"]["calicoNetwork"]["linuxDataplane"] = "BPF"
    served = serve(objects)
    for group in ("crd.projectcalico.org", "projectcalico.org"):
        served.api.inject_fault(group, "felixconfigurations", status=403)
    calico = served.collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_external_service_mode) == (True, None)
    assert calico.bpf_dsr_optout_cidrs is None
