"""Which modules of a package an entry point can reach: imports, late imports, and files it runs.

Reads the source (no import): an edge goes from a module to every module it
imports (at any depth in the file, so late imports inside functions count),
to every `pkg.mod` string constant that names a module (`importlib.import_module`,
`python -m pkg.mod`), and to every sibling file a `"name.py"` constant names
(`Path(__file__).with_name("agent.py")`: a script the module runs or ships).
A module also reaches its parent packages. What is left unreached from the
entry points is test support or dead code, and must not ship.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ImportGraph", "entry_modules"]

_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")
_SIBLING = re.compile(r"[A-Za-z_]\w*\.py")


@dataclass(frozen=True)
class ImportGraph:
    """Modules of the packages under `root` (a src directory) and what each one reaches."""

    files: Mapping[str, Path]
    edges: Mapping[str, frozenset[str]]

    @classmethod
    def scan(cls, root: Path, packages: Iterable[str]) -> ImportGraph:
        """Read every module of `packages` under `root`."""
        files: dict[str, Path] = {}
        for package in packages:
            for path in sorted((root / package).rglob("*.py")):
                parts = list(path.relative_to(root).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                files[".".join(parts)] = path
        edges = {name: frozenset(_edges(name, path, files)) for name, path in files.items()}
        return cls(files=files, edges=edges)

    def reachable(self, starts: Iterable[str]) -> set[str]:
        """Every module reachable from the modules in `starts`."""
        seen: set[str] = set()
        stack = [s for s in starts if s in self.files]
        while stack:
            module = stack.pop()
            if module in seen:
                continue
            seen.add(module)
            stack.extend(self.edges.get(module, ()))
        return seen

    def lines(self, modules: Iterable[str]) -> int:
        """Source lines of `modules`."""
        return sum(len(self.files[m].read_text(encoding="utf-8").splitlines()) for m in modules)


def entry_modules(scripts: Mapping[str, str]) -> set[str]:
    """The modules of `[project.scripts]` values (`pkg.mod:function`)."""
    return {target.split(":", 1)[0] for target in scripts.values()}


def _resolve(name: str, files: Mapping[str, Path]) -> str | None:
    """The longest prefix of dotted `name` that is one of our modules."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in files:
            return candidate
        parts.pop()
    return None


def _edges(module: str, path: Path, files: Mapping[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(r for a in node.names if (r := _resolve(a.name, files)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                # `from pkg import mod` imports a module; `from mod import name` the module.
                target = _resolve(f"{base}.{alias.name}", files) or _resolve(base, files)
                if target:
                    out.add(target)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if _DOTTED.fullmatch(text) and (target := _resolve(text, files)):
                out.add(target)
            elif _SIBLING.fullmatch(text):
                sibling = f"{package}.{text[:-3]}" if package else text[:-3]
                if sibling in files:
                    out.add(sibling)
    parts = module.split(".")
    out.update(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in files)
    out.discard(module)
    return out
