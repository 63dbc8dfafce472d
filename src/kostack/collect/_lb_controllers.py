"""Other controllers of Services of type LoadBalancer, read from the pods already listed (no
request; docs/facts.md "MetalLB and OCCM"):

- k3s's (and RKE2's) ServiceLB, klipper-lb: for each Service it serves, a DaemonSet in its
  namespace (kube-system by default) whose pods carry ``svccontroller.<program>.cattle.io/
  svcname`` and ``.../svcnamespace`` (k3s-io/k3s pkg/cloudprovider/servicelb.go);
- kube-vip-cloud-provider (image ``.../kube-vip-cloud-provider``): it takes the Services
  without a class, or only those of class ``kube-vip.io/kube-vip-class`` when its environment
  sets ``KUBEVIP_ENABLE_LOADBALANCERCLASS`` true (its README, "LoadbalancerClass support").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kostack.collect._kube_objects import (
    as_dict,
    as_list,
    labels_of,
    name_of,
    namespace_of,
    pod_containers,
)
from kostack.model.snapshot import LBController

KUBE_VIP_CLASS: Final = "kube-vip.io/kube-vip-class"
KUBE_VIP_CLASS_ENV: Final = "KUBEVIP_ENABLE_LOADBALANCERCLASS"
_TRUE: Final = frozenset({"1", "t", "true"})  # Go strconv.ParseBool, lower-cased
_FALSE: Final = frozenset({"0", "f", "false", ""})


def servicelb_service(pod: Mapping[str, Any]) -> str | None:
    """``namespace/name`` of the Service a ServiceLB pod serves; None for any other pod."""
    labels = labels_of(pod)
    for key, value in labels.items():
        head, _, tail = key.partition(".")
        if head == "svccontroller" and tail.endswith(".cattle.io/svcname"):
            namespace = labels.get(key[: -len("svcname")] + "svcnamespace")
            if value and namespace:
                return f"{namespace}/{value}"
    return None


def kube_vip_cloud_provider(pod: Mapping[str, Any]) -> LBController | None:
    """kube-vip-cloud-provider's pod, with the class it takes; None for any other pod."""
    for container in pod_containers(pod):
        image = str(container.get("image") or "").split("@", 1)[0].rsplit("/", 1)[-1]
        if image.split(":", 1)[0] != "kube-vip-cloud-provider":
            continue
        lb_class: str | None = ""
        for raw in as_list(container.get("env")):
            entry = as_dict(raw)
            if entry.get("name") != KUBE_VIP_CLASS_ENV:
                continue
            said = str(entry.get("value") or "").strip().lower() if "value" in entry else None
            lb_class = KUBE_VIP_CLASS if said in _TRUE else "" if said in _FALSE else None
        return LBController(
            kind="kube-vip-cloud-provider",
            namespace=namespace_of(pod),
            pod=name_of(pod),
            lb_class=lb_class,
        )
    return None
