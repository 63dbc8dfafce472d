"""Korean particles after a placeholder: written in two forms, rendered as the one that fits."""

from __future__ import annotations

import re

import pytest

import kostack.analyze.checks  # registers every check's messages
import kostack.analyze.loadbalancer.texts  # noqa: F401
from kostack.analyze.messages import CATALOG, Msg, particle, register

ONE_FORM = re.compile(r"(이|가|은|는|을|를|과|와|으로|로)")
TWO_FORMS = ("이(가)", "은(는)", "을(를)", "과(와)", "(으)로")


@pytest.mark.parametrize(
    ("word", "two", "expected"),
    [
        ("31080", "(으)로", "으로"),  # ...팔십 (ㅇ for 0): 으로
        ("10.0.0.11", "(으)로", "로"),  # 일: ㄹ takes 로
        ("10.0.0.0/24", "이(가)", "가"),  # 사
        ("k8s-w-1", "은(는)", "은"),  # 일
        ("443", "을(를)", "을"),  # 삼
        ("노드", "이(가)", "가"),
        ("서울", "(으)로", "로"),
        ("그룹", "과(와)", "과"),
        ("kube-proxy", "을(를)", "을(를)"),  # a Latin word's reading is not known
        ("OFFLINE", "(으)로", "(으)로"),
        ("", "이(가)", "이(가)"),
    ],
)
def test_particle(word: str, two: str, expected: str) -> None:
    assert particle(word, two) == expected


def test_rendering_resolves_only_right_after_a_placeholder() -> None:
    register(
        {
            "test.particles": {
                "en": "{a} {b} {c:>3}",
                "ko": "{a}(으)로 {b}이(가) {c:>3}을(를) 그룹이(가)",
            }
        }
    )
    try:
        msg = Msg("test.particles", a="31080", b="kube-proxy", c=7)
        assert msg.render("ko") == "31080으로 kube-proxy이(가)   7을 그룹이(가)"
        assert msg.render("en") == "31080 kube-proxy   7"
    finally:
        del CATALOG["test.particles"]


def test_load_balancer_messages_never_put_a_one_form_particle_after_a_placeholder() -> None:
    """The way in's Korean: `{port}로` would read wrong after 31080; `{port}(으)로` never does."""
    wrong = []
    for key, langs in CATALOG.items():
        if not key.startswith("lb"):
            continue
        text = langs["ko"]
        for m in re.finditer(r"\}", text):
            rest = text[m.end() :]
            if ONE_FORM.match(rest) and not rest.startswith(TWO_FORMS):
                wrong.append(f"{key}: ...{text[max(0, m.start() - 12) : m.end() + 4]}...")
    assert wrong == []
    assert sum(1 for k in CATALOG if k.startswith("lb")) > 50  # the scan saw them


def test_the_report_resolves_them_too() -> None:
    """The incident report renders messages through its own markup path (report/markup.py)."""
    from kostack.report.markup import marked

    register(
        {
            "test.report-particles": {
                "en": "to {port} `{cmd}`",
                "ko": "포트 {port}(으)로 `{cmd}`을(를)",
            }
        }
    )
    try:
        msg = Msg("test.report-particles", port=31080, cmd="nc")
        assert str(marked(msg, "ko")) == "포트 31080으로 `nc`을(를)"
    finally:
        del CATALOG["test.report-particles"]
