"""kostack finds the lab (the kostack-lab distribution) through entry points, never an import.

Without kostack-lab, each command that needs the lab says what to install, in English and
Korean, and exits 2 (the interpreter below sees no entry point: what `pip install kostack`
alone gives; tests/packaging proves the same from the built wheel in a venv without the lab).
With it, `kostack lab` is the lab's own command group and `kostack --help` still imports none
of it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from kostack.cli import parts
from kostack.cli.lazy import load_command

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "examples" / "seed-incident.json")

_WITHOUT_LAB = """
import json, sys
from importlib import metadata
real = metadata.entry_points
metadata.entry_points = lambda **kw: (
    real(**kw) if kw.get("group") not in ("kostack.commands", "kostack.parts") else []
)
from kostack.cli.main import entrypoint
sys.argv = ["kostack", *sys.argv[1:]]
try:
    entrypoint()
except SystemExit as exit_:
    code = exit_.code
sys.stdout.flush()
sys.stderr.write("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def without_lab(*args: str, lang: str = "") -> tuple[int, str, str, list[str]]:
    """`kostack ARGS` where no distribution declares kostack's entry points."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **({"KOSTACK_LANG": lang} if lang else {})}
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_LAB, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    err, _, last = done.stderr.rstrip("\n").rpartition("\n")
    result = json.loads(last)
    return result["code"], done.stdout, err, result["modules"]


HINT_EN = "hint: install it from a checkout of kostack: `pip install ./lab`"
HINT_KO = "힌트: kostack 체크아웃에서 설치하세요: `pip install ./lab`"


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["lab", "up", "--scenario", "seed"], "kostack lab up"),
        (["lab", "--help"], "kostack lab"),
        (["lab", "probe", "--name", "x"], "kostack lab probe"),
        (["probe", "--lab", "--snapshot", SEED], "kostack probe --lab"),
        (["probe", "--lab", "--yes"], "kostack probe --lab"),
        (
            ["watch", "--snapshot", SEED, "--probes", "lab", "--cycles", "1"],
            "kostack watch --probes lab",
        ),
    ],
    ids=" ".join,
)
def test_without_the_lab_each_command_says_what_to_install(args: list[str], command: str) -> None:
    code, out, err, modules = without_lab(*args)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: `{command}` needs the kostack-lab package, which is not installed (the network "
        "lab ships apart from kostack)",
        HINT_EN,
    ]
    assert not [m for m in modules if m.split(".")[0] == "kostack_lab"]


def test_without_the_lab_korean_says_it_too() -> None:
    code, _, err, _ = without_lab("lab", "up", "--lang", "ko", "--scenario", "seed")
    assert code == 2
    assert err.splitlines() == [
        "오류: `kostack lab up`에는 kostack-lab 패키지가 필요한데 설치되어 있지 않습니다 "
        "(네트워크 랩은 kostack과 따로 배포됩니다)",
        HINT_KO,
    ]
    code, _, err, _ = without_lab("probe", "--lab", "--snapshot", SEED, lang="ko")
    assert code == 2 and err.splitlines()[1] == HINT_KO
    assert "`kostack probe --lab`에는 kostack-lab 패키지가" in err


def test_an_active_diagnosis_in_the_lab_says_it_too() -> None:
    args = ("diagnose", "--active", "--snapshot", SEED, "--probe-lab", "1")
    code, _, err, _ = without_lab(*args)
    assert code == 2
    assert err.splitlines()[0].startswith(
        "error: `kostack diagnose --active` needs the kostack-lab"
    )


def test_without_the_lab_the_product_runs_and_lists_lab() -> None:
    code, out, _, modules = without_lab("diagnose", "--snapshot", SEED)
    assert code == 1 and "Neutron anti-spoofing drops pod traffic" in out
    code, out, _, modules = without_lab("--help")
    assert code == 0 and "\n  lab " in out
    assert not [m for m in modules if m.split(".")[0] == "kostack_lab"]


def test_with_the_lab_its_entry_points_are_the_lab() -> None:
    """The dev environment has kostack-lab (scripts/setup.sh --dev): its group and probe side."""
    command = load_command("lab")
    assert isinstance(command, click.Group) and command.name == "lab"
    assert command.callback is not None and command.callback.__module__ == "kostack_lab.cli.lab"
    assert {"up", "down", "probe", "status", "scenarios"} <= set(command.commands)
    side = parts.lab_part("kostack probe --lab")
    assert side.__name__ == "kostack_lab.cli.probe"


def test_with_the_lab_the_top_level_help_imports_none_of_it() -> None:
    """`kostack --help` lists lab from its summary (kostack.cli.lazy): no entry point is read."""
    probe = (
        "import sys\nfrom kostack.cli.main import main\ncode = main(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('kostack_lab', 'importlib.metadata'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert "\n  lab " in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == "[]"
