"""README "Rehearse the incident", run as written (issue #13 item 8).

The block is read from README.md; each line runs as root would run it
(`sudo`/`sudo -E` dropped: the tests are root), with this test's lab name
and state directory added to the `kostack lab` commands so a developer's own
lab is never touched. The export lines README shows must be the ones `lab
up` prints (with this test's state directory), and every later command runs
with exactly those variables: nothing else in its environment. The exit code
each line's comment promises is asserted, and the lab's own Neutron must be
gone after `lab down`.
"""

from __future__ import annotations

import io
import re
import shlex
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from lab_testing import assert_nothing_left, lab_name

from kostack.cli.common import Environment
from kostack.cli.main import main

pytestmark = [pytest.mark.lab]

ROOT = Path(__file__).resolve().parents[2]
README_STATE = "/run/kostack/lab"


def readme_block() -> list[str]:
    """The command lines of README's "Rehearse the incident" code block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Rehearse the incident", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def run(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ=dict(environ), stdin_isatty=False, stdout_isatty=False
    )
    return main(list(argv), env), out.getvalue(), err.getvalue()


def promised_exit(comment: str) -> int:
    found = re.search(r"exit (\d+)", comment)
    return int(found.group(1)) if found else 0


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_readme_rehearsal_runs_as_written(
    root_only: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `fix apply` writes its journal into the working directory
    name, state = lab_name(), tmp_path / "state"
    same_lab = ["--name", name, "--state-dir", str(state)]
    lines = readme_block()
    assert lines[0].split()[:3] == ["sudo", "kostack", "lab"]
    environ: dict[str, str] = {}
    shown_exports = [line for line in lines if line.startswith("export ")]
    ran: list[str] = []
    endpoint = ""
    try:
        for line in lines:
            command, _, comment = line.partition("#")
            words = shlex.split(command)
            if words[0] == "export":
                continue  # pasted: checked against what `lab up` printed
            while words[0] in ("sudo", "-E"):
                words.pop(0)
            assert words[0] == "kostack", line
            argv = words[1:]
            if argv[0] == "lab":
                argv += same_lab
            code, out, err = run(argv, {**environ, "LANG": "C.UTF-8"})
            ran.append(" ".join(argv[:2]))
            assert code == promised_exit(comment), f"{line}\n{out}\n{err}"
            if argv[:2] == ["lab", "up"]:
                printed = [x for x in out.splitlines() if x.startswith("export ")]
                assert printed == [x.replace(README_STATE, str(state)) for x in shown_exports], out
                for export in printed:
                    for word in shlex.split(export)[1:]:
                        key, _, value = word.partition("=")
                        environ[key] = value
                assert set(environ) == {"KUBECONFIG", "OS_CLIENT_CONFIG_FILE", "OS_CLOUD"}
                endpoint = out.split("the lab's own Neutron at ", 1)[1].split()[0]
                assert answers(endpoint)
            elif argv[0] == "diagnose":
                assert (
                    "ROOT CAUSE 1 of 1  [critical]  Neutron anti-spoofing drops pod traffic" in out
                )
            elif argv[:2] == ["fix", "apply"]:
                assert "gone:    antispoof" in out and "new:" not in out
                assert len(list(tmp_path.glob("kostack-fix-*.journal.jsonl"))) == 1
            elif argv[:2] == ["lab", "probe"]:
                assert "FAILED" not in out and out.rstrip().endswith("all 6 probes passed")
            elif argv[:2] == ["lab", "down"]:
                # 8 pods' servers, API server, internet, agent, Kubernetes API, Neutron
                assert out.startswith("lab down: removed 15 namespaces, stopped 13 processes")
    finally:
        if "lab down" not in ran:
            run(["lab", "down", *same_lab], {"LANG": "C.UTF-8"})
    assert ran == ["lab up", "diagnose", "fix apply", "lab probe", "lab down"]
    assert_nothing_left(name)  # namespaces, interfaces and every tagged process (Neutron too)
    assert endpoint and not answers(endpoint)
    assert not state.exists()
