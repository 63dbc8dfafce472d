"""kube-proxy not seen (no pod, no ConfigMap) on a cluster that is neither kubeadm's nor a known
distribution's, while the CNI serves the pods' ClusterIPs (AntreaProxy without proxyAll,
Kube-OVN's OVN load balancer): net-service-proxy said PASS, "NodePorts by nobody", yet
kube-proxy may run as a systemd unit or a static binary. It is UNKNOWN now, with a command
that finds kube-proxy however it runs (its health port, docs/facts.md "kube-proxy's health
port"); kubeadm's cluster, k3s and proxyAll are decided as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.service_proxy import HOSTS_UNSERVED
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack_testkit.antrea import as_antrea
from kostack_testkit.builders import build, example_flannel_no_8472
from kostack_testkit.kubeovn import as_kube_ovn, subnet
from kostack_testkit.service_proxy import healthy, kubeadm_unseen, unseen

Doc = dict[str, Any]
COMMAND = "`curl -s http://10.0.0.11:10256/healthz`"


def _doc(*edits: Callable[[Doc], None]) -> Doc:
    doc = healthy()
    for edit in edits:
        edit(doc)
    return doc


def _checks(doc: Doc) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in diagnose(build(doc)).findings:
        out.setdefault(f.check_id, []).append(f)
    return out


@pytest.mark.parametrize(
    ("cni", "served_by"),
    [(as_antrea, "AntreaProxy"), (as_kube_ovn, "Kube-OVN's OVN load balancer")],
)
def test_nodeports_are_unknown_not_served_by_nobody(
    cni: Callable[[Doc], None], served_by: str
) -> None:
    found = _checks(_doc(cni, unseen))
    (proxy,) = found["net-service-proxy"]
    assert proxy.status == Status.UNKNOWN
    en, ko = localize(proxy.message, "en"), localize(proxy.message, "ko")
    assert f"The pods' ClusterIPs are served by {served_by}" in en
    assert "a systemd unit or a static binary" in en and COMMAND in en
    assert "nobody" not in en
    assert "NodePort와 노드 자신의 ClusterIP 연결을 누가 처리하는지는 판단할 수 없음" in ko
    assert "systemd 유닛이나 정적 바이너리" in ko and COMMAND in ko
    # the pods' ClusterIPs are the CNI's: DNS and the API service stay decided
    for check in ("net-dns", "net-api-service"):
        assert [f.status for f in found[check]] == [Status.PASS]


def test_a_kube_ovn_subnet_left_to_kube_proxy_is_unknown_when_kube_proxy_is_unseen() -> None:
    """A Subnet with enableLb false leaves its pods' ClusterIPs to kube-proxy, which may run
    unseen: UNKNOWN for those pods (no DNAT through a kube-proxy not known to run)."""
    doc = _doc(as_kube_ovn, unseen)
    doc["cluster"]["cni"]["kube_ovn"]["subnets"].append(
        subnet("no-lb", "10.244.1.0/24", enable_lb=False)
    )
    found = _checks(doc)["net-dns"]
    assert found and all(f.status == Status.UNKNOWN and f.nodes == ("k8s-w-1",) for f in found)
    assert all(COMMAND in localize(f.message, "en") for f in found)
    # the hop says it is the Subnet that leaves them to kube-proxy, not the CNI as a whole
    for f in found:
        en, ko = localize(f.message, "en"), localize(f.message, "ko")
        assert "this pod's Kube-OVN Subnet leaves ClusterIPs to kube-proxy" in en
        assert "the CNI does not replace it" not in en
        assert "이 Pod의 Kube-OVN Subnet은 ClusterIP를 kube-proxy에 맡기는데" in ko
        assert COMMAND in ko


def test_the_unseen_cluster_without_a_cni_proxy_names_the_command() -> None:
    (proxy,) = _checks(_doc(unseen))["net-service-proxy"]
    assert proxy.status == Status.UNKNOWN
    assert COMMAND in localize(proxy.message, "en") and COMMAND in localize(proxy.message, "ko")


def test_kubeadm_stays_decided() -> None:
    """kubeadm runs kube-proxy as a DaemonSet only: no pod there is kube-proxy gone (AntreaProxy
    without proxyAll then leaves the nodes' own connections unserved: the warning)."""
    (proxy,) = _checks(_doc(as_antrea, kubeadm_unseen))["net-service-proxy"]
    assert proxy.status == Status.FAIL and proxy.cause == HOSTS_UNSERVED


def test_proxy_all_serves_nodeports_unseen_or_not() -> None:
    def proxy_all(doc: Doc) -> None:
        as_antrea(doc, proxy_all=True)

    (proxy,) = _checks(_doc(proxy_all, unseen))["net-service-proxy"]
    assert proxy.status == Status.PASS
    assert "NodePorts by AntreaProxy" in localize(proxy.message, "en")


def test_k3s_stays_a_pass() -> None:
    def k3s(doc: Doc) -> None:
        example_flannel_no_8472(doc)
        doc["cluster"]["cni"]["flannel"]["bundle"] = "k3s"

    (proxy,) = _checks(_doc(k3s))["net-service-proxy"]
    assert proxy.status == Status.PASS
    assert "kube-proxy (inside k3s)" in localize(proxy.message, "en")
