"""Hangul renders in the Korean report, not as tofu (issue #13 item 6).

A browser without a CJK font draws every Hangul syllable as the same empty
box ("tofu"), and the report's text tests cannot see it. Here Chromium draws,
in the report's own font stack (kostack.report.html.CSS), two different
syllables and a code point no font has (which always renders as tofu): with a
CJK font the two syllables differ from each other and from the tofu. Then the
real Korean report is drawn: its heading's pixels must differ from the same
heading with every Hangul syllable replaced by that tofu code point.
`bash scripts/setup.sh --all` installs Debian's fonts-noto-cjk.
"""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image, ImageChops
from report_testing import SEED, run, screenshot

from kostack.report.html import CSS

TOFU = "\U0010fffd"  # a private-use code point: no font has a glyph for it
HANGUL = re.compile("[\uac00-\ud7a3]")


def draw(tmp: Path, name: str, text: str, size: int = 96) -> Image.Image:
    page = tmp / f"{name}.html"
    page.write_text(
        f"<!doctype html><meta charset=utf-8><style>{CSS}"
        f" body {{ font-size: {size}px; }}</style><body><main>{text}</main>",
        encoding="utf-8",
    )
    png = screenshot(page, tmp / f"{name}.png", tmp, size="600,300")
    with Image.open(png) as shot:
        return shot.convert("RGB")


def differ(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox() is not None


def inked(image: Image.Image) -> int:
    return sum(image.convert("L").histogram()[:128])


def test_two_hangul_syllables_are_two_glyphs_and_not_tofu(tmp_path: Path) -> None:
    ga, hih, tofu = (draw(tmp_path, n, c) for n, c in (("ga", "가"), ("hih", "힣"), ("tofu", TOFU)))
    assert inked(ga) > 200 and inked(hih) > 200, "the syllables were drawn"
    assert differ(ga, hih), "every syllable is the same box: no CJK font (install fonts-noto-cjk)"
    assert differ(ga, tofu) and differ(hih, tofu), "Hangul is drawn as the missing-glyph box"


def test_korean_report_heading_renders_hangul(tmp_path: Path) -> None:
    page = tmp_path / "ko.html"
    code, _, err = run("report", "--snapshot", str(SEED), "--lang", "ko", "-o", str(page))
    assert (code, err) == (0, "")
    html = page.read_text(encoding="utf-8")
    assert len(HANGUL.findall(html)) > 500
    tofu_page = tmp_path / "ko-tofu.html"
    tofu_page.write_text(HANGUL.sub(TOFU, html), encoding="utf-8")
    with Image.open(screenshot(page, tmp_path / "ko.png", tmp_path, "1280,200")) as shot:
        real = shot.convert("RGB")
    with Image.open(screenshot(tofu_page, tmp_path / "ko-tofu.png", tmp_path, "1280,200")) as shot:
        boxes = shot.convert("RGB")
    assert differ(real, boxes), "the Korean heading looks the same as a row of tofu boxes"
