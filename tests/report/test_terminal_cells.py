"""The terminal rendering is laid out in cells, not characters: a Hangul syllable takes two, so
Korean labels line up, prose wraps at 100 cells in both languages and commands are never split."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kostack.analyze.diagnose import diagnose
from kostack.model import load_snapshot
from kostack.report.cells import bullet, cells, fit, hang, labelled, pad, wrap
from kostack.report.text import render_diagnosis

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))
WIDTH = 100


def test_cells_count_hangul_twice() -> None:
    assert cells("Ports:") == 6
    assert cells("포트:") == 5
    assert cells("노드 4대") == 8
    assert pad("영향:", 8) == "영향:   "
    assert cells(pad("영향:", 8)) == 8
    assert pad("longer than it", 4) == "longer than it"


def test_fit_cuts_wide_text_to_exactly_its_cells() -> None:
    assert fit("abcdef", 5) == "abc.."
    for width in range(3, 12):
        shown = fit("보안 그룹이 노드 간", width)
        # a wide syllable cannot be halved: the cut may leave one cell, filled with a space
        assert cells(shown) == width
        assert shown.rstrip().endswith("..") or cells("보안 그룹이 노드 간") <= width


def test_wrap_measures_cells_and_keeps_code_spans_whole() -> None:
    text = "가나다라 " * 40 + "then `kostack fix plan --method disable-port-security`을 실행하세요."
    lines = wrap(text, "  ", width=40)
    # only the code span, longer than a line, stands alone past the width
    assert [line for line in lines if cells(line) > 40] == [
        "  `kostack fix plan --method disable-port-security`을"
    ]
    assert any("`kostack fix plan --method disable-port-security`을" in line for line in lines)
    assert " ".join(line.strip() for line in lines) == " ".join(text.split())


def test_two_code_spans_in_one_text_wrap_as_two_words() -> None:
    """Before, `export` and `kostack collect` were one 'word' from the first backtick to the
    last, so the wrap could cut inside `kostack collect`."""
    text = "print the `export` lines and run `kostack collect` then `kostack diagnose -o json`."
    for width in range(20, 60):
        for line in wrap(text, "", width=width):
            assert line.count("`") % 2 == 0, (width, line)


def test_labelled_and_bullet_hang_under_their_text() -> None:
    lines = labelled("영향:", "단어 " * 60, 13)
    first_col = cells("  " + pad("영향:", 13) + " ")
    assert lines[0].startswith("  영향:")
    assert all(line[:first_col].isspace() and line[first_col] != " " for line in lines[1:])
    lines = bullet("word " * 60)
    assert lines[0].startswith("    - word")
    assert all(line.startswith("      word") for line in lines[1:])


def _rendered(path: Path, lang: str, verbose: bool) -> list[str]:
    d = diagnose(load_snapshot(path))
    return render_diagnosis(d, lang, verbose=verbose).splitlines()


def _is_command(line: str) -> bool:
    return line.startswith("    ") and not line.lstrip().startswith("- ")


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_prose_line_fits_100_cells(path: Path, lang: str) -> None:
    for verbose in (False, True):
        for line in _rendered(path, lang, verbose):
            if _is_command(line) or " " not in line.strip():
                continue  # a command stays whole for pasting; one long word cannot wrap
            words = re.findall(r"\S*`[^`]*`\S*|\S+", line)
            if len(words) == 1:
                continue
            assert cells(line) <= WIDTH, f"{path.stem} {lang} verbose={verbose}: {line!r}"


def test_korean_labels_align_their_continuation_lines() -> None:
    lines = _rendered(EXAMPLES[0].parent / "seed-incident.json", "ko", verbose=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  영향:"))
    column = cells(re.match(r"  영향:\s+", lines[at]).group(0))  # type: ignore[union-attr]
    continued = lines[at + 1 : at + 4]
    assert continued, lines
    for line in continued:
        assert cells(line) - cells(line.lstrip(" ")) == column, (lines[at], line)


def _cli(*args: str) -> str:
    import io

    from kostack.cli.common import Environment
    from kostack.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    main(list(args), Environment(out, err, {"LANG": "C.UTF-8"}, False, False))
    return out.getvalue()


def test_preflight_rules_line_up_in_korean() -> None:
    out = _cli(
        "preflight",
        "--pod-cidr",
        "10.244.0.0/16",
        "--service-cidr",
        "10.96.0.0/12",
        "--node",
        "10.0.0.11=cp1",
        "--node",
        "10.0.0.12=w1",
        "--lang",
        "ko",
    )
    whys = ("Kubernetes API 서버", "kubelet (", "Calico VXLAN", "Calico BGP", "Calico Typha")
    starts = set()
    for line in out.splitlines():
        for why in (*whys, "노드 간 Pod 출발 패킷"):
            if line.startswith("    ") and why in line and "출발지" in line:
                starts.add(cells(line[: line.index(why)]))
    assert len(starts) == 1, out


def test_fix_plan_labels_line_up_in_korean() -> None:
    out = _cli(
        "fix", "plan", "--snapshot", str(EXAMPLES[0].parent / "seed-incident.json"), "--lang", "ko"
    )
    labelled_lines = [
        line
        for line in out.splitlines()
        if re.match(r"^     (이유|조건|되돌리기|참고|변경 전):", line)
    ]
    assert len(labelled_lines) >= 8, out
    starts = {cells(re.match(r"^ +\S+( \S+)?: +", line).group(0)) for line in labelled_lines}  # type: ignore[union-attr]
    assert len(starts) == 1, labelled_lines


def _fit_by_trimming(text: str, width: int) -> str:
    """fit() as it was written before: trim a character at a time (quadratic)."""
    if cells(text) > width:
        while cells(text) > width - 2:
            text = text[:-1]
        text += ".."
    return pad(text, width)


@pytest.mark.parametrize("width", [3, 4, 5, 8, 13, 46])
def test_fit_cuts_where_trimming_one_by_one_did(width: int) -> None:
    samples = ["", "abc", "가", "a가b나c다", "보안 그룹 k8s-nodes에", "x" * 60, "한" * 40 + "ab"]
    for text in samples:
        assert fit(text, width) == _fit_by_trimming(text, width), (text, width)
    # a hostile 1 MB name is cut in one pass
    assert fit("가" * 1_000_000, width) == _fit_by_trimming("가" * (width + 2), width)


def test_joined_keeps_each_part_in_the_readers_language() -> None:
    from kostack.analyze.messages import Msg, joined, localize
    from kostack.plan import release_texts  # noqa: F401  (registers the words used here)

    parts = [Msg("rel.left.no-release"), "plain", Msg("rel.left.no-evidence")]
    assert localize(joined(parts), "en") == "no Helm release made it; plain; no evidence"
    assert localize(joined(parts), "ko") == "Helm 릴리스가 만든 것이 아님; plain; 증거 없음"
    assert joined([]) == "" and joined(["one"]) == "one"
    assert localize(joined([str(i) for i in range(5000)]), "ko").count("; ") == 4999


def test_hang_wraps_under_the_line_and_its_arrow() -> None:
    assert hang("short") == ["short"]
    lines = hang("  -> " + "word " * 40)
    assert lines[0].startswith("  -> word") and all(x.startswith("     word") for x in lines[1:])
    lines = hang("  " + "낱말 " * 40)
    assert all(cells(x) <= WIDTH for x in lines)
    assert all(x.startswith("    낱말") for x in lines[1:])
    command = "    $ kostack release reinstall " + "x" * 120
    assert hang(command) == [command]


HARBOR = str(Path(__file__).resolve().parents[2] / "examples" / "harbor-wrong-namespace.json")
RELEASE_RUNS = (
    ("release", "check", "--snapshot", HARBOR),
    ("release", "check", "--snapshot", HARBOR, "-v"),
    ("release", "check", "harbor", "--namespace", "harbor", "--snapshot", HARBOR, "-v"),
    (
        *("release", "reinstall", "harbor", "--namespace", "harbor", "--chart", "harbor/harbor"),
        *("--from", "default", "--snapshot", HARBOR),
    ),
)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("args", RELEASE_RUNS)
def test_release_check_and_reinstall_wrap_at_100_cells(args: tuple[str, ...], lang: str) -> None:
    """Before, a finding ran to 300 cells on one line. Now prose wraps at 100 cells; a command
    to paste and a row of the claims table stay whole; a finding's later lines stand deeper
    than its evidence, and an arrow's under its text."""
    import io

    from kostack.cli.common import Environment
    from kostack.cli.main import main

    stdout = io.StringIO()
    main([*args, "--lang", lang], Environment(stdout=stdout, stderr=io.StringIO(), environ={}))
    out = stdout.getvalue()
    assert out.count("\n") > 5, out
    # the claims table: a row (a claim, its size, its age), and the header above the first
    row = re.compile(r"^  \S+/\S+\s{2,}\S+\s{2,}\d+d\s{2,}")
    lines = out.splitlines()
    rows = {i for i, line in enumerate(lines) if row.match(line)}
    table = rows | {min(rows) - 1} if rows else set()
    long = [
        line
        for i, line in enumerate(lines)
        if cells(line) > WIDTH and not line.lstrip().startswith("$ ") and i not in table
    ]
    assert long == [], long
    for i, line in enumerate(lines[1:], 1):
        if line.startswith("  -> ") and i + 1 < len(lines) and lines[i + 1].startswith("     "):
            assert not lines[i + 1].startswith("      ")  # under the arrow's text
    wrapped_heads = [
        i for i, line in enumerate(lines) if line.startswith("[") and cells(line) > WIDTH - 20
    ]
    assert wrapped_heads or "reinstall" in args
    for i in wrapped_heads:
        # a finding's own later lines are 4 deep; its evidence starts at 2
        assert lines[i + 1].startswith("    "), lines[i : i + 2]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("method", ["pairs", "disable-port-security"])
def test_fix_plan_wraps_at_100_cells_under_its_labels(lang: str, method: str) -> None:
    """Every example's fix plan: no line over 100 cells but a code span standing alone; a
    labelled line's later lines stand under its value, an action head's under its words."""
    from kostack.plan.build import build_plan
    from kostack.plan.model import Method, PlanOptions
    from kostack.report.fixplan import render_plan

    options = PlanOptions(Method(method))
    for path in EXAMPLES:
        text = render_plan(build_plan(load_snapshot(path), options), lang=lang)
        lines = text.splitlines()
        long = [x for x in lines if cells(x) > WIDTH and not re.fullmatch(r"\s*`[^`]*`\S*", x)]
        assert long == [], (path.name, long)
        for i, line in enumerate(lines[:-1]):
            label = re.match(r"^( {5}\S[^:]*: +)\S", line)  # a label starts at column 5
            follow = lines[i + 1]
            if label and follow.startswith(" " * 6) and not re.match(r"^ {5}[^ :]+:", follow):
                assert cells(follow) - cells(follow.lstrip()) == cells(label.group(1)), (
                    path.name,
                    line,
                    follow,
                )


PREFLIGHTS = (
    (
        "--snapshot",
        HARBOR.replace("harbor-wrong-namespace", "seed-incident"),
        "--network",
        "k8s-net",
    ),
    ("--node", "10.0.0.11=control-plane-with-a-long-name", "--node", "10.0.0.12=w1"),
)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("where", PREFLIGHTS)
def test_preflight_wraps_at_100_cells_and_keeps_its_columns(
    where: tuple[str, ...], lang: str
) -> None:
    """The report above the commands wraps at 100 cells; a rule's or a port's later lines stand
    under its column, a long node name widens the column (before: 150-cell rows, a name one
    cell past its column, and a wrapped row's spaces collapsed); the commands stay whole."""
    cidrs = ("--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12")
    out = _cli("preflight", *where, *cidrs, "--lang", lang)
    report = out.split("# --- openstack CLI")[0].splitlines()
    assert [x for x in report if cells(x) > WIDTH] == []
    assert any(cells(x) > WIDTH for x in out.splitlines())  # a command stays whole
    row = re.compile(r"^(    \S+\s+10\.0\.0\.1\d\s+)\S")
    starts = {i: m.group(1) for i, x in enumerate(report) if (m := row.match(x))}
    assert starts, report
    columns = {cells(start) for start in starts.values()}
    assert len(columns) == 1, [report[i] for i in starts]
    (column,) = columns
    for i in starts:
        follow = report[i + 1]
        if follow.startswith(" " * (column - 1)):
            assert cells(follow) - cells(follow.lstrip()) == column, (report[i], follow)
