"""Calico's eBPF settings from where Felix reads them (docs/facts.md "Calico's eBPF data
plane"): calico-node's FELIX_* environment variables first, then its config file
/etc/calico/felix.cfg, then the node's own FelixConfiguration `node.<name>`, then the one
selector-scoped FelixConfiguration whose nodeSelector picks the node (Calico 3.32+), then
`default` (felix/config/config_params.go `SourcesInDescendingOrder`). In each
FelixConfiguration an annotation `config.projectcalico.org/<Name>` beats the spec's field
(libcalico-go configurationprocessor.go `extractAnnotations`). Each node's Felix reads its own
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
from types import MappingProxyType
from typing import Any, Literal

from kostack.collect._cni_common import JsonObject, positive, spec_of
from kostack.collect._kube_objects import annotations_of, as_dict, as_list, name_of
from kostack.model.calico_selector import matches, required_label
from kostack.model.snapshot import CalicoFelixNode

Mode = Literal["Tunnel", "DSR"]
# Felix's parameter (lower case, as env_var_loader.go keys it) -> FelixConfiguration's field
FIELDS: Mapping[str, str] = {
    "bpfenabled": "bpfEnabled",
    "bpfexternalservicemode": "bpfExternalServiceMode",
    "bpfdsroptoutcidrs": "bpfDSROptoutCIDRs",
    "bpfexcludecidrsfromnat": "bpfExcludeCIDRsFromNAT",
    "vxlanport": "vxlanPort",
}
CIDR_LISTS = ("bpfdsroptoutcidrs", "bpfexcludecidrsfromnat")  # config_params.go `cidr-list`
NODE_PREFIX = "node."  # libcalico-go syncersv1/updateprocessors/configurationprocessor.go
# calico-node runs Felix with this file, whatever its environment says (node/pkg/node/
# command.go `felix.Run("/etc/calico/felix.cfg", ...)`; FELIX_CONFIGFILE is no Felix parameter)
CONFIG_FILE = "/etc/calico/felix.cfg"
# a FelixConfiguration's annotation that sets a parameter (configurationprocessor.go
# `annotationConfigPrefix`)
ANNOTATION_PREFIX = "config.projectcalico.org/"


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
    if key in CIDR_LISTS:
        return env_cidrs(raw)
    return env_port(raw)


def _from_spec(key: str, value: object) -> object:
    if key == "bpfenabled":
        return value is True
    if key == "bpfexternalservicemode":
        return spec_mode(value)
    if key in CIDR_LISTS:
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
    "bpfexcludecidrsfromnat": "bpf_exclude_cidrs_from_nat",
    "vxlanport": "vxlan_port",
}
Values = Mapping[str, object]
NO_SCOPED: Values = MappingProxyType({})  # no selector-scoped FelixConfiguration applies


def fc_values(item: Mapping[str, Any] | None) -> dict[str, object]:
    """The fields of FIELDS a FelixConfiguration sets, by Felix's lower-case parameter: an
    annotation `config.projectcalico.org/<Name>` (any case, parsed as the environment is:
    config_params.go `resolve`; an empty one ignored, `UpdateFrom`), else the spec's field."""
    spec = spec_of(item)
    out = {key: _from_spec(key, spec[name]) for key, name in FIELDS.items() if name in spec}
    for raw, value in annotations_of(item or {}).items():
        key = raw[len(ANNOTATION_PREFIX) :].lower() if raw.startswith(ANNOTATION_PREFIX) else ""
        if key in FIELDS and str(value):
            out[key] = _from_env(key, str(value))
    return out


def resolve(
    key: str, env: FelixEnv, own: Values | None, stored: Values, scoped: Values | None = NO_SCOPED
) -> object:
    """Felix's ``key`` on a node: its calico-node's environment, else (None: not known) its
    config file when one is mounted, else its own FelixConfiguration's values ``own``, else
    the selector-scoped one's ``scoped`` (None: which one applies is not known), else
    ``stored`` (`default`'s, None: not read)."""
    given, value = env_override(env, key)
    if given:
        return value
    if env.config_file:
        return None
    if own is not None and key in own:
        return own[key]
    if scoped is None:
        return None
    return scoped[key] if key in scoped else stored.get(key)


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


def _node_values(items: Sequence[JsonObject]) -> dict[str, dict[str, object]]:
    """Each node's own FelixConfiguration `node.<name>`'s values, by node name."""
    return {
        name_of(i).removeprefix(NODE_PREFIX): fc_values(i)
        for i in items
        if name_of(i).startswith(NODE_PREFIX) and name_of(i) != NODE_PREFIX
    }


@dataclass(frozen=True)
class Scoped:
    """A selector-scoped FelixConfiguration (Calico 3.32+: any name but `default` and
    `node.*`, with spec.nodeSelector; felix/calc/config_batcher.go)."""

    selector: str
    values: dict[str, object]


def scoped_configs(items: Sequence[JsonObject]) -> list[Scoped]:
    """The selector-scoped FelixConfigurations, oldest first (metadata.creationTimestamp,
    then the name: `MergeSelectorConfigs` takes the oldest that matches a node). One without
    a nodeSelector, or an empty one, applies to no node."""
    found = []
    for item in items:
        name = name_of(item)
        selector = spec_of(item).get("nodeSelector")
        if name == "default" or name.startswith(NODE_PREFIX) or not isinstance(selector, str):
            continue
        if selector.strip():
            created = str(as_dict(item.get("metadata")).get("creationTimestamp") or "")
            found.append((created, name, Scoped(selector, fc_values(item))))
    return [scoped for _, _, scoped in sorted(found, key=lambda f: (f[0], f[1]))]


def scoped_winners(
    configs: Sequence[Scoped], labels: Mapping[str, Mapping[str, str]]
) -> dict[str, Values | None]:
    """Node -> the values of the selector-scoped FelixConfiguration that applies to it (the
    oldest that selects it), None where an older one cannot be evaluated (not known); nodes
    none selects are absent. A selector requiring a `k == 'v'` is evaluated on the nodes so
    labelled only (a label index, built once), so per-group objects cost their nodes."""
    out: dict[str, Values | None] = {}
    index: dict[tuple[str, str], list[str]] | None = None
    for config in configs:
        label = required_label(config.selector)
        if label is not None and index is None:
            index = {}
            for node, own in labels.items():
                for pair in own.items():
                    index.setdefault(pair, []).append(node)
        names = labels if label is None or index is None else index.get(label, [])
        for name in names:
            if name not in out:
                hit = matches(config.selector, labels[name])
                if hit is not False:
                    out[name] = None if hit is None else config.values
    return out


def ebpf_settings(
    stored: Mapping[str, object],
    items: Sequence[JsonObject],
    env: FelixEnv,
    pods: Mapping[str, FelixEnv] | None = None,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> FelixEbpf:
    """``stored``: the values of FelixConfiguration `default`, by Felix's lower-case
    parameter; ``env``: calico-node's environment where no pod of a node is known (the first
    pod's, or the DaemonSet's template), ``pods``: each node's own; ``labels``: each node's
    labels as Calico selects it (for the selector-scoped FelixConfigurations). A field is the
    cluster's value with ``env``; a node keeps the fields whose value there (`resolve`)
    differs; a field not known on some node is not known for the cluster."""
    pods = pods or {}
    own = _node_values(items)
    scoped = scoped_winners(scoped_configs(items), labels or {})
    values = {key: resolve(key, env, None, stored) for key in FIELDS}
    per_node = {
        name: {
            key: resolve(
                key, pods.get(name, env), own.get(name), stored, scoped.get(name, NO_SCOPED)
            )
            for key in FIELDS
        }
        for name in dict.fromkeys([*pods, *own, *scoped])
    }
    for key in FIELDS:
        if any(values_of[key] is None for values_of in per_node.values()):
            values[key] = None
    nodes: dict[str, CalicoFelixNode] = {}
    for name, found in per_node.items():
        differ = {_ATTRS[k]: v for k, v in found.items() if v is not None and v != values[k]}
        if differ:
            nodes[name] = CalicoFelixNode.model_validate(differ)
    envs = [env, *pods.values()]
    unread = tuple(sorted({name for e in envs for name in e.unread}))
    mounted = tuple(sorted(n for n, e in pods.items() if e.file_may_set))
    if not pods and env.file_may_set:
        mounted = ("calico-node",)
    return FelixEbpf(values, nodes, unread, mounted)
