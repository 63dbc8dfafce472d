"""What the API server fills in and refuses on a write: create defaults and validation."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kostack_lab.kubeapi_leases import MicroTimeError, normalize_micro_times, validate_lease
from kostack_lab.kubeapi_reads import StoreReads
from kostack_lab.kubeapi_resources import ResourceType
from kostack_lab.kubeapi_status import (
    JsonObject,
    KubeApiError,
    metadata_of,
)


def _valid_subdomain(name: str) -> bool:
    return (
        len(name) <= 253
        and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", name)
        is not None
    )


def _valid_label(name: str, *, must_start_alpha: bool) -> bool:
    pattern = (
        r"[a-z]([-a-z0-9]*[a-z0-9])?" if must_start_alpha else r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    )
    return len(name) <= 63 and re.fullmatch(pattern, name) is not None


class StoreDefaults(StoreReads):
    """Create defaults and validation, as the registry strategies apply them."""

    def _invalid(
        self, rtype: ResourceType, name: str, causes: Sequence[tuple[str, str]]
    ) -> KubeApiError:
        text = "; ".join(f"{field_path}: {message}" for field_path, message in causes)
        return KubeApiError(
            422,
            f'{rtype.kind} "{name}" is invalid: {text}',
            details={
                "name": name,
                "group": rtype.group,
                "kind": rtype.kind,
                "causes": [
                    {"reason": "FieldValueInvalid", "message": message, "field": field_path}
                    for field_path, message in causes
                ],
            },
        )

    def _validate(self, rtype: ResourceType, obj: JsonObject) -> None:
        name = str(metadata_of(obj).get("name", ""))
        if rtype.storage_key in (("", "namespaces"), ("", "services")):
            ok = _valid_label(name, must_start_alpha=rtype.plural == "services")
        else:
            ok = _valid_subdomain(name)
        if not ok:
            raise self._invalid(
                rtype, name, [("metadata.name", f'Invalid value: "{name}": not a valid name')]
            )
        if rtype.storage_key == ("coordination.k8s.io", "leases"):
            try:
                normalize_micro_times(obj)
            except MicroTimeError as error:
                raise KubeApiError(400, str(error)) from error
            causes = validate_lease(obj)
            if causes:
                raise self._invalid(rtype, name, causes)
        if self._validator is not None:
            problems = list(self._validator(self._serve(rtype, obj)))
            if problems:
                raise self._invalid(rtype, name, [("", p) for p in problems])

    def _apply_create_defaults(self, rtype: ResourceType, obj: JsonObject) -> None:
        """The status resets and defaults the real registry strategies apply on create."""
        key = rtype.storage_key
        if rtype.has_status and key != ("", "nodes"):
            obj.pop("status", None)
        if key == ("", "pods"):
            obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        elif key == ("", "persistentvolumeclaims"):
            obj["status"] = {"phase": "Pending"}
            obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        elif key == ("", "persistentvolumes"):
            obj["status"] = {"phase": "Available"}
            obj.setdefault("spec", {}).setdefault("persistentVolumeReclaimPolicy", "Retain")
            obj["spec"].setdefault("volumeMode", "Filesystem")
        elif key == ("", "namespaces"):
            name = str(metadata_of(obj)["name"])
            metadata_of(obj).setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj["status"] = {"phase": "Active"}
        elif key == ("", "services"):
            self._default_service(obj)

    def _default_service(self, service: JsonObject) -> None:
        spec = service.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        service["status"] = {"loadBalancer": {}}
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
        if spec["type"] == "ExternalName":
            return
        spec.setdefault("internalTrafficPolicy", "Cluster")
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        services = self._store.get(("", "services"), {}).values()
        if not spec.get("clusterIP"):
            used = {str((s.get("spec") or {}).get("clusterIP")) for s in services}
            for offset in range(1, self._service_network.num_addresses - 1):
                candidate = str(self._service_network.network_address + offset)
                if candidate not in used:
                    spec["clusterIP"] = candidate
                    break
        if spec.get("clusterIP") != "None":
            spec.setdefault("clusterIPs", [spec["clusterIP"]])
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
            used_ports = {
                p.get("nodePort")
                for s in services
                for p in (s.get("spec") or {}).get("ports") or []
            }
            used_ports |= {(s.get("spec") or {}).get("healthCheckNodePort") for s in services}
            next_port = self._node_port_range[0]
            for port in spec.get("ports") or []:
                if port.get("nodePort"):
                    continue
                while next_port in used_ports:
                    next_port += 1
                port["nodePort"] = next_port
                used_ports.add(next_port)
            if spec["type"] == "LoadBalancer":
                spec.setdefault("allocateLoadBalancerNodePorts", True)
                # The API server allocates the kube-proxy health check port from the same
                # range for externalTrafficPolicy Local (pkg/registry/core/service/storage).
                if spec["externalTrafficPolicy"] == "Local" and not spec.get("healthCheckNodePort"):
                    while next_port in used_ports:
                        next_port += 1
                    spec["healthCheckNodePort"] = next_port
