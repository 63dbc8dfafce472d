"""neutron-underlay-addresses: Kube-OVN's underlay Subnets hand pods no address Neutron holds
or may hand out.

An underlay Subnet (``spec.vlan`` set) puts its pods on the node NIC's network with their own
addresses, which Kube-OVN's IPAM takes from ``cidrBlock`` less ``excludeIps`` (the gateway
always among them). Neutron's IPAM hands out addresses of the same network from its subnet's
allocation pools without knowing Kube-OVN (docs/facts.md "Kube-OVN"). So a Neutron port's
fixed IP (a VM, the nodes themselves, a router interface, DHCP, a load balancer) that Kube-OVN
may give a pod is a conflict (FAIL, cause ``kube-ovn-address``), and an allocation pool that
overlaps what Kube-OVN hands out is a warning (cause ``kube-ovn-allocation-pool``). What it
hands out is narrowed to what pods can get (``_kubeovn_draws.py``): the IPPools alone where
every namespace of a Subnet draws from them, and the pods' own addresses (static ones too,
which Kube-OVN grants even inside excludeIps: a Neutron port holding one is a FAIL without
an exclusion to offer; one in Neutron's allocation pools that no port holds is a warning,
``_kubeovn_static_pool.py``). Linear: each fixed IP is looked up by binary search in the spans of
the Subnets of its Neutron subnet; no address is enumerated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from kostack.analyze.checks._allocation import pool_command
from kostack.analyze.checks._facts import cidrs_label
from kostack.analyze.checks._kubeovn_draws import Draws, draws, index, pod_addresses
from kostack.analyze.checks._kubeovn_static_pool import static_in_pools
from kostack.analyze.checks._spans import (
    Span,
    holds,
    merged,
    size,
    span_text,
    within,
)
from kostack.analyze.checks.base import CheckContext, Kind, Says, missing, port_resource
from kostack.analyze.findings import MANUAL_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import KubeOvn, KubeOvnSubnet, Port, Subnet
from kostack.shell import as_code, render

ID = "neutron-underlay-addresses"
TITLE = "Kube-OVN underlay Subnets hand pods no address that Neutron holds or hands out"
SEVERITY = Severity.HIGH
SAY = Says(ID, SEVERITY)
SEVERITY_NOTE = (
    "high: a pod that draws an address a Neutron port holds does not start (kube-ovn-cni's "
    "ARP probe) or shares it with a VM; an allocation pool overlapping the Subnet is a warning "
    "(cause `kube-ovn-allocation-pool`): nothing breaks until Neutron hands such an address out."
)
NEEDS = ("cluster.cni", "openstack.subnets", "openstack.ports", "node_ports")
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {
    "kube-ovn-address": Kind.ROOT | Kind.POD_TRAFFIC | Kind.SOME_ADDRESSES,
    "kube-ovn-allocation-pool": Kind.WARNING,
}
CAUSE = "kube-ovn-address"
POOL_CAUSE = "kube-ovn-allocation-pool"
SHOWN = 6

register(
    {
        f"{ID}.not-kube-ovn": {
            "en": "The CNI is not Kube-OVN.",
            "ko": "CNI가 Kube-OVN이 아닙니다.",
        },
        f"{ID}.cni-unknown": {
            "en": "Which CNI runs is not known, so whether Kube-OVN's underlay hands pods "
            "Neutron's addresses is not known.",
            "ko": "어떤 CNI가 실행 중인지 알 수 없어, Kube-OVN 언더레이가 Pod에 Neutron의 주소를 주는지 "
            "알 수 없습니다.",
        },
        f"{ID}.subnets-unread": {
            "en": "Kube-OVN's Subnets were not read: which underlay ranges hand pods addresses "
            "is not known.",
            "ko": "Kube-OVN의 Subnet을 읽지 못해, 어떤 언더레이 대역이 Pod에 주소를 주는지 알 수 "
            "없습니다.",
        },
        f"{ID}.none": {
            "en": "No Kube-OVN Subnet of the pods is underlay (spec.vlan): their addresses stay "
            "inside OVN.",
            "ko": "Pod의 Kube-OVN Subnet 중 언더레이(spec.vlan)인 것이 없습니다: Pod 주소는 OVN "
            "안에만 있습니다.",
        },
        f"{ID}.no-ports": {
            "en": "No node was matched to its Neutron port: which Neutron network the underlay "
            "Subnets are on is not known.",
            "ko": "어떤 노드도 Neutron 포트와 대응되지 않아, 언더레이 Subnet이 어느 Neutron "
            "네트워크에 있는지 알 수 없습니다.",
        },
        f"{ID}.exclude-unread": {
            "en": "The excludeIps of Kube-OVN underlay Subnet {subnet} were not read: which "
            "addresses its pods take is not known.",
            "ko": "Kube-OVN 언더레이 Subnet {subnet}의 excludeIps를 읽지 못해, 그 Pod가 어떤 주소를 "
            "받는지 알 수 없습니다.",
        },
        f"{ID}.elsewhere": {
            "en": "Kube-OVN underlay Subnet {subnet} ({cidrs}) overlaps no Neutron subnet of the "
            "nodes' networks: which network it is on, and whose addresses it may take, is not "
            "known.",
            "ko": "Kube-OVN 언더레이 Subnet {subnet}({cidrs}) 대역은 노드 네트워크의 어떤 Neutron "
            "서브넷과도 겹치지 않아, 어느 네트워크에 있고 누구의 주소를 가져갈 수 있는지 알 수 "
            "없습니다.",
        },
        f"{ID}.pools-unread": {
            "en": "The allocation pools of Neutron subnet {neutron} were not read: whether "
            "Neutron may hand out addresses of Kube-OVN underlay Subnet {subnet} is not known.",
            "ko": "Neutron 서브넷 {neutron}의 할당 풀을 읽지 못해, Neutron이 Kube-OVN 언더레이 "
            "Subnet {subnet}의 주소를 내줄 수 있는지 알 수 없습니다.",
        },
        f"{ID}.fail": {
            "en": "{n} {n:address/addresses} that Neutron ports hold on {neutron} {n:lies/lie} "
            "in what Kube-OVN underlay Subnet {subnet} hands to pods ({free}), not in its "
            "excludeIps: {ports}. {effect}",
            "ko": "Neutron 포트가 {neutron}에서 가진 주소 {n}개가 Kube-OVN 언더레이 Subnet "
            "{subnet:이/가} Pod에 주는 범위({free}) 안에 있고 excludeIps에 없습니다: {ports}. "
            "{effect}",
        },
        f"{ID}.effect.on": {
            "en": "kube-ovn-cni ARP-probes an IPv4 address before a pod gets it "
            "(--enable-arp-detect-ip-conflict, IPv6: duplicate address detection): a pod that "
            "draws one of them while its holder answers stays ContainerCreating (“IP address "
            "... has already been used by host with MAC ...”), and one whose holder is off or "
            "silent shares the address with it.",
            "ko": "kube-ovn-cni는 IPv4 주소를 Pod에 주기 전에 ARP로 확인합니다"
            "(--enable-arp-detect-ip-conflict, IPv6는 중복 주소 감지): 그 주소를 가진 쪽이 응답하면 "
            "그 주소를 받은 Pod는 ContainerCreating에 머물고(“IP address ... has already been used "
            "by host with MAC ...”), 가진 쪽이 꺼져 있거나 응답하지 않으면 Pod가 그 주소를 함께 "
            "씁니다.",
        },
        f"{ID}.effect.off": {
            "en": "kube-ovn-cni runs with --enable-arp-detect-ip-conflict=false: a pod that "
            "draws one of them shares the address with its holder, and traffic to it reaches "
            "either.",
            "ko": "kube-ovn-cni가 --enable-arp-detect-ip-conflict=false로 실행 중입니다: 그 주소를 "
            "받은 Pod는 주소를 가진 쪽과 주소를 함께 쓰고, 그 주소로 가는 트래픽은 둘 중 어느 쪽에든 "
            "닿습니다.",
        },
        f"{ID}.static": {
            "en": "{n} {n:address/addresses} that Neutron ports hold on {neutron} {n:is/are} "
            "the own address of a pod of Kube-OVN underlay Subnet {subnet} (status.podIPs, "
            "ovn.kubernetes.io/ip_address or an ip_pool list), which Kube-OVN grants even "
            "inside excludeIps: {ports}. {effect} Excluding {n:it/them} does not help: give "
            "the pod another address, or the Neutron port another one.",
            "ko": "Neutron 포트가 {neutron}에서 가진 주소 {n}개는 Kube-OVN 언더레이 Subnet "
            "{subnet}의 Pod 자신의 주소(status.podIPs, ovn.kubernetes.io/ip_address 또는 ip_pool "
            "목록)이며, Kube-OVN은 이런 주소를 excludeIps 안에 있어도 줍니다: {ports}. {effect} "
            "제외해도 소용없으므로 Pod나 Neutron 포트에 다른 주소를 주세요.",
        },
        f"{ID}.more": {"en": "{shown} and {more} more", "ko": "{shown} 외 {more}개"},
        f"{ID}.reason": {
            "en": "keep Kube-OVN Subnet {subnet} from handing out {range}",
            "ko": "Kube-OVN Subnet {subnet:이/가} {range:을/를} 내주지 않게 함",
        },
        f"{ID}.pool": {
            "en": "The allocation pools of Neutron subnet {neutron} ({pools}) overlap what "
            "Kube-OVN underlay Subnet {subnet} hands to pods, in {ranges}: Neutron may give a "
            "new port (a VM, a load balancer) an address a pod holds. Prefer excluding them in "
            "Kube-OVN (Neutron unchanged), one command per range such as {patch}; or leave them out of Neutron's pools: "
            "{command}.",
            "ko": "Neutron 서브넷 {neutron}의 할당 풀({pools})이 Kube-OVN 언더레이 Subnet "
            "{subnet:이/가} Pod에 주는 범위와 {ranges}에서 겹칩니다: Neutron이 새 포트(VM, "
            "로드밸런서)에 Pod가 가진 주소를 줄 수 있습니다. Kube-OVN에서 제외하는 방법을 "
            "권장합니다(Neutron은 그대로). 범위마다 명령 하나이며 예를 들면 {patch}입니다. 또는 Neutron 할당 풀에서 빼세요: {command}.",
        },
        f"{ID}.pool-neutron": {
            "en": "The allocation pools of Neutron subnet {neutron} ({pools}) overlap what "
            "Kube-OVN underlay Subnet {subnet} hands to pods, in {ranges}: Neutron may give a "
            "new port (a VM, a load balancer) an address a pod holds. Excluding them in Kube-OVN "
            "would leave the Subnet no address to hand out; leave them out of Neutron's pools "
            "instead: {command}.",
            "ko": "Neutron 서브넷 {neutron}의 할당 풀({pools})이 Kube-OVN 언더레이 Subnet "
            "{subnet:이/가} Pod에 주는 범위와 {ranges}에서 겹칩니다: Neutron이 새 포트(VM, "
            "로드밸런서)에 Pod가 가진 주소를 줄 수 있습니다. Kube-OVN에서 제외하면 Subnet에 내줄 "
            "주소가 남지 않으므로, 대신 Neutron 할당 풀에서 빼세요: {command}.",
        },
        f"{ID}.pool-split": {
            "en": "The allocation pools of Neutron subnet {neutron} ({pools}) overlap what "
            "Kube-OVN underlay Subnet {subnet} hands to pods, in {ranges}: Neutron may give a "
            "new port (a VM, a load balancer) an address a pod holds. Excluding them in Kube-OVN "
            "would leave the Subnet no address, and leaving them out of Neutron's pools would "
            "leave the pools empty: give Kube-OVN and Neutron separate parts of the network "
            "(shrink the Subnet's range with excludeIps and Neutron's pools to the rest).",
            "ko": "Neutron 서브넷 {neutron}의 할당 풀({pools})이 Kube-OVN 언더레이 Subnet "
            "{subnet:이/가} Pod에 주는 범위와 {ranges}에서 겹칩니다: Neutron이 새 포트(VM, "
            "로드밸런서)에 Pod가 가진 주소를 줄 수 있습니다. Kube-OVN에서 제외하면 Subnet에 주소가 "
            "남지 않고, Neutron 할당 풀에서 빼면 풀이 비므로, Kube-OVN과 Neutron에 네트워크의 서로 "
            "다른 부분을 주세요(excludeIps로 Subnet의 범위를 줄이고 Neutron 할당 풀은 나머지로).",
        },
        f"{ID}.pool-reason": {
            "en": "leave {ranges} out of the allocation pools of Neutron subnet {neutron}",
            "ko": "{ranges} 범위를 Neutron 서브넷 {neutron}의 할당 풀에서 뺌",
        },
        f"{ID}.pass": {
            "en": "Neutron's ports and allocation pools stay out of the addresses Kube-OVN hands "
            "to pods from {n} underlay {n:subnet/subnets} (cidrBlock less excludeIps).",
            "ko": "Neutron의 포트와 할당 풀이 Kube-OVN 언더레이 Subnet {n}개가 Pod에 주는 범위"
            "(cidrBlock에서 excludeIps를 뺀 것) 밖에 있습니다.",
        },
        f"{ID}.pass-pools": {
            "en": "Neutron's ports and allocation pools stay out of the addresses Kube-OVN hands "
            "to pods from {n} underlay {n:subnet/subnets}: {ranges} (every namespace of "
            "{pooled} draws from its IPPools only, so the rest is Neutron's while no pod names "
            "the Subnet itself with ovn.kubernetes.io/logical_switch), and of the pods' own "
            "addresses.",
            "ko": "Neutron의 포트와 할당 풀이 Kube-OVN 언더레이 Subnet {n}개가 Pod에 주는 주소 "
            "{ranges} 밖에 있고(Subnet {pooled}의 모든 네임스페이스는 자기 IPPool에서만 받으므로, "
            "ovn.kubernetes.io/logical_switch로 그 Subnet을 직접 지정하는 Pod가 없는 한 나머지는 "
            "Neutron의 것입니다), Pod 자신의 주소와도 겹치지 않습니다.",
        },
    }
)


@dataclass
class Underlay:
    """One underlay Subnet: what it hands out, the Neutron subnets it overlaps, and the
    fixed IPs found inside (port, address)."""

    subnet: KubeOvnSubnet
    draws: Draws
    neutron: list[Subnet]
    held: list[tuple[Port, int, int]] = field(default_factory=list)
    # what a pod may get or holds, by family: the IPAM's draws and the pods' own addresses
    taken: dict[int, list[Span]] = field(init=False)

    def __post_init__(self) -> None:
        both = (self.free, self.draws.static)
        self.taken = {v: merged(s for d in both for s in d.get(v, [])) for v in (4, 6)}

    @property
    def free(self) -> dict[int, list[Span]]:
        """What the Subnet's IPAM may hand a pod (its pods' own addresses aside)."""
        return self.draws.spans


def underlay_subnets(kube_ovn: KubeOvn) -> list[KubeOvnSubnet]:
    """The pods' underlay Subnets: ``spec.vlan`` set, the pods' provider (ovn), not join."""
    return [
        s
        for s in kube_ovn.subnets or ()
        if s.vlan and s.provider in (None, "ovn") and s.name != kube_ovn.join_subnet and s.cidrs
    ]


def run(ctx: CheckContext) -> list[Finding]:
    gone = missing(ctx, ID, SEVERITY, NEEDS[:1])
    if gone:
        return gone
    cl = ctx.snapshot.cluster
    assert cl is not None and cl.cni is not None
    if cl.cni.type == "unknown":
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.cni-unknown"))]
    if cl.cni.type != "kube-ovn" or cl.cni.kube_ovn is None:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.not-kube-ovn"))]
    kube_ovn = cl.cni.kube_ovn
    if kube_ovn.subnets is None:
        gap = ctx.snapshot.gap_for("cluster.cni.kube_ovn.subnets", "cluster.cni")
        evidence = (f"gap: {gap.source}: {gap.error}",) if gap else ()
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.subnets-unread"), evidence)]
    subnets = underlay_subnets(kube_ovn)
    if not subnets:
        return [SAY.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{ID}.none"))]
    gone = missing(ctx, ID, SEVERITY, NEEDS[1:])
    if gone:
        return gone
    return _judge(ctx, kube_ovn, subnets)


def _judge(ctx: CheckContext, kube_ovn: KubeOvn, subnets: list[KubeOvnSubnet]) -> list[Finding]:
    snap = ctx.snapshot
    assert snap.openstack is not None and snap.openstack.subnets is not None
    networks_of_nodes = {v.port.network_id for v in ctx.topo.node_views.values() if v.port}
    if not networks_of_nodes:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.no-ports"))]
    on_nodes = [s for s in snap.openstack.subnets if s.network_id in networks_of_nodes]
    out: list[Finding] = []
    judged: list[Underlay] = []
    pods = snap.cluster.pods if snap.cluster is not None else None
    own = pod_addresses(pods)
    idx = index(kube_ovn, pods)  # once: each Subnet looks its pools and pods up
    for s in subnets:
        if s.exclude_ips is None:
            msg = Msg(f"{ID}.exclude-unread", subnet=s.name)
            out.append(SAY.cluster(ctx, Status.UNKNOWN, msg, key=("exclude", s.name)))
            continue
        neutron = [n for n in on_nodes if any(n.cidr.overlaps(c) for c in s.cidrs)]
        if not neutron:
            cidrs = cidrs_label([str(c) for c in s.cidrs])
            msg = Msg(f"{ID}.elsewhere", subnet=s.name, cidrs=cidrs)
            out.append(SAY.cluster(ctx, Status.UNKNOWN, msg, key=("elsewhere", s.name)))
            continue
        judged.append(Underlay(s, draws(s, idx, own), neutron))
    _find_held(ctx, judged)
    for u in judged:
        drawn: list[tuple[Port, int, int]] = []
        static: list[tuple[Port, int, int]] = []
        for h in u.held:  # what the IPAM hands out, or only a pod's own address
            (drawn if holds(u.free.get(h[1], []), h[2]) else static).append(h)
        if drawn:
            out.append(_fail(ctx, kube_ovn, replace(u, held=drawn)))
        if static:
            out.append(_fail(ctx, kube_ovn, replace(u, held=static), static=True))
        for n in u.neutron:
            out.extend(_pools(ctx, u, n))
            v = n.cidr.version  # the pods' own addresses no port holds, in the pools
            spans = (
                u.draws.static.get(v, []),
                u.free.get(v, []),
                [h[2] for h in u.held if h[1] == v],
            )
            out.extend(static_in_pools(ctx, SAY, u.subnet.name, n, spans))
    if any(f.status in (Status.FAIL, Status.UNKNOWN) for f in out):
        return out
    return [_pass(ctx, [u for u in judged if u.draws.narrowed], len(subnets))]


def _pass(ctx: CheckContext, narrowed: list[Underlay], n: int) -> Finding:
    """PASS, naming the ranges pods draw from where the IPPools narrowed a Subnet."""
    if not narrowed:
        return SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass", n=n))
    ranges = [span_text(s, v) for u in narrowed for v, ss in sorted(u.free.items()) for s in ss]
    pooled = ", ".join(u.subnet.name for u in narrowed)
    msg = Msg(f"{ID}.pass-pools", n=n, ranges=cidrs_label(ranges) or "-", pooled=pooled)
    return SAY.cluster(ctx, Status.PASS, msg)


def _find_held(ctx: CheckContext, judged: list[Underlay]) -> None:
    """Every fixed IP on a Neutron subnet an underlay Subnet overlaps, looked up in that
    Subnet's spans: fixed IPs x (Subnets per Neutron subnet) binary searches."""
    by_neutron: dict[str, list[Underlay]] = {}
    for u in judged:
        for n in u.neutron:
            by_neutron.setdefault(n.id, []).append(u)
    if not by_neutron:
        return
    assert ctx.snapshot.openstack is not None
    for port in ctx.snapshot.openstack.ports or ():
        for fixed in port.fixed_ips:
            for u in by_neutron.get(fixed.subnet_id or "", ()):
                ip = fixed.ip_address
                if holds(u.taken[ip.version], int(ip)):
                    u.held.append((port, ip.version, int(ip)))


def _port_text(node_of: dict[str, str], port: Port, ip: str) -> str:
    """ "name (ip, node=N)" or "name (ip, device_owner=O)": names, addresses and fields,
    nothing to translate."""
    node = node_of.get(port.id)
    owner = f"node={node}" if node else f"device_owner={port.device_owner or '-'}"
    return f"{port.name or port.id} ({ip}, {owner})"


def _patch(subnet: str, value: str) -> str:
    """The JSON patch that appends one entry to the Subnet's excludeIps (kube-ovn-controller
    keeps the list, with the gateway, and merges its ranges: pkg/controller/subnet.go)."""
    body = f'[{{"op":"add","path":"/spec/excludeIps/-","value":"{value}"}}]'
    return render(["kubectl", "patch", "subnet", subnet, "--type", "json", "-p", body])


def _exclude_remedies(name: str, ranges: Sequence[str], cause: str) -> list[Remedy]:
    return [
        Remedy(
            "manual",
            "cni",
            f"subnet/{name}",
            name,
            (("command", _patch(name, r)),),
            Msg(f"{ID}.reason", subnet=name, range=r),
            cause,
        )
        for r in ranges
    ]


def _fail(ctx: CheckContext, kube_ovn: KubeOvn, u: Underlay, static: bool = False) -> Finding:
    """A FAIL on the held addresses the IPAM may hand a pod (excluding them is the fix), or
    (``static``) on those only a pod's own address explains (no exclusion helps)."""
    node_of = {v.port.id: v.name for v in ctx.topo.node_views.values() if v.port}
    seen: dict[tuple[str, int], tuple[Port, int, int]] = {}
    for port, version, value in u.held:
        seen.setdefault((port.id, value), (port, version, value))
    held = sorted(seen.values(), key=lambda h: (h[1], h[2]))
    texts = [_port_text(node_of, p, span_text((v, v), ver)) for p, ver, v in held]
    ports = ", ".join(texts[:SHOWN])
    if len(texts) > SHOWN:
        ports = Msg(f"{ID}.more", shown=ports, more=len(texts) - SHOWN)
    spans = {ver: merged((v, v) for _, w, v in held if w == ver) for ver in (4, 6)}
    ranges = [span_text(s, ver) for ver in (4, 6) for s in spans[ver]]
    effect = "off" if kube_ovn.arp_detect_ip_conflict is False else "on"
    free = [span_text(s, v) for v, spans in sorted(u.free.items()) for s in spans]
    message = Msg(
        f"{ID}.static" if static else f"{ID}.fail",
        n=len(held),
        neutron=", ".join(n.name or n.id for n in u.neutron),
        subnet=u.subnet.name,
        free=cidrs_label(free),
        ports=ports,
        effect=Msg(f"{ID}.effect.{effect}"),
    )
    evidence = (
        f"Subnet {u.subnet.name} cidrBlock {','.join(str(c) for c in u.subnet.cidrs)} "
        f"excludeIps {list(u.subnet.exclude_ips or ())}",
        *(
            f"port {p.id} {p.device_owner or '-'} fixed_ip {span_text((v, v), ver)}"
            for p, ver, v in held[:8]
        ),
    )
    return SAY.cluster(
        ctx,
        Status.FAIL,
        message,
        evidence,
        () if static else tuple(_exclude_remedies(u.subnet.name, ranges, CAUSE)),
        cause=CAUSE,
        affected=tuple(port_resource(ctx, p, node_of.get(p.id, "")) for p, _, _ in held),
        counts=(("ports", len({p.id for p, _, _ in held})),),
        key=("static" if static else "held", u.subnet.name),
        # the pods this breaks: those that draw a held address (release_checks/scope.py)
        extra={"pod_spans": tuple((ver, lo, hi) for ver in (4, 6) for lo, hi in spans[ver])},
    )


def _pools(ctx: CheckContext, u: Underlay, neutron: Subnet) -> list[Finding]:
    """A warning when the Neutron subnet's allocation pools overlap what the Subnet hands
    out; UNKNOWN when the pools were not read."""
    version = neutron.cidr.version
    if neutron.allocation_pools is None:
        msg = Msg(f"{ID}.pools-unread", neutron=neutron.name or neutron.id, subnet=u.subnet.name)
        return [SAY.cluster(ctx, Status.UNKNOWN, msg, key=("pools", u.subnet.name, neutron.id))]
    free = u.free.get(version, [])
    overlap = merged(
        s for p in neutron.allocation_pools for s in within(free, int(p.start), int(p.end))
    )
    if not overlap:
        return []
    ranges = [span_text(s, version) for s in overlap]
    command = pool_command(neutron, overlap)
    label = neutron.name or neutron.id
    reason = Msg(f"{ID}.pool-reason", ranges=cidrs_label(ranges), neutron=label)
    shrink = Remedy(
        "manual", "subnet", neutron.id, label, (("command", command or ""),), reason, POOL_CAUSE
    )
    # One way to clear it, never both: excluding every address the Subnet hands out leaves
    # its pods none, and a pool cut to nothing leaves Neutron no address for a new port.
    if size(overlap) < size(free):
        key, remedies = "pool", _exclude_remedies(u.subnet.name, ranges, POOL_CAUSE)
    elif command is not None:
        key, remedies = "pool-neutron", [shrink]
    else:
        key, remedies = "pool-split", []
    pools = ", ".join(f"{p.start}-{p.end}" for p in neutron.allocation_pools)
    message = Msg(
        f"{ID}.{key}",
        neutron=label,
        pools=pools,
        subnet=u.subnet.name,
        ranges=cidrs_label(ranges),
        patch=as_code(_patch(u.subnet.name, ranges[0])),
        command=as_code(command or ""),
    )
    return [
        Finding(
            ID,
            Status.FAIL,
            Severity.LOW,
            SAY.cluster(ctx, Status.FAIL, "").resource,
            message,
            (f"subnet {neutron.id} allocation_pools {pools}",),
            tuple(remedies),
            cause=POOL_CAUSE,
            key=("allocation", u.subnet.name, neutron.id),
        )
    ]
