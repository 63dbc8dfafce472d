"""The operator's switch to Calico's eBPF data plane under way (docs/facts.md "Calico's eBPF
data plane"): how far calico-node's rollout is, and what the Tigera operator itself reports.

The operator writes FelixConfiguration `default` bpfEnabled only once the calico-node
DaemonSet's controller has observed its newest generation and every scheduled pod is updated
and available (tigera/operator `pkg/controller/installation/bpf.go`
`isRolloutCompleteWithBPFVolumes`), so the DaemonSet's own `metadata.generation`,
`status.observedGeneration`, `updatedNumberScheduled` and `desiredNumberScheduled` say how
far it is; the pods' `pod-template-generation` labels are the fallback, and say only that a
rollout is under way (pods on two generations), never that it is done. An operator that
cannot write the field (someone else changed it: `bpfValidateAnnotations`) marks its
TigeraStatus `calico` Degraded with the error as message (`status.SetDegraded`), read here.
"""

from __future__ import annotations

from typing import Any

from kostack.collect._cni_common import CniContext
from kostack.collect._kube_objects import as_dict
from kostack.collect._kube_types import JsonObject, ReadFailure
from kostack.redact import redact

NAMESPACE = "calico-system"  # the operator's calico-node (tigera/operator common.CalicoNamespace)
# a TigeraStatus message is shown in a sentence: at most this much of it
MESSAGE_CHARS = 512


def rollout_fields(ctx: CniContext) -> dict[str, Any]:
    """The model's `bpf_rollout`, `bpf_unobserved` and `operator_status` during the switch."""
    ds = _daemonset(ctx)
    status = as_dict(ds.get("status")) if ds is not None else {}
    generation = _int(as_dict(ds.get("metadata")).get("generation")) if ds is not None else None
    observed = _int(status.get("observedGeneration", 0)) if ds is not None else None
    updated, desired = (
        _int(status.get("updatedNumberScheduled")),
        _int(status.get("desiredNumberScheduled")),
    )
    out: dict[str, Any] = {"bpf_unobserved": None, "operator_status": _tigera_status(ctx)}
    if generation is not None and observed is not None and observed < generation:
        out.update(bpf_rollout=None, bpf_unobserved=(generation, observed))
    elif generation is not None and observed is not None and desired is not None:
        out["bpf_rollout"] = (min(updated or 0, desired), desired)
    else:
        out["bpf_rollout"] = _by_labels(ctx)
    return out


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _daemonset(ctx: CniContext) -> JsonObject | None:
    """calico-node's DaemonSet; None when it is absent or could not be read (the pods' labels
    then stand in)."""
    reader = ctx.reader
    try:
        found = reader.get(
            f"GET /apis/apps/v1/namespaces/{NAMESPACE}/daemonsets/calico-node",
            reader.apps.read_namespaced_daemon_set,
            "calico-node",
            NAMESPACE,
        )
    except ReadFailure as failure:
        ctx.check(failure)
        return None
    return as_dict(found) if found is not None else None


def _by_labels(ctx: CniContext) -> tuple[int, int] | None:
    """(calico-node pods on the newest template generation among them, pods), from their
    DaemonSet label pod-template-generation, only when they differ: pods all on one
    generation may be before the rollout as well as after it. None otherwise."""
    found = [p.generation for p in ctx.facts.calico_node_best.values()]
    if not found or not all(g.isdigit() for g in found):
        return None
    newest = max(int(g) for g in found)
    on_newest = sum(int(g) == newest for g in found)
    return (on_newest, len(found)) if on_newest < len(found) else None


def _tigera_status(ctx: CniContext) -> tuple[str, str] | None:
    """TigeraStatus `calico`'s Degraded condition when True, else its Progressing one when
    True: (type, "reason: message" redacted); ("", "") when neither; None: not read."""
    reader = ctx.reader
    try:
        found = reader.get(
            "GET /apis/operator.tigera.io/v1/tigerastatuses/calico",
            reader.custom.get_cluster_custom_object,
            "operator.tigera.io",
            "v1",
            "tigerastatuses",
            "calico",
        )
    except ReadFailure as failure:
        ctx.check(failure)
        return None
    if found is None:
        return None
    conditions = as_dict(as_dict(found).get("status")).get("conditions")
    if not isinstance(conditions, list):
        return None
    by_type = {str(as_dict(c).get("type")): as_dict(c) for c in conditions}
    for kind in ("Degraded", "Progressing"):
        condition = by_type.get(kind)
        if condition is not None and condition.get("status") == "True":
            reason, message = (str(condition.get(k) or "") for k in ("reason", "message"))
            text = ": ".join(part for part in (reason, message) if part)
            return kind, redact(text)[:MESSAGE_CHARS]
    return "", ""
