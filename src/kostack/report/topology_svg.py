"""A picture of where packets die: subnets, node ports, pods and the traced flows, as SVG.

Two steps, both pure:

- ``picture(snapshot)`` traces the flows the checks care about (pod to pod
  across nodes, DNS, the kubernetes service, pod egress) with the reachability
  engine and keeps, for each, the hop that decides it: a ``Picture``.
- ``render_svg(picture, lang)`` draws it. Failing flows are red and end at the
  hop that drops them (a red X on the source port for anti-spoofing, on the
  destination port for a security group, mid-way for a missing route); flows
  that pass are green; undecided ones grey and dashed.

Up to ``DETAIL_LIMIT`` nodes every node is drawn and traced on its own. Above
that, nodes are drawn as the engine's node classes (nodes Neutron, the CNI and
the security groups treat alike), at most ``MAX_BOXES`` boxes, so the picture
stays readable at 500 nodes.

Every string that came from the cloud or the cluster goes through
``html_safe`` before it reaches the SVG, in text and in attributes alike.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kostack.analyze.matrix import POD_PORT, Matrix
from kostack.analyze.reach import Disposition, Endpoint, FlowResult, Hop, classify_ip, trace
from kostack.analyze.topology import NodeView, Topology, short_id
from kostack.model.snapshot import IPAddress, Snapshot
from kostack.report.i18n import t
from kostack.report.safe import html_safe

DETAIL_LIMIT = 12
MAX_BOXES = 10
PODS_SHOWN = 3

FLOW_KINDS = ("pod-to-pod", "dns", "api", "egress")
# where on the picture a flow stops
STAGES = ("src-node", "src-port", "network", "dst-port", "dst-node", "external")


@dataclass(frozen=True)
class PicSubnet:
    key: str
    cidr: str
    name: str
    network: str
    mtu: int | None


@dataclass(frozen=True)
class PicNode:
    """One box: a node, or a class of alike nodes when the cluster is large."""

    key: str
    name: str
    control_plane: bool
    ip: str
    port_id: str
    port_security: bool | None
    pairs: tuple[str, ...]
    subnet_key: str
    pods: tuple[str, ...]
    pod_count: int
    members: int = 1
    member_names: tuple[str, ...] = ()

    @property
    def port_short(self) -> str:
        return short_id(self.port_id) if self.port_id else ""


@dataclass(frozen=True)
class PicFlow:
    """A traced flow (or many alike), from a box to a box or to the outside."""

    kind: str
    src: str
    dst: str
    ok: bool
    verdict: str
    stage: str | None
    reason: str
    label: str
    where: str
    detail: str
    count: int = 1
    reply: bool = False


@dataclass(frozen=True)
class Picture:
    subnets: tuple[PicSubnet, ...]
    nodes: tuple[PicNode, ...]
    flows: tuple[PicFlow, ...]
    aggregated: bool
    total_nodes: int
    hidden_nodes: int
    external: str
    router: str


# --------------------------------------------------------------------------- tracing


def _text(value: object, lang: str) -> str:
    """A message in ``lang`` when it knows how to render itself, else its text."""
    render = getattr(value, "render", None)
    return str(render(lang)) if callable(render) else str(value)


def stage_of(result: FlowResult) -> tuple[str | None, bool]:
    """Where ``result`` stops on the picture, and whether it is the reply that dies there."""
    hop = result.blocking
    if hop is None:
        return None, False
    reply = hop.direction == "reply"
    step = hop.step
    if step in ("antispoof", "sg-egress"):
        return "src-port", False
    if step in ("sg-ingress",):
        return "dst-port", False
    if step == "reply-antispoof":
        return "dst-port", True
    if step in ("network",):
        return "network", reply
    if step in ("router", "external"):
        return "external", reply
    if step in ("deliver",):
        return "dst-node", reply
    return "src-node", reply


def _reason(hop: Hop | None, lang: str) -> str:
    if hop is None:
        return ""
    key = {
        "antispoof": "pic.reason.antispoof",
        "reply-antispoof": "pic.reason.antispoof",
        "sg-egress": "pic.reason.sg",
        "sg-ingress": "pic.reason.sg",
        "network": "pic.reason.network",
        "router": "pic.reason.router",
        "route": "pic.reason.route",
    }.get(hop.step)
    if key is None:
        return t(lang, "disp." + str(hop.disposition))
    return t(lang, key)


def _flow(kind: str, src: str, dst: str, r: FlowResult, lang: str, count: int = 1) -> PicFlow:
    hop = r.blocking
    stage, reply = stage_of(r)
    verdict = str(r.verdict)
    ok = r.ok or r.no_reply_expected
    proto = f"{r.port}/{r.protocol}" if r.port is not None else r.protocol
    label = f"{_text(r.src.label, lang)} -> {_text(r.requested.label, lang)} {proto}"
    return PicFlow(
        kind,
        src,
        dst,
        ok,
        verdict,
        None if ok else stage,
        "" if ok else _reason(hop, lang),
        label,
        _text(hop.where, lang) if hop else "",
        _text(hop.detail, lang) if hop else "",
        count,
        reply,
    )


def picture(
    snapshot: Snapshot, egress_target: IPAddress | None = None, lang: str = "en"
) -> Picture:
    """Trace the flows that matter and lay them out as boxes and lines (pure data)."""
    topo = Topology(snapshot)
    matrix = Matrix(topo, egress_target)
    target = matrix.egress_target
    views = sorted(topo.node_views.values(), key=lambda v: _node_order(v))
    subnets = _subnets(topo, views)
    router = ""
    for r in topo.routers:
        router = r.name or r.id
        break
    if len(views) <= DETAIL_LIMIT:
        nodes = tuple(_node_box(topo, v, str(i)) for i, v in enumerate(views))
        flows = _node_flows(topo, matrix, views, target, lang)
        return Picture(subnets, nodes, flows, False, len(views), 0, str(target), router)
    return _class_picture(topo, matrix, subnets, len(views), str(target), router, lang)


def _node_order(v: NodeView) -> tuple[object, ...]:
    sub = v.subnet.cidr if v.subnet is not None else None
    return (
        sub is None,
        sub.version if sub is not None else 0,
        int(sub.network_address) if sub is not None else 0,
        not v.is_control_plane,
        v.name,
    )


def _subnets(topo: Topology, views: list[NodeView]) -> tuple[PicSubnet, ...]:
    out: dict[str, PicSubnet] = {}
    for v in views:
        if v.subnet is None:
            out.setdefault("", PicSubnet("", "?", "", "", None))
            continue
        net = topo.networks.get(v.subnet.network_id)
        out.setdefault(
            v.subnet.id,
            PicSubnet(
                v.subnet.id,
                str(v.subnet.cidr),
                v.subnet.name,
                (net.name or net.id) if net else "",
                net.mtu if net else None,
            ),
        )
    return tuple(out.values())


def _pods_on(topo: Topology, names: Iterable[str]) -> tuple[tuple[str, ...], int]:
    wanted = set(names)
    pods = sorted(
        (p for p in topo.pods if p.node in wanted and not p.host_network),
        key=lambda p: (p.namespace in ("kube-system", "calico-system"), p.namespace, p.name),
    )
    return tuple(f"{p.namespace}/{p.name}" for p in pods[:PODS_SHOWN]), len(pods)


def _node_box(topo: Topology, v: NodeView, key: str) -> PicNode:
    pods, count = _pods_on(topo, (v.name,))
    port = v.port
    return PicNode(
        key=key,
        name=v.name,
        control_plane=v.is_control_plane,
        ip=str(v.ip) if v.ip is not None else "?",
        port_id=port.id if port else "",
        port_security=port.port_security_enabled if port else None,
        pairs=tuple(str(p.ip_address) for p in port.allowed_address_pairs) if port else (),
        subnet_key=v.subnet.id if v.subnet else "",
        pods=pods,
        pod_count=count,
        members=1,
        member_names=(v.name,),
    )


def _service(topo: Topology, namespace: str, name: str) -> Endpoint | None:
    svc = topo.services.get((namespace, name))
    if svc is None and name == "kube-dns" and topo.snapshot.cluster is not None:
        dns_ip = topo.snapshot.cluster.cluster_dns_ip
        svc = topo.service_by_ip.get(dns_ip) if dns_ip is not None else None
    if svc is None or svc.cluster_ip is None:
        return None
    return Endpoint("service", f"svc {svc.namespace}/{svc.name} {svc.cluster_ip}", svc.cluster_ip)


def _node_flows(
    topo: Topology,
    matrix: Matrix,
    views: list[NodeView],
    target: IPAddress,
    lang: str,
) -> tuple[PicFlow, ...]:
    key_of = {v.name: str(i) for i, v in enumerate(views)}
    dns = _service(topo, "kube-system", "kube-dns")
    api = _service(topo, "default", "kubernetes")
    outside = classify_ip(topo, target)
    out: list[PicFlow] = []
    for v in views:
        src = matrix.pod_on(v)
        if src is None:
            continue
        me = key_of[v.name]
        for w in views:
            if w is v:
                continue
            dst = matrix.pod_on(w)
            if dst is None:
                continue
            r = trace(topo, src, dst, "tcp", POD_PORT)[0]
            out.append(_flow("pod-to-pod", me, key_of[w.name], r, lang))
        for kind, svc, proto, port in (("dns", dns, "udp", 53), ("api", api, "tcp", 443)):
            if svc is None:
                continue
            for r in trace(topo, src, svc, proto, port):
                dst_key = key_of.get(r.dst.node or "", "")
                if dst_key == me:
                    continue  # an endpoint on the same node: Neutron is not involved
                out.append(_flow(kind, me, dst_key, r, lang))
        r = trace(topo, src, outside, "tcp", 443)[0]
        out.append(_flow("egress", me, "external", r, lang))
    return tuple(out)


def _class_picture(
    topo: Topology,
    matrix: Matrix,
    subnets: tuple[PicSubnet, ...],
    total: int,
    target: str,
    router: str,
    lang: str,
) -> Picture:
    classes = sorted(
        matrix.classes,
        key=lambda c: (_node_order(c.rep)[:3], not c.rep.is_control_plane, -c.size, c.rep.name),
    )
    shown = classes[:MAX_BOXES]  # the rest are counted in the caption
    hidden = sum(c.size for c in classes[len(shown) :])
    key_of: dict[int, str] = {id(c): str(i) for i, c in enumerate(shown)}
    class_of_node: dict[str, str] = {}
    nodes: list[PicNode] = []
    for i, cls in enumerate(shown):
        names = tuple(m.name for m in cls.members)
        for n in names:
            class_of_node[n] = str(i)
        box = _node_box(topo, cls.rep, str(i))
        pods, count = _pods_on(topo, names)
        nodes.append(
            PicNode(
                key=str(i),
                name=cls.rep.name if cls.size == 1 else f"{cls.rep.name} +{cls.size - 1}",
                control_plane=cls.rep.is_control_plane,
                ip=box.ip,
                port_id=box.port_id,
                port_security=box.port_security,
                pairs=box.pairs,
                subnet_key=box.subnet_key,
                pods=pods,
                pod_count=count,
                members=cls.size,
                member_names=names[:3] + ((names[-1],) if len(names) > 3 else ()),
            )
        )
    flows: list[PicFlow] = []
    for pf in matrix.pod_to_pod:
        a, b = key_of.get(id(pf.src)), key_of.get(id(pf.dst))
        if a is None or b is None:
            continue
        flows.append(_flow("pod-to-pod", a, b, pf.result, lang, pf.pairs))
    for kind, service_flows in (("dns", matrix.dns), ("api", matrix.api)):
        for sf in service_flows or ():
            a = key_of.get(id(sf.src))
            if a is None:
                continue
            for r in sf.results:
                b = class_of_node.get(r.dst.node or "")
                if b is None or (b == a and sf.src.size == 1):
                    continue
                flows.append(_flow(kind, a, b, r, lang, sf.src.size))
    for cls, r in matrix.egress:
        a = key_of.get(id(cls))
        if a is not None:
            flows.append(_flow("egress", a, "external", r, lang, cls.size))
    used = {n.subnet_key for n in nodes}
    return Picture(
        tuple(s for s in subnets if s.key in used),
        tuple(nodes),
        tuple(flows),
        True,
        total,
        hidden,
        target,
        router,
    )


# --------------------------------------------------------------------------- drawing

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
    ) -> None:
        title = f"<title>{_e(full)}</title>" if full is not None and full != text else ""
        # a white halo keeps labels legible where lines cross them
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}" stroke="#ffffff" stroke-width="3" '
            f'stroke-linejoin="round" paint-order="stroke">{title}{_e(text)}</text>'
        )

    def cross(self, x: float, y: float, r: float = 9, label: str = "") -> None:
        title = f"<title>{_e(label)}</title>" if label else ""
        self.add(
            f'<g class="drop" stroke="{RED}" stroke-width="4" stroke-linecap="round">{title}'
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


def render_svg(pic: Picture, lang: str = "en") -> str:
    """The picture as one self-contained <svg> element (no scripts, no external references)."""
    n = max(1, len(pic.nodes))
    frames = max(1, len(pic.subnets))
    width = int(MARGIN * 2 + n * NODE_W + (n - 1) * GAP + frames * SUBNET_PAD * 2 + 40)
    width = max(width, 760)

    # --- horizontal positions: nodes in one row, grouped by subnet
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

    # --- flows, grouped by (src, dst) so one line carries alike flows
    by_pair: dict[tuple[str, str], list[PicFlow]] = defaultdict(list)
    for f in pic.flows:
        by_pair[(f.src, f.dst)].append(f)
    stubs: dict[str, list[PicFlow]] = defaultdict(list)  # dropped before leaving the node
    lines: list[tuple[str, str, list[PicFlow]]] = []
    for (src, dst), flows in sorted(by_pair.items()):
        if src not in xs:
            continue
        stubs[src].extend(f for f in flows if not f.ok and f.stage in ("src-node", "src-port"))
        leaving = [f for f in flows if f.ok or f.stage not in ("src-node", "src-port")]
        if leaving and (dst == "external" or dst in xs):
            lines.append((src, dst, leaving))
    spans = [abs(xs[a] - xs[b]) for a, b, _ in lines if b in xs and a != b]
    max_dx = max(spans, default=1.0)
    arc_zone = (ARC_MAX if spans else 0) + 70  # room for the drop labels above the ports

    # --- vertical layout (nodes as tall as their longest list of pod names)
    pod_lines = {node.key: _pod_lines(node.pods, NODE_W - 32) for node in pic.nodes}
    name_lines = {node.key: _wrap(node.name, NODE_W - 16, 13) for node in pic.nodes}
    name_extra = 16 * (max((len(lines) for lines in name_lines.values()), default=1) - 1)
    tallest = max((len(lines) for lines in pod_lines.values()), default=0)
    node_h = max(NODE_H, 68 + name_extra + 15 * (tallest + 1))
    ext_y = MARGIN
    port_y = ext_y + 44 + 40 + arc_zone
    node_y = port_y + 26
    legend_y = node_y + node_h + SUBNET_PAD + 46
    height = legend_y + LEGEND_H
    used: set[str] = set()  # what the legend explains: only symbols the picture uses

    svg = _Svg()
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

    # --- the outside and the router
    ext_x = width / 2
    outside_label = t(lang, "pic.outside", target=pic.external)
    router_label = (
        t(lang, "pic.router", name=pic.router) if pic.router else t(lang, "pic.no_router")
    )
    svg.add(
        f'<rect x="{ext_x - 170:.1f}" y="{ext_y}" width="340" height="44" rx="8" '
        f'fill="#f6f8fa" stroke="{MUTED}"/>'
    )
    svg.text(ext_x, ext_y + 18, _fit(outside_label, 320), anchor="middle", weight="bold")
    svg.text(
        ext_x,
        ext_y + 35,
        _fit(router_label, 320, 11),
        anchor="middle",
        size=11,
        fill=MUTED,
        full=router_label,
    )

    # --- subnets, each joined to the router by its interface
    subnets = {s.key: s for s in pic.subnets}
    for key, starts in subnet_span.items():
        sn = subnets.get(key)
        left = min(starts) - SUBNET_PAD
        right = max(starts) + NODE_W + SUBNET_PAD
        top = port_y - PORT_H - 10
        bottom = node_y + node_h + SUBNET_PAD + 22
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
            mtu = f" mtu {sn.mtu}" if sn.mtu is not None else ""
            caption = t(lang, "pic.subnet", cidr=sn.cidr, network=sn.network or "?", mtu=mtu)
            if sn.name:
                caption += f" ({sn.name})"
            svg.text(
                left + 8,
                bottom - 8,
                _fit(caption, right - left - 16, 11),
                size=11,
                fill=MUTED,
                full=caption,
            )

    # --- lines that leave the node: arcs between ports, lines to the outside
    arrivals: dict[str, list[PicFlow]] = defaultdict(list)
    for src, dst, leaving in lines:
        failing = [f for f in leaving if not f.ok]
        worst = failing[0] if failing else leaving[0]
        colour, dash = _flow_style(worst.ok, worst.verdict)
        kinds = sorted({t(lang, "pic.kind." + f.kind) for f in leaving if f.ok == worst.ok})
        tip = "; ".join(
            sorted({f"{f.label}: {f.reason or t(lang, 'pic.passes')}" for f in leaving})
        )
        x1 = xs[src]
        y1 = port_y - PORT_H
        if dst == "external":
            x2, y2 = ext_x + (x1 - ext_x) * 0.3, ext_y + 44.0
            path = f"M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"
            mid = ((x1 + x2) / 2, (y1 + y2) / 2)
        else:
            x2 = xs[dst]
            offset = 8 if x2 > x1 else -8
            sx, ex = x1 + offset, x2 + offset
            h = 30 + (ARC_MAX - 30) * abs(x2 - x1) / max_dx
            ctl_y = y1 - h * 4 / 3
            path = (
                f"M{sx:.1f},{y1:.1f} C{sx:.1f},{ctl_y:.1f} {ex:.1f},{ctl_y:.1f} {ex:.1f},{y1:.1f}"
            )
            mid = ((sx + ex) / 2, y1 - h)
        marker = ""
        if worst.ok:
            marker = ' marker-end="url(#ks-arrow-ok)"'
        elif colour == GREY:
            marker = ' marker-end="url(#ks-arrow-grey)"'
        used.add("ok" if worst.ok else "unknown" if colour == GREY else "fail")
        cls = "flow-ok" if worst.ok else ("flow-unknown" if colour == GREY else "flow-fail")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        svg.add(
            f'<path class="{cls}" d="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{3 if failing else 1.6}"{dash_attr}{marker}>'
            f"<title>{_e(tip)}</title></path>"
        )
        if failing and colour == RED:
            if worst.stage in ("network", "external"):
                svg.cross(mid[0], mid[1], label=tip)
                svg.text(
                    mid[0],
                    mid[1] - 14,
                    _fit(f"{worst.reason}: {', '.join(kinds)}", NODE_W, 11),
                    anchor="middle",
                    size=11,
                    fill=RED,
                    full=tip,
                )
            else:
                # dropped where it arrives: one X and one label per port, drawn with the port
                arrivals[dst].extend(failing)

    # --- nodes, ports, pods
    for node in pic.nodes:
        cx = xs[node.key]
        left = cx - NODE_W / 2
        drops = stubs.get(node.key, [])
        arrived = arrivals.get(node.key, [])
        svg.add(
            f'<rect class="node" x="{left:.1f}" y="{node_y:.1f}" width="{NODE_W}" '
            f'height="{node_h}" rx="8" fill="#ffffff" stroke="{INK}"/>'
        )
        role = t(lang, "pic.role.cp" if node.control_plane else "pic.role.worker")
        if node.members > 1:
            role = t(lang, "pic.members", role=role, n=node.members)
        inner = NODE_W - 16
        # the name whole (wrapped, never cut: it is what a reader looks up)
        for i, line in enumerate(name_lines[node.key]):
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
        for continued, line in pod_lines[node.key]:
            svg.text(left + (22 if continued else 10), pod_y, line, size=11)
            pod_y += 15
        more = node.pod_count - len(node.pods)
        if more > 0:
            svg.text(left + 10, pod_y, t(lang, "pic.more_pods", n=f"{more:,}"), size=11, fill=MUTED)
        # the port: a plug on top of the node, where Neutron filters what the VM sends
        px = cx - PORT_W / 2
        py = port_y - PORT_H
        if node.port_id:
            stroke = RED if drops or arrived else INK
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
            svg.text(
                cx,
                py + 15,
                _fit(t(lang, "pic.port", id=short), PORT_W - 6, 11),
                anchor="middle",
                size=11,
                full=tip,
            )
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
        if drops or arrived:
            used.add("fail")
            dropped = drops + arrived
            kinds = sorted({t(lang, "pic.kind." + f.kind) for f in dropped})
            reasons = ", ".join(sorted({f.reason for f in dropped}))
            tip = "; ".join(sorted({f"{f.label}: {f.where}: {f.detail}" for f in dropped}))
            at_port = bool(arrived) or any(f.stage == "src-port" for f in drops)
            if drops and at_port:
                # the packet leaves the VM, reaches its port and dies there: X on the port
                svg.add(
                    f'<line class="flow-fail" x1="{cx:.1f}" y1="{node_y:.1f}" x2="{cx:.1f}" '
                    f'y2="{port_y:.1f}" stroke="{RED}" stroke-width="4"><title>{_e(tip)}</title>'
                    "</line>"
                )
            if at_port:
                svg.cross(cx, py - 4, label=tip)
            if any(f.stage not in ("src-port", "dst-port") for f in dropped):
                # dropped inside a node (routing, masquerade, kube-proxy): X on the node
                svg.cross(left + NODE_W - 16, node_y + 16, label=tip)
            label_y = py - 34 if at_port else py - 20
            svg.text(
                cx,
                label_y,
                _fit(reasons, NODE_W, 12),
                anchor="middle",
                size=12,
                fill=RED,
                weight="bold",
                full=tip,
            )
            svg.text(
                cx,
                label_y + 15,
                _fit(", ".join(kinds), NODE_W, 11),
                anchor="middle",
                size=11,
                fill=RED,
                full=tip,
            )
        if node.port_id and not drops:
            svg.add(
                f'<line x1="{cx:.1f}" y1="{node_y:.1f}" x2="{cx:.1f}" y2="{port_y:.1f}" '
                f'stroke="{MUTED}" stroke-width="1.5"/>'
            )

    # --- legend: only the symbols drawn above, one after the other
    ly = legend_y
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
    svg.text(MARGIN, ly + 28, _fit(note, width - 2 * MARGIN, 11), size=11, fill=MUTED, full=note)
    svg.add("</svg>")
    return "".join(svg.parts)
