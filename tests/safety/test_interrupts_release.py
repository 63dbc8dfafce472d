"""Ctrl-C during a reinstall given --from and --timeout: the command to run again keeps them."""

from __future__ import annotations

import shlex
from pathlib import Path

from safety_proc import Kostack, WatchedApi
from safety_servers import wait_for
from test_interrupts import EXAMPLES, interrupted, kubeconfig

from kostack_testkit import helm_fixtures as hf
from kostack_testkit.k8s_fixtures import seed_cluster


def test_the_command_to_run_again_is_the_same_reinstall(tmp_path: Path) -> None:
    """Moving team-a's harbor into harbor (`--from team-a`), interrupted at its first change.
    Before, the hint said to run the reinstall again without --from (and --timeout): the rerun
    planned without team-a, leaving its claims, and with the default wait."""
    scenario = hf.harbor_seed().extend(hf.lookalikes())
    api = WatchedApi(
        seed_cluster(extra=scenario.objects), method="PATCH", path=r"^/api/v1/persistentvolumes/"
    )
    with api:
        scenario.set_logs(api)
        api.inject_fault("", "persistentvolumes", delay=60, verbs={"patch"})
        config = kubeconfig(tmp_path / "kc", api.url, api.token)
        asked = ("--namespace", "harbor", "--chart", "harbor/harbor", "--from", "team-a")
        run = Kostack.start(
            "release",
            "reinstall",
            "harbor",
            *asked,
            "--timeout",
            "120",
            "--snapshot",
            str(EXAMPLES / "seed-fixed.json"),
            "--kubeconfig",
            str(config),
            "--yes",
            "--journal",
            str(tmp_path / "reinstall.jsonl"),
            environ={"HOME": str(tmp_path), "PATH": "/nonexistent"},
        )
        wait_for(api.seen, "the volume patch")
        code, _out, err, _took = interrupted(run, "release reinstall (a PATCH in flight)")
    assert code == 130, err
    hint = err.splitlines()[-1]
    again = hint.split("then run `", 1)[1].split("` again", 1)[0]
    assert shlex.split(again) == [
        "kostack",
        "release",
        "reinstall",
        "harbor",
        *asked,
        "--timeout",
        "120",
        "--yes",
    ]
