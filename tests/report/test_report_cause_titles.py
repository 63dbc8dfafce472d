"""Every root cause the report names is named by its title in each language, never by its
key: a key the diagnosis has no title for reads as a stray id in both."""

from __future__ import annotations

import json
from pathlib import Path

from report_testing import run

from kostack.analyze.diagnose import ROOT_CAUSE_TITLES, diagnose
from kostack_testkit.builders import build, example_doc


def dns_service_without_port_53() -> dict[str, object]:
    """The fixed seed, its kube-dns Service left with the metrics port only."""
    doc = example_doc("seed-fixed")
    for svc in doc["cluster"]["services"]:
        if svc["name"] == "kube-dns":
            svc["ports"] = [p for p in svc["ports"] if p["port"] != 53]
    return doc


def test_a_service_without_the_port_its_clients_use_is_a_titled_cause(tmp_path: Path) -> None:
    doc = dns_service_without_port_53()
    (cause,) = diagnose(build(doc)).root_causes
    assert cause.key == "service-port" and cause.key in ROOT_CAUSE_TITLES
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    for lang in ("en", "ko"):
        md = tmp_path / f"report-{lang}.md"
        code, _, err = run("report", "--snapshot", str(path), "--lang", lang, "-o", str(md))
        assert code in (0, 1, 3), err
        text = md.read_text(encoding="utf-8")
        assert ROOT_CAUSE_TITLES["service-port"][lang] in text
        assert "service-port" not in text
