"""Where the topology picture puts things: box columns grouped by subnet, lines, rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kostack.report.topology_lanes import lanes_height
from kostack.report.topology_picture import PicFlow, Picture
from kostack.report.topology_svg_kit import (
    ARC_MAX,
    GAP,
    LEGEND_H,
    MARGIN,
    NODE_H,
    NODE_W,
    SUBNET_PAD,
    _pod_lines,
    _wrap,
)

# A line between boxes: (source box, destination box or "external", the flows it carries).
Line = tuple[str, str, list[PicFlow]]


@dataclass
class Layout:
    """Where everything goes: box columns, the lines to draw and the rows of the picture."""

    width: int
    height: int
    xs: dict[str, float]
    subnet_span: dict[str, list[float]]
    stubs: dict[str, list[PicFlow]]
    lines: list[Line]
    max_dx: float
    pod_lines: dict[str, list[tuple[bool, str]]]
    name_lines: dict[str, list[str]]
    name_extra: int
    node_h: int
    ext_x: float
    ext_y: int
    port_y: int
    node_y: int
    lanes_y: int
    legend_y: int


def _columns(pic: Picture) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Horizontal positions: nodes in one row, grouped by subnet (box centres, subnet starts)."""
    xs: dict[str, float] = {}
    subnet_span: dict[str, list[float]] = defaultdict(list)
    x = MARGIN + SUBNET_PAD
    prev_subnet: str | None = None
    for node in pic.nodes:
        if prev_subnet is not None and node.subnet_key != prev_subnet:
            x += SUBNET_PAD * 2
        xs[node.key] = x + NODE_W / 2
        subnet_span[node.subnet_key].append(x)
        prev_subnet = node.subnet_key
        x += NODE_W + GAP
    return xs, subnet_span


def _lines(pic: Picture, xs: dict[str, float]) -> tuple[dict[str, list[PicFlow]], list[Line]]:
    """Flows grouped by (src, dst) so one line carries alike flows; those dropped at home apart."""
    by_pair: dict[tuple[str, str], list[PicFlow]] = defaultdict(list)
    for f in pic.flows:
        by_pair[(f.src, f.dst)].append(f)
    stubs: dict[str, list[PicFlow]] = defaultdict(list)  # dropped before leaving the node
    lines: list[Line] = []
    for (src, dst), flows in sorted(by_pair.items()):
        if src not in xs:
            continue
        stubs[src].extend(f for f in flows if not f.ok and f.stage in ("src-node", "src-port"))
        leaving = [f for f in flows if f.ok or f.stage not in ("src-node", "src-port")]
        if leaving and (dst == "external" or dst in xs):
            lines.append((src, dst, leaving))
    return stubs, lines


def layout(pic: Picture) -> Layout:
    """The whole layout (nodes as tall as their longest list of pod names)."""
    n = max(1, len(pic.nodes))
    frames = max(1, len(pic.subnets))
    width = int(MARGIN * 2 + n * NODE_W + (n - 1) * GAP + frames * SUBNET_PAD * 2 + 40)
    width = max(width, 760)
    xs, subnet_span = _columns(pic)
    stubs, lines = _lines(pic, xs)
    spans = [abs(xs[a] - xs[b]) for a, b, _ in lines if b in xs and a != b]
    max_dx = max(spans, default=1.0)
    arc_zone = (ARC_MAX if spans else 0) + 70  # room for the drop labels above the ports
    pod_lines = {node.key: _pod_lines(node.pods, NODE_W - 32) for node in pic.nodes}
    name_lines = {node.key: _wrap(node.name, NODE_W - 16, 13) for node in pic.nodes}
    name_extra = 16 * (max((len(lines) for lines in name_lines.values()), default=1) - 1)
    tallest = max((len(lines) for lines in pod_lines.values()), default=0)
    node_h = max(NODE_H, 68 + name_extra + 15 * (tallest + 1))
    ext_y = MARGIN
    port_y = ext_y + 44 + 40 + arc_zone
    node_y = port_y + 26
    lanes_y = node_y + node_h + SUBNET_PAD + 40
    lanes_h = lanes_height(pic)
    legend_y = lanes_y + lanes_h + (12 if lanes_h else 6)
    return Layout(
        width=width,
        height=legend_y + LEGEND_H,
        xs=xs,
        subnet_span=subnet_span,
        stubs=stubs,
        lines=lines,
        max_dx=max_dx,
        pod_lines=pod_lines,
        name_lines=name_lines,
        name_extra=name_extra,
        node_h=node_h,
        ext_x=width / 2,
        ext_y=ext_y,
        port_y=port_y,
        node_y=node_y,
        lanes_y=lanes_y,
        legend_y=legend_y,
    )
