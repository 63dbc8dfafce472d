"""k3s.io/node-args as older k3s releases wrote it (k3s pkg/nodeconfig, docs/facts.md).

v1.17.3 (PR #1383) split every argument holding "=": `--kube-proxy-arg proxy-mode=ipvs`
became "--kube-proxy-arg", "proxy-mode", "ipvs", which kostack read as no mode given
(iptables). Before v1.21.1 (PR #3290) node-args held the command line only, not the flags
of /etc/rancher/k3s/config.yaml, and kostack took k3s's defaults for every flag it did not
see: a false vxlan, 10.42.0.0/16 and iptables for a server configured by its file."""

from __future__ import annotations

import json
from typing import Any

import pytest
from k8s_collect_served import ServeFn

from kostack.collect._k3s import K3sServer
from kostack.gap_words import gap_hint
from kostack_testkit.k8s_fixture_canal import k3s_cluster


def _server(args: list[str], release: str = "v1.33.5+k3s1") -> K3sServer:
    node = {
        "metadata": {"annotations": {"k3s.io/node-args": json.dumps(["server", *args])}},
        "status": {"nodeInfo": {"kubeletVersion": release}},
    }
    server = K3sServer.of(node)
    assert server is not None
    return server


@pytest.mark.parametrize(
    ("args", "mode"),
    [
        (["--kube-proxy-arg", "proxy-mode=ipvs"], "ipvs"),  # later releases
        (["--kube-proxy-arg", "proxy-mode", "ipvs"], "ipvs"),  # v1.17.3: the value split too
        (["--kube-proxy-arg", "--proxy-mode", "nftables"], "nftables"),
        (
            ["--kube-proxy-arg", "proxy-mode", "ipvs", "--kube-proxy-arg", "proxy-mode=iptables"],
            "iptables",
        ),
        (["--kube-proxy-arg", "metrics-bind-address", "0.0.0.0"], "iptables"),
        ([], "iptables"),
    ],
)
def test_proxy_mode_in_every_form(args: list[str], mode: str) -> None:
    given = "proxy-mode" in " ".join(args)
    # v1.17.3 also predates node-args with the config file's flags: no mode given, none known
    assert _server(args, "v1.17.3+k3s1").proxy_mode == (mode if given else None)
    assert _server(args).proxy_mode == mode


def test_an_older_server_takes_no_default() -> None:
    """Before v1.21.1 a flag missing from node-args may sit in the config file."""
    older = _server([], "v1.20.15+k3s1")
    assert older.partial
    assert (older.proxy_mode, older.cluster_cidrs, older.service_cidrs) == (None, None, None)
    assert older.flannel() is None
    flags = ["--flannel-backend", "host-gw", "--cluster-cidr", "10.52.0.0/16"]
    flags += ["--kube-proxy-arg", "proxy-mode=ipvs", "--service-cidr", "10.53.0.0/16"]
    given = _server(flags, "v1.20.15+k3s1")
    flannel = given.flannel()
    assert flannel is not None and flannel.backend_type == "host-gw"
    assert given.proxy_mode == "ipvs" and [str(c) for c in given.service_cidrs or ()] == [
        "10.53.0.0/16"
    ]
    for release in ("v1.21.1+k3s1", "v1.21.1-rc1+k3s1", "v1.33.5+k3s1", "unknown"):
        newer = _server([], release)
        assert not newer.partial and newer.proxy_mode == "iptables"


def test_an_older_cluster_says_what_to_read(serve: ServeFn) -> None:
    collection = serve(k3s_cluster(release="v1.20.15+k3s1")).collect()
    cluster = collection.cluster
    assert cluster.cni.flannel is None and cluster.kube_proxy_mode is None
    assert cluster.service_cidrs is None
    gaps = {g.source: g for g in collection.gaps}
    for source in ("cluster.cni.flannel", "cluster.kube_proxy_mode", "cluster.service_cidrs"):
        assert "`sudo cat /etc/rancher/k3s/config.yaml`" in gap_hint(gaps[source], "en")
        assert "v1.21.1 이전 k3s는 설정 파일의 플래그를" in gap_hint(gaps[source], "ko")


def test_an_older_cluster_with_its_flags_on_the_command_line(serve: ServeFn) -> None:
    args: list[Any] = ["--cluster-cidr", "10.42.0.0/16", "--service-cidr", "10.43.0.0/16"]
    args += ["--flannel-backend", "vxlan", "--kube-proxy-arg", "proxy-mode", "ipvs"]
    collection = serve(k3s_cluster(release="v1.20.15+k3s1", server_args=args)).collect()
    assert collection.gaps == ()
    flannel = collection.cluster.cni.flannel
    assert flannel is not None and flannel.backend_type == "vxlan"
    assert collection.cluster.kube_proxy_mode == "ipvs"
