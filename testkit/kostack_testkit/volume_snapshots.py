"""CSI VolumeSnapshots as external-snapshotter installs and writes them, for the API double.

The CRD is namespaced with a status subresource; an object carries the fields its
client/apis/volumesnapshot/v1 types write (spec.source.persistentVolumeClaimName,
status.readyToUse/creationTime/restoreSize).
"""

from __future__ import annotations

from kostack_lab.kube_objects import JsonObject, crd_object, object_meta

GROUP = "snapshot.storage.k8s.io"


def snapshot_crd() -> JsonObject:
    crd = crd_object(GROUP, "VolumeSnapshot", "volumesnapshots", status_subresource=True)
    crd["spec"]["scope"] = "Namespaced"  # as the real CRD: a VolumeSnapshot lives beside its claim
    return crd


def volume_snapshot(
    name: str, claim: str, *, ready: bool, taken: str, size: str, namespace: str = "default"
) -> JsonObject:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "VolumeSnapshot",
        "metadata": object_meta("VolumeSnapshot", name, namespace),
        "spec": {
            "source": {"persistentVolumeClaimName": claim},
            "volumeSnapshotClassName": "csi-cinder-snapclass",
        },
        "status": {
            "boundVolumeSnapshotContentName": f"snapcontent-{name}",
            "creationTime": taken,
            "readyToUse": ready,
            "restoreSize": size,
        },
    }
