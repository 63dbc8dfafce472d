"""Canal's lab, its pure parts: the plans of flannel's VXLAN and the objects canal.yaml leaves
(no root needed; the packets are tests/lab/test_lab_canal.py's and test_lab_scenarios.py's)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import cast

import kubernetes_validate
import pytest

from kostack_lab.cluster import lab_cluster_objects
from kostack_lab.lab import Lab
from kostack_lab.scenarios import get_scenario, kubernetes_objects
from kostack_lab.topology import plan_node, plan_pod
from kostack_lab.topology_layout import Encapsulation, build_topology

CANAL = ("canal-vxlan-ok", "canal-no-8472")


def test_flannel_vxlan_between_the_nodes_and_calico_wiring_for_the_pods() -> None:
    topo = get_scenario("canal-vxlan-ok").topology(prefix="ks-", nodes=3)
    assert (topo.cni, topo.vxlan_device, topo.vxlan_vni, topo.vxlan_port) == (
        "canal",
        "ks-flannel.1",
        1,
        8472,
    )
    setup = plan_node(topo, topo.nodes[1])
    lines = setup.ip_lines
    assert "link add ks-flannel.1 type vxlan id 1 dstport 8472 local 10.0.0.12 dev ks-eth0 nolearning" in lines  # fmt: skip
    assert any(line.startswith("link set ks-flannel.1 address") and "mtu 1400" in line for line in lines)  # fmt: skip
    assert "addr add 10.244.1.0/32 dev ks-flannel.1" in lines
    assert "route add 10.244.2.0/24 via 10.244.2.0 dev ks-flannel.1 onlink" in lines
    assert any(line.endswith("dst 10.0.0.13 self permanent") for line in setup.fdb_lines)
    assert not any("blackhole" in line or "ks-vxlan" in line for line in lines)
    pod = topo.pods_on("k8s-w-1")[0]
    assert "route add default via 169.254.1.1 dev ks-eth0" in plan_pod(topo, pod)
    assert topo.pod_mtu == 1450  # Felix's MTU with no Calico encapsulation: the NIC's
    assert "masquerade" in setup.nft  # flannel's --ip-masq, Felix's natOutgoing


def test_canal_needs_flannel_vxlan_ipv4_one_pool() -> None:
    for wrong in (
        {"encapsulation": Encapsulation.NONE},
        {"encapsulation": Encapsulation.VXLAN, "dual_stack": True},
        {"encapsulation": Encapsulation.VXLAN, "second_pool": True},
    ):
        with pytest.raises(ValueError, match="Canal"):
            build_topology(prefix="ks-", nodes=2, nat_outgoing=True, cni="canal", **wrong)  # type: ignore[arg-type]  # the keywords vary


@pytest.mark.parametrize("name", CANAL)
def test_the_api_serves_canal_not_calico(name: str) -> None:
    """canal-config with flannel's net-conf.json, the canal DaemonSet and a pod of it per
    node, flannel's node annotations, Calico's pool and ClusterInformation; no IPAM blocks
    (host-local IPAM), no operator Installation; built-in objects valid for 1.33."""
    scenario = get_scenario(name)
    topo = scenario.topology(prefix="ks-", nodes=4)
    objects = kubernetes_objects(scenario, topo)
    kinds = [o["kind"] for o in objects]
    assert (
        kinds.count("DaemonSet") == 1 and kinds.count("Pod") == 8 + 4 + 4
    )  # the lab pods, canal and kube-proxy per node
    assert not {"IPAMBlock", "BlockAffinity", "Installation"} & set(kinds)
    config = next(o for o in objects if o["metadata"]["name"] == "canal-config")
    net_conf = json.loads(config["data"]["net-conf.json"])
    assert net_conf == {"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}
    cni = json.loads(config["data"]["cni_network_config"])
    assert cni["plugins"][0]["ipam"] == {"type": "host-local", "subnet": "usePodCidr"}
    node = next(o for o in objects if o["kind"] == "Node" and o["metadata"]["name"] == "k8s-w-1")
    annotations = node["metadata"]["annotations"]
    assert json.loads(annotations["flannel.alpha.coreos.com/backend-data"])["VNI"] == 1
    assert annotations["flannel.alpha.coreos.com/public-ip"] == "10.0.0.12"
    assert not any(key.startswith("projectcalico.org/") for key in annotations)
    info = next(o for o in objects if o["kind"] == "ClusterInformation")
    assert info["spec"]["clusterType"] == "k8s,canal"
    pool = next(o for o in objects if o["kind"] == "IPPool")["spec"]
    assert (pool["vxlanMode"], pool["ipipMode"], pool["natOutgoing"]) == ("Never", "Never", True)
    for obj in objects:
        if "." in obj["apiVersion"].split("/")[0] and not obj["apiVersion"].startswith(
            "discovery.k8s.io"
        ):
            continue  # custom resources have no built-in schema
        assert kubernetes_validate.validate(obj, "1.33", strict=True)


def test_canal_is_installed_from_the_manifest() -> None:
    """No operator CRDs for a Canal lab (canal.yaml installs Calico's own only)."""
    scenario = get_scenario("canal-no-8472")
    lab = SimpleNamespace(scenario=scenario, topology=scenario.topology(prefix="ks-", nodes=2))
    objects = lab_cluster_objects(cast("Lab", lab))
    crds = [o["metadata"]["name"] for o in objects if o["kind"] == "CustomResourceDefinition"]
    assert "ippools.crd.projectcalico.org" in crds
    assert not any(name.endswith("operator.tigera.io") for name in crds)
