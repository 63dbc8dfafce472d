"""Clusters whose security groups differ on BOTH sides of a flow (benchmarks/diagnose_scale.py
``--both-hetero``; docs/engine.md "Scale by construction").

`hetero_doc` gives every node a group of its own whose INGRESS sets differ (kubelet from the
next node's /32), so targets are many classes and sources few. Here the source side differs
too, in one of two ways a per-node group (one per VM, Terraform or Heat) really has:

- ``stateless``: every group is stateless (ML2/OVN) and admits replies, any protocol, from
  the next node's /32 only, so each source is judged by reply ingress sets of its own;
- ``egress``: stateful groups whose EGRESS sets differ: TCP to anywhere but BGP's port 179,
  which goes to the control plane's /30 and to the next node's /32 only (Calico's BGP
  sessions, which the pods' routes need, are each judged by both nodes' TCP 179 sets).

``heterogeneous=False``: the same cluster with one shared group (node 0's rules).
"""

from __future__ import annotations

from typing import Any

from kostack_testkit.builders import hetero_doc, rule

Doc = dict[str, Any]
KINDS = ("stateless", "egress")


def both_hetero_doc(
    nodes: int, kind: str = "stateless", *, heterogeneous: bool = True, pods_per_node: int = 30
) -> Doc:
    if kind not in KINDS:
        raise ValueError(f"kind: one of {KINDS}")
    doc = hetero_doc(nodes, heterogeneous=heterogeneous, pods_per_node=pods_per_node)
    ips = [n["internal_ip"] for n in doc["cluster"]["nodes"]]
    groups = doc["openstack"]["security_groups"]
    for i, grp in enumerate(groups):
        sg, nxt = grp["id"], f"{ips[(i + 1) % len(ips)]}/32"
        if kind == "stateless":
            grp["stateful"] = False
            grp["rules"].append(rule(sg, "ingress", None, None, nxt, name="reply"))
            continue
        grp["rules"] = [
            r for r in grp["rules"] if not (r["direction"] == "egress" and r["ethertype"] == "IPv4")
        ]
        grp["rules"] += [
            rule(sg, "egress", None, None, "10.128.0.0/10", name="pods"),
            rule(sg, "egress", "udp", None, "0.0.0.0/0", name="udp"),
            rule(sg, "egress", "icmp", None, "0.0.0.0/0", name="icmp"),
            rule(sg, "egress", "tcp", (1, 178), "0.0.0.0/0", name="low"),
            rule(sg, "egress", "tcp", (180, 65535), "0.0.0.0/0", name="high"),
            rule(sg, "egress", "tcp", 179, "10.0.1.0/30", name="cp"),
            rule(sg, "egress", "tcp", 179, nxt, name="next"),
        ]
    if kind == "stateless":
        doc["openstack"]["backend"] = "ml2/ovn"
    return doc
