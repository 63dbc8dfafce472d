"""Canal (Calico's canal.yaml, RKE2's rke2-canal): flannel carries the pods' traffic and Calico
only enforces policy. kostack used to read such a cluster as flannel without settings (every
flow undecided) or, where nodes carry Calico's annotations (RKE2), as Calico routing natively
by BGP from its default pool: a false anti-spoofing root cause and the wrong fix."""

from __future__ import annotations

import pytest
from k8s_collect_served import ServeFn

from kostack.analyze.diagnose import diagnose
from kostack.collect.match import match_identities
from kostack.model import Snapshot
from kostack.model.snapshot import OpenStack
from kostack.report.text import render_diagnosis
from kostack_testkit import k8s_fixtures as fx
from kostack_testkit.builders import example_doc
from kostack_testkit.k8s_fixture_canal import Variant, canal_cluster, rke2_cluster
from kostack_testkit.k8s_fixture_objects import JsonObject

VARIANTS: tuple[Variant, ...] = ("canal", "rke2-canal")


@pytest.mark.parametrize("variant", VARIANTS)
def test_canal_is_flannel_with_calico_policy(serve: ServeFn, variant: Variant) -> None:
    served = serve(canal_cluster(variant=variant))
    collection = served.collect()
    assert collection.gaps == ()
    cni = collection.cluster.cni
    assert (cni.type, cni.version, cni.calico) == ("flannel", "v0.24.4", None)
    flannel = cni.flannel
    assert flannel is not None and flannel.bundle == "canal"
    assert (flannel.backend_type, flannel.port, str(flannel.network)) == (
        "vxlan",
        8472,
        "10.244.0.0/16",
    )
    assert flannel.ip_masq is True and flannel.kube_subnet_mgr is True
    # the pods' MTU is Calico's: veth_mtu "0", calico-node's detection (analyze/mtu.py)
    assert (flannel.canal_config, flannel.canal_veth_mtu) == (f"{variant}-config", 0)
    # the ConfigMap the agent mounts is read at once, nothing probed before it
    configmaps = [r for r in served.requests() if "flannel" in r or "canal" in r]
    assert configmaps == [f"GET /api/v1/namespaces/kube-system/configmaps/{variant}-config 200"]


@pytest.mark.parametrize(("masquerade", "expected"), [("true", True), ("false", False)])
def test_ip_masq_from_the_configmap_key(serve: ServeFn, masquerade: str, expected: bool) -> None:
    """Without --ip-masq, FLANNELD_IP_MASQ comes from canal-config's `masquerade` key."""
    objects = canal_cluster(masquerade=masquerade, ip_masq_flag=False)
    flannel = serve(objects).collect().cluster.cni.flannel
    assert flannel is not None and flannel.ip_masq is expected


def _unlabelled(objects: list[JsonObject]) -> list[JsonObject]:
    """The agents under a label kostack does not know: only nodes and Calico's objects speak."""
    for obj in objects:
        for meta in (obj["metadata"], obj.get("spec", {}).get("template", {}).get("metadata")):
            if meta and meta.get("labels", {}).get("k8s-app") == "canal":
                meta["labels"]["k8s-app"] = "node-agent"
    return objects


def test_calico_that_says_canal_gives_way_to_flannel(serve: ServeFn) -> None:
    """Nodes carry both CNIs' annotations and no agent is recognised: Calico is read first,
    its ClusterInformation says clusterType k8s,canal, and flannel's settings are read."""
    served = serve(_unlabelled(canal_cluster(variant="rke2-canal")))
    collection = served.collect()
    flannel = collection.cluster.cni.flannel
    assert collection.cluster.cni.type == "flannel"
    assert flannel is not None and flannel.bundle == "canal" and flannel.backend_type == "vxlan"
    assert "GET /api/v1/namespaces/kube-system/configmaps/rke2-canal-config 200" in (
        served.requests()
    )
    assert flannel.ip_masq is None  # no agent recognised: the analysis tries both


@pytest.mark.parametrize("variant", VARIANTS)
def test_canal_without_udp_8472_is_an_encapsulation_cause(serve: ServeFn, variant: Variant) -> None:
    """On the project of the example flannel-vxlan-no-8472 (nodes only in a group without UDP
    8472): the cause is the VXLAN rule, not anti-spoofing, and the fix opens UDP 8472."""
    collection = serve(canal_cluster(variant=variant)).collect()
    openstack = OpenStack.model_validate(example_doc("flannel-vxlan-no-8472")["openstack"])
    links = match_identities(collection.nodes_raw, openstack.ports or ())
    snapshot = Snapshot(openstack=openstack, cluster=collection.cluster, node_ports=links)
    diagnosis = diagnose(snapshot)
    assert [rc.key for rc in diagnosis.root_causes] == ["sg-encap"]
    text = render_diagnosis(diagnosis)
    assert "--dst-port 8472" in text and "Canal: Flannel v0.24.4 vxlan" in text
    assert "--allowed-address ip-address" not in text  # no pairs: the traffic is VXLAN


@pytest.mark.parametrize(
    ("proxy_args", "mode"),
    [
        (["--proxy-mode=iptables"], "iptables"),
        (["--proxy-mode", "ipvs"], "ipvs"),
        ([], "iptables"),  # kube-proxy's own default
    ],
)
def test_rke2_kube_proxy_mode_from_its_static_pod(
    serve: ServeFn, proxy_args: list[str], mode: str
) -> None:
    """RKE2 has no kube-proxy ConfigMap: its static pods carry the flags (it was a gap)."""
    collection = serve(rke2_cluster(proxy_args=proxy_args)).collect()
    assert collection.gaps == ()
    assert collection.cluster.kube_proxy_mode == mode
    assert (
        collection.cluster.cni.flannel is not None
        and collection.cluster.cni.flannel.bundle == "canal"
    )


def test_kube_proxy_with_a_config_file_is_not_guessed(serve: ServeFn) -> None:
    """--config names a file no API shows: the mode stays unknown (a gap), not iptables."""
    collection = serve(rke2_cluster(proxy_args=["--config=/etc/kube-proxy.yaml"])).collect()
    assert collection.cluster.kube_proxy_mode is None
    assert [g.source for g in collection.gaps] == ["cluster.kube_proxy_mode"]


def test_kube_proxy_daemonset_with_flags_only(serve: ServeFn) -> None:
    """A kube-proxy DaemonSet run with flags and no ConfigMap (Talos renders it so): its
    --proxy-mode is the mode (it was a gap)."""
    objects = []
    for obj in fx.flannel_cluster():
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "kube-proxy":
            continue
        if obj["kind"] == "Pod" and obj["metadata"]["name"].startswith("kube-proxy-"):
            obj["spec"]["containers"][0]["command"] = ["/usr/local/bin/kube-proxy"]
            obj["spec"]["containers"][0]["args"] = ["--proxy-mode=ipvs", "--cluster-cidr=x"]
        objects.append(obj)
    collection = serve(objects).collect()
    assert collection.cluster.kube_proxy_mode == "ipvs"
    assert "cluster.kube_proxy_mode" not in [g.source for g in collection.gaps]


def test_calico_objects_read_once_when_calico_gives_way_to_flannel(serve: ServeFn) -> None:
    """Calico is read first (its IP pools, its Felix settings), then flannel, whose Canal
    reading needs the same pools and settings: each is requested once per collection, and
    the result is the one two requests gave."""
    served = serve(_unlabelled(canal_cluster(variant="rke2-canal")))
    collection = served.collect()
    requests = served.requests()
    pools = [r for r in requests if "/ippools" in r]
    felix = [r for r in requests if "/felixconfigurations" in r]
    assert pools == ["GET /apis/crd.projectcalico.org/v1/ippools?limit=500 200"], pools
    assert felix == ["GET /apis/crd.projectcalico.org/v1/felixconfigurations?limit=500 200"], felix
    flannel = collection.cluster.cni.flannel
    assert flannel is not None and flannel.canal_pools is not None
    assert [(str(p.cidr), p.nat_outgoing) for p in flannel.canal_pools] == [("10.244.0.0/16", True)]
    assert flannel.canal_nat_exclusions == "IPPoolsOnly"
