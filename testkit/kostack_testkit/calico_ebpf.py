"""Calico's eBPF data plane on OpenStack: shop/web behind an amphora load balancer, kube-proxy
off (its DaemonSet no longer scheduled), and the node group admitting TCP, ICMP and the pod
range between nodes but no UDP: Felix's VXLAN NodePort forwarding is dropped."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kostack_testkit.builders import Doc, group, rule
from kostack_testkit.lb_fixtures import amphora_healthy


def ebpf_doc(*, mode: str = "Tunnel") -> Doc:
    """The healthy load balancer example with Calico's eBPF data plane serving Services."""
    doc = amphora_healthy()
    calico = doc["cluster"]["cni"]["calico"]
    calico.update(bpf_enabled=True, bpf_external_service_mode=mode, vxlan_port=4789)
    doc["cluster"]["kube_proxy_mode"] = "none"
    return doc


def ebpf_no_udp() -> Doc:
    """The nodes' default group admits from its members only TCP and ICMP, and everything
    from the pod range: no UDP 4789 between nodes."""
    doc = ebpf_doc()
    sg = group(doc, "default")
    self_all = [r for r in sg["rules"] if r["direction"] == "ingress" and r["remote_group_id"]]
    sg["rules"] = [r for r in sg["rules"] if r not in self_all]
    for protocol in ("tcp", "icmp"):
        sg["rules"].append(rule(sg["id"], "ingress", protocol, group=sg["id"]))
    sg["rules"].append(rule(sg["id"], "ingress", prefix="10.244.0.0/16"))
    # the health monitor's TCP check on the two nodes without an endpoint goes the same way
    for lb in doc["openstack"]["load_balancers"]:
        for pool in lb["pools"]:
            for member in pool["members"]:
                if member["name"] in ("k8s-cp-1", "k8s-w-3"):
                    member["operating_status"] = "ERROR"
    return doc


def ebpf_with_kube_proxy() -> Doc:
    """eBPF on, and kubeadm's kube-proxy still scheduled: one pod of it on every node, its
    ConfigMap's mode iptables."""
    doc = ebpf_doc()
    doc["cluster"]["kube_proxy_mode"] = "iptables"
    for node in doc["cluster"]["nodes"]:
        doc["cluster"]["pods"].append(
            {
                "namespace": "kube-system",
                "name": f"kube-proxy-{node['name'][-4:].replace('-', '')}",
                "node": node["name"],
                "ip": node["internal_ip"],
                "phase": "Running",
                "host_network": True,
                "labels": {"k8s-app": "kube-proxy"},
            }
        )
    return doc


# The Calico fields a manifest install's calico-node environment decides, taken from kostack's
# own collection of the API double (`manifest_env_calico`)
ENV_FIELDS = (
    "install_method",
    "bpf_enabled",
    "bpf_external_service_mode",
    "bpf_dsr_optout_cidrs",
    "bpf_exclude_cidrs_from_nat",
    "vxlan_port",
    "felix_nodes",
    "felix_env_unread",
    "felix_config_file",
)


def _with_env(objects: list[dict[str, Any]], *env: dict[str, Any]) -> list[dict[str, Any]]:
    """``env`` added to calico-node's container in its DaemonSet and pods; kube-proxy's pods
    gone (Calico's docs: its DaemonSet no longer scheduled)."""
    out = []
    for obj in objects:
        name = obj["metadata"]["name"]
        if obj["kind"] == "Pod" and name.startswith("kube-proxy"):
            continue
        if "calico-node" in name and obj["kind"] in ("Pod", "DaemonSet"):
            spec = obj["spec"] if obj["kind"] == "Pod" else obj["spec"]["template"]["spec"]
            for container in spec["containers"]:
                if container["name"] == "calico-node":
                    container.setdefault("env", []).extend(env)
        out.append(obj)
    return out


def manifest_env_calico() -> tuple[dict[str, Any], str | None]:
    """(Calico's eBPF fields, kube-proxy's mode) as kostack's collector reads them from a
    calico.yaml install served by the API double, whose calico-node DaemonSet sets
    FELIX_BPFENABLED=true while FelixConfiguration `default` leaves bpfEnabled unset."""
    from kostack.collect.kubernetes import collect_kubernetes
    from kostack_testkit.k8s_fixture_published import calico_manifest_published
    from kostack_testkit.kubeapi import KubeApiDouble

    objects = _with_env(
        calico_manifest_published("v3.31.7", "ipip"), {"name": "FELIX_BPFENABLED", "value": "true"}
    )
    with (
        tempfile.TemporaryDirectory(prefix="kostack-example-") as tmp,
        KubeApiDouble(objects) as api,
    ):
        kubeconfig = api.write_kubeconfig(Path(tmp) / "kubeconfig")
        collection = collect_kubernetes(str(kubeconfig), None, environ={})
    calico = collection.cluster.cni.calico
    if calico is None or calico.bpf_enabled is not True:
        raise AssertionError("the collector did not read FELIX_BPFENABLED")
    record = calico.model_dump(mode="json")
    return {k: record[k] for k in ENV_FIELDS}, collection.cluster.kube_proxy_mode


def ebpf_env_no_udp() -> Doc:
    """`ebpf_no_udp` on a manifest install whose calico-node turns eBPF on in its
    environment: the Calico eBPF fields and kube-proxy's mode are the collector's."""
    doc = ebpf_no_udp()
    fields, mode = manifest_env_calico()
    doc["cluster"]["cni"]["calico"].update(fields)
    doc["cluster"]["kube_proxy_mode"] = mode
    return doc


CALICO_EBPF_EXAMPLES: dict[str, tuple[str, Callable[[], Doc]]] = {
    "calico-ebpf-healthy": (
        "shop/web on the amphora provider; Calico's eBPF data plane serves Services, kube-proxy "
        "off; the nodes' group admits everything between them.",
        ebpf_doc,
    ),
    "calico-ebpf-nodeport-no-4789": (
        "Calico's eBPF data plane, kube-proxy off; the nodes' group admits TCP, ICMP and the pod "
        "range between nodes but no UDP: Felix's VXLAN NodePort forwarding (udp 4789) is dropped, "
        "and the members without an endpoint are ERROR.",
        ebpf_no_udp,
    ),
    "calico-ebpf-env-no-4789": (
        "A calico.yaml install that turns Calico's eBPF data plane on with FELIX_BPFENABLED=true "
        "in calico-node's environment (FelixConfiguration default leaves bpfEnabled unset), "
        "kube-proxy off; the nodes' group admits no UDP between them: Felix's VXLAN NodePort "
        "forwarding (udp 4789) is dropped, and the members without an endpoint are ERROR.",
        ebpf_env_no_udp,
    ),
}


def calico_ebpf_example_doc(name: str) -> Doc:
    description, make = CALICO_EBPF_EXAMPLES[name]
    doc = copy.deepcopy(make())
    doc["source"] = f"example {name}: {description}"
    return doc
