"""click's own words under a Korean language: the metavars and ranges of every command's
Korean help.

English stays click's, word for word (tests/data/help_en.txt pins the help).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from test_korean_help import PATHS, help_of, option_rows

BIN = Path(sys.executable).parent
HANGUL = re.compile("[가-힣]")
KO = {"LANG": "ko_KR.UTF-8"}
EN = {"LANG": "C.UTF-8"}
# what click prints for an option that names no metavar of its own, and the Korean for it
# (a range's bounds are said in the option's [...], so an integer in a range is an integer)
METAVARS = {
    "INTEGER RANGE": "정수",
    "FLOAT RANGE": "실수",
    "INTEGER": "정수",
    "FLOAT": "실수",
    "TEXT": "문자열",
    "DIRECTORY": "디렉터리",
}
CLICK_WORDS = re.compile(
    r"\b(?:INTEGER|FLOAT|RANGE|TEXT|BOOLEAN|FILENAME|DIRECTORY|PATH|DATETIME)\b|x[<>]=?|<=?x"
)


# --------------------------------------------------------------------------- metavars, ranges


def options_of(path: str, **environ: str) -> str:
    text = help_of(path, "--help", environ=environ)
    return re.split(r"\n(?:Options|옵션):\n", text)[1].split("\n\n")[0]


@pytest.mark.parametrize("path", PATHS)
def test_korean_help_says_clicks_metavars_and_ranges_in_korean(path: str) -> None:
    english = option_rows(options_of(path))
    text = options_of(path, KOSTACK_LANG="ko")
    assert CLICK_WORDS.findall(text) == [], text
    said = [re.sub("|".join(METAVARS), lambda m: METAVARS[m[0]], row) for row in english]
    assert option_rows(text) == said
    # a bound stays with its number ("1 이상", never "1" at the end of a line and "이상]" after)
    assert re.findall(r"^\s+(?:이상|이하|초과|미만)", text, re.M) == []


@pytest.mark.parametrize(
    ("path", "rows"),
    [
        ("fix apply", ["  --retries 정수                  답이 없거나 5xx를 받은 요청을 다시",
                       "[기본값: 2; 0 이상 10 이하]"]),
        ("preflight", ["  --control-planes 정수           노드 중 몇 개(앞의 것부터)가 컨트롤",
                       "  --network-mtu 정수              계획한 네트워크 MTU. [68 이상 65535 이하]",
                       "  --security-group 문자열         만들 그룹의 이름. [기본값: k8s-nodes]"]),
        ("diagnose", ["[0.1 이상 3600 이하]"]),
        ("guard", ["[기본값: 2; 0 이상]", "  --passes N                      N 회차 뒤 멈춥니다"]),
        ("lab up", ["  --nodes 정수                    노드 VM: 컨트롤 플레인 1 + 워커(2-40). [기본값: 4]"]),
        ("lab probe", ["  --timeout 실수", "  --state-dir 디렉터리"]),
    ],
)  # fmt: skip
def test_the_words_a_korean_engineer_reads(path: str, rows: list[str]) -> None:
    """INTEGER RANGE, FLOAT, TEXT and `[x>=1]` / `[1<=x<=40]` were click's English."""
    text = options_of(path, KOSTACK_LANG="ko")
    assert [row for row in rows if row not in text] == [], text
