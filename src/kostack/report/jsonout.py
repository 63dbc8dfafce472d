"""The canonical JSON rendering of a diagnosis (schema documented in docs/output.md).

Human text (titles, messages, evidence sentences, reasons, conditions, gap notes) is
said in the reader's language (`--lang`, top-level ``lang``): every text kostack says
is a `Msg` until it is written here, so `said_in` renders each in ``lang``; raw data
(ids, names, addresses, commands, a field read from the cloud) is never a Msg and
stays as it is. Keys, statuses and numbers are the same in every language.
"""

from __future__ import annotations

from typing import Any

from kostack.analyze.diagnose import ROOT_CAUSE_TITLES, Diagnosis, RootCause
from kostack.analyze.findings import Finding, Remedy, command_for
from kostack.analyze.reach import CasedTrace, FlowResult
from kostack.analyze.summary import environment
from kostack.analyze.topology import Topology
from kostack.catalog import Msg, register
from kostack.collector import collector_paused
from kostack.gap_words import gap_error, gap_hint
from kostack.report.jsonenc import dumps_indented
from kostack.report.probes import probes_dict
from kostack.report.safe import json_safe

# 2: `lang` (and human text in it) added; 3: each remedy written once, in the top-level
# `remedies` table, and referred to by its id where it comes (findings, root causes' fixes)
OUTPUT_SCHEMA_VERSION = 3

register(
    {
        "json.alternative-warning": {
            "en": "turns off anti-spoofing and every security group on these ports",
            "ko": "이 포트들의 스푸핑 방지와 모든 보안 그룹을 끕니다",
        },
    }
)


def in_language(doc: dict[str, Any], lang: str) -> dict[str, Any]:
    """A command's JSON document with ``lang`` after its versions and its messages in ``lang``."""
    head = [k for k in ("schema_version", "kind", "kostack_version") if k in doc]
    out = {k: doc[k] for k in head} | {"lang": lang} | doc
    return said_in(out, lang) if lang != "en" else out


def said_in(value: Any, lang: str) -> Any:
    """``value`` (JSON data) with every message in it said in ``lang``; the rest as it is."""
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, dict):
        return {k: said_in(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [said_in(v, lang) for v in value]
    return value


class NodeSets:
    """Node sets written once, referred to by id: output grows with nodes and causes. And
    each remedy written once, in the `remedies` table, referred to by its id in its finding
    and its root cause (its command, the bulk of it, came three times: docs/output.md)."""

    def __init__(self) -> None:
        self.table: dict[str, list[str]] = {}
        self._ids: dict[tuple[str, ...], str] = {}
        self.remedies: dict[str, dict[str, Any]] = {}
        # by the remedy object (kept, so its id stays its own): a finding's remedy is the one
        # its root cause lists (equal text is not enough: a message's key says its Korean)
        self._remedies: dict[int, tuple[Remedy, str]] = {}

    def remedy(self, r: Remedy) -> str:
        """The id of ``r``'s entry in the `remedies` table (made on first use)."""
        found = self._remedies.get(id(r))
        if found is None:
            rid = f"r{len(self.remedies) + 1}"
            self.remedies[rid] = r.as_dict()
            found = self._remedies[id(r)] = (r, rid)
        return found[1]

    def ref(self, names: tuple[str, ...] | list[str]) -> str | None:
        key = tuple(sorted(names))
        if not key:
            return None
        if key not in self._ids:
            self._ids[key] = f"ns{len(self._ids) + 1}"
            self.table[self._ids[key]] = list(key)
        return self._ids[key]


def finding_dict(f: Finding, sets: NodeSets) -> dict[str, Any]:
    out = f.as_dict(sets.remedy)
    out["nodes"] = sets.ref(f.nodes)
    affected = out.pop("affected")
    # large groups: the ports are in the `nodes` table, by node
    out["affected"] = affected if len(affected) <= 16 else []
    out["affected_count"] = len(affected)
    out["consequences"] = [finding_dict(c, sets) for c in f.consequences]
    return out


def root_cause_dict(rc: RootCause, sets: NodeSets) -> dict[str, Any]:
    return {
        "key": rc.key,
        "check_id": rc.check_id,
        # the title by its key, so that it can be said in another language
        "title": Msg(f"title.{rc.key}") if rc.key in ROOT_CAUSE_TITLES else rc.title,
        "severity": str(rc.severity),
        "message": rc.message,
        "condition": rc.condition or None,
        "tell": list(rc.tell),
        "resources": [r.id for r in rc.resources],
        "resource_details": [r.as_dict() for r in rc.resources],
        "nodes": sets.ref([n for f in rc.findings for n in f.nodes]),
        "flows": [flow for f in (*rc.findings, *rc.symptoms) for flow in f.flows],
        "symptoms": [
            {"check_id": f.check_id, "message": f.message, "nodes": sets.ref(f.nodes)}
            for f in rc.symptoms
        ],
        "consequences": [root_cause_dict(c, sets) for c in rc.consequences],
        "explains": [{"check_id": f.check_id, "message": f.message} for f in rc.explains],
        "cases": [
            {"check_id": f.check_id, "condition": f.condition, "message": f.message}
            for f in rc.cases
        ],
        "evidence": list(rc.evidence),
        "fix": {
            "commands": list(rc.fix.commands),
            "remedies": [sets.remedy(r) for r in rc.fix.remedies],
            "cases": [
                {
                    "condition": condition,
                    "commands": [command_for(r) for r in remedies],
                    "remedies": [sets.remedy(r) for r in remedies],
                }
                for condition, remedies in rc.fix.cases
            ],
            "alternative": {
                "method": "disable-port-security",
                "warning": Msg("json.alternative-warning"),
                "commands": [command_for(r) for r in rc.fix.alternative],
            }
            if rc.fix.alternative
            else None,
        },
    }


def nodes_table(topo: Topology) -> dict[str, dict[str, Any]]:
    """Each node once: its address, port, subnet and pod blocks."""
    return {
        v.name: {
            "ip": str(v.ip) if v.ip is not None else None,
            "port": v.port.id if v.port is not None else None,
            "subnet": str(v.subnet.cidr) if v.subnet is not None else None,
            "blocks": [str(b) for b in v.blocks],
            "control_plane": v.is_control_plane,
        }
        for v in topo.node_views.values()
    }


@collector_paused()  # it builds, and drops next to nothing (kostack/collector.py)
def diagnosis_dict(d: Diagnosis, version: str, lang: str = "en") -> dict[str, Any]:
    """The diagnosis as `-o json` prints it, its human text in ``lang``."""
    topo = Topology(d.snapshot)
    env = environment(d.snapshot, topo)
    worst = d.worst()
    sets = NodeSets()
    root_causes = [root_cause_dict(rc, sets) for rc in d.root_causes]
    conditional = [root_cause_dict(rc, sets) for rc in d.conditional]
    findings = [finding_dict(f, sets) for f in d.findings]
    warnings = [finding_dict(f, sets) for f in d.warnings]
    verdict = d.verdict.as_dict()
    verdict["reasons"] = list(d.verdict.reasons)  # messages until said_in says them
    gaps = []
    for g in d.snapshot.gaps:
        gap = g.model_dump()
        gap["error"], gap["hint"] = gap_error(g, lang), gap_hint(g, lang) if g.hint else g.hint
        gaps.append(gap)
    doc = {
        "schema_version": OUTPUT_SCHEMA_VERSION,
        "kostack_version": version,
        "lang": lang,
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
        "verdict": verdict,
        "cases": {
            "open": list(d.worlds[0].open) if d.worlds else [],
            "worlds": [w.label() for w in d.worlds if w.open],
        },
        "summary": {
            "root_causes": len(d.root_causes),
            "conditional": len(d.conditional),
            "worst_severity": str(worst) if worst else None,
            "node_pairs": d.node_pairs,
            "node_classes": d.node_classes,
            "classes": {
                "sources_max": d.classes[0],
                "targets_max": d.classes[1],
                "traces": d.classes[2],
            },
            "findings": d.counts,
        },
        "root_causes": root_causes,
        "conditional": conditional,
        "warnings": warnings,
        "findings": findings,
        "remedies": sets.remedies,
        "node_sets": sets.table,
        "nodes": nodes_table(topo),
        "gaps": gaps,
        "probes": probes_dict(d),
    }
    return said_in(doc, lang) if lang != "en" else doc


def _path_dict(r: FlowResult) -> dict[str, Any]:
    return {
        "flow": r.describe(),
        "source": r.src.label,
        "destination": r.dst.label,
        "requested": r.requested.label,
        "protocol": r.protocol,
        "port": r.port,
        "verdict": str(r.verdict),
        # what a ping to a ClusterIP gets back: none | reject | local-answer | depends
        # (null for every other flow); whatever it is, it proves nothing
        "expected_reply": r.expected_reply,
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


def cased_trace_dict(cased: CasedTrace, version: str, lang: str = "en") -> dict[str, Any]:
    """`paths` of the first case, plus every case when they differ (`cases`); human text in
    ``lang``."""
    doc = {
        "schema_version": OUTPUT_SCHEMA_VERSION,
        "kostack_version": version,
        "lang": lang,
        "paths": [_path_dict(r) for r in cased.first],
        "agreed": cased.agreed,
        "cases": []
        if cased.agreed
        else [
            {"case": w.label(), "paths": [_path_dict(r) for r in rs]}
            for w, rs in zip(cased.worlds, cased.results, strict=True)
        ],
    }
    return said_in(doc, lang) if lang != "en" else doc


@collector_paused()  # the text of a large answer is many strings, none of them garbage
def dumps(data: dict[str, Any]) -> str:
    """``data`` as kostack's JSON answers print it: ``json.dumps(data, indent=2,
    ensure_ascii=False)``'s text (report/jsonenc.py), hidden characters escaped."""
    return json_safe(dumps_indented(data)) + "\n"
