"""Renderers for `kostack fix`: the plan as text and as a reviewable shell script,
the progress of apply / rollback, and the before/after verification.

Renderers take finished results and return text; they never query. Names and
ids come from the cloud, so they are made terminal-safe in text and quoted
for the shell in scripts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from kostack.analyze.messages import localize as L
from kostack.plan.model import (
    PORT_OPERATIONS,
    Action,
    Method,
    Operation,
    Plan,
    Verification,
    restore_command,
)
from kostack.plan.rules import Rule
from kostack.report.cells import WIDTH, cells, hang, wrap
from kostack.report.fixplan_ways import steps_by_cause, until
from kostack.report.fixplan_words import TEXT, t
from kostack.report.safe import terminal_safe
from kostack.shell import comment, end_options, render


def short(identifier: str) -> str:
    return identifier[:8] + ".." if len(identifier) > 10 else identifier


def describe(action: Action, lang: str = "en") -> str:
    """What an action does, in one line."""
    tg = action.target
    who = f"{tg.name} {short(tg.id)}" if tg.name else tg.id
    if action.operation == Operation.ADD_ALLOWED_PAIRS:
        pairs = ", ".join(
            t(lang, "d.service_cidr", cidr=p.ip_address)
            if p.ip_address in action.not_for_traffic
            else p.ip_address
            for p in action.pairs
        )
        return t(lang, "d.pairs", who=who, pairs=pairs)
    if action.operation == Operation.DISABLE_PORT_SECURITY:
        return t(lang, "d.disable", who=who)
    if action.operation == Operation.ADD_SG_RULE and action.rule is not None:
        return t(lang, "d.rule", who=who, rule=rule_text(action.rule, lang))
    if action.operation == Operation.ADD_ROUTER_ROUTES:
        routes = ", ".join(
            t(lang, "d.route", destination=r.destination, nexthop=r.nexthop) for r in action.routes
        )
        return t(lang, "d.routes", who=who, routes=routes)
    name = tg.name or tg.id
    # "manual (CNI MTU)", "manual (load balancer shop-web)": the kind in words, once
    kind = t(lang, f"kind.{tg.kind}") if f"kind.{tg.kind}" in TEXT["en"] else tg.kind
    what = name if tg.kind.lower() in name.lower() else f"{kind} {name}"
    return t(lang, "d.manual", what=what, command=L(action.command, lang))


def rule_text(rule: Rule, lang: str) -> str:
    """A planned rule in one line: direction, ethertype, protocol and ports, from where."""
    if lang == "en":
        return rule.text()
    proto = rule.protocol or t(lang, "r.any_protocol")
    ports = f" {rule.port_span()}" if rule.port_range_min is not None else ""
    way = "to" if rule.direction == "egress" else "from"  # an egress rule's far end is where to
    if rule.remote_group_id:
        remote = t(lang, f"r.{way}_group", group=rule.remote_group_id)
    elif rule.remote_ip_prefix:
        remote = t(lang, f"r.{way}_prefix", prefix=rule.remote_ip_prefix)
    else:
        remote = t(lang, f"r.{way}_anywhere")
    return f"{rule.direction} {rule.ethertype} {proto}{ports} ({remote})"


def render_verification(
    v: Verification,
    *,
    heading: str,
    before_note: str = "",
    lang: str = "en",
    manual: Sequence[Action] = (),
) -> str:
    """``manual``: the plan's manual steps (the verification cannot run them, so a cause they
    fix still shows as remaining: said beside it)."""
    by_cause, ways = steps_by_cause(manual)
    lines = [heading]
    told = False
    note = f" ({before_note})" if before_note else ""
    lines.append(t(lang, "v.before", n=len(v.before), note=note))
    for r in v.gone:
        lines.append(t(lang, "v.gone", key=r.key, title=r.title_in(lang)))
    for r in v.remain:
        lines.append(t(lang, "v.remains", key=r.key, title=r.title_in(lang)))
        steps = by_cause.get(r.key)
        if steps:
            lines.append(until(lang, ways[r.key], steps))
        if steps and set(steps) & set(v.manual_steps) and not told:
            told = True  # once: the would-be state with every such step made
            keys = ", ".join(c.key for c in v.after_manual)
            n = len(v.after_manual)
            left = (
                t(lang, "v.after-manual.left", keys=keys, n=n)
                if n
                else t(lang, "v.after-manual.none")
            )
            lines.append(t(lang, "v.after-manual", ids=", ".join(v.manual_steps), left=left))
    after_keys = {r.key for r in v.after}
    for r in v.revealed:
        state = t(lang, "v.found.remains" if r.key in after_keys else "v.found.fixed")
        lines.append(t(lang, "v.found", key=r.key, title=r.title_in(lang), state=state))
    revealed = {r.key for r in v.revealed}
    for r in v.new:
        if r.key not in revealed:
            message = L(r.message, lang)
            lines.append(t(lang, "v.new", key=r.key, title=r.title_in(lang), message=message))
    if not v.before and not v.after:
        lines.append(t(lang, "v.none"))
    return "\n".join(lines) + "\n"


def render_plan(plan: Plan, *, verbose: bool = False, lang: str = "en") -> str:
    """The plan as a person reviews it."""
    counts = plan.counts()
    method = t(lang, "method.pairs" if plan.options.method == Method.PAIRS else "method.disable")
    out: list[str] = []
    src = plan.source
    where = (
        t(lang, "source", source=src.snapshot_source) if src.snapshot_source else t(lang, "live")
    )
    if src.snapshot_created_at:
        where += t(lang, "collected", when=src.snapshot_created_at)
    if not plan.actions:
        out.append(t(lang, "nothing", where=where))
    else:
        what = [
            t(lang, f"count.{key}", n=counts[key])
            for key in ("ports", "security_groups", "routers")
            if counts[key]
        ]
        roots = len(plan.verification.before)
        manual = len(plan.manual)
        # The method is how port actions fix anti-spoofing: a plan without one has none.
        on_ports = any(a.operation in PORT_OPERATIONS for a in plan.actions)
        out.append(
            t(
                lang,
                "head",
                digest=plan.digest(),
                n=counts["actions"],
                to=t(lang, "head.to", what=", ".join(what)) if what else "",
                manual=t(lang, "head.manual", m=manual) if manual else "",
                purpose=t(lang, "head.roots", roots=roots)
                if roots
                else t(lang, "head.conditional"),
                method=t(lang, "head.method", method=method) if on_ports else "",
            )
        )
        project = t(lang, "from.project", project=src.project) if src.project else ""
        out.append(t(lang, "from", where=where, project=project))
        if plan.options.tight:
            out.append(t(lang, "tight"))
    for action in plan.actions:
        out.append("")
        out.append(f"{action.id:>3}  {describe(action, lang)}")
        out.append(t(lang, "why", text=L(action.reason, lang)))
        if action.automatic:
            out.append(t(lang, "only_if", text=L(action.precondition.text, lang)))
            out.append(t(lang, "undo", text=L(action.inverse.description, lang)))
        for note in action.notes:
            out.append(t(lang, "note", text=L(note, lang)))
        if verbose and action.before is not None:
            before = action.before
            out.append(
                t(
                    lang,
                    "before",
                    pairs=", ".join(p.ip_address for p in before.allowed_address_pairs),
                    state=t(lang, "on" if before.port_security_enabled else "off"),
                    groups=str(list(before.security_groups)),
                )
            )
    for note in plan.notes:
        out.append("")
        out.append(t(lang, "plan_note", text=L(note, lang)))
    for warning in plan.warnings:
        out.append("")
        out.append(t(lang, "warning", text=L(warning, lang)))
    if plan.not_planned:
        out.append("")
        out.append(t(lang, "not_planned"))
        out.extend(f"  - {L(n, lang)}" for n in plan.not_planned)
    out.append("")
    heading = t(lang, "verified")
    verified = render_verification(
        plan.verification, heading=heading, lang=lang, manual=plan.manual
    )
    out.append(verified.rstrip("\n"))
    laid_out = [part for text in out for line in text.split("\n") for part in _laid_out(line)]
    return terminal_safe("\n".join(laid_out) + "\n")


# an action's labelled line (`     why:     …`) and its head (` a1  port …`)
# (a label of one or two words right after the five spaces: the verification's indented lines,
# "until you run one of manual steps ... (they are ways to fix it: choose one ...)", hang instead)
_LABELLED = re.compile(r"^( {5}[^:\s][^:\s]*(?: [^:\s]+)?: +)(\S.*)$")
_ACTION = re.compile(r"^( *a\d+  )(\S.*)$")


def _laid_out(line: str) -> list[str]:
    """``line`` wrapped at 100 cells: a labelled line under its value, an action's head under
    its words, anything else with a hanging indent (a command stays whole: `cells.wrap`)."""
    if cells(line) <= WIDTH:
        return [line]
    if labelled := _LABELLED.match(line):
        first, text = labelled.groups()
        return wrap(text, " " * cells(first), first=first)
    if action := _ACTION.match(line):
        first, text = action.groups()
        return wrap(text, " " * 5, first=first)
    return hang(line)


# --------------------------------------------------------------------------- script

_SCRIPT_HELPERS = r"""
set -euo pipefail

# grep reads a here-string, never a pipe: under pipefail, a `grep -q` that stops at its match
# can fail the writer (SIGPIPE) and so the test.

# The fields of a port that the checks below look at, as JSON.
kostack_port_state() {
  openstack port show -f json -c revision_number -c port_security_enabled \
    -c allowed_address_pairs -c security_group_ids -- "$1"
}

kostack_revision() {
  printf '%s\n' "$1" | sed -n 's/^ *"revision_number": \([0-9]*\).*/\1/p'
}

kostack_changed() {  # PORT NAME REVISION PLANNED
  echo "error: port $1 ($2) changed since planning (revision $3, planned $4); nothing more was changed" >&2
  echo "hint: someone else changed it: re-run \`kostack fix plan\`" >&2
  exit 3
}

# Add allowed address pairs that are not there yet (the CLI keeps existing pairs).
kostack_add_pairs() {  # PORT NAME PLANNED_REVISION CIDR...
  local port=$1 name=$2 planned=$3 state rev cidr
  shift 3
  local missing=() args=()
  state=$(kostack_port_state "$port")
  for cidr in "$@"; do
    grep -Fq "\"ip_address\": \"$cidr\"" <<<"$state" || missing+=("$cidr")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "ok       port $port ($name): allowed address pairs already there"
    return 0
  fi
  rev=$(kostack_revision "$state")
  [ "$rev" = "$planned" ] || kostack_changed "$port" "$name" "$rev" "$planned"
  for cidr in "${missing[@]}"; do args+=(--allowed-address "ip-address=$cidr"); done
  openstack port set "${args[@]}" -- "$port"
  echo "changed  port $port ($name): added allowed address pairs ${missing[*]}"
}

# Clear groups and pairs and disable port security in one request.
kostack_disable_port_security() {  # PORT NAME PLANNED_REVISION
  local port=$1 name=$2 planned=$3 state rev
  state=$(kostack_port_state "$port")
  if grep -q '"port_security_enabled": false' <<<"$state" \
     && grep -q '"security_group_ids": \[\]' <<<"$state" \
     && ! grep -q '"ip_address"' <<<"$state"; then
    echo "ok       port $port ($name): port security already off"
    return 0
  fi
  rev=$(kostack_revision "$state")
  [ "$rev" = "$planned" ] || kostack_changed "$port" "$name" "$rev" "$planned"
  openstack port set --no-security-group --no-allowed-address --disable-port-security -- "$port"
  echo "changed  port $port ($name): port security disabled"
}

# Create a rule; Neutron refuses a duplicate with "already exists" (409), which is fine.
kostack_add_rule() {  # GROUP WHAT RULE-ARGS...
  local group=$1 what=$2 out
  shift 2
  if out=$(openstack security group rule create "$@" -f value -c id -- "$group" 2>&1); then
    echo "changed  security group $group: added rule $what ($out)"
  elif grep -q "already exists" <<<"$out"; then
    echo "ok       security group $group: rule $what already there"
  else
    printf '%s\n' "$out" >&2
    exit 3
  fi
}

# Add the router routes that are not there yet, in one request.
kostack_add_routes() {  # ROUTER DESTINATION NEXTHOP [DESTINATION NEXTHOP]...
  local router=$1 routes
  shift
  local args=() added=()
  routes=$(openstack router show -f json -c routes -- "$router" | tr -d ' \n')
  while [ $# -ge 2 ]; do
    if ! grep -Fq "{\"destination\":\"$1\",\"nexthop\":\"$2\"}" <<<"$routes" \
       && ! grep -Fq "{\"nexthop\":\"$2\",\"destination\":\"$1\"}" <<<"$routes"; then
      args+=(--route "destination=$1,gateway=$2")
      added+=("$1 via $2")
    fi
    shift 2
  done
  if [ ${#args[@]} -eq 0 ]; then
    echo "ok       router $router: routes already there"
    return 0
  fi
  openstack router add route "${args[@]}" -- "$router" >/dev/null
  echo "changed  router $router: added routes ${added[*]}"
}
"""


# The helpers' comments in Korean (their commands are the same in every language).
_HELPER_COMMENTS_KO: Final = {
    "# grep reads a here-string, never a pipe: under pipefail, a `grep -q` that stops at its match": (
        "# grep은 파이프가 아닌 here-string을 읽습니다. pipefail에서는 일치하는 줄에서 멈추는"
    ),
    "# can fail the writer (SIGPIPE) and so the test.": (
        "# `grep -q`가 쓰는 쪽을 실패시키고(SIGPIPE) 그래서 검사도 실패할 수 있습니다."
    ),
    "# The fields of a port that the checks below look at, as JSON.": (
        "# 아래 검사가 보는 포트 필드(JSON)."
    ),
    "# Add allowed address pairs that are not there yet (the CLI keeps existing pairs).": (
        "# 아직 없는 Allowed Address Pair를 추가합니다(CLI는 기존 pair를 유지합니다)."
    ),
    "# Clear groups and pairs and disable port security in one request.": (
        "# 보안 그룹과 pair를 비우고 포트 보안을 해제합니다(요청 한 번)."
    ),
    '# Create a rule; Neutron refuses a duplicate with "already exists" (409), which is fine.': (
        '# 규칙을 만듭니다. 중복이면 Neutron이 "already exists"(409)로 거부하며, 문제없습니다.'
    ),
    "# Add the router routes that are not there yet, in one request.": (
        "# 아직 없는 라우터 경로를 한 번의 요청으로 추가합니다."
    ),
}


# What the helpers print when the script runs, in Korean (no particle after a shell variable).
_HELPER_ECHOES_KO: Final = {
    '"error: port $1 ($2) changed since planning (revision $3, planned $4); nothing more was '
    'changed"': '"오류: 계획 이후 포트 $1 ($2)에 변경이 있었습니다 (리비전 $3, 계획 시 $4). 더는 '
    '아무것도 바꾸지 않았습니다"',
    '"hint: someone else changed it: re-run \\`kostack fix plan\\`"': (
        '"힌트: 다른 누군가가 바꿨습니다. \\`kostack fix plan\\`부터 다시 실행하세요"'
    ),
    '"ok       port $port ($name): allowed address pairs already there"': (
        '"그대로   포트 $port ($name): Allowed Address Pair가 이미 있습니다"'
    ),
    '"changed  port $port ($name): added allowed address pairs ${missing[*]}"': (
        '"변경     포트 $port ($name): Allowed Address Pair 추가 ${missing[*]}"'
    ),
    '"ok       port $port ($name): port security already off"': (
        '"그대로   포트 $port ($name): 포트 보안이 이미 꺼져 있습니다"'
    ),
    '"changed  port $port ($name): port security disabled"': (
        '"변경     포트 $port ($name): 포트 보안 해제"'
    ),
    '"changed  security group $group: added rule $what ($out)"': (
        '"변경     보안 그룹 $group: 규칙 추가 $what ($out)"'
    ),
    '"ok       security group $group: rule $what already there"': (
        '"그대로   보안 그룹 $group: 이미 있는 규칙 $what"'
    ),
    '"ok       router $router: routes already there"': '"그대로   라우터 $router: 경로가 이미 있습니다"',
    '"changed  router $router: added routes ${added[*]}"': (
        '"변경     라우터 $router: 경로 추가 ${added[*]}"'
    ),
    '("$1 via $2")': '("$1 (게이트웨이 $2)")',
}


def _helpers(lang: str) -> str:
    if lang != "ko":
        return _SCRIPT_HELPERS
    text = _SCRIPT_HELPERS
    for english, korean in (*_HELPER_COMMENTS_KO.items(), *_HELPER_ECHOES_KO.items()):
        text = text.replace(english, korean)
    return text


def render_script(plan: Plan, version: str = "", lang: str = "en") -> str:
    """A reviewable, idempotent bash script of `openstack` CLI commands for the plan.

    Its comments and what it prints are in ``lang``; the commands are the same in every
    language.
    """
    src = plan.source
    when = src.snapshot_created_at
    lines = [
        "#!/usr/bin/env bash",
        comment(t(lang, "s.head", version=version, digest=plan.digest()).replace("  ", " ")),
        comment(
            t(
                lang,
                "s.from",
                source=t(lang, "source", source=src.snapshot_source)
                if src.snapshot_source
                else t(lang, "live"),
                collected=t(lang, "s.collected", when=when) if when else "",
                project=t(lang, "s.project", project=src.project) if src.project else "",
            )
        ),
        "#",
        *(f"# {line}" for line in t(lang, "s.about").splitlines()),
    ]
    for note in plan.notes:
        lines.append("#")
        lines.append(comment(t(lang, "s.note", text=L(note, lang))))
    for warning in plan.warnings:
        lines.append("#")
        lines.append(comment(t(lang, "s.warning", text=L(warning, lang))))
    lines.append(_helpers(lang))
    if not plan.automatic:
        lines.append(render(["echo", t(lang, "s.echo.nothing")]))
    for action in plan.actions:
        lines.extend(_action_lines(action, lang))
    lines.append("")
    lines.append(render(["echo", t(lang, "s.echo.done")]))
    # names come from the cloud and the cluster: no control character reaches the terminal
    return terminal_safe("\n".join(lines) + "\n")


def _undo(lang: str, command: str) -> str:
    """ "undo: COMMAND"; a command no shell can be given is already a comment ("# not given: …"),
    said once after "undo:", not as a comment inside the comment."""
    return t(lang, "s.undo", command=L(command, lang).removeprefix("# "))


def _action_lines(action: Action, lang: str = "en") -> list[str]:
    """One action: what and why, its undo command as a comment, the helper call that does it."""
    tg = action.target
    lines = [
        "",
        comment(f"{action.id}: {describe(action, lang)}"),
        comment(t(lang, "s.why", text=L(action.reason, lang))),
    ]
    lines.extend(comment(t(lang, "s.action.note", text=L(note, lang))) for note in action.notes)
    revision = str(action.precondition.revision_number)
    if action.operation == Operation.ADD_ALLOWED_PAIRS and action.before is not None:
        undo = ["openstack", "port", "set", "--no-allowed-address"]
        for p in action.before.allowed_address_pairs:
            undo += [
                "--allowed-address",
                f"ip-address={p.ip_address},mac-address={p.mac_address}",
            ]
        how = _undo(lang, render([*undo, *end_options([tg.id])]))
        pairs = (p.ip_address for p in action.pairs)
        call = ["kostack_add_pairs", tg.id, tg.name or "-", revision, *pairs]
    elif action.operation == Operation.DISABLE_PORT_SECURITY and action.before is not None:
        how = _undo(lang, restore_command(tg.id, action.before))
        call = ["kostack_disable_port_security", tg.id, tg.name or "-", revision]
    elif action.operation == Operation.ADD_SG_RULE and action.rule is not None:
        how = t(lang, "s.undo.rule")
        call = ["kostack_add_rule", tg.id, rule_text(action.rule, lang), *action.rule.cli_options()]
    elif action.operation == Operation.ADD_ROUTER_ROUTES:
        undo = ["openstack", "router", "remove", "route"]
        for r in action.routes:
            undo += ["--route", f"destination={r.destination},gateway={r.nexthop}"]
        how = _undo(lang, render([*undo, *end_options([tg.id])]))
        call = ["kostack_add_routes", tg.id]
        call += [x for r in action.routes for x in (r.destination, r.nexthop)]
    else:
        return [*lines, comment(t(lang, "s.manual")), comment(L(action.command, lang))]
    return [*lines, comment(how), L(render(call), lang)]
