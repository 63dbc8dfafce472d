"""The Kubernetes API double's writes: create, update (and status), the three patch types, delete."""

from __future__ import annotations

import copy
import secrets
import uuid
from collections.abc import Mapping
from typing import Any, Final

from kostack_lab.kubeapi_defaults import StoreDefaults
from kostack_lab.kubeapi_patch import (
    PatchError,
    PatchTestFailed,
    json_patch,
    merge_patch,
    strategic_merge_patch,
)
from kostack_lab.kubeapi_resources import ResourceType
from kostack_lab.kubeapi_status import (
    JsonObject,
    KubeApiError,
    metadata_of,
    now_text,
    object_key,
    qualified_resource,
)

# Random-looking suffixes use the same alphabet as the apiserver's generateName.
_NAME_ALPHABET: Final = "bcdfghjklmnpqrstvwxz2456789"


class StoreWrites(StoreDefaults):
    """Create, update, patch and delete with the API server's rules."""

    def _check_body(
        self, rtype: ResourceType, body: Any, namespace: str, name: str | None
    ) -> JsonObject:
        if not isinstance(body, dict):
            raise KubeApiError(400, "the request body must be a JSON object")
        api_version = body.get("apiVersion")
        if api_version and api_version != rtype.api_version:
            raise KubeApiError(
                400,
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({rtype.api_version})",
            )
        kind = body.get("kind")
        if kind and kind != rtype.kind:
            raise KubeApiError(
                400,
                f"the kind in the data ({kind}) does not match the expected kind ({rtype.kind})",
            )
        metadata = body.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            raise KubeApiError(400, "metadata must be an object")
        if rtype.namespaced:
            if metadata.get("namespace") and metadata["namespace"] != namespace:
                raise KubeApiError(
                    400,
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request",
                )
            metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)
        if name is not None and metadata.get("name") and metadata["name"] != name:
            raise KubeApiError(
                400,
                f"the name of the object ({metadata['name']}) does not match the name on the "
                f"URL ({name})",
            )
        return body

    def _create(self, rtype: ResourceType, namespace: str, body: Any, dry_run: bool) -> JsonObject:
        obj = self._check_body(rtype, copy.deepcopy(body), namespace, None)
        metadata = obj["metadata"]
        if not metadata.get("name"):
            prefix = metadata.get("generateName")
            if not prefix:
                raise self._invalid(
                    rtype,
                    "",
                    [("metadata.name", "Required value: name or generateName is required")],
                )
            metadata["name"] = str(prefix) + "".join(
                secrets.choice(_NAME_ALPHABET) for _ in range(5)
            )
        name = str(metadata["name"])
        if rtype.namespaced and ("", namespace) not in self._store.get(("", "namespaces"), {}):
            raise KubeApiError(
                404,
                f'namespaces "{namespace}" not found',
                details={"name": namespace, "kind": "namespaces"},
            )
        if (metadata.get("namespace", ""), name) in self._bucket(rtype):
            raise KubeApiError(
                409,
                f'{qualified_resource(rtype)} "{name}" already exists',
                reason="AlreadyExists",
                details={"name": name, "group": rtype.group, "kind": rtype.plural},
            )
        for server_field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
            metadata.pop(server_field, None)
        metadata["uid"] = str(uuid.uuid4())
        metadata["creationTimestamp"] = now_text(self._clock)
        if self._tracks_generation(rtype):
            metadata["generation"] = 1
        self._apply_create_defaults(rtype, obj)
        self._validate(rtype, obj)
        if dry_run:
            return self._serve(rtype, obj)
        for hook in self._create_hooks.get((rtype.group, rtype.plural), []):
            hook(obj)
        self._server_side_effects_on_store(rtype, obj)
        self._write(rtype, obj, "ADDED")
        return self._serve(rtype, obj)

    def _update(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        body: Any,
        subresource: str,
        dry_run: bool,
    ) -> JsonObject:
        existing = self._existing(rtype, namespace, name)
        new = self._check_body(rtype, copy.deepcopy(body), namespace, name)
        new["metadata"].setdefault("name", name)
        version = str(new["metadata"].get("resourceVersion", ""))
        if not version and (rtype.custom or not rtype.unconditional_update):
            raise self._invalid(
                rtype,
                name,
                [
                    (
                        "metadata.resourceVersion",
                        "Invalid value: 0x0: must be specified for an update",
                    )
                ],
            )
        _check_current(rtype, name, version, existing)
        return self._store_update(rtype, existing, new, subresource, dry_run)

    def _store_update(
        self,
        rtype: ResourceType,
        existing: JsonObject,
        new: JsonObject,
        subresource: str,
        dry_run: bool,
    ) -> JsonObject:
        old_meta = metadata_of(existing)
        if subresource == "status":
            merged = copy.deepcopy(existing)
            if "status" in new:
                merged["status"] = new["status"]
            else:
                merged.pop("status", None)
            new = merged
        else:
            metadata = new["metadata"]
            for server_field in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
                if server_field in old_meta:
                    metadata[server_field] = old_meta[server_field]
                else:
                    metadata.pop(server_field, None)
            if old_meta.get("deletionGracePeriodSeconds") is not None:
                metadata["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]
            if rtype.has_status:
                if "status" in existing:
                    new["status"] = copy.deepcopy(existing["status"])
                else:
                    new.pop("status", None)
            if self._tracks_generation(rtype) and new.get("spec") != existing.get("spec"):
                metadata["generation"] = int(old_meta.get("generation", 1)) + 1
        self._validate(rtype, new)
        if dry_run:
            new_copy = self._serve(rtype, new)
            metadata_of(new_copy)["resourceVersion"] = old_meta.get("resourceVersion")
            return new_copy
        if rtype.storage_key == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self._server_side_effects_on_store(rtype, new)
        self._write(rtype, new, "MODIFIED")
        served = self._serve(rtype, new)
        if metadata_of(new).get("deletionTimestamp"):
            self._try_finalize(rtype, new)
        return served

    def _patch(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        patch_body: Any,
        subresource: str,
        dry_run: bool,
    ) -> JsonObject:
        existing = self._existing(rtype, namespace, name)
        served = self._serve(rtype, existing)
        try:
            if content_type == "application/merge-patch+json":
                patched = merge_patch(served, patch_body)
            elif content_type == "application/strategic-merge-patch+json":
                if rtype.custom:
                    raise KubeApiError(
                        415,
                        "the body of the request was in an unknown format - accepted media "
                        "types include: application/json-patch+json, "
                        "application/merge-patch+json, application/apply-patch+yaml",
                    )
                patched = strategic_merge_patch(served, patch_body)
            elif content_type == "application/json-patch+json":
                patched = json_patch(served, patch_body)
            elif content_type.startswith("application/apply-patch"):
                raise KubeApiError(415, "server-side apply is not supported by the API double")
            else:
                raise KubeApiError(
                    415,
                    f"the body of the request was in an unknown format - {content_type!r}",
                )
        except PatchTestFailed as error:
            raise self._invalid(rtype, name, [("", str(error))]) from error
        except PatchError as error:
            raise KubeApiError(400, str(error)) from error
        if not isinstance(patched, dict):
            raise KubeApiError(400, "the patch did not produce an object")
        metadata = patched.get("metadata")
        if not isinstance(metadata, dict):
            raise KubeApiError(400, "the patch removed metadata")
        _check_current(rtype, name, str(metadata.get("resourceVersion", "")), existing)
        if metadata.get("name") != name or (
            rtype.namespaced and metadata.get("namespace") != namespace
        ):
            raise self._invalid(rtype, name, [("metadata.name", "field is immutable")])
        patched["apiVersion"] = rtype.api_version
        patched["kind"] = rtype.kind
        return self._store_update(rtype, existing, patched, subresource, dry_run)

    def _delete(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        options: Mapping[str, Any],
        dry_run: bool,
    ) -> JsonObject:
        existing = self._existing(rtype, namespace, name)
        preconditions = options.get("preconditions") or {}
        metadata = metadata_of(existing)
        for precondition, field_name in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            expected = preconditions.get(precondition)
            if expected and expected != metadata.get(precondition):
                raise KubeApiError(
                    409,
                    f"Precondition failed: {field_name} in precondition: {expected}, "
                    f"{field_name} in object meta: {metadata.get(precondition)}",
                    details={"name": name, "group": rtype.group, "kind": rtype.plural},
                )
        served = self._serve(rtype, existing)
        if dry_run:
            return served
        is_namespace = rtype.storage_key == ("", "namespaces")
        if not metadata.get("finalizers") and not is_namespace:
            # Nothing to wait for: gone at once, a single DELETED event.
            self._erase(rtype, existing)
            return served
        if not metadata.get("deletionTimestamp"):
            metadata["deletionTimestamp"] = now_text(self._clock)
            metadata["deletionGracePeriodSeconds"] = 0
            if is_namespace:
                existing.setdefault("status", {})["phase"] = "Terminating"
            self._write(rtype, existing, "MODIFIED")
        served = self._serve(rtype, existing)
        if is_namespace:
            self._empty_namespace(name)
            if self._namespace_is_empty(name):
                existing.get("spec", {}).pop("finalizers", None)
                self._erase(rtype, existing)
            return served
        self._try_finalize(rtype, existing)
        return served

    def _empty_namespace(self, namespace: str) -> None:
        """The namespace controller: delete everything in it, pods first."""
        order = sorted(
            (rtype for rtype in self._unique_storage_types() if rtype.namespaced),
            key=lambda t: 0 if t.storage_key == ("", "pods") else 1,
        )
        for rtype in order:
            for obj in list(self._bucket(rtype).values()):
                if object_key(obj)[0] == namespace and (object_key(obj) in self._bucket(rtype)):
                    self._delete(rtype, namespace, object_key(obj)[1], {}, dry_run=False)

    def _delete_collection(
        self, rtype: ResourceType, namespace: str, query: Mapping[str, str], dry_run: bool
    ) -> JsonObject:
        label_reqs, field_reqs = self._selectors(rtype, query)
        deleted = [
            self._delete(rtype, object_key(obj)[0], object_key(obj)[1], {}, dry_run)
            for obj in self._matching(rtype, namespace, label_reqs, field_reqs)
        ]
        return {
            "kind": rtype.list_kind,
            "apiVersion": rtype.api_version,
            "metadata": {"resourceVersion": str(self._resource_version)},
            "items": deleted,
        }


def _check_current(rtype: ResourceType, name: str, version: str, existing: JsonObject) -> None:
    """A write that names a resourceVersion must name the stored one (409 Conflict if stale)."""
    if version and version != str(metadata_of(existing).get("resourceVersion", "")):
        raise KubeApiError(
            409,
            f'Operation cannot be fulfilled on {qualified_resource(rtype)} "{name}": the object has '
            "been modified; please apply your changes to the latest version and try again",
            details={"name": name, "group": rtype.group, "kind": rtype.plural},
        )
