"""What neutron-vip-pairs leaves out of MetalLB, said on its findings: the nodes whose speaker
announces nothing (`_vips.metallb_silent`) and the objects outside the speaker's namespace
(`MetalLB.ignored`). Both as evidence lines, in English and Korean."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kostack.analyze.checks._facts import nodes_label
from kostack.analyze.checks._vips import metallb_silent
from kostack.analyze.findings import Finding
from kostack.analyze.messages import Msg, register
from kostack.model.cluster import EXCLUDE_LABEL
from kostack.model.snapshot import MetalLB, Node

ID = "neutron-vip-pairs"
SHOWN = 8  # objects named; the rest counted

register(
    {
        f"{ID}.silent-exclude": {
            "en": "MetalLB announces nothing from {nodes}: {n:it carries/they carry} the label "
            "{label} and its speaker runs without --ignore-exclude-lb, so {n:its port needs/"
            "their ports need} no pair.",
            "ko": "MetalLB는 {nodes}(노드 {n}개)에서 아무것도 알리지 않습니다: 이 노드에는 {label} 레이블이 "
            "있고 speaker가 --ignore-exclude-lb 없이 실행되므로 그 포트에는 pair가 필요 "
            "없습니다.",
        },
        f"{ID}.silent-network": {
            "en": "MetalLB announces nothing from {nodes}: {n:its/their} NetworkUnavailable "
            "condition is True.",
            "ko": "MetalLB는 {nodes}(노드 {n}개)에서 아무것도 알리지 않습니다: NetworkUnavailable 상태가 "
            "True입니다.",
        },
        f"{ID}.ignored": {
            "en": "MetalLB uses only the objects in its speaker's namespace {namespace}; "
            "{n} {n:object/objects} elsewhere {n:is/are} ignored: {names}.",
            "ko": "MetalLB는 speaker의 네임스페이스 {namespace}에 있는 객체만 씁니다. 다른 "
            "네임스페이스의 객체 {n}개는 무시합니다: {names}.",
        },
    }
)


def metallb_notes(metallb: MetalLB, nodes: Sequence[Node]) -> tuple[str, ...]:
    """The evidence lines: silent nodes by reason, then the ignored objects."""
    silent = metallb_silent(metallb, nodes)
    out: list[str] = []
    for why in ("exclude", "network"):
        names = [n for n, w in silent.items() if w == why]
        if names:
            message = Msg(
                f"{ID}.silent-{why}", nodes=nodes_label(names), n=len(names), label=EXCLUDE_LABEL
            )
            out.append(message)
    ignored = metallb.ignored()
    if ignored and metallb.speaker is not None:
        shown = ", ".join(ignored[:SHOWN]) + (", ..." if len(ignored) > SHOWN else "")
        namespace = metallb.speaker.namespace
        out.append(Msg(f"{ID}.ignored", namespace=namespace, n=len(ignored), names=shown))
    return tuple(out)


def with_notes(findings: list[Finding], notes: tuple[str, ...]) -> list[Finding]:
    """``notes`` on the findings about MetalLB's pools and on the check's overall verdict
    (on the first finding when none is either)."""
    if not notes:
        return findings
    about = [
        i for i, f in enumerate(findings) if (len(f.key) > 1 and f.key[1] == "metallb") or not f.key
    ] or [0]
    return [
        replace(f, evidence=(*f.evidence, *notes)) if i in about else f
        for i, f in enumerate(findings)
    ]
