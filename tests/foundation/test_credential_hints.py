"""Without OpenStack credentials, every command's hint names only options that command has.

The hint once said "use --no-openstack" on every command, though only
`kostack collect` has that option. Each case runs a command that needs
OpenStack with an environment that has no credentials at all (no OS_*
variables, no clouds.yaml under HOME), and checks the hint: every option it
names outside a quoted command is one of the running command's own options,
and every quoted command is a kostack command whose options exist.
"""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import click
import pytest

from kostack.cli.common import Environment
from kostack.cli.main import cli, main

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "examples" / "seed-incident.json")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")
QUOTED = re.compile(r"`([^`]+)`")


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    environ = {"HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "no-kubeconfig")}
    env = Environment(
        stdout=out, stderr=err, environ=environ, stdin_isatty=False, stdout_isatty=False
    )
    return main(list(args), env), out.getvalue(), err.getvalue()


def command(words: list[str]) -> click.Command:
    """The click command `kostack WORDS...` names (subcommands only, options ignored)."""
    found: click.Command = cli
    ctx = click.Context(cli)
    for word in words:
        if not isinstance(found, click.Group) or word.startswith("-"):
            break
        sub = found.get_command(ctx, word)
        if sub is None:
            break
        found = sub
    return found


def options_of(cmd: click.Command) -> set[str]:
    return {o for p in cmd.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")}


def hint_of(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith(("hint: ", "힌트: "))]
    assert lines, err
    return lines[0].split(": ", 1)[1]


def assert_truthful(hint: str, running: list[str]) -> None:
    own = options_of(command(running))
    for quoted in QUOTED.findall(hint):
        words = shlex.split(quoted)
        assert words[0] == "kostack", quoted
        names = [w.split("=", 1)[0] for w in words if w.startswith("--")]
        missing = set(names) - options_of(command(words[1:]))
        assert not missing, f"`{quoted}` names options its command lacks: {missing}"
    bare = OPTION.findall(QUOTED.sub("", hint))
    # --os-cloud is given by every command that reads OpenStack; the rest must be its own
    assert set(bare) <= own, f"{running}: {set(bare) - own} is not an option of it: {hint}"


CASES = [
    (["diagnose"], "--snapshot snap.json"),
    (["trace", "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"], "--snapshot"),
    (["report", "-o", "out.md"], "--snapshot"),
    (["fix", "plan"], "--snapshot snap.json"),
    (["fix", "apply", "--yes"], "fix plan --snapshot FILE"),
    (["fix", "apply", "--snapshot", SEED, "--yes"], "fix plan --snapshot FILE"),
    (["probe"], "--snapshot"),
    (["collect"], "--no-openstack"),
    (
        [
            "preflight",
            "--network",
            "k8s-net",
            "--pod-cidr",
            "10.244.0.0/16",
            "--service-cidr",
            "10.96.0.0/12",
        ],
        "--snapshot FILE",
    ),
]


@pytest.mark.parametrize(("args", "way"), CASES, ids=[" ".join(c[0][:2]) for c in CASES])
def test_no_credentials_hint_names_what_the_command_has(
    tmp_path: Path, args: list[str], way: str
) -> None:
    code, _out, err = run(tmp_path, *args)
    assert code == 3, err
    assert "no OpenStack credentials found" in err
    hint = hint_of(err)
    assert way in hint
    running = [a for a in args if not a.startswith("-") and ":" not in a][:2]
    assert_truthful(hint, running)
    if args[0] != "collect":
        assert "--no-openstack" not in OPTION.findall(QUOTED.sub("", hint)), hint


def test_rollback_says_it_needs_the_journals_cloud(tmp_path: Path) -> None:
    from kostack.cli.fix_support import _connect
    from kostack.errors import NoCredentials

    env = Environment(environ={"HOME": str(tmp_path)}, stderr=io.StringIO())
    with pytest.raises(NoCredentials) as caught:
        _connect(env, None, 1.0, "fix rollback")
    assert "--no-openstack" not in caught.value.hint
    assert "journal" in caught.value.hint
    assert_truthful(caught.value.hint, ["fix", "rollback"])


def test_no_credentials_in_korean(tmp_path: Path) -> None:
    code, _out, err = run(tmp_path, "diagnose", "--lang", "ko")
    assert code == 3
    assert "OpenStack 자격 증명이 없습니다" in err
    assert "`kostack diagnose --snapshot snap.json`" in err
    assert "Source your openrc" not in err


def test_the_checker_catches_an_option_the_command_lacks() -> None:
    with pytest.raises(AssertionError):
        assert_truthful("Use --no-openstack to collect only the cluster.", ["diagnose"])
    with pytest.raises(AssertionError):
        assert_truthful("Run `kostack diagnose --no-openstack`.", ["fix", "apply"])
