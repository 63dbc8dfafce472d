"""Growing any array of a snapshot, and running everything kostack does with one, measured.

Used by test_fuzz_bounds.py (the resource-bound property test) and by hand to
find what grows faster than its input (see docs/limits.md):

    .venv/bin/python tests/foundation/bounds_support.py 300 1200

`grow(doc, path, n, mode, rng)` makes the array at `path` (a pattern with `*`
for "some element of this array") `n` long: `dup` appends exact copies of one
element, `vary` appends copies with unique ids and names and shifted
addresses (valid, distinct records), `mixed` does either per element.
`run_everything(text)` loads the snapshot and runs diagnose (text, json,
junit, sarif), fix plan (text, json, script), the incident report (md, html)
and the release check (text, json) in-process, and returns what it measured.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import random
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kostack.model import SnapshotFormatError, loads_snapshot
from kostack_testkit.builders import seed_doc

Doc = dict[str, Any]
Pattern = tuple[str, ...]

# Keys whose value names the record itself (varied so copies are distinct records).
IDENTITY_KEYS = frozenset({"id", "name", "uid", "storage_object", "volume_name", "claim_name"})


# --------------------------------------------------------------------------- base documents


def network_base() -> Doc:
    """The seed incident with a /16 node subnet (so thousands of varied ports stay inside it)."""
    doc = seed_doc()
    doc["openstack"]["subnets"][0]["cidr"] = "10.0.0.0/16"
    # one pair, so the pair arrays can grow too
    doc["openstack"]["ports"][1]["allowed_address_pairs"] = [{"ip_address": "10.244.1.0/24"}]
    # one DSR opt-out CIDR (read, unset in the seed: []), so that array can grow too
    calico = doc["cluster"]["cni"]["calico"]
    calico["bpf_dsr_optout_cidrs"] = ["192.0.2.0/24"]
    calico["bpf_exclude_cidrs_from_nat"] = ["169.254.20.10/32"]  # likewise (node-local DNS)
    # one node whose own FelixConfiguration turns eBPF on, with DSR and its own opt-outs, so
    # the per-node settings (a map by node name: MAPS) and their arrays grow too
    calico["felix_nodes"] = {
        "k8s-w-1": {
            "bpf_enabled": True,
            "bpf_external_service_mode": "DSR",
            "bpf_dsr_optout_cidrs": ["198.51.100.0/24"],
            "bpf_exclude_cidrs_from_nat": ["203.0.113.0/24"],
        }
    }
    # kube-proxy's nodePortAddresses, one CIDR (the node subnet), so that array can grow too
    doc["cluster"]["kube_proxy_node_port_addresses"] = ["10.0.0.0/16"]
    return doc


def helm_base() -> Doc:
    """The seed incident plus the Helm state the API double serves for the seed (collected)."""
    import tempfile

    from kostack.collect.helm import collect_helm, load_client
    from kostack_testkit import helm_fixtures as hf
    from kostack_testkit.k8s_fixtures import seed_cluster
    from kostack_testkit.kubeapi import KubeApiDouble
    from kostack_testkit.volume_snapshots import snapshot_crd, volume_snapshot

    scenario = hf.harbor_seed()
    scenario.extend(hf.lookalikes())
    backup = volume_snapshot(
        "registry-nightly", "harbor-registry", ready=True, taken="2025-10-23T00:00:00Z", size="5Gi"
    )
    scenario.objects.extend((snapshot_crd(), backup))  # an array of them to grow
    with (
        tempfile.TemporaryDirectory() as tmp,
        KubeApiDouble(seed_cluster(extra=scenario.objects)) as api,
    ):
        scenario.set_logs(api)
        kubeconfig = api.write_kubeconfig(Path(tmp) / "kubeconfig")
        client, _ = load_client(str(kubeconfig), api.context_name)
        try:
            state = collect_helm(client, context_namespace="default").state
        finally:
            client.close()
    doc = network_base()
    doc["helm"] = json.loads(state.model_dump_json())
    doc["probes"] = [
        {
            "id": "dns-udp/k8s-w-2",
            "kind": "dns-udp",
            "source_pod": "demo/dns-test",
            "source_node": "k8s-w-2",
            "target": "kube-dns",
            "target_ip": "10.96.0.10",
            "target_port": 53,
            "protocol": "udp",
            "verdict": "fail",
            "detail": "timeout",
        },
        {
            "id": "pod-pod/k8s-w-1/k8s-w-3",
            "kind": "pod-pod",
            "source_pod": "demo/netshoot",
            "source_node": "k8s-w-1",
            "target": "harbor/harbor-core-7d9f8b6c5d-q2x7m",
            "target_ip": "10.244.3.4",
            "target_node": "k8s-w-3",
            "protocol": "icmp",
            "verdict": "fail",
        },
    ]
    doc["gaps"] = [{"source": "openstack.agents", "error": "403 Forbidden", "hint": "admin only"}]
    # one element in the arrays the collected state leaves empty, so every kind can grow
    helm = doc["helm"]
    for pvc in helm["pvcs"]:
        if pvc["name"].startswith("data-pg-"):
            pvc["owner_refs"] = ["StatefulSet/pg-postgresql"]
    for release in helm["releases"]:
        for sts in release["manifest_statefulsets"]:
            if not sts["claim_templates"]:
                sts["claim_volumes"] = [f"{sts['name']}-data"]
    return doc


def cilium_base(doc: Doc) -> Doc:
    """``doc`` with Cilium's cluster-pool IPAM instead of Calico: the pool, the per-node
    CiliumNode ranges (one node with a multi-pool range too) and the cluster CIDRs, so the
    arrays only a Cilium snapshot has can grow as well."""
    nodes = [n["name"] for n in doc["cluster"]["nodes"]]
    doc["cluster"]["cni"] = {
        "type": "cilium",
        "version": "v1.18.2",
        "cilium": {
            "routing_mode": "tunnel",
            "routing_key": "routing-mode",
            "tunnel_protocol": "vxlan",
            "mtu_auto": True,
            "wireguard": False,
            "ipam_mode": "cluster-pool",
            "cluster_pool_cidrs": ["10.244.0.0/16"],
            "cluster_pool_mask_size": 24,
            "nodes": [
                {
                    "name": name,
                    "pod_cidrs": [f"10.244.{i}.0/24"],
                    "pool_cidrs": [f"10.245.{i}.0/24"] if i == 0 else [],
                }
                for i, name in enumerate(nodes)
            ],
        },
    }
    doc["cluster"]["pod_cidrs_source"] = (
        "ConfigMap kube-system/cilium-config cluster-pool-ipv4-cidr"
    )
    doc["cluster"]["cluster_cidrs"] = ["10.244.0.0/16", "10.245.0.0/16"]
    return doc


def antrea_base(doc: Doc) -> Doc:
    """``doc`` with Antrea instead of Calico: AntreaProxy serving NodePorts (proxyAll) on the
    node subnet's addresses (antreaProxy.nodePortAddresses, one CIDR), and a Service of type
    LoadBalancer, so the arrays only an Antrea snapshot reads can grow as well."""
    doc["cluster"]["cni"] = {
        "type": "antrea",
        "version": "v2.6.3",
        "version_source": "image antrea/antrea-agent-ubuntu:v2.6.3",
        "antrea": {
            "traffic_encap_mode": "encap",
            "tunnel_type": "geneve",
            "tunnel_port": 6081,
            "traffic_encryption_mode": "none",
            "antrea_proxy": True,
            "proxy_all": True,
            "node_port_addresses": ["10.0.0.0/16"],
            "config_map": "antrea-config",
        },
    }
    doc["cluster"]["pod_cidrs_source"] = "Node spec.podCIDR"
    doc["cluster"].setdefault("services", []).append(
        {
            "namespace": "shop",
            "name": "web",
            "type": "LoadBalancer",
            "cluster_ip": "10.96.41.17",
            "ports": [
                {
                    "name": "http",
                    "port": 80,
                    "protocol": "TCP",
                    "target_port": 8080,
                    "node_port": 31080,
                }
            ],
            "endpoints": [
                {
                    "ip": "10.244.1.40",
                    "node": "k8s-w-1",
                    "pod": "shop/web-5d8f7c9b6-0",
                    "ready": True,
                    "ports": {"http": 8080},
                }
            ],
            "uid": "9d2b6f3e-54c1-4f0a-8a7e-2c1b9e6d4f10",
            "external_traffic_policy": "Cluster",
            "load_balancer_ingress": [{"ip": "203.0.113.50", "ip_mode": "VIP"}],
        }
    )
    return doc


# Objects keyed by a node's name (not arrays): grown by adding keys, as nodes are by adding
# records (a varied key is the varied node's name: "k8s-w-1-v7")
MAPS = frozenset({"felix_nodes", "node_labels", "node_as_numbers", "route_reflectors"})
MAP = "{}"  # the last part of a map's pattern


def array_patterns(doc: Any, prefix: Pattern = ()) -> list[Pattern]:
    """Every array in ``doc`` as a pattern (`*` stands for any element of an array), and every
    non-empty map of MAPS (its pattern ends in MAP)."""
    out: list[Pattern] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in MAPS and isinstance(value, dict) and value:
                out.append((*prefix, key, MAP))
            out.extend(array_patterns(value, (*prefix, key)))
    elif isinstance(doc, list):
        out.append(prefix)
        seen: set[Pattern] = set()
        for item in doc:
            for sub in array_patterns(item, (*prefix, "*")):
                if sub not in seen:
                    seen.add(sub)
                    out.append(sub)
    return out


# --------------------------------------------------------------------------- growing


def _shift_ip(text: str, i: int) -> str | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 4:
        value = int(ip)
        return str(ipaddress.IPv4Address((value & 0xFFFF0000) | ((value + i) & 0xFFFF)))
    value = int(ip)
    return str(ipaddress.IPv6Address((value & ~0xFFFFFFFF) | ((value + i) & 0xFFFFFFFF)))


def _shift_cidr(text: str, i: int) -> str | None:
    if "/" not in text:
        return None
    try:
        net = ipaddress.ip_network(text)
    except ValueError:
        return None
    bits = 32 if net.version == 4 else 128
    keep = 8 if net.version == 4 else 32  # stay inside the first /8 (/32 for IPv6)
    if net.prefixlen <= keep:
        return text
    size = 1 << (bits - net.prefixlen)
    span = 1 << (bits - keep)
    low = int(net.network_address) - (int(net.network_address) >> (bits - keep) << (bits - keep))
    high = int(net.network_address) - low
    moved = high + (low + i * size) % span
    return str(ipaddress.ip_network((moved, net.prefixlen)))


def _shift_mac(text: str, i: int) -> str | None:
    parts = text.split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        return None
    try:
        base = int("".join(parts), 16)
    except ValueError:
        return None
    value = (base & 0xFFFFFF000000) | ((base + i) & 0xFFFFFF)
    digits = f"{value:012x}"
    return ":".join(digits[k : k + 2] for k in range(0, 12, 2))


def vary(item: Any, i: int, key: str = "") -> Any:
    """A copy of ``item`` that is record number ``i``: unique ids and names, shifted addresses."""
    if isinstance(item, dict):
        return {k: vary(v, i, k) for k, v in item.items()}
    if isinstance(item, list):
        return [vary(v, i, key) for v in item]
    if isinstance(item, str):
        for shift in (_shift_cidr, _shift_ip, _shift_mac):
            moved = shift(item, i)
            if moved is not None:
                return moved
        if key in IDENTITY_KEYS:
            return f"{item}-v{i}"
    return copy.deepcopy(item)


def _resolve(doc: Any, pattern: Pattern, rng: random.Random) -> Any:
    """The array at ``pattern``; for `*`, a random element under which the rest is non-empty."""
    if not pattern:
        return doc
    part, rest = pattern[0], pattern[1:]
    if part == "*":
        if not isinstance(doc, list) or not doc:
            return None
        found = [t for item in doc if isinstance(t := _resolve(item, rest, rng), list) and t]
        return found[rng.randrange(len(found))] if found else None
    if isinstance(doc, dict) and part in doc:
        return _resolve(doc[part], rest, rng)
    return None


def grow(doc: Doc, pattern: Pattern, n: int, mode: str, rng: random.Random) -> bool:
    """Make the array at ``pattern`` ``n`` long (see the module docstring); False if absent.

    A map (pattern ending in MAP) gets new keys: `dup` copies a value as it is, `vary` varies
    it too (a key is never repeated: JSON objects hold each once)."""
    if pattern and pattern[-1] == MAP:
        found = _resolve(doc, pattern[:-1], rng)
        if not isinstance(found, dict) or not found:
            return False
        entries = list(found.items())
        for i in range(len(entries), n):
            key, value = entries[rng.randrange(len(entries))]
            how = mode if mode != "mixed" else rng.choice(("dup", "vary"))
            found[f"{key}-v{i}"] = copy.deepcopy(value) if how == "dup" else vary(value, i)
        return True
    target = _resolve(doc, pattern, rng)
    if not isinstance(target, list) or not target:
        return False
    originals = list(target)
    start = len(target)
    for i in range(start, n):
        source = originals[rng.randrange(len(originals))]
        how = mode if mode != "mixed" else rng.choice(("dup", "vary"))
        target.append(copy.deepcopy(source) if how == "dup" else vary(source, i))
    return True


# --------------------------------------------------------------------------- running


@dataclass
class Measured:
    """What one run of everything cost and produced."""

    input_bytes: int
    records: int
    rejected: str = ""
    cpu_s: float = 0.0
    outputs: dict[str, int] = field(default_factory=dict)
    findings: int = 0
    actions: int = 0
    peak_bytes: int | None = None

    @property
    def output_bytes(self) -> int:
        return sum(self.outputs.values())


def count_records(doc: Any) -> int:
    """Objects and array items in ``doc`` (what "input size" counts besides bytes)."""
    if isinstance(doc, dict):
        return 1 + sum(count_records(v) for v in doc.values())
    if isinstance(doc, list):
        return len(doc) + sum(count_records(v) for v in doc)
    return 0


def run_everything(
    text: str, *, trace_memory: bool = False, records: int = 0, lang: str = "en"
) -> Measured:
    """Load ``text`` and run diagnose, fix plan, report and release check on it (in-process).

    Text outputs are rendered in ``lang`` (verbose, so every finding is shown).
    """
    from kostack.analyze.diagnose import diagnose
    from kostack.analyze.release_checks import check_releases
    from kostack.plan.build import build_plan
    from kostack.plan.codec import plan_to_dict
    from kostack.report.ci_formats import junit, sarif
    from kostack.report.fixplan import render_plan, render_script
    from kostack.report.html import render_html
    from kostack.report.incident import build_incident
    from kostack.report.jsonout import diagnosis_dict, dumps
    from kostack.report.markdown import render_markdown
    from kostack.report.release_text import release_check_dict, render_release_check
    from kostack.report.text import render_diagnosis

    measured = Measured(len(text.encode()), records)
    if trace_memory:
        tracemalloc.start()
    start = time.process_time()
    try:
        try:
            snapshot = loads_snapshot(text)
        except SnapshotFormatError as err:
            assert err.what and (err.path.startswith("$") or err.path.startswith("line"))
            measured.rejected = f"{err.what} ({err.path})"
            return measured
        d = diagnose(snapshot)
        out = measured.outputs
        out["diagnose.text"] = len(render_diagnosis(d, lang, True))
        out["diagnose.json"] = len(dumps(diagnosis_dict(d, "test")))
        out["diagnose.junit"] = len(junit(d, "test"))
        out["diagnose.sarif"] = len(sarif(d, "test"))
        measured.findings = len(d.findings)
        plan = build_plan(snapshot, diagnosis=d)
        measured.actions = len(plan.actions)
        out["plan.json"] = len(dumps(plan_to_dict(plan, "test")))
        out["plan.text"] = len(render_plan(plan, verbose=True))
        out["plan.script"] = len(render_script(plan, "test"))
        incident = build_incident(snapshot, d, (), lang, None)
        out["report.md"] = len(render_markdown(incident, "test"))
        out["report.html"] = len(render_html(incident, "test"))
        releases = check_releases(snapshot, d)
        out["release.text"] = len(
            render_release_check(releases, name=None, namespace=None, lang=lang, verbose=True)
        )
        out["release.json"] = len(
            dumps(release_check_dict(releases, "test", name=None, namespace=None))
        )
        return measured
    finally:
        measured.cpu_s = time.process_time() - start
        if trace_memory:
            measured.peak_bytes = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


def _probe(argv: list[str]) -> None:
    """Print how each array's cost grows from n=small to n=big (by hand, not in CI)."""
    import subprocess
    import sys

    small, big = int(argv[0]), int(argv[1])
    only = argv[2] if len(argv) > 2 else ""
    base = helm_base()
    Path("/tmp/kostack-bounds-base.json").write_text(json.dumps(base))
    for pattern in array_patterns(base):
        name = ".".join(pattern)
        if only and only not in name:
            continue
        for mode in ("dup", "vary"):
            row = []
            for n in (small, big):
                code = (
                    "import json,sys,random;sys.path.insert(0,'tests/foundation');"
                    "import bounds_support as b;"
                    "d=json.load(open('/tmp/kostack-bounds-base.json'));"
                    f"ok=b.grow(d,{pattern!r},{n},{mode!r},random.Random(1));"
                    "t=json.dumps(d);m=b.run_everything(t);"
                    "print(json.dumps([ok,m.input_bytes,m.cpu_s,m.output_bytes,m.findings,m.rejected[:80]]))"
                )
                try:
                    res = subprocess.run(
                        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
                    )
                    row.append(
                        json.loads(res.stdout.strip().splitlines()[-1])
                        if res.returncode == 0
                        else ["ERR", res.stderr[-300:]]
                    )
                except subprocess.TimeoutExpired:
                    row.append(["TIMEOUT"])
            print(name, mode, json.dumps(row), flush=True)


if __name__ == "__main__":
    import sys

    _probe(sys.argv[1:])
