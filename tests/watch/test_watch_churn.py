"""Node churn under a real Prometheus: every cycle new class ids, the series stay bounded.

`kostack watch --snapshot FILE` reads a 40-node snapshot where every node is a
node class of its own (folded into 8 ids and ``other``); between rounds every node is renamed (``node-00007`` ->
``node-00107`` ...), so each class id (role and first member by name) is new.
Prometheus (the Debian package) scrapes every 0.5 s. After each round the
instant query holds exactly the current class ids (the old ones went stale
at the next scrape), the number of kostack series Prometheus received stays
within `series_bound(8)` and the same from round to round, and promtool accepts
the exposition.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from test_watch_prometheus import Prometheus, tool
from test_watch_units import many_classes_doc
from watch_testing import WatchProcess, wait_for

from kostack.watch.metrics import series_bound

ROUNDS = 4
NODE = re.compile(r"node-(\d{5})")


def renamed(doc: dict[str, Any], shift: int) -> str:
    return NODE.sub(lambda m: f"node-{int(m.group(1)) + shift:05d}", json.dumps(doc))


def published(watch: WatchProcess, round_: int) -> set[str] | None:
    """The class ids /status shows once the cycle of ``round_`` is published."""
    ids = {c["id"] for c in watch.status()["classes"]}
    return ids if f"control-plane:node-{100 * round_:05d}" in ids else None


def test_renamed_nodes_leave_no_series_behind_in_prometheus(tmp_path: Path) -> None:
    doc = many_classes_doc(40)  # every node a class of its own
    path = tmp_path / "snapshot.json"
    path.write_text(renamed(doc, 0))
    watch = WatchProcess(
        ["--snapshot", str(path), "--listen", "127.0.0.1:0", "--interval", "1", "--jitter", "0"]
    ).start()
    prometheus = Prometheus(tmp_path, f"127.0.0.1:{watch.port}")
    try:
        counts = []
        for round_ in range(ROUNDS):
            path.write_text(renamed(doc, 100 * round_))
            current = wait_for(f"round {round_} published", lambda r=round_: published(watch, r))
            assert len(current) == 9  # the 8 largest classes and "other"

            def scraped(current: set[str] = current) -> list[dict[str, Any]] | None:
                found = prometheus.query("kostack_node_class_nodes")
                ids = {f["metric"]["class"] for f in found}
                return found if ids == current else None

            wait_for(f"Prometheus to hold exactly round {round_}'s classes", scraped)
            (count,) = prometheus.query('count({job="kostack-watch",__name__=~"kostack_.*"})')
            counts.append(int(count["value"][1]))
        assert len(set(counts)) == 1 and counts[0] <= series_bound(8), counts
        old = prometheus.query('kostack_flows{src_class=~".*node-000..$"}')
        assert old == []  # round 0's ids (node-00000..) are gone from every metric
        code, exposition = watch.get("/metrics")
        assert code == 200
        result = subprocess.run(
            [tool("promtool"), "check", "metrics"], input=exposition, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        prometheus.stop()
        watch.stop()
