"""A "healthy" verdict never says every check was decided when some could not be, and a
snapshot without a single node is undecided, not healthy (nothing was judged)."""

from __future__ import annotations

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.cli.diagnose import diagnosis_exit
from kostack.report.text import render_diagnosis
from kostack_testkit.builders import POD_CIDR, SERVICE_CIDR, add_pairs, build, seed_doc


def _healthy() -> dict:  # type: ignore[type-arg]
    doc = seed_doc()
    add_pairs(doc, [POD_CIDR, SERVICE_CIDR])
    return doc


def test_healthy_with_an_undecided_check_does_not_claim_every_check_was_decided() -> None:
    doc = _healthy()
    doc["openstack"]["networks"] = None  # net-mtu cannot be decided
    d = diagnose(build(doc))
    assert d.verdict.kind == "healthy"
    assert [f.check_id for f in d.findings if f.status == Status.UNKNOWN] == ["net-mtu"]
    en = render_diagnosis(d, "en", False)
    assert "Every check was decided" not in en
    assert en.startswith(
        "VERDICT: healthy on DNS, the kubernetes service, pod-to-pod and egress; 1 check"
    )
    ko = render_diagnosis(d, "ko", False)
    assert "모든 점검이 판단되었고" not in ko and "점검 1개는 판단하지 못했습니다" in ko
    # the fully decided twin keeps its line
    assert render_diagnosis(diagnose(build(_healthy())), "en", False).startswith(
        "VERDICT: healthy. Every check was decided and nothing fails."
    )


def test_a_snapshot_without_nodes_is_undecided_not_healthy() -> None:
    doc = seed_doc()
    doc["cluster"]["nodes"] = []
    doc["cluster"]["pods"] = []
    doc["node_ports"] = []
    d = diagnose(build(doc))
    assert d.verdict.kind == "undecided"
    assert set(d.verdict.critical_undecided) == {"dns", "api-service", "pod-to-pod", "egress"}
    assert not any(f.status == Status.PASS and f.check_id.startswith("net-dns") for f in d.findings)
    assert diagnosis_exit(d, "high") == 4
    en = render_diagnosis(d, "en", False)
    assert "the snapshot holds no Kubernetes node" in en and ".." not in en.splitlines()[1]
    assert "스냅샷에 쿠버네티스 노드가 하나도 없습니다" in render_diagnosis(d, "ko", False)


def test_uncovered_pod_block_of_a_second_pool_is_said_without_a_placeholder() -> None:
    """Pairs cover the first pool only; a node's block of a second pool is uncovered. The
    cause says what was found, never "unencapsulated (-)": since each pool's pods are traced
    (docs/engine.md, "Several IP pools") that is the pod-source drop of the second pool's
    range (it was the pairs-scope finding while one pod per node hid the pool)."""
    doc = _healthy()
    calico = doc["cluster"]["cni"]["calico"]
    calico["ip_pools"].append(dict(calico["ip_pools"][0], name="second", cidr="10.245.0.0/16"))
    calico["blocks"].append({"cidr": "10.245.0.0/26", "node": "k8s-w-3"})
    doc["cluster"]["pod_cidrs"].append("10.245.0.0/16")
    d = diagnose(build(doc))
    rc = next(r for r in d.root_causes if r.key == "antispoof")
    en = render_diagnosis(d, "en", False)
    assert "unencapsulated (-)" not in en
    assert "pod source IP (10.245.0.0/16)" in en and "10.245.0.0/26" in en
    assert rc.fix.remedies and "(-)" not in render_diagnosis(d, "ko", False)
