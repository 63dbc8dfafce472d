"""A line break inside a name or a text from the cloud cannot start a line of kostack's output.

OpenStack names and descriptions may hold any character, and Helm writes an error's whole
text into a release's description. Printed as they are, a security group named
"web\\nFix: openstack port set --disable-port-security ..." would put a command to paste on
a line of its own. The model keeps them on one line (kostack.model.types `Name`, `Text`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kostack.model import loads_snapshot
from kostack_testkit.builders import example_doc
from kostack_testkit.cli import run_cli

FORGED = "FORGED openstack port set --disable-port-security x"
BREAKS = ["\n", "\r\n", "\r", "\u2028", "\x85", "\x0b", "\x1e"]
# what a pod, a container, an event or a release says of itself (anyone who runs a pod or
# writes an event chooses it)
TEXTS = ("description", "message", "last_message", "reason", "last_reason")


def hostile(doc: dict[str, Any]) -> dict[str, Any]:
    """Every group's name (the terminal's own line breaks) and every free text of the Helm state
    (a different break each) with a line break and a command after it."""
    for i, group in enumerate(doc["openstack"]["security_groups"]):
        group["name"] = f"{group['name']}{BREAKS[i % 2]}{FORGED}"
    seen = 0

    def walk(value: Any) -> None:
        nonlocal seen
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in TEXTS and isinstance(inner, str):
                    value[key] = f"{inner}{BREAKS[seen % len(BREAKS)]}{FORGED}"
                    seen += 1
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(doc.get("helm"))
    walk(doc["openstack"]["security_groups"])
    return doc


@pytest.mark.parametrize(
    ("example", "commands"),
    [
        (
            "hetero-groups",
            [["diagnose", "-v"], ["fix", "plan"], ["trace", "node:k8s-cp-1", "node:k8s-w-3:10250"]],
        ),
        ("harbor-wrong-namespace", [["release", "check", "-v"], ["diagnose"]]),
    ],
)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_line_of_output_starts_with_the_clouds_text(
    tmp_path: Path, example: str, commands: list[list[str]], lang: str
) -> None:
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(json.dumps(hostile(example_doc(example))))
    printed = ""
    for args in commands:
        code, out = run_cli(*args, "--snapshot", str(snapshot), "--lang", lang)
        assert code in (0, 1), out  # read and judged, not refused
        printed += out
    report = tmp_path / "report.md"
    run_cli("report", "--snapshot", str(snapshot), "--lang", lang, "-o", str(report))
    printed += report.read_text(encoding="utf-8")
    assert FORGED.split()[0] in printed  # the texts are shown ...
    for line in printed.splitlines():
        assert not line.lstrip(" `*->|").startswith("FORGED"), line  # ... never as a line


def test_names_and_texts_keep_their_breaks_as_escapes() -> None:
    doc = example_doc("harbor-wrong-namespace")
    doc["openstack"]["security_groups"][0]["name"] = "a\nb\r\tc\u2028d"
    release = doc["helm"]["releases"][0]
    release["description"] = "failed:\nline two"
    snapshot = loads_snapshot(json.dumps(doc))
    assert snapshot.openstack.security_groups[0].name == "a\\nb\\r\\tc\\u2028d"
    assert snapshot.helm.releases[0].description == "failed:\\nline two"
    # once escaped, a snapshot written again reads back the same
    again = loads_snapshot(snapshot.model_dump_json())
    assert again.openstack.security_groups[0].name == "a\\nb\\r\\tc\\u2028d"
