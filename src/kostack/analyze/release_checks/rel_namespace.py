"""rel-namespace: each release is in the namespace it was meant for.

`helm install` without `-n` installs into the kubeconfig context's namespace
(usually `default`). Two releases of the same chart in different namespaces,
the older one in `default`, is the seed's state: the newer one is where it was
meant to go, and the older one still holds its volumes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import (
    ReleaseContext,
    installed_at,
    release_finding,
    short_time,
    when_collected,
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
            "ko": "{when}에 차트 {chart:으로/로} 설치한 릴리스 {ns}/{name:이/가} {ns}에 있지만, 같은 차트로 "
            "{other_when}에 설치한 더 새로운 릴리스 {other:이/가} {other_ns}에 있습니다. {ns}/{name:은/는} -n 없이 설치되어 "
            "남겨진 것으로 보입니다{pvcs}.",
        },
        f"{ID}.default": {
            "en": "Release {ns}/{name} (chart {chart}) is in the namespace {ns}, where `helm install` without -n puts a release; an application normally gets its own namespace.",
            "ko": "차트 {chart}의 릴리스 {ns}/{name:이/가} -n 없이 `helm install`하면 들어가는 네임스페이스 {ns}에 "
            "있습니다. 애플리케이션은 보통 자체 네임스페이스를 씁니다.",
        },
        f"{ID}.pvcs": {
            "en": "; it still holds {n} PVCs there",
            "ko": "(그곳에 PVC {n}개가 아직 남아 있음)",
        },
        f"{ID}.pass": {
            "en": "Release {ns}/{name} is in its own namespace {ns}.",
            "ko": "릴리스 {ns}/{name:은/는} 자체 네임스페이스 {ns}에 있습니다.",
        },
    }
)


Rank = tuple[datetime, int]  # (installed, -position): max() picks the newest, first listed


def _newest_elsewhere(live: list[HelmRelease]) -> Callable[[HelmRelease], HelmRelease | None]:
    """For a release: the newest live release of its chart in another namespace, if any.

    Per chart, the newest release of each namespace and the two newest
    namespaces are kept, so each question is answered in O(1) (one pass over
    the releases, not one per pair).
    """
    ranked: dict[str, dict[str, tuple[Rank, HelmRelease]]] = defaultdict(dict)
    for pos, r in enumerate(live):
        when = installed_at(r)
        if when is None:
            continue
        rank = (when, -pos)
        best = ranked[r.chart].get(r.namespace)
        if best is None or rank > best[0]:
            ranked[r.chart][r.namespace] = (rank, r)
    top: dict[str, list[tuple[Rank, HelmRelease]]] = {
        chart: sorted(per_ns.values(), key=lambda item: item[0], reverse=True)[:2]
        for chart, per_ns in ranked.items()
    }

    def newest(release: HelmRelease) -> HelmRelease | None:
        for _, other in top.get(release.chart, ()):
            if other.namespace != release.namespace:
                return other
        return None

    return newest


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: ReleaseContext) -> list[Finding]:
    helm = ctx.helm
    assert helm is not None
    live = ctx.live
    catch_all = {"default", helm.context_namespace or "default"}
    newest_elsewhere = _newest_elsewhere(live)
    out: list[Finding] = []
    for release in live:
        first = installed_at(release)
        # Only a release in the catch-all namespace is suspected of being left behind.
        other = newest_elsewhere(release) if release.namespace in catch_all else None
        other_when = installed_at(other) if other is not None else None
        if first is None or other_when is None or other_when <= first:
            other = None
        pvcs = len(ctx.ownership.of_release(release)) if helm.pvcs is not None else 0
        pvc_text = Msg(f"{ID}.pvcs", n=pvcs) if pvcs else ""
        params = {"ns": release.namespace, "name": release.name}
        if other is not None:
            out.append(
                release_finding(
                    ID,
                    Status.FAIL,
                    SEVERITY,
                    release,
                    Msg(
                        f"{ID}.newer",
                        **params,
                        chart=f"{release.chart} {release.chart_version}".strip(),
                        when=short_time(release.first_deployed),
                        other=f"{other.namespace}/{other.name}",
                        other_when=short_time(other.first_deployed),
                        other_ns=other.namespace,
                        pvcs=pvc_text,
                    ),
                    evidence=(
                        f"Secret {release.namespace}/{release.storage_object}: first_deployed="
                        f"{release.first_deployed}, status={release.status}",
                        f"Secret {other.namespace}/{other.storage_object}: first_deployed="
                        f"{other.first_deployed}, status={other.status}",
                    ),
                    extra={"newer": f"{other.namespace}/{other.name}"},
                )
            )
        elif release.namespace in catch_all:
            out.append(
                release_finding(
                    ID,
                    Status.FAIL,
                    Severity.LOW,
                    release,
                    Msg(f"{ID}.default", **params, chart=release.chart or "?"),
                    evidence=(f"Secret {release.namespace}/{release.storage_object}",),
                )
            )
        else:
            msg = Msg(f"{ID}.pass", **params)
            out.append(release_finding(ID, Status.PASS, SEVERITY, release, msg))
    return out
