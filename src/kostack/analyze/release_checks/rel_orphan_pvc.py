"""rel-orphan-pvc: no volume outlives its release.

`helm uninstall` deletes what the release's manifest lists, except objects
annotated `helm.sh/resource-policy: keep`, and never the PVCs a StatefulSet
made from its volumeClaimTemplates. Those stay, still bound to their data,
and a later install with the same name binds them again.
"""

from __future__ import annotations

from collections import defaultdict

from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import (
    ReleaseContext,
    pvc_line,
    pvc_resource,
    release_tag,
    when_collected,
)
from kostack.analyze.release_checks.ownership import PvcClaim

ID = "rel-orphan-pvc"
TITLE = "No PersistentVolumeClaim outlives the Helm release that made it"
SEVERITY = Severity.MEDIUM
NEEDS = ("helm.releases", "helm.pvcs")

register(
    {
        f"{ID}.fail": {
            "en": "{n} PVCs in {ns} were made by release {name}, which no longer exists in {ns}: {pvcs}. They keep their data; an install named {name} in {ns} binds them again.",
            "ko": "{ns}의 PVC {n}개는 {ns}에 더 이상 없는 릴리스 {name:이/가} 만든 것입니다: {pvcs}. 데이터가 그대로 "
            "남아 있어 {ns}에 {name:으로/로} 다시 설치하면 다시 바인딩됩니다.",
        },
        f"{ID}.pass": {
            "en": "Every PVC made by a Helm release belongs to a release that still exists ({n} PVCs checked).",
            "ko": "Helm 릴리스가 만든 모든 PVC가 아직 존재하는 릴리스에 속합니다(PVC {n}개 확인).",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: ReleaseContext) -> list[Finding]:
    groups: dict[tuple[str, str], list[PvcClaim]] = defaultdict(list)
    for claim in ctx.ownership.orphans:
        if claim.proven and claim.release_name:
            groups[(claim.pvc.namespace, claim.release_name)].append(claim)
    out: list[Finding] = []
    for (ns, name), claims in sorted(groups.items()):
        out.append(
            Finding(
                ID,
                Status.FAIL,
                SEVERITY,
                Resource("helm-release", f"{ns}/{name}", name, ns),
                Msg(
                    f"{ID}.fail",
                    n=len(claims),
                    ns=ns,
                    name=name,
                    pvcs=", ".join(c.pvc.name for c in claims),
                ),
                evidence=tuple(
                    f"{pvc_line(c)}: " + "; ".join(e.text for e in c.evidence) for c in claims
                ),
                affected=tuple(pvc_resource(c.pvc) for c in claims),
                extra=release_tag(name, None) | {"orphan_namespace": ns},
            )
        )
    if not out:
        total = sum(1 for c in ctx.ownership.claims if c.proven)
        out.append(
            Finding(
                ID,
                Status.PASS,
                SEVERITY,
                Resource("cluster", "pvcs", "PersistentVolumeClaims"),
                Msg(f"{ID}.pass", n=total),
            )
        )
    return out
