"""Valid but unusual snapshots: every example, mutated within what a real cloud and cluster
can hold (rules added and dropped, port security and admin state flipped, pairs changed,
Calico modes, mesh and natOutgoing switched, versions odd or absent, nodes and ports gone, MTUs,
stateless groups, Flannel backends, the Neutron backend unknown), through `diagnose`, `fix
plan` and `report` in both languages: always an answer, never a traceback, never a
placeholder or a Python `None` in the text. A fixed budget of seeded cases (CASES)."""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from kostack_testkit.cli import run_cli

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.json"))
CASES = 120
PREFIXES = [None, "0.0.0.0/0", "10.0.0.0/24", "10.0.0.11/32", "10.244.0.0/16", "::/0"]
PROTOCOLS = [None, "tcp", "udp", "icmp", "4", "ipip", "132", "ipv6-icmp", "50"]
PLACEHOLDER = re.compile(r"\{[a-z_]+(:[^}]*)?\}|\bNone\b")


def _rule(r: random.Random, groups: list[str]) -> dict[str, Any]:
    protocol = r.choice(PROTOCOLS)
    low = high = None
    if protocol in ("tcp", "udp", "132"):
        low = r.choice([None, 1, 53, 179, 443, 4789, 6443, 8472, 10250, 30000])
        high = None if low is None else r.choice([low, min(65535, low + r.randint(0, 40000))])
    remote = r.choice(PREFIXES)
    return {
        "id": f"{r.getrandbits(128):032x}",
        "direction": r.choice(["ingress", "egress"]),
        "ethertype": "IPv6" if remote and ":" in remote else "IPv4",
        "protocol": protocol,
        "port_range_min": low,
        "port_range_max": high,
        "remote_ip_prefix": remote,
        "remote_group_id": r.choice(groups) if remote is None and r.random() < 0.5 else None,
    }


def _drop_node(doc: dict[str, Any], r: random.Random) -> None:
    cluster = doc["cluster"]
    gone = cluster["nodes"].pop(r.randrange(len(cluster["nodes"])))["name"]
    doc["node_ports"] = [x for x in doc.get("node_ports") or [] if x.get("node") != gone]
    cluster["pods"] = [p for p in cluster.get("pods") or [] if p.get("node") != gone]
    for block in ((cluster.get("cni") or {}).get("calico") or {}).get("blocks") or []:
        if block.get("node") == gone:
            block["node"] = None


def _drop_port(doc: dict[str, Any], r: random.Random) -> None:
    ports = doc["openstack"]["ports"]
    gone = ports.pop(r.randrange(len(ports)))["id"]
    doc["node_ports"] = [x for x in doc.get("node_ports") or [] if x.get("port_id") != gone]


def _calico(doc: dict[str, Any], r: random.Random) -> None:
    calico = doc["cluster"]["cni"]["calico"]
    for pool in calico.get("ip_pools") or []:
        if pool["cidr"].count(".") == 3:
            pool["ipip_mode"] = r.choice(["Always", "CrossSubnet", "Never"])
        pool["vxlan_mode"] = (
            "Never" if pool["ipip_mode"] != "Never" else r.choice(["Never", "Always"])
        )
        pool["nat_outgoing"] = r.choice([True, False, None])
    calico["node_to_node_mesh"] = r.choice([True, False, None])


def mutate(doc: dict[str, Any], r: random.Random) -> dict[str, Any]:
    os_, cluster = doc.get("openstack") or {}, doc.get("cluster") or {}
    groups = os_.get("security_groups") or []
    ports = os_.get("ports") or []
    cni = cluster.get("cni") or {}
    edits = [
        lambda: r.choice(groups)["rules"].pop() if groups and groups[0]["rules"] else None,
        lambda: r.choice(groups)["rules"].append(_rule(r, [g["id"] for g in groups])),
        lambda: r.choice(ports).update(allowed_address_pairs=[{"ip_address": "0.0.0.0/0"}]),
        lambda: r.choice(ports).update(admin_state_up=r.choice([True, False])),
        lambda: r.choice(ports).update(
            port_security_enabled=False, security_group_ids=[], allowed_address_pairs=[]
        ),
        lambda: os_.update(backend=r.choice(["ml2/ovs", "ml2/ovn", None])),
        lambda: r.choice(groups).update(stateful=r.choice([True, False])),
        lambda: r.choice(os_["networks"]).update(mtu=r.choice([None, 1280, 1442, 1500, 8950])),
        lambda: cluster.update(kube_proxy_mode=r.choice(["iptables", "ipvs", "nftables", None])),
        lambda: cni.update(version=r.choice([None, "v3.3.0", "v3.31.0", "garbage", "v1.17.2"])),
        lambda: _calico(doc, r) if cni.get("calico") else None,
        lambda: _drop_node(doc, r) if len(cluster.get("nodes") or []) > 1 else None,
        lambda: _drop_port(doc, r) if len(ports) > 1 else None,
    ]
    for _ in range(r.randint(1, 6)):
        try:
            r.choice(edits)()
        except (KeyError, IndexError, TypeError):
            continue  # an example without that part
    return doc


@pytest.mark.parametrize("case", range(CASES))
def test_a_mutated_example_is_answered_in_both_languages(case: int, tmp_path: Path) -> None:
    r = random.Random(case)
    example = r.choice(EXAMPLES)
    doc = mutate(copy.deepcopy(json.loads(example.read_text(encoding="utf-8"))), r)
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(json.dumps(doc), encoding="utf-8")
    lang = ("en", "ko")[case % 2]
    report = tmp_path / "report.md"
    runs = [
        ("diagnose", "-v", "--lang", lang),
        ("fix", "plan", "--lang", lang),
        ("report", "--lang", lang, "-o", str(report)),
    ]
    for args in runs:
        code, out = run_cli(*args, "--snapshot", str(snapshot))
        assert code in (0, 1, 4), (example.name, args, out[-2000:])
        assert "Traceback" not in out
        text = out + (report.read_text(encoding="utf-8") if args[0] == "report" else "")
        assert PLACEHOLDER.search(text) is None, (example.name, args, PLACEHOLDER.search(text))
