"""Every printed shell command is built in one place (kostack.shell): no command is pasted from text.

Scans the product's source for a command word followed by interpolated text:
an f-string, a `+` concatenation, or a message template with a placeholder
inside a command's backticks. Any hit is a command a name could break out of.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "kostack"
LAB = Path(__file__).resolve().parents[2] / "lab" / "kostack_lab"  # kostack-lab renders alike
WORDS = r"(openstack|kubectl|helm|kostack|nslookup|nc|wget|ping|terraform|curl)"
COMMAND_START = re.compile(rf"^\s*(\$ |run: |undo: )?{WORDS} ")
TEMPLATE = re.compile(rf"`{WORDS} [^`]*\{{")  # `kubectl logs {pod}`: a placeholder in a command
# prose that starts with a command word, and labels that only ever hold an IP address
NOT_COMMANDS = (
    "kostack clears groups",
    "helm did not finish",
    "kostack lab (",
    "kostack collect: ",
    "kostack ",  # f"kostack {version} fix plan ... as a script": a comment line of the script
    "ping ",  # the flow label "ping 10.96.0.1 (pod ...)": an address of the model's IP type
)


def _findings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            if (
                isinstance(head, ast.Constant)
                and isinstance(head.value, str)
                and COMMAND_START.match(head.value)
                and any(isinstance(v, ast.FormattedValue) for v in node.values)
                and head.value not in NOT_COMMANDS
                and not head.value.startswith(NOT_COMMANDS[:-2])
            ):
                out.append(f"{path.name}:{node.lineno} f-string command")
            # `openstack port set ... {id}`: a command assembled inside backticks
            parts = node.values
            for i, v in enumerate(parts[:-1]):
                if (
                    isinstance(v, ast.Constant)
                    and isinstance(v.value, str)
                    and re.search(rf"`{WORDS} [^`]*$", v.value)
                    and isinstance(parts[i + 1], ast.FormattedValue)
                ):
                    out.append(f"{path.name}:{node.lineno} command in backticks")
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Add)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
            and COMMAND_START.match(node.left.value)
            and not node.left.value.startswith(NOT_COMMANDS[:-2])
        ):
            out.append(f"{path.name}:{node.lineno} concatenated command")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and TEMPLATE.search(node.value)
        ):
            out.append(f"{path.name}:{node.lineno} template with a placeholder in a command")
    return out


def test_no_command_is_assembled_from_text() -> None:
    found = []
    for path in sorted([*SRC.rglob("*.py"), *LAB.rglob("*.py")]):
        if path.name == "shell.py":
            continue
        found += _findings(path)
    assert found == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "a = f'helm uninstall {name} -n {ns}'\n"
        "b = 'kubectl delete pvc ' + name\n"
        "c = {'en': 'see `kubectl logs -n {namespace} {pod}`'}\n"
        "d = f'run `openstack port set --enable-port-security {port}`'\n"
        "e = f'{render(argv)}'\n"
        "g = 'see `{command}`'\n",
        encoding="utf-8",
    )
    assert sorted(f.split(" ", 1)[1] for f in _findings(sample)) == [
        "command in backticks",
        "concatenated command",
        "f-string command",
        "template with a placeholder in a command",
    ]
