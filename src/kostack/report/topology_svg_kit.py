"""The drawing kit of the topology picture: sizes, colours, text fitting and the SVG writer.

Every string goes through ``html_safe`` before it reaches the SVG, in text and
in attributes alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from kostack.analyze.reach import Disposition
from kostack.report.safe import html_safe

NODE_W = 176
NODE_H = 128
GAP = 34
SUBNET_PAD = 14
MARGIN = 24
PORT_W = 84
PORT_H = 22
ARC_MAX = 200
LEGEND_H = 64

RED = "#c62828"
GREEN = "#2e7d32"
GREY = "#8a8a8a"
INK = "#1f2328"
MUTED = "#57606a"

FONT = (
    "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK KR', "
    "'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif"
)


def _width(text: str, size: float) -> float:
    """Estimated rendered width: East Asian wide characters are about twice as wide."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.56 for c in text)


def _fit(text: str, pixels: float, size: float = 12) -> str:
    """``text`` cut (with an ellipsis) to fit ``pixels`` at font ``size``."""
    if _width(text, size) <= pixels:
        return text
    out = ""
    for c in text:
        if _width(out + c + "…", size) > pixels:
            break
        out += c
    return out + "…"


def _wrap(text: str, pixels: float, size: float = 11) -> list[str]:
    """``text`` in lines that fit ``pixels``, broken after '/', '-' or '.' where possible.

    Nothing is cut: a name is the handle a reader searches for.
    """
    lines: list[str] = []
    rest = text
    while _width(rest, size) > pixels:
        fit = 0
        while fit < len(rest) and _width(rest[: fit + 1], size) <= pixels:
            fit += 1
        fit = max(fit, 1)
        cut = max((i + 1 for i in range(fit) if rest[i] in "/-."), default=fit)
        lines.append(rest[:cut])
        rest = rest[cut:]
    return [*lines, rest] if rest or not lines else lines


def _pod_lines(pods: Iterable[str], pixels: float) -> list[tuple[bool, str]]:
    """Every shown pod's name, wrapped: (continuation line?, text)."""
    out: list[tuple[bool, str]] = []
    for pod in pods:
        wrapped = _wrap("● " + pod, pixels)
        out += [(False, wrapped[0]), *((True, line) for line in wrapped[1:])]
    return out


def _e(text: object) -> str:
    return html_safe(str(text))


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: int = 12,
        anchor: str = "start",
        weight: str = "normal",
        fill: str = INK,
        full: str | None = None,
        fit: float | None = None,
    ) -> None:
        """``text`` at (x, y); ``full`` is its title (shown on hover) when it says more. With
        ``fit``, ``text`` is cut to that many pixels, and its whole (unless ``full``) is the title."""
        if fit is not None:
            full = text if full is None else full
            text = _fit(text, fit, size)
        title = f"<title>{_e(full)}</title>" if full is not None and full != text else ""
        # a white halo keeps labels legible where lines cross them
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}" stroke="#ffffff" stroke-width="3" '
            f'stroke-linejoin="round" paint-order="stroke">{title}{_e(text)}</text>'
        )

    def cross(self, x: float, y: float, r: float = 9, label: str = "", cls: str = "drop") -> None:
        title = f"<title>{_e(label)}</title>" if label else ""
        self.add(
            f'<g class="{cls}" stroke="{RED}" stroke-width="4" stroke-linecap="round">{title}'
            f'<line x1="{x - r:.1f}" y1="{y - r:.1f}" x2="{x + r:.1f}" y2="{y + r:.1f}"/>'
            f'<line x1="{x - r:.1f}" y1="{y + r:.1f}" x2="{x + r:.1f}" y2="{y - r:.1f}"/></g>'
        )


def _flow_style(ok: bool, verdict: str) -> tuple[str, str]:
    """Stroke colour and dash pattern."""
    if ok:
        return GREEN, ""
    if verdict == str(Disposition.UNKNOWN):
        return GREY, "6 4"
    return RED, ""


def _outcome(ok: bool, verdict: str) -> str:
    """How a flow is drawn (and named in the legend): ok, unknown or fail."""
    colour, _ = _flow_style(ok, verdict)
    return "ok" if ok else ("unknown" if colour == GREY else "fail")


# the arrow ending a line of flows that pass (green) or are undecided (grey)
ARROWS = {"ok": ' marker-end="url(#ks-arrow-ok)"', "unknown": ' marker-end="url(#ks-arrow-grey)"'}
