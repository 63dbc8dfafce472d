"""Calico's eBPF settings from where Felix reads them (docs/facts.md "Calico's eBPF data
plane"): calico-node's FELIX_* environment variables first, then its config file
/etc/calico/felix.cfg, then the node's own FelixConfiguration `node.<name>`, then `default`
(felix/config/config_params.go `SourcesInDescendingOrder`). Each node's Felix reads its own
calico-node pod's environment, so a pod that differs (a rolling update half done) is judged
by itself. The config file is not readable through the API: where calico-node mounts over
it, a field its environment does not set is not known. Pure parsers, no I/O.

Felix takes every variable whose name starts with "felix_" in any case and looks the rest up
case-insensitively (felix/config/env_var_loader.go `LoadConfigFromEnvironment`); it parses a
boolean as true/1/yes/y/t or false/0/no/n/f in any case (param_types.go `BoolParam`), a
oneof case-insensitively, a CIDR list comma-separated with blanks trimmed, an int by Go's
`strconv.ParseInt(raw, 0, 64)`; an invalid value falls back to the field's default, "none"
to its zero value (config_params.go `UpdateFrom`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kostack.collect._cni_common import JsonObject, positive, spec_of
from kostack.collect._kube_objects import as_dict, as_list, name_of
from kostack.model.snapshot import CalicoFelixNode

Mode = Literal["Tunnel", "DSR"]
# Felix's parameter (lower case, as env_var_loader.go keys it) -> FelixConfiguration's field
FIELDS: Mapping[str, str] = {
    "bpfenabled": "bpfEnabled",
    "bpfexternalservicemode": "bpfExternalServiceMode",
    "bpfdsroptoutcidrs": "bpfDSROptoutCIDRs",
    "vxlanport": "vxlanPort",
}
NODE_PREFIX = "node."  # libcalico-go syncersv1/updateprocessors/configurationprocessor.go
# calico-node runs Felix with this file, whatever its environment says (node/pkg/node/
# command.go `felix.Run("/etc/calico/felix.cfg", ...)`; FELIX_CONFIGFILE is no Felix parameter)
CONFIG_FILE = "/etc/calico/felix.cfg"


@dataclass(frozen=True)
class FelixEnv:
    """The FELIX_* variables of calico-node that kostack models: Felix's lower-case parameter
    -> its raw value, None when it comes from a valueFrom that was not read; the names
    as written of those unread; whether a volume is mounted over Felix's config file."""

    values: dict[str, str | None] = field(default_factory=dict)
    unread: tuple[str, ...] = ()
    config_file: bool = False

    @property
    def file_may_set(self) -> bool:
        """Felix's config file may set a field that the environment leaves unset."""
        return self.config_file and any(key not in self.values for key in FIELDS)


def _env_value(env: Mapping[str, Any], calico_config: JsonObject | None) -> str | None:
    """An environment variable's value: given, or from calico-config's key (the only
    ConfigMap kostack reads for Calico); None for any other valueFrom (a Secret is never
    read) or a value that Kubernetes expands from another variable."""
    if "valueFrom" not in env:
        text = str(env.get("value") or "")
        return None if "$(" in text else text
    ref = as_dict(as_dict(env.get("valueFrom")).get("configMapKeyRef"))
    if not ref or calico_config is None or ref.get("name") != name_of(calico_config):
        return None
    value = as_dict(calico_config.get("data")).get(str(ref.get("key")))
    return None if value is None else str(value)


def mounts_config_file(container: JsonObject) -> bool:
    """A volume mounted at Felix's config file or at a directory holding it (the image's own
    file, node/filesystem/etc/calico/felix.cfg, sets no eBPF field)."""
    for raw in as_list(container.get("volumeMounts")):
        path = str(as_dict(raw).get("mountPath") or "").rstrip("/") or "/"
        if path == "/" or path == CONFIG_FILE or CONFIG_FILE.startswith(path + "/"):
            return True
    return False


def felix_env(containers: Sequence[JsonObject], calico_config: JsonObject | None) -> FelixEnv:
    """The calico-node container's FELIX_* variables for the fields in FIELDS (a later
    entry of the same name wins, as the kubelet builds the environment), and whether it
    mounts over Felix's config file."""
    values: dict[str, str | None] = {}
    names: dict[str, str] = {}
    config_file = False
    for container in containers:
        if container.get("name") != "calico-node":
            continue
        config_file = config_file or mounts_config_file(container)
        for raw in as_list(container.get("env")):
            env = as_dict(raw)
            name = str(env.get("name") or "")
            key = name.lower().removeprefix("felix_")
            if key == name.lower() or key not in FIELDS:
                continue
            values[key] = _env_value(env, calico_config)
            names[key] = name
    unread = tuple(sorted(names[k] for k, v in values.items() if v is None))
    return FelixEnv(values, unread, config_file)


def env_bool(raw: str) -> bool:
    """Felix's BoolParam; "none" is the zero value, anything else invalid the default."""
    return raw.strip().lower() in ("true", "1", "yes", "y", "t")


def env_mode(raw: str) -> Mode | None:
    """`oneof(tunnel,dsr);tunnel;non-zero`: "none" is refused (None: not known)."""
    text = raw.strip().lower()
    if text == "none":
        return None
    return "DSR" if text == "dsr" else "Tunnel"


def env_cidrs(raw: str) -> tuple[str, ...]:
    """`cidr-list`: an address is its /32 (/128); one bad entry makes the whole value
    invalid, which is the default (none)."""
    if raw.strip().lower() == "none":
        return ()
    out: list[str] = []
    for item in raw.split(","):
        text = item.strip(" ")
        if not text:
            continue
        try:
            out.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            return ()
    return tuple(dict.fromkeys(out))


def env_port(raw: str) -> int | None:
    """`int;4789`: an invalid value is the default; "none" (0) is not a port (None)."""
    try:
        value = int(raw.strip(), 0)
    except ValueError:
        return 4789
    return positive(value)


def spec_mode(value: object) -> Mode:
    """bpfExternalServiceMode of a FelixConfiguration, case-insensitive as its validation
    (`^(?i)(Tunnel|DSR)?$`); "Tunnel" when unset."""
    return "DSR" if isinstance(value, str) and value.strip().lower() == "dsr" else "Tunnel"


def spec_cidrs(value: object) -> tuple[str, ...]:
    """bpfDSROptoutCIDRs of a FelixConfiguration, each a network; an entry that is no CIDR
    is left out."""
    out: list[str] = []
    for item in value if isinstance(value, list) else ():
        try:
            out.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
        except ValueError:
            continue
    return tuple(dict.fromkeys(out))


def _from_env(key: str, raw: str) -> object:
    if key == "bpfenabled":
        return env_bool(raw)
    if key == "bpfexternalservicemode":
        return env_mode(raw)
    if key == "bpfdsroptoutcidrs":
        return env_cidrs(raw)
    return env_port(raw)


def _from_spec(key: str, value: object) -> object:
    if key == "bpfenabled":
        return value is True
    if key == "bpfexternalservicemode":
        return spec_mode(value)
    if key == "bpfdsroptoutcidrs":
        return spec_cidrs(value)
    return positive(value) or 4789


def env_override(env: FelixEnv, key: str) -> tuple[bool, object]:
    """(whether calico-node's environment sets Felix's ``key``, its value: None when unread)."""
    if key not in env.values:
        return False, None
    raw = env.values[key]
    return True, None if raw is None else _from_env(key, raw)


_ATTRS = {
    "bpfenabled": "bpf_enabled",
    "bpfexternalservicemode": "bpf_external_service_mode",
    "bpfdsroptoutcidrs": "bpf_dsr_optout_cidrs",
    "vxlanport": "vxlan_port",
}


def resolve(
    key: str, env: FelixEnv, spec: Mapping[str, Any] | None, stored: Mapping[str, object]
) -> object:
    """Felix's ``key`` on a node: its calico-node's environment, else (None: not known) its
    config file when one is mounted, else its own FelixConfiguration ``spec``, else
    ``stored`` (`default`'s, or the Installation's; None: not read)."""
    given, value = env_override(env, key)
    if given:
        return value
    if env.config_file:
        return None
    if spec is not None and FIELDS[key] in spec:
        return _from_spec(key, spec[FIELDS[key]])
    return stored.get(key)


def felix_default(items: Sequence[JsonObject]) -> JsonObject | None:
    """FelixConfiguration `default` among the listed ones (None: there is none, so every
    field has its default)."""
    return next((i for i in items if name_of(i) == "default"), None)


@dataclass(frozen=True)
class FelixEbpf:
    """Calico's eBPF settings as Felix takes them: the cluster-wide values (None: not known)
    and the nodes where one differs; the unread FELIX_* variables; where calico-node mounts
    over Felix's config file (node names, or "calico-node" for the DaemonSet's template)."""

    values: dict[str, object]
    nodes: dict[str, CalicoFelixNode]
    unread: tuple[str, ...]
    config_file: tuple[str, ...] = ()

    def get(self, key: str) -> Any:
        return self.values.get(key)


def _node_specs(items: Sequence[JsonObject]) -> dict[str, Mapping[str, Any]]:
    """Each node's own FelixConfiguration `node.<name>`, by node name."""
    return {
        name_of(i).removeprefix(NODE_PREFIX): spec_of(i)
        for i in items
        if name_of(i).startswith(NODE_PREFIX) and name_of(i) != NODE_PREFIX
    }


def ebpf_settings(
    stored: Mapping[str, object],
    items: Sequence[JsonObject],
    env: FelixEnv,
    pods: Mapping[str, FelixEnv] | None = None,
) -> FelixEbpf:
    """``stored``: the values of FelixConfiguration `default` (or the Installation), by
    Felix's lower-case parameter; ``env``: calico-node's environment where no pod of a node
    is known (the first pod's, or the DaemonSet's template), ``pods``: each node's own.
    A field is the cluster's value with ``env``; a node keeps the fields whose value there
    (`resolve`) differs; a field not known on some node is not known for the cluster."""
    pods = pods or {}
    specs = _node_specs(items)
    values = {key: resolve(key, env, None, stored) for key in FIELDS}
    per_node = {
        name: {key: resolve(key, pods.get(name, env), specs.get(name), stored) for key in FIELDS}
        for name in dict.fromkeys([*pods, *specs])
    }
    for key in FIELDS:
        if any(own[key] is None for own in per_node.values()):
            values[key] = None
    nodes: dict[str, CalicoFelixNode] = {}
    for name, own in per_node.items():
        differ = {_ATTRS[k]: v for k, v in own.items() if v is not None and v != values[k]}
        if differ:
            nodes[name] = CalicoFelixNode.model_validate(differ)
    envs = [env, *pods.values()]
    unread = tuple(sorted({name for e in envs for name in e.unread}))
    mounted = tuple(sorted(n for n, e in pods.items() if e.file_may_set))
    if not pods and env.file_may_set:
        mounted = ("calico-node",)
    return FelixEbpf(values, nodes, unread, mounted)
