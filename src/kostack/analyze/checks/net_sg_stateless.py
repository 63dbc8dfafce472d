"""net-sg-stateless: stateless security groups admit the replies of the cluster's connections.

A stateless group (``stateful: false``) keeps no connection state, so the reply of every
admitted connection is filtered like any packet (engine/stateless.py): the server port's
egress rules and the client port's ingress rules must admit it, to the client's ephemeral
ports 32768-60999. Judged for TCP and UDP replies of pods to pods, nodes to nodes and both
to the outside, each a family of flows judged on its reply hops only.
"""

from __future__ import annotations

import json

from kostack.analyze.checks._facts import FactView
from kostack.analyze.checks._sg import NODE_SG_NEEDS, rule_remedies
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.engine.family_records import End, FamilyResult
from kostack.analyze.engine.judging import Constant
from kostack.analyze.engine.stateless import CAUSE, EPHEMERAL, REPLY_STEPS, coverage, stateless
from kostack.analyze.engine.stateless import fully_random_switched_off as switched_off
from kostack.analyze.findings import MANUAL_OP, RULE_OP, Finding, Remedy, Severity, Status
from kostack.analyze.flows import POD_PORT
from kostack.analyze.messages import Msg, register
from kostack.shell import render

ID = "net-sg-stateless"
TITLE = "Stateless security groups admit the replies of the cluster's connections"
SEVERITY = Severity.CRITICAL
SAY = Says(ID, SEVERITY)
NEEDS = NODE_SG_NEEDS
REMEDIES: frozenset[str] = frozenset({RULE_OP, MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "sg-stateless": Kind.ROOT | Kind.PORT | Kind.POD_TRAFFIC | Kind.SG_LESSON
}
KINDS = ("pods", "nodes", "pods-out", "nodes-out")  # who talks to whom, in that order

register(
    {
        f"{ID}.pass": {
            "en": "Node ports have stateless security groups ({groups}), and their rules admit the "
            "TCP and UDP replies of the cluster's connections ({total} flows checked).",
            "ko": "노드 포트에 상태 비저장 보안 그룹({groups})이 있고, 그 규칙이 클러스터 연결의 TCP/UDP "
            "응답을 허용합니다 (흐름 {total}개 확인).",
        },
        f"{ID}.kind.pods": {"en": "pods to pods", "ko": "Pod에서 Pod로"},
        f"{ID}.kind.nodes": {"en": "nodes to nodes", "ko": "노드에서 노드로"},
        f"{ID}.kind.pods-out": {
            "en": "pods to the outside",
            "ko": "Pod에서 클러스터 외부로",
        },
        f"{ID}.kind.nodes-out": {
            "en": "nodes to the outside",
            "ko": "노드에서 클러스터 외부로",
        },
        f"{ID}.fail": {
            "en": "{proto} replies of connections from {kind} are dropped: {detail} ({src} -> "
            "{dst}, {n} {n:flow/flows}). A stateless security group keeps no connection state, "
            "so the replies to the clients' ephemeral ports {lo}-{hi} need {direction} rules of "
            "their own.",
            "ko": "{kind} 가는 연결의 {proto} 응답이 차단됩니다: {detail} ({src} -> {dst}, 흐름 "
            "{n}개). 상태 비저장 보안 그룹은 연결 상태를 기억하지 않으므로 클라이언트의 임시 포트 "
            "{lo}-{hi:으로/로} 가는 응답에도 {direction} 규칙이 따로 필요합니다.",
        },
        f"{ID}.fail-nat": {
            "en": "{proto} replies of connections from {kind} are dropped: {detail} ({src} -> "
            "{dst}, {n} {n:flow/flows}). A stateless security group keeps no connection state, "
            "and the CNI masquerades these connections with --random-fully, so their replies "
            "go to any port {lo}-{hi} of the node and need {direction} rules of their own.",
            "ko": "{kind} 가는 연결의 {proto} 응답이 차단됩니다: {detail} ({src} -> {dst}, 흐름 "
            "{n}개). 상태 비저장 보안 그룹은 연결 상태를 기억하지 않고, CNI가 이 연결을 "
            "--random-fully로 마스커레이드하므로 응답이 노드의 포트 {lo}-{hi} 중 아무 곳으로나 "
            "가서 {direction} 규칙이 따로 필요합니다.",
        },
        f"{ID}.felix": {
            "en": "turn off natOutgoing's --random-fully (FelixConfiguration featureDetectOverride "
            "MASQFullyRandom=false): masquerade then keeps the pod's source port, {lo}-{hi}, "
            "unless two connections clash; admitting ports {nlo}-{nhi} from anywhere instead "
            "would open every node service on them (kubelet 10250, NodePorts) to the world",
            "ko": "natOutgoing의 --random-fully를 끕니다(FelixConfiguration featureDetectOverride "
            "MASQFullyRandom=false). 그러면 두 연결이 겹치지 않는 한 마스커레이드가 Pod의 출발지 "
            "포트({lo}-{hi})를 유지합니다. 대신 모든 곳에서 포트 {nlo}-{nhi:을/를} 허용하면 그 포트의 "
            "모든 노드 서비스(kubelet 10250, NodePort)가 외부에 열립니다",
        },
        f"{ID}.flannel": {
            "en": "turn off flanneld's --random-fully (--ip-masq-fully-random-disable, set "
            "through its environment; flannel v0.27.4 and later: an older flanneld ignores it, "
            "upgrade first): masquerade then keeps the pod's source port, {lo}-{hi}; ports "
            "{nlo}-{nhi} open to anywhere would expose every node service on them",
            "ko": "flanneld의 --random-fully를 끕니다(--ip-masq-fully-random-disable, 환경 "
            "변수로 설정. flannel v0.27.4 이상: 그 이전 flanneld는 무시하므로 먼저 업그레이드). "
            "그러면 마스커레이드가 Pod의 출발지 포트({lo}-{hi})를 유지합니다. 포트 "
            "{nlo}-{nhi:을/를} 모든 곳에 열면 그 포트의 모든 노드 서비스가 노출됩니다",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide whether the {proto} replies of connections from {kind} pass "
            "({src} -> {dst}, {n} {n:flow/flows}): {detail}.",
            "ko": "{kind} 가는 연결의 {proto} 응답이 통과하는지 판단할 수 없습니다 ({src} -> {dst}, "
            "흐름 {n}개): {detail}.",
        },
        f"{ID}.reason": {
            "en": "admit the {proto} replies to the clients' ephemeral ports {lo}-{hi} "
            "(stateless security group)",
            "ko": "클라이언트의 임시 포트 {lo}-{hi:으로/로} 가는 {proto} 응답 허용(상태 비저장 보안 그룹)",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    topo = ctx.topo
    names = sorted(
        {
            topo.groups[g].name or g
            for v in topo.node_views.values()
            if stateless(topo, v.port) and v.port is not None
            for g in v.port.security_group_ids
            if g in topo.groups
        }
    )
    if not names:
        return []  # silent: what every stateful cloud would print adds nothing
    out: list[Finding] = []
    total = 0
    for proto in ("tcp", "udp"):
        for kind in KINDS:
            result = _replies(ctx, kind, proto)
            if result is None:
                continue
            total += result.total
            for fact in result.facts[ctx.world]:
                fv = FactView(ctx, result, fact)
                if fv.cause == CAUSE or fv.status == Status.UNKNOWN:
                    out.append(_finding(ctx, fv, kind, proto))
    if not out:
        msg = Msg(f"{ID}.pass", groups=", ".join(names), total=total)
        return [SAY.cluster(ctx, Status.PASS, msg)]
    return out


def _replies(ctx: CheckContext, kind: str, proto: str) -> FamilyResult | None:
    """The family of ``kind`` for ``proto``, judged on its reply hops (once for all worlds)."""
    flows = ctx.flows
    cache: dict[tuple[str, str], FamilyResult | None]
    cache = flows.__dict__.setdefault("_stateless_replies", {})
    key = (kind, proto)
    if key not in cache:
        ends: list[End] = flows.pods if kind.startswith("pods") else flows.nodes
        if not ends:
            cache[key] = None
        elif kind.endswith("-out"):
            port = 443 if proto == "tcp" else 53
            cache[key] = flows.families.evaluate(
                ends,
                [flows.outside],
                Constant(proto, port),
                same_node="trace",
                joint=True,
                steps=REPLY_STEPS,
            )
        else:
            port = POD_PORT if kind == "pods" else 10250
            cache[key] = flows.families.evaluate(
                ends, ends, Constant(proto, port), steps=REPLY_STEPS
            )
    return cache[key]


def _finding(ctx: CheckContext, fv: FactView, kind: str, proto: str) -> Finding:
    wire = fv.fact.examples[0].wire
    nat = wire.src_ports if wire is not None else None  # masqueraded (engine/stateless.py)
    lo, hi = nat or EPHEMERAL
    at_client = fv.side == "src"  # the client's ingress, else the server's egress
    direction = "ingress" if at_client else "egress"
    params = dict(
        proto=proto.upper(),
        kind=Msg(f"{ID}.kind.{kind}"),
        src=fv.src_label(),
        dst=fv.dst_label() if not kind.endswith("-out") else str(ctx.flows.outside.ip),
        n=fv.fact.pairs,
        detail=fv.hop.detail,
    )
    remedies: tuple[Remedy, ...] = ()
    if fv.status == Status.UNKNOWN:
        message = Msg(f"{ID}.unknown", **params)
    else:
        key = f"{ID}.fail-nat" if nat else f"{ID}.fail"
        message = Msg(key, **params, lo=lo, hi=hi, direction=direction)
    if fv.cause == CAUSE:
        remedies = _rules(ctx, fv, kind, proto, at_client)
        if nat and at_client and wire is not None:
            view = fv.sources[0].view
            port = view.port if view is not None else None
            if port is not None and coverage(
                ctx.topo, port, "ingress", wire.dst, wire.proto, EPHEMERAL
            )[0] == [EPHEMERAL]:
                remedies = ()  # the ephemeral ports are open already: only Felix's switch
            remedies = (*_felix(ctx, nat), *remedies)
    counts = (("flows", fv.fact.pairs),)
    return fv.finding(
        SAY, message, remedies, cause=CAUSE, counts=counts, key=(kind, proto, *fv.key())
    )


def _rules(
    ctx: CheckContext, fv: FactView, kind: str, proto: str, at_client: bool
) -> tuple[Remedy, ...]:
    """The rule on the side's ports that admits the replies: ingress on the clients from the
    servers' addresses, or egress on the servers to the clients'."""
    lo, hi = EPHEMERAL
    clients = [e.view for e in fv.sources if e.view is not None]
    servers = [e.view for e in fv.targets if e.view is not None]
    version = (fv.sources or fv.targets)[0].ip.version
    if kind.endswith("-out"):
        prefixes: tuple[str, ...] = ("0.0.0.0/0" if version == 4 else "::/0",)
    elif kind == "pods":
        prefixes = tuple(str(c) for c in ctx.topo.pod_cidrs if c.version == version)
    else:
        prefixes = ()
    return rule_remedies(
        ctx,
        clients if at_client else servers,
        sources=servers if at_client else clients,
        protocol=proto,
        port=lo,
        port_max=hi,
        reason=Msg(f"{ID}.reason", proto=proto.upper(), lo=lo, hi=hi),
        cause=CAUSE,
        description=f"kostack: {proto} replies (stateless group)",
        remote_prefixes=prefixes,
        family=None if version == 4 else version,
        direction="ingress" if at_client else "egress",
    )


def _felix(ctx: CheckContext, nat: tuple[int, int]) -> tuple[Remedy, ...]:
    """The switch that keeps masqueraded source ports in the ephemeral range: under Calico
    the FelixConfiguration patch (the entries already in featureDetectOverride kept), under
    flannel flanneld's --ip-masq-fully-random-disable (v0.27.4 and later) through its
    environment, in kube-flannel.yml's DaemonSet (docs/facts.md)."""
    cni = ctx.snapshot.cluster.cni if ctx.snapshot.cluster else None
    lo, hi = EPHEMERAL
    if cni is not None and cni.calico is not None:
        override = switched_off(cni.calico.feature_detect_override)
        spec = json.dumps({"spec": {"featureDetectOverride": override}}, separators=(",", ":"))
        argv = ["kubectl", "patch", "felixconfiguration", "default", "--type", "merge", "-p", spec]
        kind, name, key = "felixconfiguration", "default", f"{ID}.felix"
    elif cni is not None and cni.flannel is not None and cni.flannel.bundle is None:
        # kube-flannel.yml's DaemonSet; inside Canal or k3s flanneld has no such place
        env = "FLANNELD_IP_MASQ_FULLY_RANDOM_DISABLE=true"
        argv = ["kubectl", "-n", "kube-flannel", "set", "env", "daemonset/kube-flannel-ds", env]
        kind, name, key = "daemonset", "kube-flannel-ds", f"{ID}.flannel"
    else:
        return ()
    reason = Msg(key, lo=lo, hi=hi, nlo=nat[0], nhi=nat[1])
    params = (("command", render(argv)),)
    return (Remedy("manual", kind, name, name, params, reason, CAUSE),)
