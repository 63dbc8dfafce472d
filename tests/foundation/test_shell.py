"""The one command renderer: what it prints is exactly the argv it was given, as bash reads it."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shell_argv import paste

from kostack.catalog import localize
from kostack.shell import (
    Cmd,
    chain,
    command,
    comment,
    end_options,
    has_hidden,
    is_hidden,
    quote,
    render,
)

HOSTILE = (
    "harbor;id",
    "harbor$(touch x)",
    "harbor`touch x`",
    "harbor' ; touch x ; '",
    'harbor"$HOME"',
    "harbor\ntouch x",
    "harbor\r\ntouch x",
    "harbor\u202egpj.exe",
    "harbor\u2066x\u2069",
    "harbor\u200e\u200f",
    "harbor\u061c\u2028\u2029",
    "hārbor-한글",
    "harbor\x1b[31mred",
    "harbor\x07\x7f\x85\x9b",
    "harbor|touch x",
    "harbor&&touch x",
    "harbor *",
    "harbor\\",
    "harbor\\'",
    "har bor\ttab",
    "harbor\u00a0nbsp",
    "harbor\ufeffbom",
    "~root",
    "",
    "-rf",
    "--all",
    "$'harbor'",
    "!!",
)


def test_the_issue_example() -> None:
    assert render(["helm", "uninstall", "harbor;id", "-n", "harbor"]) == (
        "helm uninstall 'harbor;id' -n harbor"
    )


def test_plain_names_stay_readable() -> None:
    assert render(
        ["openstack", "port", "set", "--allowed-address", "ip-address=10.0.0.0/16", "a-b"]
    ) == ("openstack port set --allowed-address ip-address=10.0.0.0/16 a-b")


@pytest.mark.parametrize("name", HOSTILE)
def test_every_hostile_name_reads_back_as_itself(name: str, tmp_path: Path) -> None:
    line = render(["helm", "uninstall", name, "--namespace", name])
    assert "\n" not in line and not any(is_hidden(c) for c in line), "one visible line"
    if "$'" not in line or name == "$'harbor'":
        assert shlex.split(line) == ["helm", "uninstall", name, "--namespace", name]
    done = paste([line], tmp_path)
    assert not done.canary, done.errors
    assert done.results[0].calls == [("helm", "uninstall", name, "--namespace", name)]


def test_all_hostile_names_in_one_paste(tmp_path: Path) -> None:
    lines = [render(["kubectl", "delete", "pvc", n, "--namespace", n]) for n in HOSTILE]
    done = paste(lines, tmp_path)
    assert not done.canary and done.errors == ""
    assert [r.calls for r in done.results] == [
        [("kubectl", "delete", "pvc", n, "--namespace", n)] for n in HOSTILE
    ]


def test_hidden_characters_are_written_as_bytes_a_reader_sees() -> None:
    assert quote("a\u202eb") == "$'a\\xe2\\x80\\xaeb'"
    assert quote("a\nb") == "$'a\\nb'"
    assert quote("it's\x1b") == "$'it\\'s\\x1b'"
    assert quote("한글") == "'한글'"  # printable non-ASCII stays readable


def test_a_nul_gives_no_command() -> None:
    line = render(["helm", "uninstall", "harbor\x00x"])
    assert line.startswith("# not given:") and "\x00" not in line


def test_names_that_look_like_options_come_after_the_end_of_options() -> None:
    assert command(("helm", "uninstall"), ("--all",), ("--namespace", "x")) == (
        "helm",
        "uninstall",
        "--namespace",
        "x",
        "--",
        "--all",
    )
    assert command(("helm", "uninstall"), ("harbor",), ("-n", "x")) == (
        "helm",
        "uninstall",
        "harbor",
        "-n",
        "x",
    )
    assert end_options(["-x"]) == ["--", "-x"] and end_options(["x"]) == ["x"]


def test_chains_redirects_and_here_strings(tmp_path: Path) -> None:
    line = chain(
        Cmd(("helm", "get", "values", "a;b"), stdout="v;1.yaml"),
        Cmd(("kubectl", "create", "-f", "-"), stdin='{"name": "x\'$(id)"}'),
    )
    done = paste([line], tmp_path)
    assert not done.canary and done.results[0].status == 0, done.errors
    assert done.results[0].calls == [
        ("helm", "get", "values", "a;b"),
        ("kubectl", "create", "-f", "-"),
    ]
    assert (tmp_path / "paste-0" / "cwd" / "v;1.yaml").exists()  # the file it named


def test_a_comment_stays_one_comment() -> None:
    text = comment("note\nrm -rf /\u202e")
    assert "\n" not in text and text.startswith("# ") and "\u202e" not in text


# any text but NUL (which no argv can hold) and the test log's separators
ARG = st.text(
    alphabet=st.characters(blacklist_characters="\x00\x1c\x1d\x1e", blacklist_categories=("Cs",)),
    max_size=24,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ARG, min_size=1, max_size=4))
def test_any_argv_reads_back_with_shlex(argv: list[str]) -> None:
    line = render(["kubectl", *argv])
    if "$'" not in line:
        assert shlex.split(line) == ["kubectl", *argv]
    assert "\n" not in line and not any(is_hidden(c) for c in line)


def test_any_argv_reads_back_in_bash(tmp_path: Path) -> None:
    """300 generated argument lists through one bash: each call is exactly its argv."""
    cases: list[list[str]] = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.lists(ARG, min_size=1, max_size=4))
    def collect(argv: list[str]) -> None:
        cases.append(argv)

    collect()
    done = paste([render(["kubectl", *argv]) for argv in cases], tmp_path)
    assert not done.canary, done.errors
    assert [r.calls for r in done.results] == [[("kubectl", *argv)] for argv in cases]


def test_has_hidden_is_is_hidden_for_every_code_point() -> None:
    """The one-pass scan (str.isprintable) and the per-character rule agree on all of Unicode."""
    differ = [
        hex(code) for code in range(0x110000) if has_hidden(chr(code)) != is_hidden(chr(code))
    ]
    assert differ == []
    assert not has_hidden("a\nb\tc", keep="\n\t")
    assert has_hidden("a\nb\u202ec", keep="\n\t")
    assert has_hidden("a\rb", keep="\n\t")


def test_a_nul_argument_is_a_comment_said_in_the_readers_language() -> None:
    """No shell can pass a NUL: the command is not given, and the comment saying why was
    English under --lang ko."""
    line = render(["openstack", "port", "show", "a\0b"])
    assert line == (
        "# not given: an argument of `openstack` holds a NUL character, "
        "which no shell command can pass"
    )
    assert localize(line, "ko") == (
        "# 명령을 주지 않습니다: `openstack`의 인자에 NUL 문자가 있어 "
        "어떤 셸 명령으로도 넘길 수 없습니다"
    )
    # a hidden character in the program's name stays visible, and the comment one line
    odd = render(["kube\nctl", "get", "pod", "\0"])
    assert "\n" not in localize(odd, "ko") and "`kube\\nctl`의 인자" in localize(odd, "ko")
    assert render(["kubectl", "get", "pods"]) == localize(render(["kubectl", "get", "pods"]), "ko")
