"""The control plane behind the Kubernetes API double's store.

What kostack depends on: PVC/PV protection and reclaim, namespace deletion, CRD and
APIService establishment, optional pod start; each runs as soon as a write or an
erasure makes it due.
"""

from __future__ import annotations

import copy
from typing import Final

from kostack_lab.kubeapi_pods import start_pod
from kostack_lab.kubeapi_resources import (
    AGGREGATED_RESOURCES,
    ResourceType,
    resource_types_from_crd,
)
from kostack_lab.kubeapi_state import StoreState
from kostack_lab.kubeapi_status import (
    JsonObject,
    metadata_of,
    now_text,
    object_key,
)

_PVC_PROTECTION: Final = "kubernetes.io/pvc-protection"
_PV_PROTECTION: Final = "kubernetes.io/pv-protection"


class StoreControllers(StoreState):
    """Writes and erasures, with the controllers that react to them."""

    def _write(self, rtype: ResourceType, obj: JsonObject, event_type: str) -> None:
        version = self._next_version()
        metadata_of(obj)["resourceVersion"] = str(version)
        obj["apiVersion"] = rtype.api_version
        obj["kind"] = rtype.kind
        self._bucket(rtype)[object_key(obj)] = obj
        self._emit(version, event_type, rtype, obj)

    def _erase(self, rtype: ResourceType, obj: JsonObject) -> None:
        self._bucket(rtype).pop(object_key(obj), None)
        version = self._next_version()
        gone = copy.deepcopy(obj)
        metadata_of(gone)["resourceVersion"] = str(version)
        self._emit(version, "DELETED", rtype, gone)
        self._after_removal(rtype, obj)

    def _server_side_effects_on_store(self, rtype: ResourceType, obj: JsonObject) -> None:
        """What the real control plane does as soon as these kinds are stored."""
        if rtype.storage_key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._establish_crd(obj)
        elif rtype.storage_key == ("apiregistration.k8s.io", "apiservices"):
            for aggregated in _aggregated(obj):
                self._types[(aggregated.group, aggregated.version, aggregated.plural)] = aggregated
            obj.setdefault(
                "status",
                {
                    "conditions": [
                        {
                            "type": "Available",
                            "status": "True",
                            "lastTransitionTime": now_text(self._clock),
                            "reason": "Passed",
                            "message": "all checks passed",
                        }
                    ]
                },
            )

    def _establish_crd(self, crd: JsonObject) -> None:
        name = str(metadata_of(crd).get("name", ""))
        types = resource_types_from_crd(crd)
        for old in self._crd_types.pop(name, []):
            self._types.pop((old.group, old.version, old.plural), None)
        for rtype in types:
            self._types[(rtype.group, rtype.version, rtype.plural)] = rtype
        self._crd_types[name] = types
        spec = crd.get("spec") or {}
        names = dict(spec.get("names") or {})
        names.setdefault("singular", str(names.get("kind", "")).lower())
        names.setdefault("listKind", f"{names.get('kind', '')}List")
        now = now_text(self._clock)
        crd["status"] = {
            "acceptedNames": names,
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "lastTransitionTime": now,
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                },
                {
                    "type": "Established",
                    "status": "True",
                    "lastTransitionTime": now,
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                },
            ],
            "storedVersions": [
                str(v["name"]) for v in spec.get("versions") or [] if v.get("storage")
            ],
        }

    def _after_removal(self, rtype: ResourceType, obj: JsonObject) -> None:
        """Controllers that react to an object being gone."""
        key = rtype.storage_key
        namespace, name = object_key(obj)
        if key == ("", "persistentvolumeclaims"):
            self._release_volume(namespace, name, str(metadata_of(obj).get("uid", "")))
        elif key == ("", "pods"):
            self._finalize_terminating_claims(namespace)
        if rtype.namespaced:
            self._finish_terminating_namespace(namespace)
        elif key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            types = self._crd_types.pop(name, [])
            for old in types:
                self._types.pop((old.group, old.version, old.plural), None)
            if types:
                self._store.pop(types[0].storage_key, None)
        elif key == ("apiregistration.k8s.io", "apiservices"):
            for aggregated in _aggregated(obj):
                self._types.pop((aggregated.group, aggregated.version, aggregated.plural), None)

    def _finish_terminating_namespace(self, namespace: str) -> None:
        ns_type = self._types[("", "v1", "namespaces")]
        stored = self._bucket(ns_type).get(("", namespace))
        if stored is None or not metadata_of(stored).get("deletionTimestamp"):
            return
        if self._namespace_is_empty(namespace):
            (stored.get("spec") or {}).pop("finalizers", None)
            self._erase(ns_type, stored)

    def _release_volume(self, namespace: str, claim: str, claim_uid: str) -> None:
        """The PV controller: a released volume is deleted or kept per its reclaim policy."""
        pv_type = self._types[("", "v1", "persistentvolumes")]
        for volume in list(self._bucket(pv_type).values()):
            ref = (volume.get("spec") or {}).get("claimRef") or {}
            if ref.get("namespace") != namespace or ref.get("name") != claim:
                continue
            if ref.get("uid") and claim_uid and ref.get("uid") != claim_uid:
                continue
            policy = (volume.get("spec") or {}).get("persistentVolumeReclaimPolicy", "Retain")
            if policy == "Delete":
                self._erase(pv_type, volume)
                continue
            updated = copy.deepcopy(volume)
            status = updated.setdefault("status", {})
            if policy == "Recycle":
                updated["spec"].pop("claimRef", None)
                status["phase"] = "Available"
            else:
                status["phase"] = "Released"
            status["lastPhaseTransitionTime"] = now_text(self._clock)
            self._write(pv_type, updated, "MODIFIED")
            self._try_finalize(pv_type, updated)

    def _finalize_terminating_claims(self, namespace: str) -> None:
        pvc_type = self._types[("", "v1", "persistentvolumeclaims")]
        for claim in list(self._bucket(pvc_type).values()):
            if object_key(claim)[0] == namespace and metadata_of(claim).get("deletionTimestamp"):
                self._try_finalize(pvc_type, claim)

    def _claim_in_use(self, namespace: str, claim: str) -> bool:
        pod_type = self._types[("", "v1", "pods")]
        for pod in self._bucket(pod_type).values():
            if object_key(pod)[0] != namespace:
                continue
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            for volume in (pod.get("spec") or {}).get("volumes") or []:
                if (volume.get("persistentVolumeClaim") or {}).get("claimName") == claim:
                    return True
        return False

    def _try_finalize(self, rtype: ResourceType, obj: JsonObject) -> None:
        """Run the protection controllers on a terminating object; erase it when free."""
        metadata = metadata_of(obj)
        if not metadata.get("deletionTimestamp"):
            return
        finalizers = list(metadata.get("finalizers") or [])
        namespace, name = object_key(obj)
        changed = False
        if (
            rtype.storage_key == ("", "persistentvolumeclaims")
            and _PVC_PROTECTION in finalizers
            and not self._claim_in_use(namespace, name)
        ):
            finalizers.remove(_PVC_PROTECTION)
            changed = True
        if (
            rtype.storage_key == ("", "persistentvolumes")
            and _PV_PROTECTION in finalizers
            and (obj.get("status") or {}).get("phase") != "Bound"
        ):
            finalizers.remove(_PV_PROTECTION)
            changed = True
        if finalizers:
            if changed:
                metadata["finalizers"] = finalizers
                self._write(rtype, obj, "MODIFIED")
            return
        metadata.pop("finalizers", None)
        if object_key(obj) in self._bucket(rtype):
            self._erase(rtype, obj)

    def _run_pod(self, pod: JsonObject) -> None:
        start_pod(
            pod,
            nodes=list(self._store.get(("", "nodes"), {}).values()),
            pods=list(self._store.get(("", "pods"), {}).values()),
            ipam_blocks=list(self._store.get(("crd.projectcalico.org", "ipamblocks"), {}).values()),
            now=now_text(self._clock),
        )


def _aggregated(api_service: JsonObject) -> tuple[ResourceType, ...]:
    """The types an APIService serves (of those the double knows for its group and version)."""
    spec = api_service.get("spec") or {}
    return AGGREGATED_RESOURCES.get((str(spec.get("group", "")), str(spec.get("version", ""))), ())
