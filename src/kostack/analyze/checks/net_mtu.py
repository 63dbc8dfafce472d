"""net-mtu: the CNI's MTU fits the tenant network's MTU minus the encapsulation overhead."""

from __future__ import annotations

from kostack.analyze.checks.base import CheckContext, cluster_resource, missing
from kostack.analyze.findings import Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register

ID = "net-mtu"
TITLE = "The pod MTU fits the tenant network MTU minus encapsulation overhead"
SEVERITY = Severity.HIGH
NEEDS = ("openstack.networks", "cluster.nodes", "cluster.cni", "node_ports")

register(
    {
        f"{ID}.no-cni-mtu": {
            "en": "Cannot decide: the CNI's MTU was not collected.",
            "ko": "판단할 수 없음: CNI의 MTU를 수집하지 못했습니다.",
        },
        f"{ID}.no-networks": {
            "en": "Cannot decide: the nodes' networks are not known.",
            "ko": "판단할 수 없음: 노드가 속한 네트워크를 알 수 없습니다.",
        },
        f"{ID}.no-net-mtu": {
            "en": "Cannot decide: the network's mtu field was not collected.",
            "ko": "판단할 수 없음: 네트워크의 mtu 값을 수집하지 못했습니다.",
        },
        f"{ID}.no-encap": {"en": "no encapsulation", "ko": "캡슐화 없음"},
        f"{ID}.reason": {
            "en": "set the pod MTU to {limit} ({net_mtu} - {overhead} for {kind})",
            "ko": "Pod MTU를 {limit}로 설정 ({net_mtu} - {kind} {overhead})",
        },
        f"{ID}.fail": {
            "en": "The pod MTU {mtu} ({source}) is above what network {names} (MTU {net_mtu}) carries with "
            "{kind} ({overhead} bytes): small requests and ping work, but TLS handshakes, image pushes and "
            "large responses stall.",
            "ko": "Pod MTU({mtu}, {source})가 네트워크 {names}(MTU {net_mtu})에서 {kind}({overhead}바이트)를 "
            "감안해 전달할 수 있는 크기보다 큽니다: 작은 요청과 ping은 되지만 TLS 핸드셰이크, 이미지 push, "
            "큰 응답은 멈춥니다.",
        },
        f"{ID}.pass": {
            "en": "The pod MTU {mtu} fits network {names} (MTU {net_mtu}, {kind} needs {overhead}).",
            "ko": "Pod MTU({mtu})가 네트워크 {names}(MTU {net_mtu}, {kind} 오버헤드 {overhead})에 맞습니다.",
        },
    }
)


def cni_mtu(ctx: CheckContext) -> tuple[int | None, str]:
    cl = ctx.snapshot.cluster
    if cl is None:
        return None, ""
    cni = cl.cni
    if cni.type == "calico" and cni.calico is not None:
        return cni.calico.mtu, cni.calico.mtu_source or "Calico MTU"
    if cni.type == "flannel" and cni.flannel is not None:
        return cni.flannel.mtu, "flannel subnet.env FLANNEL_MTU"
    if cni.type == "cilium" and cni.cilium is not None:
        return cni.cilium.mtu, "cilium-config mtu"
    return None, ""


def run(ctx: CheckContext) -> list[Finding]:
    unk = missing(ctx, ID, SEVERITY, NEEDS)
    if unk:
        return unk
    mtu, source = cni_mtu(ctx)
    res = cluster_resource(ctx)
    if mtu is None:
        return [Finding(ID, Status.UNKNOWN, SEVERITY, res, Msg(f"{ID}.no-cni-mtu"))]
    nets = {ctx.topo.network_of(v) for v in ctx.topo.node_views.values()}
    nets.discard(None)
    if not nets:
        return [
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                res,
                Msg(f"{ID}.no-networks"),
            )
        ]
    net_mtus = [n.mtu for n in nets if n is not None and n.mtu is not None]
    if not net_mtus:
        return [
            Finding(
                ID,
                Status.UNKNOWN,
                SEVERITY,
                res,
                Msg(f"{ID}.no-net-mtu"),
            )
        ]
    net_mtu = min(net_mtus)
    overhead: int = 0
    kind: str = Msg(f"{ID}.no-encap")
    for _s, _t, decision in ctx.flows.decisions:
        if decision.encap is not None and decision.overhead > overhead:
            overhead, kind = decision.overhead, decision.encap
    cl = ctx.snapshot.cluster
    if cl is not None and cl.cni.calico is not None and cl.cni.calico.wireguard:
        overhead, kind = max(overhead, 60), "WireGuard"
    limit = net_mtu - overhead
    names = ", ".join(sorted((n.name or n.id) for n in nets if n is not None))
    if mtu > limit:
        remedy = Remedy(
            "manual",
            "cni",
            "mtu",
            "CNI MTU",
            (("command", _mtu_command(ctx, limit)),),
            Msg(f"{ID}.reason", limit=limit, net_mtu=net_mtu, overhead=overhead, kind=kind),
            "mtu",
        )
        return [
            Finding(
                ID,
                Status.FAIL,
                SEVERITY,
                res,
                Msg(
                    f"{ID}.fail",
                    mtu=mtu,
                    source=source,
                    names=names,
                    net_mtu=net_mtu,
                    kind=kind,
                    overhead=overhead,
                ),
                (
                    f"network {names} mtu={net_mtu}",
                    f"{source}={mtu}",
                    f"overhead {kind}={overhead}",
                ),
                (remedy,),
                cause="mtu",
            )
        ]
    return [
        Finding(
            ID,
            Status.PASS,
            SEVERITY,
            res,
            Msg(f"{ID}.pass", mtu=mtu, names=names, net_mtu=net_mtu, kind=kind, overhead=overhead),
        )
    ]


def _mtu_command(ctx: CheckContext, limit: int) -> str:
    cl = ctx.snapshot.cluster
    if cl is not None and cl.cni.type == "calico" and cl.cni.calico is not None:
        if cl.cni.calico.install_method == "operator":
            return (
                "kubectl patch installation default --type merge "
                f'-p \'{{"spec":{{"calicoNetwork":{{"mtu":{limit}}}}}}}\''
            )
        return (
            "kubectl -n kube-system patch configmap calico-config --type merge "
            f'-p \'{{"data":{{"veth_mtu":"{limit}"}}}}\' && kubectl -n kube-system rollout restart ds/calico-node'
        )
    return f"# set the CNI MTU to {limit}"
