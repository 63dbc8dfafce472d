"""Hostile names in the way in: every command the LB checks print is quoted by kostack.shell.

The Service's namespace and name, the load balancer's id and the floating
IP's id each carry a payload; the LB checks that print a command (annotate
the Service for a health monitor, attach the floating IP, show or delete a
stuck or failed load balancer) are run through `diagnose` (text, JSON, SARIF)
and `report` (Markdown, HTML), and every printed command is pasted into bash
with stub commands (tests/shell_argv.py): nothing injected runs, no chunk
fails, and every argument holding part of a name holds all of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from shell_argv import (
    html_code_commands,
    html_commands,
    json_commands,
    markdown_code_commands,
    markdown_commands,
    paste,
    text_commands,
)

from kostack.model import dump_snapshot
from kostack.shell import is_hidden
from kostack_testkit.builders import build
from kostack_testkit.cli import run_cli
from kostack_testkit.lb_fixtures import (
    FIP_ID,
    LB_ID,
    NAME,
    NAMESPACE,
    etp_local_no_monitor,
    floating_ip,
    load_balancer,
    pending_create,
)

Doc = dict[str, Any]

PAYLOADS = {
    "semicolon": ";id",
    "substitution": "$(touch x)",
    "backticks": "`touch x`",
    "single-quotes": "' ; touch x ; '",
    "newline": "\ntouch x",
    "rlo": "\u202egpj",
    "pipe": "|touch x",
    "glob-space": " *",
}


def _replace(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {_replace(k, old, new): _replace(v, old, new) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, old, new) for v in node]
    if isinstance(node, str):
        return node.replace(old, new)
    return node


def _fip_unbound() -> Doc:
    doc = etp_local_no_monitor()
    doc["openstack"]["floating_ips"] = [floating_ip(port_id=None)]
    return doc


def _lb_error() -> Doc:
    doc = pending_create()
    doc["openstack"]["load_balancers"] = [load_balancer(provisioning="ERROR")]
    return doc


# what each document must make kostack print, by check
CASES: dict[str, tuple[Callable[[], Doc], tuple[str, ...]]] = {
    "etp-local-no-monitor": (etp_local_no_monitor, ("lb-etp-local",)),
    "fip-unbound": (_fip_unbound, ("lb-floating-ip",)),
    "pending-create": (pending_create, ("lb-provisioning",)),
    "lb-error": (_lb_error, ("lb-provisioning",)),
}


def _names(payload: str) -> dict[str, str]:
    # the ids start with "zq" so that a split id shows; a leading "-" would be an option
    return {
        "namespace": "zqns" + payload,
        "service": "zqsvc" + payload,
        "lb": "zqlb" + payload,
        "fip": "zqfip" + payload,
    }


def _hostile(make: Callable[[], Doc], names: dict[str, str]) -> Doc:
    doc = make()
    doc = _replace(doc, LB_ID, names["lb"])
    doc = _replace(doc, FIP_ID, names["fip"])
    doc = _replace(doc, NAMESPACE, names["namespace"])  # "shop": only the Service's namespace
    return _replace(doc, NAME, names["service"])  # "web": only the Service and its pods


_run = run_cli


def _outputs(snap: str, tmp: Path) -> dict[str, str]:
    out = {}
    for fmt in ("text", "json", "sarif"):
        out[f"diagnose {fmt}"] = _run("diagnose", "--snapshot", snap, "-o", fmt)[1]
    for fmt in ("md", "html"):
        target = tmp / f"report.{fmt}"
        code, err = _run("report", "--snapshot", snap, "-o", str(target))
        assert code == 0, err
        out[f"report {fmt}"] = target.read_text(encoding="utf-8")
    return out


def _commands(key: str, text: str) -> list[str]:
    if key == "report md":
        return markdown_commands(text) + markdown_code_commands(text)
    if key == "report html":
        return html_commands(text) + html_code_commands(text)
    if key in ("diagnose json", "diagnose sarif"):
        document = json.loads(text)
        sarif = [
            c
            for r in document.get("runs", [])
            for result in r.get("results", [])
            for c in result.get("properties", {}).get("commands", [])
        ]
        return json_commands(document) + sarif
    return text_commands(text)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_lb_commands_quote_hostile_names(case: str, payload: str, tmp_path: Path) -> None:
    make, checks = CASES[case]
    names = _names(payload)
    snapshot = build(_hostile(make, names))
    assert {f.check_id for f in _failing(snapshot)} >= set(checks)
    snap = tmp_path / "snap.json"
    snap.write_text(dump_snapshot(snapshot), encoding="utf-8")
    whole = tuple(
        form
        for n in names.values()
        for form in (n, json.dumps(n)[1:-1], json.dumps(n, ensure_ascii=False)[1:-1])
    )
    reached: set[str] = set()
    for key, text in _outputs(str(snap), tmp_path).items():
        hidden = sorted({f"U+{ord(c):04X}" for c in text if is_hidden(c) and c not in "\n\t"})
        assert hidden == [], (key, hidden)
        done = paste(_commands(key, text), tmp_path)
        assert not done.canary, (key, done.errors)
        assert [r.chunk for r in done.results if r.status != 0] == [], (key, done.errors)
        split = [c for c in done.calls() if any("zq" in a and a not in whole for a in c)]
        assert split == [], key
        for call in done.calls():
            reached.update(k for k, n in names.items() for arg in call if arg == n)
    # the test can fail: the names this case puts in a command were really printed whole
    expected = {
        "etp-local-no-monitor": {"namespace", "service"},
        "fip-unbound": {"fip"},
        "pending-create": {"lb"},
        "lb-error": {"lb"},
    }[case]
    assert expected <= reached, expected - reached


def _failing(snapshot: Any) -> list[Any]:
    from kostack.analyze.diagnose import diagnose
    from kostack.analyze.findings import Status

    return [f for f in diagnose(snapshot).findings if f.status == Status.FAIL]
