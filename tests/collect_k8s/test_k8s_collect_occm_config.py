"""OCCM's [LoadBalancer] enabled, read from the Secret its pod mounts its cloud.conf from
(collect/_occm_config.py), MetalLB's speaker's --lb-class and the nodes' uninitialized taint,
against the Kubernetes API double.

The Secret holds the cloud's credentials: only the boolean may reach the snapshot, its gaps,
the diagnosis or any report. Before this read, OCCM with its load balancers disabled was taken
as the owner of every Service without a class."""

from __future__ import annotations

import json

import pytest
from k8s_collect_served import ServeFn, joined_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.collect._occm_config import SOURCE, load_balancer_enabled
from kostack.collect.kubernetes import KubeCollection
from kostack.model.snapshot import CloudController
from kostack.report.jsonout import diagnosis_dict, dumps
from kostack.report.text import render_diagnosis
from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster
from kostack_testkit.k8s_fixture_metallb import metallb_objects, occm_objects
from kostack_testkit.k8s_fixture_objects import make_nodes, service_object

PASSWORD = "kostack-canary-occm-password-6e1f"
APP_SECRET = "kostack-canary-occm-appcred-91ab"
CANARIES = (
    PASSWORD,
    APP_SECRET,
    "kostack-canary-user",
    "keystone.canary.example",
    "kostack-canary-project-id",
    "kostack-canary-floating-net",
    "kostack-canary-region",
)
CLOUD_CONF = f"""[Global]
auth-url = https://keystone.canary.example:5000/v3
username = kostack-canary-user
password = {PASSWORD}
application-credential-secret = "{APP_SECRET}"
tenant-id = kostack-canary-project-id
region = kostack-canary-region

[LoadBalancer]
floating-network-id = kostack-canary-floating-net
enabled = false ; nobody gets an Octavia load balancer
"""


def occm(
    serve: ServeFn, cloud_conf: str | None, **faults: int
) -> tuple[CloudController, KubeCollection]:
    nodes = make_nodes()
    web = service_object("shop", "web", "10.96.0.80", [{"port": 80, "protocol": "TCP"}])
    web["spec"]["type"] = "LoadBalancer"  # no class, no address: pending
    extra = [
        *metallb_objects(nodes, controller_args=["--lb-class=metallb.io/metallb"]),
        *occm_objects(nodes, cloud_conf=cloud_conf),
        web,
    ]
    served = serve(kube_ovn_cluster(nodes=nodes, extra=extra))
    if faults:
        served.api.inject_fault("", "secrets", status=faults["status"])
    collection = served.collect()
    vips = collection.cluster.virtual_ips
    assert vips is not None and vips.occm is not None and vips.occm.found
    return vips.occm, collection


def test_enabled_false_is_read_from_the_mounted_secret_with_one_request(serve: ServeFn) -> None:
    found, collection = occm(serve, CLOUD_CONF)
    assert found.load_balancer_enabled is False
    assert found.cloud_config == "kube-system/cloud-config cloud.conf"
    assert not collection.gaps
    # one GET of one Secret beyond what was read before
    _, without = occm(serve, None)
    assert collection.api_requests == without.api_requests + 1


def test_no_other_value_of_cloud_conf_reaches_the_snapshot_or_any_output(serve: ServeFn) -> None:
    _, collection = occm(serve, CLOUD_CONF)
    snapshot = joined_snapshot(collection)
    diagnosis = diagnose(snapshot)
    said = [
        snapshot.model_dump_json(),
        json.dumps([g.model_dump() for g in collection.gaps]),
        *(render_diagnosis(diagnosis, lang, verbose=True) for lang in ("en", "ko")),
        *(dumps(diagnosis_dict(diagnosis, "test", lang)) for lang in ("en", "ko")),
    ]
    # the diagnosis used it: the Service nobody takes is said with OCCM's reason
    assert "enabled = false" in said[2]
    for text in said:
        for canary in CANARIES:
            assert canary not in text
        assert "[Global]" not in text


def test_enabled_left_out_is_occms_default_true(serve: ServeFn) -> None:
    found, _ = occm(serve, "[Global]\nregion = RegionOne\n[LoadBalancer]\nlb-provider = ovn\n")
    assert found.load_balancer_enabled is True


def test_a_forbidden_secret_is_a_gap_and_not_known(serve: ServeFn) -> None:
    found, collection = occm(serve, CLOUD_CONF, status=403)
    assert found.load_balancer_enabled is None
    assert found.cloud_config == "kube-system/cloud-config cloud.conf"
    gaps = collection.gaps
    assert [g.source for g in gaps] == [SOURCE]
    assert "kubectl auth can-i get secret/cloud-config -n kube-system" in str(gaps[0].hint)
    # not read: OCCM is still taken to serve (its default), no "no controller"
    diagnosis = diagnose(joined_snapshot(collection))
    assert not [f for f in diagnosis.findings if f.cause == "lb-no-controller"]


def test_no_secret_volume_means_no_request(serve: ServeFn) -> None:
    found, _ = occm(serve, None)
    assert found.load_balancer_enabled is None and found.cloud_config is None


@pytest.mark.parametrize(
    ("text", "enabled"),
    [
        ("", True),
        ("[LoadBalancer]\nenabled = false\n", False),
        ("[loadbalancer]\nEnabled=No\n", False),
        ("[LoadBalancer]\nenabled\n", True),  # a bare bool variable is true
        ('[LoadBalancer]\nenabled = "off" # quoted\n', False),
        ("[LoadBalancer]\nenabled = false\nenabled = true\n", True),  # the last wins
        ("[Global]\nenabled = false\n[LoadBalancer]\nuse-octavia = true\n", True),
        ("[LoadBalancer]\n; enabled = false\n", True),
        ("[LoadBalancer]\nenabled = maybe\n", None),
        ('[LoadBalancer "x"]\nenabled = false\n', True),
    ],
)
def test_enabled_as_gcfg_reads_it(text: str, enabled: bool | None) -> None:
    assert load_balancer_enabled(text) is enabled


def test_speaker_lb_class_and_node_taint_are_read(serve: ServeFn) -> None:
    nodes = make_nodes()
    extra = metallb_objects(nodes, speaker_args=["--lb-class", "metallb.io/metallb"])
    collection = serve(kube_ovn_cluster(nodes=nodes, extra=extra)).collect()
    vips = collection.cluster.virtual_ips
    assert vips is not None and vips.metallb is not None and vips.metallb.speaker is not None
    assert vips.metallb.speaker.lb_class == "metallb.io/metallb"
    assert vips.metallb.controller is not None and vips.metallb.controller.lb_class == ""
    # the double's nodes carry no uninitialized taint: read as False, not unknown
    assert all(n.uninitialized is False for n in collection.cluster.nodes or ())


def test_servicelb_and_kube_vip_cloud_provider_pods_are_recognised() -> None:
    from kostack.collect._kube_vip import VipPods

    def pod(name: str, labels: dict[str, str], image: str, env: list[dict[str, str]]) -> dict:
        meta = {"name": name, "namespace": "kube-system", "labels": labels}
        container = {"name": "c", "image": image, "env": env}
        return {"metadata": meta, "spec": {"containers": [container]}}

    pods = VipPods()
    for ns, svc, node in (("shop", "web", "a"), ("shop", "web", "b"), ("rke", "api", "a")):
        program = "rke2" if ns == "rke" else "k3s"
        labels = {
            "app": f"svclb-{svc}-1a2b3c4d",
            f"svccontroller.{program}.cattle.io/svcname": svc,
            f"svccontroller.{program}.cattle.io/svcnamespace": ns,
        }
        pods.add_pod(pod(f"svclb-{svc}-{node}", labels, "rancher/klipper-lb:v0.4.9", []))
    image = "ghcr.io/kube-vip/kube-vip-cloud-provider:v0.0.12"
    pods.add_pod(
        pod("kvcp-1", {}, image, [{"name": "KUBEVIP_ENABLE_LOADBALANCERCLASS", "value": "true"}])
    )
    pods.add_pod(pod("other", {"app": "web"}, "nginx:1", []))
    found = {c.kind: c for c in pods.lb_controllers()}
    assert found["servicelb"].services == ("shop/web", "rke/api")
    assert found["servicelb"].pod == "svclb-web-a"
    assert found["kube-vip-cloud-provider"].lb_class == "kube-vip.io/kube-vip-class"
    assert pods.kube_vip == [] and pods.occm is None
    plain = VipPods()
    plain.add_pod(pod("kvcp-2", {}, image, []))
    assert [c.lb_class for c in plain.lb_controllers()] == [""]


def test_no_shipped_role_reads_a_secret() -> None:
    """The watch's and guard's roles and the reader role in docs/collect.md run unattended: none
    may read a Secret (OCCM's cloud.conf holds the cloud's credentials); that one read is a gap
    there, on purpose (rbac_grants.UNGRANTED_ON_PURPOSE)."""
    from rbac_grants import UNGRANTED_ON_PURPOSE, roles

    assert ("get", "", "secrets", "cloud-config") in UNGRANTED_ON_PURPOSE
    for where, rules in roles().items():
        for rule in rules:
            resources = set(rule.get("resources", ()))
            assert not resources & {"secrets", "*"}, f"{where} grants {rule}"
