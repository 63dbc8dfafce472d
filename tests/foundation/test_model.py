"""The snapshot format: validation with JSON paths, consistency, round trips."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from kostack.model import (
    SnapshotFormatError,
    dump_snapshot,
    load_snapshot,
    loads_snapshot,
    parse_snapshot,
)
from kostack.testing.builders import EXAMPLES, example_doc, seed_doc

ROOT = Path(__file__).resolve().parents[2]


def test_seed_round_trips_through_json() -> None:
    snap = parse_snapshot(seed_doc())
    again = loads_snapshot(dump_snapshot(snap))
    assert again == snap
    assert str(again.openstack.ports[0].fixed_ips[0].ip_address) == "10.0.0.11"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_bundled_examples_are_in_sync_with_the_builders(name: str) -> None:
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
    doc = seed_doc()
    doc["schema_version"] = 7
    err = _error(doc)
    assert err.path == "$.schema_version" and "kostack collect" in err.hint


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
