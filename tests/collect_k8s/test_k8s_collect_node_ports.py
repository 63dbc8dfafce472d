"""Who serves NodePorts and on which addresses, read through the official client: kube-proxy's
pods beside its ConfigMap, kube-proxy's and Antrea's nodePortAddresses."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
import yaml
from k8s_collect_served import ServeFn

from kostack.collect._cni_antrea import parse_antrea
from kostack.collect._kube_objects import Notes
from kostack_testkit.k8s_fixture_antrea import DEFAULT_CONF, antrea_cluster
from kostack_testkit.k8s_fixture_canal import rke2_cluster


def _kube_proxy_conf(objects: list[Any], **settings: Any) -> list[Any]:
    """The cluster with ``settings`` written into kube-proxy's config.conf."""
    for o in objects:
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "kube-proxy":
            conf = yaml.safe_load(o["data"]["config.conf"])
            conf.update(settings)
            o["data"]["config.conf"] = yaml.safe_dump(conf)
    return objects


def _pods_removed(objects: list[Any]) -> list[Any]:
    """`kubectl -n kube-system delete daemonset kube-proxy`: its pods go, the ConfigMap stays."""
    return [
        o
        for o in objects
        if o["kind"] == "ConfigMap" or not o["metadata"]["name"].startswith("kube-proxy")
    ]


def test_kube_proxy_pods_are_counted_beside_the_configmap(serve: ServeFn) -> None:
    collection = serve(antrea_cluster()).collect()
    cluster = collection.cluster
    assert cluster.kube_proxy_pods == len(cluster.nodes or ())
    assert cluster.kube_proxy_pods > 0
    assert cluster.kube_proxy_node_port_addresses == ()  # nodePortAddresses: null, every address


def test_removed_pods_with_the_configmap_kept_read_as_none_running(serve: ServeFn) -> None:
    """The mode still comes from the kept ConfigMap; the pods say nothing runs it."""
    collection = serve(_pods_removed(antrea_cluster())).collect()
    assert collection.cluster.kube_proxy_mode == "iptables"
    assert collection.cluster.kube_proxy_pods == 0
    assert not collection.cluster.kube_proxy_absent  # the ConfigMap answered


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (["10.0.0.0/24"], ("10.0.0.0/24",)),
        (["10.0.0.7/24", "fd00::/64"], ("10.0.0.0/24", "fd00::/64")),  # host bits dropped
        (["primary"], ("primary",)),
        ([], ()),
    ],
)
def test_kube_proxy_node_port_addresses_are_read(
    serve: ServeFn, written: list[str], read: tuple[str, ...]
) -> None:
    objects = _kube_proxy_conf(antrea_cluster(), nodePortAddresses=written)
    collection = serve(objects).collect()
    assert collection.cluster.kube_proxy_node_port_addresses == read
    assert not any(g.source.startswith("cluster.kube_proxy") for g in collection.gaps)


@pytest.mark.parametrize("written", [["primary", "10.0.0.0/24"], ["not-a-cidr"], "10.0.0.0/24"])
def test_an_unreadable_node_port_addresses_is_a_gap_not_every_address(
    serve: ServeFn, written: object
) -> None:
    """kube-proxy refuses 'primary' beside CIDRs and anything not a CIDR (validation.go); a
    bare string is no list: none of them is taken as "every address"."""
    objects = _kube_proxy_conf(antrea_cluster(), nodePortAddresses=written)
    collection = serve(objects).collect()
    assert collection.cluster.kube_proxy_node_port_addresses is None
    gap = next(g for g in collection.gaps if g.source == "cluster.kube_proxy_node_port_addresses")
    assert "nodePortAddresses" in gap.error


def test_antrea_node_port_addresses_are_read_under_antrea_proxy(serve: ServeFn) -> None:
    conf = DEFAULT_CONF.replace(
        "proxyAll: false", "proxyAll: true\n  nodePortAddresses: [10.0.0.5/24, 10.1.0.0/16]"
    )
    collection = serve(antrea_cluster(conf=conf)).collect()
    antrea = collection.cluster.cni.antrea
    assert antrea is not None
    assert antrea.node_port_addresses == (
        ipaddress.ip_network("10.0.0.0/24"),
        ipaddress.ip_network("10.1.0.0/16"),
    )


def test_antrea_node_port_addresses_default_and_unreadable() -> None:
    notes = Notes()
    unset = parse_antrea(DEFAULT_CONF, notes)
    assert unset is not None and unset.node_port_addresses == ()
    odd = parse_antrea("antreaProxy:\n  nodePortAddresses: [eth0]\n", notes)
    assert odd is not None and odd.node_port_addresses is None
    assert notes.skipped == {
        "cluster.cni.antrea": ["antreaProxy.nodePortAddresses ['eth0'] is not modelled"]
    }


def test_rke2_static_pods_give_them_by_flag(serve: ServeFn) -> None:
    """RKE2's kube-proxy has flags only: --nodeport-addresses, comma-separated; none given is
    every address."""
    args = ("--proxy-mode=iptables", "--nodeport-addresses=10.0.0.0/24,fd00::/64")
    flagged = serve(rke2_cluster(proxy_args=args)).collect().cluster
    assert flagged.kube_proxy_node_port_addresses == ("10.0.0.0/24", "fd00::/64")
    assert flagged.kube_proxy_pods
    plain = serve(rke2_cluster()).collect().cluster
    assert plain.kube_proxy_node_port_addresses == ()
