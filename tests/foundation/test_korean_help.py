"""Every command's `--help` in Korean (kostack/cli/help_ko.py), and in English as it always was.

The command tree is read from click (lazy commands loaded, the lab's through its entry point),
so a new command or option without Korean fails here. tests/data/help_en.txt is every
command's English help as kostack printed it before the Korean help existed (at 100 columns).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from kostack.cli import help_ko
from kostack.cli.common import Environment
from kostack.cli.main import cli, main
from kostack.korean import particle
from kostack_testkit.cli import run_cli

ENGLISH = Path(__file__).resolve().parents[1] / "data" / "help_en.txt"
HANGUL = re.compile("[가-힣]")
# what a translation keeps as it is: commands, option names, placeholders, variables, URLs
KEPT = re.compile(
    r"`[^`]*`|https?://[\w./:@%-]*[\w/]|--[a-z][a-z0-9-]*|\$?(?<![\w$])[A-Z][A-Z0-9_]+(?![A-Za-z0-9_])"
)
# a command line of an example: kostack (also under sudo, eval, source) and curl, without its comment
COMMAND_LINE = re.compile(
    r'^ *((?:sudo (?:-E )?|eval "\$\(|source <\()?(?:kubectl )?kostack (?:[a-z-]+ )*?(?:collect|completion|diagnose|fix|guard|lab|preflight|probe|release|report|trace|watch)\b.*?'
    r"|curl .*?)(?: +#.*)?$"
)
PARTICLES = ("이/가", "은/는", "을/를", "과/와", "으로/로")
AFTER_WORD = re.compile(
    r"(`[^`]+`|[A-Za-z0-9_.$*/:-]*[A-Za-z0-9])(으로|[이가은는을를과와로])(?![가-힣])"
)


def commands(command: click.Command = cli, path: str = "") -> Iterator[tuple[str, click.Command]]:
    """(path, command) for kostack and every command under it, "" being kostack itself."""
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from commands(sub, f"{path} {name}".strip())


def texts(path: str, command: click.Command) -> Iterator[tuple[str, str | None, str | None]]:
    """(what, English, Korean) for the description, the epilog and every option's help."""
    yield "", command.help, help_ko.korean(path, "")
    yield "epilog", command.epilog, help_ko.korean(path, "epilog")
    for param in command.get_params(click.Context(command)):
        if isinstance(param, click.Option) and param.help:
            name = "help" if "--help" in param.opts else str(param.name)
            yield name, param.help, help_ko.korean(path, name)


TREE = list(commands())
PATHS = [path for path, _ in TREE]


def help_of(path: str, *how: str, environ: dict[str, str] | None = None) -> str:
    code, text = run_cli(*path.split(), *how, environ=environ or {})
    assert code == 0, text
    return text


def test_the_tree_has_every_command_and_the_lab() -> None:
    assert len(PATHS) >= 25 and {"lab up", "lab way-in", "fix plan", "release reinstall"} <= set(
        PATHS
    )


@pytest.mark.parametrize("path", PATHS)
def test_english_help_is_as_it_was(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """To change the English on purpose: `COLUMNS=100 python tests/foundation/test_korean_help.py`
    writes the file anew (and the Korean must say the same)."""
    monkeypatch.setenv("COLUMNS", "100")
    before = dict(part.split("\n", 1) for part in ENGLISH.read_text().split("=== kostack")[1:])
    assert help_of(path, "--help") == before[f" {path}".rstrip()]


@pytest.mark.parametrize("path", PATHS)
def test_every_text_has_korean_that_keeps_the_english_words(path: str) -> None:
    command = dict(TREE)[path]
    for what, english, ko in texts(path, command):
        if not english:
            assert ko is None, (path, what)  # nothing to say: nothing said
            continue
        assert ko is not None and HANGUL.search(ko), (path, what, english)
        kept, said = (set(KEPT.findall(" ".join(t.split()))) for t in (english, ko))
        # Korean may name what English says in a plural or a word (IPs: IP, node VMs: VM)
        assert kept <= said and all(w.isupper() for w in said - kept), (path, what, kept ^ said)


def test_one_korean_text_says_one_english_text() -> None:
    """An option's Korean found in a group's or the shared entry says exactly one English text."""
    said: dict[str, set[str]] = defaultdict(set)
    for path, command in TREE:
        for _, english, ko in texts(path, command):
            if english and ko:
                said[ko].add(" ".join(english.split()))
    assert {ko: english for ko, english in said.items() if len(english) > 1} == {}


def catalogues() -> tuple[dict[str, dict[str, str]], ...]:
    """kostack's and the lab's (imported here: kostack itself never imports kostack_lab)."""
    from kostack.cli import help_ko_text
    from kostack_lab.cli import help_ko as lab_help

    return help_ko_text.TEXTS, lab_help.TEXTS


def test_no_catalogue_entry_is_left_over() -> None:
    options = defaultdict(set)
    for path, command in TREE:
        for name, _, _ in texts(path, command):
            for key in [path, *(p for p in PATHS if path.startswith(f"{p} ") and p), "*"]:
                options[key].add(name)
    for catalogue in catalogues():
        for key, entry in catalogue.items():
            assert key in options, key
            assert set(entry) - options[key] == set(), key


ROWS = re.compile(r"^  (\S+(?: \S+)*?)(?:  |$)", re.M)


def option_rows(section: str) -> list[str]:
    """The first column of an options section: `--retries INTEGER RANGE`."""
    return ROWS.findall(section)


def option_names(section: str) -> list[list[str]]:
    return [re.findall(r"(?<!\S)--?[\w-]+", row) for row in option_rows(section)]


def command_lines(text: str) -> list[str]:
    return [m.group(1) for m in map(COMMAND_LINE.match, text.splitlines()) if m]


@pytest.mark.parametrize("path", PATHS)
def test_korean_help_in_cells_with_the_commands_verbatim(path: str) -> None:
    english = help_of(path, "--help")
    text = help_of(path, "--help", environ={"KOSTACK_LANG": "ko"})
    assert text.startswith(f"사용법: {f'kostack {path}'.strip()} [옵션]"), text
    assert "Usage" not in text and "[default" not in text and "Options:" not in text
    # a line wider than 100 cells is a command the English help prints as wide
    wide = [line for line in text.splitlines() if help_ko.cells(line) > 100]
    assert wide == [line for line in wide if line in english]
    assert all(line.count("`") % 2 == 0 for line in text.splitlines()), text
    assert command_lines(text) == command_lines(english)
    # the options, and nothing else (their metavars: test_korean_click.py)
    options = option_names(english.partition("\nOptions:\n")[2].partition("\n\n")[0])
    assert options == option_names(text.partition("\n옵션:\n")[2].partition("\n\n")[0])
    if isinstance(dict(TREE)[path], click.Group):
        assert "\n명령:\n" in text


def test_the_glossary_words() -> None:
    """docs/ko-glossary.md's terms, not the words it rules out."""
    never = ("허용 주소 쌍", "masquerade", "로드 밸런서", "유동 IP", "프로브", "드라이런", "소스")
    found = [
        (key, name, word)
        for catalogue in catalogues()
        for key, entry in catalogue.items()
        for name, text in entry.items()
        for word in never
        if word in text
    ]
    assert found == []


def test_korean_particles_fit_the_words_before_them() -> None:
    """`FILE에` never needs a choice; `NAME을`, `--snapshot이` and `` `lab up`이 `` do."""
    wrong = []
    for catalogue in catalogues():
        for key, entry in catalogue.items():
            for name, text in entry.items():
                for word, said in AFTER_WORD.findall(text):
                    pair = next(p for p in PARTICLES if said in p.split("/"))
                    if particle(word.strip("`"), pair) != said:
                        wrong.append((key, name, word + said))
    assert wrong == []


@pytest.mark.parametrize(
    "how",
    [
        (("--lang", "ko", "--help"), {}),
        (("--help", "--lang", "ko"), {}),
        (("--help",), {"KOSTACK_LANG": "ko"}),
        (("--help",), {"LANG": "ko_KR.UTF-8"}),
    ],
    ids=["lang-before", "lang-after", "KOSTACK_LANG", "LANG"],
)
def test_every_way_to_ask_for_korean(how: tuple[tuple[str, ...], dict[str, str]]) -> None:
    args, environ = how
    for path in ("diagnose", "fix plan", "release reinstall", "lab up"):
        assert help_of(path, *args, environ=environ).startswith(f"사용법: kostack {path} [옵션]")
    code, text = run_cli("--lang", "ko", "fix", "apply", "--help")  # the top-level --lang
    assert code == 0 and "  --yes" in text and "묻지 않고 적용합니다" in text, text


def test_korean_help_as_a_kubectl_plugin() -> None:
    out = io.StringIO()
    env = Environment(stdout=out, stderr=out, environ={"KOSTACK_LANG": "ko"})
    assert main(["fix", "plan", "--help"], env, prog_name="kubectl kostack") == 0
    assert out.getvalue().startswith("사용법: kubectl kostack fix plan [옵션]\n\n  진단을 고치는")


def test_a_command_no_catalogue_says_keeps_its_english() -> None:
    """Another distribution's command (or an older lab's): its description and examples."""
    command = click.Command("x", help="Say hello.\n\nTwice.", epilog="\b\nExample:\n  kostack x")
    ctx = click.Context(command, info_name="x", parent=click.Context(cli, info_name="kostack"))
    text = help_ko.korean_help(ctx)
    assert "\n  Say hello.\n\n  Twice.\n\n옵션:\n" in text and text.endswith(
        "  Example:\n    kostack x"
    )


def test_the_lab_brings_its_own_korean() -> None:
    ours, lab = catalogues()
    assert help_ko.catalogues("lab") == (lab, ours) and help_ko.catalogues("diagnose") == (ours,)
    # `kostack --help` lists the lab by kostack's own summary: the same as the lab's
    assert ours["lab"][""] == lab["lab"][""].split("\n\n")[0]


if __name__ == "__main__":
    ENGLISH.write_text(
        "".join(f"=== {f'kostack {p}'.strip()}\n{help_of(p, '--help')}" for p in PATHS)
    )
