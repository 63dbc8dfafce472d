"""The way in, without a cloud: matching, admission of source sets, providers, trace, plan."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kostack.analyze.checks import lb_ovn_limits
from kostack.analyze.diagnose import diagnose
from kostack.analyze.loadbalancer.admission import Coverage, admission
from kostack.analyze.loadbalancer.analysis import LBAnalysis
from kostack.analyze.messages import localize
from kostack.analyze.topology import Topology
from kostack.model import dump_snapshot
from kostack.plan.build import build_plan
from kostack_testkit.builders import SG_NODES, build, group, rule
from kostack_testkit.cli import run_cli
from kostack_testkit.lb_fixtures import (
    LB_ID,
    LB_NAME,
    SERVICE_UID,
    amphora_healthy,
    amphora_nodeport_blocked,
    lb_doc,
    load_balancer,
    nodeport_rule,
    ovn_node_subnet_only,
    service,
)
from kostack_testkit.lb_scale import copies

Doc = dict[str, Any]


def _index(doc: Doc) -> Any:
    return LBAnalysis(Topology(build(doc))).index


def _matched(doc: Doc) -> tuple[str | None, str, str]:
    (bs,) = _index(doc).services
    return (bs.lb.id if bs.lb else None, bs.matched_by, str(bs.note))


# --------------------------------------------------------------------------- matching


def _renamed(doc: Doc, name: str, **extra: Any) -> Doc:
    lb = doc["openstack"]["load_balancers"][0]
    lb.update({"name": name, "tags": [], "description": "", **extra})
    return doc


def _no_annotation(doc: Doc) -> Doc:
    for svc in doc["cluster"]["services"]:
        svc.get("annotations", {}).pop("loadbalancer.openstack.org/load-balancer-id", None)
    return doc


def test_the_annotation_wins_and_a_dangling_one_is_said() -> None:
    assert _matched(amphora_healthy())[:2] == (LB_ID, "annotation")
    doc = amphora_healthy()
    doc["cluster"]["services"][-1]["annotations"]["loadbalancer.openstack.org/load-balancer-id"] = (
        "gone"
    )
    lb_id, how, note = _matched(doc)
    assert (lb_id, how) == (LB_ID, "name") and "names no load balancer" in note


def test_name_tag_legacy_and_description() -> None:
    assert _matched(_no_annotation(amphora_healthy()))[:2] == (LB_ID, "name")
    tagged = _renamed(_no_annotation(amphora_healthy()), "renamed-by-hand")
    tagged["openstack"]["load_balancers"][0]["tags"] = [LB_NAME]
    assert _matched(tagged)[:2] == (LB_ID, "name")
    legacy = _renamed(_no_annotation(amphora_healthy()), ("a" + SERVICE_UID.replace("-", ""))[:32])
    assert _matched(legacy)[:2] == (LB_ID, "legacy-name")
    described = _renamed(
        _no_annotation(amphora_healthy()),
        "x",
        description="Kubernetes external service shop/web from cluster c9",
    )
    assert _matched(described)[:2] == (LB_ID, "description")
    nothing = _renamed(_no_annotation(amphora_healthy()), "unrelated")
    assert _matched(nothing)[:2] == (None, "")


def test_two_clusters_in_one_project_are_told_apart_by_the_cluster_name() -> None:
    doc = _no_annotation(amphora_healthy())
    other = json.loads(json.dumps(doc["openstack"]["load_balancers"][0]))
    other.update(id="other-lb", name="kube_service_staging_shop_web", tags=[])
    doc["openstack"]["load_balancers"].append(other)
    assert _matched(doc)[:2] == (LB_ID, "name")  # the cluster is "kubernetes"
    doc["cluster"]["name"] = "prod"  # neither is prod's own name: ambiguous, said
    assert _matched(doc)[:2] == (LB_ID, "name")  # OCCM's default cluster name still decides


def test_a_name_cut_at_255_characters_still_matches() -> None:
    doc = _no_annotation(amphora_healthy())
    long_ns = "n" * 63
    doc["cluster"]["services"][-1]["namespace"] = long_ns
    for pod in doc["cluster"]["pods"]:
        if pod["namespace"] == "shop":
            pod["namespace"] = long_ns
    full = f"kube_service_{'c' * 200}_{long_ns}_web"
    doc["cluster"]["name"] = "c" * 200
    _renamed(doc, full[:255])
    assert _matched(doc)[:2] == (LB_ID, "name")


# --------------------------------------------------------------------------- admission


def _port_and_topo(rules: list[Doc]) -> tuple[Any, Topology]:
    doc = amphora_healthy()
    group(doc, "k8s-nodes")["rules"] = [rule(SG_NODES, "egress"), *rules]
    for port in doc["openstack"]["ports"]:
        if port["device_owner"] == "compute:nova":
            port["security_group_ids"] = [SG_NODES]
    topo = Topology(build(doc))
    return topo.node_views["k8s-w-1"].port, topo


def _net(text: str) -> Any:
    return ipaddress.ip_network(text)


@pytest.mark.parametrize(
    ("rules", "sources", "expected"),
    [
        ([nodeport_rule("10.0.0.0/24")], ["10.0.0.0/24"], Coverage.ALL),
        ([nodeport_rule("10.0.0.0/25")], ["10.0.0.0/24"], Coverage.SOME),
        ([nodeport_rule("10.0.0.0/24")], ["0.0.0.0/0"], Coverage.SOME),
        ([nodeport_rule("10.0.0.0/24")], ["198.51.100.7/32"], Coverage.NONE),
        ([rule(SG_NODES, "ingress", "tcp", 31080)], ["0.0.0.0/0"], Coverage.ALL),
        ([rule(SG_NODES, "ingress", "udp", 31080)], ["0.0.0.0/0"], Coverage.NONE),
        ([nodeport_rule("0.0.0.0/1"), nodeport_rule("128.0.0.0/1")], ["0.0.0.0/0"], Coverage.ALL),
        ([rule(SG_NODES, "ingress", "tcp", 31080, group=SG_NODES)], ["10.0.0.0/24"], Coverage.NONE),
        ([rule(SG_NODES, "ingress", "tcp", 31080, group=SG_NODES)], ["10.0.0.13/32"], Coverage.ALL),
    ],
)
def test_admission_of_a_source_set(
    rules: list[Doc], sources: list[str], expected: Coverage
) -> None:
    port, topo = _port_and_topo(rules)
    got = admission(topo, port, [_net(s) for s in sources], "tcp", 31080)
    assert got.coverage == expected, got


def test_an_address_group_rule_is_undecided_and_port_security_off_filters_nothing() -> None:
    ag = rule(SG_NODES, "ingress", "tcp", 31080)
    ag["remote_address_group_id"] = "ag-1"
    port, topo = _port_and_topo([ag])
    assert admission(topo, port, [_net("10.0.0.0/24")], "tcp", 31080).coverage == Coverage.UNKNOWN
    off = port.model_copy(update={"port_security_enabled": False})
    assert admission(topo, off, [_net("0.0.0.0/0")], "tcp", 31080).coverage == Coverage.NO_FILTER


# --------------------------------------------------------------------------- providers


def _provider(name: str, rules: list[Doc]) -> Doc:
    return lb_doc(provider=name, rules=rules, lb=load_balancer(provider=name))


def test_an_unknown_provider_is_decided_only_where_both_behaviours_agree() -> None:
    statuses = {
        f.status
        for f in diagnose(build(_provider("vendor-x", [nodeport_rule("0.0.0.0/0")]))).findings
        if f.check_id == "lb-nodeport-source"
    }
    assert statuses == {"pass"}
    differ = diagnose(build(_provider("vendor-x", [nodeport_rule("10.0.0.0/24")])))
    findings = [f for f in differ.findings if f.check_id == "lb-nodeport-source"]
    assert [f.status for f in findings] == ["unknown"]
    assert "depends on the provider's source" in findings[0].message


def test_ovn_monitor_source_is_its_health_check_port() -> None:
    doc = ovn_node_subnet_only()
    d = diagnose(build(doc))
    (finding,) = [f for f in d.findings if f.check_id == "lb-nodeport-source"]
    assert "anywhere" in finding.message  # clients, not the monitor, are cut off
    (members,) = [f for f in d.findings if f.check_id == "lb-members-down"]
    assert members.status == "pass"


# --------------------------------------------------------------------------- trace, i18n, plan


_cli = run_cli


def _snapshot_file(tmp_path: Path, make: Callable[[], Doc]) -> str:
    path = tmp_path / "snap.json"
    path.write_text(dump_snapshot(build(make())))
    return str(path)


def test_trace_from_any_client_and_to_the_floating_ip(tmp_path: Path) -> None:
    snap = _snapshot_file(tmp_path, amphora_nodeport_blocked)
    code, out = _cli("trace", "--snapshot", snap, "client", "ip:203.0.113.50:80/tcp")
    assert code == 1
    assert "amphora ends the client connection" in out and "DENIED" in out
    code, ko = _cli("trace", "--snapshot", snap, "--lang", "ko", "client", "svc:shop/web:80/tcp")
    assert code == 1 and "amphora가 클라이언트 연결을 끝내고" in ko and "차단됨" in ko
    code, out = _cli("trace", "--snapshot", snap, "pod:demo/netshoot", "svc:shop/web:80/tcp")
    assert (
        "kube-proxy" in out and "floating IP" not in out
    )  # inside the cluster: the ClusterIP path
    code, out = _cli("trace", "--snapshot", snap, "client", "svc:kube-system/kube-dns:53/udp")
    assert code == 2 and "needs a Service of type LoadBalancer" in out


def test_an_endpoint_without_a_pod_name_is_called_a_pod_in_the_readers_language(
    tmp_path: Path,
) -> None:
    """The member's forward to an endpoint the snapshot names no pod (nor node) for."""

    def make() -> Doc:
        doc = lb_doc(
            rules=[nodeport_rule("10.0.0.0/24")],
            lb=load_balancer(),
            svc=service(endpoints_on=("k8s-w-1",)),
        )
        for ep in doc["cluster"]["services"][-1]["endpoints"]:
            ep.update(pod=None, node=None)
        return doc

    snap = _snapshot_file(tmp_path, make)
    _, out = _cli("trace", "--snapshot", snap, "client", "svc:shop/web:80/tcp")
    assert "the node of pod 10.244.1.40 is not known" in out
    _, ko = _cli("trace", "--snapshot", snap, "--lang", "ko", "client", "svc:shop/web:80/tcp")
    assert "Pod 10.244.1.40이 있는 노드를 알 수 없습니다" in ko and "pod 10.244.1.40" not in ko


def test_korean_diagnosis_of_every_lb_example_has_no_english_sentences() -> None:
    for make in (amphora_nodeport_blocked, ovn_node_subnet_only):
        d = diagnose(build(make()))
        for f in d.findings:
            if f.check_id.startswith("lb-"):
                text = localize(f.message, "ko")
                assert any("\uac00" <= ch <= "\ud7a3" for ch in text), text


def test_plan_for_ovn_opens_the_one_nodeport_to_the_world_and_says_how_to_narrow_it() -> None:
    plan = build_plan(build(ovn_node_subnet_only()))
    (action,) = plan.actions
    assert action.rule is not None
    assert (
        action.rule.remote_ip_prefix,
        action.rule.port_range_min,
        action.rule.port_range_max,
    ) == (
        "0.0.0.0/0",
        31080,
        31080,
    )
    assert any("loadBalancerSourceRanges" in n for n in action.notes)
    assert [r.key for r in plan.verification.after] == []


def test_plan_with_source_ranges_opens_only_those() -> None:
    doc = lb_doc(
        provider="ovn",
        rules=[nodeport_rule("10.0.0.0/24", (31080, 31080))],
        svc=service(ranges=["198.51.100.0/24", "192.0.2.0/28"]),
        lb=load_balancer(provider="ovn", read_members=False),
    )
    plan = build_plan(build(doc))
    prefixes = sorted(a.rule.remote_ip_prefix for a in plan.actions if a.rule is not None)
    assert prefixes == ["192.0.2.0/28", "198.51.100.0/24"]
    assert [r.key for r in plan.verification.after] == []


def test_plan_for_amphora_is_verified_clean_once_the_monitor_would_see_the_members() -> None:
    plan = build_plan(build(amphora_nodeport_blocked()))
    assert [a.rule.remote_ip_prefix for a in plan.actions if a.rule] == ["10.0.0.0/24"]
    assert [r.key for r in plan.verification.before] == ["lb-nodeport-blocked"]
    assert [r.key for r in plan.verification.after] == []


def test_ovn_source_ranges_enforced_nowhere_is_a_failure() -> None:
    doc = lb_doc(
        provider="ovn",
        rules=[nodeport_rule("0.0.0.0/0", (31080, 31080))],
        svc=service(ranges=["198.51.100.0/24"]),
        lb=load_balancer(provider="ovn", read_members=False),
    )
    (finding,) = [f for f in diagnose(build(doc)).findings if f.check_id == "lb-ovn-limits"]
    assert finding.status == "fail" and "enforced nowhere" in finding.message
    assert finding.cause == "lb-ovn-unsupported"


def _many(n: int) -> tuple[Doc, list[Doc], list[Doc]]:
    """``amphora_healthy`` with ``n`` Services, each with its own load balancer."""
    doc = amphora_healthy()
    lbs, services = copies(doc, n, own_node_ports=False)
    return doc, lbs, services


def test_many_services_and_hostile_names_stay_linear() -> None:
    """300 Services, each with its load balancer, and junk load balancers with OCCM-like names."""
    n = 300
    doc, lbs, services = _many(n)
    template_lb = doc["openstack"]["load_balancers"][0]
    junk = [
        {**json.loads(json.dumps(template_lb)), "id": f"junk-{k}", "name": name, "tags": [name]}
        for k, name in enumerate(
            [
                "kube_service_",
                "kube_service___",
                "kube_service_a_b",
                "kube_service_" + "x" * 300,
                "\u202e",
            ]
        )
    ]
    for k, lb in enumerate(junk):
        lb["name"] = lb["name"][:255]
        lb["tags"] = [t[:255] for t in lb["tags"]]
        for pool in lb["pools"]:
            pool["id"] = f"junk-pool-{k}"
            pool["members"] = []
            pool["member_ids"] = []
            pool["healthmonitor"] = None
        for listener in lb["listeners"]:
            listener["id"] = f"junk-li-{k}"
            listener["default_pool_id"] = f"junk-pool-{k}"
    doc["openstack"]["load_balancers"] = lbs + junk
    doc["openstack"]["floating_ips"] = []
    doc["cluster"]["services"] = doc["cluster"]["services"][:-1] + services
    index = _index(doc)
    assert len(index.services) == n
    assert all(bs.lb is not None and bs.lb.id == f"lb-{i}" for i, bs in enumerate(index.services))
    findings = [f for f in diagnose(build(doc)).findings if f.check_id.startswith("lb-")]
    assert (
        len(findings) <= 8 * n + 8
    )  # one finding per check (8 lb-*) and Service port, not per pair


def test_each_services_ports_and_provider_are_looked_up_not_searched() -> None:
    """Every lb-* check asks for each Service's ports (and lb-ovn-limits for the cluster's
    provider): a lookup, or thousands of Services cost their square."""
    n = 200
    doc, lbs, services = _many(n)
    doc["openstack"]["load_balancers"] = lbs
    doc["openstack"]["floating_ips"] = []
    doc["cluster"]["services"] = doc["cluster"]["services"][:-1] + services
    analysis = LBAnalysis(Topology(build(doc)))
    visited = 0

    class Counting(tuple):  # type: ignore[type-arg]
        def __iter__(self) -> Any:
            nonlocal visited
            visited += len(self)
            return super().__iter__()

    analysis.__dict__["ports"] = Counting(analysis.ports)
    analysis.index.services = Counting(analysis.index.services)  # type: ignore[assignment]
    for bs in analysis.index.services[:]:
        assert [pa.service for pa in analysis.ports_of(bs)] == [bs]
        assert lb_ovn_limits._provider(analysis, bs) == "amphora"
    assert visited <= 4 * n
