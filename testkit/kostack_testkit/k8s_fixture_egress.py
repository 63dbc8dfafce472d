"""Egress objects to add to a cluster fixture: Antrea's Egress and ExternalIPPool
(crd.antrea.io, cluster-scoped; antrea-io/antrea build/yamls/antrea.yml installs their CRDs,
v1beta1 since v1.13, v1alpha2 before) and Cilium's CiliumEgressGatewayPolicy (cilium.io/v2,
cluster-scoped), shaped like their docs' examples (docs/egress.md,
Documentation/network/egress-gateway/egress-gateway.rst)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kostack_lab.kube_objects import JsonObject, crd_object, object_meta

ANTREA = "crd.antrea.io"


def antrea_crds(version: str = "v1beta1") -> list[JsonObject]:
    return [
        crd_object(ANTREA, "Egress", "egresses", version=version, status_subresource=True),
        crd_object(ANTREA, "ExternalIPPool", "externalippools", version=version),
    ]


def external_ip_pool(
    name: str,
    ranges: Sequence[dict[str, str]],
    node_selector: dict[str, Any] | None = None,
    version: str = "v1beta1",
    **spec: Any,
) -> JsonObject:
    return {
        "apiVersion": f"{ANTREA}/{version}",
        "kind": "ExternalIPPool",
        "metadata": object_meta("ExternalIPPool", name, created=7.0),
        "spec": {"ipRanges": list(ranges), "nodeSelector": node_selector or {}, **spec},
    }


def egress(
    name: str,
    *,
    pool: str | None = None,
    ip: str | None = None,
    node: str | None = None,
    version: str = "v1beta1",
) -> JsonObject:
    spec: dict[str, Any] = {"appliedTo": {"podSelector": {"matchLabels": {"app": "web"}}}}
    if pool is not None:
        spec["externalIPPool"] = pool
    if ip is not None:
        spec["egressIP"] = ip
    obj: JsonObject = {
        "apiVersion": f"{ANTREA}/{version}",
        "kind": "Egress",
        "metadata": object_meta("Egress", name, created=7.0),
        "spec": spec,
    }
    if node is not None:
        obj["status"] = {"egressNode": node, "egressIP": ip or ""}
    return obj


def cilium_crd() -> JsonObject:
    return crd_object(
        "cilium.io", "CiliumEgressGatewayPolicy", "ciliumegressgatewaypolicies", version="v2"
    )


def egress_gateway_policy(name: str, **gateway: Any) -> JsonObject:
    """The docs' example policy: pods org=empire to 0.0.0.0/0 through ``gateway``."""
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumEgressGatewayPolicy",
        "metadata": object_meta("CiliumEgressGatewayPolicy", name, created=7.0),
        "spec": {
            "selectors": [{"podSelector": {"matchLabels": {"org": "empire"}}}],
            "destinationCIDRs": ["0.0.0.0/0"],
            "egressGateway": dict(gateway),
        },
    }


def with_cilium_egress_gateway(
    objects: list[JsonObject], key: str = "enable-egress-gateway"
) -> None:
    """Turn Cilium's egress gateway on in cilium-config (``key``: the 1.18+ name, or
    enable-ipv4-egress-gateway before), with its prerequisites (BPF masquerading)."""
    (config,) = [o for o in objects if o["metadata"].get("name") == "cilium-config"]
    config["data"][key] = "true"
    config["data"]["enable-bpf-masquerade"] = "true"
