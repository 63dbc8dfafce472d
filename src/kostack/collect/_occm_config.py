"""OCCM's ``[LoadBalancer] enabled``, read from the Secret its pod mounts its cloud.conf from
(docs/facts.md "MetalLB and OCCM").

cloud-provider-openstack's manifest and chart start OCCM with ``--cloud-config=$(CLOUD_CONFIG)``,
CLOUD_CONFIG ``/etc/config/cloud.conf``, and mount the Secret ``cloud-config`` (kube-system) at
``/etc/config``. The Secret is found from the pod itself: the volume mounted at the directory
of ``--cloud-config``, its key the file's name (or the key an ``items`` entry maps to it). No
Secret volume there (a host path, an injected file): nothing is read.

The file holds the cloud's credentials. Only one value leaves this module: the boolean of
``enabled`` in the section ``[LoadBalancer]``, as gcfg reads it (names are case-insensitive, a
bare ``enabled`` is true, ``true``/``yes``/``on``/``1`` and ``false``/``no``/``off``/``0``
in any case, ``;`` and ``#`` start comments, the last value given wins; OCCM's default is true,
pkg/openstack/openstack.go). The decoded text is never stored, logged or put in a gap: a
failure names only the request.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from kostack.collect._kube_objects import as_dict, as_list, container_args, namespace_of
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import ReadFailure
from kostack.gap_words import Msg
from kostack.model.snapshot import CloudController
from kostack.shell import as_code, render

SOURCE: Final = "cluster.virtual_ips.occm.load_balancer_enabled"
_TRUE: Final = frozenset({"true", "yes", "on", "1"})
_FALSE: Final = frozenset({"false", "no", "off", "0"})

GapSink = Callable[[str, ReadFailure, str], None]


@dataclass(frozen=True)
class CloudConfigRef:
    """The Secret (and its key) an OCCM pod mounts its cloud.conf from."""

    namespace: str
    name: str
    key: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name} {self.key}"


def _cloud_config_path(container: Mapping[str, Any]) -> str | None:
    """``--cloud-config``'s value, ``$(VAR)`` read from the container's plain env values."""
    env = {
        str(as_dict(e).get("name")): str(as_dict(e).get("value"))
        for e in as_list(container.get("env"))
        if "value" in as_dict(e)
    }
    words = container_args(container)
    value: str | None = None
    for i, word in enumerate(words):
        name, eq, said = word.lstrip("-").partition("=")
        if word.startswith("-") and name == "cloud-config":
            value = said if eq else (words[i + 1] if i + 1 < len(words) else None)
    if value and value.startswith("$(") and value.endswith(")"):
        value = env.get(value[2:-1])
    return value if value and "$(" not in value else None


def cloud_config_ref(pod: Mapping[str, Any], container: Mapping[str, Any]) -> CloudConfigRef | None:
    """The Secret and key behind OCCM's ``--cloud-config``; None when no Secret volume holds it."""
    path = _cloud_config_path(container)
    if path is None:
        return None
    volumes = {
        str(as_dict(v).get("name")): as_dict(v)
        for v in as_list(as_dict(pod.get("spec")).get("volumes"))
    }
    for mount in (as_dict(m) for m in as_list(container.get("volumeMounts"))):
        where = str(mount.get("mountPath") or "").rstrip("/")
        if not where or posixpath.dirname(path) != where:
            continue
        secret = as_dict(volumes.get(str(mount.get("name")), {}).get("secret"))
        name = secret.get("secretName")
        if not isinstance(name, str) or not name:
            return None
        key = posixpath.basename(path)
        for item in (as_dict(i) for i in as_list(secret.get("items"))):
            if item.get("path") == key:
                key = str(item.get("key"))
        return CloudConfigRef(namespace_of(pod), name, key)
    return None


def load_balancer_enabled(text: str) -> bool | None:
    """``[LoadBalancer] enabled`` as OCCM reads it: True (its default) when not given, None
    for a value gcfg would refuse."""
    section = ""
    found: bool | None = True
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("["):
            section = line[1:].split("]", 1)[0].strip().lower()
            continue
        if section != "loadbalancer":
            continue
        name, eq, value = line.partition("=")
        if name.strip().lower() != "enabled":
            continue
        said = _value(value) if eq else "true"
        found = True if said in _TRUE else False if said in _FALSE else None
    return found


def _value(value: str) -> str:
    """A gcfg value without its comment and quotes, lower-cased."""
    out, quoted = [], False
    for ch in value.strip():
        if ch == '"':
            quoted = not quoted
            continue
        if ch in ";#" and not quoted:
            break
        out.append(ch)
    return "".join(out).strip().lower()


def read_load_balancer_enabled(
    reader: Reader, occm: CloudController, ref: CloudConfigRef | None, gap: GapSink
) -> CloudController:
    """``occm`` with its ``[LoadBalancer] enabled`` (one GET of one Secret); unchanged when no
    Secret holds its cloud.conf; a failure (a 403 most often) is a gap."""
    if ref is None:
        return occm
    request = f"GET /api/v1/namespaces/{ref.namespace}/secrets/{ref.name}"
    try:
        secret = reader.call(request, reader.core.read_namespaced_secret, ref.name, ref.namespace)
    except ReadFailure as failure:
        argv = ["kubectl", "auth", "can-i", "get", f"secret/{ref.name}", "-n", ref.namespace]
        gap(SOURCE, failure, Msg("gap.hint.occm-config", command=as_code(render(argv))))
        return occm.model_copy(update={"cloud_config": str(ref)})
    encoded = as_dict(secret.get("data")).get(ref.key)
    enabled: bool | None = None
    if isinstance(encoded, str):
        try:
            enabled = load_balancer_enabled(base64.b64decode(encoded).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError):
            enabled = None
    return occm.model_copy(update={"load_balancer_enabled": enabled, "cloud_config": str(ref)})
