"""Calico's eBPF settings per node (docs/facts.md "Calico's eBPF data plane"): a node's own
FelixConfiguration `node.<name>` changes them there; every node agreeing is the cluster's
value, some nodes on and others off is said UNKNOWN with the nodes named, never judged as
kube-proxy's; a calico-node variable set from an unread valueFrom is UNKNOWN too."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import Diagnosis, diagnose
from kostack.analyze.engine.calico_ebpf import node_port_proxy
from kostack.analyze.engine.clusterip_ping import ping_story
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.calico_ebpf import ebpf_doc, ebpf_no_udp

Doc = dict[str, Any]
NODES = ("k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3")
CHECKS = ("net-sg-calico-ebpf", "net-calico-ebpf-kube-proxy")


def _nodes(doc: Doc, names: tuple[str, ...], **fields: Any) -> Doc:
    calico = doc["cluster"]["cni"]["calico"]
    calico["felix_nodes"] = {n: dict(fields) for n in names}
    return doc


def _finding(d: Diagnosis, check: str) -> Finding:
    (f,) = [f for f in d.findings if f.check_id == check]
    return f


def test_ebpf_on_for_some_nodes_only_is_unknown_with_the_nodes_named() -> None:
    """The cluster's default says off, two nodes' own objects say on: neither Felix's VXLAN
    nor kube-proxy is judged; both checks name the nodes in both languages."""
    doc = ebpf_no_udp()
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = False
    d = diagnose(build(_nodes(doc, ("k8s-w-1", "k8s-w-2"), bpf_enabled=True)))
    assert [rc.key for rc in d.root_causes if rc.key.startswith("calico-ebpf")] == []
    for check in CHECKS:
        f = _finding(d, check)
        assert f.status == Status.UNKNOWN, (check, f.status)
        assert "on for nodes k8s-w-1, k8s-w-2 and off for nodes k8s-cp-1, k8s-w-3" in f.message
        assert "노드마다" not in localize(f.message, "ko")
        assert "모든 노드의 bpfEnabled를 같게 하세요" in localize(f.message, "ko")
    assert node_port_proxy(Topology(build(doc))) == "the Service proxy"


def test_every_node_on_by_its_own_object_is_the_clusters_value() -> None:
    """Off in `default`, on in every node's own object: eBPF runs everywhere, and the missing
    UDP 4789 is the root cause as when `default` says so."""
    doc = ebpf_no_udp()
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = False
    d = diagnose(build(_nodes(doc, NODES, bpf_enabled=True)))
    assert "calico-ebpf-tunnel" in [rc.key for rc in d.root_causes]
    assert node_port_proxy(Topology(build(doc))) == "Calico eBPF"


def test_an_object_of_a_node_not_in_the_cluster_changes_nothing() -> None:
    doc = _nodes(ebpf_no_udp(), ("k8s-gone",), bpf_enabled=False)
    d = diagnose(build(doc))
    assert "calico-ebpf-tunnel" in [rc.key for rc in d.root_causes]


def test_an_unread_environment_variable_is_unknown_and_named() -> None:
    doc = ebpf_no_udp()
    calico = doc["cluster"]["cni"]["calico"]
    calico.update(bpf_enabled=None, felix_env_unread=["FELIX_BPFENABLED"])
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes if rc.key.startswith("calico-ebpf")] == []
    f = _finding(d, "net-sg-calico-ebpf")
    assert f.status == Status.UNKNOWN
    assert "calico-node sets FELIX_BPFENABLED from a valueFrom" in f.message, f.message
    assert "FELIX_BPFENABLED 값을" in localize(f.message, "ko")


def test_dsr_on_one_node_only_is_not_taken_as_dsr() -> None:
    """DSR in `default`, Tunnel on k8s-w-1: the mode differs between nodes, so kostack neither
    plans DSR's pairs nor says Tunnel's answer comes back: the hop is UNKNOWN."""
    doc = ebpf_doc(mode="DSR")
    for member in doc["openstack"]["load_balancers"][0]["pools"][0]["members"]:
        if member["name"] in ("k8s-cp-1", "k8s-w-3"):
            member["operating_status"] = "ERROR"
    _nodes(doc, ("k8s-w-1",), bpf_external_service_mode="Tunnel")
    d = diagnose(build(doc))
    assert "calico-ebpf-dsr" not in [rc.key for rc in d.root_causes]
    _nodes(doc, ("k8s-gone",), bpf_external_service_mode="Tunnel")  # DSR on every node again
    assert "calico-ebpf-dsr" in [rc.key for rc in diagnose(build(doc)).root_causes]


def test_an_unknown_service_proxy_is_not_called_kube_proxy() -> None:
    """kube-proxy's mode not known: the ClusterIP ping story names "the Service proxy" (both
    languages), as the load balancer's texts do; a known mode names kube-proxy."""
    doc = seed_doc()
    doc["cluster"]["kube_proxy_mode"] = None
    story = ping_story(Topology(build(doc)), "10.96.0.1")
    assert "the Service proxy" in story and "that kube-proxy" not in story, story
    assert "서비스 프록시" in localize(story, "ko")
    doc["cluster"]["kube_proxy_mode"] = "iptables"
    story = ping_story(Topology(build(doc)), "10.96.0.1")
    assert "the Service proxy" not in story and "kube-proxy" in story, story


def test_the_manifest_env_example_names_the_ebpf_root_cause() -> None:
    """examples/calico-ebpf-env-no-4789.json: eBPF on by calico-node's FELIX_BPFENABLED (its
    Calico fields are what the collector read from the API double), UDP 4789 dropped between
    the nodes: the root cause is Felix's VXLAN, in both languages, not kube-proxy's NodePort."""
    from pathlib import Path

    from kostack.model import load_snapshot

    path = Path(__file__).resolve().parents[2] / "examples" / "calico-ebpf-env-no-4789.json"
    snap = load_snapshot(path)
    calico = snap.cluster.cni.calico if snap.cluster else None
    assert calico is not None and calico.install_method == "manifest"
    assert (calico.bpf_enabled, calico.felix_nodes, calico.felix_env_unread) == (True, {}, ())
    d = diagnose(snap)
    (rc,) = d.root_causes
    assert rc.key == "calico-ebpf-tunnel"
    assert "drop Calico eBPF NodePort forwarding (VXLAN) (udp 4789)" in rc.message, rc.message
    assert "Calico eBPF NodePort 전달(VXLAN)" in localize(rc.message, "ko")


def test_nodes_each_with_their_own_opt_outs_are_read_up_to_the_second_value() -> None:
    """Each node's own DSR opt-out CIDR differs from every other's: the settings differ (None
    in `effective`), and reading them stops at the second distinct value instead of keeping
    every node's to compare each new one with (5,000 such nodes took 30 s:
    benchmarks/node_port_scale.py)."""
    from kostack.analyze.engine import calico_ebpf

    doc = ebpf_no_udp()
    calico = doc["cluster"]["cni"]["calico"]
    calico["felix_nodes"] = {
        n: {"bpf_dsr_optout_cidrs": [f"198.51.100.{4 * i}/30"]} for i, n in enumerate(NODES)
    }
    snapshot = build(doc)
    cl = snapshot.cluster
    assert cl is not None and cl.cni.calico is not None
    values = calico_ebpf._values(cl, cl.cni.calico, "bpf_dsr_optout_cidrs")
    assert [[str(c) for c in v] for v in values] == [["198.51.100.0/30"], ["198.51.100.4/30"]]
    assert calico_ebpf.effective(cl, cl.cni.calico).bpf_dsr_optout_cidrs is None
    assert calico_ebpf.effective(cl, cl.cni.calico).bpf_enabled is True


def test_the_ping_story_names_both_proxies_when_ebpf_is_on_some_nodes_only() -> None:
    """kube-proxy's mode known (nftables, its pods listed) and eBPF on two nodes only: the
    ClusterIP ping story says where Calico's eBPF translates (no reply) and where kube-proxy
    does (an immediate port unreachable), naming the nodes, in both languages; every node on
    again is the one-proxy story."""
    from kostack_testkit.calico_ebpf import ebpf_with_kube_proxy

    doc = ebpf_with_kube_proxy()
    doc["cluster"]["kube_proxy_mode"] = "nftables"
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = False
    _nodes(doc, ("k8s-w-1", "k8s-w-2"), bpf_enabled=True)
    story = ping_story(Topology(build(doc)), "10.96.0.1")
    assert "Calico's eBPF data plane runs on nodes k8s-w-1, k8s-w-2 only" in story, story
    assert "Calico's eBPF NAT matches a Service by protocol and port" in story
    assert "on nodes k8s-cp-1, k8s-w-3 kube-proxy translates" in story
    assert "port unreachable" in story and "(nftables)" in story
    assert "that kube-proxy translates" not in story
    ko = localize(story, "ko")
    assert "Calico eBPF 데이터 플레인은 노드 k8s-w-1, k8s-w-2에서만 동작하며" in ko, ko
    assert "노드 k8s-cp-1, k8s-w-3에서는 kube-proxy가 변환하며" in ko
    assert "즉시 'port unreachable'" in ko and "{" not in ko
    _nodes(doc, NODES, bpf_enabled=True)
    story = ping_story(Topology(build(doc)), "10.96.0.1")
    assert "that Calico eBPF translates" in story and "k8s-w-3" not in story, story


def test_the_ping_story_says_nothing_translates_on_the_others_without_kube_proxy() -> None:
    """eBPF on one node only and no kube-proxy pod (its mode "none"): on that node Felix
    translates, on the three others nothing does, so the ping proves nothing only there."""
    doc = ebpf_no_udp()
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = False
    _nodes(doc, ("k8s-w-1",), bpf_enabled=True)
    story = ping_story(Topology(build(doc)), "10.96.0.1")
    assert "translates it on node k8s-w-1 only" in story, story
    assert "on nodes k8s-cp-1, k8s-w-2, k8s-w-3 no kube-proxy pod runs" in story
    assert "nothing translates it there" in story and "kube-proxy translates" not in story
    ko = localize(story, "ko")
    assert "노드 k8s-w-1에서만 이를 변환하며" in ko, ko
    assert "노드 k8s-cp-1, k8s-w-2, k8s-w-3에서는 kube-proxy Pod가 없으므로" in ko
    # the first pod off (so kube-proxy's ConfigMap mode is kept) and still no kube-proxy pod
    doc["cluster"]["kube_proxy_mode"] = "iptables"
    doc["cluster"]["kube_proxy_pods"] = 0
    story = ping_story(Topology(build(doc)), "10.96.0.1")
    assert "no kube-proxy pod runs" in story and "kube-proxy translates" not in story, story


def _clusterip_hop(doc: Doc, src: str, protocol: str, port: int | None) -> Any:
    from kostack.analyze.engine.endpoints import parse_endpoint
    from kostack.analyze.engine.path import trace

    topo = Topology(build(doc))
    a = parse_endpoint(topo, src)[0]
    b = parse_endpoint(topo, "svc:kube-system/kube-dns")[0]
    results = trace(topo, a, b, protocol, port)
    return next(h for r in results for h in r.hops if h.step == "kube-proxy")


def test_a_trace_names_the_proxy_of_the_node_it_leaves_from() -> None:
    """eBPF on k8s-w-1 only, kube-proxy (nftables) on the others: a ping from netshoot on
    k8s-w-1 misses Calico's eBPF NAT (no reply), one from dns-test on k8s-w-2 is rejected by
    kube-proxy; a TCP connection names the translator of each side."""
    from kostack_testkit.calico_ebpf import ebpf_with_kube_proxy

    doc = ebpf_with_kube_proxy()
    doc["cluster"]["kube_proxy_mode"] = "nftables"
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = False
    _nodes(doc, ("k8s-w-1",), bpf_enabled=True)
    on = _clusterip_hop(doc, "pod:demo/netshoot", "icmp", None)
    assert "that Calico eBPF DNATs" in on.detail and "Calico's eBPF NAT" in on.detail, on.detail
    assert "Calico eBPF의 NAT는" in localize(on.detail, "ko"), localize(on.detail, "ko")
    off = _clusterip_hop(doc, "pod:demo/dns-test", "icmp", None)
    assert "that kube-proxy DNATs" in off.detail and "port unreachable" in off.detail, off.detail
    assert _clusterip_hop(doc, "pod:demo/netshoot", "udp", 53).where == "Calico eBPF on k8s-w-1"
    assert _clusterip_hop(doc, "pod:demo/dns-test", "udp", 53).where == "kube-proxy on k8s-w-2"


def test_a_node_without_ebpf_or_kube_proxy_is_unknown_not_a_pass() -> None:
    """eBPF on k8s-w-1 only and no kube-proxy pod: a pod on k8s-w-2 reaching kube-dns is not
    traced as translated (that would be a false PASS): the hop is UNKNOWN and says why."""
    doc = ebpf_no_udp()
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = False
    _nodes(doc, ("k8s-w-1",), bpf_enabled=True)
    hop = _clusterip_hop(doc, "pod:demo/dns-test", "udp", 53)
    assert hop.disposition.name == "UNKNOWN", hop
    assert "Calico's eBPF data plane is off on k8s-w-2 and no kube-proxy pod runs" in hop.detail
    assert "k8s-w-2에서는 Calico eBPF 데이터 플레인이 꺼져" in localize(hop.detail, "ko")
    on = _clusterip_hop(doc, "pod:demo/netshoot", "udp", 53)
    assert on.disposition.name != "UNKNOWN" and "Calico eBPF" in str(on.where), on
