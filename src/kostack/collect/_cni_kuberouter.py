"""Read kube-router's settings: its DaemonSet's container arguments (docs/facts.md "kube-router").

kube-router has no ConfigMap of settings: everything kostack needs is a flag of the
``kube-router`` container (cloudnativelabs/kube-router pkg/options/options.go, parsed by
spf13/pflag: ``--flag=value``, ``--flag value``, a bare boolean ``--flag`` is true, the
last one given wins, list flags add up). k0s renders the same DaemonSet (``kube-router`` in
kube-system, label k8s-app=kube-router) from its ClusterConfig spec.network.kuberouter with
``--key=value`` arguments (k0s pkg/component/controller/kuberouter.go). Each node's pod range
is its Node spec.podCIDR(s), so the pod network is the cluster CIDR.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any, Final

from kostack.collect._cni_common import CniContext, CniResult, agent_image, agent_version
from kostack.collect._kube_objects import Notes, container_args
from kostack.gap_words import Msg
from kostack.model.snapshot import CNI, IPAddress, KubeRouter

NAMESPACE: Final = "kube-system"
DAEMONSET: Final = "kube-router"
SOURCE: Final = "cluster.cni.kube_router"
# Go's strconv.ParseBool, which pflag's bool flags use.
_TRUE: Final = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE: Final = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_BOOLS: Final = (
    "run-router",
    "enable-overlay",
    "enable-pod-egress",
    "nodes-full-mesh",
    "enable-ibgp",
    "run-service-proxy",
    "auto-mtu",
    "enable-ipv4",
    "enable-ipv6",
)


def kube_router_flags(arguments: Sequence[str]) -> dict[str, list[str]]:
    """Every ``--flag`` of a command line with its values, in order (a bare one: "true")."""
    out: dict[str, list[str]] = {}
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        index += 1
        if not argument.startswith("--") or argument == "--":
            continue
        name, equals, value = argument[2:].partition("=")
        if not equals:
            following = arguments[index] if index < len(arguments) else None
            if name in _BOOLS or following is None or following.startswith("-"):
                value = "true"
            else:
                value, index = following, index + 1
        out.setdefault(name, []).append(value)
    return out


def _bool(flags: Mapping[str, list[str]], name: str, notes: Notes) -> bool | None:
    """The flag's last value; absent: kube-router's default is for the caller to apply."""
    values = flags.get(name)
    if not values:
        return None
    value = values[-1].strip()
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    notes.skip(SOURCE, Msg("skip.not-modelled", field=f"--{name}", value=repr(value)))
    return None


def _number(flags: Mapping[str, list[str]], name: str, most: int) -> int | None:
    values = flags.get(name)
    text = values[-1].strip() if values else ""
    return int(text) if text.isdigit() and 1 <= int(text) <= most else None


def _peer_ips(flags: Mapping[str, list[str]], notes: Notes) -> tuple[IPAddress, ...]:
    out: list[IPAddress] = []
    for value in flags.get("peer-router-ips", []):
        for text in value.split(","):
            try:
                out.append(ipaddress.ip_address(text.strip()))
            except ValueError:
                if text.strip():
                    notes.skip(
                        SOURCE,
                        Msg("skip.not-modelled", field="--peer-router-ips", value=repr(text)),
                    )
    return tuple(dict.fromkeys(out))


def parse_kube_router(arguments: Sequence[str], notes: Notes, *, k0s: bool = False) -> KubeRouter:
    """kube-router's settings from its command line, each flag's default where it is absent
    (pkg/options/options.go: run-router, enable-overlay, enable-pod-egress, nodes-full-mesh,
    enable-ibgp, run-service-proxy, auto-mtu and enable-ipv4 true; enable-ipv6 false;
    overlay-type subnet; overlay-encap ipip; overlay-encap-port 5555; bgp-port 179)."""
    flags = kube_router_flags(arguments)

    def on(name: str, default: bool) -> bool | None:
        value = _bool(flags, name, notes)
        return default if value is None and not flags.get(name) else value

    overlay_type = (flags.get("overlay-type") or ["subnet"])[-1].strip()
    encap = (flags.get("overlay-encap") or ["ipip"])[-1].strip()
    for field, value, known in (
        ("--overlay-type", overlay_type, ("subnet", "full")),
        ("--overlay-encap", encap, ("ipip", "fou")),
    ):
        if value not in known:
            notes.skip(SOURCE, Msg("skip.not-modelled", field=field, value=repr(value)))
    return KubeRouter(
        run_router=on("run-router", True),
        enable_overlay=on("enable-overlay", True),
        overlay_type=overlay_type if overlay_type in ("subnet", "full") else None,
        overlay_encap=encap if encap in ("ipip", "fou") else None,
        overlay_encap_port=_number(flags, "overlay-encap-port", 65535)
        if flags.get("overlay-encap-port")
        else 5555,
        enable_pod_egress=on("enable-pod-egress", True),
        bgp_port=_number(flags, "bgp-port", 65535) if flags.get("bgp-port") else 179,
        nodes_full_mesh=on("nodes-full-mesh", True),
        enable_ibgp=on("enable-ibgp", True),
        peer_router_ips=_peer_ips(flags, notes),
        cluster_asn=_number(flags, "cluster-asn", 4294967295),
        run_service_proxy=on("run-service-proxy", True),
        auto_mtu=on("auto-mtu", True),
        enable_ipv4=on("enable-ipv4", True),
        enable_ipv6=on("enable-ipv6", False),
        bundle="k0s" if k0s else None,
    )


def _kube_router_args(containers: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """The ``kube-router`` container's command line (None: no such container seen)."""
    named = [c for c in containers if c.get("name") == "kube-router"]
    for container in named or [c for c in containers if "kube-router" in str(c.get("image"))]:
        return container_args(container)
    return None


def read_kube_router(ctx: CniContext, detected: bool) -> CniResult | None:
    """kube-router's settings; None when nothing says it runs (kostack does not probe for it:
    only its agent pods, label k8s-app=kube-router, say so)."""
    if not detected:
        return None
    spaces = ctx.facts.pod_cni.get("kube-router") or [NAMESPACE]
    containers = ctx.agent_containers("kube-router", spaces[0], DAEMONSET)
    arguments = _kube_router_args(containers)
    if arguments is None:
        ctx.gap_text(SOURCE, Msg("gap.kube.kube-router-args"), Msg("gap.hint.kube-router.args"))
        return CniResult(cni=CNI(type="kube-router"))
    image = agent_image(containers, "kube-router") or ""
    settings = parse_kube_router(arguments, ctx.notes, k0s="k0sproject/" in image)
    version, version_source = agent_version(containers, "kube-router")
    cni = CNI(
        type="kube-router", version=version, version_source=version_source, kube_router=settings
    )
    # --run-service-proxy: kube-router's IPVS proxy serves the Services (kube-proxy replaced)
    return CniResult(cni=cni, kube_proxy_replacement=bool(settings.run_service_proxy))
