"""Shared logic of the security-group checks: is node-to-node traffic X admitted?"""

from __future__ import annotations

from kostack.analyze.checks._facts import FactView
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.engine.calico_moved import calico_views
from kostack.analyze.engine.family_records import FamilyResult
from kostack.analyze.findings import Finding, Remedy, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.protocols import protocol_label, protocol_number
from kostack.analyze.remedy import rule_remedy, shared_group
from kostack.analyze.topology import NodeView
from kostack.model.cni import Calico
from kostack.model.snapshot import SecurityGroup

register(
    {
        "sg.pass": {
            "en": "Security groups admit {what} ({label}) between nodes ({total} node pairs checked).",
            "ko": "보안 그룹이 노드 간 {what}({label}) 트래픽을 허용합니다 (노드 쌍 {total}개 확인).",
        },
        "sg.fail-dst": {
            "en": "The ingress rules of {dst} drop {what} ({label}) from {src} ({n} node {n:pair/pairs}): "
            "{detail}.",
            "ko": "{dst}의 ingress 규칙이 {src}에서 오는 {what}({label}) 트래픽을 차단합니다 (노드 쌍 "
            "{n}개): {detail}.",
        },
        "sg.fail-src": {
            "en": "The egress rules of {src} drop {what} ({label}) to {dst} ({n} node {n:pair/pairs}): {detail}.",
            "ko": "{src}의 egress 규칙이 {dst:으로/로} 가는 {what}({label}) 트래픽을 차단합니다 (노드 쌍 "
            "{n}개): {detail}.",
        },
        "sg.fail-path": {
            "en": "{what} ({label}) from {src} to {dst} fails ({n} node {n:pair/pairs}): {detail}.",
            "ko": "{src}에서 {dst:으로/로} 가는 {what}({label}) 트래픽이 실패합니다 (노드 쌍 {n}개): {detail}.",
        },
        "sg.reason": {
            "en": "admit {what} ({label}) between the cluster's nodes",
            "ko": "클러스터 노드 간 {what}({label}) 트래픽 허용",
        },
        "sg.unknown": {
            "en": "Cannot decide whether {what} ({label}) from {src} to {dst} is admitted ({n} node "
            "{n:pair/pairs}): {detail}.",
            "ko": "{src}에서 {dst:으로/로} 가는 {what}({label}) 트래픽의 허용 여부를 판단할 수 없습니다 (노드 "
            "쌍 {n}개): {detail}.",
        },
    }
)


def traffic_label(protocol: str, port: int | None, port_max: int | None = None) -> str:
    proto = protocol_number(protocol)
    name = protocol_label(proto) if isinstance(proto, int) else protocol
    if port is None:
        return name
    return f"{name} {port}" + (f"-{port_max}" if port_max else "")


def rule_remedies(
    ctx: CheckContext,
    views: list[NodeView],
    *,
    protocol: str | None,
    port: int | None,
    port_max: int | None,
    reason: str,
    cause: str,
    description: str,
    remote_prefixes: tuple[str, ...] = (),
    sources: list[NodeView] | None = None,
    family: int | None = None,
    direction: str = "ingress",
) -> tuple[Remedy, ...]:
    """Ingress rules that admit the traffic on ``views``' ports (the targets), or egress rules
    on them (the senders; ``sources`` is then the far end) with ``direction`` egress. Into the
    group every node port shares, from its members, when there is one. Else into each target
    port's own group, from the groups of the ``sources`` when they are few (kubelet from the
    control plane's group), else from the node subnets. ``remote_prefixes`` (the pod CIDR)
    win. ``family``: rules of ethertype IPv6 from the nodes' IPv6 subnets (6), or the default
    (None: the node subnets' family, IPv4 for a group). For Calico's own traffic (``views``
    as engine/calico_moved.py `calico_views` gives them) the nodes are those views: their
    ports, groups and subnets."""
    calico = calico_views(ctx.topo)
    nodes = list(ctx.topo.node_views.values())
    if any(calico.get(v.name) is v for v in views):
        nodes = [calico.get(n.name, n) for n in nodes]
    shared = shared_group(ctx.topo, [v.port for v in nodes if v.port is not None])
    if shared is not None:
        groups = [shared]
    else:
        found: dict[str, SecurityGroup] = {}
        for v in views:
            if v.port is not None and v.port.security_group_ids:
                grp = ctx.topo.groups.get(v.port.security_group_ids[-1])
                if grp is not None:
                    found.setdefault(grp.id, grp)
        groups = list(found.values())
    remote_groups: list[str] = []
    if shared is not None:
        remote_groups = [shared.id]
    elif sources is not None:
        src_groups = {
            v.port.security_group_ids[-1]
            for v in sources
            if v.port is not None and v.port.security_group_ids
        }
        if 0 < len(src_groups) <= 4:
            remote_groups = sorted(src_groups)
    subnets = _subnets(ctx, nodes, family)
    remotes: list[tuple[str | None, str | None]] = (
        [(None, p) for p in remote_prefixes]
        or [(g, None) for g in remote_groups]
        or [(None, c) for c in subnets]
    )
    return tuple(
        rule_remedy(
            grp,
            protocol=protocol,
            port=port,
            port_max=port_max,
            remote_group=remote_group,
            remote_prefix=prefix,
            reason=reason,
            cause=cause,
            description=description,
            ethertype=None if family is None else f"IPv{family}",
            direction=direction,
        )
        for grp in groups
        for remote_group, prefix in remotes
    )


def _subnets(ctx: CheckContext, nodes: list[NodeView], family: int | None) -> list[str]:
    """The CIDRs of ``nodes``' subnets of ``family`` (None: their own subnets')."""
    if family is None or family == 4:
        return sorted({str(v.subnet.cidr) for v in nodes if v.subnet})
    return sorted(
        {
            str(sn.cidr)
            for v in nodes
            for a in v.ips
            if a.version == family
            for sn in (ctx.topo.subnet_of(a),)
            if sn is not None
        }
    )


def node_traffic_findings(
    ctx: CheckContext,
    say: Says,
    what: str,
    protocol: str,
    port: int | None,
    scope: str,
    cause: str,
    *,
    port_max: int | None = None,
    result: FamilyResult | None = None,
    family: int | None = None,
    clients: bool = False,
) -> list[Finding]:
    """Findings for node-sourced ``protocol``/``port`` traffic between nodes (``scope``);
    ``family``: the rules a fix proposes are of that ethertype (`rule_remedies`);
    ``clients``: the pods a failing pair breaks are on its source only (a node agent that
    connects to a server elsewhere: Felix to Typha), not on either end. A short
    range (etcd's 2379-2380) is judged port by port: a rule for 2379 admits no 2380; when
    every port is dropped, one finding and one rule for the range."""
    if result is None and port is not None and port_max is not None and 0 < port_max - port < 8:
        each = [
            node_traffic_findings(ctx, say, what, protocol, p, scope, cause, family=family)
            for p in range(port, port_max + 1)
        ]
        failing = [[f for f in fs if f.status != Status.PASS] for fs in each]
        if any(failing) and not all(failing):  # some ports only: those, with their rules
            return [f for fs in failing for f in fs]
        if not any(failing):
            if not any(each):
                return []
            label = traffic_label(protocol, port, port_max)
            total = ctx.flows.node_to_node(protocol, port, scope, version=family).total
            msg = Msg("sg.pass", what=what, label=label, total=total)
            return [say.cluster(ctx, Status.PASS, msg)]
    result = result or ctx.flows.node_to_node(
        protocol, port, scope, port_max=port_max, version=family
    )
    label = traffic_label(protocol, port, port_max)
    facts = result.facts[ctx.world]
    if not facts:
        if result.total == 0:
            return []
        return [
            say.cluster(
                ctx, Status.PASS, Msg("sg.pass", what=what, label=label, total=result.total)
            )
        ]
    out: list[Finding] = []
    views = [FactView(ctx, result, fact) for fact in facts]
    # the nodes of the undecided pairs: a pod there may be broken too (scope.py)
    needing = _sources if clients else FactView.end_names
    doubt = sorted({n for fv in views if fv.status == Status.UNKNOWN for n in needing(fv)})
    for fv in views:
        fact = fv.fact
        params = dict(what=what, label=label, **fv.words())
        remedies: tuple[Remedy, ...] = ()
        if fv.status == Status.UNKNOWN:
            message = Msg("sg.unknown", **params)
        else:
            message = Msg(f"sg.fail-{fv.side}", **params)
            if fv.side in ("dst", "src"):
                rule = (protocol, port, port_max)
                remedies = _side_rules(ctx, fv, rule, what, label, cause, family)
        # the pods a failing pair breaks run on either end, or on its clients' nodes
        # (scope.py: Kind.SOME_NODES)
        ends: dict[str, object] = {}
        if fv.status == Status.FAIL:
            named = routes_cover(fv) if cause == ROUTES_CAUSE else needing(fv)
            ends = {"pod_nodes": named, "undecided_nodes": tuple(doubt)}
        counts = (("node_pairs", fact.pairs),)
        out.append(fv.finding(say, message, remedies, cause=cause, counts=counts, extra=ends))
    return out


ROUTES_CAUSE = "bgp-blocked"  # a lost session loses the routes between its two ends' pods


def routes_cover(fv: FactView) -> tuple[str, ...]:
    """The nodes of the smaller end of a fact's dropped sessions: every pair has an end there,
    and a session's loss breaks only flows between pods at its two ends, so a pod flow whose
    ends are both elsewhere keeps its route (scope.py: Kind.SOME_NODES). One pass over the
    fact's ends: the classes' nodes, never their pairs."""
    sources, targets = _sources(fv), tuple(sorted({e.name for e in fv.targets}))
    return sources if len(sources) <= len(targets) else targets


def _sources(fv: FactView) -> tuple[str, ...]:
    """The nodes at the source end of the fact's pairs, sorted."""
    return tuple(sorted({e.name for e in fv.sources}))


def _side_rules(
    ctx: CheckContext,
    fv: FactView,
    rule: tuple[str, int | None, int | None],
    what: str,
    label: str,
    cause: str,
    family: int | None,
) -> tuple[Remedy, ...]:
    """An ingress rule on the receivers (a drop at ``dst``), or an egress rule on the senders
    (at ``src``: their group's egress rules were removed); ``rule``: protocol and ports."""
    targets = [e.view for e in fv.targets if e.view is not None]
    sources = [e.view for e in fv.sources if e.view is not None]
    ingress = fv.side == "dst"
    protocol, port, port_max = rule
    return rule_remedies(
        ctx,
        targets if ingress else sources,
        sources=sources if ingress else targets,
        protocol=protocol,
        port=port,
        port_max=port_max,
        reason=Msg("sg.reason", what=what, label=label),
        cause=cause,
        description=f"kostack: {what}",
        family=family,
        direction="ingress" if ingress else "egress",
    )


NODE_SG_NEEDS = (
    "openstack.ports",
    "openstack.security_groups",
    "cluster.nodes",
    "cluster.cni",
    "node_ports",
)
"""What the checks of traffic between node ports read (net-sg-cni-encap,
net-sg-pod-source-ingress, and the Calico features net-sg-bgp, net-sg-typha)."""


def calico_of(ctx: CheckContext) -> Calico | None:
    """The cluster's Calico settings as collected (None without a cluster)."""
    cl = ctx.snapshot.cluster
    return cl.cni.calico if cl else None


def calico_feature_findings(
    ctx: CheckContext,
    say: Says,
    enabled: bool | None,
    port: int,
    cause: str = "sg-node",
    *,
    what: str | None = None,
    result: FamilyResult | None = None,
    clients: bool = False,
) -> list[Finding]:
    """Node traffic on ``port`` that a Calico feature (BGP, Typha) needs when it is on
    (``what``, ``result``, ``clients``: as `node_traffic_findings` takes them).

    Messages come from ``<say.check_id>.not-calico|.unknown|.off|.what``. A
    feature whose state was not collected but can be enumerated is judged in
    the world's case (engine/cases.py).
    """
    cl = ctx.snapshot.cluster
    check_id = say.check_id
    if cl is None or cl.cni.type != "calico":
        return [say.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{check_id}.not-calico"))]
    if enabled is None:
        return [say.cluster(ctx, Status.UNKNOWN, Msg(f"{check_id}.unknown"))]
    if not enabled:
        return [say.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{check_id}.off"))]
    what = what or Msg(f"{check_id}.what")
    return node_traffic_findings(
        ctx, say, what, "tcp", port, "all", cause, result=result, clients=clients
    )
