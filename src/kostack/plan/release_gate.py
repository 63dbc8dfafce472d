"""The network gate of a clean reinstall: DNS and the kubernetes service must work from pods.

A reinstall during a network outage initialises the release's state (its
database, its jobs) while its parts cannot reach each other: the gate passes
only when the diagnosis (and probes, when given) show both working. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from kostack.analyze.diagnose import ROOT_CAUSE_TITLES, Diagnosis, RootCause
from kostack.analyze.findings import Status
from kostack.analyze.messages import CATALOG, Msg, register
from kostack.model.snapshot import ProbeObservation
from kostack.plan.release_model import GateCheck, NetworkGate

register(
    {
        "gate.dns.fail": {
            "en": "DNS from pods fails: {detail}",
            "ko": "Pod에서 DNS 조회가 실패합니다: {detail}",
        },
        "gate.api.fail": {
            "en": "the kubernetes service (API server) is unreachable from pods: {detail}",
            "ko": "Pod에서 kubernetes 서비스(API 서버)에 도달할 수 없습니다: {detail}",
        },
        "gate.dns.unknown": {
            "en": "DNS from pods could not be confirmed: {detail}",
            "ko": "Pod의 DNS 조회가 정상인지 확인하지 못했습니다: {detail}",
        },
        "gate.api.unknown": {
            "en": "the kubernetes service could not be confirmed reachable from pods: {detail}",
            "ko": "Pod에서 kubernetes 서비스 도달 여부를 확인하지 못했습니다: {detail}",
        },
        "gate.dns.pass": {
            "en": "DNS from pods works ({detail})",
            "ko": "Pod의 DNS 조회 정상({detail})",
        },
        "gate.api.pass": {
            "en": "the kubernetes service is reachable from pods ({detail})",
            "ko": "Pod에서 kubernetes 서비스 도달 가능({detail})",
        },
        "gate.dns.short-fail": {
            "en": "DNS from pods fails ({n} of {total} checks)",
            "ko": "Pod의 DNS 조회 실패(점검 {total}개 중 {n}개)",
        },
        "gate.api.short-fail": {
            "en": "the kubernetes service is unreachable from pods ({n} of {total} checks)",
            "ko": "Pod에서 kubernetes 서비스 도달 불가(점검 {total}개 중 {n}개)",
        },
        "gate.dns.short-probe": {
            "en": "the DNS probe {id} failed",
            "ko": "DNS 점검 {id} 실패",
        },
        "gate.api.short-probe": {
            "en": "the kubernetes service probe {id} failed",
            "ko": "kubernetes 서비스 점검 {id} 실패",
        },
        "gate.detail": {"en": "{message}{cause}{more}", "ko": "{message}{cause}{more}"},
        "gate.cause": {"en": " (ROOT CAUSE: {cause})", "ko": " (근본 원인: {cause})"},
        "gate.more": {"en": " [+{n} more]", "ko": " [외 {n}건]"},
        "gate.probe.fail": {
            "en": "probe {id} {verdict}: {detail}",
            "ko": "점검 {id} {verdict}: “{detail}”",
        },
        "gate.probe.pass": {"en": "probe {id}: {detail}", "ko": "점검 {id}: {detail}"},
        "gate.probe.pass.ok": {"en": "probe {id}: ok", "ko": "점검 {id}: 정상"},
        "gate.not-run": {
            "en": "{check} did not run",
            "ko": "{check:이/가} 실행되지 않았습니다",
        },
        "gate.checks-pass": {
            "en": "{check}: {n} checks pass",
            "ko": "{check}: 점검 {n}개 통과",
        },
        "gate.no-diagnosis": {
            "en": "no network diagnosis (no OpenStack/cluster snapshot)",
            "ko": "네트워크 진단 없음(OpenStack/클러스터 스냅샷 없음)",
        },
        "gate.dns.short-unknown": {
            "en": "DNS from pods not confirmed",
            "ko": "Pod의 DNS 조회 미확인",
        },
        "gate.api.short-unknown": {
            "en": "the kubernetes service from pods not confirmed",
            "ko": "Pod에서 kubernetes 서비스 도달 미확인",
        },
    }
)


# --------------------------------------------------------------------------- the gate


def cause_title(cause: RootCause) -> str:
    """A root cause's title as a `Msg` (said in the plan's language), else as it is."""
    titles = ROOT_CAUSE_TITLES.get(cause.key)
    if titles is None or titles.get("en") != cause.title:
        return cause.title
    key = f"gate.title.{cause.key}"
    if key not in CATALOG:
        register({key: dict(titles)})
    return Msg(key)


_GATES: tuple[tuple[Literal["dns", "api-service"], str], ...] = (
    ("dns", "dns"),
    ("api-service", "api"),
)


def network_gate(
    diagnosis: Diagnosis | None, probes: Iterable[ProbeObservation] = (), note: str = ""
) -> NetworkGate:
    """DNS and the kubernetes service from pods: pass only if both are shown to work."""
    if diagnosis is None:
        why = note or Msg("gate.no-diagnosis")
        return NetworkGate(
            tuple(
                GateCheck(
                    name,
                    "unknown",
                    Msg(f"gate.{short}.unknown", detail=why),
                    "none",
                    Msg(f"gate.{short}.short-unknown"),
                )
                for name, short in _GATES
            )
        )
    probes = tuple(probes)
    roots = tuple(cause_title(rc) for rc in diagnosis.root_causes)
    checks = (
        _gate_check("dns", "net-dns", diagnosis, [p for p in probes if p.kind == "dns"]),
        _gate_check(
            "api-service",
            "net-api-service",
            diagnosis,
            [p for p in probes if p.kind in ("tcp", "tls", "http") and _is_api_probe(p, diagnosis)],
        ),
    )
    return NetworkGate(checks, roots)


def _is_api_probe(probe: ProbeObservation, diagnosis: Diagnosis) -> bool:
    if "kubernetes" in probe.target and "kubernetes." in probe.target + ".":
        return True
    cluster = diagnosis.snapshot.cluster
    if cluster is None or not cluster.service_cidrs or probe.target_ip is None:
        return False
    first = next(iter(cluster.service_cidrs[0].hosts()), None)
    return probe.target_ip == first and probe.target_port in (443, None)


def _gate_check(
    name: Literal["dns", "api-service"],
    check_id: str,
    diagnosis: Diagnosis,
    probes: list[ProbeObservation],
) -> GateCheck:
    key = "dns" if name == "dns" else "api"
    findings = [f for f in diagnosis.findings if f.check_id == check_id]
    failed = [f for f in findings if f.status == Status.FAIL]
    unknown = [f for f in findings if f.status == Status.UNKNOWN]
    probe_fail = [p for p in probes if p.verdict in ("fail", "error")]
    probe_pass = [p for p in probes if p.verdict == "pass"]
    if failed or probe_fail:
        if failed:
            cause = next(
                (
                    cause_title(rc)
                    for rc in diagnosis.root_causes
                    if any(f in rc.symptoms or f in rc.findings for f in failed)
                ),
                "",
            )
            detail = Msg(
                "gate.detail",
                message=failed[0].message,
                cause=Msg("gate.cause", cause=cause) if cause else "",
                more=Msg("gate.more", n=len(failed) - 1) if len(failed) > 1 else "",
            )
            return GateCheck(
                name,
                "fail",
                Msg(f"gate.{key}.fail", detail=detail),
                "diagnosis",
                Msg(f"gate.{key}.short-fail", n=len(failed), total=len(findings)),
            )
        probe = probe_fail[0]
        return GateCheck(
            name,
            "fail",
            Msg(
                f"gate.{key}.fail",
                detail=Msg(
                    "gate.probe.fail", id=probe.id, verdict=probe.verdict, detail=probe.detail
                ),
            ),
            "probe",
            Msg(f"gate.{key}.short-probe", id=probe.id),
        )
    if probe_pass:
        probe = probe_pass[0]
        return GateCheck(
            name,
            "pass",
            Msg(
                f"gate.{key}.pass",
                detail=Msg("gate.probe.pass", id=probe.id, detail=probe.detail)
                if probe.detail
                else Msg("gate.probe.pass.ok", id=probe.id),
            ),
            "probe",
        )
    if unknown or not findings:
        why: str = unknown[0].message if unknown else Msg("gate.not-run", check=check_id)
        return GateCheck(
            name,
            "unknown",
            Msg(f"gate.{key}.unknown", detail=why),
            "diagnosis",
            Msg(f"gate.{key}.short-unknown"),
        )
    return GateCheck(
        name,
        "pass",
        Msg(f"gate.{key}.pass", detail=Msg("gate.checks-pass", check=check_id, n=len(findings))),
        "diagnosis",
    )
