"""Every built-in object of every fixture is a valid Kubernetes 1.33 object, and the
seed cluster says what the incident report and docs/facts.md say it does."""

from __future__ import annotations

import ipaddress
import json
import uuid
from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pytest
import yaml

from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.kubeapi import KubeApiDouble

# kubernetes-validate maps any 1.33.x to its v1.33.0 schemas (checked: it
# accepts "1.33", "1.33.5" and "v1.33.5"); ask for the seed's exact version.
K8S_VERSION = "1.33.5"
CUSTOM_GROUPS = ("crd.projectcalico.org", "projectcalico.org", "operator.tigera.io")

VARIANTS: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "seed": fx.seed_cluster,
    "seed-ipip-nat-typha": lambda: fx.seed_cluster(
        encapsulation="IPIP", nat_outgoing=True, typha=True, calico_api_server=False
    ),
    "seed-no-encap-2-workers": lambda: fx.seed_cluster(
        encapsulation="None", nodes=fx.make_nodes(workers=2)
    ),
    "calico-manifest": fx.calico_manifest_cluster,
    "calico-manifest-typha-bgp": lambda: fx.calico_manifest_cluster(
        typha=True, bgp_configuration=True, veth_mtu=1430
    ),
    "flannel-vxlan": fx.flannel_cluster,
    "flannel-vxlan-direct": lambda: fx.flannel_cluster(direct_routing=True, port=8472),
    "flannel-host-gw": lambda: fx.flannel_cluster(backend="host-gw"),
    "cilium-vxlan": fx.cilium_cluster,
    "cilium-geneve": lambda: fx.cilium_cluster(tunnel_protocol="geneve"),
    "cilium-native-kpr": lambda: fx.cilium_cluster(
        routing_mode="native", kube_proxy_replacement=True
    ),
}


def is_builtin(obj: dict[str, Any]) -> bool:
    return str(obj["apiVersion"]).split("/")[0] not in CUSTOM_GROUPS


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_builtin_object_validates_strictly_against_1_33(variant: str) -> None:
    objects = VARIANTS[variant]()
    builtins = [o for o in objects if is_builtin(o)]
    assert len(builtins) > 20
    for obj in builtins:
        # strict: unknown fields are errors too, so a typo cannot hide.
        assert kubernetes_validate.validate(obj, K8S_VERSION, strict=True) == "1.33"


@pytest.mark.parametrize("variant", ["seed", "calico-manifest", "flannel-vxlan", "cilium-vxlan"])
def test_objects_as_served_still_validate(variant: str) -> None:
    """What the double adds (resourceVersion, CRD and APIService status) keeps objects valid.

    One variant per CNI: validation is slow and the fixture test covers the rest.
    """
    api = KubeApiDouble(VARIANTS[variant]())
    served = [
        obj
        for rtype in api.resource_types()
        if not rtype.custom
        for obj in api.list_objects(rtype.api_version, rtype.kind)
    ]
    assert served
    for obj in served:
        assert obj["metadata"]["resourceVersion"]
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_identities_are_unique_and_owner_uids_resolve(variant: str) -> None:
    objects = VARIANTS[variant]()
    identities = [fx.identity(o) for o in objects]
    assert len(identities) == len(set(identities))
    uids = {o["metadata"]["uid"] for o in objects}
    assert len(uids) == len(objects)
    for obj in objects:
        for owner in obj["metadata"].get("ownerReferences", []):
            assert owner["uid"] in uids, (fx.identity(obj), owner)


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(
    objects: list[dict[str, Any]], kind: str, name: str, namespace: str | None = None
) -> dict[str, Any]:
    found = [
        o
        for o in by_kind(objects, kind)
        if o["metadata"]["name"] == name and o["metadata"].get("namespace") == namespace
    ]
    assert len(found) == 1, (kind, namespace, name)
    return found[0]


def test_seed_nodes() -> None:
    objects = fx.seed_cluster()
    nodes = {n["metadata"]["name"]: n for n in by_kind(objects, "Node")}
    assert list(nodes) == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    for index, (name, node) in enumerate(nodes.items()):
        addresses = {a["type"]: a["address"] for a in node["status"]["addresses"]}
        assert addresses["InternalIP"] == f"10.0.0.{11 + index}"
        server_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "kostack-seed/" + name))
        assert fx.seed_device_id(name) == server_id
        assert node["spec"]["providerID"] == f"openstack:///{server_id}"
        assert node["spec"]["podCIDR"] == f"10.244.{index}.0/24"
        info = node["status"]["nodeInfo"]
        assert info["kubeletVersion"] == "v1.33.5"
        assert info["osImage"] == "Ubuntu 22.04.5 LTS"
    labels = nodes["k8s-cp-1"]["metadata"]["labels"]
    assert labels["node-role.kubernetes.io/control-plane"] == ""
    assert "node-role.kubernetes.io/control-plane" not in nodes["k8s-w-1"]["metadata"]["labels"]
    assert nodes["k8s-cp-1"]["spec"]["taints"][0]["key"] == "node-role.kubernetes.io/control-plane"


def test_seed_kubeadm_and_kube_proxy_config() -> None:
    objects = fx.seed_cluster()
    cluster_config = yaml.safe_load(
        one(objects, "ConfigMap", "kubeadm-config", "kube-system")["data"]["ClusterConfiguration"]
    )
    assert cluster_config["kubernetesVersion"] == "v1.33.5"
    assert cluster_config["networking"] == {
        "dnsDomain": "cluster.local",
        "podSubnet": "10.244.0.0/16",
        "serviceSubnet": "10.96.0.0/12",
    }
    proxy = yaml.safe_load(
        one(objects, "ConfigMap", "kube-proxy", "kube-system")["data"]["config.conf"]
    )
    assert proxy["kind"] == "KubeProxyConfiguration"
    assert proxy["mode"] == ""


def test_seed_services_endpoints_and_pods() -> None:
    objects = fx.seed_cluster()
    kubernetes_svc = one(objects, "Service", "kubernetes", "default")
    assert kubernetes_svc["spec"]["clusterIP"] == "10.96.0.1"
    assert kubernetes_svc["spec"]["ports"][0]["port"] == 443
    dns = one(objects, "Service", "kube-dns", "kube-system")
    assert dns["spec"]["clusterIP"] == "10.96.0.10"
    assert {(p["port"], p["protocol"]) for p in dns["spec"]["ports"]} == {
        (53, "UDP"),
        (53, "TCP"),
        (9153, "TCP"),
    }
    pods = by_kind(objects, "Pod")
    coredns = {
        p["spec"]["nodeName"]: p["status"]["podIP"]
        for p in pods
        if p["metadata"].get("labels", {}).get("k8s-app") == "kube-dns"
    }
    assert coredns == {"k8s-cp-1": "10.244.0.2", "k8s-w-1": "10.244.1.2"}
    netshoot = one(objects, "Pod", "netshoot", "demo")
    assert (netshoot["spec"]["nodeName"], netshoot["status"]["podIP"]) == ("k8s-w-1", "10.244.1.7")
    dns_slices = [
        s
        for s in by_kind(objects, "EndpointSlice")
        if s["metadata"]["labels"]["kubernetes.io/service-name"] == "kube-dns"
    ]
    assert len(dns_slices) == 1
    assert sorted(e["addresses"][0] for e in dns_slices[0]["endpoints"]) == [
        "10.244.0.2",
        "10.244.1.2",
    ]
    calico_node = [
        p for p in pods if p["metadata"].get("labels", {}).get("k8s-app") == "calico-node"
    ]
    assert len(calico_node) == 4
    assert all(p["spec"]["hostNetwork"] for p in calico_node)
    assert {p["status"]["podIP"] for p in calico_node} == {
        "10.0.0.11",
        "10.0.0.12",
        "10.0.0.13",
        "10.0.0.14",
    }


def test_seed_calico_settings() -> None:
    objects = fx.seed_cluster()
    installation = one(objects, "Installation", "default")
    assert installation["spec"]["calicoNetwork"]["ipPools"] == [
        {
            "blockSize": 26,
            "cidr": "10.244.0.0/16",
            "encapsulation": "VXLANCrossSubnet",
            "name": "default-ipv4-ippool",
            "natOutgoing": "Disabled",
            "nodeSelector": "all()",
        }
    ]
    assert "mtu" not in installation["spec"]["calicoNetwork"]
    assert installation["status"]["mtu"] == 1400
    pool = one(objects, "IPPool", "default-ipv4-ippool")
    assert pool["apiVersion"] == "crd.projectcalico.org/v1"
    assert pool["spec"]["vxlanMode"] == "CrossSubnet"
    assert pool["spec"]["ipipMode"] == "Never"
    assert pool["spec"]["blockSize"] == 26
    # Calico's natOutgoing is omitempty: false is written by leaving it out.
    assert pool["spec"].get("natOutgoing", False) is False
    blocks = {b["spec"]["cidr"]: b["spec"]["affinity"] for b in by_kind(objects, "IPAMBlock")}
    assert blocks == {
        "10.244.0.0/26": "host:k8s-cp-1",
        "10.244.1.0/26": "host:k8s-w-1",
        "10.244.2.0/26": "host:k8s-w-2",
        "10.244.3.0/26": "host:k8s-w-3",
    }
    block_w1 = next(
        b for b in by_kind(objects, "IPAMBlock") if b["spec"]["cidr"] == "10.244.1.0/26"
    )
    allocations = block_w1["spec"]["allocations"]
    assert len(allocations) == 64
    assert allocations[2] is not None and allocations[7] is not None  # coredns, netshoot
    assert one(objects, "BGPConfiguration", "default")["spec"]["nodeToNodeMeshEnabled"] is True
    assert one(objects, "BGPConfiguration", "default")["spec"]["asNumber"] == 64512
    assert one(objects, "FelixConfiguration", "default")["spec"]["healthPort"] == 9099
    # the Tigera operator always deploys calico-typha
    assert [d for d in by_kind(objects, "Deployment") if d["metadata"]["name"] == "calico-typha"]


def test_seed_parameters_change_what_they_should() -> None:
    objects = fx.seed_cluster(
        encapsulation="IPIPCrossSubnet",
        nat_outgoing=True,
        nodes=fx.make_nodes(workers=5, first_ip="192.168.10.21"),
    )
    pool = one(objects, "IPPool", "default-ipv4-ippool")
    assert (pool["spec"]["ipipMode"], pool["spec"]["vxlanMode"]) == ("CrossSubnet", "Never")
    assert pool["spec"]["natOutgoing"] is True
    assert one(objects, "Installation", "default")["status"]["mtu"] == 1430
    nodes = by_kind(objects, "Node")
    assert len(nodes) == 6
    assert nodes[-1]["status"]["addresses"][0]["address"] == "192.168.10.26"
    assert len(by_kind(objects, "IPAMBlock")) == 6


def test_extra_objects_are_added_and_replace_same_identity() -> None:
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "harbor-registry", "namespace": "default"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}},
    }
    changed_proxy = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
        "data": {"config.conf": "mode: ipvs\n"},
    }
    objects = fx.seed_cluster(extra=[pvc, changed_proxy])
    assert one(objects, "PersistentVolumeClaim", "harbor-registry", "default") == pvc
    assert one(objects, "ConfigMap", "kube-proxy", "kube-system")["data"] == {
        "config.conf": "mode: ipvs\n"
    }


def test_calico_manifest_cluster() -> None:
    objects = fx.calico_manifest_cluster(veth_mtu=1430, typha=True)
    config = one(objects, "ConfigMap", "calico-config", "kube-system")["data"]
    assert config["veth_mtu"] == "1430"
    assert config["typha_service_name"] == "calico-typha"
    json.loads(config["cni_network_config"].replace("__CNI_MTU__", "1430"))
    pool = one(objects, "IPPool", "default-ipv4-ippool")
    assert (pool["spec"]["ipipMode"], pool["spec"]["vxlanMode"]) == ("Always", "Never")
    assert pool["spec"]["natOutgoing"] is True
    assert not by_kind(objects, "Installation")
    assert not by_kind(objects, "APIService")
    assert one(objects, "Deployment", "calico-typha", "kube-system")
    assert one(objects, "DaemonSet", "calico-node", "kube-system")
    plain = fx.calico_manifest_cluster()
    assert (
        one(plain, "ConfigMap", "calico-config", "kube-system")["data"]["typha_service_name"]
        == "none"
    )
    assert not [d for d in by_kind(plain, "Deployment") if d["metadata"]["name"] == "calico-typha"]
    assert not by_kind(plain, "BGPConfiguration")


@pytest.mark.parametrize(
    ("options", "backend"),
    [
        ({}, {"Type": "vxlan"}),
        (
            {"direct_routing": True, "port": 8472},
            {"Type": "vxlan", "Port": 8472, "DirectRouting": True},
        ),
        ({"backend": "host-gw"}, {"Type": "host-gw"}),
    ],
)
def test_flannel_net_conf(options: dict[str, Any], backend: dict[str, Any]) -> None:
    objects = fx.flannel_cluster(**options)
    net_conf = json.loads(
        one(objects, "ConfigMap", "kube-flannel-cfg", "kube-flannel")["data"]["net-conf.json"]
    )
    assert net_conf["Network"] == "10.244.0.0/16"
    assert net_conf["Backend"] == backend
    node = by_kind(objects, "Node")[1]
    assert (
        node["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-type"] == backend["Type"]
    )


def test_cilium_config() -> None:
    tunnel = one(
        fx.cilium_cluster(tunnel_protocol="geneve"), "ConfigMap", "cilium-config", "kube-system"
    )
    assert tunnel["data"]["routing-mode"] == "tunnel"
    assert tunnel["data"]["tunnel-protocol"] == "geneve"
    native = one(
        fx.cilium_cluster(routing_mode="native"), "ConfigMap", "cilium-config", "kube-system"
    )
    assert native["data"]["routing-mode"] == "native"
    assert native["data"]["ipv4-native-routing-cidr"] == "10.244.0.0/16"
    assert "tunnel-protocol" not in native["data"]


def test_pod_ips_fall_inside_their_nodes_ranges() -> None:
    for builder in VARIANTS.values():
        objects = builder()
        cidrs = {n["metadata"]["name"]: n["spec"]["podCIDR"] for n in by_kind(objects, "Node")}
        node_ips = {
            n["metadata"]["name"]: n["status"]["addresses"][0]["address"]
            for n in by_kind(objects, "Node")
        }
        for pod in by_kind(objects, "Pod"):
            node = pod["spec"]["nodeName"]
            ip = pod["status"]["podIP"]
            if pod["spec"].get("hostNetwork"):
                assert ip == node_ips[node]
            else:
                assert ipaddress.ip_address(ip) in ipaddress.ip_network(cidrs[node])


def test_provider_ids_match_the_neutron_harness_device_ids() -> None:
    from kostack_lab.seed import node_device_id

    for node in by_kind(fx.seed_cluster(), "Node"):
        name = node["metadata"]["name"]
        assert node["spec"]["providerID"] == f"openstack:///{node_device_id(name)}"
