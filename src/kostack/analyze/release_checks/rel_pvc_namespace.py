"""rel-pvc-namespace: a release's volumes are in the release's namespace.

When a release was first installed into the wrong namespace (no -n) and then
installed again where it belongs, the volumes of the first install stay in
the first namespace, carrying the release's name: a later reinstall into that
namespace would bind them again, and `kubectl delete pvc --all` there would
take every other application's volumes with them.
"""

from __future__ import annotations

from collections import defaultdict

from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import (
    ReleaseContext,
    pvc_line,
    pvc_resource,
    release_finding,
    when_collected,
)
from kostack.analyze.release_checks.ownership import PvcClaim

ID = "rel-pvc-namespace"
TITLE = "A Helm release's volumes are in the release's namespace"
SEVERITY = Severity.MEDIUM
NEEDS = ("helm.releases", "helm.pvcs")

register(
    {
        f"{ID}.elsewhere": {
            "en": "Release {name} is installed in {release_ns}, but {n} PVCs made for release {name} by an install in {ns} that is gone remain in {ns}: {pvcs}.",
            "ko": "릴리스 {name:은/는} {release_ns}에 설치되어 있지만, 지금은 없는 {ns} 설치가 만든 PVC {n}개가 {ns}에 "
            "남아 있습니다: {pvcs}.",
        },
        f"{ID}.declared": {
            "en": "Release {release_ns}/{name} declares PVC {pvc} outside its namespace.",
            "ko": "릴리스 {release_ns}/{name:이/가} 자기 네임스페이스 밖의 PVC {pvc:을/를} 선언합니다.",
        },
        f"{ID}.pass": {
            "en": "Every PVC of release {release_ns}/{name} ({n}) is in {release_ns}; none is left in another namespace.",
            "ko": "릴리스 {release_ns}/{name}의 PVC {n}개가 모두 {release_ns}에 있고, 다른 네임스페이스에 남은 것이 없습니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: ReleaseContext) -> list[Finding]:
    live = ctx.live
    live_at = {(r.name, r.namespace) for r in live}
    left: dict[tuple[str, str], list[PvcClaim]] = defaultdict(list)
    for claim in ctx.ownership.orphans:
        if not claim.proven or claim.release_name is None:
            continue
        if (claim.release_name, claim.pvc.namespace) in live_at:
            continue
        left[(claim.release_name, claim.pvc.namespace)].append(claim)
    left_by_name: dict[str, list[tuple[str, list[PvcClaim]]]] = defaultdict(list)
    for (name, ns), found in left.items():
        left_by_name[name].append((ns, found))
    out: list[Finding] = []
    for release in live:
        params = {"name": release.name, "release_ns": release.namespace}
        for declared in release.manifest_pvcs:
            if declared.namespace and declared.namespace != release.namespace:
                pvc = f"{declared.namespace}/{declared.name}"
                msg = Msg(f"{ID}.declared", **params, pvc=pvc)
                out.append(release_finding(ID, Status.FAIL, SEVERITY, release, msg))
        elsewhere = left_by_name[release.name]
        for ns, claims in elsewhere:
            out.append(
                release_finding(
                    ID,
                    Status.FAIL,
                    SEVERITY,
                    release,
                    Msg(
                        f"{ID}.elsewhere",
                        **params,
                        ns=ns,
                        n=len(claims),
                        pvcs=", ".join(c.pvc.name for c in claims),
                    ),
                    evidence=tuple(
                        f"{pvc_line(c)}: "
                        + "; ".join(e.text for e in c.evidence if e.weight != "conflict")
                        for c in claims
                    ),
                    affected=tuple(pvc_resource(c.pvc) for c in claims),
                    extra={"namespaces": [ns]},
                )
            )
        if not elsewhere and not any(
            d.namespace not in (None, release.namespace) for d in release.manifest_pvcs
        ):
            n = len(ctx.ownership.of_release(release))
            msg = Msg(f"{ID}.pass", **params, n=n)
            out.append(release_finding(ID, Status.PASS, SEVERITY, release, msg))
    return out
