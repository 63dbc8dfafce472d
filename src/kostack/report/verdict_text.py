"""The verdict line and the conditional causes, in the terminal rendering. Pure."""

from __future__ import annotations

from collections.abc import Callable

from kostack.analyze.diagnose import Diagnosis, RootCause, root_cause_title
from kostack.analyze.findings import Finding, Remedy, Status, choice_lines, command_for
from kostack.analyze.messages import Msg
from kostack.analyze.messages import localize as L
from kostack.report.cells import bullet, labelled, wrap
from kostack.report.i18n import t

INDENT = "  "
MAX_COMMANDS = 4


def verdict_line(d: Diagnosis, lang: str) -> str:
    """The first line: healthy (decided), N root causes, or undecided and why."""
    v = d.verdict
    cases = len(d.worlds)
    if v.kind == "healthy" and v.undecided:  # not "every check was decided"
        return t(lang, "verdict.healthy-undecided", n=v.undecided)
    if v.kind == "healthy":
        key = "verdict.healthy-cases" if cases > 1 else "verdict.healthy"
        return t(lang, key, n=cases)
    if v.kind == "root-causes":
        line = t(lang, "verdict.root-causes", n=str(v.root_causes))
        if v.conditional:
            line += " " + t(lang, "verdict.also-conditional", n=str(v.conditional))
        elif v.critical_undecided:
            line += " " + t(
                lang, "verdict.also-undecided", paths=_paths(v.critical_undecided, lang)
            )
        return line
    # the template ends the sentence: a reason's own full stop would double it
    why = "; ".join(_distinct([L(r, lang).rstrip(".") for r in v.reasons])[:2]) or "-"
    paths = v.critical_undecided
    if paths:
        return t(lang, "verdict.undecided", paths=_paths(paths, lang), why=why)
    return t(lang, "verdict.undecided-causes", n=str(v.conditional), why=why)


def _distinct(reasons: list[str], least: int = 40) -> list[str]:
    """The reasons but those that repeat an earlier one's clause (a part between colons of
    ``least`` characters or more: an undecided path's reason often quotes the hop that its
    cause's reason already said whole)."""
    out: list[str] = []
    said: set[str] = set()
    for r in reasons:
        parts = {p.strip() for p in r.split(": ") if len(p.strip()) >= least}
        if any(p in r for p in said):
            continue
        out.append(r)
        said |= parts
    return out


def _paths(paths: tuple[str, ...], lang: str) -> str:
    return ", ".join(L(Msg(f"path.{p}"), lang) for p in paths)


def conditional_section(
    d: Diagnosis,
    lang: str,
    verbose: bool,
    breaks: Callable[[RootCause], list[str]],
    plan: str = "kostack fix plan",
    listing: str = "kostack fix plan --method disable-port-security",
) -> list[str]:
    """Each conditional cause: when it holds, what it breaks then, how to tell, the fix if so
    (and its fast insecure alternative: ``listing``, the plan by that method, has all of it,
    each marked for its case)."""
    out: list[str] = []
    total = len(d.conditional)
    for n, rc in enumerate(d.conditional, 1):
        sev = t(lang, "sev." + str(rc.severity))
        head = t(lang, "conditional_cause", n=n, total=total)
        out.extend(wrap(root_cause_title(rc.key, lang), INDENT, first=f"{head}  [{sev}]  "))
        when = "conditional_when_undecided" if undecided_otherwise(d, rc) else "conditional_when"
        out.extend(wrap(t(lang, when, condition=L(rc.condition, lang)), INDENT))
        for line in breaks(rc):
            out.extend(bullet(line))
        out.extend(wrap(L(rc.message, lang), INDENT))
        if verbose:
            for f in rc.symptoms:
                out.extend(bullet(L(f.message, lang)))
        if rc.tell:
            out.append(f"{INDENT}{t(lang, 'conditional_tell')}")
            for line in rc.tell:
                out.extend(bullet(L(line, lang)))
        if rc.fix.remedies:
            out.append(f"{INDENT}{t(lang, 'conditional_fix', condition=L(rc.condition, lang))}")
            out.extend(commands(rc.fix.remedies, lang, verbose, plan=plan))
        if rc.fix.alternative:  # the fast insecure one: its condition said again
            fast = t(lang, "conditional_fix_fast", condition=L(rc.condition, lang))
            out.extend(wrap(fast, INDENT * 2, first=INDENT))
            out.extend(
                commands(rc.fix.alternative, lang, verbose, 2, listing, more="fix_more_listed")
            )
        out.append("")
    return out


def undecided_otherwise(d: Diagnosis, rc: RootCause) -> bool:
    """Whether a check of the cause is undecided in some other case (not healthy there)."""
    checks = {f.check_id for f in (*rc.findings, *rc.symptoms)}
    return any(
        f.status == Status.UNKNOWN and f.condition and f.check_id in checks for f in d.findings
    )


def case_lines(rc: RootCause, lang: str) -> list[str]:
    """A cause that fails in every case but not the same way: the other ways, how to tell."""
    out: list[str] = []
    for f in rc.cases:
        line = t(lang, "case_other", condition=L(f.condition, lang), message=L(f.message, lang))
        out.extend(wrap(line, INDENT))
    if rc.tell and not rc.condition:
        out.append(f"{INDENT}{t(lang, 'conditional_tell')}")
        for line in rc.tell:
            out.extend(bullet(L(line, lang)))
    return out


def consequence_lines(rc: RootCause, lang: str, label_w: int) -> list[str]:
    """Causes that follow from this one, listed under it (never as root causes of their own),
    and the checks it leaves undecided."""
    out: list[str] = []
    for i, sub in enumerate(rc.consequences):
        label = t(lang, "consequences") if i == 0 else ""
        title = root_cause_title(sub.key, lang)
        out.extend(labelled(label, f"{title}: {L(sub.message, lang)}", label_w))
    if rc.explains:
        checks = list(dict.fromkeys(t(lang, "short." + f.check_id) for f in rc.explains))
        line = t(lang, "explains_line", checks=", ".join(checks))
        out.extend(labelled(t(lang, "explains"), line, label_w))
    return out


def commands(
    remedies: tuple[Remedy, ...],
    lang: str,
    verbose: bool,
    limit: int = MAX_COMMANDS,
    plan: str = "kostack fix plan",
    more: str = "fix_more",
) -> list[str]:
    """The first ``limit`` commands, then how many more and ``plan``, the command that lists them
    (``more``: the words that point to it)."""
    cmds = [L(command_for(r), lang) for r in remedies]  # a manual step's comment in lang
    shown = cmds if verbose or len(cmds) <= limit else cmds[:limit]
    out = []
    for choice, c in zip(choice_lines(remedies), shown, strict=False):
        # one of several ways: said above its first command
        if choice is not None:
            out.append(f"{INDENT * 2}{L(choice, lang)}")
        out.append(f"{INDENT * 2}{c}")
    if len(shown) < len(cmds):
        out.append(f"{INDENT * 2}{t(lang, more, n=len(cmds) - len(shown), command=plan)}")
    return out


def undecided_lines(findings: list[Finding], lang: str, verbose: bool) -> list[str]:
    """UNKNOWN findings, grouped per check, with the case they hold in when there is one.

    Without ``verbose``, checks that say the same (one missing piece of data leaves a dozen
    undecided) share one line that names them all."""
    per_check: dict[str, list[Finding]] = {}
    for f in findings:
        if not f.explained_by:
            per_check.setdefault(f.check_id, []).append(f)
    out: list[str] = []
    said: dict[str, list[str]] = {}  # what is said -> the checks saying it, in order
    for check_id, fs in per_check.items():
        for f in fs if verbose else fs[:1]:
            cond = f" ({L(f.condition, lang)})" if f.condition else ""
            more = f" {t(lang, 'unknown_more', n=len(fs))}" if not verbose and len(fs) > 1 else ""
            text = f"{more} {L(f.message, lang)}{cond}"
            if verbose:
                out.extend(wrap(f"{check_id}:{text}", INDENT * 2, first=INDENT))
            else:
                said.setdefault(text, []).append(check_id)
    for text, checks in said.items():
        out.extend(wrap(f"{', '.join(checks)}:{text}", INDENT * 2, first=INDENT))
    return out
