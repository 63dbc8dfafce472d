"""Kube-OVN with kube-proxy gone: OVN's load balancers serve the pods' ClusterIPs, but Kube-OVN
puts no NodePort in them (kubeovn/kube-ovn pkg/controller/service.go: each VIP is a ClusterIP on
the service's port; docs/facts.md "Kube-OVN"), so nothing serves NodePorts. kostack used to
PASS net-service-proxy with "NodePorts by nobody" and leave load balancer members down there
UNKNOWN ("whether kube-ovn serves NodePort 31080 in its place is not known")."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.node_ports import NO_PROXY
from kostack.analyze.engine.service_proxy import KUBE_OVN_SUBNET_UNSERVED, KUBE_OVN_UNSERVED
from kostack.analyze.findings import Status, command_for
from kostack.analyze.messages import localize
from kostack_testkit.builders import build
from kostack_testkit.kubeovn import as_kube_ovn
from kostack_testkit.lb_fixtures import load_balancer
from kostack_testkit.node_ports import node_port_doc
from kostack_testkit.service_proxy import calico_no_proxy, calico_proxy_back, healthy

Doc = dict[str, Any]
FIX = [
    "kubectl -n kube-system get daemonset kube-proxy -o wide",
    "kubectl -n kube-system get configmap kubeadm-config -o "
    "'jsonpath={.data.ClusterConfiguration}' > kubeadm-config.yaml",
    "kubeadm init phase addon kube-proxy --config kubeadm-config.yaml",
]


def _gone(doc: Doc) -> None:
    """Kube-OVN (--enable-lb, its default), kube-proxy's DaemonSet deleted, ConfigMap kept."""
    calico_no_proxy(doc)
    as_kube_ovn(doc)


def _service_proxy(doc: Doc) -> Any:
    return next(f for f in diagnose(build(doc)).findings if f.check_id == "net-service-proxy")


def test_net_service_proxy_warns_that_nothing_serves_node_ports() -> None:
    doc = healthy()
    _gone(doc)
    found = _service_proxy(doc)
    assert found.status == Status.FAIL and found.cause == KUBE_OVN_UNSERVED
    en, ko = localize(found.message, "en"), localize(found.message, "ko")
    assert "nothing serves NodePorts" in en and "never a NodePort" in en
    assert "NodePort를 처리하는 것이 없고" in ko
    assert [command_for(r) for r in found.remedies] == FIX
    assert {r.cause for r in found.remedies} == {KUBE_OVN_UNSERVED}
    d = diagnose(build(doc))
    assert not d.root_causes  # a warning: the pods' ClusterIPs work
    assert {f.status.value for f in d.findings if f.check_id in ("net-dns", "net-api-service")} == {
        "pass"
    }


def test_kube_proxy_running_on_kube_ovn_passes() -> None:
    doc = healthy()
    _gone(doc)
    calico_proxy_back(doc)
    assert _service_proxy(doc).status == Status.PASS


def test_members_down_are_a_firm_no_node_port_proxy() -> None:
    def edit(doc: Doc) -> None:
        _gone(doc)
        doc["openstack"]["load_balancers"] = [load_balancer(member_status=lambda _n: "ERROR")]

    d = diagnose(build(node_port_doc(edit)))
    down = [f for f in d.findings if f.check_id == "lb-members-down" and f.status == Status.FAIL]
    assert down and all(f.cause == NO_PROXY for f in down)
    text = localize(down[0].message, "en")
    assert "Kube-OVN serves no NodePort itself" in text
    assert "is not known" not in text
    assert "Kube-OVN은 NodePort를 직접 처리하지" in localize(down[0].message, "ko")
    assert [command_for(r) for r in down[0].remedies] == FIX
    assert [rc.key for rc in d.root_causes] == [NO_PROXY]


def test_a_node_own_connection_to_a_cluster_ip_is_served_by_nothing() -> None:
    """The join switch has no load balancer: a node's own connection went "through kube-proxy",
    which is gone; a pod's is OVN's load balancer's, as before."""
    from kostack.analyze.engine.endpoints import parse_endpoint
    from kostack.analyze.engine.path import trace
    from kostack.analyze.topology import Topology

    doc = healthy()
    _gone(doc)
    topo = Topology(build(doc))
    dns = parse_endpoint(topo, "svc:kube-system/kube-dns:53/udp")[0]
    (node,) = trace(topo, parse_endpoint(topo, "node:k8s-w-1")[0], dns, "udp", 53)
    hop = node.hops[-1]
    assert hop.disposition.value == "denied" and hop.cause == KUBE_OVN_UNSERVED
    assert "serve the pods' logical switches only" in localize(hop.detail, "en")
    assert "노드가 아니라 Pod의 논리 스위치에만" in localize(hop.detail, "ko")
    pods = trace(topo, parse_endpoint(topo, "pod:demo/netshoot")[0], dns, "udp", 53)
    assert all(r.hops[1].disposition.value == "accepted" for r in pods)


def test_a_pod_on_a_subnet_without_ovns_load_balancer_is_served_by_nothing() -> None:
    """demo/netshoot (10.244.1.7) on a Subnet with enableLb false: kube-proxy would translate
    its ClusterIP connections, and it is gone. It traced as a DNAT through kube-proxy (a
    false PASS); a pod of ovn-default is OVN's load balancer's, as before."""
    from kostack.analyze.engine.endpoints import parse_endpoint
    from kostack.analyze.engine.path import trace
    from kostack.analyze.topology import Topology
    from kostack_testkit.kubeovn import subnet

    doc = healthy()
    _gone(doc)
    no_lb = subnet("no-lb", "10.244.1.0/24", enable_lb=False)
    doc["cluster"]["cni"]["kube_ovn"]["subnets"].append(no_lb)
    topo = Topology(build(doc))
    dns = parse_endpoint(topo, "svc:kube-system/kube-dns:53/udp")[0]
    (off,) = trace(topo, parse_endpoint(topo, "pod:demo/netshoot")[0], dns, "udp", 53)
    hop = off.hops[1]
    # a root cause of its own: those pods' DNS dies (net-service-proxy leads it)
    assert hop.disposition.value == "denied" and hop.cause == KUBE_OVN_SUBNET_UNSERVED
    assert "Subnet has OVN's load balancer off" in localize(hop.detail, "en")
    assert "10.96.0.10을 변환하는 것이 없습니다" in localize(hop.detail, "ko")
    assert ("subnet.kubeovn.io", "no-lb", "enableLb", "false") in {
        (e.kind, e.id, e.field, e.value) for e in hop.evidence
    }
