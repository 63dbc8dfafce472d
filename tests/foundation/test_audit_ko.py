"""What a Korean reader's first hour still showed: particles fixed after a quoted command or a
bracket, and durations in English units.

"`kostack fix plan --snapshot FILE`을", "`... --yes`을 다시", "[10.244.0.0/16]로" read wrong (를,
를, 으로); "24 h 오래되었습니다" and "1h04m 동안" kept English units in Korean sentences.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kostack.catalog import Msg, localize
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
    # the placeholder FILE reads 파일, as NAME reads 네임 (kostack.korean._CAPS_WORDS)
    assert "`kostack fix plan --snapshot FILE`을 실행하세요" in flat(out), out
    assert "FILE`를" not in out


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
    # the catalogues that register apply.*, act.* and plan.*
    import kostack.apply.messages
    import kostack.cli.interrupt_text
    import kostack.plan.assemble_text  # noqa: F401

    assert expected in Msg(key, **params).render("ko")


def test_the_english_of_a_quoted_command_is_unchanged() -> None:
    import kostack.cli.interrupt_text  # noqa: F401

    text = Msg("act.next.release", journal="j", check="c --x", again="a --yes")
    assert text == (
        "the journal j records every step; see what is left with `c --x`, then run `a --yes` "
        "again (volumes set to Retain keep their data)"
    )


@pytest.mark.parametrize(
    ("args", "korean", "english", "leftover"),
    [
        (
            ("release", "check", "--snapshot", str(EXAMPLES / "harbor-wrong-namespace.json")),
            "(2025-10-22 11:02 UTC)보다 24시간 오래되었습니다",
            "created 2025-10-21 02:02 UTC, 24 h before release default/harbor",
            "24 h",
        ),
        (
            ("diagnose", "--snapshot", str(EXAMPLES / "lb-pending-create.json")),
            "kube_service_kubernetes_shop_web이 1시간 4분 동안 PENDING_CREATE",
            "has been PENDING_CREATE for 1h04m",
            "1h04m",
        ),
        (
            ("diagnose", "--snapshot", str(EXAMPLES / "lb-pending-create.json")),
            "(EXTERNAL-IP <pending>, 4분)",
            "(EXTERNAL-IP <pending>, 4m)",
            "4m)",
        ),
    ],
)
def test_a_duration_is_said_in_the_readers_units(
    args: tuple[str, ...], korean: str, english: str, leftover: str
) -> None:
    code, out = run_cli(*args, "--lang", "ko")
    assert code == 1, out
    assert korean in flat(out), out
    assert leftover not in out, out
    code, out = run_cli(*args, "--lang", "en")
    assert code == 1, out
    assert english in flat(out), out


@pytest.mark.parametrize(
    ("seconds", "english", "korean"),
    [
        (45, "45s", "45초"),
        (600, "10m", "10분"),
        (3600, "1h00m", "1시간"),
        (3840, "1h04m", "1시간 4분"),
        (4500, "1h15m", "1시간 15분"),
        (86400, "1d0h", "1일"),
        (97200, "1d3h", "1일 3시간"),
    ],
)
def test_a_short_age_reads_the_same_in_english_and_naturally_in_korean(
    seconds: int, english: str, korean: str
) -> None:
    from kostack.analyze.times import short_age

    text = short_age(seconds)
    assert (text, localize(text, "ko")) == (english, korean)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("seed-fixed.json", "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"),
            "Neutron 포트 5f1c.. (k8s-cp-1) -> Neutron 포트 a07e.. (k8s-w-1) (응답): 허용된 연결의 응답",
        ),
        (
            ("lb-amphora-healthy.json", "client", "ip:203.0.113.50:80/tcp"),
            "트래픽 허용됨 (10.0.0.0/24 -> 10.0.0.11:31080/tcp), 규칙 9470.. (tcp 30000-32767, "
            "출발지 10.0.0.0/24)",
        ),
    ],
)
def test_a_korean_trace_says_every_hop_in_korean(args: tuple[str, str, str], expected: str) -> None:
    """The reply hop read "Neutron port a07e.. (k8s-w-1) -> Neutron port 5f1c.. (k8s-cp-1)" and a
    member's admitting rule "(tcp 30000-32767 from 10.0.0.0/24)" in Korean traces."""
    snapshot, src, dst = args
    code, out = run_cli("trace", "--snapshot", str(EXAMPLES / snapshot), src, dst, "--lang", "ko")
    assert code == 0, out
    assert expected in out, out
    assert "Neutron port" not in out and " from " not in out, out
