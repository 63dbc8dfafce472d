"""`kostack report`: files by extension, language by --lang or the locale, errors with hints."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from report_testing import SEED, SEED_PORTS, fix_journal, run, write_doc

from kostack_testkit.builders import example_doc

KO_HEADINGS = (
    "1. 개요 (Issue Summary)",
    "2. 환경 정보 (Environment)",
    "3. 원인 분석 (Root Cause Analysis)",
    "4. 해결 과정 (Troubleshooting Steps)",
    "5. 최종 해결책 (Solution)",
    "6. 교훈 및 참고 (Lessons Learned)",
)


def test_seed_report_in_korean_html_and_markdown(tmp_path: Path) -> None:
    html_path, md_path = tmp_path / "r.html", tmp_path / "r.md"
    code, out, err = run("report", "--snapshot", str(SEED), "--lang", "ko", "-o", str(html_path))
    assert (code, err) == (0, "")
    assert out == f"{html_path} 작성 완료 (HTML): 근본 원인 1개, 조치 기록 0건.\n"
    code, _, err = run("report", "--snapshot", str(SEED), "--lang", "ko", "-o", str(md_path))
    assert (code, err) == (0, "")
    html, md = html_path.read_text(encoding="utf-8"), md_path.read_text(encoding="utf-8")
    for text in (unescape(html), md):
        for heading in KO_HEADINGS:
            assert heading in text
        for port in SEED_PORTS.values():  # the real ports and their commands
            assert f"openstack port set --allowed-address ip-address=10.244.0.0/16 {port}" in text
            assert (
                f"openstack port set --no-security-group --disable-port-security "
                f"--no-allowed-address {port}" in text
            )
        # the real flows and where they die
        assert (
            "Pod demo/dns-test 10.244.2.5 -> 서비스 kube-system/kube-dns 10.96.0.10 53/udp" in text
        )
        assert "Neutron 포트 9b3d.. (k8s-w-2)" in text  # docs/ko-glossary.md: 포트
        assert "출발지 주소 10.244.2.5: fixed_ips [10.0.0.13]" in text.replace("\\[", "[").replace(
            "\\]", "]"
        )
        assert "ping 10.96.0.1" in text and "응답 없음 (정상)" in text
        assert "OpenStack Flamingo (2025.2)" in text and "v1.33.5 (Master 1, Worker 3" in text
    # the picture: every node port by its short id, each with the red X where it drops pod traffic
    svg = html[html.index("<svg") : html.index("</svg>")]
    for short in ("5f1c..", "a07e..", "9b3d..", "c4e2.."):
        assert f"포트 {short}" in svg
    assert svg.count('class="drop"') >= 4 and "스푸핑 방지" in svg


def test_html_is_one_self_contained_file(tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    assert run("report", "--snapshot", str(SEED), "-o", str(page))[0] == 0
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    for fetch in ("<script", "<link", "<img", "<iframe", " src=", " href=", "@import"):
        assert fetch not in html.lower(), fetch
    # url() only for the SVG's own arrowheads, defined in the same file
    assert set(re.findall(r"url\(([^)]*)\)", html)) <= {"#ks-arrow-ok", "#ks-arrow-grey"}
    # only the SVG namespace names a URL as an attribute; nothing is loaded from anywhere
    urls = re.findall(r'="(https?://[^"]+)"', html)
    assert set(urls) == {"http://www.w3.org/2000/svg"}
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "@media print" in html


def test_language_follows_the_locale_unless_given(tmp_path: Path) -> None:
    md = tmp_path / "r.md"
    assert (
        run("report", "--snapshot", str(SEED), "-o", str(md), environ={"LANG": "ko_KR.UTF-8"})[0]
        == 0
    )
    assert "## 1. 개요 (Issue Summary)" in md.read_text(encoding="utf-8")
    assert (
        run("report", "--snapshot", str(SEED), "-o", str(md), environ={"LANG": "C.UTF-8"})[0] == 0
    )
    assert "## 1. Summary" in md.read_text(encoding="utf-8")
    code = run(
        "report",
        "--snapshot",
        str(SEED),
        "--lang",
        "en",
        "-o",
        str(md),
        environ={"LC_ALL": "ko_KR"},
    )[0]
    assert code == 0 and "## 6. Lessons learned" in md.read_text(encoding="utf-8")


def test_format_comes_from_the_extension_or_is_asked_for(tmp_path: Path) -> None:
    code, out, err = run("report", "--snapshot", str(SEED), "-o", str(tmp_path / "r.pdf"))
    assert code == 2 and out == ""
    assert err.startswith("error: cannot tell the report format from -o")
    assert "hint: Name the file .md or .html" in err
    code, out, err = run("report", "--snapshot", str(SEED), "-o", "-", "--format", "md")
    assert code == 0 and out.startswith("# Kubernetes on OpenStack: pod network outage")
    code, _, err = run("report", "--snapshot", str(SEED), "-o", str(tmp_path / "no" / "r.md"))
    assert code == 2 and err.startswith("error: cannot write") and "hint:" in err


def test_journals_are_read_and_bad_ones_refused(tmp_path: Path) -> None:
    doc = example_doc("seed-incident")
    snap = write_doc(doc, tmp_path / "snap.json")
    journal = fix_journal(tmp_path / "fix.journal.jsonl", doc)
    md = tmp_path / "r.md"
    code, out, _ = run("report", "--snapshot", snap, "--journal", str(journal), "-o", str(md))
    assert code == 0 and "8 journaled actions" in out
    text = md.read_text(encoding="utf-8")
    assert f"10.244.0.0/16 {SEED_PORTS['k8s-w-2']}   # k8s-w-2, applied" in text
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"command": "x"}\n[1, 2]\n{"command": "y"}\n', encoding="utf-8")
    code, _, err = run("report", "--snapshot", snap, "--journal", str(bad), "-o", str(md))
    assert code == 2
    assert f"error: journal {bad} line 2: a journal line must be a JSON object" in err
    code, _, err = run(
        "report", "--snapshot", snap, "--journal", str(tmp_path / "nope"), "-o", str(md)
    )
    assert code == 2 and "cannot read journal" in err and "hint:" in err


def test_a_report_into_a_place_no_file_can_be_made_is_bad_input() -> None:
    """Written via a temporary file beside it (as collect -o): /proc takes none, exit 2."""
    target = "/proc/kostack-report.md"
    code, out, err = run("report", "--snapshot", str(SEED), "-o", target)
    assert code == 2 and out == ""
    assert f"error: cannot write {target}: No such file or directory" in err
    assert "hint: Check that the directory exists and is writable." in err
