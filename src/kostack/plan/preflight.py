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
The spec, the result and the needed rules are in `kostack.plan.preflight_spec`;
the planned cloud, cluster and snapshot in `kostack.plan.preflight_world`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from kostack.analyze.diagnose import diagnose
from kostack.analyze.messages import Msg
from kostack.analyze.topology import net_within
from kostack.model.snapshot import (
    AllowedAddressPair,
    FixedIP,
    OpenStack,
    Port,
    Router,
    RouterRoute,
    SecurityGroup,
    SecurityGroupRule,
)
from kostack.plan import assemble_text  # noqa: F401  (registers the preflight notes)
from kostack.plan.build import ref
from kostack.plan.model import Route
from kostack.plan.preflight_spec import (
    BLOCK_PREFIX_V4,
    CNI_MODES,
    DEFAULT_GROUP_ID,
    GROUP_ID,
    NODE_MASK_V4,
    PLANNED_NETWORK_ID,
    PLANNED_ROUTER_ID,
    NeededRule,
    PlannedNode,
    PortPlan,
    PreflightError,
    PreflightResult,
    PreflightSpec,
    encapsulation_overhead,
    needed_rules,
    rule_key,
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


def preflight(spec: PreflightSpec) -> PreflightResult:
    """What would break, and how to create the ports and group so that nothing does."""
    validate(spec)
    cloud = planned_cloud(spec)
    overhead, kind = encapsulation_overhead(spec)
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
    notes = _notes(spec, has_router=bool(routers), net_mtu=net_mtu, overhead=overhead, kind=kind)
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
        subnet = subnet_for(cloud, n.ip)
        ports[n.name] = Port(
            id=f"planned-port-{n.name}",
            name=n.name,
            network_id=cloud.network.id,
            mac_address=planned_mac(i),
            fixed_ips=(FixedIP(subnet_id=subnet.id, ip_address=n.ip),),
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
            f"{len(named)} security groups are called {spec.group_name!r}",
            "choose another name with --security-group NAME",
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
    """Whether pods send across the network with their own address (so ports need pairs)."""
    return spec.native_pods or not spec.nat_outgoing


def _planned_ports(
    spec: PreflightSpec, cloud: PlannedCloud, current: dict[str, Port], gid: str
) -> tuple[dict[str, Port], list[PortPlan]]:
    """Each node's port as recommended (in group `gid`, with the pairs it lacks), and its plan."""
    need_pairs = _needs_pairs(spec)
    pair_cidrs = [spec.pod_cidr] if need_pairs else []
    service_pairs = [spec.service_cidr] if need_pairs and spec.service_pair else []
    planned: dict[str, Port] = {}
    plans: list[PortPlan] = []
    for n in spec.nodes:
        port = current[n.name]
        existing = cloud.ports.get(n.name)
        have = [p.ip_address for p in port.allowed_address_pairs]
        add = [c for c in (*pair_cidrs, *service_pairs) if not any(net_within(c, h) for h in have)]
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
        subnet = subnet_for(cloud, n.ip)
        plans.append(
            PortPlan(
                node=n.name,
                ip=str(n.ip),
                subnet_id=subnet.id,
                subnet_name=subnet.name or subnet.id,
                existing=existing,
                pairs=tuple(str(c) for c in add),
                not_for_traffic=tuple(str(c) for c in add if c in service_pairs),
                control_plane=n.control_plane,
            )
        )
    return planned, plans


def _router_routes(spec: PreflightSpec, cloud: PlannedCloud) -> tuple[list[Router], list[Route]]:
    """The routers, the first with a route back to each node's pods when natOutgoing is off."""
    routers = list(cloud.routers)
    if spec.nat_outgoing or not routers:
        return routers, []
    node_cidrs = node_pod_cidrs(spec)
    blocks = node_blocks(spec, node_cidrs) if spec.cni == "calico" else node_cidrs
    routes = [Route(str(b), str(n.ip)) for b, n in zip(blocks, spec.nodes, strict=True)]
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


def _notes(
    spec: PreflightSpec, *, has_router: bool, net_mtu: int, overhead: int, kind: str
) -> list[str]:
    """What the operator should know beyond the rules and ports: routes, pairs, the pod MTU."""
    notes: list[str] = []
    if not spec.nat_outgoing and has_router:
        notes.append(Msg("preflight.note.nat-off"))
    if not _needs_pairs(spec):
        notes.append(Msg("preflight.note.no-pairs"))
    if spec.pod_mtu is None:
        recommended = net_mtu - overhead
        notes.append(
            Msg(
                "preflight.note.mtu",
                mtu=recommended,
                net=net_mtu,
                overhead=overhead,
                kind=kind,
            )
        )
    return notes


def nodes_from_ports(
    openstack: OpenStack, network_id: str, control_planes: int
) -> tuple[PlannedNode, ...]:
    """The VM ports of a network as planned nodes (sorted by name), the first N control planes."""
    ports = sorted(
        (
            p
            for p in openstack.ports or ()
            if p.network_id == network_id and p.device_owner.startswith("compute:") and p.fixed_ips
        ),
        key=lambda p: p.name or p.id,
    )
    return tuple(
        PlannedNode(p.name or p.id, p.fixed_ips[0].ip_address, i < control_planes)
        for i, p in enumerate(ports)
    )


def planned_nodes(
    specs: tuple[tuple[str, str | None], ...], control_planes: int
) -> Iterator[PlannedNode]:
    """(ip, name) pairs as planned nodes; unnamed ones become node-1, node-2..."""
    for i, (ip_text, name) in enumerate(specs):
        try:
            ip = ipaddress.ip_address(ip_text)
        except ValueError:
            raise PreflightError(
                f"{ip_text!r} is not an IP address", "e.g. --node 10.0.0.11=k8s-cp-1"
            ) from None
        yield PlannedNode(name or f"node-{i + 1}", ip, i < control_planes)


# The names below stay importable from here (the CLI, the report and the tests use them).
__all__ = [
    "BLOCK_PREFIX_V4",
    "CNI_MODES",
    "DEFAULT_GROUP_ID",
    "GROUP_ID",
    "NODE_MASK_V4",
    "PLANNED_NETWORK_ID",
    "PLANNED_ROUTER_ID",
    "NeededRule",
    "PlannedNode",
    "PortPlan",
    "PreflightError",
    "PreflightResult",
    "PreflightSpec",
    "encapsulation_overhead",
    "needed_rules",
    "nodes_from_ports",
    "planned_cluster",
    "planned_nodes",
    "preflight",
    "validate",
]
