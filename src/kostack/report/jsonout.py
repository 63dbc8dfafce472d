"""The canonical JSON rendering of a diagnosis (schema documented in docs/output.md)."""

from __future__ import annotations

import json
from typing import Any

from kostack.analyze.diagnose import Diagnosis, RootCause
from kostack.analyze.findings import command_for
from kostack.analyze.reach import FlowResult
from kostack.analyze.summary import environment
from kostack.analyze.topology import Topology
from kostack.report.probes import probes_dict
from kostack.report.safe import json_safe

OUTPUT_SCHEMA_VERSION = 1


def root_cause_dict(rc: RootCause) -> dict[str, Any]:
    return {
        "key": rc.key,
        "check_id": rc.check_id,
        "title": rc.title,
        "severity": str(rc.severity),
        "message": rc.message,
        "resources": [r.id for r in rc.resources],
        "resource_details": [r.as_dict() for r in rc.resources],
        "flows": [flow for f in (*rc.findings, *rc.symptoms) for flow in f.flows],
        "symptoms": [{"check_id": f.check_id, "message": f.message} for f in rc.symptoms],
        "evidence": list(rc.evidence),
        "fix": {
            "commands": list(rc.fix.commands),
            "remedies": [r.as_dict() for r in rc.fix.remedies],
            "conditional_commands": [command_for(r) for r in rc.fix.conditional],
            "alternative": {
                "method": "disable-port-security",
                "warning": "turns off anti-spoofing and every security group on these ports",
                "commands": [command_for(r) for r in rc.fix.alternative],
            }
            if rc.fix.alternative
            else None,
        },
    }


def diagnosis_dict(d: Diagnosis, version: str) -> dict[str, Any]:
    topo = Topology(d.snapshot)
    env = environment(d.snapshot, topo)
    worst = d.worst()
    return {
        "schema_version": OUTPUT_SCHEMA_VERSION,
        "kostack_version": version,
        "snapshot": {
            "schema_version": d.snapshot.schema_version,
            "created_at": d.snapshot.created_at,
            "source": d.snapshot.source,
        },
        "environment": {
            "project": env.project,
            "networks": list(env.networks),
            "node_ports": env.node_ports,
            "kubernetes_version": env.kubernetes_version,
            "nodes": env.nodes,
            "control_plane_nodes": env.control_plane,
            "worker_nodes": env.workers,
            "cni": env.cni,
            "cni_version": env.cni_version,
            "ip_pools": list(env.pools),
            "kube_proxy_mode": env.kube_proxy,
            "neutron_backend": env.backend,
        },
        "summary": {
            "root_causes": len(d.root_causes),
            "worst_severity": str(worst) if worst else None,
            "node_pairs": d.node_pairs,
            "node_classes": d.node_classes,
            "findings": d.counts,
        },
        "root_causes": [root_cause_dict(rc) for rc in d.root_causes],
        "warnings": [f.as_dict() for f in d.warnings],
        "findings": [f.as_dict() for f in d.findings],
        "gaps": [g.model_dump() for g in d.snapshot.gaps],
        "probes": probes_dict(d),
    }


def trace_dict(results: list[FlowResult], version: str) -> dict[str, Any]:
    return {
        "schema_version": OUTPUT_SCHEMA_VERSION,
        "kostack_version": version,
        "paths": [
            {
                "flow": r.describe(),
                "source": r.src.label,
                "destination": r.dst.label,
                "requested": r.requested.label,
                "protocol": r.protocol,
                "port": r.port,
                "verdict": str(r.verdict),
                "no_reply_expected": r.no_reply_expected,
                "hops": [
                    {
                        "step": h.step,
                        "where": h.where,
                        "direction": h.direction,
                        "disposition": str(h.disposition),
                        "detail": h.detail,
                        "cause": h.cause,
                        "evidence": [
                            {"kind": e.kind, "id": e.id, "field": e.field, "value": e.value}
                            for e in h.evidence
                        ],
                    }
                    for h in r.hops
                ],
            }
            for r in results
        ],
    }


def dumps(data: dict[str, Any]) -> str:
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)) + "\n"
