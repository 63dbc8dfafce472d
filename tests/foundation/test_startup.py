"""Startup imports only what the command needs (issue #13 item 1).

Asserts on what is imported, never on time: benchmarks/startup.py measures
the time (`kostack --help` against `python -c "import click"`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import get_args

import click
import click.testing
import pytest

from kostack.cli import defaults
from kostack.cli.lazy import COMMANDS, LazyGroup, load_command
from kostack.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
ROOT_MODULES = ("kostack.model", "kostack.analyze", "kostack.collect", "kostack.plan")
CLIENTS = ("kubernetes", "openstack", "keystoneauth1", "requests", "urllib3")
HEAVY = (*CLIENTS, "pydantic", "rich", "yaml", *ROOT_MODULES)

_PROBE = """
import json, sys
from kostack.cli.main import entrypoint
sys.argv = ["kostack", *sys.argv[1:]]
try:
    entrypoint()
except SystemExit as exit_:
    code = exit_.code
sys.stdout.flush()
sys.stderr.write("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""


def imported(args: list[str], env: Mapping[str, str] | None = None) -> dict[str, object]:
    """Run `kostack ARGS` in a fresh interpreter: exit code, stdout, stderr, every module loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})},
        timeout=120,
        cwd=ROOT,
    )
    err, _, last = done.stderr.rstrip("\n").rpartition("\n")
    result: dict[str, object] = json.loads(last)
    return {**result, "out": done.stdout, "err": err}


def loaded(modules: object, prefixes: tuple[str, ...]) -> list[str]:
    assert isinstance(modules, list)
    return sorted({p for m in modules for p in prefixes if m == p or m.startswith(p + ".")})


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        *[[name, "--help"] for name in sorted(COMMANDS)],
        ["fix", "apply", "--help"],
        ["release", "check", "--help"],
        ["lab", "up", "--help"],
    ],
    ids=" ".join,
)
def test_help_and_version_import_no_layer_and_no_client(args: list[str]) -> None:
    result = imported(args)
    assert result["code"] == 0, result["err"]
    assert loaded(result["modules"], HEAVY) == []


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("kostack ", 1, "plain,diagnose"),
        ("kostack di", 1, "plain,diagnose"),
        ("kostack diagnose --", 2, "plain,--snapshot"),
        ("kostack fix ", 2, "plain,apply"),
        ("kostack release check --", 3, "plain,--fail-on"),
    ],
)
def test_tab_completion_imports_no_layer_and_no_client(
    words: str, cword: int, expected: str
) -> None:
    result = imported(
        [],
        {"_KOSTACK_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)},
    )
    assert expected in str(result["out"]).splitlines()
    assert loaded(result["modules"], HEAVY) == []


@pytest.mark.parametrize(
    "args",
    [
        ["diagnose", "--snapshot", "examples/seed-incident.json"],
        ["trace", "--snapshot", "examples/seed-incident.json", "pod:demo/netshoot", "node:k8s-w-2"],
        ["fix", "plan", "--snapshot", "examples/seed-incident.json"],
        ["release", "check", "--snapshot", "examples/harbor-wrong-namespace.json"],
        ["report", "--snapshot", "examples/seed-incident.json", "-o", "-", "--format", "md"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_snapshot_commands_never_load_a_cloud_client(args: list[str]) -> None:
    result = imported(args)
    assert result["code"] in (0, 1), result["err"]
    assert loaded(result["modules"], CLIENTS) == []


def test_command_summaries_match_each_commands_own_help() -> None:
    """The listing `kostack --help` shows without importing equals what the commands say."""
    ctx = click.Context(cli)
    assert isinstance(cli, LazyGroup)
    for name, entry in COMMANDS.items():
        command = load_command(name)
        assert command is not None, name
        first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
        assert entry.summary == first_paragraph, name
        for limit in (45, 60, 80):
            stand_in = click.Command(name, help=entry.summary)
            assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)
    assert cli.list_commands(ctx) == sorted(COMMANDS)


def test_help_listing_is_the_same_as_with_every_command_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = click.testing.CliRunner()
    monkeypatch.setattr(cli, "commands", {})  # as in a fresh process: nothing loaded yet
    lazy = runner.invoke(cli, ["--help"], prog_name="kostack", terminal_width=100).output
    assert cli.commands == {}
    for name in COMMANDS:  # load them all: the listing then comes from the commands themselves
        cli.get_command(click.Context(cli), name)
    eager = runner.invoke(cli, ["--help"], prog_name="kostack", terminal_width=100).output
    assert len(cli.commands) == len(COMMANDS)
    assert lazy == eager


def test_option_defaults_shown_in_help_equal_the_layers_own() -> None:
    from kostack.collect.live import DEFAULT_TIMEOUT_S
    from kostack.model.snapshot import NeutronBackend
    from kostack.plan.model import Method
    from kostack.plan.preflight import CNI_MODES
    from kostack.plan.preflight_antrea import TUNNELS
    from kostack.plan.release_model import DEFAULT_TIMEOUT
    from kostack.probe.k8s_runner import DEFAULT_IMAGE
    from kostack.probe.plan import DEFAULT_MAX_SOURCES

    assert tuple(str(m) for m in Method) == defaults.FIX_METHODS
    assert str(Method.PAIRS) == defaults.FIX_DEFAULT_METHOD
    assert defaults.COLLECT_TIMEOUT_S == DEFAULT_TIMEOUT_S
    assert defaults.PROBE_IMAGE == DEFAULT_IMAGE
    assert defaults.PROBE_MAX_SOURCES == DEFAULT_MAX_SOURCES
    assert defaults.RELEASE_TIMEOUT_S == DEFAULT_TIMEOUT
    assert tuple(sorted(CNI_MODES)) == defaults.PREFLIGHT_CNIS
    assert TUNNELS == defaults.PREFLIGHT_TUNNELS
    assert get_args(NeutronBackend) == defaults.NEUTRON_BACKENDS
