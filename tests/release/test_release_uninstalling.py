"""An uninstalling release may be a `helm uninstall` still running: not "stuck", never reinstalled.

Helm's Uninstall.Run (pkg/action/uninstall.go) stores the newest revision as
uninstalling, with info.deleted the moment it began and the description
"Deletion in progress (or silently failed)", while the pre-delete hooks run
and before it deletes anything; info.last_deployed keeps the install's time.
harbor/harbor of the seed is made so (its Secret rewritten by the secrets
driver's Update: modifiedAt set). The CLI runs against the API double with an
injected clock 2 minutes or 2 hours after that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from release_testing import Served, serve, with_helm
from test_release_pending import (
    CHECK,
    REINSTALL,
    assert_refused,
    pending_seed,
    run,
    seed_with,
    writes,
)

from kostack.analyze.findings import Status
from kostack.analyze.release_checks import check_releases
from kostack.model import Snapshot
from kostack_testkit import helm_fixtures as hf
from kostack_testkit.helm_fixture_storage import go_time

STARTED = hf.at(hf.NOW - 3)  # when `helm uninstall` began (info.deleted)
YOUNG, OLD = STARTED + timedelta(minutes=2), STARTED + timedelta(hours=2)


def uninstalling_seed(deleted: datetime | None = STARTED) -> hf.HelmScenario:
    """The seed with harbor/harbor's only revision uninstalling since ``deleted`` (None: unset)."""

    def uninstalling(record: dict[str, Any]) -> dict[str, Any]:
        installed = datetime.fromisoformat(record["info"]["last_deployed"])
        # older than the grace: timed from it, the young uninstall would be called stuck
        assert installed + timedelta(minutes=15) < STARTED
        record["info"].update(
            status="uninstalling",
            description="Deletion in progress (or silently failed)",
            deleted=go_time(deleted) if deleted else "",
        )
        return {"created": installed, "modified": deleted or STARTED}

    return seed_with(uninstalling)


@pytest.fixture
def served(tmp_path: Path) -> Served:
    with serve(uninstalling_seed(), tmp_path) as served:
        yield served


def test_check_calls_a_young_uninstall_running_not_stuck(served: Served) -> None:
    result = run(served, *CHECK, "-v", at=YOUNG)
    assert "harbor/harbor revision 1 is uninstalling, uninstalling since 2m ago" in result.out
    assert "an uninstall may still be running" in result.out
    assert "install/upgrade" not in result.out
    assert "is stuck in" not in result.out
    assert "helm uninstall" not in result.out
    assert "kostack release reinstall" not in result.out
    korean = run(served, *CHECK, at=YOUNG, lang="ko_KR.UTF-8")
    assert "2분 전인" in korean.out
    assert "삭제(`helm uninstall`)가 아직 실행 중일 수 있습니다" in korean.out
    assert "15분이 지나기 전에는" in korean.out
    assert not writes(served)


def test_check_calls_an_old_uninstall_stuck_as_before(served: Served) -> None:
    result = run(served, *CHECK, at=OLD)
    assert "harbor/harbor revision 1 is stuck in uninstalling" in result.out
    # not the pending-* text: Helm's upgrade fails for want of a deployed revision instead
    text = " ".join(result.out.split())
    assert "`helm upgrade` fails (no deployed revision)" in text, text
    assert "Helm refuses to upgrade or roll it back" not in text
    assert "kostack release reinstall harbor --namespace harbor" in result.out
    grace_0 = run(served, *CHECK, "--pending-grace", "0", at=YOUNG)
    assert "harbor/harbor revision 1 is stuck in uninstalling" in grace_0.out
    assert "kostack release reinstall harbor --namespace harbor" in grace_0.out


def test_reinstall_refuses_a_young_uninstall(served: Served, fake_helm_bin: Path) -> None:
    before = (set(served.pvcs()), served.releases())
    result = run(served, *REINSTALL, "--yes", at=YOUNG, path=str(fake_helm_bin))
    assert_refused(served, before, result, "uninstalling, uninstalling since 2m ago")
    assert "an uninstall may still be running" in result.err
    korean = run(served, *REINSTALL, at=YOUNG, lang="ko_KR.UTF-8")
    assert korean.code == 1
    assert "릴리스 harbor/harbor가 uninstalling 상태입니다(2분 전" in korean.err, korean.err
    assert "삭제(`helm uninstall`)가 아직 실행 중일 수 있어" in korean.err
    assert not writes(served)
    planned = run(served, *REINSTALL, "--pending-grace", "0", at=YOUNG)
    assert planned.code == 0, planned.err
    assert "helm uninstall harbor --namespace harbor" in planned.out
    assert not writes(served)


def test_reinstall_of_an_old_uninstall_goes_on_as_before(
    served: Served, fake_helm_bin: Path
) -> None:
    result = run(served, *REINSTALL, "--yes", "--timeout", "60", at=OLD, path=str(fake_helm_bin))
    assert result.code == 0, result.out + result.err
    assert "Reinstall complete." in result.out


def test_no_time_known_is_not_called_stuck(tmp_path: Path) -> None:
    """info.deleted unset: last_deployed (the install, hours ago) says nothing of the uninstall."""
    with serve(uninstalling_seed(None), tmp_path) as served:
        state = served.collect().state
        assert run(served, *CHECK, at=OLD).out.count("uninstalling since an unknown time") == 1
    timed = Snapshot(helm=state, created_at=go_time(OLD))
    status = next(
        f
        for f in check_releases(timed).about("harbor", "harbor").findings
        if f.check_id == "rel-status"
    )
    assert status.status == Status.UNKNOWN
    assert "uninstalling since an unknown time" in status.message


@pytest.mark.parametrize("seed", [uninstalling_seed, pending_seed], ids=["uninstalling", "pending"])
def test_report_honours_pending_grace(tmp_path: Path, seed: Callable[[], hf.HelmScenario]) -> None:
    """`kostack report --pending-grace`: the report's advice follows the same rule (en and ko)."""
    with serve(seed(), tmp_path) as served:
        snapshot = with_helm("seed-fixed.json", served.collect())
        path = tmp_path / "snap.json"
        path.write_text(
            snapshot.model_copy(update={"created_at": go_time(YOUNG)}).model_dump_json(),
            encoding="utf-8",
        )
        report = ("report", "--snapshot", str(path), "-o", "-", "--format", "md")
        for lang in ("en", "ko"):
            waits = run(served, *report, "--lang", lang, at=YOUNG)
            assert waits.code == 0, waits.err
            assert "helm uninstall harbor --namespace harbor" not in waits.out
            assert "kostack release reinstall harbor" not in waits.out
            stuck = run(served, *report, "--lang", lang, "--pending-grace", "0", at=YOUNG)
            assert stuck.code == 0, stuck.err
            assert "kostack release reinstall harbor --namespace harbor" in stuck.out
        assert not writes(served)


def test_every_command_that_judges_releases_takes_the_same_pending_grace() -> None:
    from kostack.cli.release import check, reinstall
    from kostack.cli.report import report

    helps = {
        next(p for p in command.params if p.name == "pending_grace").help
        for command in (check, reinstall, report)
    }
    assert len(helps) == 1
    assert "uninstalling" in str(helps.pop())
