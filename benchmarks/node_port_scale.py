"""Benchmark: the per-node and NodePort readers on hostile input (kostack_testkit.builders
synthetic_doc, plus): every node with its own Calico Felix settings (`felix_nodes`: eBPF on or
off, Tunnel or DSR, its own DSR opt-out CIDR, its own VXLAN port), kube-proxy's
nodePortAddresses listing every node's own /32, and Services of type LoadBalancer (one per
2.5 nodes: 2,000 at 5,000 nodes), each with a NodePort, two endpoints on different nodes and an
ingress IP. `--antrea` makes the same cluster Antrea's (proxyAll, antreaProxy.nodePortAddresses
listing every node's /32) instead of Calico's.

Each size runs in its own process (CPU seconds, peak RSS its own). Prints

    node-ports: cni=calico nodes=1000 services=400 load_s=.. analyze_s=.. rss_mb=.. findings=.. text_kb=.. json_kb=.. longest_line=..
    node-ports: cni=calico nodes=5000 services=2000 ... scaling=..

findings, text_kb (`kostack diagnose`'s text answer, verbose) and json_kb must not grow with
the nodes or the Services beyond their own records: what the checks say is aggregated ("and N
more"), never one line per node or per Service. Target: scaling (analysis at 5,000 / at 1,000
nodes) <= 7.5 (linear is 5).
Run: .venv/bin/python benchmarks/node_port_scale.py [--antrea]
"""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Any

from _scale_runner import run_sizes, timed_diagnose

# the sizes' processes inherit it (run_sizes passes them only `--one N`)
if "--antrea" in sys.argv:
    os.environ["KOSTACK_BENCH_ANTREA"] = "1"
    sys.argv.remove("--antrea")
ANTREA = os.environ.get("KOSTACK_BENCH_ANTREA") == "1"


def hostile_doc(nodes: int, antrea: bool) -> dict[str, Any]:
    from kostack_testkit.builders import synthetic_doc

    doc = synthetic_doc(nodes, groups=10, rules=200, pods_per_node=2)
    cluster = doc["cluster"]
    names = [n["name"] for n in cluster["nodes"]]
    own = [f"{n['internal_ip']}/32" for n in cluster["nodes"]]
    if antrea:
        cluster["cni"] = {
            "type": "antrea",
            "version": "v2.6.3",
            "antrea": {
                "traffic_encap_mode": "encap",
                "tunnel_type": "geneve",
                "antrea_proxy": True,
                "proxy_all": True,
                "node_port_addresses": own,
            },
        }
    else:
        calico = cluster["cni"]["calico"]
        calico["bpf_enabled"] = True
        calico["felix_nodes"] = {
            name: {
                "bpf_enabled": i % 7 != 0,
                "bpf_external_service_mode": "DSR" if i % 2 else "Tunnel",
                "bpf_dsr_optout_cidrs": [str(ipaddress.ip_network((0xC6120000 + i * 4, 30)))],
                "vxlan_port": 4789 + i % 3,
            }
            for i, name in enumerate(names)
        }
        cluster["kube_proxy_node_port_addresses"] = own
    cluster.setdefault("services", []).extend(_services(names, max(1, nodes * 2 // 5)))
    return doc


def _services(names: list[str], count: int) -> list[dict[str, Any]]:
    return [
        {
            "namespace": f"app-{i % 50}",
            "name": f"web-{i}",
            "type": "LoadBalancer",
            "cluster_ip": str(ipaddress.IPv4Address(0x0A600000 + 1000 + i)),
            "ports": [
                {
                    "name": "http",
                    "port": 80,
                    "protocol": "TCP",
                    "target_port": 8080,
                    "node_port": 30000 + i % 2700,
                }
            ],
            "endpoints": [
                {
                    "ip": str(ipaddress.IPv4Address(0x0A800000 + 64 * ((i + k) % len(names)) + 5)),
                    "node": names[(i + k) % len(names)],
                    "pod": f"app-{i % 50}/web-{i}-{k}",
                    "ready": True,
                    "ports": {"http": 8080},
                }
                for k in (0, 1)
            ],
            "uid": f"svc-{i}",
            "external_traffic_policy": "Local" if i % 3 == 0 else "Cluster",
            "load_balancer_ingress": [{"ip": str(ipaddress.IPv4Address(0xCB007100 + i % 250))}],
        }
        for i in range(count)
    ]


def measure(nodes: int) -> dict[str, Any]:
    from kostack.report.jsonout import diagnosis_dict, dumps
    from kostack.report.text import render_diagnosis

    doc = hostile_doc(nodes, ANTREA)
    result, row = timed_diagnose(doc)
    text = render_diagnosis(result, "en", True)
    short = render_diagnosis(result, "en", False)
    return {
        "cni": "antrea" if ANTREA else "calico",
        "nodes": nodes,
        "services": len([s for s in doc["cluster"]["services"] if s.get("type") == "LoadBalancer"]),
        **row,
        "findings": len(result.findings),
        "text_kb": round(len(text) / 1024),
        "short_kb": round(len(short) / 1024),
        "json_kb": round(len(dumps(diagnosis_dict(result, "bench"))) / 1024),
        "longest_line": max(len(line) for line in text.splitlines()),
    }


def line(row: dict[str, Any]) -> str:
    return (
        f"node-ports: cni={row['cni']} nodes={row['nodes']} services={row['services']} "
        f"load_s={row['load_s']} analyze_s={row['analyze_s']} rss_mb={row['rss_mb']} "
        f"findings={row['findings']} text_kb={row['text_kb']} short_kb={row['short_kb']} "
        f"json_kb={row['json_kb']} "
        f"longest_line={row['longest_line']}"
    )


def main() -> int:
    return run_sizes(__file__, measure, line, sizes=(1000, 5000), target=7.5)


if __name__ == "__main__":
    sys.exit(main())
