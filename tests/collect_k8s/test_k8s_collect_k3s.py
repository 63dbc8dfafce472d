"""k3s runs flannel, kube-proxy and the control plane in its own process: no pod or ConfigMap
says how. kostack used to leave such a cluster undecided (flannel's settings, the pod and
service ranges and kube-proxy's mode all gaps); it now reads a server's k3s.io/node-args."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest
from k8s_collect_served import ServeFn

from kostack.analyze.diagnose import diagnose
from kostack.collect._k3s import SOURCE, K3sServer
from kostack.collect.match import match_identities
from kostack.model import Snapshot
from kostack.model.snapshot import OpenStack
from kostack.report.text import render_diagnosis
from kostack_testkit.builders import example_doc
from kostack_testkit.k8s_fixture_canal import k3s_cluster


def test_k3s_defaults(serve: ServeFn) -> None:
    collection = serve(k3s_cluster()).collect()
    assert collection.gaps == ()
    cluster = collection.cluster
    flannel = cluster.cni.flannel
    assert cluster.cni.type == "flannel" and flannel is not None
    assert (flannel.backend_type, flannel.port, str(flannel.network)) == (
        "vxlan",
        8472,
        "10.42.0.0/16",
    )
    assert flannel.ip_masq is True and flannel.kube_subnet_mgr is True
    assert flannel.bundle == "k3s"
    assert cluster.pod_cidrs_source == SOURCE
    assert [str(c) for c in cluster.service_cidrs or ()] == ["10.43.0.0/16"]
    assert cluster.kube_proxy_mode == "iptables"


@pytest.mark.parametrize(
    ("backend", "wire", "port", "proxy_arg", "mode"),
    [
        ("host-gw", "host-gw", None, ["--kube-proxy-arg", "proxy-mode=ipvs"], "ipvs"),
        ("wireguard-native", "wireguard", 51820, ["--disable-kube-proxy"], "none"),
    ],
)
def test_k3s_flags(
    serve: ServeFn, backend: Any, wire: str, port: int | None, proxy_arg: list[str], mode: str
) -> None:
    args = ["--flannel-backend", backend, "--cluster-cidr", "10.52.0.0/16", *proxy_arg]
    args += ["--service-cidr", "10.53.0.0/16"]
    objects = k3s_cluster(backend=backend, server_args=args, cluster_cidr="10.52.0.0/16")
    cluster = serve(objects).collect().cluster
    flannel = cluster.cni.flannel
    assert flannel is not None
    assert (flannel.backend_type, flannel.port, str(flannel.network)) == (
        wire,
        port,
        "10.52.0.0/16",
    )
    assert [str(c) for c in cluster.service_cidrs or ()] == ["10.53.0.0/16"]
    assert cluster.kube_proxy_mode == mode


def test_k3s_with_its_own_flannel_conf_stays_a_gap(serve: ServeFn) -> None:
    """--flannel-conf: a net-conf.json on the servers' disks, which no API shows."""
    objects = k3s_cluster(server_args=["--flannel-conf", "/etc/flannel/net-conf.json"])
    collection = serve(objects).collect()
    assert collection.cluster.cni.flannel is None
    assert [g.source for g in collection.gaps] == ["cluster.cni.flannel"]
    assert "--flannel-conf" in collection.gaps[0].hint  # not "look for kube-flannel-cfg"


def _node(args: object) -> dict[str, Any]:
    text = args if isinstance(args, str) else json.dumps(args)
    return {"metadata": {"annotations": {"k3s.io/node-args": text}}}


def test_node_args_read_strictly() -> None:
    """Agents, other programs and malformed annotations are no server."""
    for hostile in (["agent", "--server", "x"], [], {"server": 1}, "not json", "[" * 70000, 7):
        assert K3sServer.of(_node(hostile)) is None
    dual = K3sServer.of(_node(["server", "--cluster-cidr", "10.42.0.0/16,fd00:42::/56"]))
    assert dual is not None
    flannel = dual.flannel()
    assert flannel is not None and flannel.enable_ipv6
    assert flannel.ipv6_network == ipaddress.ip_network("fd00:42::/56")
    odd = K3sServer.of(_node(["server", "--kube-proxy-arg", "proxy-mode=kernelspace"]))
    assert odd is not None and odd.proxy_mode is None  # not a mode kostack knows
    none = K3sServer.of(_node(["server", "--flannel-backend", "none"]))
    assert none is not None and none.flannel() is None  # another CNI does the work


def test_k3s_without_udp_8472_is_an_encapsulation_cause(serve: ServeFn) -> None:
    """On the project of the example flannel-vxlan-no-8472: decided, and the cause named."""
    collection = serve(k3s_cluster()).collect()
    openstack = OpenStack.model_validate(example_doc("flannel-vxlan-no-8472")["openstack"])
    links = match_identities(collection.nodes_raw, openstack.ports or ())
    snapshot = Snapshot(openstack=openstack, cluster=collection.cluster, node_ports=links)
    diagnosis = diagnose(snapshot)
    assert [rc.key for rc in diagnosis.root_causes] == ["sg-encap"]
    assert "--dst-port 8472" in render_diagnosis(diagnosis)


@pytest.mark.parametrize(
    ("args", "release", "servicelb"),
    [
        ([], None, "on"),
        (["--disable", "traefik,servicelb"], None, "off"),
        (["--no-deploy", "servicelb"], None, "off"),
        (["--disable", "traefik"], None, "on"),
        ([], "v1.20.15+k3s1", "unknown"),  # its config file's flags are not in node-args
        (["--disable", "servicelb"], "v1.20.15+k3s1", "off"),
    ],
)
def test_servicelb_is_read_from_a_servers_flags_before_any_svclb_pod(
    serve: ServeFn, args: list[str], release: str | None, servicelb: str
) -> None:
    """k3s's ServiceLB was recognised only by its svclb pods, which exist once it serves a
    Service: a pending Service on k3s was said to have no controller. A server's node-args say
    whether it runs (k3s pkg/cli/server/server.go: --disable or --no-deploy naming servicelb,
    comma-split, disables it)."""
    cluster = serve(k3s_cluster(server_args=args, release=release)).collect().cluster
    assert cluster.virtual_ips is not None
    assert cluster.virtual_ips.servicelb == servicelb


def test_not_k3s_says_nothing_of_servicelb(serve: ServeFn) -> None:
    from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster

    vips = serve(kube_ovn_cluster()).collect().cluster.virtual_ips
    assert vips is not None and vips.servicelb is None


def test_pods_unreadable_k3s_keeps_what_its_nodes_say(serve: ServeFn) -> None:
    """With the pods forbidden, what the Nodes said stays: a k3s server's node-args (flannel,
    the ranges, kube-proxy's mode). Rebuilding the facts after the failed pod listing used to
    drop them, leaving the whole k3s cluster undecided."""
    served = serve(k3s_cluster())
    served.api.inject_fault("", "pods", status=403)
    collection = served.collect()
    cluster = collection.cluster
    flannel = cluster.cni.flannel
    assert cluster.cni.type == "flannel" and flannel is not None and flannel.bundle == "k3s"
    assert [str(c) for c in cluster.service_cidrs or ()] == ["10.43.0.0/16"]
    assert cluster.kube_proxy_mode == "iptables"
    assert "cluster.pods" in {g.source for g in collection.gaps}
