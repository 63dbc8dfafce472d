"""Find English sentences in output that should be Korean (tests/foundation/test_korean_complete.py).

A line carries an English sentence when, outside backticks, quotes and
shell commands (but inside a shell comment, which is a sentence for the reader), it has three or more English words in a row, all lowercase
(a sentence's words; names such as "Neutron", "k8s-w-1", "10.0.0.0/24",
"kube-proxy" or "natOutgoing" are not lowercase words, so they never count).
A few lowercase phrases are names of things and stay as they are: ALLOWED.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Shell commands kostack prints (quoted, to copy): a line that starts with one is a command.
COMMANDS = (
    "openstack ", "kubectl ", "kostack ", "helm ", "sudo ", "export ", "curl ", "nc ", "ping ",
    "nslookup ", "ip ", "bash ", "terraform ", "kubeadm ", "# ", "$ ",
)  # fmt: skip
# Lowercase words that are names (protocols, config values, commands) rather than English.
ALLOWED_WORDS = frozenset(
    {
        "tcp", "udp", "icmp", "sctp", "ipip", "vxlan", "geneve", "bgp", "ovs", "ovn", "ml2",
        "iptables", "ipvs", "nftables", "kubelet", "kubeadm", "etcd", "calico", "cilium",
        "flannel", "typha", "nc", "curl", "nslookup", "ping", "zv", "ok", "helm", "kubectl",
        "openstack", "kostack", "json", "yaml", "md", "html", "sarif", "junit", "text",
        "amphora", "harbor", "jobservice", "redis", "postgresql", "trivy", "core", "portal",
        "registry", "database", "ingress", "egress", "natoutgoing", "crosssubnet", "always",
        "never", "auto", "true", "false", "null", "none", "host", "gw", "local", "cluster",
    }
)  # fmt: skip
_SPANS = re.compile(r"`[^`]*`|'[^'\n]*'|\"[^\"\n]*\"|“[^”\n]*”|<[^>\n]*>")
_WORD = re.compile(r"[^\s,;:()\[\]{}=]+")
# the text of a shell comment: a line that is one ("# ..."), or one after a command ("... # ...")
_COMMENT = re.compile(r"(?:^|\s)#\s(.*)$")
_LOWER_WORD = re.compile(r"[a-z]+'?[a-z]*[.!?]?")


def english_runs(line: str) -> list[str]:
    """The runs of three or more lowercase English words in ``line`` (none when it is Korean)."""
    return _runs(line, 3, frozenset())


def _runs(line: str, least: int, names: frozenset[str]) -> list[str]:
    """The runs of ``least`` or more lowercase English words that are not names."""
    text = _SPANS.sub(" ", line).strip()
    # a list item, a numbered step or a plan action's id ("a1", "12") may precede the command
    bare = re.sub(r"^[-*> |0-9.]*(?:[a-z]\d+\s+)?", "", text)
    if bare.startswith(COMMANDS):
        # a command's words are not a sentence, but a shell comment in or after it is
        said = _COMMENT.search(bare)
        if said is None or said.group(1).startswith(COMMANDS):  # a command kept as a comment
            return []
        text = said.group(1)
    runs: list[str] = []
    run: list[str] = []
    for word in [*_WORD.findall(text), "|"]:
        bare = word.rstrip(".!?")
        if _LOWER_WORD.fullmatch(word) and bare not in ALLOWED_WORDS and bare not in names:
            run.append(word)
            continue
        if len(run) >= least:
            runs.append(" ".join(run))
        run = []
    return runs


_QUOTED = re.compile(r"“[^”]*”")


def english_lines(output: str) -> list[str]:
    """The lines of ``output`` that carry an English sentence.

    Third-party words kostack quotes (“...”: a log line, Helm's status text, a note
    recorded in the snapshot) are not kostack's sentences, also when a long line
    was wrapped inside the quotes.
    """
    unquoted = _QUOTED.sub(lambda m: "".join(c if c == "\n" else " " for c in m.group()), output)
    return [
        line
        for line, bare in zip(output.splitlines(), unquoted.splitlines(), strict=True)
        if english_runs(bare)
    ]


# The two-word reading (tests/foundation/test_korean_two_words.py): an English word pair in a
# Korean line is a leftover too ("client traffic 허용"), except where the glossary keeps
# English: a gloss in brackets right after the Korean term ("원격 그룹(remote group)"), a
# field=value pair of evidence, "n log n", and the names the snapshot itself holds.
_GLOSS = re.compile(r"(?<=[가-힣])\([^()가-힣]*\)")
_FIELD_VALUE = re.compile(r"\S+=\S+")


def english_pairs(line: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The runs of two or more lowercase English words in ``line``, names and glosses aside."""
    text = _FIELD_VALUE.sub(" ", _GLOSS.sub(" ", line)).replace("n log n", " ")
    return _runs(text, 2, names)


def korean_pair_lines(output: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The lines of ``output`` with an English word pair (quoted third-party text aside)."""
    unquoted = _QUOTED.sub(lambda m: "".join(c if c == "\n" else " " for c in m.group()), output)
    return [
        line
        for line, bare in zip(output.splitlines(), unquoted.splitlines(), strict=True)
        if re.search("[가-힣]", bare) and english_pairs(bare, names)
    ]


# The HTML report read as its reader sees it: the text of its elements (the picture's labels
# too), a line per block, code between backticks as the Markdown report writes it; the styles
# are not words.
_BLOCKS = frozenset(
    {"p", "li", "tr", "h1", "h2", "h3", "h4", "div", "figcaption", "title", "pre", "br",
     "text", "footer", "table", "ul", "thead", "tbody", "section", "dt", "dd"}
)  # fmt: skip
_UNSAID = frozenset({"style", "script"})


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _UNSAID:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" | ")
        if tag == "pre":
            self.pre += 1
        elif tag == "code" and not self.pre:
            self.out.append("`")

    def handle_endtag(self, tag: str) -> None:
        if tag in _UNSAID:
            self.skipping -= 1
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag in _BLOCKS:
            self.out.append("\n")
        if tag == "pre":
            self.pre -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data if self.pre else data.replace("\n", " "))


def html_text(page: str) -> str:
    """The words of an HTML page as lines of text (see above)."""
    parser = _HtmlText()
    parser.feed(page)
    parser.close()
    return "\n".join(line.strip() for line in "".join(parser.out).splitlines() if line.strip())


# A script kostack writes (`fix plan -o script`, `preflight -o commands`): its words are its
# comments and what it echoes; the rest is code.
_ECHO = re.compile(r'\becho\s+"((?:[^"\\]|\\.)*)"')


def comment_lines(script: str) -> list[str]:
    """The shell comments of ``script`` as text (a comment that is a command is left out)."""
    out: list[str] = []
    for line in script.splitlines():
        if line.startswith("#!") or not line.lstrip().startswith("#"):
            continue
        text = line.lstrip().lstrip("#").strip()
        label, _, rest = text.partition(": ")
        if rest.startswith(COMMANDS) and " " not in label:
            continue  # "undo: openstack port set ..." names a command
        if text:
            out.append(text)
    return out


def script_english(script: str) -> list[str]:
    """The comments and echoed strings of ``script`` that carry an English sentence."""
    echoed = [m.group(1) for line in script.splitlines() for m in _ECHO.finditer(line)]
    return [line for line in [*comment_lines(script), *echoed] if english_runs(line)]
