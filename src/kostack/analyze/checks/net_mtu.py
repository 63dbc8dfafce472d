"""net-mtu: the CNI's MTU fits the tenant network's MTU minus the encapsulation overhead."""

from __future__ import annotations

import json
from collections import defaultdict

from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected, when_pod_addresses
from kostack.analyze.engine.calico_moved import calico_view
from kostack.analyze.findings import MANUAL_OP, Finding, Remedy, Severity, Status, said_comment
from kostack.analyze.messages import Msg, register
from kostack.analyze.mtu import CALICO_WIREGUARD, CILIUM_WIREGUARD, effective_mtu
from kostack.shell import chain, render

ID = "net-mtu"
TITLE = "The pod MTU fits the tenant network MTU minus encapsulation overhead"
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
# Canal's pods above flannel's device: the node's own ICMP adapts TCP, a warning
# (diagnose.WARNING_CAUSES), never a root cause, left alone by the plan.
SAY_CANAL = Says(ID, Severity.LOW)
CANAL_CAUSE = "mtu-pmtud"
NEEDS = ("openstack.networks", "cluster.nodes", "cluster.cni", "node_ports")
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {"mtu": Kind.ROOT | Kind.POD_TRAFFIC, "mtu-pmtud": Kind.WARNING}

register(
    {
        # the comment a manual MTU remedy prints where no one command sets it (said_comment)
        f"{ID}.set-rke2-canal": {
            "en": "set calico.vethuMTU: {mtu} in HelmChartConfig kube-system/rke2-canal "
            "(spec.valuesContent), then recreate the pods",
            "ko": "HelmChartConfig kube-system/rke2-canal의 spec.valuesContent에서 calico.vethuMTU를 "
            "{mtu:으로/로} 설정한 뒤 Pod를 다시 만드세요",
        },
        f"{ID}.set-flannel": {
            "en": "set Backend.MTU in kube-flannel-cfg net-conf.json to {mtu} (or remove it), "
            "then {command}",
            "ko": "kube-flannel-cfg net-conf.json의 Backend.MTU를 {mtu:으로/로} 설정(또는 삭제)한 뒤 "
            "실행: {command}",
        },
        f"{ID}.set-kube-router": {
            "en": "set the MTU to {mtu} in kube-router-cfg cni-conf.json (k0s: spec.network."
            "kuberouter.mtu with autoMTU false), then {command}",
            "ko": "kube-router-cfg cni-conf.json의 MTU를 {mtu:으로/로} 설정(k0s: autoMTU false와 함께 "
            "spec.network.kuberouter.mtu)한 뒤 실행: {command}",
        },
        f"{ID}.set-antrea": {
            "en": "set defaultMTU in antrea-config antrea-agent.conf to {mtu} (or 0: the agent "
            "subtracts its overhead from the interface's), then {command}",
            "ko": "antrea-config antrea-agent.conf의 defaultMTU를 {mtu:으로/로}(또는 0: 에이전트가 "
            "인터페이스 MTU에서 자기 오버헤드를 뺌) 설정한 뒤 실행: {command}",
        },
        f"{ID}.set-cni": {
            "en": "set the CNI MTU to {mtu}",
            "ko": "CNI MTU를 {mtu:으로/로} 설정하세요",
        },
        f"{ID}.overhead": {"en": "overhead {kind}={overhead}", "ko": "오버헤드({kind})={overhead}"},
        f"{ID}.pod-mtu": {"en": "pod MTU {mtu}: {source}", "ko": "Pod MTU {mtu}: {source}"},
        f"{ID}.no-networks": {
            "en": "Cannot decide: the nodes' networks are not known.",
            "ko": "판단할 수 없음: 노드가 속한 네트워크를 알 수 없습니다.",
        },
        f"{ID}.no-net-mtu": {
            "en": "Cannot decide: the network's mtu field was not collected.",
            "ko": "판단할 수 없음: 네트워크의 mtu 값을 수집하지 못했습니다.",
        },
        f"{ID}.no-encap": {"en": "no encapsulation", "ko": "캡슐화 없음"},
        f"{ID}.undecided": {
            "en": "Cannot decide for node(s) {nodes}: {why}.",
            "ko": "노드 {nodes}에 대해 판단할 수 없음: {why}.",
        },
        f"{ID}.reason": {
            "en": "set the pod MTU to {limit} ({net_mtu} - {overhead} for {kind})",
            "ko": "Pod MTU를 {limit:으로/로} 설정 ({net_mtu} - {kind} {overhead})",
        },
        f"{ID}.fail": {
            "en": "The pod MTU {mtu} ({source}) is above what network {names} (MTU {net_mtu}) carries with "
            "{kind} ({overhead} bytes): small requests and ping work, but TLS handshakes, image pushes and "
            "large responses stall.",
            "ko": "Pod MTU({mtu}, {source})가 네트워크 {names}에서 전달할 수 있는 크기(MTU {net_mtu}, "
            "{kind}: 오버헤드 {overhead}바이트)보다 큽니다: 작은 요청과 ping은 되지만 TLS 핸드셰이크, "
            "이미지 push, 큰 응답은 멈춥니다.",
        },
        f"{ID}.canal": {
            "en": "Canal gives pods MTU {mtu} ({source}), above flannel's {kind} device on the "
            "same nodes (MTU {tunnel}): each node answers its pods' bigger packets to other "
            'nodes with ICMP "fragmentation needed" and TCP adapts (path MTU discovery), so '
            "traffic flows, but the first large packets of every connection are dropped and sent "
            "again, UDP that forbids fragmentation fails, and anything that drops that ICMP on "
            "the node stalls large transfers.",
            "ko": "Canal이 준 Pod MTU({mtu}, {source})가 같은 노드에 있는 flannel {kind} 장치의 "
            "MTU({tunnel})보다 큽니다: 노드가 다른 노드로 가는 Pod의 큰 패킷에 ICMP "
            '"fragmentation needed"로 답하고 TCP가 크기를 맞추므로(경로 MTU 탐색) 트래픽은 '
            "흐르지만, 연결마다 처음 큰 패킷은 버려진 뒤 다시 보내지고, 단편화를 금지한 UDP는 "
            "실패하며, 노드에서 그 ICMP를 막는 것이 있으면 큰 전송이 멈춥니다.",
        },
        f"{ID}.canal-reason": {
            "en": "set the pods' MTU to flannel's {tunnel} (pods made before keep theirs until "
            "they are recreated)",
            "ko": "Pod MTU를 flannel의 {tunnel:으로/로} 설정 (이전에 만든 Pod는 다시 만들 때까지 "
            "기존 값을 유지)",
        },
        f"{ID}.pass": {
            "en": "The pod MTU {mtu} fits network {names} (MTU {net_mtu}, {kind} needs {overhead}).",
            "ko": "Pod MTU({mtu})가 네트워크 {names}(MTU {net_mtu}, {kind}: 오버헤드 {overhead}바이트)에 맞습니다.",
        },
    }
)


def needed_overhead(ctx: CheckContext) -> tuple[int, str]:
    """The largest overhead the CNI really adds between nodes here (encapsulations in use,
    from the engine's per-class decisions, plus encryption), and what it is."""
    overhead: int = 0
    kind: str = Msg(f"{ID}.no-encap")
    flows = ctx.flows
    every = [
        d
        for v in flows.versions
        for d in (
            flows.decisions if v == flows.versions[0] else flows.decisions_of(flows.pods_of(v))
        )
    ]  # each family's pods: an IPv6 pool's VXLAN costs 70 bytes, not 50
    cl = ctx.snapshot.cluster
    if cl is not None and cl.cni.type == "kube-router":
        # kube-router's tunnel devices have the kernel's own MTU (analyze/mtu.py): the node
        # tells the pod, its pods' MTU is the interface's
        every = [d for d in every if d[2].encap is None]
    for _s, _t, decision in every:
        if decision.encap is not None and decision.overhead > overhead:
            overhead, kind = decision.overhead, decision.encap
    cni = cl.cni if cl is not None else None
    if cni is not None and cni.calico is not None and cni.calico.wireguard:
        overhead, kind = max(overhead, CALICO_WIREGUARD[0]), "WireGuard"
    carried = any(decision.encap == "WireGuard" for _s, _t, decision in every)
    cilium = cni.cilium if cni is not None and cni.type == "cilium" else None
    if cilium is not None and cilium.wireguard and not carried:  # no pods to route: said here
        kind = f"{kind} + WireGuard" if overhead else "WireGuard"
        overhead += CILIUM_WIREGUARD
    return overhead, kind


@when_collected(ID, SEVERITY, NEEDS)
@when_pod_addresses(ID, SEVERITY)
def run(ctx: CheckContext) -> list[Finding]:
    """Judge each group of nodes that share a network and a pod MTU (see analyze.mtu)."""
    groups: dict[tuple[str, int | None, int | None, str, str, int | None], list[str]]
    groups = defaultdict(list)
    for node in ctx.topo.node_views.values():
        view = calico_view(ctx.topo, node)  # a second NIC's network carries Calico's tunnels
        network = ctx.topo.network_of(view)
        if network is None:
            continue
        got = effective_mtu(ctx.topo, view)
        key = (
            network.name or network.id,
            got.pod_mtu,
            got.network_mtu,
            got.source,
            got.unknown,
            got.tunnel_mtu,
        )
        groups[key].append(view.name)
    if not groups:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.no-networks"))]
    overhead, kind = needed_overhead(ctx)
    out: list[Finding] = []
    for (names, mtu, net_mtu, source, why, tunnel), nodes in sorted(groups.items(), key=str):
        if net_mtu is None:
            out.append(SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.no-net-mtu")))
            continue
        if mtu is None:
            shown = ", ".join(nodes[:4]) + (f" (+{len(nodes) - 4})" if len(nodes) > 4 else "")
            out.append(
                SAY.cluster(
                    ctx,
                    Status.UNKNOWN,
                    Msg(f"{ID}.undecided", nodes=shown, why=why),
                    (f"network {names} mtu={net_mtu}", why),
                )
            )
            continue
        limit = net_mtu - overhead
        evidence = (
            f"network {names} mtu={net_mtu}",
            Msg(f"{ID}.pod-mtu", mtu=mtu, source=source),
            Msg(f"{ID}.overhead", kind=kind, overhead=overhead),
        )
        if tunnel is not None and overhead and tunnel < mtu <= net_mtu:  # flannel.1 in use
            out.append(_canal(ctx, mtu, source, tunnel, kind, evidence))
            continue
        if mtu > limit:
            remedy = Remedy(
                "manual",
                "cni",
                "mtu",
                "CNI MTU",
                (("command", _mtu_command(ctx, limit, net_mtu)),),
                Msg(f"{ID}.reason", limit=limit, net_mtu=net_mtu, overhead=overhead, kind=kind),
                "mtu",
            )
            message = Msg(
                f"{ID}.fail",
                mtu=mtu,
                source=source,
                names=names,
                net_mtu=net_mtu,
                kind=kind,
                overhead=overhead,
            )
            out.append(SAY.cluster(ctx, Status.FAIL, message, evidence, (remedy,), cause="mtu"))
            continue
        message = Msg(
            f"{ID}.pass", mtu=mtu, names=names, net_mtu=net_mtu, kind=kind, overhead=overhead
        )
        out.append(SAY.cluster(ctx, Status.PASS, message, evidence))
    return out


def _canal(
    ctx: CheckContext, mtu: int, source: str, tunnel: int, kind: str, evidence: tuple[str, ...]
) -> Finding:
    """Canal's pods above flannel's device (analyze/mtu.py): a warning with the setting."""
    cl = ctx.snapshot.cluster
    flannel = cl.cni.flannel if cl is not None else None
    config = (flannel.canal_config if flannel is not None else None) or "canal-config"
    if config.startswith("rke2-"):  # RKE2's chart owns the ConfigMap: its values say it
        command = said_comment(Msg(f"{ID}.set-rke2-canal", mtu=tunnel))
    else:
        patch = _patch(
            ("-n", "kube-system"), "configmap", config, {"data": {"veth_mtu": str(tunnel)}}
        )
        command = chain(patch, ("kubectl", "-n", "kube-system", "rollout", "restart", "ds/canal"))
    remedy = Remedy(
        "manual",
        "cni",
        "mtu",
        "CNI MTU",
        (("command", command),),
        Msg(f"{ID}.canal-reason", tunnel=tunnel),
        "mtu",
    )
    message = Msg(f"{ID}.canal", mtu=mtu, source=source, tunnel=tunnel, kind=kind)
    return SAY_CANAL.cluster(ctx, Status.FAIL, message, evidence, (remedy,), cause=CANAL_CAUSE)


def _mtu_command(ctx: CheckContext, limit: int, net_mtu: int) -> str:
    cl = ctx.snapshot.cluster
    if cl is not None and cl.cni.type == "calico" and cl.cni.calico is not None:
        if cl.cni.calico.install_method == "operator":
            patch = {"spec": {"calicoNetwork": {"mtu": limit}}}
            return render(_patch((), "installation", "default", patch))
        config = {"data": {"veth_mtu": str(limit)}}
        return chain(
            _patch(("-n", "kube-system"), "configmap", "calico-config", config),
            ("kubectl", "-n", "kube-system", "rollout", "restart", "ds/calico-node"),
        )
    if cl is not None and cl.cni.type == "cilium":
        # cilium-config mtu is the underlying network's MTU; removing it lets the agent detect it.
        config = {"data": {"mtu": str(net_mtu)}}
        return chain(
            _patch(("-n", "kube-system"), "configmap", "cilium-config", config),
            ("kubectl", "-n", "kube-system", "rollout", "restart", "ds/cilium"),
        )
    if cl is not None and cl.cni.type == "flannel":
        restart = render(
            ["kubectl", "-n", "kube-flannel", "rollout", "restart", "ds/kube-flannel-ds"]
        )
        return said_comment(Msg(f"{ID}.set-flannel", mtu=net_mtu, command=restart))
    if cl is not None and cl.cni.type == "kube-router":
        restart = render(["kubectl", "-n", "kube-system", "rollout", "restart", "ds/kube-router"])
        return said_comment(Msg(f"{ID}.set-kube-router", mtu=limit, command=restart))
    if cl is not None and cl.cni.type == "antrea":
        restart = render(["kubectl", "-n", "kube-system", "rollout", "restart", "ds/antrea-agent"])
        return said_comment(Msg(f"{ID}.set-antrea", mtu=limit, command=restart))
    return said_comment(Msg(f"{ID}.set-cni", mtu=limit))


def _patch(where: tuple[str, ...], kind: str, name: str, document: object) -> tuple[str, ...]:
    """`kubectl [-n NAMESPACE] patch KIND NAME --type merge -p JSON`."""
    return ("kubectl", *where, "patch", kind, name, "--type", "merge", "-p", _json(document))


def _json(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))
