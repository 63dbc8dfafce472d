"""Felix refuses its eBPF data plane on a kernel too old for it (felix/daemon/daemon.go
applyBPFOverrides; minimum 5.3, 4.18 for a Red Hat kernel: felix/bpf/bpf.go), which neither
FelixConfiguration nor the operator's TigeraStatus shows: the eBPF checks say UNKNOWN naming
the nodes, their kernel and the log line to look for; beside the operator's Degraded they say
whether Felix too would refuse it (docs/facts.md "Calico's eBPF data plane")."""

from __future__ import annotations

from typing import Any

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.analyze.engine.felix_kernel import kernel_refusal, verdict
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.model.cluster import Node
from kostack_testkit.builders import build
from kostack_testkit.calico_ebpf import ebpf_doc

Doc = dict[str, Any]
CHECKS = ("net-sg-calico-ebpf", "net-calico-ebpf-kube-proxy", "net-calico-ebpf-dsr")
LOGS = "`kubectl -n calico-system logs -l k8s-app=calico-node -c calico-node --prefix --tail=-1`"


def _kernel(doc: Doc, kernels: dict[str, str]) -> Doc:
    for node in doc["cluster"]["nodes"]:
        if node["name"] in kernels:
            node["kernel_version"] = kernels[node["name"]]
    return doc


def _findings(doc: Doc) -> list[Finding]:
    found = [f for f in diagnose(build(doc)).findings if f.check_id in CHECKS]
    assert {f.check_id for f in found} == set(CHECKS)
    return found


@pytest.mark.parametrize(
    ("kernel", "said"),
    [
        ("5.15.0-156-generic", False),
        ("5.3.0", False),
        ("6.8.0-45-generic", False),
        ("4.18.0-553.el8_10.x86_64", False),  # Red Hat's release mark: 4.18 is enough
        ("4.15.0-213-generic", True),  # below every minimum
        ("3.10.0-1160.el7.x86_64", True),
        ("5.0.0-37-generic", None),  # between: /proc/version decides, not read
        ("4.18.0-348.el8.x86_64", None),  # no el<N>_<M>: /proc/version may say Red Hat
        ("", None),
        (None, None),
        ("unknown", None),
    ],
)
def test_felix_kernel_minimum(kernel: str | None, said: bool | None) -> None:
    assert verdict(kernel) is said


def test_a_kernel_too_old_makes_every_ebpf_check_unknown_naming_the_node() -> None:
    doc = _kernel(ebpf_doc(mode="DSR"), {"k8s-w-2": "4.15.0-213-generic"})
    for f in _findings(doc):
        assert f.status == Status.UNKNOWN, (f.check_id, f.status, f.message)
        text = str(f.message)
        assert "Felix refuses its eBPF data plane on node k8s-w-2" in text
        assert "4.15.0-213-generic" in text
        assert "BPF dataplane mode enabled but not supported by the kernel" in text
        assert LOGS in text
        ko = localize(f.message, "ko")
        assert "커널 때문에 eBPF 데이터 플레인을 거부합니다" in ko and LOGS in ko


def test_a_kernel_between_the_minimums_is_unknown_as_maybe() -> None:
    doc = _kernel(ebpf_doc(), {"k8s-w-1": "5.0.0-37-generic", "k8s-w-3": "5.0.0-37-generic"})
    for f in _findings(doc):
        assert f.status == Status.UNKNOWN
        assert "Felix may refuse its eBPF data plane on nodes k8s-w-1, k8s-w-3" in str(f.message)


def test_kernels_felix_accepts_change_nothing() -> None:
    ok = _findings(ebpf_doc(mode="DSR"))
    doc = _kernel(ebpf_doc(mode="DSR"), {"k8s-w-1": "4.18.0-553.el8_10.x86_64"})
    assert sorted((f.check_id, f.status) for f in _findings(doc)) == sorted(
        (f.check_id, f.status) for f in ok
    )
    assert all("Felix refuses" not in str(f.message) for f in _findings(doc))


def test_kernel_refusal_is_one_pass_over_the_nodes() -> None:
    nodes = [
        Node(name=f"n{i}", kernel_version="4.15.0" if i % 2 else "5.15.0") for i in range(5000)
    ]
    found = kernel_refusal(nodes)
    assert len(found.refused) == 2500 and not found.maybe


def _degraded(kernels: dict[str, str]) -> Doc:
    doc = _kernel(ebpf_doc(), kernels)
    calico = doc["cluster"]["cni"]["calico"]
    calico.update(
        bpf_enabled=None,
        bpf_transition=True,
        operator_status=["Degraded", "Error: FelixConfiguration modified by someone else"],
    )
    return doc


def test_degraded_says_the_operator_holds_it_back_when_every_kernel_is_fine() -> None:
    for f in _findings(_degraded({})):
        assert f.status == Status.UNKNOWN
        text = str(f.message)
        assert "reports itself Degraded" in text
        assert "the operator's state, not Felix, holds it back" in text
        assert "Felix가 아니라 오퍼레이터 상태가" in localize(f.message, "ko")


def test_degraded_also_names_the_nodes_felix_would_refuse() -> None:
    for f in _findings(_degraded({"k8s-cp-1": "4.15.0-213-generic"})):
        text = str(f.message)
        assert "reports itself Degraded" in text
        assert (
            "Felix would refuse eBPF on node k8s-cp-1 for their kernel (4.15.0-213-generic)" in text
        )
        assert "holds it back" not in text


def test_degraded_with_a_kernel_not_decided_says_neither() -> None:
    text = [str(f.message) for f in _findings(_degraded({"k8s-w-1": "5.0.0-37-generic"}))]
    assert all("holds it back" not in t and "would refuse" not in t for t in text)


def test_a_node_whose_kernel_is_not_read_is_unknown_not_accepted() -> None:
    doc = _kernel(ebpf_doc(mode="DSR"), {"k8s-w-2": ""})
    for f in _findings(doc):
        assert f.status == Status.UNKNOWN, (f.check_id, f.status, f.message)
        text = str(f.message)
        assert "the kernel of node k8s-w-2 is not known" in text
        assert "status.nodeInfo.kernelVersion is empty" in text
        assert "custom-columns=NAME:.metadata.name,KERNEL:.status.nodeInfo.kernelVersion" in text
        ko = localize(f.message, "ko")
        assert "커널을 알 수 없고" in ko and "kernelVersion이 비어 있음" in ko


def test_a_kernel_kostack_cannot_parse_is_named_with_what_the_node_says() -> None:
    doc = _kernel(ebpf_doc(), {"k8s-w-1": "unknown"})
    for f in _findings(doc):
        assert f.status == Status.UNKNOWN
        assert "the Node says unknown, not a kernel release" in str(f.message)


def test_beside_a_refused_kernel_the_unread_one_is_named_too() -> None:
    doc = _kernel(ebpf_doc(), {"k8s-w-1": "4.15.0-213-generic", "k8s-w-3": ""})
    for f in _findings(doc):
        text = str(f.message)
        assert "Felix refuses its eBPF data plane on node k8s-w-1" in text
        assert "The kernel of node k8s-w-3 is not known either" in text
        assert "k8s-w-3의 커널도 알 수 없습니다" in localize(f.message, "ko")


def test_kernel_refusal_names_the_nodes_not_read() -> None:
    found = kernel_refusal([Node(name="a"), Node(name="b", kernel_version="5.15.0")])
    assert found.unread == (("a", ""),) and not found.refused and not found.maybe
