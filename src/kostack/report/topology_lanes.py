"""The flow lanes of the topology picture: one lane per flow class, across the hops it crosses.

Under the boxes, each lane is a flow class (pod to pod across nodes, DNS,
the kubernetes service, egress) with one outcome: the hops in columns (source
pod, its node, the node's Neutron port, the network, the far port or the
router, the destination), the line as far as the packets get, and, where they
die, a red X with the reason and the rule that drops them. Flows that pass
run green to the destination; undecided ones grey and dashed.

A lane stands for every flow of its class with the same outcome, so the
number of lanes is bounded by classes and outcomes (at most ``MAX_LANES``),
never by nodes or node pairs: 5,000 nodes draw as many lines as 4.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kostack.report.i18n import t
from kostack.report.topology_picture import FLOW_KINDS, PicFlow, Picture
from kostack.report.topology_svg_kit import (
    ARROWS,
    GREEN,
    GREY,
    INK,
    MARGIN,
    MUTED,
    RED,
    _e,
    _outcome,
    _Svg,
)

MAX_LANES = 10
LANE_H = 52
LANE_HEAD = 52  # the title and the hop names above the lanes
LABEL_W = 200  # the column of lane names
HOPS = ("pod", "node", "port", "network", "far", "end")
# the hop (column) where a flow that stops at a stage dies
STAGE_HOP = {
    "src-node": 1,
    "src-port": 2,
    "network": 3,
    "dst-port": 4,
    "external": 4,
    "dst-node": 5,
}
_OUTCOME_ORDER = {"fail": 0, "unknown": 1, "ok": 2}


@dataclass(frozen=True)
class Lane:
    """The flows of one class with one outcome: how many, and where they die and why."""

    kind: str
    outcome: str  # fail, unknown or ok
    stage: str | None
    reason: str
    reply: bool
    count: int
    wheres: tuple[str, ...]
    detail: str

    @property
    def hop(self) -> int:
        """The column the line ends at: where it dies, else the destination."""
        return STAGE_HOP.get(self.stage or "", len(HOPS) - 1)


def flow_lanes(pic: Picture) -> tuple[list[Lane], int]:
    """The lanes to draw (failures first) and how many more classes there are than drawn."""
    groups: dict[tuple[str, str, str, str, bool], list[PicFlow]] = defaultdict(list)
    for f in pic.flows:
        outcome = _outcome(f.ok, f.verdict)
        stage = "" if f.ok else (f.stage or "")
        groups[(f.kind, outcome, stage, "" if f.ok else f.reason, f.reply)].append(f)
    out: list[Lane] = []
    for (kind, outcome, stage, reason, reply), flows in groups.items():
        details = sorted({f.detail for f in flows if f.detail})
        out.append(
            Lane(
                kind,
                outcome,
                stage or None,
                reason,
                reply,
                sum(f.count for f in flows),
                tuple(sorted({f.where for f in flows if f.where})),
                details[0] if details and outcome != "ok" else "",
            )
        )
    kind_order = {k: i for i, k in enumerate(FLOW_KINDS)}
    out.sort(
        key=lambda ln: (
            _OUTCOME_ORDER[ln.outcome],
            kind_order.get(ln.kind, len(kind_order)),
            ln.hop,
            ln.reason,
            ln.reply,
        )
    )
    return out[:MAX_LANES], max(0, len(out) - MAX_LANES)


def lanes_height(pic: Picture) -> int:
    """How tall the lanes are (0 when there is no flow)."""
    lanes, more = flow_lanes(pic)
    if not lanes:
        return 0
    return LANE_HEAD + LANE_H * len(lanes) + (18 if more else 0)


def _hop_xs(width: int) -> list[float]:
    left = MARGIN + LABEL_W + 20
    right = width - MARGIN - 40
    step = (right - left) / (len(HOPS) - 1)
    return [left + step * i for i in range(len(HOPS))]


def draw_lanes(svg: _Svg, pic: Picture, top: float, width: int, lang: str, used: set[str]) -> None:
    """The lanes under the boxes, from `top`: title, hop names, one line per flow class."""
    lanes, more = flow_lanes(pic)
    if not lanes:
        return
    xs = _hop_xs(width)
    svg.add(f'<g class="lanes" transform="translate(0,{top:.1f})">')
    svg.text(MARGIN, 16, t(lang, "lane.title"), weight="bold", size=13)
    tips = {"port": t(lang, "lane.hop.port_tip"), "far": t(lang, "lane.hop.far_tip")}
    for x, hop in zip(xs, HOPS, strict=True):
        label = t(lang, f"lane.hop.{hop}")
        tip = tips.get(hop, label)
        svg.text(x, 40, label, fit=120, anchor="middle", size=11, fill=MUTED, full=tip)
    router = t(lang, "lane.router", name=pic.router) if pic.router else ""
    for i, lane in enumerate(lanes):
        _lane(svg, lane, xs, LANE_HEAD + LANE_H * i + 14, width, lang, router, used)
    if more:
        y = LANE_HEAD + LANE_H * len(lanes) + 8
        svg.text(MARGIN, y, t(lang, "lane.more", n=more), size=11, fill=MUTED)
    svg.add("</g>")


def _lane(
    svg: _Svg,
    lane: Lane,
    xs: list[float],
    y: float,
    width: int,
    lang: str,
    router: str,
    used: set[str],
) -> None:
    """One flow class: its name, the hops, the line as far as it gets, the X and why."""
    kind = t(lang, "pic.kind." + lane.kind)
    name = (
        t(lang, "lane.flows_one", kind=kind)
        if lane.count == 1
        else t(lang, "lane.flows", kind=kind, n=f"{lane.count:,}")
    )
    svg.text(MARGIN, y + 4, name, fit=LABEL_W, size=12, weight="bold")
    end = lane.hop if lane.outcome != "ok" else len(HOPS) - 1
    colour = {"ok": GREEN, "unknown": GREY, "fail": RED}[lane.outcome]
    used.add(lane.outcome)
    dash = ' stroke-dasharray="6 4"' if lane.outcome == "unknown" else ""
    head, detail = _explanation(lane, lang)
    explained = f"{head}: {detail}" if detail else head
    svg.add(
        f'<path class="lane-{lane.outcome}" data-kind="{_e(lane.kind)}" data-hop="{HOPS[end]}" '
        f'd="M{xs[0]:.1f},{y:.1f} L{xs[end]:.1f},{y:.1f}" fill="none" stroke="{colour}" '
        f'stroke-width="{3 if lane.outcome == "fail" else 2}"{dash}{ARROWS.get(lane.outcome, "")}>'
        f"<title>{_e(explained)}</title></path>"
    )
    for i, x in enumerate(xs):
        reached = i <= end
        stroke = INK if reached else "#c9ced4"
        if i == 4 and lane.kind == "egress":
            # the router: where traffic leaving the cluster crosses (a diamond)
            svg.add(
                f'<path class="lane-router" d="M{x:.1f},{y - 7:.1f} L{x + 7:.1f},{y:.1f} '
                f'L{x:.1f},{y + 7:.1f} L{x - 7:.1f},{y:.1f} z" fill="#ffffff" stroke="{stroke}">'
                f"<title>{_e(router or t(lang, 'pic.no_router'))}</title></path>"
            )
            continue
        svg.add(
            f'<rect class="lane-hop" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
            f'rx="4" fill="#ffffff" stroke="{stroke}"/>'
        )
    if lane.outcome == "ok":
        return
    if lane.outcome == "fail":
        svg.cross(xs[end], y, r=7, label=explained, cls="lane-drop")
    # why, under the line: where it dies (and on how many ports), then the rule's words
    room = width - MARGIN - xs[0]
    svg.text(xs[0], y + 17, head, fit=room, size=11, fill=colour, weight="bold", full=explained)
    if detail:
        svg.text(xs[0], y + 31, detail, fit=room, size=11, fill=colour, full=explained)


def _explanation(lane: Lane, lang: str) -> tuple[str, str]:
    """Where the class dies (and on how many ports), and the rule's words that drop it."""
    if lane.outcome == "ok":
        return t(lang, "lane.passes"), ""
    at = t(lang, f"lane.at.{lane.stage}") if lane.stage else "?"
    if lane.outcome == "unknown":
        head = t(lang, "lane.undecided", reason=lane.reason or at)
    else:
        head = t(lang, "lane.dies", reason=lane.reason, hop=at)
    if lane.reply:
        head = f"{head} ({t(lang, 'lane.reply')})"
    if len(lane.wheres) > 1:
        head += f" ({t(lang, 'lane.ports', n=len(lane.wheres))})"
    return head, lane.detail
