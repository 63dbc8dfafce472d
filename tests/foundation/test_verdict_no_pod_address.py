"""Pods not collected (RBAC forbids listing them) and no other source of each node's pod
ranges (Calico's IPAM blocks forbidden too, no Node podCIDRs): no pod address is known, so
the checks of pod traffic judge no flow at all. That is UNKNOWN naming what to collect, never
a PASS; with the blocks known the pods are only representatives and the verdict stands."""

from __future__ import annotations

import io
import json
from pathlib import Path

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.cli.common import Environment
from kostack.cli.diagnose import diagnosis_exit
from kostack.cli.main import main
from kostack.report.text import render_diagnosis
from kostack_testkit.builders import (
    POD_CIDR,
    SERVICE_CIDR,
    Doc,
    add_pairs,
    build,
    example_vxlan_no_4789,
    seed_doc,
)

POD_CHECKS = {
    "net-pod-src-antispoof",
    "net-sg-cni-encap",
    "net-sg-pod-source-ingress",
    "net-dns",
    "net-api-service",
    "net-pod-to-pod",
    "net-pod-egress",
    "net-mtu",
}


def _forbidden(doc: Doc) -> Doc:
    """What a collector whose account may not list pods nor Calico's blocks writes."""
    doc["cluster"]["pods"] = None
    doc["cluster"]["cni"]["calico"]["blocks"] = None
    for node in doc["cluster"]["nodes"]:
        node["pod_cidrs"] = []  # Calico IPAM: kube-controller-manager allocates none
    doc["gaps"] = [
        {"source": "cluster.pods", "error": "GET /api/v1/pods: 403 Forbidden"},
        {"source": "cluster.cni.calico.blocks", "error": "403 Forbidden"},
    ]
    return doc


def test_the_seed_incident_without_pod_addresses_is_undecided_not_ok() -> None:
    d = diagnose(build(_forbidden(seed_doc())))
    by_check = {f.check_id: f for f in d.findings}
    assert d.verdict.kind == "undecided"
    assert set(d.verdict.critical_undecided) == {"dns", "api-service", "pod-to-pod", "egress"}
    for check in POD_CHECKS:
        assert by_check[check].status == Status.UNKNOWN, check
    assert not [f for f in d.findings if f.check_id in POD_CHECKS and f.status == Status.PASS]
    assert diagnosis_exit(d, "high") == 4
    en = render_diagnosis(d, "en", False)
    assert "anti-spoofing" not in en.split("Also checked, ok:")[1].split("\n\n")[0]
    en = " ".join(en.split())  # unwrapped
    assert "no pod address on any node (none in cluster.pods, cluster.cni.calico.blocks" in en
    assert "`kubectl auth can-i list pods --all-namespaces`" in en
    assert "`kostack collect -o snapshot.json`" in en
    assert "gap: cluster.pods: GET /api/v1/pods: 403 Forbidden" in by_check["net-dns"].evidence
    ko = " ".join(render_diagnosis(d, "ko", False).split())
    assert "스냅샷의 어느 노드에도 Pod 주소가 없어" in ko and "Cannot decide" not in ko


def test_vxlan_with_a_too_large_mtu_is_not_passed_without_pod_addresses() -> None:
    """The encapsulation in use is read from the pods' flows: with none, VXLAN Always looked
    like no encapsulation, so the pod MTU 1450 "fit" a 1450 network and no VXLAN rule was
    needed. Both are undecided now (with the pods known they fail)."""
    doc = seed_doc()
    example_vxlan_no_4789(doc)
    doc["cluster"]["cni"]["calico"]["mtu"] = 1450
    known = {f.check_id: f.status for f in diagnose(build(doc)).findings}
    assert known["net-mtu"] == Status.FAIL and known["net-sg-cni-encap"] == Status.FAIL
    d = diagnose(build(_forbidden(doc)))
    statuses = {f.check_id: f.status for f in d.findings}
    assert statuses["net-mtu"] == Status.UNKNOWN
    assert statuses["net-sg-cni-encap"] == Status.UNKNOWN
    assert d.verdict.kind == "undecided"


def test_pods_not_collected_with_calico_blocks_known_is_still_decided() -> None:
    """Each node's pod addresses come from its IPAM blocks; the pods add only names. Only who
    serves Services stays undecided: kube-proxy's pods were not listed, and its ConfigMap alone
    is also what a removed kube-proxy leaves (engine/service_proxy.py). DNS and the API service
    follow it (UNKNOWN, no PASS through a kube-proxy not known to run); the pod-to-pod and
    anti-spoofing checks stay decided."""
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    doc["cluster"]["pods"] = None
    d = diagnose(build(doc))
    assert d.verdict.kind == "undecided"
    undecided = {f.check_id for f in d.findings if f.status == Status.UNKNOWN}
    assert undecided == {"net-service-proxy", "net-dns", "net-api-service"}, undecided
    statuses = {f.check_id: f.status for f in d.findings}
    assert statuses["net-pod-src-antispoof"] == Status.PASS


def test_trace_of_a_pod_by_name_says_the_pods_were_not_collected(tmp_path: Path) -> None:
    """It said "no pod demo/netshoot in the snapshot ... its namespaces: ." (none)."""
    doc = seed_doc()
    doc["cluster"]["pods"] = None
    doc["gaps"] = [{"source": "cluster.pods", "error": "403 Forbidden: pods is forbidden"}]
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(doc), encoding="utf-8")
    for lang, said in [
        ("en", "error: pod demo/netshoot: the snapshot's pods were not collected: 403 Forbidden"),
        ("ko", "Pod demo/netshoot: 스냅샷에 Pod 목록이 수집되지 않았습니다: “403 Forbidden"),
    ]:
        out, err = io.StringIO(), io.StringIO()
        env = Environment(
            stdout=out, stderr=err, environ={}, stdin_isatty=False, stdout_isatty=False
        )
        argv = ["trace", "--lang", lang, "--snapshot", str(snap)]
        rc = main([*argv, "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"], env)
        text = err.getvalue()
        assert rc == 2 and said in text, text
        assert "`kubectl get pod netshoot --namespace=demo -o wide`" in text
        assert "`kostack collect -o snapshot.json`" in text and "namespaces: ." not in text


def test_calico_pod_addresses_guessed_from_node_pod_cidrs_are_no_pass() -> None:
    """Pairs set to each Node's podCIDR, neither pods nor Calico's blocks collected: the
    only addresses were guesses from the podCIDRs, which Calico IPAM does not use, so
    anti-spoofing 'passed' and the verdict was healthy, every check decided."""
    doc = seed_doc()
    pod_cidrs = {n["name"]: n["pod_cidrs"] for n in doc["cluster"]["nodes"]}
    names = {link["port_id"]: link["node"] for link in doc["node_ports"]}
    for port in doc["openstack"]["ports"]:
        if port["id"] in names:
            port["allowed_address_pairs"] = [
                {"ip_address": c} for c in pod_cidrs[names[port["id"]]]
            ]
    doc["cluster"]["pods"] = None
    doc["cluster"]["cni"]["calico"]["blocks"] = None
    d = diagnose(build(doc))
    by_check = {f.check_id: f for f in d.findings}
    assert d.verdict.kind == "undecided"
    for check in POD_CHECKS:
        assert by_check[check].status == Status.UNKNOWN, check
    en = " ".join(render_diagnosis(d, "en", False).split())
    assert "Calico IPAM does not take them from the Nodes' podCIDRs" in en
    ko = " ".join(render_diagnosis(d, "ko", False).split())
    assert "Calico IPAM은 노드의 podCIDR에서 주소를 받지 않습니다" in ko


def test_one_node_without_pod_addresses_has_no_pod_to_pod_to_judge() -> None:
    doc = seed_doc()
    doc["cluster"]["nodes"] = doc["cluster"]["nodes"][:1]
    doc["node_ports"] = doc["node_ports"][:1]
    doc["cluster"]["pods"] = None
    doc["cluster"]["cni"]["calico"]["blocks"] = []
    for svc in doc["cluster"]["services"]:
        svc["endpoints"] = [e for e in svc["endpoints"] or () if e["node"] == "k8s-cp-1"]
    statuses = {f.check_id: f.status for f in diagnose(build(doc)).findings}
    assert statuses["net-pod-to-pod"] == Status.NOT_APPLICABLE
    assert statuses["net-dns"] == Status.UNKNOWN
