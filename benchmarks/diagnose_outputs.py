"""Differential check for speed work: write what kostack prints for many snapshots to a folder.

Run it before and after a change that must not change any output, then compare:

    .venv/bin/python benchmarks/diagnose_outputs.py /tmp/before     (on the old commit)
    .venv/bin/python benchmarks/diagnose_outputs.py /tmp/after      (on the new one)
    diff -r /tmp/before /tmp/after && echo byte-identical

Snapshots: every example in examples/, the benchmark's uniform synthetic cluster
at 3, 20, 200 and 1,000 nodes, and its heterogeneous-groups cluster (and the
same cluster with one shared group) at 20 and 120 nodes, the many-subnet cluster
(60 nodes on 12 subnets, plain and mixed: kostack_testkit.subnets), and the clusters whose
groups differ on both sides (kostack_testkit.bothhetero, each kind, at 24 nodes). Outputs per
snapshot: `diagnose -o json`, `-o text`, `-o text -v --lang ko`, `-o sarif`, `fix plan -o json`
(and `--lang ko`), `-o text` (and `--lang ko`), `-o text -v --lang ko` (each with its exit code and stderr; the 1,000-node cluster
skips the verbose and SARIF ones).
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = (
    ["diagnose", "-o", "json"],
    ["diagnose", "-o", "text", "--lang", "en"],
    ["diagnose", "-o", "text", "-v", "--lang", "ko"],
    ["diagnose", "-o", "sarif", "--lang", "en"],
    ["fix", "plan", "-o", "json"],
    ["fix", "plan", "-o", "json", "--lang", "ko"],
    ["fix", "plan", "-o", "text", "--lang", "en"],
    ["fix", "plan", "-o", "text", "--lang", "ko"],
    ["fix", "plan", "-o", "text", "-v", "--lang", "ko"],
)


def run(args: list[str]) -> str:
    from kostack.cli.common import Environment
    from kostack.cli.main import main as kostack_main

    out, err = io.StringIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, environ={"LANG": "C"}, stdin_isatty=False, stdout_isatty=False
    )
    code = kostack_main(args, env)
    return f"exit={code}\n--stdout--\n{out.getvalue()}\n--stderr--\n{err.getvalue()}"


def snapshots(tmp: Path) -> dict[str, Path]:
    from kostack_testkit.bothhetero import KINDS, both_hetero_doc
    from kostack_testkit.builders import hetero_doc, synthetic_doc
    from kostack_testkit.subnets import subnets_doc

    found = {p.stem: p for p in sorted((ROOT / "examples").glob("*.json"))}
    for n in (3, 20, 200, 1000):
        path = tmp / f"synth-{n}.json"
        rules = 10_000 if n >= 200 else 300
        path.write_text(json.dumps(synthetic_doc(n, groups=100, rules=rules, pods_per_node=30)))
        found[path.stem] = path
    for n in (20, 120):
        for het in (True, False):
            path = tmp / f"hetero-{n}-{het}.json"
            path.write_text(json.dumps(hetero_doc(n, heterogeneous=het)))
            found[path.stem] = path
    for mixed in (False, True):
        path = tmp / f"subnets-60-12{'-mixed' if mixed else ''}.json"
        path.write_text(json.dumps(subnets_doc(60, 12, mixed=mixed)))
        found[path.stem] = path
    for kind in KINDS:
        path = tmp / f"both-hetero-{kind}-24.json"
        path.write_text(json.dumps(both_hetero_doc(24, kind, pods_per_node=3)))
        found[path.stem] = path
    return found


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in snapshots(Path(tmp)).items():
            for i, variant in enumerate(VARIANTS):
                if name == "synth-1000" and i in (2, 3, 8):
                    continue
                cut = 2 if variant[0] == "fix" else 1
                args = [*variant[:cut], "--snapshot", str(path), *variant[cut:]]
                # the synthetic snapshots' folder is new each run: printed commands name it
                (out_dir / f"{name}.{i}.out").write_text(run(args).replace(tmp, "TMP"))
    print(f"wrote {len(list(out_dir.glob('*.out')))} outputs to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
