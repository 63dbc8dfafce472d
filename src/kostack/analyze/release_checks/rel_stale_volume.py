"""rel-stale-volume: a release's database volume is not older than the release.

Database images initialise their data directory only when it is empty
(harbor-db, postgres): a reinstall that binds an old volume keeps the old
database, and the values that only apply to a fresh one (Harbor's
harborAdminPassword, database passwords) are ignored. If the first install
broke half-way (the seed: the network was down), the database is also
half-initialised.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kostack.analyze.findings import Finding, Severity, Status
from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import (
    STALE_SLACK,
    ReleaseContext,
    age_text,
    installed_at,
    pvc_resource,
    release_resource,
    release_tag,
    short_time,
    when_collected,
)
from kostack.analyze.release_checks.charts import ChartRule, rule_for
from kostack.analyze.release_checks.ownership import PvcClaim
from kostack.analyze.times import parse_time
from kostack.model.snapshot import HelmRelease

ID = "rel-stale-volume"
TITLE = "A stateful release's database volume is not older than the release"
SEVERITY = Severity.HIGH
NEEDS = ("helm.releases", "helm.pvcs")

register(
    {
        f"{ID}.fail": {
            "en": "PVC {pvc} (the {role} volume) was created {created}, {age} before release {ns}/{name} was installed ({installed}): it holds the database an earlier install initialised, so {ignored}.",
            "ko": "{role} 볼륨인 PVC {pvc:은/는} {created}에 만들어져, 릴리스 {ns}/{name} 설치({installed})보다 {age} "
            "오래되었습니다. 이전 설치가 초기화한 데이터베이스가 들어 있으므로 {ignored}.",
        },
        f"{ID}.ignored": {
            "en": "the values' {keys} will be ignored",
            "ko": "값의 {keys:은/는} 무시됩니다",
        },
        f"{ID}.ignored-none": {
            "en": "its first-start settings are ignored",
            "ko": "처음 시작할 때만 적용되는 설정이 무시됩니다",
        },
        f"{ID}.unknown": {
            "en": "Cannot decide whether PVC {pvc} is older than release {ns}/{name}: {why} is not known.",
            "ko": "PVC {pvc:이/가} 릴리스 {ns}/{name}보다 오래되었는지 판단할 수 없습니다: {why:을/를} 알 수 없습니다.",
        },
        f"{ID}.why.pvc-created": {
            "en": "the PVC's creationTimestamp",
            "ko": "PVC의 creationTimestamp",
        },
        f"{ID}.why.first-deployed": {
            "en": "the release's first_deployed",
            "ko": "릴리스의 first_deployed",
        },
        f"{ID}.release": {
            "en": "release {release} first_deployed={at} (history: {history})",
            "ko": "릴리스 {release} first_deployed={at} (이력: {history})",
        },
        f"{ID}.pass": {
            "en": "The {role} volume {pvc} of release {ns}/{name} was created by this install ({created}).",
            "ko": "릴리스 {ns}/{name}의 {role} 볼륨 {pvc:은/는} 이번 설치에서 만들어졌습니다({created}).",
        },
    }
)


@when_collected(ID, SEVERITY, NEEDS)
def run(ctx: ReleaseContext) -> list[Finding]:
    out = []
    for release in ctx.live:
        rule = rule_for(release.chart)
        installed = installed_at(release)
        tag = release_tag(release.name, release.namespace)
        for claim in ctx.ownership.of_release(release):
            if claim.role not in rule.state_roles:
                continue
            out.append(_judge(release, rule, installed, tag, claim))
    return out


def _judge(
    release: HelmRelease,
    rule: ChartRule,
    installed: datetime | None,
    tag: dict[str, object],
    claim: PvcClaim,
) -> Finding:
    """One state volume of the release: older than the release (FAIL), not (PASS), or unknown."""
    pvc = claim.pvc
    name = f"{pvc.namespace}/{pvc.name}"
    created = parse_time(pvc.created)
    params = {"pvc": name, "ns": release.namespace, "name": release.name}

    def said(status: Status, message: str, **fields: Any) -> Finding:
        return Finding(ID, status, SEVERITY, pvc_resource(pvc), message, extra=tag, **fields)

    if created is None or installed is None:
        why = Msg(f"{ID}.why.pvc-created" if created is None else f"{ID}.why.first-deployed")
        return said(Status.UNKNOWN, Msg(f"{ID}.unknown", **params, why=why))
    if created + STALE_SLACK < installed:
        present = [k for k in rule.first_start_values if k in release.values_keys]
        ignored = (
            Msg(f"{ID}.ignored", keys=", ".join(present)) if present else Msg(f"{ID}.ignored-none")
        )
        return said(
            Status.FAIL,
            Msg(
                f"{ID}.fail",
                **params,
                role=claim.role,
                created=short_time(pvc.created),
                age=age_text(created, installed),
                installed=short_time(installed.isoformat()),
                ignored=ignored,
            ),
            evidence=(
                f"PersistentVolumeClaim {name} metadata.creationTimestamp={pvc.created}",
                Msg(
                    f"{ID}.release",
                    release=f"{release.namespace}/{release.name}",
                    at=installed.isoformat(),
                    history=", ".join(f"v{h.revision} {h.status}" for h in release.history),
                ),
                *(e.text for e in claim.evidence if e.weight == "proof"),
            ),
            affected=(release_resource(release),),
        )
    message = Msg(f"{ID}.pass", **params, role=claim.role, created=short_time(pvc.created))
    return said(Status.PASS, message)
