"""Korean particles after a placeholder in the way in's messages, in findings and in the report.

The mechanism (a particle pair as the placeholder's format spec, "{port:으로/로}")
is analyze/messages.py's; these tests pin it where the load balancer messages
and the incident report's markup path use it.
"""

from __future__ import annotations

import re

import pytest

import kostack.analyze.checks  # registers every check's messages
import kostack.analyze.loadbalancer.texts  # noqa: F401
from kostack.analyze.messages import CATALOG, Msg, particle, register
from kostack.report.markup import marked

ONE_FORM = re.compile(r"(이|가|은|는|을|를|과|와|으로|로)(?![가-힣])|(로부터|으로부터)")


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("31080", "으로/로", "으로"),  # ...팔십: ㅂ
        ("10.0.0.11", "으로/로", "로"),  # 십일: ㄹ takes 로
        ("10.0.0.0/24", "이/가", "가"),  # 이십사
        ("443", "을/를", "을"),  # 사백사십삼
        ("노드", "이/가", "가"),
        ("그룹", "과/와", "과"),
    ],
)
def test_particle(word: str, pair: str, expected: str) -> None:
    assert particle(word, pair) == expected


def test_load_balancer_messages_never_fix_a_particle_after_a_placeholder() -> None:
    """`{port}로` would read wrong after 31080; `{port:으로/로}` never does."""
    wrong = []
    for key, langs in CATALOG.items():
        if not key.startswith("lb"):
            continue
        text = langs["ko"]
        for m in re.finditer(r"\}", text):
            rest = text[m.end() :]
            if ONE_FORM.match(rest) or rest.startswith(("(가)", "(는)", "(를)", "(와)", "(으)로")):
                wrong.append(f"{key}: ...{text[max(0, m.start() - 12) : m.end() + 4]}...")
    assert wrong == [], wrong
    assert sum(1 for k in CATALOG if k.startswith("lb")) > 50  # the scan saw them


def test_the_report_markup_path_takes_the_spec_too() -> None:
    """The incident report renders messages through report/markup.py, data kept as data."""
    register(
        {"test.lb-particles": {"en": "to {port} `{cmd}`", "ko": "포트 {port:으로/로} `{cmd}`"}}
    )
    try:
        msg = Msg("test.lb-particles", port=31080, cmd="nc")
        assert msg.render("ko") == "포트 31080으로 `nc`"
        assert str(marked(msg, "ko")) == "포트 31080으로 `nc`"
    finally:
        del CATALOG["test.lb-particles"]
