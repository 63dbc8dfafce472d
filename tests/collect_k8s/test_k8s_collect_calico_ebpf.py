"""Calico's eBPF data plane read over HTTP: FelixConfiguration bpfEnabled and
bpfExternalServiceMode, the operator's linuxDataplane, and kube-proxy turned off by a
nodeSelector (its ConfigMap stays, no pod of it runs)."""

from __future__ import annotations

import copy
from typing import Any

from k8s_collect_served import ServeFn, joined_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.analyze.messages import localize
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


def _operator_bpf(version: str = "v3.31.7") -> list[JsonObject]:
    objects = calico_fx.calico_operator_published(version)
    for obj in objects:
        if obj["kind"] == "Installation":
            obj["spec"]["calicoNetwork"]["linuxDataplane"] = "BPF"
    return objects


def test_operator_linux_dataplane_bpf_with_felix_unreadable_is_unknown(serve: ServeFn) -> None:
    """The operator writes bpfEnabled into FelixConfiguration default only once calico-node's
    rollout is complete (tigera/operator bpf.go): the Installation alone says nothing of
    what Felix runs now."""
    served = serve(_operator_bpf())
    for group in ("crd.projectcalico.org", "projectcalico.org"):
        served.api.inject_fault(group, "felixconfigurations", status=403)
    calico = served.collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_external_service_mode) == (None, None)
    assert (calico.bpf_transition, calico.bpf_dsr_optout_cidrs) == (False, None)


def _generation(objects: list[JsonObject], generations: list[str]) -> list[JsonObject]:
    """Label the calico-node pods, in order, with these template generations."""
    pods = [o for o in objects if o["kind"] == "Pod" and "calico-node" in o["metadata"]["name"]]
    for pod, generation in zip(pods, generations, strict=False):
        pod["metadata"].setdefault("labels", {})["pod-template-generation"] = generation
    return objects


def test_operator_bpf_before_felix_configuration_is_a_transition(serve: ServeFn) -> None:
    """Installation BPF, FelixConfiguration default without bpfEnabled, calico-node pods on two
    template generations (and the DaemonSet's status saying 2 of 4 updated): the rollout is
    under way, eBPF is not known anywhere."""
    objects = _generation(_operator_bpf(), ["3", "4", "4", "3"])
    for obj in objects:
        if obj["kind"] == "DaemonSet" and obj["metadata"]["name"] == "calico-node":
            obj["status"]["updatedNumberScheduled"] = 2
    collection = serve(objects).collect()
    calico = collection.cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_transition, calico.bpf_rollout) == (None, True, (2, 4))
    assert calico.bpf_external_service_mode == "Tunnel"
    d = diagnose(joined_snapshot(collection))
    for check in ("net-sg-calico-ebpf", "net-calico-ebpf-kube-proxy"):
        (f,) = [f for f in d.findings if f.check_id == check]
        assert f.status == Status.UNKNOWN
        assert "in transition" in f.message and "(2 of 4 calico-node pods" in f.message
        assert "kubectl -n calico-system rollout status daemonset/calico-node" in f.message
        assert "전환 중" in localize(f.message, "ko")


def test_operator_bpf_once_felix_configuration_says_so(serve: ServeFn) -> None:
    objects = _felix(_operator_bpf(), bpfEnabled=True)
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_transition, calico.bpf_rollout) == (True, False, None)


def test_a_node_env_decides_its_node_during_the_transition(serve: ServeFn) -> None:
    """An older operator turned eBPF on in calico-node's environment: the pods that carry it
    are known to run eBPF, the others are not known."""
    objects = _operator_bpf()
    pods = [o for o in objects if o["kind"] == "Pod" and "calico-node" in o["metadata"]["name"]]
    pods[0]["spec"] = copy.deepcopy(pods[0]["spec"])  # the pods share their containers
    for container in pods[0]["spec"]["containers"]:
        if container["name"] == "calico-node":
            container.setdefault("env", []).append({"name": "FELIX_BPFENABLED", "value": "true"})
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    node = pods[0]["spec"]["nodeName"]
    assert (calico.bpf_enabled, calico.bpf_transition) == (None, True)
    assert calico.felix_nodes[node].bpf_enabled is True


def _calico_node_env(objects: list[JsonObject], *env: JsonObject) -> list[JsonObject]:
    """Add ``env`` to calico-node's container in its DaemonSet and every pod of it."""
    for obj in objects:
        if "calico-node" not in obj["metadata"]["name"] or obj["kind"] not in ("Pod", "DaemonSet"):
            continue
        spec = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
        for container in spec["containers"]:
            if container["name"] == "calico-node":
                container.setdefault("env", []).extend(env)
    return objects


def _node_felix(name: str, **spec: Any) -> JsonObject:
    return {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "FelixConfiguration",
        "metadata": {"name": f"node.{name}"},
        "spec": spec,
    }


def test_calico_node_env_beats_felix_configuration(serve: ServeFn) -> None:
    """A manifest install turns eBPF on in calico-node's environment (names in any case,
    Felix's boolean words): that wins over `default`, and over a node's own object."""
    objects = _calico_node_env(
        calico_fx.calico_manifest_published("v3.31.7", "ipip"),
        {"name": "FELIX_BPFENABLED", "value": "Yes"},
        {"name": "felix_bpfExternalServiceMode", "value": "DSR"},
        {"name": "FELIX_BPFDSROPTOUTCIDRS", "value": "10.0.0.0/24, 192.0.2.7"},
        {"name": "FELIX_VXLANPORT", "value": "4799"},
    )
    objects.append(_node_felix("k8s-w-1", bpfEnabled=False, vxlanPort=4800))
    calico = serve(_felix(objects, bpfEnabled=False)).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_external_service_mode) == (True, "DSR")
    assert [str(c) for c in calico.bpf_dsr_optout_cidrs or ()] == ["10.0.0.0/24", "192.0.2.7/32"]
    assert calico.vxlan_port == 4799
    assert calico.felix_nodes == {}  # the environment wins on every node
    assert calico.felix_env_unread == ()


def test_calico_node_env_off_and_invalid_values(serve: ServeFn) -> None:
    """ "false" turns eBPF off whatever `default` says; an invalid mode is Felix's default."""
    objects = _calico_node_env(
        calico_fx.calico_manifest_published("v3.31.7", "ipip"),
        {"name": "FELIX_BPFENABLED", "value": "false"},
        {"name": "FELIX_BPFEXTERNALSERVICEMODE", "value": "sideways"},
    )
    calico = serve(_felix(objects, bpfEnabled=True)).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_external_service_mode) == (False, "Tunnel")


def test_env_value_from_is_read_from_calico_config_or_unknown(serve: ServeFn) -> None:
    """A configMapKeyRef into calico-config (which kostack reads) gives the value; any other
    valueFrom (here a Secret, never read) leaves the field unknown and names the variable."""
    objects = _calico_node_env(
        calico_fx.calico_manifest_published("v3.31.7", "ipip"),
        {
            "name": "FELIX_BPFENABLED",
            "valueFrom": {"configMapKeyRef": {"name": "calico-config", "key": "bpf_on"}},
        },
        {
            "name": "FELIX_VXLANPORT",
            "valueFrom": {"secretKeyRef": {"name": "felix-secret", "key": "port"}},
        },
    )
    for obj in objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == "calico-config":
            obj["data"]["bpf_on"] = "true"
    calico = serve(objects).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.vxlan_port) == (True, None)
    assert calico.felix_env_unread == ("FELIX_VXLANPORT",)


def test_per_node_felix_configuration_keeps_only_what_differs(serve: ServeFn) -> None:
    """`node.<name>` objects come from the same list as `default`: a node whose own object
    turns eBPF on is kept with that field only; a node whose object repeats the cluster's
    value is not kept at all."""
    objects = calico_fx.calico_manifest_published("v3.31.7", "ipip")
    objects.append(_node_felix("k8s-w-1", bpfEnabled=True, bpfExternalServiceMode="Tunnel"))
    objects.append(_node_felix("k8s-w-2", bpfEnabled=False))
    served = serve(objects)
    calico = served.collect().cluster.cni.calico
    assert calico is not None and calico.bpf_enabled is False
    assert {n: o.model_dump(exclude_none=True) for n, o in calico.felix_nodes.items()} == {
        "k8s-w-1": {"bpf_enabled": True}
    }
    felix = [r for r in served.requests() if "/felixconfigurations" in r]
    assert felix == ["GET /apis/crd.projectcalico.org/v1/felixconfigurations?limit=500 200"]


def test_a_selector_scoped_felix_configuration_over_http(serve: ServeFn) -> None:
    """Calico 3.32+: FelixConfiguration `edge` (neither `default` nor `node.*`) with a
    nodeSelector on the Nodes' labels turns DSR on for k8s-w-2 only, and an annotation
    config.projectcalico.org/ on `default` turns eBPF on, whatever its spec says."""
    objects = _felix(calico_fx.calico_operator_published("v3.31.7"), bpfEnabled=False)
    for obj in objects:
        if obj["kind"] == "FelixConfiguration":
            obj["metadata"]["annotations"] = {"config.projectcalico.org/BPFEnabled": "true"}
    edge = _node_felix("x", bpfExternalServiceMode="DSR")
    edge["metadata"]["name"] = "edge"
    edge["spec"]["nodeSelector"] = "kubernetes.io/hostname == 'k8s-w-2'"
    calico = serve([*objects, edge]).collect().cluster.cni.calico
    assert calico is not None
    assert (calico.bpf_enabled, calico.bpf_external_service_mode) == (True, "Tunnel")
    assert {n: o.model_dump(exclude_none=True) for n, o in calico.felix_nodes.items()} == {
        "k8s-w-2": {"bpf_external_service_mode": "DSR"}
    }
