"""The snapshot format: validation with JSON paths, consistency, round trips."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kostack.model import (
    SCHEMA_VERSION,
    SnapshotFormatError,
    dump_snapshot,
    load_snapshot,
    loads_snapshot,
    parse_snapshot,
)
from kostack_testkit.antrea import ANTREA_EXAMPLES, antrea_example_doc
from kostack_testkit.builders import EXAMPLES, build, example_doc, seed_doc
from kostack_testkit.dualstack import DUALSTACK_EXAMPLES, dualstack_example_doc
from kostack_testkit.kuberouter import KUBE_ROUTER_EXAMPLES, kube_router_example_doc
from kostack_testkit.lb_fixtures import LB_EXAMPLES, lb_example_doc
from kostack_testkit.multipool import MULTIPOOL_EXAMPLES, multipool_example_doc
from kostack_testkit.reflectors import REFLECTOR_EXAMPLES, reflector_example_doc

ROOT = Path(__file__).resolve().parents[2]


def test_seed_round_trips_through_json() -> None:
    snap = parse_snapshot(seed_doc())
    again = loads_snapshot(dump_snapshot(snap))
    assert again == snap
    assert str(again.openstack.ports[0].fixed_ips[0].ip_address) == "10.0.0.11"


@pytest.mark.parametrize(
    "name",
    sorted(
        [
            *EXAMPLES,
            *LB_EXAMPLES,
            *DUALSTACK_EXAMPLES,
            *MULTIPOOL_EXAMPLES,
            *KUBE_ROUTER_EXAMPLES,
            *ANTREA_EXAMPLES,
            *REFLECTOR_EXAMPLES,
        ]
    ),
)
def test_bundled_examples_are_in_sync_with_the_builders(name: str) -> None:
    if name in ANTREA_EXAMPLES:
        on_disk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
        assert on_disk == json.loads(json.dumps(antrea_example_doc(name))), (
            "run scripts/make_examples.py"
        )
        return
    if name in KUBE_ROUTER_EXAMPLES:
        on_disk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
        assert on_disk == json.loads(json.dumps(kube_router_example_doc(name))), (
            "run scripts/make_examples.py"
        )
        return
    if name in REFLECTOR_EXAMPLES:
        on_disk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
        assert on_disk == json.loads(json.dumps(reflector_example_doc(name))), (
            "run scripts/make_examples.py"
        )
        return
    if name in MULTIPOOL_EXAMPLES:
        on_disk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
        assert on_disk == json.loads(json.dumps(multipool_example_doc(name))), (
            "run scripts/make_examples.py"
        )
        return
    if name in DUALSTACK_EXAMPLES:
        on_disk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
        assert on_disk == json.loads(json.dumps(dualstack_example_doc(name))), (
            "run scripts/make_examples.py"
        )
        assert load_snapshot(ROOT / "examples" / f"{name}.json").schema_version == 3
        return
    if name in LB_EXAMPLES:
        on_disk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
        assert on_disk == json.loads(json.dumps(lb_example_doc(name))), (
            "run scripts/make_examples.py"
        )
        load_snapshot(ROOT / "examples" / f"{name}.json")
        return
    on_disk = json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(example_doc(name))), "run scripts/make_examples.py"
    load_snapshot(ROOT / "examples" / f"{name}.json")


def _error(doc: object) -> SnapshotFormatError:
    with pytest.raises(SnapshotFormatError) as info:
        parse_snapshot(doc)
    return info.value


def test_bad_ip_names_its_json_path() -> None:
    doc = seed_doc()
    doc["openstack"]["ports"][2]["fixed_ips"][0]["ip_address"] = "10.0.0.300"
    err = _error(doc)
    assert err.path == "$.openstack.ports[2].fixed_ips[0].ip_address"
    assert "10.0.0.300" in err.what


def test_missing_field_and_unknown_field() -> None:
    doc = seed_doc()
    del doc["openstack"]["ports"][0]["mac_address"]
    err = _error(doc)
    assert err.path == "$.openstack.ports[0].mac_address" and "missing" in err.what
    doc = seed_doc()
    doc["cluster"]["nodes"][1]["colour"] = "blue"
    err = _error(doc)
    assert err.path == "$.cluster.nodes[1].colour" and "unknown field" in err.what


def test_cidr_with_host_bits_is_rejected() -> None:
    doc = seed_doc()
    doc["openstack"]["ports"][0]["allowed_address_pairs"] = [{"ip_address": "10.244.0.1/16"}]
    err = _error(doc)
    assert err.path == "$.openstack.ports[0].allowed_address_pairs[0].ip_address"


def test_wrong_schema_version() -> None:
    for version in (7, 0, "2", True, None):
        doc = seed_doc()
        doc["schema_version"] = version
        err = _error(doc)
        assert err.path == "$.schema_version" and "kostack collect" in err.hint
        if type(version) is int:
            assert "reads 1, 2, 3" in err.what
        else:  # "2", true, null: the wrong type, said as such (not "unsupported '2'")
            assert err.what.startswith("expected a whole number, got ")


V3_FIELDS: dict[str, tuple[str, ...]] = {
    "subnets": ("ip_version", "ipv6_ra_mode", "ipv6_address_mode", "enable_dhcp"),
    "pods": ("ips",),
    "services": ("cluster_ips", "ip_families", "ip_family_policy"),
}


def _as_version_2(doc: dict[str, Any]) -> dict[str, Any]:
    """A document as kostack wrote it with schema_version 2: none of version 3's fields."""
    v2 = copy.deepcopy(doc)
    v2["schema_version"] = 2
    for where, key in (("openstack", "subnets"), ("cluster", "pods"), ("cluster", "services")):
        for item in (v2.get(where) or {}).get(key) or ():
            for field in V3_FIELDS[key]:
                item.pop(field, None)
    for cni_key, fields in (
        ("flannel", ("enable_ipv4", "enable_ipv6", "ipv6_network", "ipv6_subnet_len")),
        ("cilium", ("native_routing_cidr_v6", "enable_ipv4", "enable_ipv6", "underlay_protocol")),
    ):
        for field in fields:
            (v2["cluster"]["cni"].get(cni_key) or {}).pop(field, None)
    return v2


def _as_version_1(doc: dict[str, Any]) -> dict[str, Any]:
    """A document as kostack wrote it with schema_version 1: none of version 2's fields."""
    v1 = _as_version_2(doc)
    v1["schema_version"] = 1
    cluster = v1["cluster"]
    for key in ("pod_cidrs_source", "cluster_cidrs"):
        cluster.pop(key, None)
    cni = cluster["cni"]
    cni.pop("version", None)
    cni.pop("version_source", None)
    for key in (
        "mtu_auto",
        "nat_outgoing_exclusions",
        "program_cluster_routes",
        "feature_detect_override",
    ):
        cni["calico"].pop(key, None)
    return v1


def test_schema_version_1_is_read_and_upgraded() -> None:
    v1 = _as_version_1(seed_doc())
    before = copy.deepcopy(v1)
    snapshot = parse_snapshot(v1)
    assert v1 == before  # the caller's document is not edited
    assert snapshot.schema_version == SCHEMA_VERSION == 3
    cluster = snapshot.cluster
    assert cluster is not None
    # Kept as it was, and marked as coming from a version-1 snapshot.
    assert [str(c) for c in cluster.pod_cidrs or ()] == ["10.244.0.0/16"]
    assert cluster.pod_cidrs_source == "schema_version 1 snapshot"
    # Version 2's fields read as "not collected".
    assert cluster.cluster_cidrs is None
    assert (cluster.cni.version, cluster.cni.version_source) == (None, None)
    calico = cluster.cni.calico
    assert calico is not None and calico.mtu == 1400
    assert (calico.mtu_auto, calico.nat_outgoing_exclusions) == (None, None)
    # Written back, it is a current document that reads the same.
    again = loads_snapshot(dump_snapshot(snapshot))
    assert again == snapshot and json.loads(dump_snapshot(again))["schema_version"] == 3


def test_schema_version_2_is_read_as_single_stack() -> None:
    """A version-2 snapshot has no per-family lists: each subnet's family is its CIDR's, a
    pod's and a service's one address is their list of one, and it reads like the current."""
    current = build(seed_doc())
    v2 = _as_version_2(json.loads(dump_snapshot(current)))
    assert (
        "ips" not in v2["cluster"]["pods"][0] and "ip_version" not in v2["openstack"]["subnets"][0]
    )
    before = copy.deepcopy(v2)
    snapshot = parse_snapshot(v2)
    assert v2 == before
    assert snapshot == current
    assert snapshot.openstack is not None and snapshot.cluster is not None
    assert {sn.ip_version for sn in snapshot.openstack.subnets or ()} == {4}
    pods = [p for p in snapshot.cluster.pods or () if p.ip is not None]
    assert pods and all(p.ips == (p.ip,) for p in pods)
    services = [s for s in snapshot.cluster.services or () if s.cluster_ip is not None]
    assert services and all(s.cluster_ips == (s.cluster_ip,) for s in services)


def test_a_v6_subnet_in_a_v2_document_is_ipv6() -> None:
    doc = _as_version_2(json.loads(dump_snapshot(build(seed_doc()))))
    net = doc["openstack"]["subnets"][0]["network_id"]
    doc["openstack"]["subnets"].append({"id": "v6", "network_id": net, "cidr": "fd00:1::/64"})
    snapshot = parse_snapshot(doc)
    assert snapshot.openstack is not None and snapshot.openstack.subnets is not None
    assert snapshot.openstack.subnets[-1].ip_version == 6


@pytest.mark.parametrize(
    ("edit", "path", "words"),
    [
        (
            lambda d: d["openstack"]["subnets"][0].update(ip_version=6),
            "$.openstack.subnets[0]",
            "ip_version 6",
        ),
        (
            lambda d: d["openstack"]["subnets"][0].update(ipv6_ra_mode="slaac"),
            "$.openstack.subnets[0]",
            "IPv4 subnet",
        ),
        (
            lambda d: d["cluster"]["pods"][0].update(ips=["fd00:10:244::5", "10.244.9.9"]),
            "$.cluster.pods[0]",
            "not the primary",
        ),
        (
            lambda d: d["cluster"]["pods"][0].update(ip=None, ips=["10.244.9.8", "10.244.9.9"]),
            "$.cluster.pods[0]",
            "one address per family",
        ),
        (
            lambda d: d["cluster"]["services"][0].update(
                cluster_ips=[d["cluster"]["services"][0]["cluster_ip"], "10.96.9.9"]
            ),
            "$.cluster.services[0]",
            "one address per family",
        ),
    ],
)
def test_dual_stack_fields_are_checked(edit: Any, path: str, words: str) -> None:
    doc = json.loads(dump_snapshot(build(seed_doc())))
    edit(doc)
    err = _error(doc)
    assert err.path == path and words in err.what


def test_version_1_snapshot_diagnoses_like_version_2() -> None:
    from kostack.analyze.diagnose import diagnose

    v2 = diagnose(build(seed_doc()))
    v1 = diagnose(parse_snapshot(_as_version_1(seed_doc())))
    assert [rc.key for rc in v1.root_causes] == [rc.key for rc in v2.root_causes] == ["antispoof"]
    assert {(f.check_id, f.status) for f in v1.findings} == {
        (f.check_id, f.status) for f in v2.findings
    }


def test_upgrade_steps_are_chained() -> None:
    """Each UPGRADES entry moves a document one version up; together they reach the current one."""
    from kostack.model.load import UPGRADES, upgrade

    assert sorted(UPGRADES) == list(range(1, SCHEMA_VERSION))
    assert upgrade({"schema_version": 1})["schema_version"] == SCHEMA_VERSION


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (
            lambda d: d["openstack"]["ports"].append(copy.deepcopy(d["openstack"]["ports"][0])),
            "$.openstack.ports[4].id",
        ),
        (
            lambda d: d["openstack"]["ports"][1].update(network_id="nope"),
            "$.openstack.ports[1].network_id",
        ),
        (
            lambda d: d["openstack"]["subnets"][0].update(network_id="nope"),
            "$.openstack.subnets[0].network_id",
        ),
        (
            lambda d: d["openstack"]["ports"][1]["fixed_ips"][0].update(ip_address="192.168.1.1"),
            "$.openstack.ports[1].fixed_ips[0].ip_address",
        ),
        (lambda d: d["cluster"]["pods"][0].update(node="ghost"), "$.cluster.pods[0].node"),
        (lambda d: d["node_ports"][0].update(port_id="ghost"), "$.node_ports[0].port_id"),
        (lambda d: d["node_ports"][0].update(node="ghost"), "$.node_ports[0].node"),
        (
            lambda d: d["cluster"]["nodes"].append(copy.deepcopy(d["cluster"]["nodes"][0])),
            "$.cluster.nodes[4].name",
        ),
    ],
)
def test_inconsistent_snapshots_name_the_offending_path(edit, path: str) -> None:  # type: ignore[no-untyped-def]
    doc = seed_doc()
    edit(doc)
    assert _error(doc).path == path


def test_not_json_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 1,\n "openstack": }')
    with pytest.raises(SnapshotFormatError) as info:
        load_snapshot(bad)
    assert info.value.path == "line 2 column 15"
    with pytest.raises(SnapshotFormatError) as info:
        load_snapshot(tmp_path / "nope.json")
    assert "no such file" in info.value.what


def test_null_collections_mean_not_collected() -> None:
    doc = seed_doc()
    doc["openstack"]["security_groups"] = None
    snap = parse_snapshot(doc)
    assert snap.openstack is not None and snap.openstack.security_groups is None


def test_published_json_schema_is_in_sync() -> None:
    from kostack.model import Snapshot

    on_disk = json.loads((ROOT / "docs" / "snapshot.schema.json").read_text(encoding="utf-8"))
    assert on_disk == Snapshot.model_json_schema(), "run scripts/make_examples.py"


def test_lists_that_are_sets_keep_each_value_once() -> None:
    doc = seed_doc()
    cl, os_ = doc["cluster"], doc["openstack"]
    cl["pod_cidrs"] = ["10.244.0.0/16", "10.244.0.0/16"]
    cl["nodes"][0]["pod_cidrs"] *= 3
    cl["services"][1]["endpoints"] *= 2
    os_["ports"][0]["security_group_ids"] *= 2
    os_["ports"][0]["allowed_address_pairs"] = [{"ip_address": "10.244.0.0/16"}] * 3
    os_["routers"][0]["routes"] *= 2
    snap = parse_snapshot(doc)
    assert [str(c) for c in snap.cluster.pod_cidrs] == ["10.244.0.0/16"]
    assert len(snap.cluster.nodes[0].pod_cidrs) == 1
    assert len(snap.cluster.services[1].endpoints) == 2
    assert len(snap.openstack.ports[0].security_group_ids) == 2
    assert len(snap.openstack.ports[0].allowed_address_pairs) == 1
    assert len(snap.openstack.routers[0].routes) == 4


def test_a_repeated_service_or_rule_id_is_refused() -> None:
    doc = seed_doc()
    doc["cluster"]["services"].append(copy.deepcopy(doc["cluster"]["services"][1]))
    err = _error(doc)
    assert err.what == "duplicate service 'kube-system/kube-dns' (first at $.cluster.services[1])"
    assert err.path == "$.cluster.services[2].name"
    doc = seed_doc()
    groups = doc["openstack"]["security_groups"]
    rule = copy.deepcopy(groups[0]["rules"][0])
    rule["port_range_min"] = rule["port_range_max"] = 22  # same id, another rule
    groups[1]["rules"].append(rule)
    err = _error(doc)
    assert err.what.startswith("duplicate security group rule id ")
    assert err.what.endswith("(first at $.openstack.security_groups[0].rules[0])")
    assert err.path == f"$.openstack.security_groups[1].rules[{len(groups[1]['rules']) - 1}].id"


@pytest.mark.parametrize("bad", [True, 7, "x", {"a": 1}, None])
def test_the_version_2_upgrade_leaves_malformed_lists_to_validation(bad: object) -> None:
    doc = _as_version_2(json.loads(dump_snapshot(build(seed_doc()))))
    doc["openstack"]["subnets"] = bad
    doc["cluster"]["pods"] = bad
    if bad is None:
        parse_snapshot(doc)  # null: not collected, reads
        return
    err = _error(doc)
    assert err.path.startswith(("$.openstack.subnets", "$.cluster.pods"))


def test_the_fast_ipv4_parser_takes_exactly_what_ipaddress_takes() -> None:
    """_parse_ip reads dotted-quad IPv4 itself (faster than ipaddress): it must accept and
    refuse the same texts as ipaddress, leading zeros, short forms and odd digits included."""
    import ipaddress
    import random

    from kostack.model.types import _parse_ip

    def reference(text: str) -> str:
        try:
            return str(ipaddress.ip_address(text.strip()))
        except ValueError:
            return "refused"

    def ours(text: str) -> str:
        try:
            return str(_parse_ip(text))
        except ValueError:
            return "refused"

    fixed = ["1.2.3.4", " 10.0.0.1\n", "01.2.3.4", "1.2.3", "256.1.1.1", "0x1.2.3.4", "١.٢.٣.٤"]
    fixed += ["1.2.3.4%eth0", "1.2.3.4/32", "1.2.3.4\x00", "", "::ffff:1.2.3.4", "fd00::1"]
    rng = random.Random(12)
    words = ["0", "1", "01", "00", "255", "256", "10", "99", "1000", "", "a", " 1", "+1", "-1"]
    fuzz = [".".join(rng.choices(words, k=rng.choice([3, 4, 4, 4, 5]))) for _ in range(20_000)]
    for text in [*fixed, *fuzz]:
        assert ours(text) == reference(text), repr(text)
