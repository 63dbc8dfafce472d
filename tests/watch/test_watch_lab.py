"""`kostack watch --probes lab`: each cycle's probe round runs for real in the network lab.

Needs root (network namespaces): skipped only when not root, as CI runs as root. The lab is
named after this test process and torn down even when the test fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from watch_testing import WatchProcess, metric_value, wait_for

from kostack.model import dump_snapshot
from kostack_lab.lab import Lab
from kostack_lab.lab_snapshot import lab_snapshot

pytestmark = [pytest.mark.lab]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    if os.geteuid() != 0:
        pytest.skip("network lab tests need root (CI runs them as root)")
    made = Lab(name=f"w{os.getpid() % 10_000_000}", state_dir=tmp_path / "lab")
    yield made
    made.down()


def test_probe_rounds_in_the_lab_show_which_classes_fail(lab: Lab, tmp_path: Path) -> None:
    lab.up("seed")
    snapshot = tmp_path / "lab.json"
    snapshot.write_text(dump_snapshot(lab_snapshot(lab)))
    name = lab.prefix.removeprefix("ks-").rstrip("-")
    env = {**os.environ, "KOSTACK_LAB_STATE_DIR": str(lab.paths.root), "LANG": "C.UTF-8"}
    watch = WatchProcess(
        [
            "--snapshot",
            str(snapshot),
            "--listen",
            "127.0.0.1:0",
            "--interval",
            "2",
            "--probes",
            "lab",
            "--probe-lab",
            name,
            "--probe-timeout",
            "1",
            "--probe-egress",
            "203.0.113.10:80",
        ],
        env=env,
    ).start()
    try:
        watch.wait_line(r"probes: \d+ passed, \d+ failed, from 4 node\(s\)", 90)
        exposition = watch.get("/metrics")[1]
        assert metric_value(exposition, "kostack_up", source="probes") == 1
        # The seed incident: pod-to-pod across nodes fails from every class, for real ...
        ratios = {
            (
                line.split('src_class="')[1].split('"')[0],
                line.split('dst_class="')[1].split('"')[0],
            ): float(line.rsplit(" ", 1)[1])
            for line in exposition.splitlines()
            if line.startswith("kostack_probe_success_ratio{") and 'kind="pod-to-pod"' in line
        }
        assert ratios and set(ratios.values()) == {0.0}, ratios
        # ... and pods on the control plane resolve names (CoreDNS is there): DNS is not all failing
        dns = metric_value(
            exposition,
            "kostack_probe_success_ratio",
            kind="dns",
            src_class="control-plane:k8s-cp-1",
        )
        assert dns == 1.0
        status = watch.status()
        assert status["probes"]["failed"] > 0 and status["sources"]["probes"]["up"] is True
        seen = status["cycles"]
        wait_for("a second round", lambda: watch.status()["cycles"] > seen + 1, 90)
    finally:
        watch.stop()
