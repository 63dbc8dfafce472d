"""Under --lang ko, English hides nowhere: not in a printed shell comment, not in a JSON string.

`english_lines` (tests/foundation/english.py) reads the words of a shell comment ("# ...": a
manual step's reason, once printed in English as a cached string) as a sentence. Here it reads
every example AND every check's failing and unknown case (tests/foundation/test_checks.py
CASES: causes no example has) through `diagnose` text and `-o json`, `fix plan` as text,
`-o json` (the plan file) and `-o script` (its comments and what it echoes), and the
incident report as Markdown and as HTML (the page's text, its picture's labels included),
in Korean. In JSON it reads the strings kostack says (messages, titles, reasons, a manual
step's comment), not ids, names, addresses, the snapshot's own words (``source``,
``snapshot_source``, a rule's ``description`` kept in Neutron) or the cloud's error text.
`-o junit` and `-o sarif` stay English by design (docs/output.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from english import english_lines, english_runs, html_text, script_english
from test_checks import CASES

from kostack_testkit.cli import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# JSON keys whose strings are data, not kostack's words: names, ids, the snapshot's own text
DATA_KEYS = frozenset(
    {"source", "snapshot_source", "description", "text", "id", "name", "namespace", "command"}
)


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "said":  # a plan's message keys and their parameters: data, not words
                yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str):
        yield key, value


def said_english(value: Any) -> list[str]:
    """The strings of a JSON document that carry an English sentence (a command's comment
    included: "commands" hold a manual step's "# ..." as it is printed)."""
    return [
        f"{key}: {line}"
        for key, text in _strings(value)
        if key not in DATA_KEYS or text.startswith("# ")
        for line in text.splitlines()
        if english_runs(line)
    ]


def leaks(snapshot: Path) -> list[str]:
    """Every English line kostack prints for ``snapshot`` in Korean, where it was printed."""
    found: list[str] = []
    for args in (
        ("diagnose", "-v"),
        ("fix", "plan", "-v"),
        ("report", "-o", "-", "--format", "md"),
    ):
        code, text = run_cli(*args, "--snapshot", str(snapshot), "--lang", "ko")
        assert code != 70, text
        found += [f"{args[0]}: {line}" for line in english_lines(text)]
    for args, read in (
        (("diagnose", "-o", "json"), lambda text: said_english(json.loads(text))),
        (("fix", "plan", "-o", "json"), lambda text: said_english(json.loads(text))),
        (("fix", "plan", "-o", "script"), script_english),
        (("report", "-o", "-", "--format", "html"), lambda text: english_lines(html_text(text))),
    ):
        code, text = run_cli(*args, "--snapshot", str(snapshot), "--lang", "ko")
        assert code != 70, text
        found += [f"{' '.join(args[:3])}: {line}" for line in read(text)]
    return found


def test_the_detector_reads_the_html_report_and_scripts() -> None:
    page = (
        "<html><head><style>p { margin: 0 }</style><title>보고서</title></head><body>"
        "<p>조치: <code>kubectl get pods -A</code></p><pre>openstack port list</pre>"
        "<svg><text>the packets are dropped here</text></svg></body></html>"
    )
    assert english_lines(html_text(page)) == ["the packets are dropped here"]
    script = (
        "#!/usr/bin/env bash\n# 되돌리기: openstack port set --no-allowed-address x\n"
        'for cidr in "$@"; do args+=(--allowed-address "ip-address=$cidr"); done\n'
        'echo "changed  port $port: added allowed address pairs"\n'
        "# review it before running\n"
    )
    assert script_english(script) == [
        "review it before running",
        "changed  port $port: added allowed address pairs",
    ]


def test_junit_and_sarif_stay_english_by_design() -> None:
    """CI systems and code-scanning dashboards read them: they are English whatever --lang."""
    snapshot = str(EXAMPLES / "seed-incident.json")
    for output in ("junit", "sarif"):
        _, korean = run_cli("diagnose", "-o", output, "--snapshot", snapshot, "--lang", "ko")
        _, english = run_cli("diagnose", "-o", output, "--snapshot", snapshot)
        assert korean == english and "Neutron anti-spoofing" in korean


def test_the_detector_reads_shell_comments_and_json_strings() -> None:
    assert english_lines("조치:\n    # set the MTU, then recreate the pods\n") != []
    assert english_lines("    kubectl apply -f x.yaml   # then recreate the pods\n") != []
    assert english_lines("    # CNI MTU를 1450으로 설정하세요\n    kubectl get pods -A\n") == []
    assert english_lines("    # kubectl patch installation default --type merge -p x\n") == []
    doc = {"message": "판단할 수 없음: floating IPs were not collected.", "id": "x y z w"}
    assert said_english(doc) == ["message: 판단할 수 없음: floating IPs were not collected."]
    assert said_english({"commands": ["# then recreate the pods"]}) != []
    assert said_english({"source": "example: the seed incident", "name": "a b c d"}) == []
    said = {"key": "x", "params": {"note": "no port matched here"}}
    assert said_english({"said": {"reason": said}, "reason": "이유"}) == []


@pytest.mark.parametrize("half", [0, 1], ids=["first-half", "second-half"])
def test_no_example_leaks_english_in_korean(half: int) -> None:
    names = sorted(EXAMPLES.glob("*.json"))[half::2]
    found = [f"{p.stem}: {line}" for p in names for line in leaks(p)]
    assert found == [], "\n".join(found)


def _cases() -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    return [
        (f"{check_id}-{kind}", make)
        for check_id, (_, failing, unknown) in sorted(CASES.items())
        for kind, make in (("failing", failing), ("unknown", unknown))
    ]


def test_no_check_case_leaks_english_in_korean(tmp_path: Path) -> None:
    found: list[str] = []
    for name, make in _cases():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(make()))
        found += [f"{name}: {line}" for line in leaks(path)]
    assert found == [], "\n".join(found)


def test_a_manual_step_without_a_command_is_said_in_korean(tmp_path: Path) -> None:
    """Flannel's MTU has no one command: the step is a comment, once cached in English."""
    doc = json.loads((EXAMPLES / "flannel-vxlan-no-8472.json").read_text())
    for network in doc["openstack"]["networks"]:
        network["mtu"] = 1200
    path = tmp_path / "flannel-mtu.json"
    path.write_text(json.dumps(doc))
    assert leaks(path) == []
    _, text = run_cli("diagnose", "--snapshot", str(path), "--lang", "ko")
    assert (
        "    # kube-flannel-cfg net-conf.json의 Backend.MTU를 1200으로 설정(또는 삭제)한 뒤 "
        in text
    )
    _, english = run_cli("diagnose", "--snapshot", str(path))
    assert (
        "    # set Backend.MTU in kube-flannel-cfg net-conf.json to 1200 (or remove it), "
        in english
    )


def _without_proxy_mode(value: Any) -> None:
    if isinstance(value, dict):
        for key in value:
            if key == "kube_proxy_mode":
                value[key] = None
            else:
                _without_proxy_mode(value[key])
    elif isinstance(value, list):
        for item in value:
            _without_proxy_mode(item)


def test_the_ping_story_of_an_unknown_proxy_mode_is_korean(tmp_path: Path) -> None:
    """Each mode's words were joined as one English string inside the Korean sentence."""
    doc = json.loads((EXAMPLES / "seed-incident.json").read_text())
    _without_proxy_mode(doc)
    path = tmp_path / "no-proxy-mode.json"
    path.write_text(json.dumps(doc))
    args = ("trace", "--snapshot", str(path), "-p", "icmp", "pod:demo/netshoot")
    _, text = run_cli(*args, "svc:default/kubernetes", "--lang", "ko")
    assert english_lines(text) == [], text
    assert "kube-proxy 모드를 알 수 없습니다: iptables 모드: 응답 없음: " in text
    _, english = run_cli(*args, "svc:default/kubernetes")
    assert "the kube-proxy mode is not known: iptables mode: no reply: " in english
