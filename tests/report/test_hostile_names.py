"""Hostile names through every output: no printed command is ever unquoted, nothing hidden is printed.

Each case gives one payload to every name kostack puts in a command: the
Helm release and its namespace (so its claims and volumes), a node's
Neutron port, a security group, the test pod and its namespace, a probe's
target. Every output that prints commands (incident report Markdown/HTML,
`diagnose` text/JSON/SARIF, `fix plan` text/JSON/script, `release check`
and `release reinstall` text/JSON) is pasted into bash with stub commands
(tests/shell_argv.py): no injected command runs, no chunk fails, and every
argument that holds part of a hostile name holds all of it (a name split in
two would show). The same outputs hold no raw control, bidi or zero-width
character, and the JSON still decodes to the exact names.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from advice_testing import lookalike_state
from report_testing import run, write_doc
from shell_argv import (
    Paste,
    html_code_commands,
    html_commands,
    json_commands,
    markdown_code_commands,
    markdown_commands,
    paste,
    script_commands,
    text_commands,
)

from kostack.report.fixplan import _SCRIPT_HELPERS
from kostack.shell import is_hidden
from kostack_testkit.builders import example_doc

PAYLOADS = {
    "semicolon": ";id",
    "substitution": "$(touch x)",
    "backticks": "`touch x`",
    "single-quotes": "' ; touch x ; '",
    "double-quotes": '"$HOME"',
    "newline": "\ntouch x",
    "rlo": "\u202egpj.exe",
    "isolates": "\u2066x\u2069\u2067\u2068",
    "marks": "\u200e\u200f\u061c",
    "non-ascii": "-한글é",
    "escape-sequence": "\x1b[31m\x9b2J",
    "pipe": "|touch x",
    "and": "&&touch x",
    "glob-space": " *",
    "backslash": "\\",
}
SEED_PORT = "9b3d46e9-3f54-5cf1-b302-427306a4323e"  # k8s-w-2


def _replace(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {_replace(k, old, new): _replace(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, old, new) for v in node]
    if isinstance(node, str):
        return node.replace(old, new)
    return node


def _names(payload: str) -> dict[str, str]:
    return {
        "release": "zqharbor" + payload,
        "namespace": "zqns" + payload,
        "port": "zqport" + payload,
        "group": "zqsg" + payload,
        "pod_namespace": "zqdemo" + payload,
        "pod": "netshoot-zqpod" + payload,
        "probe": "zqprobe" + payload,
    }


def _seed_doc(names: dict[str, str]) -> dict[str, Any]:
    doc = _replace(example_doc("seed-incident"), SEED_PORT, names["port"])
    for pod in doc["cluster"]["pods"]:
        if pod["name"].startswith("netshoot"):
            pod["name"], pod["namespace"] = names["pod"], names["pod_namespace"]
    doc["probes"] = [
        {
            "id": "dns/zq",
            "kind": "dns",
            "source_pod": f"{names['pod_namespace']}/{names['pod']}",
            "target": names["probe"],
            "protocol": "udp",
            "verdict": "fail",
            "detail": "timeout",
        },
        {
            "id": "tls/zq",
            "kind": "tls",
            "source_pod": f"{names['pod_namespace']}/{names['pod']}",
            "target": names["probe"],
            "target_port": 443,
            "protocol": "tcp",
            "verdict": "fail",
            "detail": "timeout",
        },
    ]
    doc["helm"] = lookalike_state(names["release"], names["namespace"]).doc()
    return doc


def _group_doc(names: dict[str, str]) -> dict[str, Any]:
    doc = example_doc("vxlan-always-no-4789")
    group = next(g for g in doc["openstack"]["security_groups"] if g["name"] == "k8s-nodes")
    return _replace(doc, group["id"], names["group"])


def _outputs(tmp: Path, names: dict[str, str]) -> dict[str, str]:
    """Every output that prints commands, as written (stdout or the report file)."""
    seed = write_doc(_seed_doc(names), tmp / "seed.json")
    groups = write_doc(_group_doc(names), tmp / "groups.json")
    out: dict[str, str] = {}
    for fmt in ("md", "html"):
        target = tmp / f"report.{fmt}"
        code, _, err = run("report", "--snapshot", seed, "-o", str(target))
        assert code == 0, err
        out[f"report {fmt}"] = target.read_text(encoding="utf-8")
    for name, snap in (("seed", seed), ("groups", groups)):
        for fmt in ("text", "json", "sarif"):
            out[f"diagnose {name} {fmt}"] = run("diagnose", "--snapshot", snap, "-o", fmt)[1]
        for fmt in ("text", "json", "script"):
            out[f"fix plan {name} {fmt}"] = run("fix", "plan", "--snapshot", snap, "-o", fmt)[1]
    openstack = _replace(example_doc("seed-fixed")["openstack"], SEED_PORT, names["port"])
    healthy = _seed_doc(names) | {"openstack": openstack, "probes": []}
    fixed = write_doc(healthy, tmp / "fixed.json")  # the network works: the plan shows its steps
    for fmt in ("text", "json"):
        out[f"release check {fmt}"] = run("release", "check", "--snapshot", seed, "-o", fmt)[1]
        for name, snap in (("blocked", seed), ("ready", fixed)):
            out[f"release reinstall {name} {fmt}"] = run(
                "release",
                "reinstall",
                names["release"],
                "--namespace",
                names["namespace"],
                "--chart",
                "repo/harbor",
                "--snapshot",
                snap,
                "-o",
                fmt,
            )[1]
    return out


def _commands(key: str, text: str) -> list[str]:
    if key.startswith("report md"):
        return markdown_commands(text) + markdown_code_commands(text)
    if key.startswith("report html"):
        return html_commands(text) + html_code_commands(text)
    if key.endswith(("json", "sarif")):
        return json_commands(json.loads(text)) + _sarif_commands(json.loads(text))
    if key.endswith("script"):
        return script_commands(text, _SCRIPT_HELPERS)
    return text_commands(text)


def _sarif_commands(document: Any) -> list[str]:
    runs = document.get("runs", []) if isinstance(document, dict) else []
    return [
        c
        for r in runs
        for result in r.get("results", [])
        for c in result.get("properties", {}).get("commands", [])
    ]


def _split_names(done: Paste, names: dict[str, str]) -> list[tuple[str, ...]]:
    """Calls with an argument that holds part of a hostile name but not a whole one."""
    # a name may also sit in a JSON document (a patch body), escaped as JSON escapes it
    whole = tuple(
        form
        for n in names.values()
        for form in (n, json.dumps(n)[1:-1], json.dumps(n, ensure_ascii=False)[1:-1])
    )
    return [
        call
        for call in done.calls()
        if any("zq" in arg and not any(n in arg for n in whole) for arg in call)
    ]


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_a_hostile_name_never_yields_an_unquoted_command(payload: str, tmp_path: Path) -> None:
    names = _names(payload)
    outputs = _outputs(tmp_path, names)
    reached: set[str] = set()
    for key, text in outputs.items():
        # nothing hidden reaches a terminal, a browser or a Markdown viewer
        hidden = sorted({f"U+{ord(c):04X}" for c in text if is_hidden(c) and c not in "\n\t"})
        assert hidden == [], (key, hidden)
        chunks = _commands(key, text)
        done = paste(chunks, tmp_path)
        assert not done.canary, (key, done.errors)
        failed = [r.chunk for r in done.results if r.status != 0]
        assert failed == [], (key, failed, done.errors)
        assert _split_names(done, names) == [], key
        for call in done.calls():
            reached.update(k for k, n in names.items() for arg in call if n in arg)
    # every kind of name was really printed in a command somewhere (the test can fail)
    assert reached == set(names), set(names) - reached
    # JSON keeps the exact data under its escapes
    check = json.loads(outputs["release check json"])
    assert names["release"] in {r["name"] for r in check["releases"]}
    fix = json.loads(outputs["fix plan seed json"])
    assert names["port"] in {a["target"]["id"] for a in fix["actions"]}


def test_the_issue_example_in_the_report(tmp_path: Path) -> None:
    """Release `harbor;id` prints `helm uninstall 'harbor;id' ...`, never `helm uninstall harbor;id`."""
    doc = example_doc("seed-incident")
    doc["helm"] = lookalike_state("harbor;id", "harbor").doc()
    path = write_doc(doc, tmp_path / "snap.json")
    target = tmp_path / "r.md"
    assert run("report", "--snapshot", path, "-o", str(target))[0] == 0
    text = target.read_text(encoding="utf-8")
    assert "helm uninstall 'harbor;id' --namespace harbor --wait --timeout 600s" in text
    assert "helm uninstall harbor;id" not in text


def test_the_cases_cover_every_output(tmp_path: Path) -> None:
    """The matrix the hostile-name test runs: 15 payloads x 7 names x these 20 outputs."""
    assert len(PAYLOADS) == 15
    outputs = _outputs(tmp_path, _names(";id"))
    assert len(outputs) == 20
    # a fix plan's text and JSON describe changes (no command), a blocked reinstall shows no step
    silent = {
        "fix plan seed text",
        "fix plan seed json",
        "fix plan groups text",
        "fix plan groups json",
        "release reinstall blocked text",
    }
    assert {k for k, v in outputs.items() if not _commands(k, v)} == silent


def test_json_escapes_decode_to_the_same_names(tmp_path: Path) -> None:
    names = _names("\u202e\x1b\u200b")
    doc = copy.deepcopy(_seed_doc(names))
    path = write_doc(doc, tmp_path / "snap.json")
    text = run("release", "check", "--snapshot", path, "-o", "json")[1]
    assert "\\u202e" in text and "\u202e" not in text
    assert names["release"] in {r["name"] for r in json.loads(text)["releases"]}


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_preflight_commands_quote_hostile_names(payload: str, tmp_path: Path) -> None:
    """`kostack preflight -o commands`: node and group names are the user's, quoted alike."""
    names = {"node": "zqnode" + payload, "group": "zqsg" + payload}
    code, text, err = run(
        "preflight",
        "--pod-cidr",
        "10.244.0.0/16",
        "--service-cidr",
        "10.96.0.0/12",
        "--subnet-cidr",
        "10.0.0.0/24",
        "--node",
        f"10.0.0.11={names['node']}",
        "--node",
        "10.0.0.12=w1",
        "--security-group",
        names["group"],
        "-o",
        "commands",
    )
    assert code == 0, err
    assert not any(is_hidden(c) for c in text if c not in "\n\t")
    lines = [line for line in text.split("\n") if line and not line.startswith("#")]
    done = paste(lines, tmp_path)
    assert not done.canary and all(r.status == 0 for r in done.results), done.errors
    assert _split_names(done, names) == []
    printed = {arg for call in done.calls() for arg in call}
    assert names["node"] in printed and names["group"] in printed
    # the variables the reader sets (SUBNET=...) stay variables, expanded by the shell
    fixed = [a for call in done.calls() for a in call if a.startswith("subnet=")]
    assert fixed == [f"subnet=my-k8s-subnet,ip-address=10.0.0.{n}" for n in (11, 12)]


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "# undo: not given: an argument of"), ("ko", "# 되돌리기: 명령을 주지 않습니다:")],
)
def test_an_undo_no_shell_can_be_given_is_said_once(lang: str, said: str, tmp_path: Path) -> None:
    """A port id with a NUL: its undo is "# undo: not given: …", not "# undo: # not given: …"."""
    doc = _replace(example_doc("seed-incident"), SEED_PORT, "zq\0port")
    path = write_doc(doc, tmp_path / "snap.json")
    code, text, _ = run("fix", "plan", "--snapshot", path, "-o", "script", "--lang", lang)
    assert code == 0, text
    assert said in text
    assert "# undo: #" not in text and "# 되돌리기: #" not in text
