"""The Fix of ``metallb-class-mismatch``: give MetalLB's speaker its controller's ``--lb-class``
(docs/facts.md "Who serves a Service"), each way a quoted command said in English and Korean.

- installed by Helm (its pods name the release): the chart's ``loadBalancerClass``, which the
  chart passes as ``--lb-class`` to both the controller and the speaker (metallb/metallb
  ``charts/metallb/templates/controller.yaml``, ``speaker.yaml``), at the chart version of the
  running image, the other values kept;
- its DaemonSet known (collect/_occm.py ``workload``): a JSON patch of the speaker container's
  ``args`` that first tests the flag is still written where kostack read it (``test`` ops, RFC
  6902), then removes it and, for a class, adds the controller's.
"""

from __future__ import annotations

import json
from typing import Any, Final

from kostack.analyze.findings import Remedy, either
from kostack.analyze.messages import Msg, register
from kostack.model.snapshot import MetalLB
from kostack.shell import render

ID: Final = "lb-pending-service"
CAUSE: Final = "metallb-class-mismatch"
CHART: Final = "metallb/metallb"
CHART_REPO: Final = "https://metallb.github.io/metallb"

register(
    {
        f"{ID}.fix-mismatch-helm": {
            "en": "set the MetalLB chart's loadBalancerClass to {lb_class} in Helm release "
            "{release}: the chart passes it as --lb-class to both the controller and the speaker",
            "ko": "Helm 릴리스 {release}에서 MetalLB 차트의 loadBalancerClass를 {lb_class:으로/로} "
            "정하세요: 차트가 이 값을 컨트롤러와 speaker 모두에 --lb-class로 넘깁니다",
        },
        f"{ID}.fix-mismatch-patch": {
            "en": "give MetalLB's speaker ({workload}) the controller's --lb-class ({lb_class}); "
            "the patch first tests that the flag is still written where kostack read it",
            "ko": "MetalLB speaker({workload})에 컨트롤러와 같은 --lb-class({lb_class})를 주세요. "
            "패치는 먼저 플래그가 kostack이 읽은 자리에 그대로 있는지 확인합니다",
        },
        f"{ID}.fix-no-class": {"en": "none (unset)", "ko": "없음(설정 안 함)"},
    }
)


def _manual(kind: str, target: str, cmd: str, reason: Msg) -> Remedy:
    return Remedy("manual", kind, target, target, (("command", cmd),), reason, CAUSE)


def mismatch_fix(metallb: MetalLB) -> tuple[Remedy, ...]:
    """The ways that run the speaker with the controller's class; none when that class is not
    known."""
    controller = metallb.controller
    lb_class = controller.lb_class if controller is not None else None
    if lb_class is None:
        return ()
    words = lb_class or Msg(f"{ID}.fix-no-class")
    return either(_helm(metallb, lb_class, words), _patch(metallb, lb_class, words))


def _helm(metallb: MetalLB, lb_class: str, words: str) -> tuple[Remedy, ...]:
    release = metallb.helm_release
    if not release:
        return ()
    version = (metallb.version or "").removeprefix("v")
    upgrade = (
        *("helm", "upgrade", release, CHART, "-n", metallb.namespace, "--reuse-values"),
        *(("--version", version) if version else ()),
        *("--set-string", f"loadBalancerClass={lb_class}"),
    )
    add = ("helm", "repo", "add", "metallb", CHART_REPO)
    cmd = " && ".join(render(c) for c in (add, upgrade))
    reason = Msg(f"{ID}.fix-mismatch-helm", lb_class=words, release=release)
    return (_manual("helm-release", f"{metallb.namespace}/{release}", cmd, reason),)


def _patch(metallb: MetalLB, lb_class: str, words: str) -> tuple[Remedy, ...]:
    speaker = metallb.speaker
    at = speaker.lb_class_at if speaker is not None else None
    workload = speaker.workload if speaker is not None else None
    if speaker is None or at is None or not workload:
        return ()
    args = f"/spec/template/spec/containers/{at.container}/args"
    ops: list[dict[str, Any]] = []
    if at.index is not None:
        path = f"{args}/{at.index}"
        ops += [
            {"op": "test", "path": f"{args}/{at.index + n}", "value": w}
            for n, w in enumerate(at.words)
        ]
        ops += [{"op": "remove", "path": path} for _ in at.words]
    if lb_class:
        where = f"{args}/{at.index}" if at.index is not None else f"{args}/-"
        ops.append({"op": "add", "path": where, "value": f"--lb-class={lb_class}"})
    if not ops:
        return ()
    patch = json.dumps(ops, separators=(",", ":"))
    cmd = render(
        ("kubectl", "-n", metallb.namespace, "patch", workload, "--type", "json", "-p", patch)
    )
    kind, _, name = workload.partition("/")
    reason = Msg(
        f"{ID}.fix-mismatch-patch", workload=f"{metallb.namespace}/{workload}", lb_class=words
    )
    return (_manual(kind, f"{metallb.namespace}/{name}", cmd, reason),)
