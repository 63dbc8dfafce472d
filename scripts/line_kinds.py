"""Count a package's Python lines by what they hold: code, strings alone, brackets alone,
comments, blank.

    .venv/bin/python scripts/line_kinds.py src/kostack lab/kostack_lab

A line is "code" when it holds any token other than a string, a comment or a bracket/comma;
"string" when it holds string literals and nothing else but brackets (docstrings, message texts
in two languages, catalogue keys);
"brackets" when only brackets, commas and colons. The total equals `wc -l` (the shipped-lines
budget in tests/packaging/test_wheel.py counts physical lines).
"""

from __future__ import annotations

import io
import sys
import tokenize
from collections import Counter
from pathlib import Path

SKIP = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
# Python 3.12 splits f-strings into three token types; 3.11 has one STRING token for them
STRINGS = {tokenize.STRING} | {
    getattr(tokenize, name, tokenize.STRING)
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
}
BRACKETS = set("()[]{},:")


def kinds(source: str) -> Counter[str]:
    code: set[int] = set()
    strings: set[int] = set()
    comments: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in SKIP:
            continue
        rows = range(tok.start[0], tok.end[0] + 1)
        if tok.type == tokenize.COMMENT:
            comments.update(rows)
        elif tok.type in STRINGS:
            strings.update(rows)
        elif not (tok.type == tokenize.OP and tok.string in BRACKETS):
            code.update(rows)
    out: Counter[str] = Counter()
    for number, line in enumerate(source.splitlines(), 1):
        if not line.strip():
            out["blank"] += 1
        elif number in code:
            out["code"] += 1
        elif number in strings:
            out["string"] += 1
        elif number in comments:
            out["comment"] += 1
        else:
            out["brackets"] += 1
    return out


def main(roots: list[str]) -> None:
    for root in roots:
        total: Counter[str] = Counter()
        for path in sorted(Path(root).rglob("*.py")):
            total += kinds(path.read_text(encoding="utf-8"))
        parts = ", ".join(
            f"{k} {total[k]:,}" for k in ("code", "string", "blank", "brackets", "comment")
        )
        print(f"{root}: {sum(total.values()):,} lines: {parts}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["src/kostack"])
