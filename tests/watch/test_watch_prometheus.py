"""A real Prometheus scrapes `kostack watch`; promtool checks the rules, their tests and the exposition.

Prometheus and promtool come from the Debian package `prometheus`
(scripts/setup.sh --all installs it). Prometheus runs on loopback with a
temporary config that scrapes the watch every 0.5 s and loads the alert
rules; the test reads Prometheus's HTTP API and waits for each expected
sample with a deadline (no fixed sleeps).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from watch_testing import EXAMPLES, ROOT, WatchProcess, http_get, listening_ports, wait_for

RULES = ROOT / "deploy" / "alerts" / "kostack.rules.yaml"
RULE_TESTS = ROOT / "deploy" / "alerts" / "kostack.rules.test.yaml"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: run scripts/setup.sh --all (Debian package prometheus)"
        )
    return path


class Prometheus:
    def __init__(self, tmp: Path, target: str) -> None:
        self.port = 0  # Prometheus binds a free port; read back from /proc once it listens
        config = {
            "global": {"scrape_interval": "500ms", "evaluation_interval": "500ms"},
            "rule_files": [str(RULES)],
            "scrape_configs": [
                {
                    "job_name": "kostack-watch",
                    "scrape_interval": "500ms",
                    "scrape_timeout": "400ms",
                    "static_configs": [{"targets": [target]}],
                }
            ],
        }
        (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = (tmp / "prometheus.log").open("w")
        self.process = subprocess.Popen(
            [
                tool("prometheus"),
                f"--config.file={tmp / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp / 'data'}",
                "--web.listen-address=127.0.0.1:0",
                "--web.enable-lifecycle",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        # Its log names the address asked for, not the port it got: ask /proc instead.
        (self.port,) = wait_for("Prometheus listening", self._listening, 60)
        wait_for("Prometheus ready", lambda: http_get(f"{self.url}/-/ready")[0] == 200, 60)

    def _listening(self) -> set[int] | None:
        if self.process.poll() is not None:
            raise AssertionError(f"prometheus exited {self.process.returncode}")
        return listening_ports(self.process.pid) or None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def query(self, expr: str) -> list[dict[str, Any]]:
        code, body = http_get(f"{self.url}/api/v1/query?query={urllib.parse.quote(expr)}")
        assert code == 200, body
        doc = json.loads(body)
        assert doc["status"] == "success", doc
        return doc["data"]["result"]  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    target = tmp_path / "snapshot.json"
    shutil.copy(EXAMPLES / "seed-incident.json", target)
    return target


@pytest.fixture
def watch_proc(seed_copy: Path) -> Iterator[WatchProcess]:
    proc = WatchProcess(
        [
            "--snapshot",
            str(seed_copy),
            "--listen",
            "127.0.0.1:0",
            "--interval",
            "1",
            "--jitter",
            "0",
        ]
    ).start()
    yield proc
    proc.stop()


def test_prometheus_scrapes_the_verdict_and_the_root_cause(
    tmp_path: Path, watch_proc: WatchProcess, seed_copy: Path
) -> None:
    prometheus = Prometheus(tmp_path, f"127.0.0.1:{watch_proc.port}")
    try:
        (verdict,) = wait_for(
            "the verdict in Prometheus",
            lambda: prometheus.query('kostack_verdict{job="kostack-watch"} == 1'),
        )
        assert verdict["metric"]["verdict"] == "root-causes"
        (cause,) = wait_for(
            "the root cause in Prometheus",
            lambda: prometheus.query("kostack_root_cause"),
        )
        assert cause["metric"]["cause"] == "antispoof"
        assert cause["metric"]["check"] == "net-pod-src-antispoof"
        assert cause["metric"]["severity"] == "critical"
        assert cause["value"][1] == "1"
        # The critical rule is loaded and pending (it fires after 2 minutes).
        (alert,) = wait_for(
            "the pending alert",
            lambda: prometheus.query('ALERTS{alertname="KostackRootCauseCritical"}'),
        )
        assert alert["metric"]["alertstate"] == "pending"
        assert prometheus.query('up{job="kostack-watch"}')[0]["value"][1] == "1"
        flows = prometheus.query('kostack_flows{flow="pod-to-pod",verdict="blocked"}')
        assert sum(int(f["value"][1]) for f in flows) == 12  # 12 of 12 node pairs

        # The fix lands in the file: the next cycle reads it, Prometheus sees healthy.
        shutil.copy(EXAMPLES / "seed-fixed.json", seed_copy)
        (healthy,) = wait_for(
            "the healthy verdict",
            lambda: prometheus.query('kostack_verdict{verdict="healthy"} == 1'),
        )
        assert healthy["metric"]["job"] == "kostack-watch"
        wait_for("the root cause series to go", lambda: not prometheus.query("kostack_root_cause"))
        transitions = watch_proc.status()["history"]["transitions"]
        assert [
            (t["key"], t["from"], t["to"]) for t in transitions if t["kind"] == "root-cause"
        ] == [
            ("antispoof", "unknown", "present"),
            ("antispoof", "present", "absent"),
        ]
    finally:
        prometheus.stop()


def test_promtool_checks_the_rules() -> None:
    result = subprocess.run(
        [tool("promtool"), "check", "rules", str(RULES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 7 rules found" in result.stdout


def test_promtool_unit_tests_pass_and_cover_every_alert() -> None:
    result = subprocess.run(
        [tool("promtool"), "test", "rules", RULE_TESTS.name],
        capture_output=True,
        text=True,
        cwd=RULE_TESTS.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rules = yaml.safe_load(RULES.read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"]}
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fired = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    quiet = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if not case.get("exp_alerts")
    }
    assert fired == alerts  # every rule is shown firing
    assert alerts - {"KostackWatchDown"} <= quiet  # and not firing too early / on good input
    for group in rules["groups"]:
        for rule in group["rules"]:
            anchor = rule["annotations"]["runbook_url"].split("#", 1)[1]
            docs = (ROOT / "docs" / "alerts.md").read_text()
            assert f"## {rule['alert']}" in docs and anchor == rule["alert"].lower()


def test_promtool_accepts_the_exposition(watch_proc: WatchProcess) -> None:
    wait_for("a first cycle", lambda: watch_proc.get("/readyz")[0] == 200)
    code, exposition = watch_proc.get("/metrics")
    assert code == 200 and "kostack_verdict" in exposition
    result = subprocess.run(
        [tool("promtool"), "check", "metrics"], input=exposition, capture_output=True, text=True
    )
    # promtool prints lint problems and exits 3 on any: none allowed
    assert result.returncode == 0, result.stdout + result.stderr
