"""rel-kept-pvc: the volumes that survive `helm uninstall` are known before a reinstall.

Not a fault by itself (keeping data is the point), but the reason a "clean"
reinstall is not clean: the same name in the same namespace binds the same
volumes, with whatever the first install wrote into them.
"""

from __future__ import annotations

from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import (
    ReleaseContext,
    pvc_line,
    pvc_resource,
    release_finding,
    when_collected,
)

ID = "rel-kept-pvc"
TITLE = "The volumes that survive `helm uninstall` are known before a reinstall"
SEVERITY = Severity.INFO
NEEDS = ("helm.releases", "helm.pvcs")

register(
    {
        f"{ID}.fail": {
            "en": "Uninstalling release {ns}/{name} (`helm uninstall`) would leave {n} PVCs: {kept}{sts}. A reinstall named {name} in {ns} binds them again.",
            "ko": "릴리스 {ns}/{name:을/를} 제거해도(`helm uninstall`) PVC {n}개가 남습니다: {kept}{sts}. {ns}에 {name:으로/로} "
            "다시 설치하면 다시 바인딩됩니다.",
        },
        f"{ID}.kept": {
            "en": "{pvcs} (helm.sh/resource-policy: keep)",
            "ko": "{pvcs}(helm.sh/resource-policy: keep)",
        },
        f"{ID}.sts": {
            "en": "{sep}{pvcs} (StatefulSet volumeClaimTemplates, never deleted by Helm)",
            "ko": "{sep}{pvcs}(StatefulSet volumeClaimTemplates, Helm이 삭제하지 않음)",
        },
        f"{ID}.pass": {
            "en": "Uninstalling release {ns}/{name} (`helm uninstall`) leaves no PVC behind.",
            "ko": "릴리스 {ns}/{name:을/를} 제거해도(`helm uninstall`) PVC가 남지 않습니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: ReleaseContext) -> list[Finding]:
    out = []
    for release in ctx.live:
        claims = ctx.ownership.of_release(release)
        declared = {(m.namespace or release.namespace, m.name) for m in release.manifest_pvcs}
        kept = [c for c in claims if c.kept]
        made = [c for c in claims if not c.kept and (c.pvc.namespace, c.pvc.name) not in declared]
        params = {"name": release.name, "ns": release.namespace}
        if not kept and not made:
            out.append(
                release_finding(ID, Status.PASS, SEVERITY, release, Msg(f"{ID}.pass", **params))
            )
            continue
        kept_text = Msg(f"{ID}.kept", pvcs=", ".join(c.pvc.name for c in kept)) if kept else ""
        sts_text = (
            Msg(f"{ID}.sts", sep="; " if kept else "", pvcs=", ".join(c.pvc.name for c in made))
            if made
            else ""
        )
        n = len(kept) + len(made)
        out.append(
            release_finding(
                ID,
                Status.FAIL,
                SEVERITY,
                release,
                Msg(f"{ID}.fail", **params, n=n, kept=kept_text, sts=sts_text),
                evidence=tuple(pvc_line(c) for c in (*kept, *made)),
                affected=tuple(pvc_resource(c.pvc) for c in (*kept, *made)),
            )
        )
    return out
