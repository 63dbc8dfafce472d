"""The snapshot's Helm and storage records: what `kostack release` reads (collect/helm.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kostack.model.types import IP, Gap, Label, Name, Once, Record, StrSet, Text

# --------------------------------------------------------------------------- Helm and storage
#
# What `kostack release` reads (collect/helm.py) about Helm releases and the
# storage around them. Release values are NEVER stored: only their key paths
# (`values_keys`, secret-looking leaves marked in `secret_keys`) and a short
# allow-list of naming/persistence settings (`settings`) that ownership needs.
# Rendered manifests are not stored either (they hold Secrets); only the
# objects they declare (`objects`), with PVC and StatefulSet details.

ReleaseStatus = Literal[
    "unknown",
    "deployed",
    "uninstalled",
    "superseded",
    "failed",
    "uninstalling",
    "pending-install",
    "pending-upgrade",
    "pending-rollback",
]


class HelmRevision(Record):
    """One stored revision of a release (one `sh.helm.release.v1.NAME.vN` Secret)."""

    revision: int = Field(ge=1)
    status: ReleaseStatus
    chart: Name = ""
    chart_version: Name = ""
    app_version: Name = ""
    first_deployed: Name | None = None
    last_deployed: Name | None = None
    deleted: Name | None = None
    description: Text = Field(default="", max_length=2048)
    storage_object: Name = ""


class ManifestObject(Record):
    """An object a release's manifest declares (namespace None: the release namespace)."""

    api_version: Name
    kind: Name
    name: Name
    namespace: Name | None = None
    keep: bool = False


class ClaimTemplate(Record):
    """A StatefulSet volumeClaimTemplate: PVCs `<name>-<statefulset>-<ordinal>` come from it."""

    name: Name
    labels: dict[str, str] = Field(default_factory=dict)
    size: Name | None = None
    storage_class: Name | None = None


class ManifestStatefulSet(Record):
    namespace: Name | None = None
    name: Name
    replicas: int | None = Field(default=None, ge=0)
    selector: dict[str, str] = Field(default_factory=dict)
    claim_templates: tuple[ClaimTemplate, ...] = ()
    claim_volumes: StrSet = ()  # existingClaim-style PVCs the pod template mounts


class ManifestPVC(Record):
    namespace: Name | None = None
    name: Name
    labels: dict[str, str] = Field(default_factory=dict)
    keep: bool = False
    size: Name | None = None
    storage_class: Name | None = None


class HelmRelease(Record):
    """The newest revision of a release, its history and what its manifest declares."""

    name: Name
    namespace: Name
    revision: int = Field(ge=1)
    status: ReleaseStatus
    chart: Name = ""
    chart_version: Name = ""
    app_version: Name = ""
    first_deployed: Name | None = None
    last_deployed: Name | None = None
    deleted: Name | None = None  # info.deleted: when `helm uninstall` began (uninstalling)
    description: Text = Field(default="", max_length=2048)
    storage: Literal["secret", "configmap"] = "secret"
    storage_object: Name = ""
    storage_resource_version: Name | None = None
    history: tuple[HelmRevision, ...] = ()
    objects: tuple[ManifestObject, ...] = ()
    manifest_pvcs: tuple[ManifestPVC, ...] = ()
    manifest_statefulsets: tuple[ManifestStatefulSet, ...] = ()
    values_keys: StrSet = ()
    secret_keys: StrSet = ()
    settings: dict[str, str] = Field(default_factory=dict)


class PersistentVolumeClaim(Record):
    namespace: Name
    name: Name
    uid: Name = ""
    storage_class: Name | None = None
    size: Name | None = None
    access_modes: StrSet = ()
    phase: Name | None = None
    volume_name: Name | None = None
    created: Name | None = None
    deleting: bool = False
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    owner_refs: StrSet = ()  # "Kind/name"
    resource_version: Name | None = None


class PersistentVolume(Record):
    name: Name
    uid: Name = ""
    reclaim_policy: Name | None = None
    phase: Name | None = None
    claim_namespace: Name | None = None
    claim_name: Name | None = None
    claim_uid: Name | None = None
    storage_class: Name | None = None
    capacity: Name | None = None
    source: Name | None = None  # "csi cinder.csi.openstack.org <volumeHandle>", "hostPath /x"
    created: Name | None = None
    resource_version: Name | None = None

    @property
    def claim(self) -> str | None:
        if self.claim_namespace and self.claim_name:
            return f"{self.claim_namespace}/{self.claim_name}"
        return None


class StatefulSet(Record):
    namespace: Name
    name: Name
    replicas: int | None = None
    ready_replicas: int | None = None
    selector: dict[str, str] = Field(default_factory=dict)
    claim_templates: StrSet = ()
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    retention_when_deleted: Name | None = None
    created: Name | None = None


class ContainerState(Record):
    """One container of a pod: readiness, restarts and how it last ended (no env, no args)."""

    name: Name
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    state: Name = ""  # running | waiting | terminated
    reason: Label = ""  # CrashLoopBackOff, ImagePullBackOff, Error...
    message: Text = Field(default="", max_length=1024)
    last_reason: Label = ""
    last_exit_code: int | None = None
    last_message: Text = Field(default="", max_length=1024)
    last_finished: Name | None = None


class WorkloadPod(Record):
    """A pod in a namespace that holds releases, with what explains why it is not ready."""

    namespace: Name
    name: Name
    node: Name | None = None
    ip: IP | None = None
    phase: Name | None = None
    ready: bool | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    owner: Name | None = None  # "ReplicaSet/harbor-core-7d9f8b6c5d", "StatefulSet/harbor-database"
    claims: StrSet = ()
    containers: tuple[ContainerState, ...] = ()
    log_lines: tuple[str, ...] = ()  # error lines from the last (previous) container log, redacted
    created: Name | None = None
    # Kube-OVN's annotations (model/cluster.py KUBE_OVN_POD_KEYS): where a pod without an
    # address yet will draw one
    kube_ovn: dict[str, str] = Field(default_factory=dict)


class KubeEvent(Record):
    namespace: Name
    kind: Name  # involved object kind
    name: Name  # involved object name
    type: Label = "Normal"
    reason: Label = ""
    message: Text = Field(default="", max_length=1024)
    count: int = 1
    last_seen: Name | None = None


class VolumeSnapshot(Record):
    """A CSI VolumeSnapshot (snapshot.storage.k8s.io/v1) of a claim: a backup that may exist."""

    namespace: Name
    name: Name
    claim: Name | None = None  # spec.source.persistentVolumeClaimName (same namespace)
    ready: bool | None = None  # status.readyToUse (None: not said yet)
    created: Name | None = None  # status.creationTime: when the storage took it
    size: Name | None = None  # status.restoreSize


class HelmState(Record):
    """Helm releases (all namespaces) and the storage and workloads around them."""

    releases: tuple[HelmRelease, ...] | None = None
    pvcs: tuple[PersistentVolumeClaim, ...] | None = None
    pvs: tuple[PersistentVolume, ...] | None = None
    statefulsets: tuple[StatefulSet, ...] | None = None
    pods: tuple[WorkloadPod, ...] | None = None
    events: Annotated[tuple[KubeEvent, ...], Once] | None = None
    namespaces: StrSet | None = None
    # CSI VolumeSnapshots of the namespaces pods are read in (None: not read, an older
    # snapshot), only to say what backs up a claim advice deletes; so their failures are no
    # gaps (a gap makes the whole collection partial): the API not served (404) is
    # volume_snapshot_api False, a namespace whose list failed is in volume_snapshots_unread
    # with the gap that says why, volume_snapshots_in the namespaces listed
    volume_snapshots: tuple[VolumeSnapshot, ...] | None = None
    volume_snapshot_api: bool = True
    volume_snapshots_in: StrSet = ()
    volume_snapshots_unread: dict[Name, Gap] = Field(default_factory=dict)
    # The kubeconfig context's namespace: where `helm install` without -n puts a release.
    context_namespace: Name | None = None
