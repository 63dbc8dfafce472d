"""What a Korean reader's first hour still showed: particles fixed after a quoted command or a
bracket, and durations in English units.

"`kostack fix plan --snapshot FILE`을", "`... --yes`을 다시", "[10.244.0.0/16]로" read wrong (를,
를, 으로); "24 h 오래되었습니다" and "1h04m 동안" kept English units in Korean sentences.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kostack.catalog import Msg
from kostack_testkit.cli import flat, run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_fix_apply_without_credentials_names_the_plan_command_with_its_particle(
    tmp_path: Path,
) -> None:
    code, out = run_cli(
        "fix", "apply", "--yes", "--lang", "ko", "--snapshot", str(EXAMPLES / "seed-incident.json"),
        environ={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
    )  # fmt: skip
    assert code == 3, out
    assert "`kostack fix plan --snapshot FILE`를 실행하세요" in flat(out), out
    assert "FILE`을" not in out


@pytest.mark.parametrize(
    ("key", "params", "expected"),
    [
        (
            "act.next.release",
            {
                "journal": "j.jsonl",
                "check": "kostack release check harbor --namespace harbor-system",
                "again": "kostack release reinstall harbor --namespace harbor --yes",
            },
            "`kostack release check harbor --namespace harbor-system`으로 남은 것을 확인한 뒤 "
            "`kostack release reinstall harbor --namespace harbor --yes`를 다시 실행하세요",
        ),
        (
            "apply.resume.undo",
            {"rollback": "kostack fix rollback fix-journal.json --yes"},
            "`kostack fix rollback fix-journal.json --yes`를 다시 실행하세요",
        ),
        (
            "plan.undo.pairs",
            {"pairs": "10.244.0.0/16"},
            "allowed_address_pairs를 [10.244.0.0/16] 값으로 되돌림",
        ),
        ("plan.undo.no-pairs", {}, "allowed_address_pairs를 빈 목록 [](없음)으로 되돌림"),
    ],
)
def test_a_particle_after_a_quoted_command_or_a_bracket_follows_the_value(
    key: str, params: dict[str, str], expected: str
) -> None:
    import kostack.apply.messages  # noqa: F401  (registers apply.*)
    import kostack.cli.interrupt_text  # noqa: F401  (registers act.*)
    import kostack.plan.assemble_text  # noqa: F401  (registers plan.*)

    assert expected in Msg(key, **params).render("ko")


def test_the_english_of_a_quoted_command_is_unchanged() -> None:
    import kostack.cli.interrupt_text  # noqa: F401

    text = Msg("act.next.release", journal="j", check="c --x", again="a --yes")
    assert text == (
        "the journal j records every step; see what is left with `c --x`, then run `a --yes` "
        "again (volumes set to Retain keep their data)"
    )
