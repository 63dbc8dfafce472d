"""The topology picture: where each flow dies, deterministic, readable at 4 nodes and at 500."""

from __future__ import annotations

import copy
import ipaddress
import json
import xml.etree.ElementTree as ET

from kostack.report.topology_svg import DETAIL_LIMIT, MAX_BOXES, picture, render_svg
from kostack_testkit.builders import build, example_doc, synthetic_doc

SVG = "{http://www.w3.org/2000/svg}"


def visible(root: ET.Element) -> list[str]:
    """The text of every <text> element, without its tooltip."""
    return [(t.text or "") + "".join(c.tail or "" for c in t) for t in root.iter(f"{SVG}text")]


def test_seed_flows_die_at_their_source_port() -> None:
    pic = picture(build(example_doc("seed-incident")))
    assert [n.name for n in pic.nodes] == ["k8s-cp-1", "k8s-w-1", "k8s-w-2", "k8s-w-3"]
    assert [n.port_short for n in pic.nodes] == ["5f1c..", "a07e..", "9b3d..", "c4e2.."]
    assert not pic.aggregated and pic.total_nodes == 4
    failing = [f for f in pic.flows if not f.ok]
    assert failing and len(failing) == len(pic.flows)
    assert {f.stage for f in failing} == {"src-port"}
    assert {f.reason for f in failing} == {"anti-spoofing"}
    assert {f.kind for f in failing} == {"pod-to-pod", "dns", "api", "egress"}
    assert sum(1 for f in failing if f.kind == "pod-to-pod") == 12  # every ordered node pair

    svg = render_svg(pic)
    root = ET.fromstring(svg)
    drops = [g for g in root.iter(f"{SVG}g") if g.get("class") == "drop"]
    assert len(drops) == 4 + 1  # one X on each port, one in the legend
    # no red line per node to its port: the flows are drawn once per class, in the lanes
    assert not [x for x in root.iter(f"{SVG}line") if x.get("class") == "flow-fail"]
    assert not [p for p in root.iter(f"{SVG}path") if p.get("class") == "flow-ok"]
    texts = visible(root)
    for label in ("port 5f1c..", "port a07e..", "port 9b3d..", "port c4e2.."):
        assert label in texts
    assert "subnet 10.0.0.0/24 · network k8s-net MTU 1450 (k8s-subnet)" in texts
    assert "outside the cluster (1.1.1.1)" in texts and "router k8s-router" in texts
    tooltips = " ".join(t.text or "" for t in root.iter(f"{SVG}title"))
    assert "source 10.244.2.5 not in fixed_ips [10.0.0.13]" in tooltips


def test_passing_flows_are_green_and_dropped_ones_red_where_they_die() -> None:
    fixed = ET.fromstring(render_svg(picture(build(example_doc("seed-fixed")))))
    classes = [p.get("class") for p in fixed.iter(f"{SVG}path") if p.get("class")]
    assert classes and set(classes) == {"flow-ok", "lane-ok", "lane-router"}
    assert all(
        p.get("stroke") == "#2e7d32"
        for p in fixed.iter(f"{SVG}path")
        if str(p.get("class")) in ("flow-ok", "lane-ok")
    )
    # two subnets, no pairs: only same-subnet pairs are native and dropped
    pic = picture(build(example_doc("two-subnets-crosssubnet")))
    bad = {(f.src, f.dst) for f in pic.flows if f.kind == "pod-to-pod" and not f.ok}
    good = {(f.src, f.dst) for f in pic.flows if f.kind == "pod-to-pod" and f.ok}
    subnet = {n.key: n.subnet_key for n in pic.nodes}
    assert bad and good
    assert all(subnet[a] == subnet[b] for a, b in bad)
    assert all(subnet[a] != subnet[b] for a, b in good)
    svg = render_svg(pic)
    assert 'class="flow-ok"' in svg and 'class="lane-fail"' in svg and 'class="lane-ok"' in svg
    assert len(ET.fromstring(svg).findall(f".//{SVG}rect[@class='subnet']")) == 2


def test_drawn_at_the_destination_port_when_its_security_group_drops() -> None:
    pic = picture(build(example_doc("vxlan-always-no-4789")))
    stages = {f.stage for f in pic.flows if f.kind == "pod-to-pod" and not f.ok}
    assert stages == {"dst-port"}
    assert {f.reason for f in pic.flows if f.stage == "dst-port"} == {"security group"}
    root = ET.fromstring(render_svg(pic))
    assert [p for p in root.iter(f"{SVG}path") if p.get("class") == "flow-fail"]


def test_layout_is_deterministic() -> None:
    doc = example_doc("two-subnets-crosssubnet")
    shuffled = copy.deepcopy(doc)
    shuffled["cluster"]["nodes"].reverse()
    shuffled["openstack"]["ports"].reverse()
    shuffled["node_ports"].reverse()
    first = render_svg(picture(build(doc)), "ko")
    assert first == render_svg(picture(build(doc)), "ko")
    assert first == render_svg(picture(build(shuffled)), "ko")


def test_500_nodes_are_drawn_as_groups_of_alike_nodes() -> None:
    snapshot = build(synthetic_doc(500, groups=10, rules=200, pods_per_node=5))
    pic = picture(snapshot)
    svg = render_svg(pic)
    assert pic.aggregated and pic.total_nodes == 500
    assert 1 < len(pic.nodes) <= MAX_BOXES
    assert sum(n.members for n in pic.nodes) + pic.hidden_nodes == 500
    worker = max(pic.nodes, key=lambda n: n.members)
    assert worker.members > 400 and worker.pod_count == worker.members * 5
    assert len(svg) < 100_000
    root = ET.fromstring(svg)
    texts = visible(root)
    assert any(f"×{worker.members}" in t for t in texts)
    assert any(t.startswith("500 nodes drawn as") for t in texts)


def test_many_kinds_of_nodes_hide_the_rest_and_say_so() -> None:
    doc = synthetic_doc(DETAIL_LIMIT + 18, groups=3, rules=20, pods_per_node=1)
    subnets = []
    for i, port in enumerate(doc["openstack"]["ports"]):
        # every node in its own /28 subnet: every node its own class
        net = ipaddress.ip_network(f"10.0.{i}.0/28")
        subnet_id = f"subnet-{i}"
        subnets.append(
            {"id": subnet_id, "name": f"s{i}", "network_id": port["network_id"], "cidr": str(net)}
        )
        ip = str(net.network_address + 5)
        port["fixed_ips"] = [{"subnet_id": subnet_id, "ip_address": ip}]
        doc["cluster"]["nodes"][i]["internal_ip"] = ip
    doc["openstack"]["subnets"] = subnets
    doc["openstack"]["routers"][0]["interface_subnet_ids"] = [s["id"] for s in subnets]
    pic = picture(build(doc))
    assert pic.aggregated and len(pic.nodes) == MAX_BOXES
    assert pic.hidden_nodes == pic.total_nodes - sum(n.members for n in pic.nodes) > 0
    assert f"{pic.hidden_nodes} nodes in further groups are not drawn." in render_svg(pic)


def test_the_legend_explains_only_the_symbols_drawn() -> None:
    def legend(example: str) -> set[str]:
        root = ET.fromstring(render_svg(picture(build(example_doc(example)))))
        return {
            str(line.get("class")).removeprefix("legend-")
            for line in root.iter(f"{SVG}line")
            if str(line.get("class")).startswith("legend-")
        }

    assert legend("seed-incident") == {"fail"}  # every flow dies at its source port
    assert legend("seed-fixed") == {"ok"}
    assert legend("two-subnets-crosssubnet") == {"fail", "ok"}
    texts = visible(ET.fromstring(render_svg(picture(build(example_doc("seed-incident"))))))
    assert "passes" not in " ".join(texts) and "undecided" not in " ".join(texts)


def test_the_router_is_joined_to_every_subnet() -> None:
    for example, subnets in (("seed-incident", 1), ("two-subnets-crosssubnet", 2)):
        root = ET.fromstring(render_svg(picture(build(example_doc(example)))))
        links = [x for x in root.iter(f"{SVG}line") if x.get("class") == "router-link"]
        frames = root.findall(f".//{SVG}rect[@class='subnet']")
        assert len(links) == len(frames) == subnets
        for link, frame in zip(links, frames, strict=True):
            assert float(str(link.get("y2"))) == float(str(frame.get("y")))  # it reaches the frame


def test_node_names_are_never_cut() -> None:
    long_node = "k8s-worker-gpu-node-0001.region-one.cluster.example.internal"
    # the name everywhere it occurs (node, its port, its pods), as a cloud would have it
    doc = json.loads(
        json.dumps(example_doc("seed-incident")).replace('"k8s-w-1"', f'"{long_node}"')
    )
    pic = picture(build(doc))
    assert long_node in [n.name for n in pic.nodes]
    texts = visible(ET.fromstring(render_svg(pic)))
    assert not any("…" in text for text in texts)
    assert long_node in "".join(texts)


def test_pod_names_are_never_cut() -> None:
    doc = example_doc("seed-incident")
    long_name = "harbor-jobservice-5c8d7f9b4-k8p2n-with-a-much-longer-suffix"
    doc["cluster"]["pods"][0]["name"] = long_name
    pic = picture(build(doc))
    root = ET.fromstring(render_svg(pic))
    texts = visible(root)
    assert not any("…" in text for text in texts if text.startswith("●"))
    shown = {n.key: n.pods for n in pic.nodes}
    drawn = "".join(texts).replace("● ", "\n")
    for pods in shown.values():
        for pod in pods:
            assert pod in drawn, pod
    # the node boxes grew to hold every line
    heights = {float(str(r.get("height"))) for r in root.findall(f".//{SVG}rect[@class='node']")}
    assert len(heights) == 1 and heights.pop() >= 128
