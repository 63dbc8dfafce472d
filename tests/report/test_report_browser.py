"""The HTML report in a real browser (Debian's headless Chromium): it renders, and no name runs script.

Names, labels and descriptions from the cloud and the cluster are hostile
input. The XSS test loads the report with its Content-Security-Policy
removed, so that escaping alone has to hold, and checks the DOM Chromium
built: no element or event handler that was not ours, and the payloads'
side effects (document.title, a body attribute) never happened. A positive
control proves the same payloads do run when they are not escaped.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from PIL import Image
from report_testing import (
    SEED,
    dump_dom,
    elements,
    harbor_helm,
    run,
    screenshot,
    seed_with_probes,
    write_doc,
)

PAYLOADS = {
    "script": "<script>document.title='PWNED'</script>",
    "img": "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">",
    "svg": "</svg><script>document.body.setAttribute('data-pwned','svg')</script>",
    "attr": "' onmouseover='document.body.setAttribute(\"data-pwned\",\"attr\")' x='",
    "style": "</style><script>document.body.setAttribute('data-pwned','style')</script>",
    "title": "</title><script>document.body.setAttribute('data-pwned','title')</script>",
    "onload": "<svg onload=\"document.body.setAttribute('data-pwned','onload')\"></svg>",
    "iframe": "<iframe srcdoc=\"<script>parent.document.title='PWNED'</script>\"></iframe>",
    "link": "[click](javascript:document.body.setAttribute('data-pwned','link'))",
    "control": "\x1b]0;owned\x07\x1b[31mred",
}

OURS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "ul", "li",
    "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "span", "div", "figure",
    "figcaption", "footer", "svg", "defs", "marker", "path", "rect", "text", "line", "g",
}  # fmt: skip


def hostile_doc() -> dict[str, Any]:
    """The seed with every kind of cloud- and cluster-provided text replaced by a payload."""
    doc = seed_with_probes()
    doc["helm"] = harbor_helm()
    text = json.dumps(doc)
    for plain, payload in (
        ("k8s-w-1", "k8s-w-1" + PAYLOADS["svg"]),
        ("k8s-net", PAYLOADS["attr"]),
        ("k8s-router", PAYLOADS["style"]),
        ("k8s-nodes", PAYLOADS["script"]),
        ("Ubuntu 22.04.5 LTS", PAYLOADS["img"]),
        ("harbor-core-7d9f8b6c5d-q2x7m", PAYLOADS["onload"]),
        ("context deadline exceeded", PAYLOADS["iframe"]),
    ):
        text = text.replace(plain, json.dumps(payload)[1:-1])
    doc = json.loads(text)
    doc["source"] = PAYLOADS["title"]
    doc["created_at"] = PAYLOADS["control"]
    doc["openstack"]["release"] = PAYLOADS["script"]
    doc["openstack"]["project_name"] = PAYLOADS["link"]
    doc["openstack"]["subnets"][0]["name"] = PAYLOADS["title"]
    doc["cluster"]["kubernetes_version"] = PAYLOADS["svg"]
    for pod in doc["cluster"]["pods"]:
        if pod["namespace"] == "harbor":
            pod["labels"] = {"app": PAYLOADS["img"]}
    for group in doc["openstack"]["security_groups"]:
        for rule in group["rules"]:
            rule["description"] = PAYLOADS["link"]
    doc["probes"][1]["detail"] = PAYLOADS["img"]
    doc["probes"][1]["target"] = PAYLOADS["svg"]
    return doc


def hostile_report(tmp_path: Path, suffix: str) -> str:
    snap = write_doc(hostile_doc(), tmp_path / "hostile.json")
    journal = tmp_path / "ops.jsonl"
    journal.write_text(
        json.dumps({"command": PAYLOADS["script"] + " " + PAYLOADS["img"], "status": "ok"}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / f"r{suffix}"
    code, _, err = run(
        "report", "--snapshot", snap, "--journal", str(journal), "--lang", "ko", "-o", str(out)
    )
    assert (code, err) == (0, "")
    return out.read_text(encoding="utf-8")


def without_csp(html: str) -> str:
    stripped = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    assert stripped != html
    return stripped


def test_hostile_names_labels_and_descriptions_run_no_script(tmp_path: Path) -> None:
    html = hostile_report(tmp_path, ".html")
    lowered = html.lower()
    for marker in ("<script", "<img", "<iframe", "<svg onload", "\x1b", "\x07"):
        assert marker not in lowered, marker
    assert lowered.count("<svg") == 1  # only the topology picture
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in html
    # the picture is well-formed XML even with hostile node names in its text and tooltips
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    ET.fromstring(svg)
    assert "k8s-w-1&lt;/svg&gt;&lt;script&gt;" in svg

    page = tmp_path / "hostile.html"
    page.write_text(without_csp(html), encoding="utf-8")
    dom = elements(dump_dom(page, tmp_path))
    assert set(dom.tags) <= OURS, set(dom.tags) - OURS
    handlers = [(tag, name) for tag, name, _ in dom.attributes if name.lower().startswith("on")]
    assert handlers == []
    assert not any(name == "data-pwned" for _, name, _ in dom.attributes)
    assert dom.title != "PWNED" and dom.title.startswith("OpenStack K8s 네트워크 통신 장애")
    assert not any("javascript:" in value for _, _, value in dom.attributes)


def test_positive_control_the_payloads_do_run_when_not_escaped(tmp_path: Path) -> None:
    """Without escaping, the same payloads change the DOM: the check above can see an attack."""
    page = tmp_path / "raw.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>t</title></head><body><p>"
        + PAYLOADS["img"]
        + PAYLOADS["script"]
        + "</p></body></html>",
        encoding="utf-8",
    )
    dom = elements(dump_dom(page, tmp_path))
    assert dom.title == "PWNED"
    assert ("body", "data-pwned", "img") in dom.attributes


def test_hostile_text_stays_text_in_markdown(tmp_path: Path) -> None:
    md = hostile_report(tmp_path, ".md")
    for marker in ("<script", "<img", "<iframe", "<svg", "\x1b", "\x07"):
        # outside code (fenced blocks and `spans` show text literally), nothing opens a tag
        prose = re.sub(r"```.*?```", "", md, flags=re.S)
        prose = re.sub(r"`[^`\n]*`", "", prose)
        assert marker not in prose.lower(), marker
    assert not re.search(r"(?<!\\)\[[^\]\n]*\]\(javascript:", md)


def test_seed_report_screenshot_in_chromium(tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    code, _, err = run("report", "--snapshot", str(SEED), "--lang", "ko", "-o", str(page))
    assert (code, err) == (0, "")
    png = screenshot(page, tmp_path / "report.png", tmp_path, size="1280,1700")
    with Image.open(png) as shot:
        assert shot.size == (1280, 1700)
        data = shot.convert("RGB").tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3], strict=True))
    inked = sum(1 for r, g, b in pixels if r + g + b < 600)
    red = sum(1 for r, g, b in pixels if r > 170 and g < 80 and b < 80)  # the dropped flows
    assert inked > len(pixels) * 0.03, "the page rendered text and tables"
    assert red > 300, "the picture shows the red X where pod traffic is dropped"
    assert len(set(pixels[::7])) > 100, "not a blank or single-colour page"
