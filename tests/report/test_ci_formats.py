"""`kostack diagnose -o junit|sarif`: valid against the official schemas; --fail-on sets the exit.

The schemas are vendored in tests/data (see tests/data/README.md for where they
come from): SARIF 2.1.0 (rtm.5, JSON Schema draft-04) and JUnit `junit-10.xsd`
(the Jenkins xunit / Maven Surefire shape).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from typing import Any

import jsonschema
import pytest
import xmlschema
from report_testing import DATA, ROOT, SEED, SEED_PORTS, run

from kostack.analyze.checks import CHECKS
from kostack.analyze.diagnose import diagnose
from kostack.analyze.findings import Status
from kostack.model import load_snapshot
from kostack.report.ci_formats import junit, sarif
from kostack_testkit.builders import build, example_doc

EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.json"))


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads((DATA / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@cache
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(DATA / "junit-10.xsd"))


def sarif_errors(log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(log)]


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_validates_in_both_formats(name: str) -> None:
    d = diagnose(load_snapshot(ROOT / "examples" / f"{name}.json"))
    log = json.loads(sarif(d, "1.2.3"))
    assert sarif_errors(log) == []
    junit_schema().validate(junit(d, "1.2.3"))
    results = log["runs"][0]["results"]
    wanted = [f for f in d.findings if f.status in (Status.FAIL, Status.UNKNOWN)]
    assert len(results) == len(wanted)


def test_sarif_has_a_rule_per_check_and_a_result_per_failing_finding() -> None:
    d = diagnose(build(example_doc("seed-incident")))
    (run_,) = json.loads(sarif(d, "1.2.3"))["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in CHECKS]
    antispoof = rules[0]
    assert antispoof["shortDescription"]["text"] == CHECKS[0].title
    assert antispoof["fullDescription"]["text"].startswith("Neutron port security drops")
    assert "openstack port set --allowed-address ip-address=<POD_CIDR>" in antispoof["help"]["text"]
    assert antispoof["defaultConfiguration"]["level"] == "error"
    assert run_["tool"]["driver"]["version"] == "1.2.3"
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for r in run_["results"]:
        by_rule.setdefault(r["ruleId"], []).append(r)
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    first = by_rule["net-pod-src-antispoof"][0]
    assert (first["kind"], first["level"]) == ("fail", "error")
    (location,) = first["locations"][0]["logicalLocations"]
    assert location == {
        "name": "k8s-cp-1",
        "fullyQualifiedName": f"openstack/k8s/port/{SEED_PORTS['k8s-cp-1']}",
        "kind": "resource",
    }
    assert first["properties"]["commands"] == [
        f"openstack port set --allowed-address ip-address=10.244.0.0/16 {SEED_PORTS['k8s-cp-1']}"
    ]
    assert "net-mtu" not in by_rule  # passing checks have a rule but no result


def test_undecided_findings_are_open_results_and_skipped_testcases() -> None:
    d = diagnose(build(example_doc("unmatched-node")))
    results = json.loads(sarif(d, "x"))["runs"][0]["results"]
    undecided = [r for r in results if r["properties"]["status"] == "unknown"]
    assert undecided and all((r["kind"], r["level"]) == ("open", "none") for r in undecided)
    root = ET.fromstring(junit(d, "x"))
    skipped = root.findall(".//testcase/skipped[@type='unknown']")
    assert len(skipped) == sum(1 for f in d.findings if f.status == Status.UNKNOWN)
    assert all(s.get("message", "").startswith("undecided: ") for s in skipped)


def test_junit_has_a_suite_per_check_and_a_case_per_finding() -> None:
    d = diagnose(build(example_doc("seed-incident")))
    root = ET.fromstring(junit(d, "1.2.3"))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [c.id for c in CHECKS]
    antispoof = suites["net-pod-src-antispoof"]
    cases = antispoof.findall("testcase")
    assert antispoof.get("failures") == str(len(cases)) == "3"
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "critical"
    assert (
        f"openstack port set --allowed-address ip-address=10.244.0.0/16 {SEED_PORTS['k8s-cp-1']}"
        in (failure.text or "")
    )
    assert suites["net-sg-cni-encap"].findall("testcase/skipped[@type='not-applicable']")
    assert not suites["net-mtu"].findall("testcase/failure")
    assert root.get("failures") == str(sum(1 for f in d.findings if f.status == Status.FAIL))


def test_control_characters_and_markup_in_names_keep_the_xml_valid() -> None:
    doc = example_doc("seed-incident")
    doc["openstack"]["ports"][0]["name"] = "evil\x1b[31m\x00</failure><x>&"
    text = json.dumps(doc).replace("k8s-cp-1", "cp\\u0007<b>&amp;")
    d = diagnose(build(json.loads(text)))
    xml = junit(d, "x")
    junit_schema().validate(xml)
    assert "\x07" not in xml and "\\x07" in xml
    assert sarif_errors(json.loads(sarif(d, "x"))) == []


@pytest.mark.parametrize("output", ["junit", "sarif"])
def test_cli_exit_code_follows_fail_on(output: str) -> None:
    code, out, err = run("diagnose", "--snapshot", str(SEED), "-o", output)
    assert (code, err) == (1, "")  # critical finding, default --fail-on high
    if output == "sarif":
        assert sarif_errors(json.loads(out)) == []
    else:
        junit_schema().validate(out)
    assert run("diagnose", "--snapshot", str(SEED), "-o", output, "--fail-on", "never")[0] == 0
    assert run("diagnose", "--snapshot", str(SEED), "-o", output, "--fail-on", "critical")[0] == 1
    medium = str(ROOT / "examples" / "seed-port-security-off.json")
    assert run("diagnose", "--snapshot", medium, "-o", output)[0] == 0
    assert run("diagnose", "--snapshot", medium, "-o", output, "--fail-on", "medium")[0] == 1
    fixed = str(ROOT / "examples" / "seed-fixed.json")
    code, out, _ = run("diagnose", "--snapshot", fixed, "-o", output, "--fail-on", "info")
    assert code == 0 and out.strip()


def test_the_vendored_schemas_are_the_official_ones() -> None:
    sarif_schema = json.loads((DATA / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    assert sarif_schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    assert sarif_schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert "Copyright (c) 2014, Gregory Boissinot" in (DATA / "junit-10.xsd").read_text()
    assert (DATA / "README.md").exists()
