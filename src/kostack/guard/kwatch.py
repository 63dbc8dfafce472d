"""Kubernetes watches that start a pass early: Nodes, and where the CNI keeps per-node ranges.

Guard lists everything every pass; the watches only say *when* to look
sooner than the interval: a Node added or deleted, or one whose providerID,
addresses or podCIDRs changed; a Calico IPAM block (crd.projectcalico.org/v1
``ipamblocks``) created, deleted or given to another node (its
``spec.affinity``); a CiliumNode whose ``spec.ipam`` ranges changed. The
status heartbeats of Nodes and the allocations inside a block (a pod
starting) change nothing guard decides on and wake nothing.

Each kind is watched from the resourceVersion of a list, with bookmarks,
for ``WATCH_SECONDS`` at a time; 410 Gone (the version expired) lists
again; any other failure waits (doubling up to 60 s) and lists again.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "KubeWatcher", "WatchedKind"]

WATCH_SECONDS = 300


@dataclass(frozen=True)
class WatchedKind:
    name: str  # nodes | ipamblocks | ciliumnodes
    group: str
    version: str
    plural: str

    def relevant(self, obj: dict[str, Any]) -> str:
        """The fields of ``obj`` guard decides on, as one comparable string."""
        spec = obj.get("spec") or {}
        if self.name == "nodes":
            addresses = sorted(
                a.get("address", "")
                for a in (obj.get("status") or {}).get("addresses") or ()
                if a.get("type") == "InternalIP"
            )
            fields: Any = [
                spec.get("providerID"),
                spec.get("podCIDRs") or spec.get("podCIDR"),
                addresses,
            ]
        elif self.name == "ipamblocks":
            fields = [spec.get("cidr"), spec.get("affinity"), spec.get("deleted")]
        else:
            fields = [
                (spec.get("ipam") or {}).get("podCIDRs"),
                (spec.get("ipam") or {}).get("pools"),
            ]
        return json.dumps(fields, sort_keys=True, default=str)


KINDS = {
    "nodes": WatchedKind("nodes", "", "v1", "nodes"),
    "ipamblocks": WatchedKind("ipamblocks", "crd.projectcalico.org", "v1", "ipamblocks"),
    "ciliumnodes": WatchedKind("ciliumnodes", "cilium.io", "v2", "ciliumnodes"),
}


class KubeWatcher:
    """One thread per watched kind; ``wake(kind)`` is called on a change that matters."""

    def __init__(
        self,
        api_client: Any,
        wake: Callable[[str], None],
        stop: threading.Event,
    ) -> None:
        self.api_client = api_client
        self.wake = wake
        self.stop = stop
        self.threads: dict[str, threading.Thread] = {}
        self.errors: dict[str, str] = {}
        self.events = 0  # changes that woke the loop

    def ensure(self, names: set[str]) -> None:
        """Watch these kinds (starting the ones not yet watched)."""
        for name in sorted(names):
            if name in self.threads or name not in KINDS:
                continue
            thread = threading.Thread(
                target=self._run,
                args=(KINDS[name],),
                name=f"kostack-guard-watch-{name}",
                daemon=True,
            )
            self.threads[name] = thread
            thread.start()

    def _lister(self, kind: WatchedKind) -> tuple[Callable[..., Any], tuple[str, ...]]:
        """The call that lists ``kind`` (its watch streams the same call), and its arguments."""
        from kubernetes.client import CoreV1Api, CustomObjectsApi

        if kind.name == "nodes":
            return CoreV1Api(self.api_client).list_node, ()
        api = CustomObjectsApi(self.api_client)
        return api.list_cluster_custom_object, (kind.group, kind.version, kind.plural)

    def _list(self, kind: WatchedKind) -> tuple[str, dict[str, str]]:
        list_call, args = self._lister(kind)
        raw = list_call(*args, _request_timeout=30)
        if kind.name == "nodes":
            raw = self.api_client.sanitize_for_serialization(raw)
        seen = {
            str((item.get("metadata") or {}).get("name")): kind.relevant(item)
            for item in raw.get("items") or ()
        }
        return str((raw.get("metadata") or {}).get("resourceVersion") or ""), seen

    def _stream(self, kind: WatchedKind, version: str) -> Any:
        from kubernetes import watch

        list_call, args = self._lister(kind)
        w = watch.Watch()  # type: ignore[no-untyped-call]  # the client's watch module is untyped
        stream = w.stream(  # type: ignore[no-untyped-call]  # as above
            list_call,
            *args,
            resource_version=version,
            timeout_seconds=WATCH_SECONDS,
            allow_watch_bookmarks=True,
            _request_timeout=WATCH_SECONDS + 30,
        )
        return w, stream

    def _run(self, kind: WatchedKind) -> None:
        from kubernetes.client.exceptions import ApiException

        delay = 1.0
        version, seen = "", dict[str, str]()
        while not self.stop.is_set():
            try:
                if not version:
                    version, seen = self._list(kind)
                w, stream = self._stream(kind, version)
                for event in stream:
                    if self.stop.is_set():
                        w.stop()
                        return
                    version = self._event(kind, event, seen) or version
                delay = 1.0
                self.errors.pop(kind.name, None)
            except ApiException as exc:
                version = ""  # 410 Gone and every other answer: list again
                if exc.status != 410:
                    self.errors[kind.name] = f"{exc.status} {exc.reason}"
                    self.stop.wait(delay)
                    delay = min(60.0, delay * 2)
            except Exception as exc:  # the API server away: wait, then list again
                version = ""
                self.errors[kind.name] = f"{type(exc).__name__}: {str(exc)[:200]}"
                self.stop.wait(delay)
                delay = min(60.0, delay * 2)

    def _event(self, kind: WatchedKind, event: dict[str, Any], seen: dict[str, str]) -> str:
        """Handle one watch event; returns the resourceVersion to resume from."""
        obj = event.get("object")
        raw = obj if isinstance(obj, dict) else self.api_client.sanitize_for_serialization(obj)
        if event.get("type") == "ERROR":
            raise RuntimeError(f"watch error: {raw}")
        metadata = raw.get("metadata") or {}
        version = str(metadata.get("resourceVersion") or "")
        if event.get("type") == "BOOKMARK":
            return version
        name = str(metadata.get("name"))
        if event.get("type") == "DELETED":
            changed = seen.pop(name, None) is not None
        else:
            key = kind.relevant(raw)
            changed = seen.get(name) != key
            seen[name] = key
        if changed:
            self.events += 1
            self.wake(kind.name)
        return version
