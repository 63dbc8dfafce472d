"""Whether Calico's eBPF data plane runs, as the checks that depend on it see it: the value
every node has (engine/calico_ebpf.py `effective`), and why it is not known when it is not
(some nodes on and others off by their own FelixConfiguration or calico-node pod; a FELIX_*
variable of calico-node set from a valueFrom kostack did not read; a volume mounted over
Felix's config file, which the API cannot show; the operator's switch to eBPF under way: its
Installation asks for BPF and FelixConfiguration default does not say so yet); and the note
that a node runs two live calico-node pods whose eBPF settings differ (a rolling update)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks._sg import calico_of
from kostack.analyze.checks.base import CheckContext, Says
from kostack.analyze.engine.calico_ebpf import effective, mixed_bpf
from kostack.analyze.engine.felix_kernel import KernelRefusal, kernel_refusal, verdict
from kostack.analyze.findings import Finding, Status
from kostack.analyze.messages import Msg, register
from kostack.model.cluster import Node
from kostack.model.snapshot import Calico
from kostack.shell import as_code, render

ROLLOUT = ("kubectl", "-n", "calico-system", "rollout", "status", "daemonset/calico-node")
TIGERA = ("kubectl", "get", "tigerastatus", "calico", "-o", "yaml")
# Felix's own word when it refuses eBPF (felix/daemon/daemon.go applyBPFOverrides)
FELIX_LOGS = (
    "kubectl",
    "-n",
    "calico-system",
    "logs",
    "-l",
    "k8s-app=calico-node",
    "-c",
    "calico-node",
    "--prefix",
    "--tail=-1",
)
NODE_KERNELS = (
    "kubectl",
    "get",
    "nodes",
    "-o",
    "custom-columns=NAME:.metadata.name,KERNEL:.status.nodeInfo.kernelVersion",
)
REFUSED_LINE = "BPF dataplane mode enabled but not supported by the kernel"

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
        "ebpf-state.transition": {
            "en": "Cannot decide: Calico's data plane is in transition. The operator's "
            "Installation asks for eBPF (linuxDataplane BPF) but FelixConfiguration default "
            "does not turn bpfEnabled on yet: the operator writes it only once calico-node's "
            "rolling update is complete{rollout}. Until then Felix keeps its iptables or "
            "nftables data plane where no node's own setting says otherwise, and switches to "
            "eBPF once it is written, so who serves Services is not decided.{known} Run kostack "
            "again once {command} says the rollout is done and bpfEnabled is true.",
            "ko": "판단할 수 없음: Calico 데이터 플레인이 전환 중입니다. 오퍼레이터의 Installation은 "
            "eBPF(linuxDataplane BPF)를 요청하지만 FelixConfiguration default는 아직 bpfEnabled를 "
            "켜지 않았습니다. 오퍼레이터는 calico-node의 롤링 업데이트가 끝난 뒤에만 이 값을 "
            "씁니다{rollout}. 그때까지 노드별 설정이 없는 곳의 Felix는 iptables 또는 nftables "
            "데이터 플레인을 유지하다가 값이 쓰이면 eBPF로 바뀌므로, 서비스를 누가 처리하는지 "
            "정해지지 않았습니다.{known} {command} 결과 롤아웃이 끝나고 bpfEnabled가 true가 된 "
            "뒤 kostack을 다시 실행하세요.",
        },
        "ebpf-state.rollout": {
            "en": " ({n} of {m} calico-node pods run the newest template)",
            "ko": " (calico-node Pod {m}개 중 {n}개가 최신 템플릿으로 실행 중)",
        },
        "ebpf-state.unobserved": {
            "en": " (calico-node's DaemonSet is at generation {generation} and its controller "
            "has observed {observed}: the rollout has not started)",
            "ko": " (calico-node DaemonSet은 generation {generation}인데 컨트롤러가 관찰한 것은 "
            "{observed}입니다: 롤아웃이 아직 시작되지 않음)",
        },
        "ebpf-state.degraded": {
            "en": "Cannot decide: the operator's Installation asks for eBPF (linuxDataplane BPF) "
            "but FelixConfiguration default does not turn bpfEnabled on, and the Tigera operator "
            "reports itself Degraded (TigeraStatus calico): {message}. It writes bpfEnabled only "
            "once nothing stops it, so this does not end by itself{rollout}. Until then Felix "
            "keeps its iptables or nftables data plane where no node's own setting says "
            'otherwise.{known} Fix what the message names (for "modified by someone else": '
            "FelixConfiguration default's annotation operator.tigera.io/bpfEnabled must match "
            "its bpfEnabled, or both be unset), see {command}, and run kostack again.",
            "ko": "판단할 수 없음: 오퍼레이터의 Installation은 eBPF(linuxDataplane BPF)를 요청하지만 "
            "FelixConfiguration default는 bpfEnabled를 켜지 않았고, Tigera 오퍼레이터는 스스로 "
            "Degraded 상태라고 보고합니다(TigeraStatus calico): {message}. 오퍼레이터는 막는 것이 "
            "없을 때만 bpfEnabled를 쓰므로 이 상태는 저절로 끝나지 않습니다{rollout}. 그때까지 "
            "노드별 설정이 없는 곳의 Felix는 iptables 또는 nftables 데이터 플레인을 "
            '유지합니다.{known} 메시지가 말하는 문제를 고치고("modified by someone else"라면 '
            "FelixConfiguration default의 annotation operator.tigera.io/bpfEnabled가 bpfEnabled와 "
            "같거나 둘 다 없어야 함), {command} 명령으로 확인한 뒤 kostack을 다시 실행하세요.",
        },
        "ebpf-state.progressing": {
            "en": " The Tigera operator reports Progressing (TigeraStatus calico): {message}.",
            "ko": " Tigera 오퍼레이터는 Progressing 상태라고 보고합니다(TigeraStatus calico): "
            "{message}.",
        },
        "ebpf-state.status-unread": {
            "en": " Whether the Tigera operator reports an error is not known (TigeraStatus "
            "calico was not read).",
            "ko": " Tigera 오퍼레이터가 오류를 보고하는지는 알 수 없습니다(TigeraStatus calico를 "
            "읽지 못함).",
        },
        "ebpf-state.known": {
            "en": " Decided by their own setting: eBPF {on} on {nodes}.",
            "ko": " 노드별 설정으로 정해진 곳: {nodes}에서 eBPF {on}.",
        },
        "ebpf-state.on": {"en": "on", "ko": "켜짐"},
        "ebpf-state.off": {"en": "off", "ko": "꺼짐"},
        "ebpf-state.pods-differ": {
            "en": "Note: {nodes} run two live calico-node pods (a rolling update) whose FELIX_* "
            "eBPF settings differ; kostack judges each by its newest running and ready pod "
            "({chosen} on {node}, not {other}).",
            "ko": "참고: {nodes}에서 FELIX_* eBPF 설정이 서로 다른 calico-node Pod 두 개가 "
            "실행 중입니다(롤링 업데이트). kostack은 가장 최근에 실행되어 준비된 Pod로 "
            "판단합니다({node}에서는 {other:이/가} 아니라 {chosen}).",
        },
        "ebpf-state.noted": {"en": "{message} {note}", "ko": "{message} {note}"},
        "ebpf-state.cat": {"en": "{first}{rest}", "ko": "{first}{rest}"},
        "ebpf-state.semi": {"en": "{first}; {rest}", "ko": "{first}; {rest}"},
        "ebpf-state.kernel": {
            "en": "Cannot decide: bpfEnabled is on, but Felix refuses its eBPF data plane on "
            "{nodes} for their kernel ({kernels}; it needs 5.3, or 4.18 for a Red Hat kernel): "
            'there it logs "{line}", turns BPFEnabled off and runs its iptables or nftables '
            "data plane, while the operator's TigeraStatus stays Available. Services there are "
            "not Felix's: kube-proxy's where it runs, nobody's where it was removed. Upgrade those "
            "nodes' kernel, and see the line in {command} (kube-system for a manifest install).",
            "ko": "판단할 수 없음: bpfEnabled는 켜져 있지만 Felix는 {nodes}에서 커널 때문에 eBPF "
            "데이터 플레인을 거부합니다({kernels}; 5.3 이상, Red Hat 커널은 4.18 이상이 필요). 그 "
            '노드에서 Felix는 "{line}" 로그를 남기고 BPFEnabled를 끈 채 iptables 또는 nftables '
            "데이터 플레인으로 동작하며, 오퍼레이터의 TigeraStatus는 Available로 남습니다. 그 "
            "노드의 서비스는 Felix가 처리하지 않습니다: kube-proxy가 있으면 kube-proxy가, 제거했으면 "
            "아무도 처리하지 않습니다. 그 노드의 커널을 올리고, {command} 출력에서 그 줄을 확인하세요(매니페스트 "
            "설치는 kube-system).",
        },
        "ebpf-state.kernel-maybe": {
            "en": "Cannot decide: bpfEnabled is on, but Felix may refuse its eBPF data plane on "
            "{nodes} for their kernel ({kernels}): between 4.18 and 5.3 it accepts a kernel "
            "only when /proc/version names Red Hat, which the Node's kernelVersion does not "
            'show. Where it refuses, it logs "{line}" and runs its iptables or nftables '
            "data plane; see {command} (kube-system for a manifest install).",
            "ko": "판단할 수 없음: bpfEnabled는 켜져 있지만 Felix가 {nodes}에서 커널 때문에 eBPF "
            "데이터 플레인을 거부할 수 있습니다({kernels}). 4.18과 5.3 사이의 커널은 "
            "/proc/version에 Red Hat이 있을 때만 받아들이는데, Node의 kernelVersion으로는 알 수 "
            '없습니다. 거부한 노드에서는 "{line}" 로그를 남기고 iptables 또는 nftables 데이터 '
            "플레인으로 동작합니다. {command} 출력을 확인하세요(매니페스트 설치는 kube-system).",
        },
        "ebpf-state.kernel-unread": {
            "en": "Cannot decide: bpfEnabled is on, but the kernel of {nodes} is not known "
            "({kernels}), and Felix refuses its eBPF data plane on a kernel older than 5.3 "
            '(4.18 for a Red Hat kernel): there it logs "{line}" and runs its iptables or '
            "nftables data plane, so whether Felix serves Services on those nodes is not "
            "decided. Read their kernel with {nodes_command}, and see {command} (kube-system "
            "for a manifest install).",
            "ko": "판단할 수 없음: bpfEnabled는 켜져 있지만 {nodes}의 커널을 알 수 없고"
            "({kernels}), Felix는 5.3보다 오래된 커널(Red Hat 커널은 4.18)에서 eBPF 데이터 "
            '플레인을 거부합니다. 그 경우 "{line}" 로그를 남기고 iptables 또는 nftables 데이터 '
            "플레인으로 동작하므로, 그 노드의 서비스를 Felix가 처리하는지 정해지지 않았습니다. "
            "{nodes_command} 명령으로 커널을 확인하고 {command} 출력을 보세요(매니페스트 설치는 "
            "kube-system).",
        },
        "ebpf-state.kernel-also-unread": {
            "en": " The kernel of {nodes} is not known either ({kernels}): see {nodes_command}.",
            "ko": " {nodes}의 커널도 알 수 없습니다({kernels}): {nodes_command} 명령으로 "
            "확인하세요.",
        },
        "ebpf-state.kernel-empty": {
            "en": "the Node's status.nodeInfo.kernelVersion is empty",
            "ko": "Node의 status.nodeInfo.kernelVersion이 비어 있음",
        },
        "ebpf-state.kernel-said": {
            "en": "the Node says {kernels}, not a kernel release",
            "ko": "Node에는 커널 릴리스가 아닌 {kernels:이/가} 적혀 있음",
        },
        "ebpf-state.kernel-degraded": {
            "en": " Besides, Felix would refuse eBPF on {nodes} for their kernel ({kernels}) "
            "once it is written: that is Felix's, not what the operator reports.",
            "ko": " 또한 값이 쓰이더라도 Felix는 {nodes}에서 커널 때문에 eBPF를 거부합니다"
            "({kernels}). 이는 오퍼레이터가 보고하는 것과 별개로 Felix가 정하는 것입니다.",
        },
        "ebpf-state.kernel-fine": {
            "en": " Every node's kernel is one Felix runs eBPF on (5.3 or later, or a Red Hat "
            "4.18): the operator's state, not Felix, holds it back.",
            "ko": " 모든 노드의 커널은 Felix가 eBPF를 실행할 수 있는 커널입니다(5.3 이상 또는 "
            "Red Hat 4.18): Felix가 아니라 오퍼레이터 상태가 전환을 막고 있습니다.",
        },
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
    if calico.bpf_enabled is None and calico.bpf_transition:
        return calico, _transition(calico, cl.nodes or () if cl is not None else ())
    if calico.bpf_enabled is None and calico.felix_env_unread:
        names = ", ".join(calico.felix_env_unread)
        return calico, Msg("ebpf-state.env-unread", names=names)
    if calico.bpf_enabled is None and calico.felix_config_file:
        where = _file_where(calico.felix_config_file)
        return calico, Msg("ebpf-state.config-file", where=where)
    if calico.bpf_enabled and cl is not None and cl.nodes:
        return calico, _refused(kernel_refusal(cl.nodes))
    return calico, None


def _kernels(found: tuple[tuple[str, str], ...]) -> dict[str, str]:
    names = [n for n, _ in found]
    kernels = sorted({k for _, k in found})
    shown = ", ".join(kernels[:3]) + (", ..." if len(kernels) > 3 else "")
    return {"nodes": nodes_label(names), "kernels": shown}


def _unread(found: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The nodes whose kernel is not known, and what their Node says (empty, or not a
    release)."""
    said = sorted({k for _, k in found if k})
    shown = ", ".join(said[:3]) + (", ..." if len(said) > 3 else "")
    kernels = Msg("ebpf-state.kernel-said", kernels=shown) if said else ""
    if any(not k for _, k in found):
        empty = Msg("ebpf-state.kernel-empty")
        kernels = Msg("ebpf-state.semi", first=empty, rest=kernels) if kernels else empty
    return {
        "nodes": nodes_label([n for n, _ in found]),
        "kernels": kernels,
        "nodes_command": as_code(render(NODE_KERNELS)),
    }


def _refused(found: KernelRefusal) -> str | None:
    """Felix refusing eBPF for the kernel on some nodes (or maybe), or a node whose kernel is
    not known (never counted as accepted): the undecided message, naming the nodes."""
    if not found:
        return None
    if not (found.refused or found.maybe):
        return Msg(
            "ebpf-state.kernel-unread",
            **_unread(found.unread),
            line=REFUSED_LINE,
            command=as_code(render(FELIX_LOGS)),
        )
    logs = as_code(render(FELIX_LOGS))
    key, nodes = ("kernel", found.refused) if found.refused else ("kernel-maybe", found.maybe)
    said = Msg(f"ebpf-state.{key}", **_kernels(nodes), line=REFUSED_LINE, command=logs)
    if not found.unread:
        return said
    return _cat(said, Msg("ebpf-state.kernel-also-unread", **_unread(found.unread)))


def _transition(calico: Calico, nodes: Sequence[Node] = ()) -> str:
    """The operator's switch to eBPF under way: the rollout's progress (or that it has not
    started), the nodes whose own setting (calico-node's environment, their
    FelixConfiguration) decides, and what the operator reports: Degraded is said instead of
    "in transition", since it does not end by itself."""
    rollout = ""
    if calico.bpf_unobserved is not None:
        generation, observed = calico.bpf_unobserved
        rollout = Msg("ebpf-state.unobserved", generation=generation, observed=observed)
    elif calico.bpf_rollout is not None:
        n, m = calico.bpf_rollout
        rollout = Msg("ebpf-state.rollout", n=n, m=m)
    sides: dict[bool, list[str]] = {True: [], False: []}
    for name, own in sorted(calico.felix_nodes.items()):
        if own.bpf_enabled is not None:
            sides[own.bpf_enabled].append(name)
    known = _cat(
        *(
            Msg(
                "ebpf-state.known",
                on=Msg(f"ebpf-state.{'on' if on else 'off'}"),
                nodes=nodes_label(names),
            )
            for on, names in sides.items()
            if names
        )
    )
    kind, message = calico.operator_status or ("", "")
    if kind == "Degraded":
        return Msg(
            "ebpf-state.degraded",
            message=message,
            rollout=rollout,
            known=_cat(known, _felix_side(nodes)),
            command=as_code(render(TIGERA)),
        )
    if kind == "Progressing":
        known = _cat(known, Msg("ebpf-state.progressing", message=message))
    elif calico.operator_status is None:
        known = _cat(known, Msg("ebpf-state.status-unread"))
    return Msg(
        "ebpf-state.transition", rollout=rollout, known=known, command=as_code(render(ROLLOUT))
    )


def _cat(*parts: str) -> str:
    """``parts`` one after the other, each still said in the reader's language (``+`` and
    ``str.join`` would fix a Msg in English)."""
    out = ""
    for part in parts:
        out = Msg("ebpf-state.cat", first=out, rest=part) if out and part else out or part
    return out


def _felix_side(nodes: Sequence[Node]) -> str:
    """Beside the operator's Degraded: whether Felix too would refuse eBPF for the kernel
    (said for the nodes it refuses, or that it refuses none when every kernel is known and
    accepted); nothing when some kernel is not known or not decided."""
    found = kernel_refusal(nodes)
    if found.refused:
        return Msg("ebpf-state.kernel-degraded", **_kernels(found.refused))
    if nodes and all(verdict(n.kernel_version) is False for n in nodes):
        return Msg("ebpf-state.kernel-fine")
    return ""


def noted(calico: Calico | None, findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with the note that some nodes run two live calico-node pods whose eBPF
    settings differ (collect/_cni_common.py `CalicoNodePod`), when they do."""
    if calico is None or not calico.felix_pods_differ:
        return list(findings)
    names = sorted(calico.felix_pods_differ)
    chosen, other = calico.felix_pods_differ[names[0]]
    note = Msg(
        "ebpf-state.pods-differ",
        nodes=nodes_label(names),
        node=names[0],
        chosen=chosen,
        other=other,
    )
    return [
        replace(f, message=Msg("ebpf-state.noted", message=f.message, note=note)) for f in findings
    ]


def ebpf_on(ctx: CheckContext, say: Says) -> Calico | list[Finding]:
    """The eBPF checks' shared start: the Calico settings while eBPF is on everywhere, else
    their one finding (NOT-APPLICABLE off Calico or with eBPF off, UNKNOWN when undecided or
    not known; the check's messages ``<id>.not-calico``, ``.off`` and ``.unknown``)."""
    cl = ctx.snapshot.cluster
    calico, undecided = ebpf_state(ctx)
    if cl is None or cl.cni.type != "calico":
        return [say.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{say.check_id}.not-calico"))]
    if undecided is not None:
        return [say.cluster(ctx, Status.UNKNOWN, undecided)]
    if calico is not None and calico.bpf_enabled is False:
        return [say.cluster(ctx, Status.NOT_APPLICABLE, Msg(f"{say.check_id}.off"))]
    if calico is None or calico.bpf_enabled is None:
        return [say.cluster(ctx, Status.UNKNOWN, Msg(f"{say.check_id}.unknown"))]
    return calico
