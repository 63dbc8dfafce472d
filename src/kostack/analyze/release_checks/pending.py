"""Whether a pending-* release may be a helm command that is still running (docs/releases.md).

Helm writes the pending-install / pending-upgrade / pending-rollback revision
first, with info.last_deployed set to that moment, and rewrites it as deployed
or failed only when the command ends (by default after up to 5 minutes with
--wait or --atomic, longer with --timeout). So a pending revision younger
than the grace (15 minutes by default) may be an install in flight: it is not
called stuck, and nothing of it is uninstalled. One whose time is unknown is
treated the same way (unknown rather than a false "stuck"). A grace of 0
says the user knows nothing runs: every pending revision is stuck again.
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
        "rel.pending.blocked": {
            "en": "release {release} is {status}, {since}: an install, upgrade or rollback by helm may still be running, and uninstalling it now would destroy it. Check `{history}` and any running helm, CI or Argo CD/Flux job; wait until it ends, or pass --pending-grace 0 when you know nothing runs",
            "ko": "릴리스 {release:이/가} {status} 상태입니다({since}). helm의 install, upgrade 또는 rollback이 아직 실행 중일 수 "
            "있어 지금 삭제하면 그 작업을 망가뜨립니다. `{history}` 명령과 실행 중인 helm, CI, Argo CD/Flux 작업을 "
            "확인하세요. 끝날 때까지 기다리거나, 아무것도 실행 중이 아님을 안다면 --pending-grace 0을 주세요",
        },
    }
)


def pending_age(release: HelmRelease, now: datetime | None) -> float | None:
    """Seconds from the release's newest revision (info.last_deployed) to ``now``, or None."""
    then = parse_time(release.last_deployed)
    return (now - then).total_seconds() if now is not None and then is not None else None


def maybe_running(release: HelmRelease, now: datetime | None, grace_s: float) -> bool:
    """Whether ``release`` is pending-* and may be a helm command still running."""
    if release.status not in PENDING or grace_s <= 0:
        return False
    age = pending_age(release, now)
    return age is None or age < grace_s


def pending_since(release: HelmRelease, now: datetime | None) -> Msg:
    """'pending since 2m ago (2026-...)' or 'since an unknown time'."""
    age = pending_age(release, now)
    if age is None:
        return Msg("rel.pending.no-age")
    return Msg(
        "rel.pending.age", age=short_age(max(age, 0)), when=short_time(release.last_deployed)
    )


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
            "rel.pending.blocked",
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
