"""Whether Calico's eBPF data plane runs, as the checks that depend on it see it: the value
every node has (engine/calico_ebpf.py `effective`), and why it is not known when it is not
(some nodes on and others off by their own FelixConfiguration; a FELIX_* variable of
calico-node set from a valueFrom kostack did not read)."""

from __future__ import annotations

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks._sg import calico_of
from kostack.analyze.checks.base import CheckContext
from kostack.analyze.engine.calico_ebpf import effective, mixed_bpf
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import Calico

register(
    {
        "ebpf-state.mixed": {
            "en": "Cannot decide: Calico's eBPF data plane is on for {on} and off for {off} "
            "(FelixConfiguration node.<name> beats default): Felix serves Services on the "
            "first, kube-proxy on the others, and kostack judges one Service proxy per "
            "cluster. Give every node the same bpfEnabled.",
            "ko": "판단할 수 없음: Calico eBPF 데이터 플레인이 {on}에서는 켜져 있고 {off}에서는 "
            "꺼져 있습니다 (FelixConfiguration node.<이름>이 default보다 우선). 앞의 노드에서는 "
            "Felix가, 나머지에서는 kube-proxy가 서비스를 처리하는데 kostack은 클러스터마다 서비스 "
            "프록시 하나로 판단합니다. 모든 노드의 bpfEnabled를 같게 하세요.",
        },
        "ebpf-state.env-unread": {
            "en": "Cannot decide: calico-node sets {names} from a valueFrom kostack did not "
            "read, and Felix takes its environment before any FelixConfiguration.",
            "ko": "판단할 수 없음: calico-node가 {names} 값을 kostack이 읽지 못한 valueFrom에서 "
            "가져오며, Felix는 환경 변수를 어떤 FelixConfiguration보다 먼저 적용합니다.",
        },
    }
)


def ebpf_state(ctx: CheckContext) -> tuple[Calico | None, str | None]:
    """(Calico's settings as every node has them, why whether eBPF runs is not known: None
    when it is known or when nothing more specific than "not read" can be said)."""
    cl = ctx.snapshot.cluster
    calico = calico_of(ctx)
    if calico is None:
        return None, None
    mixed = mixed_bpf(cl, calico)
    if mixed is not None:
        on, off = mixed
        return effective(cl, calico), Msg(
            "ebpf-state.mixed", on=nodes_label(on), off=nodes_label(off)
        )
    calico = effective(cl, calico)
    if calico.bpf_enabled is None and calico.felix_env_unread:
        names = ", ".join(calico.felix_env_unread)
        return calico, Msg("ebpf-state.env-unread", names=names)
    return calico, None
