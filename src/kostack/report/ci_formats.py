"""Diagnoses in the formats CI systems read: JUnit XML and SARIF 2.1.0. Pure: diagnosis in, text out.

JUnit (the Jenkins/Surefire ``junit-10.xsd`` shape): one <testsuite> per
check, one <testcase> per finding; a failing finding is a <failure>, an
undecided (unknown) or not-applicable one is <skipped>, a passing one is a
plain testcase.

SARIF 2.1.0: one rule per check (its title, explanation and remediation from
the check's own page), one result per failing or undecided finding, with the
cloud or cluster resource as a logical location (there is no source file to
point at). Undecided findings are results of kind ``open`` and level
``none``, as SARIF requires for anything that is not a failure.

Both are written in English (CI logs), with control characters made visible:
XML 1.0 cannot carry most of them even as references.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from kostack.analyze.checks.base import Check
from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Finding, Resource, Severity, Status, command_for
from kostack.report.safe import json_safe, terminal_safe

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/kostack/"

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads this property (0.0-10.0) to rank results
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _clean(text: object) -> str:
    return terminal_safe(str(text))


def _by_check(d: Diagnosis) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = defaultdict(list)
    for f in d.findings:
        out[f.check_id].append(f)
    return out


def _resource_label(r: Resource) -> str:
    where = f"{r.namespace}/" if r.namespace else ""
    name = r.name or r.id
    ident = f" ({r.id})" if r.name and r.id and r.id != r.name else ""
    return f"{r.kind} {where}{name}{ident}"


# --------------------------------------------------------------------------- JUnit


def junit(diagnosis: Diagnosis, version: str) -> str:
    """JUnit XML: a testsuite per check, a testcase per finding."""
    by_check = _by_check(diagnosis)
    root = ET.Element("testsuites", name="kostack diagnose")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    check_ids = [c.id for c in diagnosis.checks]
    check_ids += [cid for cid in by_check if cid not in check_ids]
    titles = {c.id: c.title for c in diagnosis.checks}
    for check_id in check_ids:
        findings = by_check.get(check_id, [])
        failures = sum(1 for f in findings if f.status == Status.FAIL)
        skipped = sum(
            1
            for f in findings
            if f.status in (Status.UNKNOWN, Status.NOT_APPLICABLE, Status.CONDITIONAL)
        )
        suite = ET.SubElement(
            root,
            "testsuite",
            name=check_id,
            tests=str(len(findings)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
            time="0",
        )
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="title", value=_clean(titles.get(check_id, check_id)))
        ET.SubElement(props, "property", name="kostack_version", value=_clean(version))
        seen: dict[str, int] = defaultdict(int)
        for f in findings:
            name = _clean(_resource_label(f.resource))
            seen[name] += 1
            if seen[name] > 1:
                name = f"{name} #{seen[name]}"
            case = ET.SubElement(
                suite, "testcase", name=name, classname=f"kostack.{check_id}", time="0"
            )
            message = _clean(f.message)
            if f.status == Status.FAIL and f.condition:
                message += f" ({_clean(f.condition)})"
            if f.status == Status.FAIL:
                failure = ET.SubElement(case, "failure", type=str(f.severity), message=message)
                failure.text = _failure_text(f)
            elif f.status == Status.UNKNOWN:
                ET.SubElement(case, "skipped", type="unknown", message=f"undecided: {message}")
            elif f.status == Status.CONDITIONAL:
                cond = _clean(f.condition)
                ET.SubElement(
                    case, "skipped", type="conditional", message=f"only {cond}: {message}"
                )
            elif f.status == Status.NOT_APPLICABLE:
                ET.SubElement(case, "skipped", type="not-applicable", message=message)
        totals["tests"] += len(findings)
        totals["failures"] += failures
        totals["skipped"] += skipped
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _failure_text(f: Finding) -> str:
    lines = [_clean(f.message), f"severity: {f.severity}"]
    if f.evidence:
        lines.append("evidence:")
        lines.extend(f"  {_clean(e)}" for e in f.evidence[:12])
    if f.remedies:
        lines.append("fix:")
        lines.extend(f"  {_clean(command_for(r))}" for r in f.remedies[:12])
    return "\n".join(lines)


# --------------------------------------------------------------------------- SARIF


def _rule(check: Check) -> dict[str, Any]:
    docs = check.docs.get("en", {})
    title = docs.get("title") or check.title
    explanation = docs.get("explanation") or check.title
    remediation = docs.get("remediation") or ""
    rule: dict[str, Any] = {
        "id": check.id,
        "name": "".join(part.capitalize() for part in check.id.split("-")),
        "shortDescription": {"text": _clean(check.title)},
        "fullDescription": {"text": _clean(explanation)},
        "defaultConfiguration": {"level": LEVEL[check.severity]},
        "properties": {
            "tags": ["kubernetes", "openstack", "networking", check.id.split("-", 1)[0]],
            "precision": "high",
            "problem.severity": LEVEL[check.severity],
            "security-severity": SECURITY_SEVERITY[check.severity],
            "kostack-severity": str(check.severity),
            "needs": list(check.needs),
        },
    }
    if remediation:
        rule["help"] = {
            "text": _clean(remediation),
            "markdown": f"**{_clean(title)}**\n\n{_clean(explanation)}\n\n{_clean(remediation)}",
        }
    return rule


def _logical_location(r: Resource) -> dict[str, Any]:
    if r.kind in ("port", "security_group", "router", "network", "subnet"):
        scope = f"openstack/{r.project or '-'}"
    elif r.namespace:
        scope = f"kubernetes/{r.namespace}"
    else:
        scope = "kubernetes" if r.kind not in ("snapshot",) else "snapshot"
    return {
        "name": _clean(r.name or r.id),
        "fullyQualifiedName": _clean(f"{scope}/{r.kind}/{r.id}"),
        "kind": "resource",
    }


def _fingerprint(f: Finding) -> str:
    key = "\x1f".join((f.check_id, f.resource.kind, f.resource.id, f.cause))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    failing = f.status == Status.FAIL
    # a finding about a group of ports is located at its first port, the rest related
    primary = f.affected[0] if f.resource.kind == "cluster" and f.affected else f.resource
    locations = [{"logicalLocations": [_logical_location(primary)]}]
    related = [
        {"id": i, "logicalLocations": [_logical_location(r)]}
        for i, r in enumerate(f.affected[:20], 1)
        if (r.kind, r.id) != (primary.kind, primary.id)
    ]
    result: dict[str, Any] = {
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "kind": "fail" if failing else "open",
        "level": LEVEL[f.severity] if failing else "none",
        "message": {"text": _clean(f.message)},
        "locations": locations,
        "partialFingerprints": {"kostack/v1": _fingerprint(f)},
        "properties": {
            "status": str(f.status),
            "severity": str(f.severity),
            "cause": f.cause,
            "condition": _clean(f.condition) if f.condition else None,
            "evidence": [_clean(e) for e in f.evidence[:20]],
            "commands": [_clean(command_for(r)) for r in f.remedies[:20]],
        },
    }
    if related:
        result["relatedLocations"] = related
    return result


def sarif(diagnosis: Diagnosis, version: str) -> str:
    """SARIF 2.1.0: a rule per check, a result per failing or undecided finding."""
    checks = diagnosis.checks
    index = {c.id: i for i, c in enumerate(checks)}
    results = [
        _result(f, index[f.check_id])
        for f in diagnosis.findings
        if f.status in (Status.FAIL, Status.UNKNOWN, Status.CONDITIONAL) and f.check_id in index
    ]
    snapshot = diagnosis.snapshot
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kostack",
                        "version": _clean(version),
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(c) for c in checks],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {
                                "level": "warning",
                                "message": {
                                    "text": _clean(f"not collected: {g.source}: {g.error}")
                                },
                            }
                            for g in snapshot.gaps
                        ],
                    }
                ],
                "properties": {
                    "snapshot": {
                        "created_at": _clean(snapshot.created_at or ""),
                        "source": _clean(snapshot.source or ""),
                    },
                    "root_causes": [
                        {"key": rc.key, "check_id": rc.check_id, "title": _clean(rc.title)}
                        for rc in diagnosis.root_causes
                    ],
                },
                "results": results,
            }
        ],
    }
    return json_safe(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
