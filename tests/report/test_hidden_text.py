"""Hidden characters and backticks from a cluster: visible in every output, never markup.

U+202E and the other bidirectional controls reorder what a terminal, a
browser or a Markdown viewer shows (a command could read as another); zero-
width and control characters hide or move text. Each output kind has one
escaping function (terminal_safe, html_safe, json_safe, the Markdown
renderer, the shell quoting), applied to everything from a cloud or
cluster. A backtick in a name is a backtick: only kostack's own templates
make code spans, in the HTML report and in Markdown rendered by a
CommonMark viewer alike.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from advice_testing import lookalike_state
from markdown_it import MarkdownIt
from report_testing import run, write_doc

from kostack.analyze.diagnose import diagnose
from kostack.report.html import render_html
from kostack.report.incident import build_incident
from kostack.report.markdown import render_markdown
from kostack.report.safe import html_safe, json_safe, terminal_safe
from kostack.shell import is_hidden
from kostack_testkit.builders import build, example_doc

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u2028\u2029\u00a0\u3000"
CONTROL = "\x00\x07\x08\x0b\x0c\x0d\x1b\x7f\x85\x9b"
EVERY_HIDDEN = BIDI + INVISIBLE + CONTROL


@pytest.mark.parametrize("char", list(EVERY_HIDDEN), ids=lambda c: f"U+{ord(c):04X}")
def test_each_hidden_character_is_shown_as_an_escape_in_every_text_output(char: str) -> None:
    name = f"harbor{char}gpj.exe"
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
    escape = named.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}"
    )
    assert is_hidden(char)
    assert terminal_safe(name) == f"harbor{escape}gpj.exe"
    assert html_safe(name) == f"harbor{escape}gpj.exe"
    document = json.dumps({"name": name}, ensure_ascii=False)
    safe = json_safe(document)
    assert not any(is_hidden(c) for c in safe) and json.loads(safe) == {"name": name}


def test_readable_text_is_left_alone() -> None:
    text = "하버 릴리스 — café\tnaïve\nline"
    assert terminal_safe(text) == text and json_safe(json.dumps(text, ensure_ascii=False))


class _Text(HTMLParser):
    """Text content of a page, and the text of every <code> element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.code: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "code":
            self._depth += 1
            self.code.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._depth:
            self.code[-1] += data


def _page(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def _reports(release: str, pod: str, project: str = "k8s") -> tuple[str, str]:
    doc = example_doc("seed-incident")
    doc["openstack"]["project_name"] = project
    doc["helm"] = lookalike_state(release, "harbor").doc()
    for p in doc["cluster"]["pods"]:
        if p["name"].startswith("netshoot"):
            p["name"] = pod
    doc["probes"] = [
        {
            "id": "dns/x",
            "kind": "dns",
            "source_pod": f"demo/{pod}",
            "target": f"svc`{release}`",
            "verdict": "fail",
            "detail": "timeout",
        }
    ]
    snapshot = build(doc)
    report = build_incident(snapshot, diagnose(snapshot), (), "en")
    return render_markdown(report, "t"), render_html(report, "t")


def test_backticks_in_names_never_become_code() -> None:
    release, pod = "zq`har`bor", "netshoot-`x`"
    md, page = _reports(release, pod)
    commonmark = MarkdownIt("commonmark").enable("table")
    for html in (page, commonmark.render(md)):
        parsed = _page(html)
        text = "".join(parsed.text)
        assert "zq`har`bor" in text and "netshoot-`x`" in text  # shown as they are
        assert "har" not in parsed.code and "x" not in parsed.code, "a name's backticks made code"
        # a code span that holds a name holds all of it (the probe's command)
        assert any("svc`zq`har`bor`" in c for c in parsed.code), parsed.code
        # kostack's own code spans are still code
        assert "rel-status" in parsed.code and "kostack release reinstall" in "".join(parsed.code)
        # nothing from the names became a link or markup
        assert "<a " not in html


def test_a_backtick_in_a_joined_cell_is_shown_once_as_itself() -> None:
    """The environment's infrastructure cell joins several template pieces (cloud, region,
    project): a backtick in the project name is a backtick there, not its placeholder's escape."""
    md, page = _reports("harbor", "netshoot-1", project="team`b`")
    commonmark = MarkdownIt("commonmark").enable("table")
    for html in (page, commonmark.render(md)):
        parsed = _page(html)
        text = "".join(parsed.text)
        assert "project team`b`" in text
        assert "ue000" not in html and "\ue000" not in text
        assert "b" not in parsed.code


def test_markdown_punctuation_in_names_stays_text() -> None:
    release = "zq*har*bor_[x](http://evil)<b>&amp;"
    md, page = _reports(release, "netshoot-1")
    html = MarkdownIt("commonmark").enable("table").render(md)
    for rendered in (html, page):
        parsed = _page(rendered)
        assert release in "".join(parsed.text)
        assert "<em>har</em>" not in rendered and 'href="http://evil"' not in rendered
        assert "<b>" not in rendered and "<a " not in rendered


def test_bidi_overrides_never_reach_the_reader(tmp_path: Path) -> None:
    """The seed with a release, a namespace, a pod and a port named with RLO: every output escapes."""
    rlo = "\u202e"
    doc = example_doc("seed-incident")
    doc["helm"] = lookalike_state(f"harbor{rlo}lmth.exe", f"ns{rlo}x").doc()
    for p in doc["cluster"]["pods"]:
        if p["name"].startswith("netshoot"):
            p["name"] = f"netshoot{rlo}x"
    path = write_doc(doc, tmp_path / "snap.json")
    outputs = {}
    for fmt in ("md", "html"):
        target = tmp_path / f"r.{fmt}"
        assert run("report", "--snapshot", path, "-o", str(target))[0] == 0
        outputs[fmt] = target.read_text(encoding="utf-8")
    for args in (
        ("diagnose",),
        ("diagnose", "-o", "json"),
        ("release", "check"),
        ("release", "check", "-o", "json"),
        ("fix", "plan", "-o", "script"),
    ):
        outputs[" ".join(args)] = run(*args, "--snapshot", path)[1]
    for key, text in outputs.items():
        assert rlo not in text, key
    assert "harbor\\u202elmth.exe" in outputs["release check"]
    assert re.search(r"harbor\\u202elmth\.exe", outputs["html"])
    # the command in the report is the exact name, written so it shows and pastes as itself
    assert "$'harbor\\xe2\\x80\\xaelmth.exe'" in outputs["md"]
    assert json.loads(outputs["release check -o json"])["releases"][0]["name"].endswith("lmth.exe")
