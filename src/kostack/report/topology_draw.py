"""The topology ``Picture`` drawn as one self-contained SVG element.

Failing flows are red and end at the hop that drops them (a red X on the
source port for anti-spoofing, on the destination port for a security group,
mid-way for a missing route); flows that pass are green; undecided ones grey
and dashed. The drawing goes in steps: the layout, the outside and the router,
the subnets, the lines between ports, the nodes with their ports and drops,
the flow lanes (one per flow class: the hops it crosses and where it dies,
kostack.report.topology_lanes), then a legend of only the symbols drawn.
"""

from __future__ import annotations

from collections import defaultdict

from kostack.report.i18n import t
from kostack.report.topology_lanes import draw_lanes
from kostack.report.topology_layout import Layout, layout
from kostack.report.topology_picture import PicFlow, PicNode, Picture
from kostack.report.topology_svg_kit import (
    ARC_MAX,
    ARROWS,
    FONT,
    GREEN,
    GREY,
    INK,
    MARGIN,
    MUTED,
    NODE_W,
    PORT_H,
    PORT_W,
    RED,
    SUBNET_PAD,
    _e,
    _fit,
    _flow_style,
    _outcome,
    _Svg,
    _width,
)


def render_svg(pic: Picture, lang: str = "en") -> str:
    """The picture as one self-contained <svg> element (no scripts, no external references)."""
    lay = layout(pic)
    used: set[str] = set()  # what the legend explains: only symbols the picture uses
    svg = _Svg()
    _head(svg, lay, lang)
    router_label = _outside(svg, pic, lay, lang)
    _subnets(svg, pic, lay, lang, router_label)
    arrivals = _flow_lines(svg, lay, lang, used)
    for node in pic.nodes:
        _node(svg, node, lay, lang, arrivals.get(node.key, []), used)
    draw_lanes(svg, pic, lay.lanes_y, lay.width, lang, used)
    _legend(svg, pic, lay, lang, used)
    svg.add("</svg>")
    return "".join(svg.parts)


def _head(svg: _Svg, lay: Layout, lang: str) -> None:
    """The <svg> element, its title, the arrow markers and the white ground."""
    width, height = lay.width, lay.height
    svg.add(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="topology" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{FONT}">'
    )
    svg.add(f"<title>{_e(t(lang, 'pic.title'))}</title>")
    svg.add(
        "<defs>"
        '<marker id="ks-arrow-ok" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{GREEN}"/>'
        "</marker>"
        '<marker id="ks-arrow-grey" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{GREY}"/>'
        "</marker></defs>"
    )
    svg.add(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')


def _outside(svg: _Svg, pic: Picture, lay: Layout, lang: str) -> str:
    """The outside and the router, at the top; returns the router's label."""
    ext_x, ext_y = lay.ext_x, lay.ext_y
    outside_label = t(lang, "pic.outside", target=pic.external)
    router_label = (
        t(lang, "pic.router", name=pic.router) if pic.router else t(lang, "pic.no_router")
    )
    svg.add(
        f'<rect x="{ext_x - 170:.1f}" y="{ext_y}" width="340" height="44" rx="8" '
        f'fill="#f6f8fa" stroke="{MUTED}"/>'
    )
    svg.text(ext_x, ext_y + 18, _fit(outside_label, 320), anchor="middle", weight="bold")
    svg.text(ext_x, ext_y + 35, router_label, fit=320, anchor="middle", size=11, fill=MUTED)
    return router_label


def _subnets(svg: _Svg, pic: Picture, lay: Layout, lang: str, router_label: str) -> None:
    """Subnet frames around their nodes, each joined to the router by its interface."""
    ext_x, ext_y = lay.ext_x, lay.ext_y
    subnets = {s.key: s for s in pic.subnets}
    for key, starts in lay.subnet_span.items():
        sn = subnets.get(key)
        left = min(starts) - SUBNET_PAD
        right = max(starts) + NODE_W + SUBNET_PAD
        top = lay.port_y - PORT_H - 10
        bottom = lay.node_y + lay.node_h + SUBNET_PAD + 22
        if pic.router:
            joint = min(max(ext_x, left + 20), right - 20)
            svg.add(
                f'<line class="router-link" x1="{ext_x:.1f}" y1="{ext_y + 44:.1f}" '
                f'x2="{joint:.1f}" y2="{top:.1f}" stroke="{MUTED}" stroke-width="2" '
                f'stroke-dasharray="2 3"><title>{_e(router_label)}</title></line>'
            )
        svg.add(
            f'<rect class="subnet" x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
            f'height="{bottom - top:.1f}" rx="10" fill="#eef4fb" stroke="#9cb8d9"/>'
        )
        if sn is not None:
            mtu = f" MTU {sn.mtu}" if sn.mtu is not None else ""
            caption = t(lang, "pic.subnet", cidr=sn.cidr, network=sn.network or "?", mtu=mtu)
            if sn.name:
                caption += f" ({sn.name})"
            svg.text(left + 8, bottom - 8, caption, fit=right - left - 16, size=11, fill=MUTED)


def _flow_lines(svg: _Svg, lay: Layout, lang: str, used: set[str]) -> dict[str, list[PicFlow]]:
    """Lines that leave the node: arcs between ports, lines to the outside.

    Returns the failing flows dropped where they arrive, by destination box:
    one X and one label per port, drawn with the port.
    """
    arrivals: dict[str, list[PicFlow]] = defaultdict(list)
    for src, dst, leaving in lay.lines:
        failing = [f for f in leaving if not f.ok]
        worst = failing[0] if failing else leaving[0]
        colour, dash = _flow_style(worst.ok, worst.verdict)
        kinds = sorted({t(lang, "pic.kind." + f.kind) for f in leaving if f.ok == worst.ok})
        tip = "; ".join(
            sorted({f"{f.label}: {f.reason or t(lang, 'pic.passes')}" for f in leaving})
        )
        path, mid = _line_path(lay, src, dst)
        outcome = _outcome(worst.ok, worst.verdict)
        used.add(outcome)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        svg.add(
            f'<path class="flow-{outcome}" d="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{3 if failing else 1.6}"{dash_attr}{ARROWS.get(outcome, "")}>'
            f"<title>{_e(tip)}</title></path>"
        )
        if failing and colour == RED:
            if worst.stage in ("network", "external"):
                svg.cross(mid[0], mid[1], label=tip)
                svg.text(
                    mid[0],
                    mid[1] - 14,
                    f"{worst.reason}: {', '.join(kinds)}",
                    fit=NODE_W,
                    anchor="middle",
                    size=11,
                    fill=RED,
                    full=tip,
                )
            else:
                # dropped where it arrives: one X and one label per port, drawn with the port
                arrivals[dst].extend(failing)
    return arrivals


def _line_path(lay: Layout, src: str, dst: str) -> tuple[str, tuple[float, float]]:
    """The SVG path of a line from a port (an arc, or straight to the outside) and its middle."""
    x1 = lay.xs[src]
    y1 = lay.port_y - PORT_H
    if dst == "external":
        x2, y2 = lay.ext_x + (x1 - lay.ext_x) * 0.3, lay.ext_y + 44.0
        path = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
        return path, ((x1 + x2) / 2, (y1 + y2) / 2)
    x2 = lay.xs[dst]
    offset = 8 if x2 > x1 else -8
    sx, ex = x1 + offset, x2 + offset
    h = 30 + (ARC_MAX - 30) * abs(x2 - x1) / lay.max_dx
    ctl_y = y1 - h * 4 / 3
    path = f"M{sx:.1f},{y1:.1f} C{sx:.1f},{ctl_y:.1f} {ex:.1f},{ctl_y:.1f} {ex:.1f},{y1:.1f}"
    return path, ((sx + ex) / 2, y1 - h)


def _node(
    svg: _Svg, node: PicNode, lay: Layout, lang: str, arrived: list[PicFlow], used: set[str]
) -> None:
    """One box: the node with its name and pods, its port on top, and what dies there."""
    cx = lay.xs[node.key]
    drops = lay.stubs.get(node.key, [])
    _node_box(svg, node, lay, lang)
    py = _port(svg, node, lay, lang, bool(drops or arrived))
    if drops or arrived:
        _drops(svg, lay, lang, cx, py, drops, arrived, used)
    if node.port_id:  # the node's link to its port (the flows are drawn in the lanes below)
        svg.add(
            f'<line x1="{cx:.1f}" y1="{lay.node_y:.1f}" x2="{cx:.1f}" y2="{lay.port_y:.1f}" '
            f'stroke="{MUTED}" stroke-width="1.5"/>'
        )


def _node_box(svg: _Svg, node: PicNode, lay: Layout, lang: str) -> None:
    """The node's frame, its whole name, role and address, and its pods' names."""
    cx = lay.xs[node.key]
    left = cx - NODE_W / 2
    node_y, name_extra = lay.node_y, lay.name_extra
    svg.add(
        f'<rect class="node" x="{left:.1f}" y="{node_y:.1f}" width="{NODE_W}" '
        f'height="{lay.node_h}" rx="8" fill="#ffffff" stroke="{INK}"/>'
    )
    role = t(lang, "pic.role.cp" if node.control_plane else "pic.role.worker")
    if node.members > 1:
        role = t(lang, "pic.members", role=role, n=node.members)
    inner = NODE_W - 16
    # the name whole (wrapped, never cut: it is what a reader looks up)
    for i, line in enumerate(lay.name_lines[node.key]):
        svg.text(cx, node_y + 30 + 16 * i, line, anchor="middle", weight="bold", size=13)
    svg.text(
        cx,
        node_y + 46 + name_extra,
        _fit(f"{role} · {node.ip}", inner, 11),
        anchor="middle",
        size=11,
        fill=MUTED,
    )
    pod_y = node_y + 68 + name_extra
    for continued, line in lay.pod_lines[node.key]:
        svg.text(left + (22 if continued else 10), pod_y, line, size=11)
        pod_y += 15
    more = node.pod_count - len(node.pods)
    if more > 0:
        svg.text(left + 10, pod_y, t(lang, "pic.more_pods", n=f"{more:,}"), size=11, fill=MUTED)


def _port(svg: _Svg, node: PicNode, lay: Layout, lang: str, red: bool) -> float:
    """The port: a plug on top of the node, where Neutron filters what the VM sends; its top."""
    cx = lay.xs[node.key]
    px = cx - PORT_W / 2
    py = lay.port_y - PORT_H
    if node.port_id:
        stroke = RED if red else INK
        dash = ' stroke-dasharray="4 3"' if node.port_security is False else ""
        ps = {True: "on", False: "off", None: "?"}[node.port_security]
        pairs = ", ".join(node.pairs) or "[]"
        tip = t(lang, "pic.port_tip", id=node.port_id, ps=ps, pairs=pairs)
        svg.add(
            f'<rect class="port" x="{px:.1f}" y="{py:.1f}" width="{PORT_W}" height="{PORT_H}" '
            f'rx="4" fill="#fff8e1" stroke="{stroke}" stroke-width="{2 if stroke == RED else 1}"{dash}>'
            f"<title>{_e(tip)}</title></rect>"
        )
        short = node.port_short
        label = t(lang, "pic.port", id=short)
        svg.text(cx, py + 15, label, fit=PORT_W - 6, anchor="middle", size=11, full=tip)
        if node.port_security is False:
            svg.text(cx + PORT_W / 2 + 4, py + 15, t(lang, "pic.ps_off"), size=10, fill=MUTED)
    else:
        svg.add(
            f'<rect class="port" x="{px:.1f}" y="{py:.1f}" width="{PORT_W}" height="{PORT_H}" '
            f'rx="4" fill="#f6f8fa" stroke="{GREY}" stroke-dasharray="4 3"/>'
        )
        svg.text(
            cx,
            py + 15,
            _fit(t(lang, "pic.no_port"), PORT_W - 6, 11),
            anchor="middle",
            size=11,
            fill=MUTED,
        )
    return py


def _drops(
    svg: _Svg,
    lay: Layout,
    lang: str,
    cx: float,
    py: float,
    drops: list[PicFlow],
    arrived: list[PicFlow],
    used: set[str],
) -> None:
    """The flows that die at this box: an X where (port or node) and why, in red."""
    node_y = lay.node_y
    left = cx - NODE_W / 2
    used.add("fail")
    dropped = drops + arrived
    kinds = sorted({t(lang, "pic.kind." + f.kind) for f in dropped})
    reasons = ", ".join(sorted({f.reason for f in dropped}))
    tip = "; ".join(sorted({f"{f.label}: {f.where}: {f.detail}" for f in dropped}))
    at_port = bool(arrived) or any(f.stage == "src-port" for f in drops)
    if at_port:
        svg.cross(cx, py - 4, label=tip)
    if any(f.stage not in ("src-port", "dst-port") for f in dropped):
        # dropped inside a node (routing, masquerade, kube-proxy): X on the node
        svg.cross(left + NODE_W - 16, node_y + 16, label=tip)
    label_y = py - 34 if at_port else py - 20
    svg.text(
        cx,
        label_y,
        reasons,
        fit=NODE_W,
        anchor="middle",
        size=12,
        fill=RED,
        weight="bold",
        full=tip,
    )
    kinds_text = ", ".join(kinds)
    svg.text(cx, label_y + 15, kinds_text, fit=NODE_W, anchor="middle", size=11, fill=RED, full=tip)


def _legend(svg: _Svg, pic: Picture, lay: Layout, lang: str, used: set[str]) -> None:
    """The legend: only the symbols drawn above, one after the other, then the scope note."""
    ly = lay.legend_y
    lx = float(MARGIN)
    if "fail" in used:
        svg.add(
            f'<line class="legend-fail" x1="{lx}" y1="{ly}" x2="{lx + 36}" y2="{ly}" '
            f'stroke="{RED}" stroke-width="3"/>'
        )
        svg.cross(lx + 48, ly, r=6)
        label = t(lang, "pic.legend_fail")
        svg.text(lx + 62, ly + 4, label, size=11)
        lx += 62 + _width(label, 11) + 30
    for key, colour, style in (
        ("ok", GREEN, 'marker-end="url(#ks-arrow-ok)"'),
        ("unknown", GREY, 'stroke-dasharray="6 4"'),
    ):
        if key not in used:
            continue
        svg.add(
            f'<line class="legend-{key}" x1="{lx}" y1="{ly}" x2="{lx + 36}" y2="{ly}" '
            f'stroke="{colour}" stroke-width="1.6" {style}/>'
        )
        label = t(lang, f"pic.legend_{key}")
        svg.text(lx + 44, ly + 4, label, size=11)
        lx += 44 + _width(label, 11) + 30
    note = t(lang, "pic.scope", total=pic.total_nodes)
    if pic.aggregated:
        note = t(lang, "pic.aggregated", total=pic.total_nodes, boxes=len(pic.nodes))
        if pic.hidden_nodes:
            note += " " + t(lang, "pic.hidden", n=pic.hidden_nodes)
    svg.text(MARGIN, ly + 28, note, fit=lay.width - 2 * MARGIN, size=11, fill=MUTED)
