"""The report's troubleshooting section: what was checked (probes or traced flows) and how to verify.

Every command here is an argument list rendered by ``kostack.shell``: pod and
namespace names, probe targets and kinds come from the cluster. Pure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from kostack.analyze.diagnose import Diagnosis
from kostack.analyze.findings import Finding, Status
from kostack.analyze.reach import Endpoint, pod_label, svc_label, trace
from kostack.analyze.topology import Topology
from kostack.catalog import localize
from kostack.model.snapshot import Pod, ProbeObservation, Service, Snapshot
from kostack.report.incident_model import (
    SYSTEM_NAMESPACES,
    TEST_POD_WORDS,
    Command,
    FlowRow,
    ProbeRow,
    api_ip,
    is_clusterip_ping,
    verdict_label,
)
from kostack.report.markup import Marked, concat, marked
from kostack.report.markup import mt as t
from kostack.report.topology_svg import PicFlow, Picture
from kostack.shell import render

FLOW_ORDER = {"dns": 0, "api": 1, "pod-to-pod": 2, "egress": 3}
# a flow from a system pod, in either language ("pod kube-system/...", "Pod kube-system/...")
_SYSTEM_POD = re.compile(r"\S+ kube-system/")


def probe_argv(p: ProbeObservation, domain: str) -> list[str]:
    """The command a person would type for what the probe did (kinds of kostack.probe.plan)."""
    kind = p.kind.lower()
    ip = str(p.target_ip) if p.target_ip is not None else p.target
    port = p.target_port
    name = f"kubernetes.default.svc.{domain}"
    if kind in ("dns-udp", "dns"):
        return ["nslookup", name, ip] if p.target_ip is not None else ["nslookup", p.target]
    if kind == "dns-tcp":
        return ["nslookup", "-vc", name, ip]
    if kind.startswith("icmp") or kind == "ping":
        return ["ping", ip]
    if kind in ("api-tcp", "egress", "tcp", "connect", "nc"):
        return ["nc", "-zv", ip, str(port)] if port else ["nc", "-zv", ip]
    if kind in ("api-tls", "tls", "https"):
        return ["wget", f"https://{ip}:{port or 443}"]
    if kind in ("pod-http", "http"):
        return ["wget", f"http://{ip}:{port or 80}/"]
    if kind == "transfer":
        return ["wget", "-O", "/dev/null", f"http://{ip}:{port or 80}/<large>"]
    if kind in ("mtu", "pmtu"):
        return ["ping", "-M", "do", "-s", "<SIZE>", ip]
    suffix = f":{port}" if port else ""
    return [p.kind, f"{p.target}{suffix}"]


def probe_row(p: ProbeObservation, topo: Topology, lang: str) -> ProbeRow:
    source = p.source_pod or p.source_node or (str(p.source_ip) if p.source_ip else "?")
    if p.source_pod and p.source_node:
        source = f"{p.source_pod} ({p.source_node})"
    ok: bool | None = {"pass": True, "fail": False, "error": False}.get(p.verdict)
    meaning: str = ""
    if is_clusterip_ping(p, topo):
        ok = None
        meaning = t(lang, "rep.probe.clusterip_ping")
    elif p.verdict == "expected-no-reply":
        ok = None
        meaning = t(lang, "rep.probe.no_reply_ok")
    elif p.verdict == "pass" and "tls" in p.detail.lower():
        meaning = t(lang, "rep.probe.tls_proves")
    elif p.verdict in ("fail", "error"):
        meaning = t(lang, "rep.probe.broken")
    domain = topo.snapshot.cluster.dns_domain if topo.snapshot.cluster else "cluster.local"
    command = localize(render(probe_argv(p, domain)), lang)
    return ProbeRow(command, source, verdict_label(p.verdict, lang), ok, meaning, p.detail)


def _cmd(lang: str, argv: Sequence[str]) -> str:
    """``argv`` rendered; a command that cannot be given (a NUL) says why in ``lang``."""
    return localize(render(argv), lang)


def probe_rows(
    probes: Sequence[ProbeObservation], topo: Topology, lang: str
) -> tuple[ProbeRow, ...]:
    """One row per kind of probe and outcome, failures first, with an example and a count.

    A round from every node to every other makes hundreds of probes; the
    reader needs which kinds fail, how many, and one command to re-run.
    """
    groups: dict[tuple[str, str], list[ProbeObservation]] = defaultdict(list)
    for p in probes:
        groups[(p.kind, p.verdict)].append(p)
    rows = [replace(probe_row(alike[0], topo, lang), count=len(alike)) for alike in groups.values()]
    order = {False: 0, None: 1, True: 2}
    return tuple(sorted(rows, key=lambda r: order[r.ok]))


def flow_rows(pic: Picture, lang: str) -> tuple[FlowRow, ...]:
    """Counts instead of floods: one row per kind, outcome and reason, with an example."""
    groups: dict[tuple[str, bool, str, str], list[PicFlow]] = defaultdict(list)
    for f in pic.flows:
        groups[(f.kind, f.ok, f.reason, f.verdict)].append(f)
    rows = []
    for (kind, ok, _, verdict), flows in sorted(
        groups.items(), key=lambda kv: (kv[0][1], FLOW_ORDER.get(kv[0][0], 9), kv[0][2])
    ):
        # the example a reader recognises: a workload's pod before a system pod
        example = next((f for f in flows if not _SYSTEM_POD.match(f.label)), flows[0])
        rows.append(
            FlowRow(
                kind=t(lang, "pic.kind." + kind),
                flow=example.label,
                ok=ok,
                verdict=t(lang, "disp.accepted") if ok else t(lang, "disp." + verdict),
                where=example.where,
                detail=example.detail,
                count=sum(f.count for f in flows),
            )
        )
    return tuple(rows)


def ping_rows(topo: Topology, lang: str) -> tuple[FlowRow, ...]:
    """What `ping <ClusterIP>` does, traced: the red herring, said with the engine's reason."""
    api = topo.services.get(("default", "kubernetes"))
    pod = test_pod(topo.snapshot)
    if api is None or api.cluster_ip is None or pod is None or pod.ip is None or not pod.node:
        return ()
    src = Endpoint("pod", pod_label(pod.namespace, pod.name, pod.ip), pod.ip, pod.node)
    dst = Endpoint("service", svc_label("default", "kubernetes", api.cluster_ip), api.cluster_ip)
    results = trace(topo, src, dst, "icmp", None)
    if not results:
        return ()
    r = results[0]
    hop = r.hops[-1] if r.hops else None
    return (
        FlowRow(
            kind="ping",
            flow=concat(f"ping {api.cluster_ip} (", marked(src.label, lang), ")"),
            ok=True,
            verdict=t(lang, f"rep.expect.{r.expected_reply}")
            if r.expected_reply is not None
            else t(lang, "disp." + str(r.verdict)),
            where=marked(hop.where, lang) if hop else "",
            detail=marked(hop.detail, lang) if hop else "",
        ),
    )


def test_pod(snapshot: Snapshot) -> Pod | None:
    """A pod to run checks from: a debugging pod if there is one, else an application's."""
    cl = snapshot.cluster
    pods = [p for p in (cl.pods or ()) if not p.host_network] if cl else []
    for word in TEST_POD_WORDS:
        for p in pods:
            if word in p.name:
                return p
    for p in pods:
        if p.namespace not in SYSTEM_NAMESPACES:
            return p
    return None


def verify_commands(snapshot: Snapshot, topo: Topology, lang: str) -> tuple[Command, ...]:
    """Checks that mean something, run from a pod (never ping a ClusterIP)."""
    cl = snapshot.cluster
    if cl is None:
        return ()
    pod = test_pod(snapshot)
    exec_ = ["kubectl", "exec", "<POD>", "--"]
    if pod is not None:
        # pod/NAME: a pod name that starts with '-' is not read as an option
        pod_arg = f"pod/{pod.name}" if pod.name.startswith("-") else pod.name
        exec_ = ["kubectl", "exec", "-n", pod.namespace, pod_arg, "--"]
    api = api_ip(topo)
    domain = cl.dns_domain or "cluster.local"
    out = [
        Command(
            _cmd(lang, [*exec_, "nslookup", f"kubernetes.default.svc.{domain}"]),
            t(lang, "rep.verify.dns"),
        ),
        Command(
            _cmd(lang, [*exec_, "nc", "-zv", "-w", "3", api, "443"]), t(lang, "rep.verify.tcp")
        ),
        Command(
            _cmd(lang, [*exec_, "wget", "-T", "5", "-O-", f"https://{api}:443/version"]),
            t(lang, "rep.verify.tls"),
        ),
    ]
    others = [
        p
        for p in (cl.pods or ())
        if p.ip and not p.host_network and p.node != (pod.node if pod else None)
    ]
    if pod is not None and others:
        target, port = _served(cl.services or (), others) or (others[0], "<PORT>")
        out.append(
            Command(
                _cmd(lang, [*exec_, "nc", "-zv", "-w", "3", str(target.ip), str(port)]),
                t(
                    lang,
                    "rep.verify.p2p",
                    pod=f"{target.namespace}/{target.name}",
                    node=target.node or "?",
                ),
            )
        )
    out.append(Command(_cmd(lang, ["kostack", "diagnose"]), t(lang, "rep.verify.rerun")))
    return tuple(out)


def _served(services: Iterable[Service], pods: list[Pod]) -> tuple[Pod, int] | None:
    """A pod of ``pods`` that a Service's endpoint names with a TCP port, and that port: a
    command to paste, not "<PORT>" to fill in."""
    by_ip = {str(p.ip): p for p in pods}
    for svc in services:
        tcp = {sp.name for sp in svc.ports if sp.protocol == "TCP"}
        for ep in svc.endpoints or ():
            port = min((n for name, n in ep.ports.items() if name in tcp), default=None)
            if port is not None and str(ep.ip) in by_ip:
                return by_ip[str(ep.ip)], port
    return None


def also_ok(d: Diagnosis, lang: str) -> tuple[Marked, ...]:
    failing = {f.check_id for f in d.findings if f.status == Status.FAIL}
    passing_by_check: dict[str, Finding] = {}
    for f in d.findings:
        if f.status == Status.PASS:
            passing_by_check.setdefault(f.check_id, f)
    out = []
    for c in d.checks:
        if c.id in failing or c.id not in passing_by_check:
            continue
        out.append(concat(c.id, ": ", marked(passing_by_check[c.id].message, lang)))
    return tuple(out)


def undecided(d: Diagnosis, lang: str) -> tuple[Marked, ...]:
    per: dict[str, list[Finding]] = defaultdict(list)
    for f in d.findings:
        if f.status == Status.UNKNOWN:
            per[f.check_id].append(f)
    out = []
    for check_id, fs in per.items():
        more = f" (+{len(fs) - 1})" if len(fs) > 1 else ""
        out.append(concat(check_id, ": ", marked(fs[0].message, lang), more))
    return tuple(out)
