"""net-calico-node-address's texts, findings and remedy (the check is net_calico_node_address.py).

The remedy pins calico-node's address to the Kubernetes InternalIP: the operator's
Installation ``spec.calicoNetwork.nodeAddressAutodetectionV4: {kubernetes: NodeInternalIP}``
(every other method nulled: the operator allows one), or calico.yaml's DaemonSet variable
``IP_AUTODETECTION_METHOD=kubernetes-internal-ip`` (``IP6_AUTODETECTION_METHOD`` for IPv6);
docs/facts.md "Calico's node address". kostack only advises it: ``fix apply`` changes
OpenStack, not the cluster.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks.base import CheckContext, Says, node_resource
from kostack.analyze.findings import Finding, Remedy, Resource, Status, said_comment
from kostack.analyze.messages import Msg, joined, register
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import IPAddress, Port
from kostack.shell import as_code, render

ID = "net-calico-node-address"
CAUSE = "calico-address"
SHOWN = 8  # nodes named in a finding's evidence

register(
    {
        f"{ID}.na-cni": {
            "en": "The CNI is not Calico: calico-node's address does not apply.",
            "ko": "CNI가 Calico가 아니므로 calico-node 주소 점검은 적용되지 않습니다.",
        },
        f"{ID}.not-read": {
            "en": "Calico's node addresses (annotation projectcalico.org/IPv4Address) are not in "
            "this snapshot (collected before kostack read them): not judged; collect again to "
            "judge them (`kostack collect -o snapshot.json`).",
            "ko": "이 스냅샷에는 Calico 노드 주소(어노테이션 projectcalico.org/IPv4Address)가 없어"
            "(kostack이 이를 읽기 전에 수집됨) 판단하지 않았습니다. 판단하려면 다시 수집하세요"
            "(`kostack collect -o snapshot.json`).",
        },
        f"{ID}.pass": {
            "en": "On all {n} nodes calico-node uses the node's InternalIP (BGP and tunnels run over "
            "the ports kostack judges).",
            "ko": "노드 {n}대 모두에서 calico-node가 노드의 InternalIP를 씁니다(BGP와 터널이 kostack이 "
            "판단하는 포트로 흐릅니다).",
        },
        f"{ID}.shared": {
            "en": "On {nodes} calico-node picked the same address as another node ({ips}): "
            "address autodetection (first-found) took an interface every node has, such as a "
            "bridge, not the node's network. Calico's BGP sessions and tunnels between these "
            "nodes go nowhere, so their pods cannot reach each other.",
            "ko": "{nodes}의 calico-node가 다른 노드와 같은 주소({ips})를 골랐습니다. 주소 자동 감지"
            "(first-found)가 노드의 네트워크가 아니라 모든 노드에 있는 인터페이스(브리지 등)를 택했기 "
            "때문입니다. 이 노드들 사이의 Calico BGP 세션과 터널은 어디에도 닿지 않아 Pod끼리 통신할 "
            "수 없습니다.",
        },
        f"{ID}.foreign": {
            "en": "On {nodes} calico-node picked an address that is not on the node's network "
            "({ips}): no Neutron port of the node's server has it as a fixed IP, so Calico's BGP "
            "sessions and tunnels run from an interface Neutron does not carry for it (another "
            "bridge or network), and its pods cannot reach other nodes' pods.",
            "ko": "{nodes}의 calico-node가 노드의 네트워크에 없는 주소({ips})를 골랐습니다. 노드 "
            "서버의 어느 Neutron 포트도 이 주소를 고정 IP로 갖지 않으므로 Calico의 BGP 세션과 터널은 "
            "Neutron이 전달하지 않는 인터페이스(다른 브리지나 네트워크)에서 나가고, 그 Pod는 다른 "
            "노드의 Pod에 닿을 수 없습니다.",
        },
        f"{ID}.other-port": {
            "en": "On {nodes} calico-node uses another address of the node's own server "
            "({ips}), not its InternalIP: Calico's BGP sessions and tunnels run from that "
            "address through the port that holds it ({ports}), and kostack judges Calico's "
            "traffic between nodes there (that port's security groups, anti-spoofing and "
            "network; the other checks say whether it passes). If Calico should use the "
            "InternalIP instead: {command}.",
            "ko": "{nodes}의 calico-node가 InternalIP가 아닌 노드 자신의 서버의 다른 주소({ips})를 "
            "씁니다. Calico의 BGP 세션과 터널은 그 주소에서 그 주소를 가진 포트({ports})를 거쳐 "
            "흐르며, kostack은 노드 간 Calico 트래픽을 그 포트에서 판단합니다(그 포트의 보안 그룹, "
            "anti-spoofing, 네트워크. 통과 여부는 다른 점검이 말합니다). Calico가 대신 InternalIP를 "
            "써야 한다면: {command}.",
        },
        f"{ID}.port-on": {
            "en": "port {port} ({name}) on network {network}",
            "ko": "네트워크 {network}의 포트 {port}({name})",
        },
        f"{ID}.ports-unknown": {
            "en": "Cannot decide for {nodes}: calico-node uses an address other than the "
            "InternalIP ({ips}), and whose port that is cannot be told (the ports or the node's "
            "port were not collected).",
            "ko": "{nodes}에 대해 판단할 수 없음: calico-node가 InternalIP가 아닌 주소({ips})를 쓰는데, "
            "그 주소가 어느 포트의 것인지 알 수 없습니다(포트나 노드의 포트를 수집하지 못함).",
        },
        f"{ID}.split": {
            "en": "Cannot decide for {nodes}: calico-node's addresses are on different ports of "
            "the node's own server ({ports}), and kostack judges a node's Calico traffic (BGP, "
            "tunnels) on one port, so whether it passes is not decided. If Calico should use "
            "the InternalIP instead: {command}.",
            "ko": "{nodes}에 대해 판단할 수 없음: calico-node의 주소가 노드 자신의 서버의 서로 다른 "
            "포트에 있고({ports}), kostack은 노드의 Calico 트래픽(BGP, 터널)을 한 포트에서만 "
            "판단하므로 통과 여부를 정하지 않습니다. Calico가 대신 InternalIP를 써야 한다면: "
            "{command}.",
        },
        f"{ID}.addr-on": {
            "en": "{ip} on port {port} ({name}, network {network})",
            "ko": "{ip}: 네트워크 {network}의 포트 {port}({name})",
        },
        f"{ID}.no-annotation": {
            "en": "Cannot decide for {nodes}: the Node carries no Calico address (annotation "
            "projectcalico.org/IPv4Address; calico-node has not started there, or Calico stores "
            "its nodes in etcd).",
            "ko": "{nodes}에 대해 판단할 수 없음: Node에 Calico 주소(어노테이션 "
            "projectcalico.org/IPv4Address)가 없습니다(그 노드에서 calico-node가 아직 시작하지 "
            "않았거나 Calico가 노드 정보를 etcd에 둡니다).",
        },
        f"{ID}.evidence": {
            "en": "node {node}: Calico address {ip}, InternalIP {internal}{port}",
            "ko": "노드 {node}: Calico 주소 {ip}, InternalIP {internal}{port}",
        },
        f"{ID}.on-port": {"en": ", port {port} ({name})", "ko": ", 포트 {port} ({name})"},
        f"{ID}.reason": {
            "en": "make calico-node use the Kubernetes InternalIP (autodetection "
            "kubernetes-internal-ip), then check that each Node's projectcalico.org/IPv4Address "
            "is its InternalIP",
            "ko": "calico-node가 쿠버네티스 InternalIP를 쓰게 한 뒤(자동 감지 방법 "
            "kubernetes-internal-ip) 각 Node의 projectcalico.org/IPv4Address가 InternalIP와 "
            "같은지 확인합니다",
        },
        f"{ID}.either": {
            "en": "operator install: {operator}; calico.yaml install: {manifest}",
            "ko": "오퍼레이터 설치: {operator}; calico.yaml 설치: {manifest}",
        },
    }
)

METHODS = ("firstFound", "interface", "skipInterface", "canReach", "cidrs")


def pin_command(ctx: CheckContext, families: set[int]) -> str:
    """The command that pins calico-node's address of ``families`` to the InternalIP, by how
    Calico was installed (both, as a comment, when that is not known)."""
    cl = ctx.snapshot.cluster
    calico = cl.cni.calico if cl is not None else None
    method = calico.install_method if calico is not None else "unknown"
    fams = sorted(families or {4})
    network = {
        f"nodeAddressAutodetectionV{v}": {**dict.fromkeys(METHODS), "kubernetes": "NodeInternalIP"}
        for v in fams
    }
    patch = json.dumps({"spec": {"calicoNetwork": network}}, separators=(",", ":"))
    operator = render(
        ("kubectl", "patch", "installation", "default", "--type", "merge", "-p", patch)
    )
    names = {4: "IP_AUTODETECTION_METHOD", 6: "IP6_AUTODETECTION_METHOD"}
    env = [f"{names[v]}=kubernetes-internal-ip" for v in fams]
    manifest = render(("kubectl", "set", "env", "daemonset/calico-node", "-n", "kube-system", *env))
    if method == "operator":
        return operator
    if method == "manifest":
        return manifest
    return said_comment(Msg(f"{ID}.either", operator=operator, manifest=manifest))


def remedy(ctx: CheckContext, families: set[int]) -> Remedy:
    command = pin_command(ctx, families)
    reason = Msg(f"{ID}.reason")
    return Remedy(
        "manual", "cni", "calico-node", "calico-node", (("command", command),), reason, CAUSE
    )


def _ips(pairs: Sequence[tuple[NodeView, IPAddress]]) -> str:
    return ", ".join(dict.fromkeys(str(ip) for _, ip in pairs[:SHOWN]))


def _names(pairs: Sequence[tuple[NodeView, IPAddress]]) -> list[str]:
    return list(dict.fromkeys(v.name for v, _ in pairs))


def _evidence(
    rows: Sequence[tuple[NodeView, IPAddress, Port | None]],
) -> tuple[str, ...]:
    out = []
    for view, ip, port in rows[:SHOWN]:
        internal = ", ".join(str(a) for a in view.ips) or "-"
        on = Msg(f"{ID}.on-port", port=port.id, name=port.name or "-") if port is not None else ""
        out.append(Msg(f"{ID}.evidence", node=view.name, ip=ip, internal=internal, port=on))
    return tuple(out)


def _finding(
    say: Says,
    ctx: CheckContext,
    status: Status,
    key: str,
    rows: Sequence[tuple[NodeView, IPAddress, Port | None]],
    families: set[int] | None = None,
    command: str = "",
    ports: str = "",
) -> Finding:
    """One finding of ``key`` over every node of ``rows`` (a FAIL carries the remedy)."""
    pairs = [(v, ip) for v, ip, _ in rows]
    names = _names(pairs)
    extra = {k: v for k, v in (("command", command), ("ports", ports)) if v}
    message = Msg(f"{ID}.{key}", nodes=nodes_label(names), ips=_ips(pairs), **extra)
    failed = status == Status.FAIL
    return say.finding(
        status,
        node_resource(rows[0][0]),
        message,
        _evidence(rows),
        (remedy(ctx, families or {4}),) if failed else (),
        cause=CAUSE if failed else "" if status == Status.PASS else f"{CAUSE}-{key}",
        affected=tuple(Resource("node", name, name) for name in names),
        nodes=tuple(names),
        key=(CAUSE, key, tuple(names)),
    )


def fail_shared(
    say: Says, ctx: CheckContext, pairs: list[tuple[NodeView, IPAddress]], families: set[int]
) -> Finding:
    rows: list[tuple[NodeView, IPAddress, Port | None]] = [(v, ip, None) for v, ip in pairs]
    return _finding(say, ctx, Status.FAIL, "shared", rows, families)


def fail_foreign(
    say: Says,
    ctx: CheckContext,
    rows: list[tuple[NodeView, IPAddress, Port | None]],
    families: set[int],
) -> Finding:
    return _finding(say, ctx, Status.FAIL, "foreign", rows, families)


def other_port(
    say: Says, ctx: CheckContext, rows: list[tuple[NodeView, IPAddress, Port]], families: set[int]
) -> Finding:
    """PASS: the engine judges Calico's traffic of these nodes on that port
    (engine/calico_moved.py `calico_views`), naming each port and its network."""
    command = as_code(pin_command(ctx, families))
    ports: dict[str, str] = {}
    for _, _, port in rows[:SHOWN]:
        network = _network(ctx, port)
        ports.setdefault(
            port.id, Msg(f"{ID}.port-on", port=port.id, name=port.name or "-", network=network)
        )
    listed = joined(list(ports.values()))
    return _finding(say, ctx, Status.PASS, "other-port", list(rows), command=command, ports=listed)


def ports_unknown(say: Says, ctx: CheckContext, pairs: list[tuple[NodeView, IPAddress]]) -> Finding:
    rows: list[tuple[NodeView, IPAddress, Port | None]] = [(v, ip, None) for v, ip in pairs]
    return _finding(say, ctx, Status.UNKNOWN, "ports-unknown", rows)


def split_ports(
    say: Says,
    ctx: CheckContext,
    nodes: list[tuple[NodeView, tuple[tuple[IPAddress, Port], ...]]],
    families: set[int],
) -> Finding:
    """UNKNOWN: these nodes' Calico addresses (IPv4 and IPv6) are on different ports of their
    own server (engine/calico_moved.py `split`), each address named with its port."""
    where: list[str] = []
    rows: list[tuple[NodeView, IPAddress, Port | None]] = []
    for view, on in nodes:
        rows.extend((view, ip, port) for ip, port in on if ip not in view.ips)
        if len(where) < SHOWN:
            where.extend(
                Msg(
                    f"{ID}.addr-on",
                    ip=ip,
                    port=port.id,
                    name=port.name or "-",
                    network=_network(ctx, port),
                )
                for ip, port in on
            )
    command = as_code(pin_command(ctx, families))
    return _finding(say, ctx, Status.UNKNOWN, "split", rows, command=command, ports=joined(where))


def _network(ctx: CheckContext, port: Port) -> str:
    net = ctx.topo.networks.get(port.network_id)
    return (net.name or net.id) if net is not None else port.network_id or "-"


def no_annotation(say: Says, ctx: CheckContext, views: list[NodeView]) -> Finding:
    names = [v.name for v in views]
    message = Msg(f"{ID}.no-annotation", nodes=nodes_label(names))
    return say.finding(
        Status.UNKNOWN,
        node_resource(views[0]),
        message,
        cause=f"{CAUSE}-none",
        nodes=tuple(names),
        key=(CAUSE, "none", tuple(names)),
    )


def not_read(say: Says, ctx: CheckContext) -> Finding:
    return say.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.not-read"))
