"""Read Kube-OVN's settings: container arguments and the Subnets (docs/facts.md "Kube-OVN").

Kube-OVN's install (kubeovn/kube-ovn dist/images/install.sh, and its charts) passes its
settings as arguments: the ``cni-server`` container of DaemonSet ``kube-ovn-cni`` (pods
labelled app=kube-ovn-cni) takes ``--network-type`` (install.sh's TUNNEL_TYPE: geneve, vxlan
or stt), ``--mtu``, ``--enable-ovn-ipsec`` and ``--enable-arp-detect-ip-conflict``
(pkg/daemon/config.go); the
``kube-ovn-controller`` container of Deployment ``kube-ovn-controller`` (pods labelled
app=kube-ovn-controller) takes ``--network-type`` (NETWORK_TYPE: geneve, or vlan for an
underlay default subnet), ``--default-cidr``, ``--node-switch-cidr`` (the join subnet) and
``--enable-lb`` (pkg/controller/config.go). Both come from the pods already listed (no request); its pods,
or kube-ovn-controller's annotation on every Node (``ovn.kubernetes.io/allocated``,
pkg/controller/node.go), say Kube-OVN runs. Pods take addresses from the Subnets (kubeovn.io/v1,
cluster-scoped): one list request; a namespace bound to IPPools (kubeovn.io/v1, cluster-scoped)
takes them from those pools only: one more list request (both paged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from kostack.collect._cni_common import CniContext, CniResult, JsonObject, agent_version, positive
from kostack.collect._kube_objects import Notes, as_dict, container_args, name_of, parse_cidrs
from kostack.collect._kube_types import ReadFailure
from kostack.gap_words import Msg
from kostack.model.cni import KUBE_OVN_TUNNELS, KubeOvnIPPool, exclude_range, pool_range
from kostack.model.snapshot import CNI, IPNetwork, KubeOvn, KubeOvnSubnet

NAMESPACE: Final = "kube-system"
CONTROLLER: Final = "kube-ovn-controller"
SOURCE: Final = "cluster.cni.kube_ovn"
SUBNETS: Final = "GET /apis/kubeovn.io/v1/subnets"
IP_POOLS: Final = "GET /apis/kubeovn.io/v1/ippools"
# pflag's bool parsing (strconv.ParseBool)
_TRUE: Final = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE: Final = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_NETWORK_TYPES: Final = ("geneve", "vxlan", "stt", "vlan")


def last_flag(arguments: Sequence[str], flag: str) -> str | None:
    """The last value of ``--flag=value`` or ``--flag value`` (pflag: the last one wins)."""
    found: str | None = None
    for index, argument in enumerate(arguments):
        if argument.startswith(flag + "="):
            found = argument.split("=", 1)[1]
        elif argument == flag and index + 1 < len(arguments):
            found = arguments[index + 1]
    return found


def _args(containers: Sequence[Mapping[str, Any]], name: str) -> list[str] | None:
    """The named container's command line (None: no such container)."""
    for container in containers:
        if container.get("name") == name:
            return container_args(container)
    return None


def _bool(args: Sequence[str], flag: str, default: bool, notes: Notes) -> bool | None:
    value = last_flag(args, flag)
    if value is None:
        return default
    if value.strip() in _TRUE or value.strip() in _FALSE:
        return value.strip() in _TRUE
    notes.skip(SOURCE, Msg("skip.not-modelled", field=flag, value=repr(value)))
    return None


def _choice(args: Sequence[str], flag: str, allowed: Sequence[str], notes: Notes) -> str | None:
    """The flag's value among ``allowed`` (absent or empty: the first, Kube-OVN's default)."""
    value = (last_flag(args, flag) or "").strip()
    if not value:
        return allowed[0]
    if value in allowed:
        return value
    notes.skip(SOURCE, Msg("skip.not-modelled", field=flag, value=repr(value)))
    return None


def parse_cni_server(args: Sequence[str], notes: Notes) -> dict[str, Any]:
    """kube-ovn-cni's settings from the cni-server container's arguments (pkg/daemon/config.go
    defaults: --network-type geneve, --mtu 0, --enable-ovn-ipsec false,
    --enable-arp-detect-ip-conflict true)."""
    mtu_text = (last_flag(args, "--mtu") or "0").strip()
    mtu = 0 if mtu_text == "0" else positive(mtu_text, least=68)
    if mtu is None:
        notes.skip(SOURCE, Msg("skip.not-modelled", field="--mtu", value=repr(mtu_text)))
    return {
        "tunnel_type": _choice(args, "--network-type", KUBE_OVN_TUNNELS, notes),
        "mtu": mtu,
        "ipsec": _bool(args, "--enable-ovn-ipsec", False, notes),
        "arp_detect_ip_conflict": _bool(args, "--enable-arp-detect-ip-conflict", True, notes),
    }


def parse_controller(args: Sequence[str], notes: Notes) -> dict[str, Any]:
    """kube-ovn-controller's settings (pkg/controller/config.go defaults: --network-type
    geneve, --node-switch-cidr 100.64.0.0/16, --node-switch join, --enable-lb true)."""
    join = parse_cidrs(last_flag(args, "--node-switch-cidr") or "100.64.0.0/16")
    if join is None:
        text = last_flag(args, "--node-switch-cidr")
        notes.skip(SOURCE, Msg("skip.not-modelled", field="--node-switch-cidr", value=repr(text)))
    return {
        "network_type": _choice(args, "--network-type", _NETWORK_TYPES, notes),
        "join_cidrs": join,
        "join_subnet": (last_flag(args, "--node-switch") or "join").strip() or "join",
        "enable_lb": _bool(args, "--enable-lb", True, notes),
    }


def parse_subnet(obj: Mapping[str, Any], notes: Notes) -> KubeOvnSubnet | None:
    """One Subnet (kubeovn.io/v1 SubnetSpec); None when its cidrBlock does not parse."""
    spec = as_dict(obj.get("spec"))
    name = name_of(obj)
    cidrs = parse_cidrs(spec.get("cidrBlock"))
    if cidrs is None:
        text = repr(spec.get("cidrBlock"))
        notes.skip(SOURCE, Msg("skip.not-modelled", field=f"{name} cidrBlock", value=text))
        return None
    gateway = str(spec.get("gatewayType") or "distributed")
    nat = spec.get("natOutgoing", False)
    lb = spec.get("enableLb")
    return KubeOvnSubnet(
        name=name,
        cidrs=cidrs,
        default=spec.get("default") is True,
        nat_outgoing=nat if isinstance(nat, bool) else None,
        gateway_type=gateway if gateway in ("distributed", "centralized") else None,
        vlan=str(spec.get("vlan") or "") or None,
        logical_gateway=spec.get("logicalGateway") is True,
        u2o_interconnection=spec.get("u2oInterconnection") is True,
        vpc=str(spec.get("vpc") or "") or None,
        provider=str(spec.get("provider") or "") or None,
        enable_lb=lb if isinstance(lb, bool) else None,
        exclude_ips=_exclude_ips(name, spec.get("excludeIps"), notes),
        # namespaceSelectors bind namespaces by labels kostack does not read: which namespaces
        # the Subnet serves is then not known (None), never "none"
        namespaces=None if spec.get("namespaceSelectors") else _names(spec.get("namespaces")),
    )


def _names(value: object) -> tuple[str, ...]:
    """A list of namespace names (absent: none)."""
    return (
        tuple(str(n) for n in value if isinstance(n, str) and n) if isinstance(value, list) else ()
    )


def parse_ip_pool(obj: Mapping[str, Any], notes: Notes) -> KubeOvnIPPool | None:
    """One IPPool (kubeovn.io/v1 IPPoolSpec: subnet, ips, namespaces); None, with a note, when
    an ``ips`` entry is not an IP, CIDR or IP1..IP2 (what its namespaces' pods get is then not
    known: the pools are left unread)."""
    spec = as_dict(obj.get("spec"))
    name = name_of(obj)
    ips = spec.get("ips")
    entries = ips if isinstance(ips, list) else []
    bad = [e for e in entries if not isinstance(e, str) or pool_range(e) is None]
    if bad:
        notes.skip(SOURCE, Msg("skip.not-modelled", field=f"IPPool {name} ips", value=repr(bad[0])))
        return None
    return KubeOvnIPPool(
        name=name,
        subnet=str(spec.get("subnet") or ""),
        ips=tuple(entries),
        # namespaceSelectors bind namespaces by labels kostack does not read: which namespaces
        # the Subnet serves is then not known (None), never "none"
        namespaces=None if spec.get("namespaceSelectors") else _names(spec.get("namespaces")),
    )


def _exclude_ips(name: str, value: object, notes: Notes) -> tuple[str, ...] | None:
    """spec.excludeIps (absent: none); None, with a note, when an entry is not what Kube-OVN
    accepts (pkg/util/validator.go), so what its IPAM hands out is not known."""
    if value is None:
        return ()
    entries = value if isinstance(value, list) else [value]
    bad = [e for e in entries if not isinstance(e, str) or exclude_range(e) is None]
    if bad:
        notes.skip(SOURCE, Msg("skip.not-modelled", field=f"{name} excludeIps", value=repr(bad[0])))
        return None
    return tuple(entries)


def _subnets(ctx: CniContext) -> tuple[list[JsonObject] | None, ReadFailure | None]:
    reader = ctx.reader
    try:
        items = reader.all(
            SUBNETS, reader.custom.list_cluster_custom_object, "kubeovn.io", "v1", "subnets"
        )
    except ReadFailure as failure:
        ctx.check(failure)
        return None, failure
    return items, None


def _ip_pools(ctx: CniContext, notes: Notes) -> tuple[KubeOvnIPPool, ...] | None:
    """The IPPools (paged); None, with a gap, when they cannot be read or one of them does
    not parse; () where this Kube-OVN has no IPPool kind (404: before v1.12)."""
    reader = ctx.reader
    try:
        items = reader.all(
            IP_POOLS, reader.custom.list_cluster_custom_object, "kubeovn.io", "v1", "ippools"
        )
    except ReadFailure as failure:
        if failure.kind == "not_found":
            return ()
        ctx.check(failure)
        ctx.gap(f"{SOURCE}.ip_pools", failure, Msg("gap.hint.kube-ovn.ippools"))
        return None
    pools = [parse_ip_pool(item, notes) for item in items]
    return None if any(p is None for p in pools) else tuple(p for p in pools if p is not None)


def pod_ranges(kube_ovn: KubeOvn) -> tuple[IPNetwork, ...]:
    """The pods' ranges: every Subnet's CIDRs but the join subnet's (the nodes' ovn0) and
    attachment networks' (another provider), the default Subnet's first."""
    subnets = sorted(kube_ovn.subnets or (), key=lambda s: not s.default)
    return tuple(
        c
        for s in subnets
        if s.name != kube_ovn.join_subnet and s.provider in (None, "ovn")
        for c in s.cidrs
    )


def read_kube_ovn(ctx: CniContext, detected: bool) -> CniResult | None:
    """Kube-OVN's settings; None when nothing says it runs (its agent pods, label
    app=kube-ovn-cni, or the Nodes' ovn.kubernetes.io/allocated annotation say so)."""
    if not detected:
        return None
    namespace = (ctx.facts.pod_cni.get("kube-ovn") or [NAMESPACE])[0]
    containers = ctx.agent_containers("kube-ovn", namespace, "kube-ovn-cni")
    version, version_source = agent_version(containers, "kube-ovn")
    notes = ctx.notes
    settings: dict[str, Any] = {}
    cni_args = _args(containers, "cni-server")
    if cni_args is None:
        ctx.gap_text(SOURCE, Msg("gap.kube.kube-ovn-cni"), Msg("gap.hint.kube-ovn.cni"))
    else:
        settings.update(parse_cni_server(cni_args, notes))
    controller = _args(ctx.facts.kube_ovn_controller or [], CONTROLLER)
    if controller is None:
        hint = Msg("gap.hint.kube-ovn.controller")
        ctx.gap_text(SOURCE, Msg("gap.kube.kube-ovn-controller"), hint)
    else:
        settings.update(parse_controller(controller, notes))
    items, failure = _subnets(ctx)
    if failure is not None:
        ctx.gap(f"{SOURCE}.subnets", failure, Msg("gap.hint.kube-ovn.subnets"))
    else:
        parsed = (parse_subnet(item, notes) for item in items or [])
        settings["subnets"] = tuple(s for s in parsed if s is not None)
    settings["ip_pools"] = _ip_pools(ctx, notes)
    kube_ovn = KubeOvn(**settings)
    cni = CNI(type="kube-ovn", version=version, version_source=version_source, kube_ovn=kube_ovn)
    ranges = pod_ranges(kube_ovn)
    if ranges:
        return CniResult(cni=cni, pod_network=ranges, pod_network_source="kubeovn.io/v1 Subnets")
    default = last_flag(controller or [], "--default-cidr")
    fallback = parse_cidrs(default or "10.16.0.0/16") if controller is not None else None
    if fallback:
        return CniResult(
            cni=cni, pod_network=fallback, pod_network_source="kube-ovn-controller --default-cidr"
        )
    return CniResult(cni=cni, pod_network_unknown=Msg("gap.kube.kube-ovn-ranges"))
