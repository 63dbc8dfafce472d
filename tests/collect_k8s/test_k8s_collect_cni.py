"""Each CNI fixture read through the official client: Calico manifest, Flannel, Cilium."""

from __future__ import annotations

import json
from typing import Any

import pytest
from k8s_collect_served import ServeFn

from kostack.gap_words import gap_error, gap_hint
from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.k8s_fixture_objects import (
    configmap_object,
    container_spec,
    daemonset_objects,
    make_nodes,
)
from kostack_testkit.k8s_fixture_scale import with_node_annotations


def test_calico_manifest_ipip_always_with_typha(serve: ServeFn) -> None:
    collection = serve(fx.calico_manifest_cluster(typha=True)).collect()
    assert collection.gaps == ()
    cluster = collection.cluster
    calico = cluster.cni.calico
    assert cluster.cni.type == "calico" and calico is not None
    assert calico.install_method == "manifest"
    pool = (calico.ip_pools or ())[0]
    assert (pool.ipip_mode, pool.vxlan_mode, pool.nat_outgoing) == ("Always", "Never", True)
    assert pool.source == "crd.projectcalico.org/v1 IPPool"
    assert calico.typha is True
    assert calico.bgp is True  # calico-config calico_backend: bird
    # No BGPConfiguration object: Calico's default, the full node-to-node mesh.
    assert calico.node_to_node_mesh is True
    # veth_mtu "0": Felix derives the MTU from the host interface at run time.
    assert (calico.mtu, calico.mtu_auto) == (None, True)
    assert calico.mtu_source == 'ConfigMap kube-system/calico-config veth_mtu "0"'
    assert calico.vxlan_port == 4789 and calico.wireguard is False
    assert calico.nat_outgoing_exclusions == "IPPoolsOnly"  # Felix's default when unset
    assert len(calico.blocks or ()) == 4


@pytest.mark.parametrize(("v4", "v6"), [(True, False), (False, True), (True, True)])
def test_calico_wireguard_switches_are_read_per_family(serve: ServeFn, v4: bool, v6: bool) -> None:
    """wireguardEnabled and wireguardEnabledV6 each decide their family's route (wireguard.cali
    or wg-v6.cali); `wireguard` says either is on, as the MTU check reads it."""
    objects = fx.calico_manifest_cluster()
    for obj in objects:
        if obj["kind"] == "FelixConfiguration":
            obj["spec"]["wireguardEnabled"], obj["spec"]["wireguardEnabledV6"] = v4, v6
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.wireguard, calico.wireguard_v4, calico.wireguard_v6) == (True, v4, v6)


def test_calico_nat_outgoing_exclusions_from_felix_configuration(serve: ServeFn) -> None:
    objects = fx.calico_manifest_cluster()
    for obj in objects:
        if obj["kind"] == "FelixConfiguration":
            obj["spec"]["natOutgoingExclusions"] = "IPPoolsAndHostIPs"
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None and calico.nat_outgoing_exclusions == "IPPoolsAndHostIPs"


def test_calico_manifest_explicit_mtu_and_bgp_configuration(serve: ServeFn) -> None:
    objects = fx.calico_manifest_cluster(veth_mtu=1430, bgp_configuration=True)
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.mtu, calico.mtu_source) == (1430, "ConfigMap kube-system/calico-config veth_mtu")
    assert calico.typha is False
    assert calico.node_to_node_mesh is True


def test_calico_vxlan_backend_has_no_bgp(serve: ServeFn) -> None:
    objects = fx.calico_manifest_cluster(ipip_mode="Never", vxlan_mode="Always")
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "calico-config":
            obj["data"]["calico_backend"] = "vxlan"
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None and calico.bgp is False
    assert (calico.ip_pools or ())[0].vxlan_mode == "Always"


@pytest.mark.parametrize(
    ("options", "backend", "port", "direct"),
    [
        ({}, "vxlan", 8472, False),  # Port absent: the Linux kernel's VXLAN port
        ({"direct_routing": True, "port": 8472}, "vxlan", 8472, True),
        ({"port": 4789}, "vxlan", 4789, False),
        ({"backend": "host-gw"}, "host-gw", None, False),
    ],
)
def test_flannel(
    serve: ServeFn, options: dict[str, Any], backend: str, port: int | None, direct: bool
) -> None:
    collection = serve(fx.flannel_cluster(**options)).collect()
    assert collection.gaps == ()
    cluster = collection.cluster
    flannel = cluster.cni.flannel
    assert cluster.cni.type == "flannel" and flannel is not None
    assert str(flannel.network) == "10.244.0.0/16"
    assert (flannel.backend_type, flannel.port, flannel.direct_routing) == (backend, port, direct)
    assert flannel.ip_masq is True  # kube-flannel.yml runs flanneld --ip-masq
    assert (flannel.mtu, flannel.mtu_auto) == (None, True)  # no Backend.MTU: the NIC's
    assert cluster.kube_proxy_mode == "iptables"
    # flannel's backend-data annotation holds the VTEP's MAC, not the NIC's.
    assert all(identity.macs == () for identity in collection.nodes_raw)


def test_flannel_without_ip_masq_and_in_kube_system(serve: ServeFn) -> None:
    objects = fx.flannel_cluster()
    moved = []
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "kube-flannel-cfg":
            data = obj["data"]
            obj = configmap_object("kube-system", "kube-flannel-cfg", data)
        if obj["kind"] in ("Pod", "DaemonSet") and obj["metadata"]["name"].startswith(
            "kube-flannel-ds"
        ):
            spec = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
            spec["containers"][0]["args"] = ["--kube-subnet-mgr"]
        moved.append(obj)
    served = serve(
        [
            o
            for o in moved
            if o["metadata"].get("namespace") != "kube-flannel" or o["kind"] != "ConfigMap"
        ]
    )
    flannel = served.collect().cluster.cni.flannel
    assert flannel is not None
    assert flannel.ip_masq is False  # flanneld's own default
    assert "/api/v1/namespaces/kube-system/configmaps/kube-flannel-cfg" in " ".join(
        served.requests()
    )


@pytest.mark.parametrize(
    ("options", "mode", "protocol", "port"),
    [
        ({}, "tunnel", "vxlan", 8472),
        ({"tunnel_protocol": "geneve"}, "tunnel", "geneve", 6081),
        ({"routing_mode": "native"}, "native", None, None),
    ],
)
def test_cilium(
    serve: ServeFn, options: dict[str, Any], mode: str, protocol: str | None, port: int | None
) -> None:
    collection = serve(fx.cilium_cluster(**options)).collect()
    assert collection.gaps == ()
    cilium = collection.cluster.cni.cilium
    assert collection.cluster.cni.type == "cilium" and cilium is not None
    assert (cilium.routing_mode, cilium.tunnel_protocol, cilium.tunnel_port) == (
        mode,
        protocol,
        port,
    )
    assert cilium.masquerade is True and cilium.wireguard is False
    assert (cilium.mtu, cilium.mtu_auto) == (None, True)  # "mtu" absent: detected
    if mode == "native":
        assert str(cilium.native_routing_cidr) == "10.244.0.0/16"
    assert collection.cluster.kube_proxy_mode == "iptables"


def test_cilium_kube_proxy_replacement_means_no_kube_proxy(serve: ServeFn) -> None:
    objects = fx.cilium_cluster(routing_mode="native", kube_proxy_replacement=True)
    cluster = serve(objects).collect().cluster
    assert cluster.kube_proxy_mode == "none"


def test_cilium_legacy_tunnel_key(serve: ServeFn) -> None:
    """Before Cilium 1.14: `tunnel: vxlan|geneve|disabled` instead of routing-mode."""
    objects = fx.cilium_cluster(cilium_version="v1.13.4")
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "cilium-config":
            del obj["data"]["routing-mode"], obj["data"]["tunnel-protocol"]
            obj["data"]["tunnel"] = "disabled"
            obj["data"]["native-routing-cidr"] = "10.244.0.0/16"
            obj["data"]["tunnel-port"] = "0"
    cilium = serve(objects).collect().cluster.cni.cilium
    assert cilium is not None
    assert (cilium.routing_mode, cilium.tunnel_protocol) == ("native", None)
    assert str(cilium.native_routing_cidr) == "10.244.0.0/16"


def test_kube_proxy_ipvs(serve: ServeFn) -> None:
    assert serve(fx.seed_cluster(proxy_mode="ipvs")).collect().cluster.kube_proxy_mode == "ipvs"


def test_node_mac_annotations(serve: ServeFn) -> None:
    """Only annotations that carry the NIC's MAC are used (OVN-Kubernetes br-ex, kostack's own)."""
    objects = with_node_annotations(
        fx.seed_cluster(),
        {
            "k8s-w-1": {"kostack.io/mac-address": "FA-16-3E-00-00-12"},
            "k8s-w-2": {
                "k8s.ovn.org/l3-gateway-config": json.dumps(
                    {"default": {"mode": "shared", "mac-address": "fa:16:3e:00:00:13"}}
                )
            },
            "k8s-w-3": {"kostack.io/mac-address": "not-a-mac"},
        },
    )
    identities = {n.name: n for n in serve(objects).collect().nodes_raw}
    assert identities["k8s-w-1"].macs == ("fa:16:3e:00:00:12",)
    assert identities["k8s-w-2"].macs == ("fa:16:3e:00:00:13",)
    assert identities["k8s-w-3"].macs == ()
    assert identities["k8s-cp-1"].macs == ()


def _without_a_cni() -> list[dict[str, Any]]:
    """kubeadm + flannel with every flannel object and annotation taken away."""
    objects = [
        o
        for o in fx.flannel_cluster()
        if not (
            o["metadata"].get("namespace") == "kube-flannel"
            or (o["kind"] == "Namespace" and o["metadata"]["name"] == "kube-flannel")
        )
    ]
    for obj in objects:
        if obj["kind"] == "Node":
            obj["metadata"]["annotations"] = {
                k: v
                for k, v in obj["metadata"]["annotations"].items()
                if not k.startswith("flannel.")
            }
    return objects


def test_no_known_cni_is_a_gap(serve: ServeFn) -> None:
    """kubeadm without any CNI's objects: the CNI is unknown, and a gap says so."""
    collection = serve(_without_a_cni()).collect()
    assert collection.cluster.cni.type == "unknown"
    gap = next(g for g in collection.gaps if g.source == "cluster.cni")
    assert "no calico-node, flannel or cilium pods" in gap.error
    # Probed: Calico's IPPools (v1 and v3), kube-flannel-cfg (kube-flannel and
    # kube-system) and cilium-config, after the 10 reads every cluster gets (the 10th:
    # Services of type LoadBalancer).
    assert collection.api_requests == 10 + 5


@pytest.mark.parametrize(
    ("labels", "name", "needs"),
    [
        ({"name": "weave-net"}, "Weave Net", "TCP 6783 and UDP 6783-6784"),
    ],
)
def test_a_cni_kostack_does_not_model_is_named_in_the_gap(
    serve: ServeFn, labels: dict[str, str], name: str, needs: str
) -> None:
    """Its agent's pods (labelled as its published install labels them) name it, and the
    hint says what it needs of Neutron; not "no calico-node, flannel or cilium pods"."""
    objects = _without_a_cni()
    nodes = make_nodes(pod_subnet=fx.POD_SUBNET)
    agent = container_spec("agent", "registry.example/agent:v1")
    objects += daemonset_objects("kube-system", "agent", labels, [agent], nodes, host_network=True)
    collection = serve(objects).collect()
    assert collection.cluster.cni.type == "unknown"
    gap = next(g for g in collection.gaps if g.source == "cluster.cni")
    assert gap.error == (
        f"{name} runs here (its agent's pods in kube-system), and kostack does not model {name}"
    )
    assert needs in gap.hint
    korean = gap_error(gap, "ko")
    assert korean.startswith(name) and "모델링하지 않습니다" in korean, korean
    assert "UNKNOWN" not in gap_hint(gap, "ko")


@pytest.mark.parametrize(
    ("version", "setting", "expected"),
    [
        (
            "v0.27.4",
            {"args": ["--ip-masq", "--kube-subnet-mgr", "--ip-masq-fully-random-disable"]},
            True,
        ),
        ("v0.28.9", {"env": "true"}, True),
        ("v0.24.4", {"env": "true"}, False),  # before v0.27.4 flanneld ignores it
        ("v0.28.9", {}, False),
    ],
)
def test_flannel_fully_random_switch(
    serve: ServeFn, version: str, setting: dict[str, Any], expected: bool
) -> None:
    """flanneld --ip-masq-fully-random-disable, on its command line or in its environment."""
    objects = fx.flannel_cluster(flannel_version=version)
    for obj in objects:
        if obj["kind"] in ("Pod", "DaemonSet") and obj["metadata"]["name"].startswith(
            "kube-flannel-ds"
        ):
            spec = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
            container = spec["containers"][0]
            container["args"] = setting.get("args", container["args"])
            if "env" in setting:
                variable = {"name": "FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE", "value": "true"}
                container["env"].append(variable)
    flannel = serve(objects).collect().cluster.cni.flannel
    assert flannel is not None and flannel.ip_masq_fully_random_disable is expected
