"""Under --lang ko, no Korean line carries two lowercase English words in a row.

The three-word detector (english.py's `english_lines`) let two-word leftovers through:
"client traffic 허용", "(agents list: ...)", "natOutgoing off", "no encapsulation (BGP)",
"(+2, -v for all)". This reads every example's Korean diagnose -v, report, fix plan -v and
release check -v with `korean_pair_lines`: glosses after a Korean term, field=value
evidence and the snapshot's own names (namespaces, releases, pods, groups) aside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from english import english_lines, english_pairs, korean_pair_lines

from kostack_testkit.cli import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ALL = sorted(p.stem for p in EXAMPLES.glob("*.json"))
COMMANDS = (  # (the command, its options)
    (("diagnose",), ("-v",)),
    (("report",), ("-o", "-", "--format", "md")),
    (("fix", "plan"), ("-v",)),
    (("release", "check"), ("-v",)),
)


def names_in(doc: Any) -> frozenset[str]:
    """Every lowercase word the snapshot holds as a value (names of things, not kostack's)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and " " not in value and len(value) < 64:
            found.add(value)

    walk(doc)
    return frozenset(found)


@pytest.mark.parametrize(
    ("line", "caught"),
    [
        ("     이유:    shop/web의 NodePort 31080/tcp로 client traffic 허용", ["client traffic"]),
        ("| Neutron 백엔드 | ml2/ovs (agents list: Open vSwitch agent) |", ["agents list"]),
        ("  ... (+2, -v for all)", ["for all"]),
        ("조치 기록(fix journal)이 없어 적용된 변경이 없습니다.", []),
        ("근거:      network k8s-net mtu=1450", []),
        ("비용이 대역 쌍의 수가 아니라 n log n에 비례합니다.", []),
        ("`kubectl -n kube-system get pods` 를 보세요", []),
    ],
)
def test_the_pair_reader_catches_pairs_and_passes_glosses(line: str, caught: list[str]) -> None:
    assert english_pairs(line) == caught


@pytest.mark.parametrize("name", ALL)
def test_every_korean_output_is_free_of_english_pairs(name: str, tmp_path: Path) -> None:
    path = EXAMPLES / f"{name}.json"
    names = names_in(json.loads(path.read_text(encoding="utf-8")))
    bad: list[str] = []
    for command, options in COMMANDS:
        code, text = run_cli(
            *command, "--snapshot", str(path), "--lang", "ko", *options,
            environ={"HOME": str(tmp_path)},
        )  # fmt: skip
        assert code != 70, text
        said = " ".join(command)
        bad += [f"{said}: {line}" for line in korean_pair_lines(text, names)]
        bad += [f"{said}: {line}" for line in english_lines(text)]
    assert bad == [], "\n".join(bad)
