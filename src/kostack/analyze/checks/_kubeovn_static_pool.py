"""A pod's own address of a Kube-OVN underlay Subnet (its ``ovn.kubernetes.io/ip_address``,
an ``ip_pool`` list, status.podIPs) that lies in a Neutron subnet's allocation pools and that
no Neutron port holds: Neutron may give it to a new port, and the address is then used twice
(docs/facts.md "Kube-OVN"). Kube-OVN grants a pod's own address even inside ``excludeIps``
(kubeovn/kube-ovn pkg/ipam/subnet.go ``allocateStaticAddress``), so excluding it does not help:
the fix is on Neutron's side, a port that reserves the address or pools without it. The
addresses the Subnet's IPAM hands out are the allocation-pool warning's own
(neutron_underlay_addresses ``_pools``); those a Neutron port holds are its FAIL. Spans, never
addresses one by one: linear in the spans."""

from __future__ import annotations

from collections.abc import Sequence

from kostack.analyze.checks._allocation import pool_command
from kostack.analyze.checks._facts import cidrs_label
from kostack.analyze.checks._spans import Span, address, merged, minus, size, span_text, within
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.findings import MANUAL_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import Subnet
from kostack.shell import as_code, end_options, render

ID = "neutron-underlay-addresses"
POOL_CAUSE = "kube-ovn-allocation-pool"
RESERVED = 6  # a reserving port per address up to this many; beyond, the pools' command alone

register(
    {
        f"{ID}.static-pool": {
            "en": "{n} {n:address/addresses} that pods of Kube-OVN underlay Subnet {subnet} "
            "hold or ask for (ovn.kubernetes.io/ip_address, an ip_pool list, status.podIPs) "
            "{n:lies/lie} in the allocation pools of Neutron subnet {neutron} ({pools}) and no "
            "Neutron port holds {n:it/them}: {ranges}. Neutron may give {n:it/them} to a new "
            "port (a VM, a load balancer): the same address twice. Excluding {n:it/them} in "
            "Kube-OVN does not help (a pod's own address is granted even inside excludeIps): "
            "reserve {n:it/them} in Neutron with a port, such as {reserve}, or leave {n:it/them} "
            "out of Neutron's pools: {command}.",
            "ko": "Kube-OVN 언더레이 Subnet {subnet}의 Pod가 가졌거나 요청한 주소 {n}개"
            "(ovn.kubernetes.io/ip_address, ip_pool 목록, status.podIPs)가 Neutron 서브넷 "
            "{neutron}의 할당 풀({pools}) 안에 있고, 그 주소를 가진 Neutron 포트가 없습니다: "
            "{ranges}. Neutron이 새 포트(VM, 로드밸런서)에 그 주소를 줄 수 있어 같은 주소가 두 번 "
            "쓰입니다. Kube-OVN에서 제외해도 소용없습니다(Pod 자신의 주소는 excludeIps 안에 "
            "있어도 주어짐). Neutron에서 포트로 예약하거나(예: {reserve}), Neutron 할당 풀에서 "
            "빼세요: {command}.",
        },
        f"{ID}.reserve-reason": {
            "en": "reserve {ip} in Neutron subnet {neutron} for a pod of Kube-OVN Subnet {subnet}",
            "ko": "Kube-OVN Subnet {subnet}의 Pod를 위해 Neutron 서브넷 {neutron}에서 {ip:을/를} "
            "예약함",
        },
        f"{ID}.static-pool-reason": {
            "en": "leave {ranges} out of the allocation pools of Neutron subnet {neutron}",
            "ko": "{ranges} 범위를 Neutron 서브넷 {neutron}의 할당 풀에서 뺌",
        },
    }
)


def reserve_command(neutron: Subnet, ip: str) -> str:
    """The port that keeps ``ip`` from Neutron's next allocation (a port holds its fixed IP)."""
    name = f"kube-ovn-reserved-{ip.replace(':', '-')}"
    fixed = f"subnet={neutron.id},ip-address={ip}"
    argv = ["openstack", "port", "create", "--network", neutron.network_id, "--fixed-ip", fixed]
    return render([*argv, *end_options([name])])


def static_in_pools(
    ctx: CheckContext,
    say: Says,
    subnet: str,
    neutron: Subnet,
    spans: tuple[Sequence[Span], Sequence[Span], Sequence[int]],
) -> list[Finding]:
    """One warning when the pods' own addresses ``spans[0]`` (of ``neutron``'s family), less
    what the Subnet's IPAM hands out ``spans[1]`` and the addresses Neutron's ports hold
    ``spans[2]``, lie in ``neutron``'s allocation pools (read)."""
    own, free, held = spans
    if not own or not neutron.allocation_pools:
        return []
    version = neutron.cidr.version
    rest = minus(minus(own, free), [(v, v) for v in held])
    hit = merged(
        s for p in neutron.allocation_pools for s in within(rest, int(p.start), int(p.end))
    )
    if not hit:
        return []
    label = neutron.name or neutron.id
    ranges = cidrs_label([span_text(s, version) for s in hit])
    command = pool_command(neutron, hit)
    first = str(address(hit[0][0], version))
    count = size(hit)
    remedies = [
        Remedy(
            MANUAL_OP,
            "subnet",
            neutron.id,
            label,
            (("command", reserve_command(neutron, ip)),),
            Msg(f"{ID}.reserve-reason", ip=ip, neutron=label, subnet=subnet),
            POOL_CAUSE,
        )
        for ip in (
            [str(address(v, version)) for lo, hi in hit for v in range(lo, hi + 1)]
            if count <= RESERVED
            else []
        )
    ]
    if command is not None:
        reason = Msg(f"{ID}.static-pool-reason", ranges=ranges, neutron=label)
        remedies.append(
            Remedy(
                MANUAL_OP, "subnet", neutron.id, label, (("command", command),), reason, POOL_CAUSE
            )
        )
    pools = ", ".join(f"{p.start}-{p.end}" for p in neutron.allocation_pools)
    message = Msg(
        f"{ID}.static-pool",
        n=count,
        subnet=subnet,
        neutron=label,
        pools=pools,
        ranges=ranges,
        reserve=as_code(reserve_command(neutron, first)),
        command=as_code(command) if command else Msg("allocation.whole-pool"),
    )
    return [
        Finding(
            ID,
            Status.FAIL,
            Severity.LOW,
            say.cluster(ctx, Status.FAIL, "").resource,
            message,
            (f"subnet {neutron.id} allocation_pools {pools}",),
            tuple(remedies),
            cause=POOL_CAUSE,
            key=("static-allocation", subnet, neutron.id),
        )
    ]
