"""`kostack --help` (and `kostack` alone) in Korean when the language is Korean.

The top-level help is what a Korean reader sees first: its description, its options and
the list of commands are said here in Korean, laid out in terminal cells (a Hangul syllable
takes two) within 100 cells. A command's own `--help` (its options, their defaults) stays
English, as click words it (docs/dev/messages.md). Importing this imports nothing else.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from typing import Final

import click

WIDTH: Final = 100
USAGE: Final = "사용법: {prog} [옵션] 명령 [인자]..."
ABOUT: Final = (
    "Kubernetes-on-OpenStack에서 Pod끼리 통신하지 못하는 원인을 찾고 안전하게 고칩니다.",
    "kostack은 OpenStack 프로젝트(Neutron 포트, 보안 그룹, 네트워크, 라우터)와 클러스터(노드, "
    "CNI, 서비스)를 읽고, 어떤 규칙이 어떤 흐름을 막는지 홉마다 설명하고, 수정을 계획합니다. "
    "--yes 없이는 아무것도 바꾸지 않습니다.",
)
OPTIONS: Final = {
    "version": "버전을 보여 주고 끝냅니다.",
    "debug": "트레이스백과 클라이언트 라이브러리의 로그를 보여 줍니다(자격 증명은 가립니다).",
    "kube_context": "모든 명령이 쓸 kubeconfig 컨텍스트"
    "(`kubectl kostack --context prod diagnose`처럼).",
    "kubeconfig": "모든 명령이 쓸 kubeconfig 파일.",
    "color": "결과를 심각도별로 색칠합니다: auto는 터미널이고 NO_COLOR가 없을 때입니다"
    "(json, junit, sarif, 스크립트에는 하지 않음).",
    "progress": "오래 걸리는 단계의 진행 상황을 stderr에 보여 줍니다(진단 단계마다 한 줄): "
    "auto는 stderr가 터미널이고 출력이 json, junit, sarif가 아닐 때입니다.",
    "lang": "모든 명령의 결과와 오류의 언어로, KOSTACK_LANG과 같습니다(명령 자체의 --lang이 우선).",
    "help": "이 도움말을 보여 주고 끝냅니다.",
}
# The commands' one-line summaries (kostack.cli.lazy.COMMANDS has the English).
SUMMARIES: Final = {
    "collect": "OpenStack과 Kubernetes를 읽기만 하고 스냅샷을 씁니다.",
    "completion": "셸(bash, zsh)의 자동 완성 스크립트를 출력합니다.",
    "diagnose": "Pod 네트워크 장애의 근본 원인을 찾습니다.",
    "fix": "`kostack diagnose`가 찾은 문제의 수정을 계획, 적용, 검증하고 롤백합니다.",
    "guard": "노드가 바뀌어도 노드 포트를 올바르게 유지합니다: 어긋남 감사, 또는 안전장치를 둔 "
    "강제 적용.",
    "lab": "사고 환경처럼 동작하는 네트워크 랩을 만들고 점검하고 정리합니다.",
    "preflight": "클러스터를 만들기 전에 점검합니다: 무엇이 깨질지, 만들어야 할 포트.",
    "probe": "Pod 네트워크를 실제로 점검하고 정적 모델과 비교합니다.",
    "release": "상태가 있는 Helm 릴리스(Harbor 등): 무엇이 잘못됐는지, 깨끗한 재설치.",
    "report": "장애 보고서를 씁니다: 본 것, 원인, 점검한 것, 한 일, 배울 점.",
    "trace": "흐름 하나를 홉마다 추적하고 어느 규칙이 그 흐름을 결정하는지 말합니다.",
    "watch": "계속 실행합니다: 주기마다 수집, 진단, 점검하고 Prometheus 메트릭을 제공합니다.",
}
EXAMPLE: Final = ("예:", "kostack diagnose --snapshot examples/seed-incident.json")


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words (never inside a
    `code span`)."""
    lines: list[str] = []
    for word in re.findall(r"\S*`[^`]*`\S*|\S+", text):
        if lines and cells(lines[-1]) + 1 + cells(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    """A two-column list, the second column wrapped under itself."""
    left = min(max(cells(a) for a, _ in rows), 32) + 2
    out: list[str] = []
    for first, text in rows:
        lines = wrap(text, WIDTH - 2 - left)
        if cells(first) + 2 > left:  # a long option: its help starts on the next line
            out.append(f"  {first}")
        else:
            out.append(f"  {first}{' ' * (left - cells(first))}{lines.pop(0)}")
        out.extend(f"  {' ' * left}{line}" for line in lines)
    return out


def korean_help(ctx: click.Context, group: click.Group) -> str:
    """The top-level help in Korean."""
    out = [USAGE.format(prog=ctx.command_path), ""]
    for paragraph in ABOUT:
        out += [*textwrap.indent("\n".join(wrap(paragraph, WIDTH - 2)), "  ").split("\n"), ""]
    rows = []
    for param in group.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None and param.name is not None:
            default = getattr(param, "default", None) if getattr(param, "show_default", 0) else None
            shown = f"  [기본값: {default}]" if default else ""
            name = "help" if "--help" in param.opts else param.name
            rows.append((record[0], OPTIONS.get(name, record[1]) + shown))
    out += ["옵션:", *_rows(rows), "", "명령:"]
    out += _rows([(name, SUMMARIES[name]) for name in group.list_commands(ctx)])
    return "\n".join([*out, "", f"  {EXAMPLE[0]}", "", f"    {EXAMPLE[1]}", ""])
