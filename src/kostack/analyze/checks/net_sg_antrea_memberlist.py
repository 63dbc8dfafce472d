"""net-sg-antrea-memberlist: security groups admit Antrea's memberlist (TCP and UDP
clusterPort, 10351) between nodes when Egress or Service external IPs rely on it.

The antrea-agents form a memberlist cluster (hashicorp/memberlist, TCP and UDP on
``clusterPort``) whenever the Egress or ServiceExternalIP feature is on; each agent hashes an
ExternalIPPool's IPs over the pool's nodes it sees alive, so all of them agree on who holds
each IP and who takes it over (docs/facts.md "Antrea's memberlist"). A node that cannot reach
the others counts them dead and claims their IPs too: the same egress or Service external IP
on several nodes (Antrea's docs/egress.md says so of a partitioned cluster). Pod traffic does
not use it, so a drop is no outage of the pod network; the cause is its own root cause
(`antrea-memberlist`) and the fix is the rules. Judged only when something uses it: an Egress
allocating from an ExternalIPPool, or a LoadBalancer Service taking its IP from one.
"""

from __future__ import annotations

from dataclasses import replace

from kostack.analyze.checks._sg import NODE_SG_NEEDS, node_traffic_findings
from kostack.analyze.checks._vips import antrea_announced
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.findings import RULE_OP, Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.model.cni import Antrea
from kostack.model.snapshot import Cluster

ID = "net-sg-antrea-memberlist"
TITLE = (
    "Security groups admit Antrea's memberlist (TCP and UDP 10351) between nodes when Egress or "
    "Service external IPs use it"
)
SEVERITY = Severity.MEDIUM
SAY = Says(ID, SEVERITY)
CAUSE = "antrea-memberlist"
SEVERITY_NOTE = (
    "medium: pod traffic does not use the memberlist, but without it the agents cannot agree "
    "on which node holds each egress or Service external IP: several claim the same one, so "
    "the pods behind an Egress and the Services' external IPs break off and on, and no node "
    "takes an IP over cleanly when its node fails."
)
NEEDS = NODE_SG_NEEDS
REMEDIES: frozenset[str] = frozenset({RULE_OP})
CAUSE_KINDS: dict[str, Kind] = {CAUSE: Kind.ROOT | Kind.PORT | Kind.SG_LESSON}

register(
    {
        f"{ID}.what": {"en": "Antrea memberlist", "ko": "Antrea memberlist"},
        f"{ID}.not-antrea": {
            "en": "The CNI is not Antrea: no memberlist.",
            "ko": "CNI가 Antrea가 아니므로 memberlist가 없습니다.",
        },
        f"{ID}.unread": {
            "en": "Cannot decide: Antrea's settings (antrea-agent.conf) or its clusterPort were "
            "not read.",
            "ko": "판단할 수 없음: Antrea 설정(antrea-agent.conf)이나 그 clusterPort를 읽지 "
            "못했습니다.",
        },
        f"{ID}.unused": {
            "en": "No Egress allocates from an ExternalIPPool and no LoadBalancer Service takes "
            "its IP from one: Antrea's memberlist decides nothing here.",
            "ko": "ExternalIPPool에서 IP를 받는 Egress도, ExternalIPPool에서 IP를 받는 "
            "LoadBalancer 서비스도 없으므로 Antrea memberlist가 결정하는 것이 없습니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide whether anything uses Antrea's memberlist: {why}.",
            "ko": "Antrea memberlist를 쓰는 것이 있는지 판단할 수 없음: {why}.",
        },
        f"{ID}.why.egresses": {
            "en": "the Egresses were not read",
            "ko": "Egress 목록을 읽지 못했습니다",
        },
        f"{ID}.why.pools": {
            "en": "LoadBalancer Services name ExternalIPPools that were not read",
            "ko": "LoadBalancer 서비스가 가리키는 ExternalIPPool을 읽지 못했습니다",
        },
        f"{ID}.warn": {
            "en": "{message} Antrea's agents then count those nodes dead: several nodes may "
            "claim the same egress or Service external IP, and none takes one over cleanly when "
            "its node fails.",
            "ko": "{message} 그러면 Antrea 에이전트가 그 노드들을 죽은 것으로 보아, 여러 노드가 같은 "
            "egress IP나 서비스 외부 IP를 가질 수 있고 노드가 죽어도 IP를 제대로 넘겨받지 못합니다.",
        },
    }
)


def _egress_use(cl: Cluster, antrea: Antrea) -> bool | None:
    """An Egress allocates from an ExternalIPPool while the Egress feature may run (gate not
    off, an encap or hybrid mode: cmd/antrea-agent/options.go); None: not known."""
    if antrea.egress is False or antrea.traffic_encap_mode in ("noEncap", "networkPolicyOnly"):
        return False
    egress = cl.egress_ips
    if egress is None or egress.egresses is None:
        return None
    return any(e.pools for e in egress.egresses)


def _in_use(ctx: CheckContext, cl: Cluster, antrea: Antrea) -> bool | str:
    """True when an Egress or a Service external IP relies on the memberlist, False when
    nothing does, else why that is not known (a message)."""
    egress = _egress_use(cl, antrea)
    services = antrea_announced(ctx.snapshot)
    if egress or services.announced or services.undecided:
        return True
    if egress is None:
        return Msg(f"{ID}.why.egresses")
    if services.unread:
        return Msg(f"{ID}.why.pools")
    return False


def _family(ctx: CheckContext) -> int | None:
    """The memberlist's family: a node's IPv4 address when it has one, else its IPv6
    (pkg/agent/memberlist/cluster.go ``newClusterMember``), so IPv4 on a dual stack whose
    nodes list their IPv6 address first (None: the nodes' primary addresses)."""
    nodes = ctx.flows.nodes
    if nodes and nodes[0].ip.version == 6 and ctx.flows.nodes_of(4):
        return 4
    return None


@SAY.only_for("antrea", f"{ID}.not-antrea")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    cl = ctx.snapshot.cluster
    if cl is None or cl.cni.type != "antrea":
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.not-antrea"))]
    antrea = cl.cni.antrea
    if antrea is None or antrea.cluster_port is None:  # not read, or not a port
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unread"))]
    use = _in_use(ctx, cl, antrea)
    if use is False:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.unused"))]
    if use is not True:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unknown", why=use))]
    port = antrea.cluster_port
    what = Msg(f"{ID}.what")
    family = _family(ctx)
    out: list[Finding] = []
    for protocol in ("tcp", "udp"):
        out += node_traffic_findings(ctx, SAY, what, protocol, port, "all", CAUSE, family=family)
    return [
        replace(f, message=Msg(f"{ID}.warn", message=f.message)) if f.status == Status.FAIL else f
        for f in out
    ]
