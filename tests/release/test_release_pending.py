"""A pending-* release may be a helm command still running: not "stuck", never uninstalled.

harbor/harbor of the seed is made pending-install (its revision Secret as Helm
writes it first: status pending-install, info.last_deployed the moment the
install began). The CLI runs against the API double with an injected clock
2 minutes or 2 hours after that moment; the fake helm is on PATH for --yes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from release_testing import EXAMPLES, Served, serve

from kostack.analyze.findings import Status
from kostack.analyze.release_checks import check_releases
from kostack.cli.common import Environment
from kostack.cli.main import main
from kostack.model import Snapshot
from kostack_testkit import helm_fixtures as hf
from kostack_testkit.helm_fixture_storage import go_time

STARTED = hf.at(hf.NOW - 3)  # when the pending install began (info.last_deployed)
SECRET = "sh.helm.release.v1.harbor.v1"
CHECK = ("release", "check", "harbor", "--namespace", "harbor")
REINSTALL = (
    *("release", "reinstall", "harbor", "--namespace", "harbor", "--chart", "harbor/harbor"),
    *("--snapshot", str(EXAMPLES / "seed-fixed.json")),
)


def seed_with(edit: Callable[[dict[str, Any]], dict[str, Any]]) -> hf.HelmScenario:
    """The seed with harbor/harbor's only revision rewritten: ``edit`` changes the release
    record and returns release_secret's keywords (created, modified)."""
    scenario = hf.harbor_seed()
    scenario.extend(hf.lookalikes())
    for i, obj in enumerate(scenario.objects):
        meta = obj["metadata"]
        if obj["kind"] == "Secret" and (meta["namespace"], meta["name"]) == ("harbor", SECRET):
            record = hf.decode_release_data(base64.b64decode(obj["data"]["release"]).decode())
            scenario.objects[i] = hf.release_secret(record, **edit(record))
            return scenario
    raise AssertionError("the seed has no harbor/harbor release")


def pending_seed() -> hf.HelmScenario:
    """The seed with harbor/harbor's only revision pending-install since STARTED."""

    def pending(record: dict[str, Any]) -> dict[str, Any]:
        record["info"].update(
            status="pending-install",
            description="Initial install underway",
            first_deployed=go_time(STARTED),
            last_deployed=go_time(STARTED),
        )
        return {"created": STARTED}

    return seed_with(pending)


@dataclass
class Run:
    code: int
    out: str
    err: str


def run(
    served: Served, *args: str, at: datetime, path: str = "/nonexistent", lang: str = "C"
) -> Run:
    out, err = io.StringIO(), io.StringIO()
    environ = {"PATH": path, "LANG": lang, "KUBECONFIG": str(served.kubeconfig)}
    env = Environment(out, err, environ, stdin_isatty=False, stdout_isatty=False, clock=lambda: at)
    code = main(list(args), env)
    return Run(code, out.getvalue(), err.getvalue())


def writes(served: Served) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in served.api.requests
        if r.method in ("POST", "PUT", "PATCH", "DELETE")
    ]


@pytest.fixture
def served(tmp_path: Path) -> Served:
    with serve(pending_seed(), tmp_path) as served:
        yield served


def test_check_calls_a_young_pending_release_running_not_stuck(served: Served) -> None:
    result = run(served, *CHECK, "-v", at=STARTED + timedelta(minutes=2))
    assert "harbor/harbor revision 1 is pending-install, pending since 2m ago" in result.out
    assert "a helm command may still be running" in result.out
    assert "is stuck in" not in result.out
    # no destructive advice: nothing to uninstall, no reinstall to run
    assert "helm uninstall" not in result.out
    assert "kostack release reinstall" not in result.out
    korean = run(served, *CHECK, at=STARTED + timedelta(minutes=2), lang="ko_KR.UTF-8")
    assert "helm 명령이 아직 실행 중일 수 있습니다" in korean.out
    assert "15분이 지나기 전에는" in korean.out
    assert not writes(served)


def test_check_calls_an_old_pending_release_stuck_as_before(served: Served) -> None:
    result = run(served, *CHECK, at=STARTED + timedelta(hours=2))
    assert "harbor/harbor revision 1 is stuck in pending-install" in result.out
    assert "kostack release reinstall harbor --namespace harbor" in result.out
    grace_0 = run(served, *CHECK, "--pending-grace", "0", at=STARTED + timedelta(minutes=2))
    assert "harbor/harbor revision 1 is stuck in pending-install" in grace_0.out
    assert "kostack release reinstall harbor --namespace harbor" in grace_0.out


def assert_refused(served: Served, before: object, result: Run, says: str) -> None:
    """A reinstall refused because helm may be running: why, what to check, nothing changed."""
    assert result.code == 1, result.out + result.err
    assert result.err.startswith(f"error: reinstall blocked: release harbor/harbor is {says}"), (
        result.err
    )
    assert "`helm history harbor -n harbor`" in result.err and "--pending-grace 0" in result.err
    assert "Nothing was changed" in result.err
    assert (set(served.pvcs()), served.releases()) == before
    assert not writes(served)


def test_reinstall_refuses_a_young_pending_release(served: Served, fake_helm_bin: Path) -> None:
    before = (set(served.pvcs()), served.releases())
    result = run(
        served, *REINSTALL, "--yes", at=STARTED + timedelta(minutes=2), path=str(fake_helm_bin)
    )
    assert_refused(served, before, result, "pending-install, pending since 2m ago")
    korean = run(served, *REINSTALL, at=STARTED + timedelta(minutes=2), lang="ko_KR.UTF-8")
    assert korean.code == 1
    assert "릴리스 harbor/harbor가 pending-install 상태입니다(2분 전" in korean.err, korean.err
    assert not writes(served)


def test_reinstall_of_an_old_pending_release_goes_on_as_before(
    served: Served, fake_helm_bin: Path
) -> None:
    result = run(
        served,
        *REINSTALL,
        "--yes",
        "--timeout",
        "60",
        at=STARTED + timedelta(hours=2),
        path=str(fake_helm_bin),
    )
    assert result.code == 0, result.out + result.err
    assert "Reinstall complete." in result.out
    assert "harbor/sh.helm.release.v1.harbor.v1" in served.releases()  # the new install


def test_pending_grace_0_plans_the_reinstall(served: Served) -> None:
    young = STARTED + timedelta(minutes=2)
    blocked = run(served, *REINSTALL, at=young)
    assert blocked.code == 1
    result = run(served, *REINSTALL, "--pending-grace", "0", at=young)
    assert result.code == 0, result.out + result.err
    assert "helm uninstall harbor --namespace harbor" in result.out
    assert "Dry run: nothing was changed" in result.out
    later = run(served, *REINSTALL, "--pending-grace", "1m", at=young)
    assert later.code == 0, later.err
    bad = run(served, *REINSTALL, "--pending-grace", "soon", at=young)
    assert bad.code == 2
    assert "soon is not a duration" in bad.err
    assert not writes(served)


def test_no_time_known_is_not_called_stuck(served: Served) -> None:
    """A snapshot without its time (and no clock): the pending release may still be running."""
    snapshot = Snapshot(helm=served.collect().state)
    report = check_releases(snapshot).about("harbor", "harbor")
    status = next(f for f in report.findings if f.check_id == "rel-status")
    assert status.status == Status.UNKNOWN
    assert "pending since an unknown time" in status.message
    timed = snapshot.model_copy(update={"created_at": go_time(STARTED + timedelta(hours=2))})
    old = next(
        f
        for f in check_releases(timed).about("harbor", "harbor").findings
        if f.check_id == "rel-status"
    )
    assert old.status == Status.FAIL
