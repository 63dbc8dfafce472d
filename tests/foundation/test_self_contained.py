"""The project explains itself: nothing tracked cites a file outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Spelled in pieces so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        [
            r"\.\./" + "shared",
            "DOMAIN" + r"\.md",
            "STYLE" + r"\.md",
            "NORTH" + "-STAR",
            "notes/" + r"(real-|netns-|k8s-api)",
        ]
    )
)


def _tracked() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / p for p in out.split("\0") if p]


def test_no_tracked_file_cites_a_file_outside_the_repository() -> None:
    offenders = []
    for path in _tracked():
        if path.suffix not in {".py", ".md", ".toml", ".sh", ".yaml", ".yml", ".txt", ".cfg"}:
            continue
        if not path.is_file():
            continue
        for n, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        ):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "cite docs/ instead:\n" + "\n".join(offenders)


def test_the_pattern_catches_a_citation() -> None:
    assert OUTSIDE.search("see " + "DOMAIN" + ".md section 2")
    assert not OUTSIDE.search("see docs/facts.md section 2")


def test_facts_page_names_sources() -> None:
    text = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")
    for source in ("securitygroups_rpc_base.py", "common/ovn/acl.py", "proxier.go", "secrets.go"):
        assert source in text
