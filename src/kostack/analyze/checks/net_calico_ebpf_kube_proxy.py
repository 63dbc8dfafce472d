"""net-calico-ebpf-kube-proxy: no kube-proxy runs beside Calico's eBPF data plane.

In eBPF mode Felix serves every Service address and, by default
(``bpfKubeProxyIptablesCleanupEnabled``, "Should only be enabled if kube-proxy is not
running"), removes kube-proxy's iptables chains while kube-proxy keeps writing them back;
Calico's docs turn kube-proxy off by a nodeSelector on its DaemonSet (docs/facts.md "Calico's
eBPF data plane"). Services keep working through Felix, so this is a warning (cause
`calico-ebpf-kube-proxy`), never a root cause; the evidence is the kube-proxy pods listed.
"""

from __future__ import annotations

from kostack.analyze.checks._calico_ebpf_state import ebpf_on, noted
from kostack.analyze.checks.base import CheckContext, Kind, Says, when_collected
from kostack.analyze.findings import MANUAL_OP, Finding, Remedy, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import Pod
from kostack.shell import render

ID = "net-calico-ebpf-kube-proxy"
TITLE = "No kube-proxy runs beside Calico's eBPF data plane"
SEVERITY = Severity.LOW
SAY = Says(ID, SEVERITY)
CAUSE = "calico-ebpf-kube-proxy"
NEEDS = ("cluster.cni",)
REMEDIES: frozenset[str] = frozenset({MANUAL_OP})
CAUSE_KINDS: dict[str, Kind] = {CAUSE: Kind.WARNING}
SEVERITY_NOTE = (
    "low: Felix serves the Services either way, but it removes kube-proxy's iptables chains "
    "while kube-proxy writes them back, and both spend CPU on every Service change."
)
# Calico's docs' way to turn kube-proxy off and keep its DaemonSet for a way back
PATCH = '{"spec":{"template":{"spec":{"nodeSelector":{"non-calico":"true"}}}}}'

register(
    {
        f"{ID}.not-calico": {
            "en": "The CNI is not Calico: no Calico eBPF data plane.",
            "ko": "CNI가 Calico가 아니므로 Calico eBPF 데이터 플레인이 없습니다.",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide: whether Calico runs its eBPF data plane, or which pods run, was "
            "not read.",
            "ko": "판단할 수 없음: Calico가 eBPF 데이터 플레인을 쓰는지, 또는 어떤 Pod가 실행 중인지 "
            "읽지 못했습니다.",
        },
        f"{ID}.off": {
            "en": "Calico runs its iptables or nftables data plane: kube-proxy serves Services.",
            "ko": "Calico가 iptables 또는 nftables 데이터 플레인으로 동작하므로 kube-proxy가 서비스를 "
            "처리합니다.",
        },
        f"{ID}.pass": {
            "en": "Calico's eBPF data plane serves Services and no kube-proxy pod runs.",
            "ko": "Calico eBPF 데이터 플레인이 서비스를 처리하고 kube-proxy Pod는 실행되지 않습니다.",
        },
        f"{ID}.fail": {
            "en": "{n} kube-proxy {n:pod runs/pods run} beside Calico's eBPF data plane ({pods}): "
            "Felix serves the Services and removes kube-proxy's iptables chains, which kube-proxy "
            "writes back; turn kube-proxy off as Calico's docs do.",
            "ko": "Calico eBPF 데이터 플레인과 함께 kube-proxy Pod {n}개가 실행 중입니다 ({pods}): "
            "서비스는 Felix가 처리하며 Felix가 지우는 kube-proxy의 iptables 체인을 kube-proxy가 다시 "
            "씁니다. Calico 문서대로 kube-proxy를 끄세요.",
        },
        f"{ID}.reason": {
            "en": "stop kube-proxy's pods (its DaemonSet stays, for a way back)",
            "ko": "kube-proxy Pod를 중지합니다 (되돌릴 수 있도록 DaemonSet은 남김)",
        },
    }
)


def _kube_proxy(pod: Pod) -> bool:
    """kubeadm's DaemonSet (k8s-app=kube-proxy) or a static pod (component=kube-proxy), as the
    collector counts them (collect/_cni_common.py)."""
    return pod.labels.get("k8s-app") == "kube-proxy" or (
        pod.namespace == "kube-system" and pod.labels.get("component") == "kube-proxy"
    )


@SAY.only_for("calico", f"{ID}.not-calico")
@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: CheckContext) -> list[Finding]:
    calico = ctx.snapshot.cluster.cni.calico if ctx.snapshot.cluster is not None else None
    return noted(calico, _run(ctx))


def _run(ctx: CheckContext) -> list[Finding]:
    calico = ebpf_on(ctx, SAY)
    if isinstance(calico, list):
        return calico
    cl = ctx.snapshot.cluster
    if cl is None or cl.pods is None:
        return [SAY.cluster(ctx, Status.UNKNOWN, Msg(f"{ID}.unknown"))]
    running = sorted(f"{p.namespace}/{p.name}" for p in cl.pods if _kube_proxy(p))
    if not running:
        return [SAY.cluster(ctx, Status.PASS, Msg(f"{ID}.pass"))]
    shown = ", ".join(running[:3]) + (", ..." if len(running) > 3 else "")
    command = render(["kubectl", "-n", "kube-system", "patch", "ds", "kube-proxy", "-p", PATCH])
    remedy = Remedy(
        MANUAL_OP,
        "daemonset",
        "kube-system/kube-proxy",
        "kube-proxy",
        (("command", command),),
        Msg(f"{ID}.reason"),
        CAUSE,
    )
    message = Msg(f"{ID}.fail", n=len(running), pods=shown)
    evidence = tuple(f"pod {p} (k8s-app=kube-proxy)" for p in running[:3])
    return [
        SAY.cluster(ctx, Status.FAIL, message, evidence, (remedy,), cause=CAUSE),
    ]
