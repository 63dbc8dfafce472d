"""net-sg-cni-encap: security groups admit the CNI's encapsulation between nodes."""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.checks._facts import pools_label
from kostack.analyze.checks._sg import NODE_SG_NEEDS, node_traffic_findings
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected, when_pod_addresses
from kostack.analyze.engine.types import Disposition
from kostack.analyze.findings import RULE_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.protocols import protocol_label

ID = "net-sg-cni-encap"
TITLE = "Security groups admit the CNI's encapsulation (IPIP, VXLAN, Geneve) between nodes"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = NODE_SG_NEEDS
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "sg-encap": Kind.ROOT | Kind.PORT | Kind.SG_LESSON | Kind.POD_TRAFFIC
}
CAUSE = "sg-encap"

register(
    {
        f"{ID}.what": {"en": "{kind} encapsulation", "ko": "{kind} 캡슐화"},
        f"{ID}.what-v6": {"en": "{kind} encapsulation over IPv6", "ko": "IPv6 위의 {kind} 캡슐화"},
        f"{ID}.what-pools": {
            "en": "{what} of {pools}",
            "ko": "{pools}의 {what}",
        },
        f"{ID}.subject": {"en": "the CNI's encapsulation", "ko": "CNI 캡슐화"},
        f"{ID}.na": {
            "en": "The CNI does not encapsulate traffic between any pair of these nodes, so no "
            "encapsulation rule is needed.",
            "ko": "이 노드들 사이에서는 CNI가 트래픽을 캡슐화하지 않으므로 캡슐화 규칙이 필요 없습니다.",
        },
        f"{ID}.fail-family": {
            "en": "{works} works, {family} pod traffic is dropped: {family} pods' {kind} runs between "
            "the nodes' {family} addresses, and the security groups admit it over {works} only. "
            "{message}",
            "ko": "{works:은/는} 정상이지만 {family} Pod 트래픽은 차단됩니다: {family} Pod의 {kind:은/는} 노드의 "
            "{family} 주소 사이에서 전달되는데, 보안 그룹은 {works}에서만 이를 허용합니다. {message}",
        },
    }
)

# (kind, IP protocol, port, pods' family or None for the primary, underlay family or None)
Tunnel = tuple[str, int, int | None, int | None, int | None]


@when_collected(ID, SEVERITY, NEEDS)
@when_pod_addresses(ID, SEVERITY)
def run(ctx: CheckContext) -> list[Finding]:
    """Per tunnel and per family: an IPv6 pool's VXLAN runs between the nodes' IPv6 addresses
    and needs its own rule of ethertype IPv6 (docs/facts.md, "Encapsulation over IPv6")."""
    flows = ctx.flows
    tunnels: dict[Tunnel, None] = {}
    unknown: list[str] = []
    # several Calico pools: the pools whose pods each tunnel carries traffic to, to name them
    pools: dict[tuple[object, ...], set[str]] = {}
    several = bool(flows.multi_pool_versions)
    node_families = {e.ip.version for e in flows.nodes}
    for v in flows.versions:
        primary = v == flows.versions[0]
        decisions = flows.decisions if primary else flows.decisions_of(flows.pods_of(v))
        for _s, tgt, decision in decisions:
            if decision.hop.disposition == Disposition.UNKNOWN:
                unknown.append(decision.hop.detail)
            elif decision.encap is not None:
                under = decision.underlay
                primary_under = under is None or node_families <= {under}
                if several:
                    pool = ctx.topo.pool_for(tgt.ip)  # a tunnel's target is in a pool
                    pools.setdefault(
                        (
                            decision.encap,
                            decision.proto,
                            decision.port,
                            None if primary_under else under,
                        ),
                        set(),
                    ).update([str(pool.cidr)] if pool is not None else [])
                tunnels.setdefault(
                    (
                        decision.encap,
                        decision.proto,
                        decision.port,
                        None if primary else v,
                        None if primary_under else under,
                    ),
                    None,
                )
    # one judgement per (tunnel, underlay): pods of two families in one tunnel over one
    # family are one rule
    judged: dict[tuple[object, ...], Tunnel] = {}
    for t in tunnels:
        judged.setdefault((t[0], t[1], t[2], t[4]), t)
    results = {
        t: _findings(ctx, t, sorted(pools.get((t[0], t[1], t[2], t[4]), ())))
        for t in judged.values()
    }
    out: list[Finding] = []
    for t, found in results.items():
        out.extend(_say_family(ctx, t, found, results))
    if unknown and not out:
        out.append(
            SAY.cluster(
                ctx,
                Status.UNKNOWN,
                Msg("common.undecided", what=Msg(f"{ID}.subject"), why=unknown[0]),
                (unknown[0],),
            )
        )
    if not tunnels and not unknown:
        out.append(SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.na")))
    return out


def _findings(ctx: CheckContext, t: Tunnel, pools: list[str]) -> list[Finding]:
    """One tunnel's findings; ``pools``: the pools it carries to (several pools only)."""
    kind, proto, port, family, under = t
    what = Msg(f"{ID}.what-v6" if under == 6 else f"{ID}.what", kind=kind)
    if pools:
        what = Msg(f"{ID}.what-pools", what=what, pools=pools_label(pools))
    return node_traffic_findings(
        ctx,
        SAY,
        what,
        protocol_label(proto),
        port,
        "all",
        CAUSE,
        result=ctx.flows.encapsulated(kind, proto, port, family, under),
        family=under,
    )


def _say_family(
    ctx: CheckContext, t: Tunnel, found: list[Finding], results: dict[Tunnel, list[Finding]]
) -> list[Finding]:
    """A tunnel over one family that fails while the same tunnel over the other passes says
    which family works and which breaks."""
    if t[4] is None or not any(f.status == Status.FAIL for f in found):
        return found
    other = next(
        (fs for o, fs in results.items() if o[:3] == t[:3] and o[4] is None and o is not t), None
    )
    if not other or any(f.status != Status.PASS for f in other):
        return found
    fam = f"IPv{t[4]}"
    works = f"IPv{4 if t[4] == 6 else 6}"
    return [
        replace(
            f,
            message=Msg(f"{ID}.fail-family", works=works, family=fam, kind=t[0], message=f.message),
        )
        if f.status == Status.FAIL
        else f
        for f in found
    ]
