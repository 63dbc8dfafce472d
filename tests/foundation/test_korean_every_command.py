"""Every command and subcommand of kostack, in Korean, prints no English sentence.

Systematic rather than spot checks: the command tree is read from click itself, and

- every leaf command runs at least once over the bundled examples (a table below that a test
  proves covers the whole tree), and through its common errors: no credentials, an
  unreachable cloud, a snapshot that is missing or broken, a plan file that is missing;
- every click usage error kostack can meet is made for every command from its own
  parameters: an unknown option, an option without its value, a bad choice, a bad number,
  a path that does not exist, a missing argument or option, extra arguments, an unknown
  subcommand;
- the language is asked for every way a user asks: `--lang ko`, KOSTACK_LANG=ko and
  LANG=ko_KR.UTF-8, in turn.

A line fails when it has an English sentence (`english_lines`, tests/foundation/english.py:
three lowercase English words in a row) or when it has no Hangul and three English words
(capitalised ones count, "Show this message and exit", when two are lowercase), outside quoted text, commands,
option names, paths and ids. Machine output (json) and scripts are not prose and are not read.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from english import ALLOWED_WORDS, COMMANDS, english_lines
from test_korean_two_words import names_in

from kostack.cli.main import cli
from kostack_testkit.cli import run_cli
from kostack_testkit.ports import refused_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SEED = str(EXAMPLES / "seed-incident.json")
HARBOR = str(EXAMPLES / "harbor-wrong-namespace.json")
UNMATCHED = str(EXAMPLES / "unmatched-node.json")
LB = str(EXAMPLES / "lb-ovn-node-subnet-only.json")
# the three ways to ask for Korean, used in turn
ASKS = ("option", "KOSTACK_LANG", "LANG")
HANGUL = re.compile("[가-힣]")
# spans that are not prose: quoted text, commands, option names, paths, ids, numbers, units
_SPANS = re.compile(r"`[^`]*`|'[^'\n]*'|\"[^\"\n]*\"|“[^”\n]*”|<[^>\n]*>|\[[^\]\n]*\]")
_WORD = re.compile(r"(?<![\w./:@=-])[A-Za-z][a-z]+[,.;:!?)]*(?![\w./:@=-])")


def unsaid(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The lines of ``text`` that are English: a sentence in a Korean line, or a line of
    three English words, two of them lowercase (not names), with no Hangul at all."""
    bad = english_lines(text)
    # quoted text (“...”) may wrap over lines: blank it out before reading line by line
    unquoted = re.sub(r"“[^”]*”", lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    for line, bare in zip(text.splitlines(), unquoted.splitlines(), strict=True):
        bare = _SPANS.sub(" ", bare).strip()
        if HANGUL.search(line) or re.sub(r"^[-*> |0-9.]*", "", bare).startswith(COMMANDS):
            continue
        words = [w.rstrip(",.;:!?)") for w in _WORD.findall(bare)]
        lower = [w for w in words if w.islower() and w not in ALLOWED_WORDS | names]
        if len(words) >= 3 and len(lower) >= 2 and line not in bad:
            bad.append(line)
    return bad


def in_korean(args: tuple[str, ...], ask: str, environ: dict[str, str]) -> tuple[int, str]:
    """``kostack ARGS`` with Korean asked for as ``ask`` says."""
    if ask == "option":
        return run_cli(*args, "--lang", "ko", environ=environ)
    var = "KOSTACK_LANG" if ask == "KOSTACK_LANG" else "LANG"
    return run_cli(
        *args, environ={**environ, var: "ko" if var == "KOSTACK_LANG" else "ko_KR.UTF-8"}
    )


def snapshot_names(args: tuple[str, ...]) -> frozenset[str]:
    """The names an example snapshot given with --snapshot holds (never English sentences)."""
    given = [b for a, b in itertools.pairwise(args) if a == "--snapshot"]
    if not given or not given[0].startswith(str(EXAMPLES)):
        return frozenset()
    return names_in(json.loads(Path(given[0]).read_text()))


def assert_korean(args: tuple[str, ...], code: int, text: str) -> None:
    assert code != 70, (args, text)  # an internal error is not a translation
    assert HANGUL.search(text), (args, text)
    bad = unsaid(text, snapshot_names(args))
    assert bad == [], "\n".join([f"kostack {' '.join(args)}:", *bad])


# --------------------------------------------------------------------------- the tree


def leaves(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from leaves(command, (*path, name))
        else:
            yield (*path, name), command


def groups(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield (*path, name)
            yield from groups(command, (*path, name))


LEAVES = dict(leaves(cli))
GROUPS = tuple(groups(cli))
# a lab of this test's own (named after the process) in a state directory that stays empty
STATE = "{tmp}/lab-state"
LAB = ("--name", "{lab}", "--state-dir", STATE)

# Each leaf's runs: (arguments, the exit code). "{tmp}" is the test's own directory.
RUNS: dict[tuple[str, ...], tuple[tuple[tuple[str, ...], int], ...]] = {
    ("collect",): (
        (("collect", "--no-kubernetes", "-o", "{tmp}/s.json"), 3),  # no OpenStack credentials
        (("collect", "--no-openstack", "--no-kubernetes", "-o", "-"), 2),
        (("collect", "--no-kubernetes", "--os-cloud", "nope", "-o", "-"), 2),
    ),
    ("completion",): ((("completion", "zsh"), 0),),
    ("diagnose",): (
        (("diagnose", "--snapshot", SEED, "-v"), 1),
        (("diagnose", "--snapshot", UNMATCHED, "-v"), 4),
        (("diagnose", "--snapshot", "{tmp}/missing.json"), 2),
        (("diagnose", "--snapshot", "{tmp}/broken.json"), 2),
        (("diagnose",), 3),  # no OpenStack credentials
    ),
    ("trace",): (
        (("trace", "--snapshot", SEED, "pod:demo/netshoot", "svc:kube-system/kube-dns:53/udp"), 1),
        (("trace", "--snapshot", UNMATCHED, "node:k8s-w-3", "node:k8s-cp-1:6443/tcp"), 4),
        (("trace", "--snapshot", SEED, "pod:nope/x", "ip:1.2.3.4"), 2),
    ),
    ("fix", "plan"): (
        (("fix", "plan", "--snapshot", UNMATCHED, "-v"), 0),
        (("fix", "plan", "--snapshot", SEED, "--method", "disable-port-security"), 0),
        (("fix", "plan"), 3),
    ),
    ("fix", "apply"): (
        (("fix", "apply", "--snapshot", SEED), 0),
        (("fix", "apply", "--plan", "{tmp}/missing-plan.json"), 2),
        (("fix", "apply", "--plan", "{tmp}/broken.json"), 2),
        (("fix", "apply", "--plan", "{tmp}/array.json"), 2),
        (("fix", "apply", "--snapshot", SEED, "--method", "disable-port-security", "--yes"), 2),
    ),
    ("fix", "rollback"): ((("fix", "rollback", "{tmp}/missing.jsonl"), 2),),
    ("preflight",): (
        (("preflight", "--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12",
          "--node", "10.0.0.11", "--subnet-cidr", "10.0.0.0/24", "--network-mtu", "1450"), 0),
        (("preflight", "--pod-cidr", "nope", "--service-cidr", "10.96.0.0/12"), 2),
        (("preflight", "--pod-cidr", "10.244.0.0/16", "--service-cidr", "10.96.0.0/12",
          "--snapshot", SEED), 2),  # --snapshot needs --network
    ),
    ("probe",): (
        (("probe", "--snapshot", SEED), 0),
        (("probe", "--lab", "--lab-state-dir", STATE), 2),
    ),
    ("release", "check"): (
        (("release", "check", "--snapshot", HARBOR, "-v"), 1),
        (("release", "check", "--snapshot", SEED), 2),
    ),
    ("release", "reinstall"): (
        (("release", "reinstall", "harbor", "-n", "default", "--chart", "harbor/harbor",
          "--snapshot", HARBOR), 1),
        (("release", "reinstall", "harbor", "-n", "default", "--chart", "harbor/harbor",
          "--snapshot", HARBOR, "-f", "{tmp}/list.yaml"), 2),
    ),
    ("report",): (
        (("report", "--snapshot", LB, "-o", "-", "--format", "md"), 0),
        (("report", "--snapshot", UNMATCHED, "-o", "-", "--format", "md"), 0),
        (("report", "--snapshot", SEED, "-o", "{tmp}/no/such/dir/r.html"), 2),
    ),
    ("watch",): (
        (("watch", "--snapshot", SEED, "--cycles", "1", "--listen", "127.0.0.1:0"), 0),
        (("watch", "--snapshot", SEED, "--cycles", "1", "--listen", "nowhere"), 2),
    ),
    ("guard",): (
        (("guard", "--once", "--snapshot", UNMATCHED), 0),
        (("guard", "--once"), 3),
        (("guard", "--once", "--snapshot", SEED, "--mode", "enforce"), 2),  # options that clash
    ),
    ("lab", "scenarios"): ((("lab", "scenarios"), 0),),
    ("lab", "status"): ((("lab", "status", *LAB), 0),),
    ("lab", "probe"): ((("lab", "probe", *LAB), 2),),
    ("lab", "sync"): ((("lab", "sync", *LAB), 2),),
    ("lab", "way-in"): ((("lab", "way-in", "--mode", "ovn", *LAB), 2),),
    ("lab", "down"): ((("lab", "down", *LAB), 0),),
    ("lab", "up"): (
        (("lab", "up", "--scenario", "nope", *LAB), 2),
        (("lab", "up", "--no-neutron", "--neutron-endpoint", "http://127.0.0.1:9", *LAB), 2),
    ),
}  # fmt: skip
# Output that is not prose for a reader: a script or a completion function.
NOT_PROSE = {("completion",)}


def test_the_table_runs_every_command() -> None:
    assert set(RUNS) == set(LEAVES), set(LEAVES) ^ set(RUNS)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "array.json").write_text("[]")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    return tmp_path


def _runs() -> Iterator[object]:
    for path in sorted(RUNS):
        for i, (args, code) in enumerate(RUNS[path]):
            yield pytest.param(args, code, id=f"{' '.join(path)}-{i}")


@pytest.mark.parametrize(("args", "code"), _runs())
def test_every_command_is_korean(args: tuple[str, ...], code: int, files: Path) -> None:
    lab = f"ko{os.getpid() % 100_000}"
    real = tuple(a.replace("{tmp}", str(files)).replace("{lab}", lab) for a in args)
    ask = ASKS[sum(map(ord, " ".join(args))) % len(ASKS)]
    if tuple(args[:1]) in NOT_PROSE:  # completion has no --lang of its own: it prints a script
        ask = "KOSTACK_LANG"
    got, text = in_korean(real, ask, {})
    assert got == code, (real, ask, text)
    if tuple(args[:1]) in NOT_PROSE:
        return
    assert_korean(real, got, text)


def test_an_unreachable_cloud_and_cluster_are_said_in_korean(tmp_path: Path) -> None:
    with refused_port() as port:
        clouds = tmp_path / "clouds.yaml"
        clouds.write_text(
            "clouds:\n  lab:\n    auth:\n"
            f"      auth_url: http://127.0.0.1:{port}/v3\n"
            "      username: admin\n      password: not-a-secret-9f2\n      project_name: k8s\n"
            "      user_domain_name: Default\n      project_domain_name: Default\n"
        )
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: c\n  cluster: {{server: 'https://127.0.0.1:{port}'}}\n"
            "contexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n"
            "users:\n- name: u\n  user: {token: not-a-secret-4b7e1}\n"
        )
        environ = {"OS_CLIENT_CONFIG_FILE": str(clouds), "OS_CLOUD": "lab"}
        for args in (
            ("diagnose", "--timeout", "5"),
            ("fix", "plan"),
            ("preflight", "--os-cloud", "lab", "--network", "k8s-net", "--pod-cidr",
             "10.244.0.0/16", "--service-cidr", "10.96.0.0/12"),
            ("release", "check", "--kubeconfig", str(kubeconfig)),
            ("guard", "--once", "--kubeconfig", str(kubeconfig)),
        ):  # fmt: skip
            code, text = in_korean(args, "KOSTACK_LANG", environ)
            assert code in (2, 3), (args, text)
            assert "not-a-secret" not in text
            assert_korean(args, code, text)


# --------------------------------------------------------------------------- usage errors


def _takes_value(param: click.Parameter) -> bool:
    return isinstance(param, click.Option) and not param.is_flag and not param.count


def _bad_value(param: click.Parameter) -> str | None:
    """A value click refuses for ``param`` (None when it takes any text)."""
    kind = param.type
    if isinstance(kind, click.Choice):
        return "no-such-choice"
    if isinstance(kind, click.types._NumberParamTypeBase):
        return "not-a-number"
    if isinstance(kind, click.Path) and kind.exists:
        return "/nonexistent/kostack-ko"
    return None


def usage_errors() -> Iterator[tuple[str, ...]]:
    """For every command, every usage error its parameters allow (each kind once per option)."""
    for path, command in sorted(LEAVES.items()):
        yield (*path, "--no-such-option")
        yield (*path, "--snapshot-typo", "x")
        for param in command.params:
            if not isinstance(param, click.Option) or param.name in ("lang", "help"):
                continue
            flag = max(param.opts, key=len)
            if _takes_value(param):
                yield (*path, flag)  # the value is missing
            bad = _bad_value(param)
            if bad is not None:
                yield (*path, flag, bad)
        if any(p.required for p in command.params):
            yield path  # a required argument or option is missing
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        if not arguments:
            yield (*path, "extra-argument")
    for path in GROUPS:
        yield (*path, "no-such-command")
        yield (*path, "--no-such-option")
    yield ("no-such-command",)
    yield ("--color", "no-such-choice", "diagnose")


USAGE = tuple(usage_errors())


def parse_only(args: tuple[str, ...]) -> None:
    """Parse ``kostack ARGS`` as click does, down to the leaf command, running no command."""
    ctx = cli.make_context("kostack", list(args), resilient_parsing=False)
    command: click.Command = cli
    while isinstance(command, click.Group):
        rest = [
            *getattr(ctx, "_protected_args", ()),
            *ctx.args,
        ]  # click >= 8.2 keeps the name apart
        if not rest:
            raise click.UsageError("missing command", ctx)
        name, sub, words = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None
        ctx = sub.make_context(name, words, parent=ctx)
        command = sub


def test_the_usage_errors_reach_every_kind() -> None:
    """The generated cases make each click exception kostack can meet, and only errors."""
    kinds: dict[str, tuple[str, ...]] = {}
    for args in USAGE:
        with pytest.raises(click.ClickException) as caught:
            parse_only(args)
        kinds.setdefault(type(caught.value).__name__, args)
    every = {"NoSuchOption", "BadParameter", "BadOptionUsage", "UsageError", "MissingParameter"}
    assert every <= set(kinds), kinds
    assert len(USAGE) > 150


@pytest.mark.parametrize("chunk", range(4))
def test_every_usage_error_is_korean(chunk: int) -> None:
    for i, args in enumerate(USAGE):
        if i % 4 != chunk:
            continue
        ask = ASKS[i % 2 + 1] if args[0] in {g[0] for g in GROUPS} or len(args) < 2 else ASKS[i % 3]
        code, text = in_korean(args, ask, {})
        assert code == 2 and text.startswith("오류: "), (args, text)
        assert_korean(args, code, text)


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("args", [("--help",), (), ("-h",)], ids=["help", "bare", "h"])
def test_the_top_level_help_and_command_list_are_korean(args: tuple[str, ...]) -> None:
    for ask in ("KOSTACK_LANG", "LANG"):
        code, text = in_korean(args, ask, {})
        assert code in (0, 2), text
        assert_korean(args, code, text)
        for name in LEAVES:
            if len(name) == 1:
                assert re.search(rf"^  {name[0]} +.*[가-힣]", text, re.M), (name, text)


def test_the_korean_help_has_every_command_and_fits_100_cells() -> None:
    from kostack.cli.help_ko import cells, korean
    from kostack.cli.lazy import COMMANDS as LISTED

    assert [name for name in LISTED if not korean(name, "")] == []
    code, text = in_korean(("--help",), "option", {})
    assert code == 0 and text.startswith("사용법: kostack [옵션] 명령 [인자]...\n"), text
    assert [line for line in text.splitlines() if cells(line) > 100] == []
    assert all(line.count("`") % 2 == 0 for line in text.splitlines()), text  # spans stay whole
    code, english = run_cli("--help")
    assert code == 0 and english.startswith("Usage: kostack [OPTIONS] COMMAND [ARGS]...\n")
    assert HANGUL.search(english) is None
