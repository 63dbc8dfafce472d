"""AntreaProxy with proxyAll: who answers a ping to a ClusterIP, who translates a pod's and a
node's Service connections, and who serves a load balancer's NodePort (docs/facts.md "Antrea")."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.engine.clusterip_ping import ping_story
from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.messages import localize
from kostack.analyze.reach import Disposition, parse_endpoint, trace
from kostack.analyze.topology import Topology
from kostack.model import Snapshot
from kostack.report.i18n import t
from kostack_testkit.antrea import as_antrea
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.lb_fixtures import amphora_healthy

Doc = dict[str, Any]


def _trace(snap: Snapshot, src: str, dst: str, protocol: str | None = None):  # type: ignore[no-untyped-def]
    topo = Topology(snap)
    s, _, _ = parse_endpoint(topo, src)
    d, port, proto = parse_endpoint(topo, dst)
    return trace(topo, s, d, protocol or proto or "tcp", None if protocol == "icmp" else port)


def _antrea(doc: Doc, mode: str | None, version: str = "v2.6.3", **settings: Any) -> Snapshot:
    as_antrea(doc, **settings)
    doc["cluster"]["kube_proxy_mode"] = mode
    doc["cluster"]["cni"]["version"] = version
    return build(doc)


def test_a_ping_to_a_clusterip_gets_no_reply_from_antrea_proxy_all() -> None:
    """proxyAll with kube-proxy gone: AntreaProxy's flows match the service's ports only and
    nothing answers ICMP (the base said "whatever the service proxy does")."""
    snap = _antrea(seed_doc(), "none", proxy_all=True)
    (r,) = _trace(snap, "pod:demo/netshoot", "svc:default/kubernetes", "icmp")
    hop = r.hops[-1]
    assert r.expected_reply == "none" and r.no_reply_expected
    assert hop.disposition == Disposition.NOT_APPLICABLE
    assert "AntreaProxy (proxyAll, no kube-proxy)" in hop.detail, hop.detail
    assert "proves nothing" in hop.detail
    story = ping_story(Topology(snap), "10.96.0.1")
    assert "AntreaProxy translates" in story and "kube-proxy replacement" in story, story
    assert "depends" not in story


def test_proxy_all_beside_kube_proxy_keeps_kube_proxys_answer() -> None:
    """kube-proxy still runs (nftables): its cluster-ips-check rejects the ping, proxyAll or
    not; AntreaProxy stays the translator of the pod's connections."""
    snap = _antrea(seed_doc(), "nftables", proxy_all=True)
    (r,) = _trace(snap, "pod:demo/netshoot", "svc:default/kubernetes", "icmp")
    assert r.expected_reply == "reject"
    assert "AntreaProxy DNATs" in r.hops[-1].detail


def test_a_pods_service_connection_is_translated_by_antrea_proxy() -> None:
    """A pod's connection to a ClusterIP is load-balanced in OVS by AntreaProxy (enable on by
    default), whatever proxyAll says: the hop names it, not kube-proxy."""
    snap = _antrea(seed_doc(), "iptables")
    results = _trace(snap, "pod:demo/netshoot", "svc:default/kubernetes:443/tcp")
    assert results
    for r in results:
        (hop,) = [h for h in r.hops if h.step == "kube-proxy"]
        assert hop.where == "AntreaProxy on k8s-w-1", hop.where


def _lb(mode: str | None, version: str = "v2.6.3", **settings: Any) -> list[str]:
    """The NodePort hop's place on every member leg of the healthy Amphora example."""
    snap = _antrea(amphora_healthy(), mode, version, **settings)
    wheres = []
    for pa in lb_analysis(Topology(snap)).ports:
        for leg in pa.client_legs:
            hop = leg.hops[-1]
            assert hop.step == "kube-proxy" and hop.disposition == Disposition.ACCEPTED
            wheres.append(hop.where)
    assert wheres
    return wheres


@pytest.mark.parametrize(
    ("mode", "version", "proxy"),
    [
        ("none", "v2.6.3", "AntreaProxy on "),
        ("iptables", "v2.6.3", "AntreaProxy on "),  # v2.1+: its rules come before kube-proxy's
        ("iptables", "v2.0.1", "kube-proxy on "),  # before v2.1 kube-proxy's rules win
        ("nftables", "v2.6.3", "AntreaProxy or kube-proxy (which one"),
        ("iptables", "", "AntreaProxy or kube-proxy (which one"),
        (None, "v2.6.3", "AntreaProxy or kube-proxy (which one"),
    ],
)
def test_the_nodeport_leg_names_who_serves_it_with_proxy_all(
    mode: str | None, version: str, proxy: str
) -> None:
    assert all(w.startswith(proxy) for w in _lb(mode, version, proxy_all=True))


def test_without_proxy_all_kube_proxy_serves_the_nodeport() -> None:
    assert all(w.startswith("kube-proxy on ") for w in _lb("iptables"))


def test_the_words_exist_in_korean() -> None:
    snap = _antrea(seed_doc(), "none", proxy_all=True)
    (r,) = _trace(snap, "pod:demo/netshoot", "svc:default/kubernetes", "icmp")
    ko = localize(r.hops[-1].detail, "ko")
    assert "AntreaProxy" in ko and "응답 없음" in ko, ko
    assert t("ko", "short.net-sg-antrea-memberlist")


@pytest.mark.parametrize(
    ("mode", "proxy_all", "where"),
    [
        ("none", True, "AntreaProxy on k8s-w-1"),  # kube-proxy gone: AntreaProxy serves the node
        ("iptables", True, "kube-proxy on k8s-w-1"),  # beside kube-proxy, its OUTPUT rules win
        ("iptables", False, "kube-proxy on k8s-w-1"),  # without proxyAll, pods only
    ],
)
def test_a_nodes_own_service_connection_is_kube_proxys_unless_proxy_all_replaced_it(
    mode: str, proxy_all: bool, where: str
) -> None:
    snap = _antrea(seed_doc(), mode, proxy_all=proxy_all)
    results = _trace(snap, "node:k8s-w-1", "svc:default/kubernetes:443/tcp")
    assert results
    for r in results:
        (hop,) = [h for h in r.hops if h.step == "kube-proxy"]
        assert hop.where == where, hop.where
