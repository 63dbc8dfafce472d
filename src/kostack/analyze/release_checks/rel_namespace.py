"""rel-namespace: each release is in the namespace it was meant for.

`helm install` without `-n` installs into the kubeconfig context's namespace
(usually `default`). Two releases of the same chart in different namespaces,
the older one in `default`, is the seed's state: the newer one is where it was
meant to go, and the older one still holds its volumes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import (
    ReleaseContext,
    installed_at,
    missing,
    release_resource,
    release_tag,
    short_time,
)
from kostack.model.snapshot import HelmRelease

ID = "rel-namespace"
TITLE = "Each Helm release is in the namespace it was meant for"
SEVERITY = Severity.MEDIUM
NEEDS = ("helm.releases",)

register(
    {
        f"{ID}.newer": {
            "en": "Release {ns}/{name} (chart {chart}, installed {when}) is in {ns}, but a newer release {other} of the same chart (installed {other_when}) is in {other_ns}: {ns}/{name} was probably installed without -n and left behind{pvcs}.",
            "ko": "릴리스 {ns}/{name}(차트 {chart}, {when} 설치)이(가) {ns}에 있지만, 같은 차트의 더 새로운 릴리스 "
            "{other}({other_when} 설치)이(가) {other_ns}에 있습니다. {ns}/{name}은(는) -n 없이 설치되어 "
            "남겨진 것으로 보입니다{pvcs}.",
        },
        f"{ID}.default": {
            "en": "Release {ns}/{name} (chart {chart}) is in the namespace {ns}, where `helm install` without -n puts a release; an application normally gets its own namespace.",
            "ko": "릴리스 {ns}/{name}(차트 {chart})이(가) -n 없이 `helm install`하면 들어가는 네임스페이스 {ns}에 "
            "있습니다. 애플리케이션은 보통 자체 네임스페이스를 씁니다.",
        },
        f"{ID}.pvcs": {
            "en": "; it still holds {n} PVCs there",
            "ko": "(그곳에 PVC {n}개가 아직 남아 있음)",
        },
        f"{ID}.pass": {
            "en": "Release {ns}/{name} is in its own namespace {ns}.",
            "ko": "릴리스 {ns}/{name}은(는) 자체 네임스페이스 {ns}에 있습니다.",
        },
    }
)


def run(ctx: ReleaseContext) -> list[Finding]:
    unknown = missing(ctx, ID, SEVERITY, NEEDS)
    if unknown:
        return unknown
    helm = ctx.helm
    assert helm is not None
    live = [r for r in ctx.releases if r.status != "uninstalled"]
    catch_all = {"default", helm.context_namespace or "default"}
    by_chart: dict[str, list[HelmRelease]] = defaultdict(list)
    for release in live:
        by_chart[release.chart].append(release)
    out: list[Finding] = []
    for release in live:
        first = installed_at(release)
        # Only a release in the catch-all namespace is suspected of being left behind.
        suspect = release.namespace in catch_all and first is not None
        newer = [
            other
            for other in (by_chart[release.chart] if suspect else ())
            if other.namespace != release.namespace
            and first is not None
            and (installed_at(other) or first) > first
        ]
        tag = release_tag(release.name, release.namespace)
        pvcs = len(ctx.ownership.of_release(release)) if helm.pvcs is not None else 0
        pvc_text = Msg(f"{ID}.pvcs", n=pvcs) if pvcs else ""
        if newer:
            other = max(
                newer, key=lambda r: installed_at(r) or first or datetime.min.replace(tzinfo=UTC)
            )
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    SEVERITY,
                    release_resource(release),
                    Msg(
                        f"{ID}.newer",
                        ns=release.namespace,
                        name=release.name,
                        chart=f"{release.chart} {release.chart_version}".strip(),
                        when=short_time(release.first_deployed),
                        other=f"{other.namespace}/{other.name}",
                        other_when=short_time(other.first_deployed),
                        other_ns=other.namespace,
                        pvcs=pvc_text,
                    ),
                    evidence=(
                        f"Secret {release.namespace}/{release.storage_object}: first_deployed "
                        f"{release.first_deployed}, status {release.status}",
                        f"Secret {other.namespace}/{other.storage_object}: first_deployed "
                        f"{other.first_deployed}, status {other.status}",
                    ),
                    extra={**tag, "newer": f"{other.namespace}/{other.name}"},
                )
            )
        elif release.namespace in catch_all:
            out.append(
                Finding(
                    ID,
                    Status.FAIL,
                    Severity.LOW,
                    release_resource(release),
                    Msg(
                        f"{ID}.default",
                        ns=release.namespace,
                        name=release.name,
                        chart=release.chart or "?",
                    ),
                    evidence=(f"Secret {release.namespace}/{release.storage_object}",),
                    extra=tag,
                )
            )
        else:
            out.append(
                Finding(
                    ID,
                    Status.PASS,
                    SEVERITY,
                    release_resource(release),
                    Msg(f"{ID}.pass", ns=release.namespace, name=release.name),
                    extra=tag,
                )
            )
    return out
