"""Preflight: check a cluster that is not built yet, and say how to create its ports right.

From the OpenStack network (and existing ports) or a list of planned node
IPs, the planned pod and service CIDRs, the CNI and its mode, preflight
builds the snapshot the cluster would have, and runs the same diagnosis
`kostack diagnose` runs on a live one:

1. as things would be (ports with the project's default group, no allowed
   pairs): what would break (anti-spoofing, missing rules, CIDR overlaps,
   MTU);
2. as preflight recommends creating them: a dedicated security group with
   exactly the rules the CNI and control plane need between nodes (remote
   group = itself; the pod CIDR as remote prefix where pod-sourced packets
   cross the network), allowed pairs for the pod CIDR where pods send with
   their own address, the pod MTU the network carries. The recommendation is
   verified by diagnosing it; what would still break is reported.

Pure: the CLI supplies the OpenStack record (from a snapshot or collected).
The spec and the result are in `kostack.plan.preflight_spec`, the needed rules and the
encapsulation overhead in `kostack.plan.preflight_rules`;
the planned cloud, cluster and snapshot in `kostack.plan.preflight_world`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import Msg
from kostack.analyze.prefixes import net_within
from kostack.model.snapshot import (
    AllowedAddressPair,
    FixedIP,
    IPAddress,
    IPNetwork,
    OpenStack,
    Port,
    Router,
    RouterRoute,
    SecurityGroup,
    SecurityGroupRule,
)
from kostack.plan import (
    assemble_text,  # noqa: F401  (registers the preflight notes)
    preflight_errors,  # noqa: F401  (registers its errors)
)
from kostack.plan import preflight_kubeovn as kubeovn
from kostack.plan.build import ref
from kostack.plan.model import Route
from kostack.plan.preflight_rules import encapsulation_overhead, needed_rules
from kostack.plan.preflight_spec import (
    CNI_MODES,
    GROUP_ID,
    PLANNED_NETWORK_ID,
    PLANNED_ROUTER_ID,
    NeededRule,
    PlannedNode,
    PortPlan,
    PreflightError,
    PreflightResult,
    PreflightSpec,
    validate,
)
from kostack.plan.preflight_world import (
    PlannedCloud,
    default_group,
    node_blocks,
    node_pod_cidrs,
    planned_cloud,
    planned_cluster,
    planned_mac,
    planned_snapshot,
    subnet_for,
)
from kostack.plan.rules import rule_key


def preflight(spec: PreflightSpec) -> PreflightResult:
    """What would break, and how to create the ports and group so that nothing does."""
    validate(spec)
    cloud = planned_cloud(spec)
    overhead, kind = encapsulation_overhead(spec)
    overheads = tuple(
        (v, *encapsulation_overhead(spec, v), spec.tunnel_version(v)) for v in spec.families
    )
    net_mtu = cloud.network.mtu or spec.network_mtu or 1450
    recommended = net_mtu - overhead
    mtu = spec.pod_mtu or recommended

    # 1. as things would be: existing ports as they are, new ones with the default group
    current_ports = _current_ports(spec, cloud)
    current = diagnose(
        planned_snapshot(spec, cloud, mtu, current_ports, cloud.groups, cloud.routers)
    )

    # 2. as recommended: the group, the pairs, the routes
    group = _recommended_group(spec, cloud)
    planned_ports, port_plans = _planned_ports(spec, cloud, current_ports, group.group.id)
    routers, routes = _router_routes(spec, cloud)
    notes = _notes(spec, has_router=bool(routers), net_mtu=net_mtu, overheads=overheads)
    if routes and spec.nat_outgoing:  # unencapsulated across subnets
        notes.insert(0, Msg("preflight.note.native-routes", cni=_cni_mode(spec)))
    underlay = spec.cni == "kube-ovn" and spec.mode == "vlan"
    if underlay and (wrong := kubeovn.underlay_range(spec.pod_cidrs, _node_subnets(spec, cloud))):
        notes.insert(0, wrong)
    all_groups = [g for g in cloud.groups if g.id != group.group.id] + [group.group]
    recommended_snapshot = planned_snapshot(spec, cloud, mtu, planned_ports, all_groups, routers)
    remaining = diagnose(recommended_snapshot).root_causes
    return PreflightResult(
        spec=spec,
        network=cloud.network,
        subnets=tuple(cloud.subnets),
        router=routers[0] if routers else None,
        current=current,
        rules=group.rules,
        ports=tuple(port_plans),
        routes=tuple(routes),
        remaining=tuple(ref(rc) for rc in remaining),
        overhead=overhead,
        overhead_kind=kind,
        recommended_mtu=recommended,
        notes=tuple(notes),
        overheads=overheads,
        existing_group=group.existing,
        rules_present=group.present,
    )


def _current_ports(spec: PreflightSpec, cloud: PlannedCloud) -> dict[str, Port]:
    """Each node's port as it would be: the existing one, or a new one in `default`."""
    default = next((g for g in cloud.groups if g.name == "default"), default_group())
    ports: dict[str, Port] = {}
    for i, n in enumerate(spec.nodes):
        existing = cloud.ports.get(n.name)
        if existing is not None:
            ports[n.name] = existing
            continue
        ports[n.name] = Port(
            id=f"planned-port-{n.name}",
            name=n.name,
            network_id=cloud.network.id,
            mac_address=planned_mac(i),
            fixed_ips=tuple(
                FixedIP(subnet_id=subnet_for(cloud, ip).id, ip_address=ip) for ip in n.ips
            ),
            port_security_enabled=cloud.network.port_security_enabled is not False,
            security_group_ids=(default.id,),
        )
    return ports


@dataclass(frozen=True)
class _GroupPlan:
    """The recommended group, and how it relates to a group of that name that exists."""

    group: SecurityGroup  # as it would be with the rules added
    rules: tuple[NeededRule, ...]  # the rules to add
    present: tuple[NeededRule, ...]  # needed rules the existing group already has
    existing: SecurityGroup | None


def _recommended_group(spec: PreflightSpec, cloud: PlannedCloud) -> _GroupPlan:
    """The group named `spec.group_name` with exactly the needed rules (an existing one gains them)."""
    named = [g for g in cloud.groups if g.name == spec.group_name]
    existing_group = named[0] if len(named) == 1 else None
    if len(named) > 1:
        raise PreflightError(
            Msg("pf.err.groups-named", n=len(named), name=repr(spec.group_name)),
            Msg("pf.hint.group-name"),
        )
    gid = existing_group.id if existing_group is not None else GROUP_ID
    rules = needed_rules(spec, group_id=gid)
    present: list[NeededRule] = []
    if existing_group is not None:
        keys = {rule_key(r) for r in existing_group.rules}
        present = [r for r in rules if r.rule.key() in keys]
        rules = tuple(r for r in rules if r not in present)
    base_rules = (
        existing_group.rules
        if existing_group is not None
        else (
            SecurityGroupRule(id="planned-egress-v4", direction="egress", ethertype="IPv4"),
            SecurityGroupRule(id="planned-egress-v6", direction="egress", ethertype="IPv6"),
        )
    )
    group = SecurityGroup(
        id=gid,
        name=spec.group_name,
        rules=(*base_rules, *(_planned_rule(r) for r in rules)),
    )
    return _GroupPlan(group, rules, tuple(present), existing_group)


def _planned_rule(r: NeededRule) -> SecurityGroupRule:
    """A needed rule as Neutron would hold it once created."""
    return SecurityGroupRule(
        id=f"planned-{r.slug}",
        direction="ingress",
        ethertype=r.rule.ethertype,
        protocol=r.rule.protocol,
        port_range_min=r.rule.port_range_min,
        port_range_max=r.rule.port_range_max,
        remote_ip_prefix=ipaddress.ip_network(r.rule.remote_ip_prefix)
        if r.rule.remote_ip_prefix
        else None,
        remote_group_id=r.rule.remote_group_id,
        description=r.rule.description,
    )


def _needs_pairs(spec: PreflightSpec) -> bool:
    """Whether pods of some family send across the network with their own address."""
    return any(spec.needs_pairs_of(v) for v in spec.families)


def _pair_cidrs(spec: PreflightSpec) -> tuple[list[IPNetwork], list[IPNetwork]]:
    """The pod CIDRs ports need as pairs, and the service CIDRs that go along: every family's
    once one family sends natively (kostack's pair-scope check, like `fix plan`, wants a
    port's pairs to cover all its pod blocks; an unneeded pair of an encapsulated family
    only admits that family's pod addresses)."""
    families = list(spec.families) if _needs_pairs(spec) else []
    pods = [c for v in families if (c := spec.pod_cidr_of(v)) is not None]
    services = [c for v in families if (c := spec.service_cidr_of(v)) is not None]
    return pods, services if spec.service_pair else []


def _planned_ports(
    spec: PreflightSpec, cloud: PlannedCloud, current: dict[str, Port], gid: str
) -> tuple[dict[str, Port], list[PortPlan]]:
    """Each node's port as recommended (in group `gid`, with the pairs it lacks), and its plan."""
    pair_cidrs, service_pairs = _pair_cidrs(spec)
    planned: dict[str, Port] = {}
    plans: list[PortPlan] = []
    for n in spec.nodes:
        port = current[n.name]
        existing = cloud.ports.get(n.name)
        have = [p.ip_address for p in port.allowed_address_pairs]
        add = [
            c
            for c in (*pair_cidrs, *service_pairs)
            if not any(h.version == c.version and net_within(c, h) for h in have)
        ]
        groups = (
            tuple(dict.fromkeys((*port.security_group_ids, gid)))
            if existing is not None
            else (gid,)
        )
        planned[n.name] = port.model_copy(
            update={
                "port_security_enabled": True,
                "security_group_ids": groups,
                "allowed_address_pairs": (
                    *port.allowed_address_pairs,
                    *(AllowedAddressPair(ip_address=c) for c in add),
                ),
            }
        )
        subnets = [subnet_for(cloud, ip) for ip in n.ips]
        plans.append(
            PortPlan(
                node=n.name,
                ip=str(n.ip),
                subnet_id=subnets[0].id,
                subnet_name=subnets[0].name or subnets[0].id,
                existing=existing,
                pairs=tuple(str(c) for c in add),
                not_for_traffic=tuple(str(c) for c in add if c in service_pairs),
                control_plane=n.control_plane,
                fixed_ips=tuple(
                    (str(ip), s.id, s.name or s.id) for ip, s in zip(n.ips, subnets, strict=True)
                ),
            )
        )
    return planned, plans


def _router_routes(spec: PreflightSpec, cloud: PlannedCloud) -> tuple[list[Router], list[Route]]:
    """The routers, the first with a route back to each node's pods when natOutgoing is off, or
    to each node's pods of each family the CNI routes natively between nodes of different
    subnets (Calico without encapsulation, Antrea noEncap...: their docs say the underlying
    network must carry pod traffic across subnets; the engine, diagnosing the planned cloud,
    finds `native-cross-subnet` without these routes)."""
    routers = list(cloud.routers)
    across = [v for v in spec.families if _native_across(spec, cloud, v)]
    # Kube-OVN's pods take addresses anywhere in their Subnet, not from a range per node: no
    # route per node exists to plan (a note says what Kube-OVN's docs do instead)
    if not routers or (spec.nat_outgoing and not across) or spec.cni == "kube-ovn":
        return routers, []
    routes: list[Route] = []
    # each family's pod ranges via the node's address of that family
    for v in across if spec.nat_outgoing else spec.families:
        node_cidrs = node_pod_cidrs(spec, v)
        blocks = node_blocks(node_cidrs) if spec.cni == "calico" else node_cidrs
        routes += [Route(str(b), str(n.ip_of(v))) for b, n in zip(blocks, spec.nodes, strict=True)]
    router = routers[0]
    routers[0] = router.model_copy(
        update={
            "routes": (
                *router.routes,
                *(
                    RouterRoute(
                        destination=ipaddress.ip_network(r.destination),
                        nexthop=ipaddress.ip_address(r.nexthop),
                    )
                    for r in routes
                ),
            )
        }
    )
    return routers, routes


def _cni_mode(spec: PreflightSpec) -> str:
    name, mode = spec.cni_mode()
    return Msg("preflight.cni-mode", cni=name, mode=mode)


def _native_across(spec: PreflightSpec, cloud: PlannedCloud, version: int) -> bool:
    """Whether the CNI sends pod traffic of ``version`` natively between nodes of different
    subnets."""
    if not spec.native_across_of(version):
        return False
    subnets = {subnet_for(cloud, ip).id for n in spec.nodes if (ip := n.ip_of(version))}
    return len(subnets) > 1


def _node_subnets(spec: PreflightSpec, cloud: PlannedCloud) -> list[IPNetwork] | None:
    """The nodes' subnets' ranges when they are known: read from the network, or the planned
    --subnet-cidr; None when preflight made them up from the node addresses."""
    if spec.openstack is not None and spec.network_id is not None:
        return [subnet_for(cloud, ip).cidr for n in spec.nodes for ip in n.ips]
    return [spec.subnet_cidr] if spec.subnet_cidr is not None else None


def _notes(
    spec: PreflightSpec,
    *,
    has_router: bool,
    net_mtu: int,
    overheads: tuple[tuple[int, int, str, int], ...],
) -> list[str]:
    """What the operator should know beyond the rules and ports: routes, pairs, the pod MTU."""
    notes: list[str] = []
    underlay = spec.cni == "kube-ovn" and spec.mode == "vlan"  # natOutgoing does not apply
    if not spec.nat_outgoing and has_router and not underlay:  # Antrea's switch is noSNAT
        words = {"antrea": "nosnat", "kube-ovn": "kube-ovn-nat-off"}
        notes.append(Msg(f"preflight.note.{words.get(spec.cni, 'nat-off')}"))
    if underlay:  # pairs do not help its pods' MACs
        notes.append(Msg("preflight.note.kube-ovn-underlay"))
    elif not _needs_pairs(spec):
        notes.append(Msg("preflight.note.no-pairs"))
    if spec.cni == "calico" and spec.dual_stack and spec.mode.startswith("ipip"):
        notes.append(Msg("preflight.note.ipip-v6"))
    _, overhead, kind, _ = max(overheads, key=lambda o: o[1])
    if spec.pod_mtu is None and spec.cni == "kube-router":
        notes.append(Msg("preflight.note.mtu-kube-router", mtu=net_mtu))
    elif spec.pod_mtu is None:
        recommended = net_mtu - overhead
        word = "mtu-ovnk" if spec.cni == "ovn-kubernetes" else "mtu"
        notes.append(
            Msg(
                f"preflight.note.{word}",
                mtu=recommended,
                net=net_mtu,
                overhead=overhead,
                kind=kind,
            )
        )
    if len({o[1] for o in overheads}) > 1:
        for version, size, what, under in overheads:
            notes.append(
                Msg(
                    "preflight.note.mtu-family",
                    family=f"IPv{version}",
                    path=net_mtu - size,
                    net=net_mtu,
                    overhead=size,
                    kind=what,
                    under=f"IPv{under}",
                )
            )
    return notes


def _primary_first(
    ips: list[IPAddress], families: tuple[int, ...]
) -> tuple[IPAddress, tuple[IPAddress, ...]]:
    """The address of the primary family (else the first), and one of each other pod family."""
    primary = next((ip for ip in ips if ip.version == families[0]), ips[0])
    others: list[IPAddress] = []
    for v in families[1:]:
        ip = next((x for x in ips if x.version == v), None)
        if v != primary.version and ip is not None:
            others.append(ip)
    return primary, tuple(others)


def nodes_from_ports(
    openstack: OpenStack, network_id: str, control_planes: int, families: tuple[int, ...] = (4,)
) -> tuple[PlannedNode, ...]:
    """The VM ports of a network as planned nodes (sorted by name), the first N control planes;
    a port's fixed IP of each pod family is the node's address of that family."""
    ports = sorted(
        (
            p
            for p in openstack.ports or ()
            if p.network_id == network_id and p.device_owner.startswith("compute:") and p.fixed_ips
        ),
        key=lambda p: p.name or p.id,
    )
    out = []
    for i, p in enumerate(ports):
        primary, others = _primary_first([f.ip_address for f in p.fixed_ips], families)
        out.append(PlannedNode(p.name or p.id, primary, i < control_planes, others))
    return tuple(out)


def planned_nodes(
    specs: tuple[tuple[str, str | None], ...],
    control_planes: int,
    families: tuple[int, ...] = (4,),
) -> Iterator[PlannedNode]:
    """(ips, name) pairs as planned nodes (``ips``: "IP" or "IPv4,IPv6" for a dual-stack
    node); unnamed ones become node-1, node-2..."""
    for i, (ips_text, name) in enumerate(specs):
        ips: list[IPAddress] = []
        for text in ips_text.split(","):
            try:
                ips.append(ipaddress.ip_address(text.strip()))
            except ValueError:
                raise PreflightError(
                    Msg("pf.err.not-ip", text=repr(text.strip())), Msg("pf.hint.node")
                ) from None
        if len({ip.version for ip in ips}) != len(ips):
            raise PreflightError(
                Msg("pf.err.node-same-family", node=repr(ips_text)), Msg("pf.hint.node-pair")
            )
        primary, others = _primary_first(ips, families)
        yield PlannedNode(name or f"node-{i + 1}", primary, i < control_planes, others)


# The names below stay importable from here (the CLI, the report and the tests use them).
__all__ = [
    "CNI_MODES",
    "PLANNED_NETWORK_ID",
    "PLANNED_ROUTER_ID",
    "NeededRule",
    "PlannedNode",
    "PortPlan",
    "PreflightError",
    "PreflightResult",
    "PreflightSpec",
    "encapsulation_overhead",
    "nodes_from_ports",
    "planned_cluster",
    "planned_nodes",
    "preflight",
]
