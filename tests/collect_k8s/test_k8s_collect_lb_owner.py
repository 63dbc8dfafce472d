"""Who serves Services of type LoadBalancer, read from the pods already listed: MetalLB's
controller's --lb-class (collect/_metallb_speaker.py, metallb/metallb controller/main.go) and
the OpenStack cloud controller's pod and --controllers (collect/_occm.py).

Before they were read the snapshot had no `controller` nor `occm`: these tests fail on that
code.
"""

from __future__ import annotations

import pytest
from k8s_collect_served import ServeFn

from kostack.collect._occm import service_controller
from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster
from kostack_testkit.k8s_fixture_metallb import metallb_objects, occm_objects
from kostack_testkit.k8s_fixture_objects import make_nodes


def test_lb_class_and_occm_come_from_the_listed_pods_with_no_request(serve: ServeFn) -> None:
    nodes = make_nodes()
    extra = [
        *metallb_objects(nodes, controller_args=["--lb-class", "metallb.io/metallb"]),
        *occm_objects(nodes),
    ]
    collection = serve(kube_ovn_cluster(nodes=nodes, extra=extra)).collect()
    vips = collection.cluster.virtual_ips
    assert vips is not None and vips.metallb is not None
    assert vips.metallb.controller is not None
    assert vips.metallb.controller.lb_class == "metallb.io/metallb"
    occm = vips.occm
    assert occm is not None and occm.found and occm.service_controller is True
    assert occm.namespace == "kube-system"
    assert (occm.pod or "").startswith("openstack-cloud-controller-manager")
    # no request beyond MetalLB's four lists
    assert collection.api_requests == 10 + 2 + 4


def test_no_occm_pod_is_read_as_none_found_and_no_lb_class_as_empty(serve: ServeFn) -> None:
    nodes = make_nodes()
    objects = kube_ovn_cluster(nodes=nodes, extra=metallb_objects(nodes))
    vips = serve(objects).collect().cluster.virtual_ips
    assert vips is not None and vips.metallb is not None
    assert vips.metallb.controller is not None and vips.metallb.controller.lb_class == ""
    assert vips.occm is not None and vips.occm.found is False


def test_occm_without_its_service_controller(serve: ServeFn) -> None:
    nodes = make_nodes()
    objects = kube_ovn_cluster(nodes=nodes, extra=occm_objects(nodes, "*,-service"))
    vips = serve(objects).collect().cluster.virtual_ips
    assert vips is not None and vips.occm is not None
    assert vips.occm.found and vips.occm.service_controller is False


@pytest.mark.parametrize(
    ("controllers", "runs"),
    [
        ("*", True),
        ("cloud-node,cloud-node-lifecycle,route,service", True),
        ("cloud-node,route", False),
        ("*,-service-lb-controller", False),
        ("service-lb-controller,-service", True),  # the first that names it decides
        ("$(CONTROLLERS)", None),
        (None, None),
    ],
)
def test_controllers_flag_as_the_controller_manager_reads_it(
    controllers: str | None, runs: bool | None
) -> None:
    assert service_controller(controllers) is runs


def test_occm_is_recognised_by_name_image_or_program() -> None:
    from kostack.collect._occm import parse_occm

    def pod(container: dict[str, object]) -> dict[str, object]:
        meta = {"name": "occm-1", "namespace": "kube-system"}
        return {"metadata": meta, "spec": {"containers": [container]}}

    mirror = "docker.io/rancher/mirrored-k8scloudprovider-openstack-cloud-controller-manager:v1.30"
    seen = [
        pod({"name": "ccm", "image": mirror}),
        pod({"name": "openstack-cloud-controller-manager", "image": "x/y:1"}),
        pod(
            {
                "name": "ccm",
                "image": "x/y:1",
                "command": ["/bin/openstack-cloud-controller-manager"],
            }
        ),
    ]
    assert all((found := parse_occm(p)) is not None and found.found for p in seen)
    # kube-vip's cloud provider, or any other cloud controller, is not OCCM
    other = pod(
        {
            "name": "kube-vip-cloud-provider",
            "image": "ghcr.io/kube-vip/kube-vip-cloud-provider:v0.0.10",
        }
    )
    assert parse_occm(other) is None


@pytest.mark.parametrize(
    ("kind", "workload"),
    [
        ("DaemonSet", "daemonset/openstack-cloud-controller-manager"),
        ("Deployment", "deployment/openstack-cloud-controller-manager"),
        ("ReplicaSet", None),
    ],
)
def test_occm_workload_comes_from_the_pods_owner_references(
    serve: ServeFn, kind: str, workload: str | None
) -> None:
    """OCCM's workload was guessed from its pod's name as a DaemonSet (a Deployment's pod got
    `kubectl edit daemonset/<replicaset>`). It comes from the pod's controller ownerReference:
    a DaemonSet directly, a ReplicaSet named <deployment>-<pod-template-hash> its Deployment,
    and a ReplicaSet of its own (no pod-template-hash) nothing: not known. No request more."""
    nodes = make_nodes()
    objects = kube_ovn_cluster(nodes=nodes, extra=occm_objects(nodes, "*,-service", kind=kind))
    collection = serve(objects).collect()
    occm = collection.cluster.virtual_ips.occm
    assert occm is not None and occm.found and occm.service_controller is False
    assert occm.workload == workload
    assert (
        collection.api_requests == 10 + 2
    )  # as before (Kube-OVN: its IPPools too): no request for the owner


def test_workload_from_owner_references_by_hand() -> None:
    from kostack.collect._occm import workload

    def pod(owner: dict[str, object] | None, **labels: str) -> dict[str, object]:
        meta: dict[str, object] = {"name": "p", "namespace": "kube-system", "labels": labels}
        if owner is not None:
            meta["ownerReferences"] = [owner]
        return {"metadata": meta}

    def ref(kind: str, name: str, controller: bool = True) -> dict[str, object]:
        return {"apiVersion": "apps/v1", "kind": kind, "name": name, "controller": controller}

    hashed = {"pod-template-hash": "5d8c7b9f4"}
    assert workload(pod(ref("ReplicaSet", "occm-5d8c7b9f4"), **hashed)) == "deployment/occm"
    assert workload(pod(ref("StatefulSet", "occm"))) == "statefulset/occm"
    # a ReplicaSet whose name does not end with the pod's hash, or the hash alone: not known
    assert workload(pod(ref("ReplicaSet", "occm-abc"), **hashed)) is None
    assert workload(pod(ref("ReplicaSet", "5d8c7b9f4"), **hashed)) is None
    # an owner that is not the controller, a static pod's Node, no owner: not known
    assert workload(pod(ref("DaemonSet", "occm", controller=False))) is None
    node = {"apiVersion": "v1", "kind": "Node", "name": "k8s-cp-1", "controller": True}
    assert workload(pod(node)) is None
    assert workload(pod(None)) is None
