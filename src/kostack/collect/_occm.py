"""The OpenStack cloud controller (OCCM) as its pod shows it (docs/facts.md "MetalLB and OCCM").

cloud-provider-openstack's manifest and Helm chart run it as a DaemonSet (others as a
Deployment: its workload comes from the pod's ownerReferences, ``workload``) whose container is
named ``openstack-cloud-controller-manager`` (image ``.../openstack-cloud-controller-manager``,
first argument ``/bin/openstack-cloud-controller-manager``). Its ``--controllers`` flag (a
comma-separated list, default ``*``) says whether it runs the Kubernetes service controller,
which makes the Octavia load balancers: k8s.io/controller-manager ``IsControllerEnabled`` (the
name, or ``-name``, decides; else ``*`` turns on every controller on by default), the name
``service-lb-controller`` or its alias ``service``. Read from the pods already listed: no
request. A value kostack cannot see (``$(VAR)``) leaves the setting None: not known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kostack.collect._kube_objects import (
    as_dict,
    as_list,
    container_args,
    labels_of,
    name_of,
    namespace_of,
    pod_containers,
)
from kostack.model.snapshot import CloudController

PROGRAM: Final = "openstack-cloud-controller-manager"
SERVICE_CONTROLLER: Final = frozenset({"service", "service-lb-controller"})


def _is_occm(container: Mapping[str, Any]) -> bool:
    """By its container's name, its image's name (a mirror's name holds it too:
    ``mirrored-...-openstack-cloud-controller-manager``) or its program."""
    image = str(container.get("image") or "").split("@", 1)[0].rsplit("/", 1)[-1]
    words = container_args(container)
    first = words[0].rsplit("/", 1)[-1] if words else ""
    return PROGRAM in (container.get("name"), first) or PROGRAM in image.split(":", 1)[0]


def _controllers(words: Sequence[str]) -> str | None:
    """The last ``--controllers`` value (pflag: ``--controllers=a,b`` or ``--controllers a,b``);
    "*" when not given."""
    value: str | None = "*"
    for i, word in enumerate(words):
        name, eq, said = word.lstrip("-").partition("=")
        if not word.startswith("-") or name != "controllers":
            continue
        value = said if eq else (words[i + 1] if i + 1 < len(words) else None)
    return value


def service_controller(controllers: str | None) -> bool | None:
    """Whether the service controller runs (IsControllerEnabled; it is not off by default)."""
    if controllers is None or "$(" in controllers:
        return None
    star = False
    for ctrl in (c.strip() for c in controllers.split(",")):
        if ctrl in SERVICE_CONTROLLER:
            return True
        if ctrl.startswith("-") and ctrl[1:] in SERVICE_CONTROLLER:
            return False
        star = star or ctrl == "*"
    return star


def occm_container(pod: Mapping[str, Any]) -> dict[str, Any] | None:
    """The pod's OCCM container, or None."""
    return next((c for c in pod_containers(pod) if _is_occm(c)), None)


# the kinds whose pods a user edits through them (kubectl edit <kind>/<name>)
_OWNERS: Final = {"DaemonSet": "daemonset", "StatefulSet": "statefulset"}
TEMPLATE_HASH: Final = "pod-template-hash"


def workload(pod: Mapping[str, Any]) -> str | None:
    """``kind/name`` of the workload that runs ``pod``, from its controller ownerReference: a
    DaemonSet or StatefulSet directly; a ReplicaSet is a Deployment's when its name is
    ``<deployment>-<pod-template-hash>`` (kubernetes pkg/controller/deployment/sync.go
    ``getNewReplicaSet``: ``deployment.Name + "-" + podTemplateSpecHash``; the pod carries the
    same hash as its ``pod-template-hash`` label). None otherwise: no controller owner, a
    ReplicaSet not so named (made by hand, or by another controller), a static pod (owned by
    its Node)."""
    meta = as_dict(pod.get("metadata"))
    owners = [as_dict(o) for o in as_list(meta.get("ownerReferences"))]
    owner = next((o for o in owners if o.get("controller") is True), None)
    if owner is None or not str(owner.get("apiVersion") or "").startswith("apps/"):
        return None
    kind, name = str(owner.get("kind") or ""), str(owner.get("name") or "")
    if not name:
        return None
    if kind in _OWNERS:
        return f"{_OWNERS[kind]}/{name}"
    suffix = "-" + labels_of(pod).get(TEMPLATE_HASH, "")
    if kind == "ReplicaSet" and suffix != "-" and name.endswith(suffix) and name != suffix[1:]:
        return f"deployment/{name[: -len(suffix)]}"
    return None


def parse_occm(pod: Mapping[str, Any]) -> CloudController | None:
    """The cloud controller's settings; None when the pod runs no OCCM container."""
    container = occm_container(pod)
    if container is None:
        return None
    return CloudController(
        found=True,
        namespace=namespace_of(pod),
        pod=name_of(pod),
        workload=workload(pod),
        service_controller=service_controller(_controllers(container_args(container))),
    )
