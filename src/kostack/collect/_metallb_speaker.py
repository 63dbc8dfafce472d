"""MetalLB's speaker and controller settings, read from their pods' ``speaker`` and
``controller`` containers (docs/facts.md "Virtual IPs": metallb/metallb speaker/main.go,
controller/main.go).

Each flag defaults to an environment variable: ``--namespace`` to METALLB_NAMESPACE, and when
both are empty the speaker takes its service account's namespace (its pod's);
``--ignore-exclude-lb`` is a Go bool flag (``-name``, ``--name``, ``--name=value`` with
strconv.ParseBool's values) and false unless given; ``--lb-class`` (speaker and controller
alike) is a plain flag with no environment variable, default "". Go's flag package stops at the first argument that is not
a flag. A value kostack cannot see (a Secret's, a ConfigMap's, ``$(VAR)``) leaves the setting
None: not known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kostack.collect._kube_objects import as_dict, as_list, namespace_of, pod_containers
from kostack.collect._occm import workload
from kostack.model.snapshot import FlagPlace, MetalLBController, MetalLBSpeaker

_TRUE: Final = frozenset({"1", "t", "T", "TRUE", "true", "True"})  # strconv.ParseBool
_FALSE: Final = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_BOOL_FLAGS: Final = frozenset({"ignore-exclude-lb", "ml-wan-config", "frrk8s-secret-passthrough"})
_UNSEEN: Final = object()  # a value from something kostack does not read


def _flags(args: Sequence[str]) -> dict[str, str | None]:
    """Go's flag parsing: name -> value ("true" for a bare bool flag; None: a flag that
    would take the next argument when there is none)."""
    out: dict[str, str | None] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-", "--") or not arg.startswith("-"):
            break  # the flag package stops here
        name, eq, value = arg.lstrip("-").partition("=")
        if not eq and name in _BOOL_FLAGS:
            value = "true"
        elif not eq:
            i += 1
            value = args[i] if i < len(args) else ""
        out[name] = value
        i += 1
    return out


def _env(container: Mapping[str, Any], namespace: str) -> dict[str, object]:
    """Environment variable -> its value, the pod's namespace for a fieldRef to
    metadata.namespace, ``_UNSEEN`` for any other valueFrom."""
    out: dict[str, object] = {}
    for raw in as_list(container.get("env")):
        entry = as_dict(raw)
        name = str(entry.get("name") or "")
        if "value" in entry:
            out[name] = str(entry.get("value") or "")
        elif as_dict(as_dict(entry.get("valueFrom")).get("fieldRef")).get("fieldPath") == (
            "metadata.namespace"
        ):
            out[name] = namespace
        elif "valueFrom" in entry:
            out[name] = _UNSEEN
    return out


def _known(text: object) -> str | None:
    if text is _UNSEEN or not isinstance(text, str) or "$(" in text:
        return None
    return text


def _argv(container: Mapping[str, Any]) -> list[str]:
    """The arguments after the program: command (its first word the program) replaces the
    image's entrypoint; args follow it."""
    return [
        str(a) for a in (*as_list(container.get("command"))[1:], *as_list(container.get("args")))
    ]


def _is_lb_class(arg: str) -> bool:
    return arg.lstrip("-").partition("=")[0] == "lb-class" and arg.startswith("-")


def flag_place(pod: Mapping[str, Any], name: str) -> FlagPlace | None:
    """Where container ``name`` writes ``--lb-class`` (model FlagPlace); None when the flag is
    in its command or given more than once."""
    containers = [as_dict(c) for c in as_list(as_dict(pod.get("spec")).get("containers"))]
    at = next((i for i, c in enumerate(containers) if c.get("name") == name), None)
    if at is None:
        return None
    command = [str(a) for a in as_list(containers[at].get("command"))]
    args = [str(a) for a in as_list(containers[at].get("args"))]
    hits = [i for i, a in enumerate(args) if _is_lb_class(a)]
    if any(_is_lb_class(a) for a in command) or len(hits) > 1:
        return None
    if not hits:
        return FlagPlace(container=at)
    i = hits[0]
    two = "=" not in args[i] and i + 1 < len(args)
    return FlagPlace(container=at, index=i, words=tuple(args[i : i + 1 + two]))


def parse_controller(pod: Mapping[str, Any]) -> MetalLBController | None:
    """The controller's ``--lb-class`` (a plain flag with no environment variable, default "");
    None when the pod has no ``controller`` container."""
    container = next((c for c in pod_containers(pod) if c.get("name") == "controller"), None)
    if container is None:
        return None
    said = _flags(_argv(container)).get("lb-class", "")
    return MetalLBController(
        lb_class=_known(said), workload=workload(pod), lb_class_at=flag_place(pod, "controller")
    )


def parse_speaker(pod: Mapping[str, Any]) -> MetalLBSpeaker | None:
    """The speaker's settings; None when the pod has no ``speaker`` container."""
    container = next((c for c in pod_containers(pod) if c.get("name") == "speaker"), None)
    if container is None:
        return None
    namespace = namespace_of(pod)
    flags = _flags(_argv(container))
    env = _env(container, namespace)
    said = flags["namespace"] if "namespace" in flags else env.get("METALLB_NAMESPACE", "")
    config_ns = _known(said)
    if config_ns == "":
        config_ns = namespace  # the service account's namespace file
    ignore: bool | None = False
    if "ignore-exclude-lb" in flags:
        value = _known(flags["ignore-exclude-lb"])
        ignore = True if value in _TRUE else False if value in _FALSE else None
    lb_class = _known(flags.get("lb-class", ""))  # a plain flag, no environment variable
    return MetalLBSpeaker(
        namespace=config_ns,
        ignore_exclude_lb=ignore,
        lb_class=lb_class,
        workload=workload(pod),
        lb_class_at=flag_place(pod, "speaker"),
    )
