"""MetalLB and kube-vip objects to add to a cluster fixture.

MetalLB as metallb/metallb's config/manifests/metallb-native.yaml installs it: namespace
metallb-system, Deployment controller and DaemonSet speaker (pods labelled app=metallb,
component=controller|speaker; images quay.io/metallb/controller|speaker), the CRDs
ipaddresspools, l2advertisements and bgpadvertisements (metallb.io/v1beta1) and bgppeers
(metallb.io/v1beta2, its storage version; v1beta1 is served too, deprecated). kube-vip as its
docs' static pod manifest (`kube-vip manifest pod --arp --controlplane ...`): a pod in
kube-system on each control plane, image ghcr.io/kube-vip/kube-vip, settings in env.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from kostack_lab.kube_objects import JsonObject, crd_object, object_meta
from kostack_testkit.k8s_fixture_objects import (
    NodeSpec,
    container_spec,
    daemonset_objects,
    deployment_objects,
    env_var,
    pod_object,
)

NAMESPACE = "metallb-system"
VERSION = "v0.14.9"
KUBE_VIP_IMAGE = "ghcr.io/kube-vip/kube-vip:v0.8.9"


def pool_object(name: str, addresses: Sequence[str], **spec: Any) -> JsonObject:
    return {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "IPAddressPool",
        "metadata": object_meta("IPAddressPool", name, NAMESPACE, created=7.0),
        "spec": {"addresses": list(addresses), **spec},
    }


def advertisement_object(name: str, kind: str = "L2Advertisement", **spec: Any) -> JsonObject:
    return {
        "apiVersion": "metallb.io/v1beta1",
        "kind": kind,
        "metadata": object_meta(kind, name, NAMESPACE, created=7.0),
        "spec": dict(spec),
    }


def peer_object(name: str, address: str, **spec: Any) -> JsonObject:
    """A BGPPeer (metallb.io/v1beta2) at ``address`` (ASNs 64500 and 64501 unless given)."""
    return {
        "apiVersion": "metallb.io/v1beta2",
        "kind": "BGPPeer",
        "metadata": object_meta("BGPPeer", name, NAMESPACE, created=7.0),
        "spec": {"myASN": 64500, "peerASN": 64501, "peerAddress": address, **spec},
    }


def metallb_objects(
    nodes: Sequence[NodeSpec],
    *,
    pools: Sequence[JsonObject] | None = None,
    advertisements: Sequence[JsonObject] | None = None,
    peers: Sequence[JsonObject] = (),
    helm_labels: bool = False,
    peer_crd: bool = True,
    controller_args: Sequence[str] = (),
    speaker_args: Sequence[str] = (),
) -> list[JsonObject]:
    """MetalLB's pods and CRDs, with one pool and an L2Advertisement of every pool unless
    given, and ``peers``. ``helm_labels``: the Helm chart's app.kubernetes.io/* labels
    instead; ``peer_crd`` False: no BGPPeer CRD (the list is refused); ``controller_args``
    after the controller's own (``--lb-class=...``)."""

    def labels(component: str) -> dict[str, str]:
        if helm_labels:
            return {
                "app.kubernetes.io/name": "metallb",
                "app.kubernetes.io/instance": "metallb",
                "app.kubernetes.io/component": component,
            }
        return {"app": "metallb", "component": component}

    speaker = container_spec(
        "speaker",
        f"quay.io/metallb/speaker:{VERSION}",
        args=["--port=7472", "--log-level=info", *speaker_args],
        env=[env_var("METALLB_ML_BIND_PORT", "7946")],
    )
    controller = container_spec(
        "controller",
        f"quay.io/metallb/controller:{VERSION}",
        args=["--port=7472", "--log-level=info", *controller_args],
    )
    worker = next((n for n in nodes if not n.control_plane), nodes[0])
    objects: list[JsonObject] = [
        *daemonset_objects(
            NAMESPACE, "speaker", labels("speaker"), [speaker], nodes, host_network=True
        ),
        *deployment_objects(
            NAMESPACE, "controller", labels("controller"), [controller], [(worker, "10.244.9.7")]
        ),
        crd_object("metallb.io", "IPAddressPool", "ipaddresspools", version="v1beta1"),
        crd_object("metallb.io", "L2Advertisement", "l2advertisements", version="v1beta1"),
        crd_object("metallb.io", "BGPAdvertisement", "bgpadvertisements", version="v1beta1"),
    ]
    if peer_crd:
        objects.append(crd_object("metallb.io", "BGPPeer", "bgppeers", version="v1beta2"))
    objects.extend(peers)
    objects.extend(pools if pools is not None else [pool_object("default", ["10.0.0.200/29"])])
    objects.extend(advertisements if advertisements is not None else [advertisement_object("l2")])
    return objects


def kube_vip_pods(
    nodes: Sequence[NodeSpec], address: str, env: Mapping[str, str] | None = None
) -> list[JsonObject]:
    """kube-vip's static pod on each control plane (ARP, control plane VIP ``address``)."""
    settings = {
        "vip_arp": "true",
        "port": "6443",
        "vip_interface": "ens3",
        "vip_cidr": "32",
        "cp_enable": "true",
        "vip_leaderelection": "true",
        "address": address,
        **(env or {}),
    }
    container = container_spec(
        "kube-vip",
        KUBE_VIP_IMAGE,
        args=["manager"],
        env=[env_var(k, v) for k, v in settings.items()],
    )
    return [
        pod_object(
            "kube-system",
            f"kube-vip-{n.name}",
            n,
            n.internal_ip,
            [container],
            host_network=True,
        )
        for n in nodes
        if n.control_plane
    ]


def occm_objects(
    nodes: Sequence[NodeSpec],
    controllers: str | None = None,
    cloud_conf: str | None = None,
    kind: str = "DaemonSet",
) -> list[JsonObject]:
    """openstack-cloud-controller-manager's DaemonSet on the control plane, as
    cloud-provider-openstack's manifests/controller-manager/openstack-cloud-controller-manager-
    ds.yaml runs it (its first argument the program); ``controllers``: a --controllers value;
    ``cloud_conf``: the manifest's Secret kube-system/cloud-config with that cloud.conf, mounted
    at /etc/config (None: no Secret volume, as before); ``kind`` "Deployment": run by a
    Deployment (its ReplicaSet and pods, as other installs do), "ReplicaSet": by a ReplicaSet
    of its own (no Deployment, no pod-template-hash)."""
    args = [
        "/bin/openstack-cloud-controller-manager",
        "--v=1",
        "--cloud-config=$(CLOUD_CONFIG)",
        "--cloud-provider=openstack",
        *([f"--controllers={controllers}"] if controllers is not None else []),
    ]
    occm = container_spec(
        "openstack-cloud-controller-manager",
        "registry.k8s.io/provider-os/openstack-cloud-controller-manager:v1.31.1",
        args=args,
        env=[env_var("CLOUD_CONFIG", "/etc/config/cloud.conf")],
        volume_mounts=(
            [{"mountPath": "/etc/config", "name": "cloud-config-volume"}]
            if cloud_conf is not None
            else []
        ),
    )
    planes = [n for n in nodes if n.control_plane] or list(nodes[:1])
    labels = {"k8s-app": "openstack-cloud-controller-manager"}
    volumes = [{"name": "cloud-config-volume", "secret": {"secretName": "cloud-config"}}]
    name, mounted = "openstack-cloud-controller-manager", volumes if cloud_conf is not None else []
    if kind == "DaemonSet":
        objects = daemonset_objects("kube-system", name, labels, [occm], planes, volumes=mounted)
    else:
        placed = [(n, n.internal_ip) for n in planes[:1]]
        objects = deployment_objects(
            "kube-system", name, labels, [occm], placed, host_network=True, volumes=mounted
        )
        if kind == "ReplicaSet":
            objects = [_own_replicaset(o) for o in objects if o["kind"] != "Deployment"]
    if cloud_conf is not None:
        data = base64.b64encode(cloud_conf.encode()).decode()
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": object_meta("Secret", "cloud-config", "kube-system"),
                "type": "Opaque",
                "data": {"cloud.conf": data},
            }
        )
    return objects


def _own_replicaset(obj: JsonObject) -> JsonObject:
    """A Deployment's ReplicaSet or pod as if the ReplicaSet had been made alone: no owner of
    the ReplicaSet, no pod-template-hash label anywhere."""
    out: JsonObject = json.loads(json.dumps(obj))
    meta = out["metadata"]
    meta.get("labels", {}).pop("pod-template-hash", None)
    if out["kind"] == "ReplicaSet":
        meta.pop("ownerReferences", None)
        for key in (
            "deployment.kubernetes.io/desired-replicas",
            "deployment.kubernetes.io/max-replicas",
            "deployment.kubernetes.io/revision",
        ):
            meta.get("annotations", {}).pop(key, None)
        out["spec"]["selector"]["matchLabels"].pop("pod-template-hash", None)
        out["spec"]["template"]["metadata"]["labels"].pop("pod-template-hash", None)
    return out
