"""Differential check for the watch's and the report's class flows: write them for many snapshots.

Run it before and after a change that must not change what they show, then compare:

    .venv/bin/python benchmarks/picture_outputs.py /tmp/before     (on the old commit)
    .venv/bin/python benchmarks/picture_outputs.py /tmp/after      (on the new one)
    diff -r /tmp/before /tmp/after && echo byte-identical

Snapshots: those of benchmarks/diagnose_outputs.py but the 1,000-node one (every example,
dual-stack ones included; synthetic, heterogeneous-groups and many-subnet clusters).
Outputs per snapshot: the watch's class table and flow counts (`assess`, at --max-classes
8 and 2: the metrics are a function of them), the report's picture (its data), and
`kostack report` as Markdown and HTML (the SVG is inside), in English and Korean.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diagnose_outputs import run, snapshots


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    from kostack.model import load_snapshot
    from kostack.report.topology_picture import picture
    from kostack.watch.assess import assess

    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in snapshots(Path(tmp)).items():
            if name == "synth-1000":
                continue
            snap = load_snapshot(path)
            lines = []
            for max_classes in (8, 2):
                a = assess(snap, max_classes=max_classes)
                lines += [repr(c) for c in a.classes.classes] + [repr(f) for f in a.flows]
            (out_dir / f"{name}.watch.out").write_text("\n".join(lines) + "\n")
            pic = picture(snap, lang="en")
            (out_dir / f"{name}.picture.out").write_text(repr(pic) + "\n")
            for lang in ("en", "ko"):
                for fmt in ("md", "html"):
                    args = ["report", "--snapshot", str(path), "--lang", lang]
                    out = run([*args, "--format", fmt, "-o", "-"])
                    (out_dir / f"{name}.report-{lang}.{fmt}.out").write_text(out)
    print(f"wrote {len(list(out_dir.glob('*.out')))} outputs to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
