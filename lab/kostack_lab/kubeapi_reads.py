"""The Kubernetes API double's reads: lists with selectors and continue tokens, scale, pod logs."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from kostack_lab.kubeapi_controllers import StoreControllers
from kostack_lab.kubeapi_resources import ResourceType
from kostack_lab.kubeapi_selectors import (
    FieldRequirement,
    LabelRequirement,
    SelectorError,
    check_fields_supported,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)
from kostack_lab.kubeapi_status import (
    JsonObject,
    KubeApiError,
    is_true,
    metadata_of,
    object_key,
)


class StoreReads(StoreControllers):
    """List (selectors, pagination), scale and pod log reads."""

    def _list(
        self,
        rtype: ResourceType,
        namespace: str,
        query: Mapping[str, str],
    ) -> JsonObject:
        label_reqs, field_reqs = self._selectors(rtype, query)
        matching = self._matching(rtype, namespace, label_reqs, field_reqs)
        list_version = self._resource_version
        start_after: tuple[str, str] | None = None
        token = query.get("continue", "")
        if token:
            try:
                decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
                start_after = (str(decoded["start"][0]), str(decoded["start"][1]))
                # -1: a token renewed after expiry reads on at the latest revision
                list_version = int(decoded["rv"]) if int(decoded["rv"]) >= 0 else list_version
            except (ValueError, KeyError, IndexError, TypeError, binascii.Error) as error:
                raise KubeApiError(400, f"continue key is not valid: {error}") from error
            matching = [o for o in matching if object_key(o) > start_after]
        limit_text = query.get("limit", "")
        try:
            limit = int(limit_text) if limit_text else 0
        except ValueError as error:
            raise KubeApiError(400, f"invalid limit {limit_text!r}") from error
        metadata: JsonObject = {"resourceVersion": str(list_version)}
        page = matching
        if limit > 0 and len(matching) > limit:
            page = matching[:limit]
            last = object_key(page[-1])
            metadata["continue"] = base64.urlsafe_b64encode(
                json.dumps({"rv": list_version, "start": list(last)}).encode()
            ).decode()
            if not label_reqs and not field_reqs:
                metadata["remainingItemCount"] = len(matching) - limit
        items = []
        for obj in page:
            item = self._serve(rtype, obj)
            if not rtype.custom:
                # The real server leaves kind/apiVersion off built-in list items.
                item.pop("apiVersion", None)
                item.pop("kind", None)
            items.append(item)
        return {
            "kind": rtype.list_kind,
            "apiVersion": rtype.api_version,
            "metadata": metadata,
            "items": items,
        }

    def _selectors(
        self, rtype: ResourceType, query: Mapping[str, str]
    ) -> tuple[list[LabelRequirement], list[FieldRequirement]]:
        try:
            label_reqs = parse_label_selector(query.get("labelSelector", ""))
            field_reqs = parse_field_selector(query.get("fieldSelector", ""))
            check_fields_supported(field_reqs, rtype.storage_key)
        except SelectorError as error:
            raise KubeApiError(400, str(error)) from error
        return label_reqs, field_reqs

    def _matching(
        self,
        rtype: ResourceType,
        namespace: str,
        label_reqs: list[LabelRequirement],
        field_reqs: list[FieldRequirement],
    ) -> list[JsonObject]:
        return [
            obj
            for key, obj in sorted(self._bucket(rtype).items())
            if (not namespace or key[0] == namespace)
            and labels_match(label_reqs, metadata_of(obj).get("labels") or {})
            and fields_match(field_reqs, obj)
        ]

    def _scale(self, rtype: ResourceType, obj: Mapping[str, Any]) -> JsonObject:
        metadata = metadata_of(obj)
        selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                k: metadata[k]
                for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                if k in metadata
            },
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
            "status": {
                "replicas": (obj.get("status") or {}).get("replicas", 0),
                "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items())),
            },
        }

    def _pod_log(self, namespace: str, name: str, query: Mapping[str, str]) -> str:
        pod_type = self._types[("", "v1", "pods")]
        pod = self._existing(pod_type, namespace, name)
        containers = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
        container = query.get("container", "")
        if not container:
            if len(containers) > 1:
                raise KubeApiError(
                    400,
                    f"a container name must be specified for pod {name}, choose one of: "
                    f"[{' '.join(containers)}]",
                )
            container = containers[0] if containers else ""
        elif container not in containers:
            raise KubeApiError(400, f"container {container} is not valid for pod {name}")
        previous = is_true(query.get("previous"))
        text = self._pod_logs.get((namespace, name, container, previous))
        if text is None:
            text = self._pod_logs.get((namespace, name, "", previous))
        if text is None:
            if previous:
                raise KubeApiError(
                    400,
                    f'previous terminated container "{container}" in pod "{name}" not found',
                )
            text = ""
        tail = query.get("tailLines")
        if tail is not None and tail.isdigit():
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-int(tail) :]) if int(tail) else ""
        return text
