"""Members down with every rule open: nothing serves NodePorts, or the member addresses are
outside nodePortAddresses (analyze/engine/node_ports.py, lb-members-down's causes)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status, command_for
from kostack.analyze.messages import localize
from kostack.model.node_ports import antrea_answers, kube_proxy_answers
from kostack_testkit.builders import build
from kostack_testkit.node_ports import (
    FIXED,
    antrea_no_proxy,
    flannel_no_proxy,
    node_port_doc,
    outside_addresses,
)

Doc = dict[str, Any]
ip = ipaddress.ip_address


def _members_down(doc: Doc) -> list[Any]:
    d = diagnose(build(doc))
    return [f for f in d.findings if f.check_id == "lb-members-down"]


def _roots(doc: Doc) -> list[str]:
    return [rc.key for rc in diagnose(build(doc)).root_causes]


def test_antrea_without_proxy_all_and_kube_proxy_gone_is_the_root_cause() -> None:
    doc = node_port_doc(antrea_no_proxy)
    assert _roots(doc) == ["lb-no-node-port-proxy"]
    (down,) = [f for f in _members_down(doc) if f.status == Status.FAIL]
    assert down.cause == "lb-no-node-port-proxy"
    evidence = " ".join(down.evidence)
    assert "no kube-proxy pod runs" in evidence and "proxyAll is off" in evidence
    commands = [command_for(r) for r in down.remedies]
    assert commands == [
        "kubectl -n kube-system edit configmap antrea-config",
        "kubectl -n kube-system rollout restart daemonset/antrea-agent",
    ]
    assert "proxyAll: true" in down.message


@pytest.mark.parametrize("name", sorted(FIXED))
def test_the_fixed_states_have_no_root_cause(name: str) -> None:
    assert _roots(node_port_doc(FIXED[name])) == []


def _pods(count: int | None, mode: str = "iptables") -> Callable[[Doc], None]:
    def edit(doc: Doc) -> None:
        antrea_no_proxy(doc)
        doc["cluster"]["kube_proxy_pods"] = count
        doc["cluster"]["kube_proxy_mode"] = mode

    return edit


def test_kube_proxy_running_or_not_known_claims_nothing() -> None:
    """kube-proxy's pods running, or not listed (None): the members' ERROR stays unexplained
    as before; only pods listed and none of them kube-proxy's says nothing serves."""
    for count in (4, None):
        assert _roots(node_port_doc(_pods(count))) == ["lb-members-down"]


def test_antrea_settings_unread_is_undecided_not_a_claim() -> None:
    def edit(doc: Doc) -> None:
        antrea_no_proxy(doc)
        doc["cluster"]["cni"]["antrea"] = None

    (down,) = [f for f in _members_down(node_port_doc(edit)) if f.status == Status.FAIL]
    assert down.cause == "lb-members-down"  # "cannot decide", not "nothing serves"
    assert "whether antrea serves NodePort" in down.message


def test_flannel_without_kube_proxy_is_one_root_cause_with_the_members_its_symptom() -> None:
    """flannel serves no Service: nothing serves ClusterIPs (net-service-proxy) and so no
    NodePort either. The members down are a consequence, listed under that one root cause as
    net-dns and net-api-service are (lb-members-down is a symptom check naming its cause);
    it said two root causes, the second lb-no-node-port-proxy."""
    d = diagnose(build(node_port_doc(flannel_no_proxy)))
    (root,) = d.root_causes
    assert root.key == "no-service-proxy" and root.check_id == "net-service-proxy"
    assert {f.check_id for f in root.symptoms} == {"net-dns", "net-api-service", "lb-members-down"}
    (down,) = [f for f in root.symptoms if f.check_id == "lb-members-down"]
    assert "4 of 4 members" in localize(down.message, "en") and "ERROR" in down.message
    assert "nothing serves NodePort 31080 on k8s-cp-1" in " ".join(down.evidence)
    assert "no NodePort proxy on k8s-cp-1" in {localize(h.where, "en") for h in _hops(d)}
    assert "k8s-cp-1에 NodePort 프록시 없음" in {localize(h.where, "ko") for h in _hops(d)}
    assert _roots(node_port_doc(FIXED["flannel-no-service-proxy-lb"])) == []


def _hops(d: Any) -> list[Any]:
    """Every hop of lb-members-down's predictions (its findings' flows are texts: the hops
    are read again from the analysis)."""
    from kostack.analyze.loadbalancer.analysis import lb_analysis
    from kostack.analyze.topology import Topology

    analysis = lb_analysis(Topology(d.snapshot))
    return [
        hop
        for bs in analysis.index.services
        for pa in analysis.ports_of(bs)
        for h in pa.health
        for hop in h.hops
    ]


def test_calico_iptables_without_kube_proxy_says_nothing_serves_node_ports() -> None:
    """Calico's iptables data plane serves no Service either: it said "whether calico serves
    NodePort 31080 in its place is not known" beside net-service-proxy's FAIL."""

    def edit(doc: Doc) -> None:
        doc["cluster"]["kube_proxy_pods"] = 0
        doc["openstack"]["load_balancers"][0]["pools"][0]["members"][0]["operating_status"] = (
            "ERROR"
        )

    (root,) = diagnose(build(node_port_doc(edit))).root_causes
    assert root.key == "no-service-proxy"
    assert "lb-members-down" in {f.check_id for f in root.symptoms}


def test_member_addresses_outside_kube_proxy_node_port_addresses() -> None:
    doc = node_port_doc(outside_addresses)
    assert _roots(doc) == ["lb-node-port-addresses"]
    (down,) = [f for f in _members_down(doc) if f.status == Status.FAIL]
    assert "10.0.0.11/32, 10.0.0.12/32, 10.0.0.13/32, 10.0.0.14/32" in down.message
    assert [command_for(r) for r in down.remedies] == [
        "kubectl -n kube-system edit configmap kube-proxy",
        "kubectl -n kube-system rollout restart daemonset/kube-proxy",
    ]


@pytest.mark.parametrize(
    ("written", "blamed"),
    [
        (["primary"], False),  # the nodes' InternalIPs are the members
        (["10.0.0.0/24"], False),
        (["0.0.0.0/0"], False),
        (["fd00::/64"], False),  # no IPv4 CIDR: every IPv4 address
        (["192.168.100.0/24", "10.0.0.0/16"], False),
        (["10.0.0.12/32"], True),  # k8s-w-1's only: the three others are outside
        (None, False),  # not read: undecided, not blamed (below)
    ],
)
def test_kube_proxy_node_port_addresses_forms(written: list[str] | None, blamed: bool) -> None:
    """The members stay ERROR: the setting is the cause only where it leaves their addresses
    out; elsewhere the ERROR stays unexplained (no false blame)."""

    def edit(doc: Doc) -> None:
        outside_addresses(doc)
        doc["cluster"]["kube_proxy_node_port_addresses"] = written

    roots = _roots(node_port_doc(edit))
    assert ("lb-node-port-addresses" in roots) is blamed
    if blamed:
        (down,) = [
            f for f in _members_down(node_port_doc(edit)) if f.cause == "lb-node-port-addresses"
        ]
        assert "3 of 4 members" in down.message
        assert "10.0.0.11/32, 10.0.0.13/32, 10.0.0.14/32" in down.message


def test_antrea_node_port_addresses_with_proxy_all() -> None:
    def edit(doc: Doc) -> None:
        FIXED["antrea-no-node-port-proxy"](doc)
        doc["cluster"]["cni"]["antrea"]["node_port_addresses"] = ["192.168.100.0/24"]
        doc["openstack"]["load_balancers"][0]["pools"][0]["members"][0]["operating_status"] = (
            "ERROR"
        )

    doc = node_port_doc(edit)
    assert _roots(doc) == ["lb-node-port-addresses"]
    (down,) = [f for f in _members_down(doc) if f.status == Status.FAIL]
    assert "antreaProxy.nodePortAddresses" in down.message
    assert command_for(down.remedies[-1]).endswith("daemonset/antrea-agent")


def test_kube_proxy_semantics() -> None:
    """pkg/proxy/util/nodeport_addresses.go and cmd/kube-proxy/app/server.go."""
    nodes = (ip("10.0.0.11"), ip("fd00::11"), ip("10.0.1.11"))
    assert kube_proxy_answers((), ip("10.0.0.11"), nodes)
    assert kube_proxy_answers(("primary",), ip("10.0.0.11"), nodes)
    assert not kube_proxy_answers(("primary",), ip("10.0.1.11"), nodes)  # not the first
    assert kube_proxy_answers(("primary",), ip("fd00::11"), nodes)
    assert not kube_proxy_answers(("primary",), ip("fd00::12"), nodes)
    assert kube_proxy_answers(("192.168.0.0/16",), ip("fd00::12"), nodes)  # other family
    assert not kube_proxy_answers(("192.168.0.0/16",), ip("10.0.0.11"), nodes)
    assert kube_proxy_answers(("192.168.0.0/16", "0.0.0.0/0"), ip("10.0.0.11"), nodes)


def test_antrea_semantics() -> None:
    net = ipaddress.ip_network
    assert antrea_answers((), ip("10.0.0.11")) is True
    assert antrea_answers((net("10.0.0.0/24"),), ip("10.0.0.11")) is True
    assert antrea_answers((net("10.0.1.0/24"),), ip("10.0.0.11")) is False
    assert antrea_answers((net("fd00::/64"),), ip("10.0.0.11")) is None


def test_unread_node_port_addresses_are_undecided_where_kube_proxy_runs() -> None:
    """kube-proxy's pods run and its ConfigMap was not read: some values of nodePortAddresses
    leave the members out, so their ERROR is undecided, never unexplained nor blamed; without
    the pod count (older snapshots) the hop is judged as before."""

    def unread(doc: Doc) -> None:
        outside_addresses(doc)
        doc["cluster"]["kube_proxy_node_port_addresses"] = None

    (down,) = [f for f in _members_down(node_port_doc(unread)) if f.status == Status.FAIL]
    assert "cannot decide" in down.message
    assert "its nodePortAddresses were not read" in down.message

    def old(doc: Doc) -> None:
        unread(doc)
        doc["cluster"]["kube_proxy_pods"] = None

    (down,) = [f for f in _members_down(node_port_doc(old)) if f.status == Status.FAIL]
    assert "finds nothing in the cloud or the cluster" in down.message


def test_antrea_proxy_off_names_enable() -> None:
    """antreaProxy.enable false: AntreaProxy serves nothing, the fix turns it on too."""

    def edit(doc: Doc) -> None:
        antrea_no_proxy(doc)
        doc["cluster"]["cni"]["antrea"]["antrea_proxy"] = False

    doc = node_port_doc(edit)
    (down,) = [f for f in _members_down(doc) if f.status == Status.FAIL]
    # AntreaProxy serves no ClusterIP either: net-service-proxy's root cause, the members under it
    assert down.cause == "no-service-proxy"
    assert _roots(doc) == ["no-service-proxy"]
    assert "antreaProxy.enable is false" in " ".join(down.evidence)
    assert "antreaProxy.enable: true, antreaProxy.proxyAll: true" in down.message
