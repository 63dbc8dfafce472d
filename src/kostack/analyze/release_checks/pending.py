"""Whether a pending-* or uninstalling release may be a helm command still running (docs/releases.md).

Helm writes the pending-install / pending-upgrade / pending-rollback revision
first, with info.last_deployed set to that moment, and rewrites it as deployed
or failed only when the command ends (by default after up to 5 minutes with
--wait or --atomic, longer with --timeout). `helm uninstall` likewise stores
the revision as uninstalling, with info.deleted set to the moment it began,
while its pre-delete hooks run and before it deletes anything (docs/facts.md
§5). So such a revision younger than the grace (15 minutes by default) may be
a command in flight: it is not called stuck, and nothing of it is uninstalled
or deleted. One whose time is unknown is treated the same way (unknown rather
than a false "stuck"). A grace of 0 says the user knows nothing runs: every
such revision is stuck again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kostack.analyze.messages import Msg, register
from kostack.analyze.release_checks.base import DEFAULT_PENDING_GRACE_S, short_time
from kostack.analyze.times import parse_time, short_age
from kostack.model.snapshot import HelmRelease, Snapshot
from kostack.shell import command, render

__all__ = [
    "DEFAULT_PENDING_GRACE_S",
    "PendingRule",
    "maybe_running",
    "pending_age",
    "pending_blockers",
    "pending_since",
]

PENDING = frozenset({"pending-install", "pending-upgrade", "pending-rollback"})
UNINSTALLING = "uninstalling"

register(
    {
        "rel.pending.age": {
            "en": "pending since {age} ago ({when})",
            "ko": "{age} 전인 {when}부터 대기 중",
        },
        "rel.pending.no-age": {
            "en": "pending since an unknown time",
            "ko": "언제부터 대기 중인지 알 수 없음",
        },
        "rel.uninstalling.age": {
            "en": "uninstalling since {age} ago ({when})",
            "ko": "{age} 전인 {when}부터 삭제 중",
        },
        "rel.uninstalling.no-age": {
            "en": "uninstalling since an unknown time",
            "ko": "언제부터 삭제 중인지 알 수 없음",
        },
        "rel.uninstalling.blocked": {
            "en": "release {release} is {status}, {since}: an uninstall may still be running (its pre-delete hooks, such as a backup, or the deletion of its objects), and a reinstall now would race it: it deletes claims such a hook may still be reading. Check `{history}` and any running helm, CI or Argo CD/Flux job; wait until it ends, or pass --pending-grace 0 when you know nothing runs",
            "ko": "릴리스 {release:이/가} {status} 상태입니다({since}). 삭제(`helm uninstall`)가 아직 실행 중일 수 있어"
            "(백업 같은 pre-delete 훅이나 객체 삭제) 지금 재설치하면 그 작업과 겹칩니다: 그런 훅이 아직 읽고 있을 수 있는 "
            "PVC를 지웁니다. `{history}` 명령과 실행 중인 helm, CI, Argo CD/Flux 작업을 확인하세요. 끝날 때까지 "
            "기다리거나, 아무것도 실행 중이 아님을 안다면 --pending-grace 0을 주세요",
        },
        "rel.pending.blocked": {
            "en": "release {release} is {status}, {since}: an install, upgrade or rollback by helm may still be running, and uninstalling it now would destroy it. Check `{history}` and any running helm, CI or Argo CD/Flux job; wait until it ends, or pass --pending-grace 0 when you know nothing runs",
            "ko": "릴리스 {release:이/가} {status} 상태입니다({since}). helm의 install, upgrade 또는 rollback이 아직 실행 중일 수 "
            "있어 지금 삭제하면 그 작업을 망가뜨립니다. `{history}` 명령과 실행 중인 helm, CI, Argo CD/Flux 작업을 "
            "확인하세요. 끝날 때까지 기다리거나, 아무것도 실행 중이 아님을 안다면 --pending-grace 0을 주세요",
        },
    }
)


def kind(release: HelmRelease) -> str:
    """The messages' word for the command the revision says runs: pending or uninstalling."""
    return UNINSTALLING if release.status == UNINSTALLING else "pending"


def _began(release: HelmRelease) -> str | None:
    """When the command began: info.deleted of an uninstall, info.last_deployed of the others."""
    return release.deleted if release.status == UNINSTALLING else release.last_deployed


def pending_age(release: HelmRelease, now: datetime | None) -> float | None:
    """Seconds from when the newest revision's command began (``_began``) to ``now``, or None."""
    then = parse_time(_began(release))
    return (now - then).total_seconds() if now is not None and then is not None else None


def maybe_running(release: HelmRelease, now: datetime | None, grace_s: float) -> bool:
    """Whether ``release`` is pending-* or uninstalling and may be a helm command still running."""
    if (release.status not in PENDING and release.status != UNINSTALLING) or grace_s <= 0:
        return False
    age = pending_age(release, now)
    return age is None or age < grace_s


def pending_since(release: HelmRelease, now: datetime | None) -> Msg:
    """'pending since 2m ago (2026-...)', 'uninstalling since ...' or 'since an unknown time'."""
    age = pending_age(release, now)
    if age is None:
        return Msg(f"rel.{kind(release)}.no-age")
    when = short_time(_began(release))
    return Msg(f"rel.{kind(release)}.age", age=short_age(max(age, 0)), when=when)


class _Removed(Protocol):
    @property
    def namespace(self) -> str: ...


@dataclass(frozen=True)
class PendingRule:
    """When the releases were read (None: the snapshot's time) and the grace, in seconds."""

    now: datetime | None = None
    grace_s: float = DEFAULT_PENDING_GRACE_S


def pending_blockers(
    rule: PendingRule | None,
    snapshot: Snapshot,
    releases: Iterable[HelmRelease],
    removing: Iterable[_Removed],
) -> list[Msg]:
    """Why a reinstall must not uninstall those of ``releases`` it is ``removing`` now."""
    rule = rule or PendingRule()
    now = rule.now or parse_time(snapshot.created_at)
    spots = {r.namespace for r in removing}
    return [
        Msg(
            f"rel.{kind(release)}.blocked",
            release=f"{release.namespace}/{release.name}",
            status=release.status,
            since=pending_since(release, now),
            history=render(
                command(("helm", "history"), (release.name,), ("-n", release.namespace))
            ),
        )
        for release in releases
        if release.namespace in spots and maybe_running(release, now, rule.grace_s)
    ]
