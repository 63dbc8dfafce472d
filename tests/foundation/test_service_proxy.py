"""Who serves Services, once per cluster (analyze/engine/service_proxy.py, check
net-service-proxy): kube-proxy's pods, or the CNI's replacement, or nobody. kostack used to say
so only through lb-members-down (with load balancer members), and left a kube-proxy-less
Calico iptables or flannel cluster's ClusterIPs judged as if kube-proxy served them; with
neither kube-proxy's pods nor its ConfigMap it said UNKNOWN even on a kubeadm cluster."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.service_proxy import NO_SERVICE_PROXY, service_proxy
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack.cli.main import cli
from kostack_testkit.antrea import as_antrea
from kostack_testkit.builders import build, example_flannel_no_8472
from kostack_testkit.kubeovn import as_kube_ovn
from kostack_testkit.service_proxy import (
    calico_no_proxy,
    calico_proxy_back,
    healthy,
    kubeadm_unseen,
    unseen,
)

Doc = dict[str, Any]


def _verdict(*edits: Callable[[Doc], None]) -> tuple[str, str, str | None]:
    doc = healthy()
    for edit in edits:
        edit(doc)
    found = service_proxy(Topology(build(doc)))
    ports = None if found.node_ports is None else localize(found.node_ports, "en")
    return found.verdict, localize(found.cluster_ips, "en"), ports


def _flannel(doc: Doc) -> None:
    example_flannel_no_8472(doc)


def _ebpf(doc: Doc) -> None:
    doc["cluster"]["cni"]["calico"]["bpf_enabled"] = True


def _proxy_all(doc: Doc) -> None:
    as_antrea(doc, proxy_all=True)
    doc["cluster"]["kube_proxy_mode"] = "none"


def _cilium(doc: Doc) -> None:
    doc["cluster"]["cni"] = {"type": "cilium"}
    doc["cluster"]["kube_proxy_mode"] = "none"


def _k3s(doc: Doc) -> None:
    example_flannel_no_8472(doc)
    doc["cluster"]["cni"]["flannel"]["bundle"] = "k3s"


def _microk8s(doc: Doc) -> None:
    """MicroK8s: its kubelet labels every node microk8s.io/cluster=true; no kube-proxy pod nor
    ConfigMap (kube-proxy runs inside kubelite), so neither the count nor the mode is known."""
    for node in doc["cluster"]["nodes"]:
        node["labels"]["microk8s.io/cluster"] = "true"
    doc["cluster"]["kube_proxy_pods"] = None
    doc["cluster"]["kube_proxy_mode"] = None


def _microk8s_one_node(doc: Doc) -> None:
    """The label on one node only (set by hand): not MicroK8s' word for the cluster."""
    _microk8s(doc)
    for node in doc["cluster"]["nodes"][1:]:
        del node["labels"]["microk8s.io/cluster"]


def _unlisted(doc: Doc) -> None:
    """The pods were not listed (a gap) while kube-proxy's ConfigMap (mode iptables) was read."""
    doc["cluster"]["pods"] = None
    doc["cluster"]["kube_proxy_pods"] = None


def _uncounted(doc: Doc) -> None:
    """A snapshot from before the count: the pods listed, kube-proxy's not counted."""
    doc["cluster"]["kube_proxy_pods"] = None


def _antrea_unread(doc: Doc) -> None:
    as_antrea(doc)
    doc["cluster"]["cni"]["antrea"] = None


def _cni_unknown(doc: Doc) -> None:
    doc["cluster"]["cni"] = {"type": "unknown"}


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ((calico_proxy_back,), ("served", "kube-proxy", "kube-proxy")),
        ((_microk8s,), ("served", "kube-proxy (inside MicroK8s)", "kube-proxy (inside MicroK8s)")),
        ((_microk8s_one_node,), ("unknown", "", None)),
        # a kept ConfigMap is also what a removed kube-proxy leaves: not a PASS
        ((_unlisted,), ("unknown", "", None)),
        (
            (as_antrea, _unlisted),
            ("served", "AntreaProxy", "not known (kube-proxy's pods were not listed)"),
        ),
        ((_uncounted,), ("served", "kube-proxy", "kube-proxy")),
        # the CNI's own proxy not known: never "nobody serves"
        ((calico_no_proxy, _antrea_unread), ("unknown", "", None)),
        ((calico_no_proxy, _cni_unknown), ("unknown", "", None)),
        ((calico_no_proxy,), ("none", "", None)),
        ((_flannel, calico_no_proxy), ("none", "", None)),
        ((kubeadm_unseen,), ("none", "", None)),
        ((unseen,), ("unknown", "", None)),
        ((calico_no_proxy, _ebpf), ("served", "Calico eBPF", "Calico eBPF")),
        # AntreaProxy serves the pods' ClusterIPs; NodePorts only with proxyAll
        ((calico_no_proxy, as_antrea), ("served", "AntreaProxy", None)),
        ((calico_no_proxy, _proxy_all), ("served", "AntreaProxy", "AntreaProxy")),
        ((calico_no_proxy, _cilium), ("served", "Cilium", "Cilium")),
        ((calico_no_proxy, as_kube_ovn), ("served", "Kube-OVN's OVN load balancer", None)),
        ((_k3s,), ("served", "kube-proxy (inside k3s)", "kube-proxy (inside k3s)")),
    ],
)
def test_who_serves(edits: tuple[Callable[[Doc], None], ...], expected: tuple[Any, ...]) -> None:
    assert _verdict(*edits) == expected


def test_nobody_is_the_root_cause_of_dns_and_the_api_service() -> None:
    doc = healthy()
    assert diagnose(build(doc)).verdict.kind == "healthy"
    calico_no_proxy(doc)
    d = diagnose(build(doc))
    assert [rc.key for rc in d.root_causes] == [NO_SERVICE_PROXY]
    symptoms = {f.check_id for f in d.findings if f.cause == NO_SERVICE_PROXY}
    assert symptoms == {"net-service-proxy", "net-dns", "net-api-service"}
    lead = next(f for f in d.findings if f.check_id == "net-service-proxy")
    commands = [dict(r.params)["command"] for r in lead.remedies]
    assert commands[-1] == "kubeadm init phase addon kube-proxy --config kubeadm-config.yaml"
    assert "Service를 처리하는 것이 없습니다" in localize(lead.message, "ko")


def test_unseen_off_kubeadm_stays_unknown_never_a_pass() -> None:
    doc = healthy()
    unseen(doc)
    d = diagnose(build(doc))
    found = {f.check_id: f.status.value for f in d.findings}
    assert found["net-service-proxy"] == "unknown"
    assert found["net-dns"] == "unknown"
    assert not d.root_causes


def test_trace_to_a_cluster_ip_says_nothing_translates_it() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "calico-no-service-proxy.json"
    args = ["trace", "--snapshot", str(example), "pod:demo/netshoot"]
    result = CliRunner().invoke(cli, [*args, "svc:kube-system/kube-dns:53/udp"])
    assert "nothing translates 10.96.0.10" in result.output
    assert "DENIED at hop 2" in result.output


def test_the_ping_story_says_no_proxy_serves_cluster_ips() -> None:
    """It said "kube-proxy translates" ClusterIPs on a cluster where nothing does."""
    from kostack.analyze.engine.clusterip_ping import ping_story

    doc = healthy()
    calico_no_proxy(doc)
    story = ping_story(Topology(build(doc)), "10.96.0.1")
    assert "none serves ClusterIPs here" in localize(story, "en")
    assert "kube-proxy" not in localize(story, "en")
    assert "ClusterIP를 처리하는 프록시가 없습니다" in localize(story, "ko")
    healthy_story = localize(ping_story(Topology(build(healthy())), "10.96.0.1"), "en")
    assert "kube-proxy translates" in healthy_story


def _check(doc: Doc) -> Any:
    d = diagnose(build(doc))
    return next(f for f in d.findings if f.check_id == "net-service-proxy")


def test_a_pass_says_what_it_rests_on() -> None:
    """A PASS read from kube-proxy's ConfigMap alone, or from MicroK8s' node label, says so in
    both languages; one read from kube-proxy's pods does not need to."""
    healthy_doc = healthy()
    calico_proxy_back(healthy_doc)
    plain = _check(healthy_doc)
    assert plain.status.value == "pass"
    assert "(" not in localize(plain.message, "en")
    doc = healthy()
    _uncounted(doc)
    weak = _check(doc)
    assert weak.status.value == "pass"
    assert "read from kube-proxy's ConfigMap alone (mode iptables)" in localize(weak.message, "en")
    assert "kube-proxy ConfigMap(모드 iptables)만으로 판단" in localize(weak.message, "ko")
    doc = healthy()
    _microk8s(doc)
    micro = _check(doc)
    assert micro.status.value == "pass"
    text = localize(micro.message, "en")
    assert "by kube-proxy (inside MicroK8s)" in text and "microk8s.io/cluster=true" in text
    assert "MicroK8s 내장" in localize(micro.message, "ko")
    assert "node * labels[microk8s.io/cluster]=true" in micro.evidence


def test_pods_not_listed_beside_a_kept_configmap_is_unknown() -> None:
    doc = healthy()
    _unlisted(doc)
    found = _check(doc)
    assert found.status.value == "unknown"
    assert "its pods were not listed" in localize(found.message, "en")
    assert "Pod 목록을 읽지 못했습니다" in localize(found.message, "ko")
    assert "configmap kube-system/kube-proxy config.conf mode=iptables" in found.evidence


def _trace(example: str, *args: str) -> str:
    path = Path(__file__).resolve().parents[2] / "examples" / f"{example}.json"
    result = CliRunner().invoke(cli, ["trace", "--snapshot", str(path), *args])
    return result.output


def test_the_hop_names_no_proxy_where_none_runs() -> None:
    """It read "kube-proxy on k8s-w-1" on a cluster where no kube-proxy runs."""
    out = _trace("calico-no-service-proxy", "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp")
    assert "no Service proxy on k8s-w-1: nothing translates 10.96.0.10" in out
    assert "kube-proxy on" not in out
    ko = _trace(
        "calico-no-service-proxy",
        "--lang",
        "ko",
        "pod:demo/netshoot",
        "svc:kube-system/kube-dns:53/udp",
    )
    assert "k8s-w-1에 서비스 프록시 없음" in ko
    ping = _trace(
        "calico-no-service-proxy", "-p", "icmp", "pod:demo/netshoot", "svc:kube-system/kube-dns"
    )
    assert "no Service proxy on k8s-w-1" in ping and "none serves ClusterIPs here" in ping


def test_the_hop_names_what_translates() -> None:
    """Cilium's replacement and AntreaProxy are named on the hop, not kube-proxy."""
    doc = healthy()
    _cilium(doc)
    topo = Topology(build(doc))
    from kostack.analyze.engine.clusterip_ping import proxy_name
    from kostack.analyze.engine.service_proxy import proxy_where

    where = proxy_where(proxy_name(topo, ""), "k8s-w-1")
    assert localize(where, "en") == "Cilium on k8s-w-1"
    assert localize(where, "ko") == "k8s-w-1의 Cilium"
    doc = healthy()
    as_antrea(doc)
    where = proxy_where(proxy_name(Topology(build(doc)), ""), "k8s-w-1")
    assert localize(where, "en") == "AntreaProxy on k8s-w-1"


def _hosts_case(*edits: Callable[[Doc], None]) -> Any:
    doc = healthy()
    calico_no_proxy(doc)
    as_antrea(doc)
    for edit in edits:
        edit(doc)
    return diagnose(build(doc))


def test_antrea_without_proxy_all_warns_that_the_nodes_reach_no_cluster_ip() -> None:
    """kube-proxy gone, AntreaProxy serving the pods' ClusterIPs with proxyAll off: the pods'
    DNS and API service work (no root cause), the nodes' own connections to ClusterIPs do not
    (docs/antrea-proxy.md: without proxyAll AntreaProxy "will only handle Service traffic
    originating from Pods"): a warning, with proxyAll as its fix."""
    from kostack.analyze.findings import command_for

    d = _hosts_case()
    assert not d.root_causes
    (warning,) = [f for f in d.warnings if f.check_id == "net-service-proxy"]
    assert warning.cause == "antrea-hosts-no-cluster-ip"
    assert "the nodes' own connections to a ClusterIP" in localize(warning.message, "en")
    assert "노드 자신의 ClusterIP 연결" in localize(warning.message, "ko")
    assert "configmap kube-system/antrea-config antreaProxy.proxyAll=false" in warning.evidence
    assert [command_for(r) for r in warning.remedies] == [
        "kubectl -n kube-system edit configmap antrea-config",
        "kubectl -n kube-system rollout restart daemonset/antrea-agent",
    ]
    statuses = {f.check_id: f.status.value for f in d.findings}
    assert statuses["net-dns"] == "pass" and statuses["net-api-service"] == "pass"


def _antrea_setting(**values: Any) -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        doc["cluster"]["cni"]["antrea"].update(values)

    return edit


@pytest.mark.parametrize(
    "edit",
    [
        _proxy_all,  # proxyAll on: AntreaProxy serves the nodes too
        calico_proxy_back,  # kube-proxy runs: it serves the nodes' connections
        _antrea_setting(proxy_all=None),  # proxyAll not read: no claim
    ],
)
def test_no_host_warning_where_the_nodes_are_served_or_it_is_not_known(
    edit: Callable[[Doc], None],
) -> None:
    d = _hosts_case(edit)
    found = next(f for f in d.findings if f.check_id == "net-service-proxy")
    assert found.status.value == "pass", localize(found.message, "en")


def test_the_trace_from_a_node_to_a_cluster_ip_says_nothing_translates_it() -> None:
    """It read "kube-proxy on k8s-w-1: DNAT ..." on a cluster with no kube-proxy."""
    out = _trace("antrea-no-node-port-proxy", "node:k8s-w-1", "svc:kube-system/kube-dns:53/udp")
    assert "no Service proxy on k8s-w-1: nothing translates 10.96.0.10 for the node's" in out
    assert "DENIED at hop 1" in out
    pod = _trace(
        "antrea-no-node-port-proxy", "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"
    )
    assert "AntreaProxy on k8s-w-1" in pod and "DENIED" not in pod
