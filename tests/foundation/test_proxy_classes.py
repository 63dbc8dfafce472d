"""Who translates a ClusterIP depends on the source pod (analyze/proxy_classes.py): its
Kube-OVN Subnet (`enableLb`), whether Calico's eBPF data plane runs on its node. net-dns and
net-api-service traced the ClusterIP hop from the first pod only, so a Subnet without OVN's
load balancer, or nodes without eBPF, beside a first pod that was served, made them PASS.
They now judge one pod of every class, and a class that fails is named with its nodes."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze import flows as flows_module
from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.service_proxy import KUBE_OVN_SUBNET_UNSERVED
from kostack.analyze.findings import Finding, Status
from kostack.analyze.flows import ClusterFlows
from kostack.analyze.matrix import Matrix
from kostack.analyze.messages import Msg, localize
from kostack.analyze.topology import Topology
from kostack_testkit.builders import build, synthetic_doc
from kostack_testkit.kubeovn import as_kube_ovn, subnet
from kostack_testkit.service_proxy import calico_no_proxy, healthy

Doc = dict[str, Any]
SERVICE_CHECKS = ("net-dns", "net-api-service")


def _two_subnets() -> Doc:
    """Kube-OVN with kube-proxy gone (its ConfigMap kept): ovn-default with OVN's load
    balancer (pods on k8s-cp-1, k8s-w-2, k8s-w-3), and Subnet no-lb (10.244.1.0/24, the pods
    on k8s-w-1) with enableLb false."""
    doc = healthy()
    calico_no_proxy(doc)
    as_kube_ovn(doc)
    no_lb = subnet("no-lb", "10.244.1.0/24", enable_lb=False)
    doc["cluster"]["cni"]["kube_ovn"]["subnets"].append(no_lb)
    return doc


def _mixed_ebpf(kube_proxy_pods: int) -> Doc:
    """Calico's eBPF data plane on k8s-cp-1 only (its own FelixConfiguration), off elsewhere."""
    doc = healthy()
    doc["cluster"]["kube_proxy_pods"] = kube_proxy_pods
    calico = doc["cluster"]["cni"]["calico"]
    calico["bpf_enabled"] = False
    calico["felix_nodes"] = {"k8s-cp-1": {"bpf_enabled": True}}
    return doc


def _of(doc: Doc, check: str) -> list[Finding]:
    return [f for f in diagnose(build(doc)).findings if f.check_id == check]


@pytest.mark.parametrize("check", SERVICE_CHECKS)
def test_a_subnet_without_ovns_load_balancer_fails_for_its_pods_only(check: str) -> None:
    found = _of(_two_subnets(), check)
    assert found and all(f.status == Status.FAIL for f in found)
    for f in found:
        assert f.cause == KUBE_OVN_SUBNET_UNSERVED
        assert f.nodes == ("k8s-w-1",)  # ovn-default's nodes are fine: no finding names them
        assert f.extra["sources"] == ("k8s-w-1",)
        en, ko = localize(f.message, "en"), localize(f.message, "ko")
        assert "from pods on node k8s-w-1 (1 of 4 nodes; Kube-OVN Subnet no-lb)" in en
        assert "노드 k8s-w-1(4대 중 1대, Kube-OVN Subnet no-lb)의 Pod에서" in ko
        assert "the pod's Subnet has OVN's load balancer off" in en
        # the flow shown is the class's own pod's, on k8s-w-1
        assert all("10.244.1." in line for line in f.flows), f.flows


def test_the_subnet_left_to_the_absent_kube_proxy_is_a_root_cause() -> None:
    """net-service-proxy leads it (the NodePort warning beside it), naming the Subnet and its
    pods' nodes; net-dns and net-api-service are its symptoms, so the verdict is not healthy."""
    d = diagnose(build(_two_subnets()))
    assert d.verdict.kind == "root-causes"
    (rc,) = d.root_causes
    assert rc.key == KUBE_OVN_SUBNET_UNSERVED
    assert {s.check_id for s in rc.symptoms} == set(SERVICE_CHECKS)
    lead = next(f for f in rc.findings if f.check_id == "net-service-proxy")
    assert lead.nodes == ("k8s-w-1",)
    en, ko = localize(lead.message, "en"), localize(lead.message, "ko")
    assert "the pods of Kube-OVN Subnet no-lb (on node k8s-w-1)" in en
    assert "Kube-OVN Subnet no-lb의 Pod(노드 k8s-w-1)에서는" in ko
    title = Msg(f"title.{KUBE_OVN_SUBNET_UNSERVED}")
    assert "Kube-OVN Subnet의 Pod에서 ClusterIP를 처리하는 것이 없음" in localize(title, "ko")
    commands = [dict(r.params)["command"] for r in lead.remedies]
    assert commands[-1] == "kubeadm init phase addon kube-proxy --config kubeadm-config.yaml"


def test_the_other_subnets_pods_reach_dns_through_ovns_load_balancer() -> None:
    """The pods of ovn-default are judged per endpoint (their family); each Subnet is one
    class, traced once."""
    snap = build(_two_subnets())
    flows = ClusterFlows(snap)
    svc = flows.topo.dns_service
    assert svc is not None
    traced, family = flows.service_flows(svc, "udp", 53)
    by_label = {localize(t.cls.label, "en"): t for t in traced}
    assert set(by_label) == {"Kube-OVN Subnet ovn-default", "Kube-OVN Subnet no-lb"}
    default, no_lb = by_label["Kube-OVN Subnet ovn-default"], by_label["Kube-OVN Subnet no-lb"]
    assert default.translated and not no_lb.translated
    assert list(default.cls.nodes) == ["k8s-cp-1", "k8s-w-2", "k8s-w-3"]
    assert (default.cls.pods, no_lb.cls.pods) == (4, 2)
    assert family is not None
    assert {e.name for c in family.sources for e in c.members} == {"k8s-cp-1", "k8s-w-2", "k8s-w-3"}
    assert not family.facts[0]  # ovn-default's pods reach every CoreDNS endpoint


def test_every_subnet_with_the_load_balancer_passes() -> None:
    doc = _two_subnets()
    doc["cluster"]["cni"]["kube_ovn"]["subnets"][-1]["enable_lb"] = True
    for check in SERVICE_CHECKS:
        assert [f.status for f in _of(doc, check)] == [Status.PASS]


def test_ebpf_on_some_nodes_without_kube_proxy_is_unknown_on_the_others() -> None:
    """k8s-cp-1 (the first pod's node) is served by eBPF; the other nodes by nothing known
    (no kube-proxy pod): UNKNOWN for their pods, never the PASS the first pod gave."""
    for check in SERVICE_CHECKS:
        found = _of(_mixed_ebpf(0), check)
        assert found and all(f.status == Status.UNKNOWN for f in found)
        for f in found:
            assert f.nodes == ("k8s-w-1", "k8s-w-2", "k8s-w-3")
            en, ko = localize(f.message, "en"), localize(f.message, "ko")
            assert "(3 of 4 nodes; nodes without Calico's eBPF data plane)" in en
            assert "(4대 중 3대, Calico eBPF 데이터 플레인이 꺼진 노드)" in ko


def test_ebpf_on_some_nodes_with_kube_proxy_passes() -> None:
    for check in SERVICE_CHECKS:
        assert [f.status for f in _of(_mixed_ebpf(4), check)] == [Status.PASS]


def test_the_matrix_splits_node_classes_by_who_translates() -> None:
    """The picture's DNS traces are per node class: a class never mixes eBPF's nodes with
    the others, so each class's trace holds for its nodes."""
    matrix = Matrix(Topology(build(_mixed_ebpf(0))))
    for cls in matrix.classes:
        sides = {m.name == "k8s-cp-1" for m in cls.members}
        assert len(sides) == 1, [m.name for m in cls.members]
    dns = matrix.dns or ()
    hops = {sf.src.rep.name: sf.results[0].hops[1] for sf in dns if sf.what.endswith("/udp")}
    assert hops["k8s-cp-1"].passes
    assert all(h.disposition.value == "unknown" for n, h in hops.items() if n != "k8s-cp-1")


def test_five_thousand_heterogeneous_nodes_trace_once_per_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every node with its own FelixConfiguration (eBPF on or off, its own DSR opt-out CIDR
    and VXLAN port), no kube-proxy pod: two classes of source pods (eBPF on, off) however many
    nodes, so the ClusterIP hop is traced twice per Service flow, never per node or pod."""
    doc = synthetic_doc(5000, groups=10, rules=50, pods_per_node=2)
    doc["cluster"]["kube_proxy_pods"] = 0
    calico = doc["cluster"]["cni"]["calico"]
    calico["bpf_enabled"] = True
    calico["felix_nodes"] = {
        n["name"]: {
            "bpf_enabled": i % 7 != 0,
            "bpf_dsr_optout_cidrs": [f"198.18.{i // 64}.{(i % 64) * 4}/30"],
            "vxlan_port": 4789 + i % 3,
        }
        for i, n in enumerate(doc["cluster"]["nodes"])
    }
    traced: list[object] = []
    real = flows_module.trace

    def counting(*args: Any, **kwargs: Any) -> Any:
        traced.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(flows_module, "trace", counting)
    d = diagnose(build(doc))
    # net-dns (UDP, TCP) and net-api-service: three Service flows, two classes each
    assert len(traced) == 3 * 2
    # the nodes without eBPF: their class named; the others judged per endpoint as before
    off = [f for f in d.findings if f.check_id == "net-dns" and "proxy_class" in f.extra]
    assert len(off) == 2 and all(f.status == Status.UNKNOWN for f in off)  # UDP and TCP
    assert all(len(f.nodes) == 5000 // 7 + 1 for f in off)  # i % 7 == 0: 715 nodes
    assert all("715 of 5000 nodes" in localize(f.message, "en") for f in off)
