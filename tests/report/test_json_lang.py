"""`-o json` says its human text in the chosen language; keys and machine fields stay the same."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from report_testing import run

HANGUL = re.compile("[가-힣]")
SEED = "examples/seed-incident.json"
CILIUM = "examples/cilium-geneve-no-6081.json"  # a root cause and a warning


def diagnose_json(path: str, lang: str) -> dict[str, Any]:
    code, out, err = run("--lang", lang, "diagnose", "--snapshot", path, "-o", "json")
    assert code == 1, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def shape(value: Any) -> Any:
    """The document's keys (and list lengths), without its text."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def test_korean_json_says_root_causes_and_warnings_in_korean() -> None:
    ko = diagnose_json(CILIUM, "ko")
    assert ko["lang"] == "ko"
    (rc,) = ko["root_causes"]
    assert HANGUL.search(rc["title"]) and HANGUL.search(rc["message"])
    assert all(HANGUL.search(s["message"]) for s in rc["symptoms"])
    (warning,) = ko["warnings"]
    assert warning["message"].startswith(
        "노드 k8s-cp-1, k8s-w-1, k8s-w-2, k8s-w-3의 ingress 규칙이"
    )
    # a remedy's reason is kostack's sentence: said; its command is data: as it is
    (rid,) = warning["remedies"]
    remedy = ko["remedies"][rid]
    assert HANGUL.search(remedy["reason"])
    assert remedy["command"].startswith("openstack security group rule create --ingress")


def test_korean_json_keeps_keys_ids_statuses_and_numbers() -> None:
    en, ko = diagnose_json(SEED, "en"), diagnose_json(SEED, "ko")
    assert en["lang"] == "en"
    assert shape(en) == shape(ko)
    assert en["verdict"]["kind"] == ko["verdict"]["kind"] == "root-causes"
    assert en["summary"] == ko["summary"] and en["nodes"] == ko["nodes"]
    for a, b in zip(en["findings"], ko["findings"], strict=True):
        assert (a["check_id"], a["status"], a["severity"], a["cause"], a["resource"]) == (
            b["check_id"],
            b["status"],
            b["severity"],
            b["cause"],
            b["resource"],
        )
    (rc_en,), (rc_ko,) = en["root_causes"], ko["root_causes"]
    assert rc_en["key"] == rc_ko["key"] == "antispoof"
    assert rc_ko["title"] == "Neutron 포트 보안(anti-spoofing)이 Pod 트래픽을 차단함"
    assert rc_en["title"] == "Neutron anti-spoofing drops pod traffic"
    assert rc_en["fix"]["commands"] == rc_ko["fix"]["commands"]
    assert HANGUL.search(rc_ko["fix"]["alternative"]["warning"])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_evidence_sentences_are_said_and_raw_facts_are_not(lang: str) -> None:
    doc = diagnose_json(SEED, lang)
    evidence = [e for f in doc["findings"] for e in f["evidence"]]
    # a raw fact read from the cloud is the same in every language; kostack's sentence is said
    assert "port 5f1c7974-c7a9-5b1e-ab2f-72fe4bdfb30b fixed_ips=[10.0.0.11]" in evidence
    said_ko = "클러스터 외부로 가는 Pod 트래픽이 Pod IP를 출발지로 나감 (마스커레이드 없음, natOutgoing 꺼짐)"
    said_en = (
        "pod -> outside the cluster leaves with the pod source (no masquerade, natOutgoing off)"
    )
    assert (said_ko if lang == "ko" else said_en) in evidence
    flows = [flow for rc in doc["root_causes"] for flow in rc["flows"]]
    said = [flow for flow in flows if HANGUL.search(flow)]
    assert (len(said) == len(flows)) if lang == "ko" else not said


def test_korean_trace_json_says_its_hops_in_korean() -> None:
    args = ("trace", "--snapshot", SEED, "pod:demo/dns-test", "svc:kube-system/kube-dns:53/udp")
    code, out, err = run("--lang", "ko", *args, "-o", "json")
    assert code == 1, err
    doc = json.loads(out)
    assert doc["lang"] == "ko"
    details = [h["detail"] for p in doc["paths"] for h in p["hops"]]
    assert any(HANGUL.search(d) for d in details)
    code, out, err = run(
        *args, "-o", "json"
    )  # English: the same hops, their dispositions unchanged
    english = json.loads(out)
    assert english["lang"] == "en"
    assert [h["disposition"] for p in english["paths"] for h in p["hops"]] == [
        h["disposition"] for p in doc["paths"] for h in p["hops"]
    ]


HARBOR = "examples/harbor-wrong-namespace.json"
PREFLIGHT = (
    "preflight", "--snapshot", SEED, "--network", "k8s-net", "--pod-cidr", "10.0.0.0/16",
    "--service-cidr", "10.96.0.0/12", "--cni", "calico", "--mode", "none", "-o", "json",
)  # fmt: skip


def both(*args: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The command's JSON in English and in Korean."""
    docs = []
    for lang in ("en", "ko"):
        _code, out, _err = run("--lang", lang, *args)
        docs.append(json.loads(out))
    return docs[0], docs[1]


def test_every_json_command_says_its_language_and_keeps_its_keys() -> None:
    for args in (
        ("release", "check", "--snapshot", HARBOR, "-o", "json"),
        PREFLIGHT,
        ("probe", "--snapshot", SEED, "-o", "json"),
    ):
        en, ko = both(*args)
        assert (en["lang"], ko["lang"]) == ("en", "ko"), args
        assert shape(en) == shape(ko), args


def test_release_check_json_says_findings_and_volume_evidence_in_korean() -> None:
    en, ko = both("release", "check", "--snapshot", HARBOR, "-o", "json")
    assert [f["check_id"] for f in en["findings"]] == [f["check_id"] for f in ko["findings"]]
    assert all(HANGUL.search(f["message"]) for f in ko["findings"])
    assert not any(HANGUL.search(f["message"]) for f in en["findings"])
    unread = {p["volume_snapshots_unread"] for p in ko["pvcs"]} - {None}
    assert unread == {
        "이 클러스터에는 VolumeSnapshot API가 없음 (snapshot.storage.k8s.io/v1을 제공하지 않음)"
    }


def test_preflight_and_probe_json_say_titles_reasons_and_predictions_in_korean() -> None:
    _en, ko = both(*PREFLIGHT)
    (cause,) = ko["breaks"]
    assert (
        cause["key"] == "cidr-overlap"
        and cause["title"] == "Pod, 서비스, 노드 네트워크 대역이 겹침"
    )
    whys = {r["name"]: r["why"] for r in ko["recommended"]["rules"]}
    assert whys["pod_cidr"] == "노드 간 Pod 출발 패킷 (Pod CIDR에서 오는 모든 프로토콜)"
    _en, ko = both("probe", "--snapshot", SEED, "-o", "json")
    first = ko["plan"]["probes"][0]
    assert first["id"] == "dns-udp/k8s-cp-1" and first["predicted"]["cause"] == "antispoof"
    assert first["predicted"]["where"] == "Neutron 포트 5f1c.. (k8s-cp-1)"
