"""Where operators already work: kubectl (plugin), their shell (completion), --help with examples."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import click
import pytest
from report_testing import SEED, run

from kostack.cli.common import Environment
from kostack.cli.main import cli
from kostack.model import Snapshot, load_snapshot

BIN = Path(sys.executable).parent


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    out = [prefix]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            out.extend(command_paths(command, (*prefix, name)))
        elif command is not None:
            out.append((*prefix, name))
    return out


def test_every_command_and_subcommand_help_shows_an_example() -> None:
    paths = command_paths(cli)
    assert ("report",) in paths and ("completion",) in paths and ("diagnose",) in paths
    missing = []
    for path in paths:
        code, out, err = run(*path, "--help")
        assert code == 0, (path, err)
        if "example" not in out.lower():
            missing.append(" ".join(("kostack", *path)))
    assert missing == []


def test_completion_scripts_for_bash_and_zsh() -> None:
    code, bash, _ = run("completion", "bash")
    assert code == 0 and "_KOSTACK_COMPLETE=bash_complete" in bash
    assert "complete -o nosort -F _kostack_completion kostack" in bash
    code, zsh, _ = run("completion", "zsh")
    assert code == 0 and "#compdef kostack" in zsh and "_KOSTACK_COMPLETE=zsh_complete" in zsh
    code, _, err = run("completion", "fish")
    assert code == 2 and "error:" in err


def complete_in_bash(tmp_path: Path, *lines: str) -> list[list[str]]:
    """Source the generated script in one real bash and complete each of ``lines``."""
    script_file = tmp_path / "kostack.bash"
    script_file.write_text(run("completion", "bash")[1], encoding="utf-8")
    script = [f"source {script_file}"]
    for words in lines:
        script += [
            f"COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMPREPLY=()",
            "_kostack_completion kostack",
            'echo "${COMPREPLY[*]}"',
        ]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return [line.split() for line in proc.stdout.splitlines()]


def test_bash_completion_completes_commands_options_and_choices(tmp_path: Path) -> None:
    commands, options, choices = complete_in_bash(
        tmp_path, "kostack di", "kostack report --la", "kostack report --lang ''"
    )
    assert "diagnose" in commands
    assert options == ["--lang"]
    assert choices == ["en", "ko"]


def test_installing_kostack_installs_the_kubectl_plugin() -> None:
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    assert scripts["kubectl-kostack"] == "kostack.cli.main:entrypoint"
    assert scripts["kubectl_complete-kostack"] == "kostack.cli.completion:kubectl_complete"
    for name in ("kubectl-kostack", "kubectl_complete-kostack"):
        assert os.access(BIN / name, os.X_OK), name


def kubectl(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("kubectl")
    assert binary, "kubectl is needed for the plugin test (scripts/setup.sh --all installs it)"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra_env}
    return subprocess.run(
        [binary, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_kubectl_runs_kostack_as_a_plugin(tmp_path: Path) -> None:
    listed = kubectl("plugin", "list")
    assert str(BIN / "kubectl-kostack") in listed.stdout
    helped = kubectl("kostack", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("Usage: kubectl kostack")
    diagnosed = kubectl("kostack", "diagnose", "--snapshot", str(SEED))
    assert diagnosed.returncode == 1  # the seed's critical root cause, as with `kostack`
    assert "ROOT CAUSE 1 of 1  [critical]" in diagnosed.stdout
    report = tmp_path / "r.md"
    made = kubectl(
        "kostack", "report", "--snapshot", str(SEED), "-o", str(report), LANG="ko_KR.UTF-8"
    )
    assert made.returncode == 0 and "## 1. 개요 (Issue Summary)" in report.read_text()
    # kubectl keeps its own flags: they cannot come before the plugin's name (docs/kubectl-plugin.md)
    refused = kubectl("--context", "prod", "kostack", "diagnose")
    assert refused.returncode != 0 and "flags cannot be placed before plugin name" in refused.stderr


def test_kubectl_completion_helper_answers_like_cobra() -> None:
    """kubectl 1.26+ runs `kubectl_complete-kostack WORDS...` for `kubectl kostack <TAB>`."""
    proc = subprocess.run(
        [str(BIN / "kubectl_complete-kostack"), "diagnose", "--la"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == ["--lang\tLanguage (default: from the locale).", ":4"]
    proc = subprocess.run(
        [str(BIN / "kubectl_complete-kostack"), "rep"], capture_output=True, text=True, check=False
    )
    assert proc.stdout.splitlines()[0].startswith("report\t")


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict[str, object], dict[str, str]]]:
    """Live collection replaced by the seed; records the options and environment it got."""
    import kostack.cli.collect as collect_module

    calls: list[tuple[dict[str, object], dict[str, str]]] = []

    def fake(env: Environment, **options: object) -> Snapshot:
        calls.append((options, dict(env.environ)))
        return load_snapshot(str(SEED))

    monkeypatch.setattr(collect_module, "collect_live", fake)
    return calls


def test_kubectl_style_context_before_the_command(
    live: list[tuple[dict[str, object], dict[str, str]]], tmp_path: Path
) -> None:
    environ = {"KUBECONFIG": "/home/op/.kube/prod"}
    assert run("--context", "prod", "diagnose", environ=environ)[0] == 1
    assert live[-1][0]["kube_context"] == "prod" and live[-1][0]["kubeconfig"] is None
    assert live[-1][1]["KUBECONFIG"] == "/home/op/.kube/prod"  # what kubectl's environment says
    assert run("--context", "prod", "diagnose", "--context", "dev")[0] == 1
    assert live[-1][0]["kube_context"] == "dev"  # the command's own flag wins
    out = tmp_path / "r.md"
    assert run("--kubeconfig", "/k", "--context", "c", "report", "-o", str(out))[0] == 0
    assert (live[-1][0]["kubeconfig"], live[-1][0]["kube_context"]) == ("/k", "c")
    assert run("diagnose")[0] == 1
    assert live[-1][0]["kube_context"] is None  # nothing given: kubeconfig's current context
