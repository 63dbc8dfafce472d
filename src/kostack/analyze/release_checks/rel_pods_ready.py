"""rel-pods-ready: a release's pods are ready, and when they are not, one cause chain says why.

Harbor's symptoms come in a chain (jobservice crash-loops with "connection
refused" to core, because core is not ready, because core cannot reach the
database or redis, because the pod network drops the traffic). Reporting
each as its own problem sends people after the first symptom; this check
reports the chain once, ending at the network root cause from the diagnosis
when there is one.
"""

from __future__ import annotations

from kostack.analyze.findings import Finding, Resource, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import (
    ReleaseContext,
    release_finding,
    stale_state_claims,
    when_collected,
)
from kostack.analyze.release_checks.chain import build_chain, root_title
from kostack.analyze.release_checks.workload import release_pods

ID = "rel-pods-ready"
TITLE = "A Helm release's pods are ready"
SEVERITY = Severity.HIGH
NEEDS = ("helm.releases", "helm.pods")

register(
    {
        f"{ID}.fail": {
            "en": "Release {ns}/{name}: {first}; this is one chain of {n} failing parts ending at {end}.",
            "ko": "릴리스 {ns}/{name}: {first}. 실패한 구성 요소 {n}개가 하나의 원인 사슬로 이어지며 끝은 {end}입니다.",
        },
        f"{ID}.end.network": {
            "en": "the cluster network ({root})",
            "ko": "클러스터 네트워크({root})",
        },
        f"{ID}.end.component": {"en": "{component} itself", "ko": "{component} 자체"},
        f"{ID}.end.unknown": {
            "en": "{component}, which cannot reach what it needs",
            "ko": "필요한 대상에 도달하지 못하는 {component}",
        },
        f"{ID}.pass": {
            "en": "All {n} pods of release {ns}/{name} are ready.",
            "ko": "릴리스 {ns}/{name}의 Pod {n}개가 모두 준비되었습니다.",
        },
        f"{ID}.none": {
            "en": "Release {ns}/{name} has no pods.",
            "ko": "릴리스 {ns}/{name}에는 Pod가 없습니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: ReleaseContext) -> list[Finding]:
    helm = ctx.helm
    assert helm is not None and helm.pods is not None
    out = []
    for release in ctx.live:
        params = {"ns": release.namespace, "name": release.name}
        stale = tuple(f"{c.pvc.namespace}/{c.pvc.name}" for c in stale_state_claims(ctx, release))
        chain = build_chain(ctx.snapshot, release, ctx.diagnosis, stale, ctx.workloads)
        if chain is None:
            pods = release_pods(release, ctx.workloads)
            key = f"{ID}.pass" if pods else f"{ID}.none"
            msg = Msg(key, **params, n=len(pods))
            out.append(release_finding(ID, Status.PASS, SEVERITY, release, msg))
            continue
        last = chain.links[-1].component if chain.links else "?"
        end_component = next(
            (link.component for link in reversed(chain.links) if link.component in chain.failing),
            last,
        )
        display = chain.links[0].text
        if chain.end == "network" and chain.root_cause is not None:
            end = Msg(f"{ID}.end.network", root=root_title(chain.root_cause))
        elif chain.end == "component":
            end = Msg(f"{ID}.end.component", component=chain.display(end_component))
        else:
            end = Msg(f"{ID}.end.unknown", component=chain.display(end_component))
        severity = Severity.CRITICAL if chain.end == "network" else SEVERITY
        out.append(
            release_finding(
                ID,
                Status.FAIL,
                severity,
                release,
                Msg(f"{ID}.fail", **params, first=display, n=len(chain.failing), end=end),
                evidence=chain.lines(),
                cause=chain.root_cause.key if chain.root_cause is not None else "",
                affected=tuple(Resource("pod", p.name, p.name, p.namespace) for p in chain.pods),
                extra={"chain": list(chain.failing), "end": chain.end},
            )
        )
    return out
