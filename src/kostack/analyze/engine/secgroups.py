"""Security groups: does a port's ingress (or egress) admit a packet?

Rules match direction, ethertype, protocol (`ipip` == `4`; none = any), port
range (TCP/UDP/SCTP/DCCP/UDP-Lite) or ICMP type, and the far end against
`remote_ip_prefix` or the members of `remote_group_id`. Members' fixed IPs
always count; their allowed-address-pair addresses count under ML2/OVS
(neutron db/securitygroups_rpc_base.py) and not under ML2/OVN (neutron
common/ovn/acl.py matches `$pg_<sg>_ip4`, built from the member ports' fixed
addresses). The same rule functions feed the per-flow hop here and the
address sets of `addrsets` that judge every node pair at once.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from kostack.analyze.engine.ipv6 import rule_protocol
from kostack.analyze.engine.types import Disposition, Evidence, Hop, Wire
from kostack.analyze.engine.vnic import unfiltered
from kostack.analyze.messages import Msg, register
from kostack.analyze.protocols import other_icmp, port_bounds, port_span, protocol_number
from kostack.analyze.topology import Topology, short_id
from kostack.model.snapshot import IPAddress, Port, SecurityGroupRule

register(
    {
        "sg.rule": {
            "en": "rule {id} ({direction} {what} {remote})",
            "ko": "규칙 {id} ({direction} {what}, {remote})",
        },
        "sg.remote.from": {"en": "from {prefix}", "ko": "출발지 {prefix}"},
        "sg.remote.to": {"en": "to {prefix}", "ko": "목적지 {prefix}"},
        "sg.remote.group": {"en": "remote group {group}", "ko": "원격 그룹 {group}"},
        "sg.remote.any": {"en": "any", "ko": "전체"},
        "text.join": {"en": "{items}", "ko": "{items}"},
        "hop.sg-portsec-off": {
            "en": "port security is disabled: security groups are not applied",
            "ko": "포트 보안이 꺼져 있어 보안 그룹이 적용되지 않습니다",
        },
        "hop.sg-not-collected": {
            "en": "security groups were not collected",
            "ko": "보안 그룹을 수집하지 못했습니다",
        },
        "hop.sg-admits": {
            "en": "{rule} in group {group} admits {wire}",
            "ko": "그룹 {group}의 {rule:이/가} {wire:을/를} 허용합니다",
        },
        "hop.sg-backend-unknown": {
            "en": "rules {rules} match only through allowed address pairs of remote-group members, which count "
            "under ML2/OVS but not ML2/OVN, and the Neutron backend is not known",
            "ko": "규칙 {rules:은/는} 원격 그룹 멤버의 Allowed Address Pair를 통해서만 매칭되는데, 이는 "
            "ML2/OVS에서는 인정되고 ML2/OVN에서는 인정되지 않으며 Neutron 백엔드를 알 수 없습니다",
        },
        "hop.sg-rules-unknown": {
            "en": "rules {rules} cannot be evaluated",
            "ko": "규칙 {rules:을/를} 평가할 수 없습니다",
        },
        "hop.sg-missing": {
            "en": "groups {groups} are not in the snapshot",
            "ko": "그룹 {groups:이/가} 스냅샷에 없습니다",
        },
        "hop.sg-none-ingress": {
            "en": "the port has port security on and no security groups: all ingress traffic is dropped",
            "ko": "포트 보안은 켜져 있는데 보안 그룹이 없어 모든 수신(ingress) 트래픽이 차단됩니다",
        },
        "hop.sg-none-egress": {
            "en": "the port has port security on and no security groups: all egress traffic is dropped",
            "ko": "포트 보안은 켜져 있는데 보안 그룹이 없어 모든 송신(egress) 트래픽이 차단됩니다",
        },
        "hop.sg-denied-ingress": {
            "en": "no ingress rule in groups [{groups}] admits {wire}",
            "ko": "그룹 [{groups}]에 {wire:을/를} 허용하는 ingress 규칙이 없습니다",
        },
        "hop.sg-denied-egress": {
            "en": "no egress rule in groups [{groups}] admits {wire}",
            "ko": "그룹 [{groups}]에 {wire:을/를} 허용하는 egress 규칙이 없습니다",
        },
    }
)

Direction = Literal["ingress", "egress"]


class Query(NamedTuple):
    """What a rule must admit: direction, IP version, protocol number, destination port;
    ``reply``: a stateless reply's (engine/stateless.py): "port" to ``port`` (an ICMP
    type, a tunnel's port), or to the ephemeral range: admitted on "part" or "all" of it.
    A tuple: every set is looked up by query, and a tuple hashes and compares in C."""

    direction: Direction
    version: int
    proto: int
    port: int | None
    reply: str = ""

    @property
    def side(self) -> str:
        """Whose port's set it is in a family: the source's ("src") or the target's ("dst")."""
        return "src" if (self.direction == "egress") != bool(self.reply) else "dst"

    @staticmethod
    def of(wire: Wire, direction: Direction) -> Query:
        version = (wire.src if direction == "ingress" else wire.dst).version
        return Query(direction, version, wire.proto, wire.dst_port)


def rule_applies(rule: SecurityGroupRule, q: Query) -> bool | None:
    """Does ``rule`` cover ``q`` apart from its remote end? None: its protocol is unreadable."""
    if rule.direction != q.direction or (rule.ethertype == "IPv4") != (q.version == 4):
        return False
    want = rule_protocol(protocol_number(rule.protocol), rule.ethertype)
    if isinstance(want, str):
        return None
    if want is not None and want != q.proto:
        return False
    bounds = port_bounds(rule, want)
    if bounds is not None and (q.port is None or not bounds[0] <= q.port <= bounds[1]):
        return False
    return not other_icmp(rule, want)


def remote_admits(topo: Topology, rule: SecurityGroupRule, remote: IPAddress) -> bool | None:
    """Does the remote end of ``rule`` include ``remote``? None: cannot tell."""
    if rule.remote_ip_prefix is not None:
        return rule.remote_ip_prefix.version == remote.version and remote in rule.remote_ip_prefix
    if rule.remote_group_id is not None:
        return group_member(topo, rule.remote_group_id, remote)
    if rule.remote_address_group_id is not None:
        return None
    return True


def group_member(topo: Topology, group_id: str, ip: IPAddress) -> bool | None:
    """Is ``ip`` a member address of ``group_id`` for remote-group rules? Backend-dependent."""
    members = topo.members.get(group_id)
    if members is None:
        return False
    if ip in members.fixed:
        return True
    if any(n.version == ip.version and ip in n for n in members.pairs):
        if topo.backend == "ml2/ovs":
            return True
        if topo.backend == "ml2/ovn":
            return False
        return None
    return False


def rule_text(topo: Topology, rule: SecurityGroupRule) -> str:
    proto = rule.protocol or "any"
    span = port_span(rule.port_range_min, rule.port_range_max)
    ports = f" {span}" if span else ""
    remote: str
    if rule.remote_ip_prefix is not None:
        word = "from" if rule.direction == "ingress" else "to"
        remote = Msg(f"sg.remote.{word}", prefix=rule.remote_ip_prefix)
    elif rule.remote_group_id is not None:
        grp = topo.groups.get(rule.remote_group_id)
        remote = Msg("sg.remote.group", group=grp.name if grp else short_id(rule.remote_group_id))
    else:
        remote = Msg("sg.remote.any")
    return Msg(
        "sg.rule",
        id=short_id(rule.id),
        direction=rule.direction,
        what=f"{proto}{ports}",
        remote=remote,
    )


def security_groups(
    topo: Topology, port: Port, wire: Wire, direction: Direction, where: str
) -> Hop:
    """The security-group hop on ``port`` for ``wire`` (ingress: from its source; egress: to its
    destination). Stateful: the reply of an admitted connection passes."""
    return unfiltered(_rules(topo, port, wire, direction, where), port, topo)


def _rules(topo: Topology, port: Port, wire: Wire, direction: Direction, where: str) -> Hop:
    step = "sg-ingress" if direction == "ingress" else "sg-egress"
    remote = wire.src if direction == "ingress" else wire.dst
    if port.port_security_enabled is False:
        ev = (Evidence("port", port.id, "port_security_enabled", "false"),)
        return Hop(step, where, Disposition.NOT_APPLICABLE, Msg("hop.sg-portsec-off"), ev)
    os_ = topo.snapshot.openstack
    if os_ is None or os_.security_groups is None:
        return Hop(step, where, Disposition.UNKNOWN, Msg("hop.sg-not-collected"), cause="gap")
    q = Query.of(wire, direction)
    names = []
    undecided: list[str] = []
    missing = [g for g in port.security_group_ids if g not in topo.groups]
    for gid in port.security_group_ids:
        grp = topo.groups.get(gid)
        if grp is None:
            continue
        names.append(grp.name or gid)
        for rule in grp.rules:
            applies = rule_applies(rule, q)
            match = remote_admits(topo, rule, remote) if applies else applies
            if match:
                detail = Msg(
                    "hop.sg-admits",
                    rule=rule_text(topo, rule),
                    group=grp.name or gid,
                    wire=wire.describe(),
                )
                ev = (Evidence("security_group_rule", rule.id, "security_group", grp.name or gid),)
                return Hop(step, where, Disposition.ACCEPTED, detail, ev)
            if match is None:
                undecided.append(rule.id)
    if undecided or missing:
        why = []
        if undecided:
            rules = ", ".join(short_id(r) for r in undecided[:3])
            key = "hop.sg-backend-unknown" if topo.backend is None else "hop.sg-rules-unknown"
            why.append(Msg(key, rules=rules))
        if missing:
            why.append(Msg("hop.sg-missing", groups=", ".join(missing)))
        return Hop(
            step, where, Disposition.UNKNOWN, Msg("text.join", items=why), cause="sg-undecided"
        )
    groups = ", ".join(names) or "none"
    if not port.security_group_ids:
        detail = Msg(f"hop.sg-none-{direction}")
    else:
        detail = Msg(f"hop.sg-denied-{direction}", groups=groups, wire=wire.describe())
    groups_ev = tuple(
        Evidence("security_group", g, "rules", direction) for g in port.security_group_ids
    )
    return Hop(step, where, Disposition.DENIED, detail, groups_ev, cause=denied_cause(topo, wire))


def denied_cause(topo: Topology, wire: Wire) -> str:
    """The root-cause key of a security-group drop of ``wire``: to a destination outside the
    cluster (no pod network, service CIDR or Neutron subnet of the nodes holds it) it is
    sg-outside, whatever its source (a pod's own address or its node's)."""
    if wire.encap:
        return "sg-encap"
    dst = wire.dst
    if not (
        topo.in_pod_network(dst)
        or topo.subnet_of(dst) is not None
        or any(dst in c for c in topo.service_cidrs if c.version == dst.version)
    ):
        return "sg-outside"
    if topo.in_pod_network(wire.src):
        return "sg-pod-source"
    return "sg-node"
