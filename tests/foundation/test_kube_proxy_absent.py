"""No kube-proxy seen and nothing replacing it (model/cluster.py `kube_proxy_absent`: its
ConfigMap 404, no pod of it listed, not k3s or MicroK8s; collected in
tests/collect_k8s/test_k8s_collect_microk8s.py): what translates a ClusterIP or serves a
NodePort is not known, so DNS, the kubernetes service and a NodePort leg are UNKNOWN, never
a pass. kostack used to say "healthy" there although, unless kube-proxy runs outside pods,
every Service is down. Where a CNI translates instead (AntreaProxy for pods, Cilium's
replacement), nothing changes."""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import diagnose
from kostack.analyze.loadbalancer.analysis import lb_analysis
from kostack.analyze.messages import localize
from kostack.analyze.reach import Disposition
from kostack.analyze.topology import Topology
from kostack.model import Snapshot
from kostack_testkit.antrea import as_antrea
from kostack_testkit.builders import build, seed_doc
from kostack_testkit.lb_fixtures import amphora_healthy

Doc = dict[str, Any]
WORDS = "nothing is known to translate"


def _absent(doc: Doc) -> Snapshot:
    doc["cluster"]["kube_proxy_mode"] = None
    doc["cluster"]["kube_proxy_absent"] = True
    return build(doc)


def _seed_fixed() -> Doc:
    doc = seed_doc()
    for port in doc["openstack"]["ports"]:
        if port.get("device_owner", "").startswith("compute"):
            port["allowed_address_pairs"] = [{"ip_address": "10.244.0.0/16"}]
    return doc


def test_the_services_are_undecided_not_healthy() -> None:
    assert diagnose(build(_seed_fixed())).verdict.kind == "healthy"
    d = diagnose(_absent(_seed_fixed()))
    assert d.verdict.kind == "undecided"
    by_check = {f.check_id: f for f in d.findings if f.status.value == "unknown"}
    assert {"net-dns", "net-api-service"} <= set(by_check)
    english = localize(by_check["net-dns"].message, "en")
    assert WORDS in english and "10.96.0.10" in english
    # a command that finds kube-proxy however it runs (its health port), not its DaemonSet
    assert "`curl -s http://10.0.0.11:10256/healthz`" in english
    korean = localize(by_check["net-dns"].message, "ko")
    assert "변환하는 것이 알려져 있지 않습니다" in korean and "{" not in korean
    assert "헬스 포트가 응답합니다(`curl -s http://10.0.0.11:10256/healthz`)" in korean
    # what does not go through a ClusterIP is still decided
    assert not any(
        f.status.value == "unknown" for f in d.findings if f.check_id == "net-pod-to-pod"
    )


def test_antrea_proxy_translates_pods_connections_without_kube_proxy() -> None:
    doc = _seed_fixed()
    as_antrea(doc)
    d = diagnose(_absent(doc))
    assert d.findings
    assert not any(WORDS in localize(f.message, "en") for f in d.findings)


def test_the_nodeport_leg_is_undecided() -> None:
    snap = _absent(amphora_healthy())
    hops = [leg.hops[-1] for pa in lb_analysis(Topology(snap)).ports for leg in pa.client_legs]
    assert hops and all(h.step == "kube-proxy" for h in hops)
    assert all(h.disposition == Disposition.UNKNOWN for h in hops)
    assert "nothing is known to serve NodePort" in localize(hops[0].detail, "en")
    assert "처리하는 것이 알려져 있지 않습니다" in localize(hops[0].detail, "ko")
