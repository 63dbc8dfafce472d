"""click's own words under a Korean language: the metavars and ranges of every command's
Korean help, and the usage errors click raises.

English stays click's, word for word (tests/data/help_en.txt pins the help; the error cases
below pin the English next to the Korean).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
import pytest
from test_korean_help import PATHS, TREE, help_of, option_rows

from kostack_testkit.cli import run_cli

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


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "english", "korean"),
    [
        (("fix", "apply", "--retries", "50"),
         "Invalid value for '--retries': 50 is not in the range 0<=x<=10.",
         "--retries: 50은 허용 범위(0 이상 10 이하)를 벗어납니다"),
        (("guard", "--breaker-floor", "-1"),
         "Invalid value for '--breaker-floor': -1 is not in the range x>=0.",
         "--breaker-floor: -1은 허용 범위(0 이상)를 벗어납니다"),
        (("lab", "way-in", "--node-port", "5"),
         "Invalid value for '--node-port': 5 is not in the range 30000<=x<=32767.",
         "--node-port: 5는 허용 범위(30000 이상 32767 이하)를 벗어납니다"),
        (("diagnose", "--verbose=1"), "Option '--verbose' does not take a value.",
         "옵션 --verbose에는 값을 줄 수 없습니다"),
        (("release", "reinstall", "x", "--chart", "c", "--namespace", "n", "--values", "/etc"),
         "Invalid value for '-f' / '--values': File '/etc' is a directory.",
         "--values: 파일 '/etc'는 디렉터리입니다"),
        (("lab", "down", "--state-dir", "/etc/passwd"),
         "Invalid value for '--state-dir': Directory '/etc/passwd' is a file.",
         "--state-dir: 디렉터리 '/etc/passwd'는 파일입니다"),
        (("diagnose", "--lang", "xx"),
         "Invalid value for '--lang': 'xx' is not one of 'en', 'ko'.",
         "--lang: 'xx'는 허용되지 않는 값입니다. 가능한 값: 'en', 'ko'"),
    ],
)  # fmt: skip
def test_clicks_usage_errors_in_korean(args: tuple[str, ...], english: str, korean: str) -> None:
    """Under a Korean locale: a range in words, no English quoted, and an unknown --lang
    (`--lang xx`) no longer turns the error English."""
    code, text = run_cli(*args, environ=EN)
    assert code == 2 and text.splitlines()[0] == f"error: {english}", text
    code, text = run_cli(*args, environ=KO)
    assert code == 2 and text.splitlines()[0] == f"오류: {korean}", text


def out_of_range() -> list[tuple[str, ...]]:
    """Every option of every command that takes a number in a range, given one beyond it."""
    cases = []
    for path, command in TREE:
        for param in command.params:  # (get_params would fix a --help without -h)
            kind = param.type
            if isinstance(param, click.Option) and isinstance(kind, click.types._NumberRangeBase):
                beyond = kind.max + 1 if kind.max is not None else kind.min - 1  # type: ignore[operator]
                cases.append((*path.split(), max(param.opts, key=len), str(beyond)))
    return cases


@pytest.mark.parametrize("args", out_of_range(), ids=" ".join)
def test_every_range_error_says_its_range_in_words(args: tuple[str, ...]) -> None:
    code, text = run_cli(*args, environ=KO)
    first = text.splitlines()[0]
    assert code == 2 and "허용 범위(" in first and CLICK_WORDS.findall(first) == [], text
