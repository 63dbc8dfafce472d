"""rel-status: a release's newest revision is deployed.

A failed revision means the install or upgrade did not finish (with --wait:
its pods never became ready); a pending-* status makes Helm refuse any other
operation on the release until it is resolved. A pending-* or uninstalling
revision younger than the grace (or of unknown age) may be a helm command
still running: it is UNKNOWN, not stuck (release_checks/pending.py).
"""

from __future__ import annotations

from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import (
    ReleaseContext,
    release_finding,
    short_time,
    when_collected,
)
from kostack.analyze.release_checks.pending import UNINSTALLING, maybe_running, pending_since
from kostack.analyze.times import short_age

ID = "rel-status"
TITLE = "Each Helm release's newest revision is deployed"
SEVERITY = Severity.MEDIUM
NEEDS = ("helm.releases",)

register(
    {
        f"{ID}.revision": {
            "en": "revision {rev}: {status} ({chart}, last deployed {when})",
            "ko": "리비전 {rev}: {status} ({chart}, 마지막 배포 {when})",
        },
        f"{ID}.revision-says": {
            "en": "revision {rev}: {status} ({chart}, last deployed {when}): {says}",
            "ko": "리비전 {rev}: {status} ({chart}, 마지막 배포 {when}): “{says}”",
        },
        f"{ID}.failed": {
            "en": "Release {ns}/{name} revision {rev} ({when}) is failed: {description}.",
            "ko": "릴리스 {ns}/{name}의 {when} 리비전 {rev:은/는} 실패 상태입니다: “{description}”.",
        },
        f"{ID}.pending": {
            "en": "Release {ns}/{name} revision {rev} is stuck in {status}: Helm refuses to upgrade or roll it back until that is resolved.",
            "ko": "릴리스 {ns}/{name} 리비전 {rev:이/가} {status} 상태에 멈춰 있습니다. 해결될 때까지 Helm이 업그레이드나 "
            "롤백을 거부합니다.",
        },
        f"{ID}.uninstall-stuck": {
            "en": "Release {ns}/{name} revision {rev} is stuck in uninstalling: `helm upgrade` fails (no deployed revision) and `helm install` cannot reuse the name until `helm uninstall` is run again to finish it.",
            "ko": "릴리스 {ns}/{name} 리비전 {rev:이/가} uninstalling 상태에 멈춰 있습니다. `helm uninstall`을 다시 실행해 "
            "끝내기 전까지 `helm upgrade`는 실패하고(배포된 리비전 없음) `helm install`은 이 이름을 다시 쓸 수 없습니다.",
        },
        f"{ID}.running": {
            "en": "Release {ns}/{name} revision {rev} is {status}, {since}: a helm command may still be running (not called stuck before {grace}; --pending-grace changes that).",
            "ko": "릴리스 {ns}/{name} 리비전 {rev:은/는} {status} 상태입니다({since}). helm 명령이 아직 실행 중일 수 있습니다"
            "({grace:이/가} 지나기 전에는 멈춘 것으로 보지 않으며 --pending-grace로 바꿀 수 있습니다).",
        },
        f"{ID}.uninstall-running": {
            "en": "Release {ns}/{name} revision {rev} is {status}, {since}: an uninstall may still be running (not called stuck before {grace}; --pending-grace changes that).",
            "ko": "릴리스 {ns}/{name} 리비전 {rev:은/는} {status} 상태입니다({since}). 삭제(`helm uninstall`)가 아직 실행 중일 수 "
            "있습니다({grace:이/가} 지나기 전에는 멈춘 것으로 보지 않으며 --pending-grace로 바꿀 수 있습니다).",
        },
        f"{ID}.uninstalled": {
            "en": "Release {ns}/{name} was uninstalled with --keep-history (revision {rev}); only its history and kept volumes remain.",
            "ko": "릴리스 {ns}/{name:은/는} --keep-history로 삭제되었습니다(리비전 {rev}). 이력과 보존된 볼륨만 남아 있습니다.",
        },
        f"{ID}.pass": {
            "en": "Release {ns}/{name} revision {rev} is {status}.",
            "ko": "릴리스 {ns}/{name} 리비전 {rev:은/는} {status} 상태입니다.",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: ReleaseContext) -> list[Finding]:
    out = []
    for release in ctx.releases:
        params = {"ns": release.namespace, "name": release.name, "rev": release.revision}
        evidence = tuple(
            Msg(
                f"{ID}.revision-says" if h.description else f"{ID}.revision",
                rev=h.revision,
                status=h.status,
                chart=f"{h.chart} {h.chart_version}",
                when=h.last_deployed or "?",
                says=h.description,
            )
            for h in release.history
        )
        status = Status.FAIL
        severity = SEVERITY
        if release.status == "failed":
            msg = Msg(
                f"{ID}.failed",
                **params,
                when=short_time(release.last_deployed),
                description=release.description.rstrip(".") or "no description",
            )
        elif maybe_running(release, ctx.now, ctx.pending_grace):
            msg = Msg(
                f"{ID}.uninstall-running" if release.status == UNINSTALLING else f"{ID}.running",
                **params,
                status=release.status,
                since=pending_since(release, ctx.now),
                grace=short_age(ctx.pending_grace),
            )
            status = Status.UNKNOWN
        elif release.status == UNINSTALLING:
            # Helm's upgrade needs a deployed revision (pkg/action/upgrade.go, Releases.Deployed)
            msg = Msg(f"{ID}.uninstall-stuck", **params)
            severity = Severity.HIGH
        elif release.status.startswith("pending-"):
            msg = Msg(f"{ID}.pending", **params, status=release.status)
            severity = Severity.HIGH
        elif release.status == "uninstalled":
            msg = Msg(f"{ID}.uninstalled", **params)
            severity = Severity.INFO
        else:
            msg = Msg(f"{ID}.pass", **params, status=release.status)
            status = Status.PASS
            evidence = ()
        out.append(release_finding(ID, status, severity, release, msg, evidence=evidence))
    return out
