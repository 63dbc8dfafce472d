"""Gap messages: every key in both languages, kept in the snapshot by key, redacted parameter by
parameter, and an old snapshot (no keys) still loads and prints its English, quoted in Korean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import kostack.plan.preflight_errors  # noqa: F401  (registers pf.*)
from kostack.catalog import CATALOG, LANGS, Msg, from_data, message_data, placeholders
from kostack.collect.gap_texts import make_gap
from kostack.gap_words import error_of, first_of, gap_error, gap_hint, quoted
from kostack.model import dump_snapshot, loads_snapshot
from kostack.model.snapshot import Gap, Snapshot

SRC = Path(__file__).resolve().parents[2] / "src" / "kostack"
KEYS = sorted(k for k in CATALOG if k.startswith(("gap.", "pf.", "preflight.name.")))
TOKEN = "gAAAAABnZkZ3c2VjcmV0LXRva2VuLXRoYXQtbXVzdC1uZXZlci1iZS1wcmludGVk"


def test_there_are_gap_and_preflight_keys() -> None:
    assert len([k for k in KEYS if k.startswith("gap.")]) >= 80
    assert len([k for k in KEYS if k.startswith("pf.")]) > 40


@pytest.mark.parametrize("key", KEYS)
def test_every_gap_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    langs = CATALOG[key]
    assert set(langs) == set(LANGS), key
    assert placeholders(langs["en"]) == placeholders(langs["ko"]), key
    assert any("\uac00" <= ch <= "\ud7a3" for ch in langs["ko"]) or not re.search(
        r"[a-z]{3,} [a-z]{3,} [a-z]{3,}", langs["ko"]
    ), key


def test_every_gap_key_the_code_says_is_registered() -> None:
    said = set()
    for path in SRC.rglob("*.py"):
        said |= set(re.findall(r'Msg\(\s*"((?:gap|pf)\.[a-z0-9_.-]+)"', path.read_text()))
        said |= set(re.findall(r'"(gap\.os\.dep\.[a-z_]+)"', path.read_text()))
    assert len(said) > 60, said
    assert said - set(CATALOG) == set()


def test_a_gap_keeps_english_text_and_its_keys_and_says_korean() -> None:
    gap = make_gap(
        "openstack.ports",
        Msg("gap.api.deadline", path="/v2.0/ports", seconds="30"),
        Msg("gap.hint.os.timeout", dependents=Msg("gap.os.dep.ports")),
    )
    assert gap.error == "GET /v2.0/ports got no answer within 30 s"
    assert gap.key == "gap.api.deadline" and gap.params == {"path": "/v2.0/ports", "seconds": "30"}
    assert gap.hint_params == {"dependents": {"key": "gap.os.dep.ports", "params": {}}}
    loaded = loads_snapshot(dump_snapshot(Snapshot(gaps=(gap,))))
    (back,) = loaded.gaps
    assert type(back.error) is str  # from a file: plain text, the key says it again
    assert gap_error(back, "ko") == "GET /v2.0/ports에 30초 안에 응답이 없었습니다"
    assert gap_hint(back, "ko").startswith("스푸핑 방지(anti-spoofing)")
    assert gap_error(back, "en") == gap.error and gap_hint(back, "en") == gap.hint


def test_the_servers_words_are_quoted_in_korean_only() -> None:
    gap = make_gap("cluster.pods", "GET /api/v1/pods: 403 Forbidden: pods is forbidden")
    assert gap_error(gap, "en") == "GET /api/v1/pods: 403 Forbidden: pods is forbidden"
    assert gap_error(gap, "ko") == "“GET /api/v1/pods: 403 Forbidden: pods is forbidden”"
    assert quoted(Msg("gap.kube.no-cni")) == Msg("gap.kube.no-cni")


def test_a_token_in_any_parameter_never_reaches_the_file_or_the_screen() -> None:
    error = Msg(
        "gap.api.http",
        status=403,
        reason=" Forbidden",
        path="/v2.0/security-groups",
        message=quoted(f"denied (X-Auth-Token: {TOKEN})"),
        request=Msg("gap.api.request-id", id=f"Bearer {TOKEN}"),
    )
    known = "s3cr3t-value-of-this-run"
    gap = make_gap(
        "openstack.security_groups",
        error,
        Msg("gap.hint.os.policy", dependents=f"password={known}", what="security groups"),
        redact=lambda text: text.replace(known, "<redacted>"),
    )
    text = dump_snapshot(Snapshot(gaps=(gap,)))
    assert TOKEN not in text and known not in text
    assert json.loads(text)["gaps"][0]["key"] == "gap.api.http"  # still a message
    (back,) = loads_snapshot(text).gaps
    for lang in LANGS:
        said = gap_error(back, lang) + gap_hint(back, lang) + gap_error(gap, lang)
        assert TOKEN not in said and known not in said, said


def test_an_old_snapshot_without_keys_loads_and_prints_its_english() -> None:
    doc = {
        "schema_version": 3,
        "gaps": [{"source": "cluster.pods", "error": "pods were not read", "hint": "grant it"}],
    }
    (gap,) = loads_snapshot(json.dumps(doc)).gaps
    assert gap.key is None and gap.params == {}
    assert gap_error(gap, "en") == "pods were not read"
    assert gap_error(gap, "ko") == "“pods were not read”"
    assert gap_hint(gap, "ko") == "“grant it”"


def test_a_key_this_kostack_does_not_know_falls_back_to_the_english() -> None:
    gap = Gap(source="x", error="said by a newer kostack", key="gap.from.the-future")
    assert gap_error(gap, "ko") == "“said by a newer kostack”"
    wrong = Gap(source="x", error="deadline", key="gap.api.deadline", params={"path": "/p"})
    assert gap_error(wrong, "ko") == "“deadline”"  # a placeholder missing: not a crash
    assert from_data("gap.api.deadline", {"path": "/p", "seconds": {"bad": 1}}, "e") == "e"


def test_nested_messages_and_lists_round_trip() -> None:
    said = Msg("gap.kube.skipped", n=5, shown=first_of(["a", "b", "c", "d", "e"]))
    key, params = message_data(said)
    again = from_data(key, json.loads(json.dumps(params)), "")
    assert isinstance(again, Msg) and again == said
    assert again.render("ko") == "kostack이 읽을 수 없는 값 5개를 건너뛰었습니다: “a; b; c” 외 2개"
    assert message_data("plain") == (None, {})
    assert error_of(Gap(source="s", error="e")).render("ko") == "“e”"
