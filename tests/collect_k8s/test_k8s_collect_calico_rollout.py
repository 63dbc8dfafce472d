"""The operator's switch to Calico's eBPF data plane over HTTP: calico-node's DaemonSet
generation against what its controller observed (the rollout not started is not "N of N on
the newest template"), the pods' labels when the DaemonSet cannot be read, and TigeraStatus
`calico` (Degraded said instead of "in transition", its message redacted; not readable:
said not known). tigera/operator bpf.go `isRolloutCompleteWithBPFVolumes`, status.go
`SetDegraded`; docs/facts.md "Calico's eBPF data plane"."""

from __future__ import annotations

from typing import Any

from k8s_collect_served import ServeFn, joined_snapshot

from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import localize
from kostack.model.snapshot import Calico
from kostack_lab.kube_objects import crd_object
from kostack_testkit import k8s_fixture_published as calico_fx
from kostack_testkit.k8s_fixture_objects import JsonObject

CHECKS = ("net-sg-calico-ebpf", "net-calico-ebpf-kube-proxy")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
REFUSED = (
    'Error updating resource: unable to set bpfEnabled: FelixConfiguration "default" has been '
    "modified by someone else, refusing to override potential user configuration"
)


def _operator_bpf(
    *, generation: int = 1, observed: int = 1, updated: int = 4, labels: tuple[str, ...] = ()
) -> list[JsonObject]:
    """Installation linuxDataplane BPF, FelixConfiguration default without bpfEnabled, and
    calico-node's DaemonSet at ``generation`` with ``observed`` and ``updated`` in its status
    (4 nodes); its pods labelled with these template generations, in order."""
    objects = calico_fx.calico_operator_published("v3.31.7")
    pods = [o for o in objects if o["kind"] == "Pod" and "calico-node" in o["metadata"]["name"]]
    for obj in objects:
        if obj["kind"] == "Installation":
            obj["spec"]["calicoNetwork"]["linuxDataplane"] = "BPF"
        if obj["kind"] == "DaemonSet" and obj["metadata"]["name"] == "calico-node":
            obj["metadata"]["generation"] = generation
            obj["status"].update(observedGeneration=observed, updatedNumberScheduled=updated)
    for pod, label in zip(pods, labels, strict=False):
        pod["metadata"].setdefault("labels", {})["pod-template-generation"] = label
    return objects


def _tigera_status(*conditions: dict[str, Any]) -> list[JsonObject]:
    """TigeraStatus `calico` (operator.tigera.io/v1, cluster-scoped) and its CRD."""
    status = {
        "apiVersion": "operator.tigera.io/v1",
        "kind": "TigeraStatus",
        "metadata": {"name": "calico"},
        "spec": {},
        "status": {"conditions": list(conditions)},
    }
    return [crd_object("operator.tigera.io", "TigeraStatus", "tigerastatuses"), status]


def _condition(kind: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2026-12-01T00:00:00Z",
    }


def _collected(serve: ServeFn, objects: list[JsonObject]) -> tuple[Calico, list[Finding]]:
    collection = serve(objects).collect()
    calico = collection.cluster.cni.calico
    assert calico is not None and calico.bpf_transition and calico.bpf_enabled is None
    d = diagnose(joined_snapshot(collection))
    found = [f for f in d.findings if f.check_id in CHECKS]
    assert len(found) == 2 and all(f.status == Status.UNKNOWN for f in found)
    return calico, found


def test_the_daemonsets_own_counts_give_the_rollout(serve: ServeFn) -> None:
    """Generation 4 observed, 2 of 4 nodes updated: "2 of 4", whatever the pods' labels."""
    objects = _operator_bpf(generation=4, observed=4, updated=2, labels=("4", "4", "4", "4"))
    calico, found = _collected(serve, objects)
    assert (calico.bpf_rollout, calico.bpf_unobserved) == ((2, 4), None)
    for f in found:
        assert "in transition" in f.message and "(2 of 4 calico-node pods" in f.message


def test_a_generation_the_controller_has_not_observed_is_no_rollout_yet(serve: ServeFn) -> None:
    """The Installation's change made generation 5; the controller still reports 4, with
    every pod updated to 4: not "4 of 4 on the newest template" but not started."""
    objects = _operator_bpf(generation=5, observed=4, updated=4, labels=("4", "4", "4", "4"))
    calico, found = _collected(serve, objects)
    assert (calico.bpf_rollout, calico.bpf_unobserved) == (None, (5, 4))
    for f in found:
        en, ko = localize(f.message, "en"), localize(f.message, "ko")
        assert "of 4 calico-node pods" not in en, en
        assert "generation 5 and its controller has observed 4: the rollout has not started" in en
        assert "롤아웃이 아직 시작되지 않음" in ko


def test_unreadable_daemonset_falls_back_to_labels_that_differ_only(serve: ServeFn) -> None:
    """403 on the DaemonSet: the pods on two generations say a rollout is under way (2 of
    4); pods all on one say nothing (before or after it: not known)."""
    served = serve(_operator_bpf(labels=("3", "4", "4", "3")))
    served.api.inject_fault("apps", "daemonsets", status=403, namespace="calico-system")
    calico = served.collect().cluster.cni.calico
    assert calico is not None and calico.bpf_rollout == (2, 4)
    served = serve(_operator_bpf(labels=("4", "4", "4", "4")))
    served.api.inject_fault("apps", "daemonsets", status=403, namespace="calico-system")
    calico = served.collect().cluster.cni.calico
    assert calico is not None and (calico.bpf_rollout, calico.bpf_unobserved) == (None, None)


def test_a_degraded_operator_is_said_instead_of_in_transition(serve: ServeFn) -> None:
    """The operator refuses to write bpfEnabled (the annotation no longer matches): its
    TigeraStatus is Degraded with the error; a token in the message is redacted."""
    message = f"{REFUSED} (token {JWT})"
    degraded = _condition("Degraded", "True", "ResourceUpdateError", message)
    progressing = _condition("Progressing", "True", "ResourceNotReady", "calico-node rolling")
    objects = [*_operator_bpf(), *_tigera_status(degraded, progressing)]
    calico, found = _collected(serve, objects)
    assert calico.operator_status is not None
    kind, text = calico.operator_status
    assert kind == "Degraded" and text.startswith("ResourceUpdateError: Error updating resource")
    assert JWT not in text and "<redacted>" in text
    for f in found:
        en, ko = localize(f.message, "en"), localize(f.message, "ko")
        assert "in transition" not in en, en
        assert "reports itself Degraded (TigeraStatus calico): ResourceUpdateError" in en
        assert "modified by someone else" in en and JWT not in en
        assert "`kubectl get tigerastatus calico -o yaml`" in en
        assert "Degraded 상태라고 보고합니다" in ko and "전환 중" not in ko


def test_a_progressing_operator_is_said_beside_the_transition(serve: ServeFn) -> None:
    progressing = _condition(
        "Progressing",
        "True",
        "ResourceNotReady",
        "DaemonSet calico-system/calico-node is not ready",
    )
    degraded = _condition("Degraded", "False")
    objects = [*_operator_bpf(), *_tigera_status(degraded, progressing)]
    calico, found = _collected(serve, objects)
    assert calico.operator_status == (
        "Progressing",
        "ResourceNotReady: DaemonSet calico-system/calico-node is not ready",
    )
    for f in found:
        en = localize(f.message, "en")
        assert "in transition" in en and "reports Progressing (TigeraStatus calico)" in en


def test_a_tigera_status_not_readable_is_said_not_known(serve: ServeFn) -> None:
    """No TigeraStatus (404) or a 403: operator_status None, and the text says whether the
    operator reports an error is not known; neither condition True: nothing added."""
    calico, found = _collected(serve, _operator_bpf())
    assert calico.operator_status is None
    assert all("TigeraStatus calico was not read" in f.message for f in found)
    served = serve([*_operator_bpf(), *_tigera_status(_condition("Available", "True"))])
    served.api.inject_fault("operator.tigera.io", "tigerastatuses", status=403)
    assert served.collect().cluster.cni.calico.operator_status is None  # type: ignore[union-attr]
    calico, found = _collected(
        serve, [*_operator_bpf(), *_tigera_status(_condition("Available", "True"))]
    )
    assert calico.operator_status == ("", "")
    assert not [f for f in found if "TigeraStatus" in f.message]
