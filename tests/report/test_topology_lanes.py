"""The picture's flow lanes: one line per flow class, across its hops, dying where it dies.

Asserted on the SVG's structure: the lane paths (class, the hop they end at),
the drop markers and the words naming the rule, the router on the egress
lane, and the number of elements, which must not grow with nodes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kostack.report.topology_lanes import HOPS, MAX_LANES, flow_lanes
from kostack.report.topology_svg import picture, render_svg
from kostack_testkit.builders import build, example_doc, synthetic_doc

SVG = "{http://www.w3.org/2000/svg}"


def _lanes(root: ET.Element) -> ET.Element:
    found = [g for g in root.iter(f"{SVG}g") if g.get("class") == "lanes"]
    assert len(found) == 1
    return found[0]


def _paths(group: ET.Element, prefix: str = "lane-") -> list[ET.Element]:
    return [
        p
        for p in group.iter(f"{SVG}path")
        if str(p.get("class")).startswith(prefix) and p.get("class") != "lane-router"
    ]


def _texts(group: ET.Element) -> list[str]:
    return [(t.text or "") + "".join(c.tail or "" for c in t) for t in group.iter(f"{SVG}text")]


def test_seed_every_class_dies_at_the_source_nodes_port_by_anti_spoofing() -> None:
    root = ET.fromstring(render_svg(picture(build(example_doc("seed-incident")))))
    group = _lanes(root)
    paths = _paths(group)
    # one line per flow class (pod to pod, DNS, API, egress), not one per node or pair
    assert [(p.get("data-kind"), p.get("class"), p.get("data-hop")) for p in paths] == [
        ("pod-to-pod", "lane-fail", "port"),
        ("dns", "lane-fail", "port"),
        ("api", "lane-fail", "port"),
        ("egress", "lane-fail", "port"),
    ]
    assert all(p.get("stroke") == "#c62828" for p in paths)
    drops = [g for g in group.iter(f"{SVG}g") if g.get("class") == "lane-drop"]
    assert len(drops) == 4
    # the X is on the port column: the x where the line ends
    for path, drop in zip(paths, drops, strict=True):
        end_x = float(str(path.get("d")).split("L")[1].split(",")[0])
        first = drop.find(f"{SVG}line")
        assert first is not None
        x1, x2 = float(str(first.get("x1"))), float(str(first.get("x2")))
        assert abs((x1 + x2) / 2 - end_x) < 0.5
    texts = _texts(group)
    assert texts[0] == "Flows by class: the hops each crosses, and where it dies"
    assert "pod→pod · 12 flows" in texts and "egress · 4 flows" in texts
    said = "\n".join(texts)
    assert "anti-spoofing at the source node's port (4 ports)" in said
    assert "not in fixed_ips [10.0.0.11] or allowed_address_pairs []" in said
    # the egress lane crosses the router, named
    routers = [p for p in group.iter(f"{SVG}path") if p.get("class") == "lane-router"]
    assert len(routers) == 1
    title = routers[0].find(f"{SVG}title")
    assert title is not None and title.text == "router k8s-router"


def test_fixed_seed_has_no_drop_marker_and_every_class_reaches_its_destination() -> None:
    root = ET.fromstring(render_svg(picture(build(example_doc("seed-fixed")))))
    group = _lanes(root)
    paths = _paths(group)
    assert {p.get("data-kind") for p in paths} == {"pod-to-pod", "dns", "api", "egress"}
    assert {p.get("class") for p in paths} == {"lane-ok"}
    assert {p.get("data-hop") for p in paths} == {HOPS[-1]}
    assert all(p.get("marker-end") == "url(#ks-arrow-ok)" for p in paths)
    assert not [g for g in root.iter(f"{SVG}g") if str(g.get("class")).endswith("drop")]
    assert "anti-spoofing" not in " ".join(_texts(group))


def test_a_security_group_drop_is_drawn_at_the_far_port() -> None:
    root = ET.fromstring(render_svg(picture(build(example_doc("vxlan-always-no-4789")))))
    paths = _paths(_lanes(root))
    pod = [p for p in paths if p.get("data-kind") == "pod-to-pod"]
    assert [(p.get("class"), p.get("data-hop")) for p in pod] == [("lane-fail", "far")]
    said = " ".join(_texts(_lanes(root)))
    assert "security group at the destination node's port" in said


def test_passing_and_failing_classes_are_separate_lanes_failures_first() -> None:
    pic = picture(build(example_doc("two-subnets-crosssubnet")))
    lanes, more = flow_lanes(pic)
    assert more == 0
    outcomes = [lane.outcome for lane in lanes]
    assert outcomes == sorted(outcomes, key=["fail", "unknown", "ok"].index)
    pod = [(lane.outcome, lane.count) for lane in lanes if lane.kind == "pod-to-pod"]
    assert ("fail", 4) in pod and ("ok", 8) in pod  # same-subnet pairs die, cross-subnet pass


def test_the_lanes_are_in_korean() -> None:
    pic = picture(build(example_doc("seed-incident")), lang="ko")
    said = "\n".join(_texts(_lanes(ET.fromstring(render_svg(pic, "ko")))))
    assert "흐름 유형별 경로: 거치는 홉과 차단되는 지점" in said
    assert "Pod→Pod · 흐름 12개" in said
    assert "출발 노드의 포트에서" in said and "(포트 4개)" in said


def test_a_security_group_lane_says_its_reason_and_rule_in_korean() -> None:
    """The reason word and the rule text are Korean; Neutron's field names may stay."""
    pic = picture(build(example_doc("vxlan-always-no-4789")), lang="ko")
    root = ET.fromstring(render_svg(pic, "ko"))
    said = "\n".join(_texts(_lanes(root)))
    assert "도착 노드의 포트에서 차단: 보안 그룹" in said, said
    tips = " ".join(el.text or "" for el in root.iter(f"{SVG}title"))
    assert (
        # the particle agrees with udp:4789 (구), before the brackets
        "udp:4789 (10.244.0.2 -> 10.244.1.2를 실은 VXLAN)를 허용하는 ingress 규칙이 없습니다"
        in said + tips
    )
    for english in ("carrying", "security group", "anti-spoofing", " at the "):
        assert english not in said + tips, english
    seed = render_svg(picture(build(example_doc("seed-incident")), lang="ko"), "ko")
    assert "출발 노드의 포트에서 차단: 스푸핑 방지" in seed
    assert "fixed_ips [10.0.0.12]에도 allowed_address_pairs []에도 없음" in seed


def test_the_number_of_elements_does_not_grow_with_nodes() -> None:
    def drawn(nodes: int) -> tuple[int, int, int]:
        svg = render_svg(picture(build(synthetic_doc(nodes, groups=10, rules=50, pods_per_node=2))))
        root = ET.fromstring(svg)
        group = _lanes(root)
        return sum(1 for _ in root.iter()), len(_paths(group)), len(_paths(root, "flow-"))

    small, large = drawn(200), drawn(5000)
    assert small == large, (small, large)
    elements, lane_lines, _ = large
    assert 0 < lane_lines <= MAX_LANES and elements < 1000
