"""net-sg-ipip-proto: IPIP is admitted as IP protocol 4, not as TCP or UDP port 4.

A common hand-written mistake (`--protocol tcp --dst-port 4`): IPIP has no
ports; Neutron matches it only by `--protocol 4` (or `ipip`, the same rule).
"""

from __future__ import annotations

from collections import defaultdict

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks.base import CheckContext, Kind, Says, view_ports, when_collected
from kostack.analyze.engine.calico_moved import calico_view
from kostack.analyze.findings import RULE_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.protocols import protocol_number
from kostack.analyze.remedy import rule_remedy
from kostack.analyze.topology import NodeView, short_id
from kostack.model.snapshot import SecurityGroup, SecurityGroupRule

ID = "net-sg-ipip-proto"
TITLE = "Security-group rules for IPIP use IP protocol 4, not TCP or UDP port 4"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = ("openstack.ports", "openstack.security_groups", "cluster.cni", "node_ports")
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "sg-encap": Kind.ROOT | Kind.PORT | Kind.SG_LESSON | Kind.POD_TRAFFIC
}

register(
    {
        f"{ID}.fail": {
            "en": "Rule {rule} in group {group} admits {proto} port 4, which is not IPIP: IPIP is IP "
            "protocol 4 and has no ports, so the CNI's IPIP packets between {nodes} still match "
            "no rule. Write it as --protocol 4 (ipip).",
            "ko": "그룹 {group}의 규칙 {rule:은/는} {proto} 포트 4를 허용하는데, 이는 IPIP가 아닙니다: IPIP는 "
            "포트가 없는 IP 프로토콜 4이므로 {nodes} 사이의 CNI IPIP 패킷은 여전히 어떤 규칙과도 "
            "맞지 않습니다. --protocol 4(ipip)로 작성하세요.",
        },
        f"{ID}.unused": {
            "en": "Rule {rule} in group {group} admits {proto} port 4 (IPIP written as a port?), but "
            "the CNI does not use IPIP here.",
            "ko": "그룹 {group}의 규칙 {rule:은/는} {proto} 포트 4를 허용합니다 (IPIP를 포트로 적은 것?). "
            "다만 이 클러스터의 CNI는 IPIP를 쓰지 않습니다.",
        },
        f"{ID}.reason": {
            "en": "admit IPIP (IP protocol 4) as rule {rule} meant to",
            "ko": "규칙 {rule:이/가} 의도한 대로 IPIP(IP 프로토콜 4) 허용",
        },
        f"{ID}.pass": {
            "en": "No security-group rule on the node ports writes IPIP as TCP or UDP port 4.",
            "ko": "노드 포트의 보안 그룹 규칙 중 IPIP를 TCP/UDP 포트 4로 적은 것이 없습니다.",
        },
        f"{ID}.na": {
            "en": "The CNI does not use IPIP here, and no rule writes it as TCP or UDP port 4.",
            "ko": "이 클러스터의 CNI는 IPIP를 쓰지 않으며, IPIP를 TCP/UDP 포트 4로 적은 규칙도 없습니다.",
        },
    }
)


def uses_ipip(ctx: CheckContext) -> bool:
    cl = ctx.snapshot.cluster
    if cl is None:
        return False
    if cl.cni.type == "calico":
        return any(p.ipip_mode != "Never" and not p.disabled for p in ctx.topo.calico_pools)
    kr = cl.cni.kube_router if cl.cni.type == "kube-router" else None
    if kr is not None:
        # kube-router's IPIP tunnels: to every node (--overlay-type=full), else to nodes of
        # another subnet (engine/encap.py); a subnet not known counts as another
        if not (kr.run_router and kr.enable_overlay and kr.overlay_encap == "ipip"):
            return False
        views = ctx.topo.node_views.values()
        subnets = {v.subnet.id if v.subnet is not None else None for v in views}
        return kr.overlay_type != "subnet" or len(subnets) > 1 or None in subnets
    return (
        cl.cni.type == "flannel"
        and cl.cni.flannel is not None
        and (cl.cni.flannel.backend_type == "ipip")
    )


def port4(rule: SecurityGroupRule) -> bool:
    return (
        rule.port_range_min == 4
        and rule.direction == "ingress"
        and rule.port_range_max in (None, 4)
        and protocol_number(rule.protocol) in (6, 17)
    )


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    # each group's rules are read once, whatever the number of ports in it
    port4_rules: dict[str, list[str]] = {
        gid: [r.id for r in grp.rules if port4(r)] for gid, grp in ctx.topo.groups.items()
    }
    by_rule: dict[tuple[str, str], list[NodeView]] = defaultdict(list)
    for node in ctx.topo.node_views.values():
        view = calico_view(ctx.topo, node)  # IPIP runs between Calico's addresses' ports
        for gid in view.port.security_group_ids if view.port else ():
            for rule_id in port4_rules.get(gid, ()):
                by_rule[(gid, rule_id)].append(view)
    ipip = uses_ipip(ctx)
    if not by_rule:
        # without IPIP there is nothing to write right: no PASS, which "Also checked" would list
        status, key = (Status.PASS, "pass") if ipip else (Status.NOT_APPLICABLE, "na")
        return [SAY.cluster(ctx, status, Msg(f"{ID}.{key}"))]
    out = []
    for (gid, rule_id), views in by_rule.items():
        grp = ctx.topo.groups[gid]
        rule = next(r for r in grp.rules if r.id == rule_id)
        params = dict(
            rule=short_id(rule.id),
            group=grp.name or grp.id,
            proto=(rule.protocol or "").upper(),
            nodes=nodes_label([v.name for v in views]),
        )
        evidence = (
            f"security_group_rule {rule.id} protocol={rule.protocol} "
            f"port_range={rule.port_range_min}:{rule.port_range_max}",
        )
        if not ipip:
            out.append(
                SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.unused", **params), evidence)
            )
            continue
        out.append(
            SAY.cluster(
                ctx,
                Status.FAIL,
                Msg(f"{ID}.fail", **params),
                evidence,
                (_remedy(grp, rule),),
                cause="sg-encap",
                affected=view_ports(ctx, views),
                nodes=tuple(v.name for v in views),
                key=(gid, rule_id),
            )
        )
    return out


def _remedy(grp: SecurityGroup, rule: SecurityGroupRule) -> Remedy:
    """The same rule, as IP protocol 4 from the same remote."""
    return rule_remedy(
        grp,
        protocol="ipip",
        remote_group=rule.remote_group_id,
        remote_prefix=str(rule.remote_ip_prefix) if rule.remote_ip_prefix is not None else None,
        reason=Msg(f"{ID}.reason", rule=short_id(rule.id)),
        cause="sg-encap",
        description="kostack: IPIP (IP protocol 4)",
    )
