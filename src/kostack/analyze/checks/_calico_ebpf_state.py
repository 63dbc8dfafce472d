"""Whether Calico's eBPF data plane runs, as the checks that depend on it see it: the value
every node has (engine/calico_ebpf.py `effective`), and why it is not known when it is not
(some nodes on and others off by their own FelixConfiguration or calico-node pod; a FELIX_*
variable of calico-node set from a valueFrom kostack did not read; a volume mounted over
Felix's config file, which the API cannot show)."""

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
            "(a calico-node pod's FELIX_BPFENABLED beats FelixConfiguration node.<name>, which "
            "beats default): Felix serves Services on the "
            "first, kube-proxy on the others, and kostack judges one Service proxy per "
            "cluster. Give every node the same bpfEnabled.",
            "ko": "판단할 수 없음: Calico eBPF 데이터 플레인이 {on}에서는 켜져 있고 {off}에서는 "
            "꺼져 있습니다 (calico-node Pod의 FELIX_BPFENABLED가 FelixConfiguration node.<이름>보다, "
            "node.<이름>이 default보다 우선). 앞의 노드에서는 "
            "Felix가, 나머지에서는 kube-proxy가 서비스를 처리하는데 kostack은 클러스터마다 서비스 "
            "프록시 하나로 판단합니다. 모든 노드의 bpfEnabled를 같게 하세요.",
        },
        "ebpf-state.env-unread": {
            "en": "Cannot decide: calico-node sets {names} from a valueFrom kostack did not "
            "read, and Felix takes its environment before any FelixConfiguration.",
            "ko": "판단할 수 없음: calico-node가 {names} 값을 kostack이 읽지 못한 valueFrom에서 "
            "가져오며, Felix는 환경 변수를 어떤 FelixConfiguration보다 먼저 적용합니다.",
        },
        "ebpf-state.config-file": {
            "en": "Cannot decide: calico-node mounts a volume over /etc/calico/felix.cfg ({where}), "
            "and Felix reads that file after its environment and before any "
            "FelixConfiguration; kostack cannot read it through the API. Set bpfEnabled in "
            "calico-node's environment or check the file.",
            "ko": "판단할 수 없음: calico-node가 /etc/calico/felix.cfg 위에 볼륨을 마운트하며({where}), "
            "Felix는 이 파일을 환경 변수 다음, 어떤 FelixConfiguration보다 먼저 적용합니다. kostack은 "
            "API로 이 파일을 읽을 수 없습니다. calico-node 환경 변수에 bpfEnabled를 지정하거나 "
            "파일을 확인하세요.",
        },
        "ebpf-state.daemonset": {"en": "its DaemonSet's template", "ko": "DaemonSet 템플릿"},
    }
)


def _file_where(names: tuple[str, ...]) -> str:
    """The nodes whose calico-node mounts over felix.cfg, or its DaemonSet's template."""
    return Msg("ebpf-state.daemonset") if names == ("calico-node",) else nodes_label(names)


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
    if calico.bpf_enabled is None and calico.felix_config_file:
        where = _file_where(calico.felix_config_file)
        return calico, Msg("ebpf-state.config-file", where=where)
    return calico, None
