"""Stateless security groups: the reply is filtered like any packet (docs/facts.md
"Stateless security groups").

A port whose groups are stateless (``stateful: false``; Neutron refuses a port with both
kinds) keeps no connection state: the reply of an admitted flow must pass the server
port's egress rules and the client port's ingress rules. Rules match the destination
port, so a TCP/UDP reply to a client's ephemeral source port needs a rule covering Linux's
default ``ip_local_port_range`` 32768-60999 (all of it: PASS; none: a drop; part: UNKNOWN,
saying which part); an ICMP echo reply needs ICMP type 0 (ICMPv6 129) or any ICMP; a
tunnel's reply is a tunnel packet to the same port (VXLAN 4789) or protocol (IPIP 4).
ML2/OVN (``allow-stateless`` ACLs) and the iptables firewall driver (``CT --notrack``)
honour it; ML2/OVS's openvswitch firewall driver ignores the attribute (the group stays
stateful), so a drop is UNKNOWN unless the backend is ML2/OVN.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from kostack.analyze.engine.bgp_routes import bgp_families, bgp_port
from kostack.analyze.engine.ipv6 import rule_protocol
from kostack.analyze.engine.secgroups import Direction, Query, denied_cause, remote_admits
from kostack.analyze.engine.secgroups import rule_text as rule_label
from kostack.analyze.engine.types import Disposition, Evidence, Hop, Wire
from kostack.analyze.engine.vnic import unfiltered
from kostack.analyze.messages import Msg, register
from kostack.analyze.protocols import (
    PORTED_PROTOCOLS,
    port_bounds,
    port_span,
    protocol_label,
    protocol_number,
)
from kostack.analyze.topology import NodeView, Topology, short_id
from kostack.model.snapshot import IPAddress, Port, SecurityGroupRule

# Linux's default net.ipv4.ip_local_port_range (also IPv6's): kernel
# Documentation/networking/ip-sysctl.rst
EPHEMERAL = (32768, 60999)
# MASQUERADE --random-fully (or --random) picks a source port of 1024 or more anywhere in
# 1024-65535 (Linux nf_nat_proto.c nf_nat_l4proto_unique_tuple; tests/lab pins it)
NAT_PORTS = (1024, 65535)
MASQ_FULLY_RANDOM = "MASQFullyRandom"  # Felix's feature name for MASQUERADE --random-fully
KEY_VALUE = re.compile(r"\s*(\w+)=(.+)")  # calico's stringutils.ParseKeyValueList
GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})  # Go's strconv.ParseBool
ECHO_REPLY = {1: 0, 58: 129}  # ICMP and ICMPv6 echo reply types
TARGET_EGRESS = "reply-sg-target-egress"  # at the server's (the target's) port
SOURCE_INGRESS = "reply-sg-source-ingress"  # at the client's (the source's) port
REPLY_STEPS = frozenset({TARGET_EGRESS, SOURCE_INGRESS})
CAUSE = "sg-stateless"

register(
    {
        "stateless.ephemeral": {
            "en": "to the client's ephemeral ports {lo}-{hi}",
            "ko": "클라이언트의 임시 포트 {lo}-{hi:으로/로} 가는",
        },
        "stateless.nat": {
            "en": "to the ports {lo}-{hi} a masquerade with --random-fully picks the node's "
            "source port from",
            "ko": "--random-fully 마스커레이드가 노드의 출발지 포트를 고르는 범위 {lo}-{hi:으로/로} 가는",
        },
        "stateless.port": {"en": "to port {port}", "ko": "포트 {port:으로/로} 가는"},
        "stateless.icmp": {"en": "of {proto} type {type}", "ko": "{proto} 유형 {type}의"},
        "stateless.proto": {"en": "of protocol {proto}", "ko": "프로토콜 {proto}의"},
        "hop.stateless-admits": {
            "en": "stateless group {group}: {rule} admits the reply {wire} {ports}",
            "ko": "상태 비저장(stateless) 그룹 {group}: {rule:이/가} {ports} 응답 {wire:을/를} 허용합니다",
        },
        "hop.stateless-denied": {
            "en": "groups [{groups}] are stateless, so the reply is filtered like any packet, and no "
            "{direction} rule admits the reply {wire} {ports}",
            "ko": "상태 비저장(stateless) 그룹 [{groups}]에서는 응답도 일반 패킷처럼 걸러지는데, {ports} "
            "응답 {wire:을/를} 허용하는 {direction} 규칙이 없습니다",
        },
        "hop.stateless-partial": {
            "en": "groups [{groups}] are stateless, and their {direction} rules admit the reply "
            "{wire} to ports {covered} only, of the client's ephemeral ports {lo}-{hi}: a "
            "connection from another source port has its replies dropped",
            "ko": "상태 비저장(stateless) 그룹 [{groups}]의 {direction} 규칙이 응답 "
            "{wire:을/를} 클라이언트의 임시 포트 {lo}-{hi} 중 {covered}에 대해서만 허용합니다: 다른 출발지 "
            "포트를 쓰는 연결은 응답이 차단됩니다",
        },
        "hop.stateless-partial-nat": {
            "en": "groups [{groups}] are stateless, and their {direction} rules admit the reply "
            "{wire} to ports {covered} only, of the ports {lo}-{hi} a masquerade with "
            "--random-fully picks the node's source port from: a connection given another port "
            "has its replies dropped",
            "ko": "상태 비저장(stateless) 그룹 [{groups}]의 {direction} 규칙이 응답 "
            "{wire:을/를} --random-fully 마스커레이드가 노드의 출발지 포트를 고르는 범위 "
            "{lo}-{hi} 중 {covered}에 대해서만 허용합니다: 다른 포트가 배정된 연결은 응답이 "
            "차단됩니다",
        },
        "hop.stateless-undecided": {
            "en": "groups [{groups}] are stateless, and whether rules {rules} admit the reply {wire} "
            "cannot be decided",
            "ko": "상태 비저장(stateless) 그룹 [{groups}]에서 규칙 {rules:이/가} 응답 "
            "{wire:을/를} 허용하는지 판단할 수 없습니다",
        },
        "hop.stateless-driver": {
            "en": "{detail}, if the firewall honours stateless groups (ML2/OVN, or ML2/OVS with "
            "the iptables_hybrid firewall driver); ML2/OVS's openvswitch firewall driver ignores "
            "stateful=false and passes the reply (an admin tells which: firewall_driver in the "
            "[securitygroup] section of the Open vSwitch agent's configuration)",
            "ko": "방화벽이 상태 비저장 그룹을 지원한다면(ML2/OVN, 또는 iptables_hybrid 방화벽 드라이버를 "
            "쓰는 ML2/OVS) 이렇습니다: {detail}. ML2/OVS의 openvswitch 방화벽 드라이버는 stateful=false를 "
            "무시하므로 응답이 통과합니다(관리자는 Open vSwitch 에이전트 설정의 [securitygroup] 섹션 "
            "firewall_driver로 구분합니다)",
        },
    }
)


def stateless(topo: Topology, port: Port | None) -> bool:
    """Whether ``port``'s groups are stateless (port security on or not collected)."""
    if port is None or port.port_security_enabled is False:
        return False
    groups = topo.groups
    return any(gid in groups and not groups[gid].stateful for gid in port.security_group_ids)


def any_stateless(topo: Topology) -> bool:
    """Whether the snapshot has a stateless group at all (else nothing here applies)."""
    found = topo.__dict__.get("_any_stateless")
    if found is None:
        found = topo.__dict__["_any_stateless"] = any(not g.stateful for g in topo.groups.values())
    return bool(found)


def masquerade_ports(topo: Topology) -> tuple[int, int] | None:
    """The source ports the CNI's masquerade picks for a pod's connection; None: it keeps
    the pod's own (docs/facts.md "Stateless security groups"). Calico's natOutgoing and
    flannel's ip-masq masquerade with --random-fully where iptables supports it (1.6.2 and
    later), Calico unless FelixConfiguration featureDetectOverride says MASQFullyRandom=false;
    Cilium's masquerade keeps the port unless two connections clash; so does flannel's with
    --ip-masq-fully-random-disable, but not surely inside Canal, where Felix's natOutgoing
    masquerades with --random-fully too (which of the two matches first is not modelled).
    kube-router's --enable-pod-egress rule adds --random-fully where iptables has it, with no
    switch to turn it off (pkg/controllers/routing/pod_egress.go). Antrea's adds it only with
    snatFullyRandomPorts (default false; pkg/agent/route/route_linux.go)."""
    cl = topo.snapshot.cluster
    cni = cl.cni if cl else None
    if cni is not None and cni.type == "antrea":
        random = cni.antrea is not None and cni.antrea.snat_fully_random_ports is not False
        return NAT_PORTS if random else None
    if cni is None or cni.type not in ("calico", "flannel", "kube-router"):
        return None
    fl = cni.flannel
    if fl is not None and fl.ip_masq_fully_random_disable and fl.bundle != "canal":
        return None
    override = cni.calico.feature_detect_override if cni.calico else None
    return None if fully_random_off(override or "") else NAT_PORTS


def client_ports(topo: Topology, masqueraded: bool) -> tuple[int, int]:
    """Where the replies of a connection go: the masquerade's ports, or the client's own."""
    return (masquerade_ports(topo) if masqueraded else None) or EPHEMERAL


def fully_random_off(override: str) -> bool:
    """Whether a featureDetectOverride ("SNATFullyRandom=true,MASQFullyRandom=false") turns
    natOutgoing's --random-fully off, read as Felix reads it (docs/facts.md): items split at
    ",", each ``\\s*(\\w+)=(.+)``, the last of a key wins, its value through Go's ParseBool."""
    found = {m[1]: m[2] for m in map(KEY_VALUE.search, override.split(",")) if m}
    return found.get(MASQ_FULLY_RANDOM) in GO_FALSE


def fully_random_switched_off(override: str | None) -> str:
    """``override`` with MASQFullyRandom=false, its other entries kept: Felix's switch as
    net-sg-stateless prints it, and as the fix plan's verification models it."""
    entries = (e.strip() for e in (override or "").split(","))
    kept = [e for e in entries if e and e.partition("=")[0].strip() != MASQ_FULLY_RANDOM]
    return ",".join([*kept, f"{MASQ_FULLY_RANDOM}=false"])


def reply_span(back: Wire, nat: tuple[int, int] | None = None) -> tuple[int, int]:
    """The destination ports (ICMP: the type) a reply ``back`` goes to: the client's ephemeral
    range (``nat``: the ports a masquerade picked from), a tunnel's own port, the echo reply
    type, or (0, 0) for a protocol without ports."""
    if back.encap is None and back.proto in PORTED_PROTOCOLS:
        return nat or EPHEMERAL
    port = ECHO_REPLY.get(back.proto, back.dst_port or 0)
    return (port, port)


def bgp_queries(topos: Sequence[Topology]) -> dict[int, tuple[Query, ...]]:
    """Per family whose pools' routes come from BGP (BIRD; BIRD6 between the nodes' IPv6
    addresses): the sets a session (either way) is judged by at each end, each testing the
    other end's node address of that family: TCP 179, and its replies' under a stateless
    group (path.py `session_judge`)."""
    routed = {v for t in topos for v in bgp_families(t)}
    port = bgp_port(topos[0])
    return {
        v: (
            Query("egress", v, 6, port),
            Query("ingress", v, 6, port),
            *reply_queries(topos[0], v, 6, None, False),
        )
        for v in sorted(routed)
    }


def reply_queries(
    topo: Topology,
    version: int,
    proto: int,
    port: int | None,
    encap: bool,
    masqueraded: Collection[bool] = (False,),
) -> list[Query]:
    """The families' reply queries of one flow (the target's egress, the source's ingress):
    to one port (a tunnel's, an ICMP type), or to the client's ports (the ephemeral range or,
    in the worlds where ``masqueraded``, a masquerade's: `client_ports`), admitted on part of
    them and on all of them (so all, none or part is a membership pattern); none when the
    snapshot has no stateless group."""
    if not any_stateless(topo):
        return []
    spans = sorted({client_ports(topo, on) for on in masqueraded})
    kinds: list[tuple[str, int | None]] = [
        (f"{k}{'' if span == EPHEMERAL else '-nat'}", None)
        for span in spans
        for k in ("part", "all")
    ]
    if encap or proto not in PORTED_PROTOCOLS:
        kinds = [("port", ECHO_REPLY.get(proto, port))]
    return [Query(d, version, proto, p, k) for d in ("egress", "ingress") for k, p in kinds]


def reply_hops(
    topo: Topology,
    hops: list[Hop],
    src: NodeView | None,
    dst: NodeView | None,
    wire: Wire,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """The reply of ``wire`` at each stateless end: the server's egress, then the client's
    ingress (``dst`` None: the server is outside the cloud); ``stop``: whether the last hop
    ends the flow. A tunnel's reply is a tunnel packet to the same port."""
    port = wire.dst_port if wire.encap is not None else None
    back = Wire(wire.dst, wire.src, wire.proto, port, wire.encap, wire.inner_dst, wire.inner_src)
    ends: tuple[tuple[NodeView | None, Direction], ...] = ((dst, "egress"), (src, "ingress"))
    span = reply_span(back, wire.src_ports)
    for view, direction in ends:
        if view is not None and view.port is not None and stateless(topo, view.port):
            hops.append(_hop(topo, view.port, back, span, direction, view.port_label()))
            if stop():
                return


def _hop(
    topo: Topology,
    port: Port,
    back: Wire,
    span: tuple[int, int],
    direction: Direction,
    where: str,
) -> Hop:
    step = TARGET_EGRESS if direction == "egress" else SOURCE_INGRESS
    remote = back.dst if direction == "egress" else back.src
    covered, admits, undecided = coverage(topo, port, direction, remote, back.proto, span)
    groups = ", ".join(
        (topo.groups[g].name or g) if g in topo.groups else g for g in port.security_group_ids
    )
    wire = (
        back.describe() if back.encap else f"{back.src} -> {back.dst} {protocol_label(back.proto)}"
    )
    ev = tuple(Evidence("security_group", g, "stateful", "false") for g in port.security_group_ids)
    if covered == [span]:
        rule, gname = admits[0]
        ports = _ports(back, span)
        msg = Msg(
            "hop.stateless-admits", group=gname, rule=rule_label(topo, rule), wire=wire, ports=ports
        )
        rule_ev = tuple(
            Evidence("security_group_rule", r.id, "security_group", g) for r, g in admits
        )
        return Hop(step, where, Disposition.ACCEPTED, msg, rule_ev[:3] + ev, "reply")
    disp = Disposition.UNKNOWN
    if undecided:
        rules = ", ".join(short_id(r) for r in undecided[:3])
        msg = Msg("hop.stateless-undecided", groups=groups, rules=rules, wire=wire)
    elif covered:
        text = ", ".join(port_span(a, b) for a, b in covered)
        msg = Msg(
            "hop.stateless-partial" if span == EPHEMERAL else "hop.stateless-partial-nat",
            groups=groups,
            direction=direction,
            wire=wire,
            covered=text,
            lo=span[0],
            hi=span[1],
        )
        if span != EPHEMERAL:  # the kernel picks any port of it: some connections hang
            disp = Disposition.DENIED
    else:
        ports = _ports(back, span)
        msg = Msg(
            "hop.stateless-denied", groups=groups, direction=direction, wire=wire, ports=ports
        )
        disp = Disposition.DENIED
    if topo.backend != "ml2/ovn":
        msg, disp = Msg("hop.stateless-driver", detail=msg), Disposition.UNKNOWN
    cause = denied_cause(topo, back) if back.encap else CAUSE
    return unfiltered(Hop(step, where, disp, msg, ev, "reply", cause), port, topo)


def _ports(back: Wire, span: tuple[int, int]) -> str:
    """Where the reply goes, said after it ("to the client's ephemeral ports 32768-60999")."""
    proto = protocol_label(back.proto)
    if back.encap is None and back.proto in PORTED_PROTOCOLS:
        key = "stateless.ephemeral" if span == EPHEMERAL else "stateless.nat"
        return Msg(key, lo=span[0], hi=span[1])
    if back.proto in ECHO_REPLY:
        return Msg("stateless.icmp", proto=proto, type=span[0])
    if back.dst_port is not None:
        return Msg("stateless.port", port=back.dst_port)
    return Msg("stateless.proto", proto=proto)


def coverage(
    topo: Topology,
    port: Port,
    direction: Direction,
    remote: IPAddress,
    proto: int,
    span: tuple[int, int],
) -> tuple[list[tuple[int, int]], list[tuple[SecurityGroupRule, str]], list[str]]:
    """The parts of ``span`` the rules admit the reply on (merged), the rules that do, and
    the rules that cannot be decided."""
    spans: list[tuple[int, int]] = []
    admits: list[tuple[SecurityGroupRule, str]] = []
    undecided: list[str] = []
    for gid in port.security_group_ids:
        grp = topo.groups.get(gid)
        if grp is None:
            undecided.append(gid)  # not in the snapshot: its rules may admit it
        for rule in grp.rules if grp is not None else ():
            got = _rule_span(rule, direction, remote.version, proto)
            if got == (-1, -1):
                undecided.append(rule.id)
            if got is None or got[1] < span[0] or got[0] > span[1]:
                continue
            match = remote_admits(topo, rule, remote)
            if match is None:
                undecided.append(rule.id)
            elif match:
                spans.append((max(got[0], span[0]), min(got[1], span[1])))
                admits.append((rule, grp.name or gid))  # type: ignore[union-attr]
    return _covered(spans), admits, undecided


def _rule_span(
    rule: SecurityGroupRule, direction: str, version: int, proto: int
) -> tuple[int, int] | None:
    """The ports (ICMP: types) ``rule`` admits for ``proto``; None: it does not apply;
    (-1, -1): its protocol cannot be read."""
    if rule.direction != direction or (rule.ethertype == "IPv4") != (version == 4):
        return None
    want = rule_protocol(protocol_number(rule.protocol), rule.ethertype)
    if isinstance(want, str):
        return (-1, -1)
    if want is not None and want != proto:
        return None
    if want in ECHO_REPLY:  # Neutron keeps the ICMP type in port_range_min, the code in max
        if rule.port_range_max not in (None, 0):
            return None
        t = rule.port_range_min
        return (t, t) if t is not None else (0, 65535)
    return port_bounds(rule, want) or (0, 65535)


def _covered(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of ``spans`` (inclusive), merged, sorted."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
