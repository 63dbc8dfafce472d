"""Renderers for `kostack fix`: the plan as text and as a reviewable shell script,
the progress of apply / rollback, and the before/after verification.

Renderers take finished results and return text; they never query. Names and
ids come from the cloud, so they are made terminal-safe in text and quoted
for the shell in scripts.
"""

from __future__ import annotations

from collections.abc import Iterable

from kostack.plan.model import (
    Action,
    Method,
    Operation,
    Plan,
    RootCauseRef,
    Verification,
    restore_command,
)
from kostack.report.safe import terminal_safe
from kostack.shell import comment, end_options, render

PORT_OPERATIONS = frozenset({Operation.ADD_ALLOWED_PAIRS, Operation.DISABLE_PORT_SECURITY})


def short(identifier: str) -> str:
    return identifier[:8] + ".." if len(identifier) > 10 else identifier


def describe(action: Action) -> str:
    """What an action does, in one line."""
    t = action.target
    who = f"{t.name} {short(t.id)}" if t.name else t.id
    if action.operation == Operation.ADD_ALLOWED_PAIRS:
        pairs = ", ".join(
            p.ip_address + (" (service CIDR)" if p.ip_address in action.not_for_traffic else "")
            for p in action.pairs
        )
        return f"port {who}: add allowed address pairs {pairs}"
    if action.operation == Operation.DISABLE_PORT_SECURITY:
        return f"port {who}: clear security groups and pairs, disable port security (one request)"
    if action.operation == Operation.ADD_SG_RULE and action.rule is not None:
        return f"security group {who}: add rule {action.rule.text()}"
    if action.operation == Operation.ADD_ROUTER_ROUTES:
        routes = ", ".join(f"{r.destination} via {r.nexthop}" for r in action.routes)
        return f"router {who}: add routes {routes}"
    return f"manual ({t.kind} {t.name or t.id}): {action.command}"


def _refs(refs: Iterable[RootCauseRef]) -> str:
    return ", ".join(f"{r.key} ({r.title})" for r in refs) or "none"


def render_verification(v: Verification, *, heading: str, before_note: str = "") -> str:
    lines = [heading]
    note = f" ({before_note})" if before_note else ""
    lines.append(f"  before:  {len(v.before)} root cause{'s' if len(v.before) != 1 else ''}{note}")
    for r in v.gone:
        lines.append(f"  gone:    {r.key}  {r.title}")
    for r in v.remain:
        lines.append(f"  remains: {r.key}  {r.title}")
    after_keys = {r.key for r in v.after}
    for r in v.revealed:
        state = "remains" if r.key in after_keys else "fixed too"
        lines.append(f"  found:   {r.key}  {r.title} (hidden behind the first; {state})")
    revealed = {r.key for r in v.revealed}
    for r in v.new:
        if r.key not in revealed:
            lines.append(f"  new:     {r.key}  {r.title}: {r.message}")
    if not v.before and not v.after:
        lines.append("  no root cause before or after")
    return "\n".join(lines) + "\n"


def render_plan(plan: Plan, *, verbose: bool = False) -> str:
    """The plan as a person reviews it."""
    counts = plan.counts()
    method = (
        "allowed address pairs, port security stays on"
        if plan.options.method == Method.PAIRS
        else "disable port security (fast, insecure)"
    )
    out: list[str] = []
    src = plan.source
    where = src.snapshot_source or "live collection"
    if src.snapshot_created_at:
        where += f", collected {src.snapshot_created_at}"
    if not plan.actions:
        out.append(f"Nothing to change: no root cause kostack can fix ({where}).")
    else:
        what = []
        for key, label in (
            ("ports", "port"),
            ("security_groups", "security group"),
            ("routers", "router"),
        ):
            if counts[key]:
                what.append(f"{counts[key]} {label}{'s' if counts[key] != 1 else ''}")
        roots = len(plan.verification.before)
        manual = len(plan.manual)
        # The method is how port actions fix anti-spoofing: a plan without one has none.
        on_ports = any(a.operation in PORT_OPERATIONS for a in plan.actions)
        out.append(
            f"Plan {plan.digest()}: {counts['actions']} change{'s' if counts['actions'] != 1 else ''}"
            + (f" to {', '.join(what)}" if what else "")
            + (f" and {manual} manual step{'s' if manual != 1 else ''}" if manual else "")
            + f" for {roots} root cause{'s' if roots != 1 else ''}"
            + (f" (method: {method})." if on_ports else ".")
        )
        out.append(f"From: {where}" + (f"; project {src.project}" if src.project else "") + ".")
        if plan.options.tight:
            out.append("--tight: each node's port gets only the pod blocks it owns.")
    for action in plan.actions:
        out.append("")
        out.append(f"{action.id:>3}  {describe(action)}")
        out.append(f"     why:     {action.reason}")
        if action.automatic:
            out.append(f"     only if: {action.precondition.text}")
            out.append(f"     undo:    {action.inverse.description}")
        for note in action.notes:
            out.append(f"     note:    {note}")
        if verbose and action.before is not None:
            out.append(
                "     before:  pairs ["
                + ", ".join(p.ip_address for p in action.before.allowed_address_pairs)
                + f"], port security {'on' if action.before.port_security_enabled else 'off'}, "
                f"groups {list(action.before.security_groups)}"
            )
    for note in plan.notes:
        out.append("")
        out.append(f"Note: {note}")
    for warning in plan.warnings:
        out.append("")
        out.append(f"WARNING: {warning}")
    if plan.not_planned:
        out.append("")
        out.append("Not planned:")
        out.extend(f"  - {n}" for n in plan.not_planned)
    out.append("")
    out.append(
        render_verification(
            plan.verification,
            heading="Verified before applying (the diagnosis re-run on the snapshot with these changes):",
        ).rstrip("\n")
    )
    return terminal_safe("\n".join(out) + "\n")


# --------------------------------------------------------------------------- script

_SCRIPT_HELPERS = r"""
set -euo pipefail

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
    printf '%s\n' "$state" | grep -Fq "\"ip_address\": \"$cidr\"" || missing+=("$cidr")
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
  if printf '%s\n' "$state" | grep -q '"port_security_enabled": false' \
     && printf '%s\n' "$state" | grep -q '"security_group_ids": \[\]' \
     && ! printf '%s\n' "$state" | grep -q '"ip_address"'; then
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
  elif printf '%s\n' "$out" | grep -q "already exists"; then
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
    if ! printf '%s' "$routes" | grep -Fq "{\"destination\":\"$1\",\"nexthop\":\"$2\"}" \
       && ! printf '%s' "$routes" | grep -Fq "{\"nexthop\":\"$2\",\"destination\":\"$1\"}"; then
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


def _comment(text: str) -> str:
    """A safe one-line shell comment (no newline or hidden character from the cloud ends it)."""
    return comment(text)


def _rule_args(action: Action) -> list[str]:
    rule = action.rule
    assert rule is not None
    args = [f"--{rule.direction}", "--ethertype", rule.ethertype]
    args += ["--protocol", rule.protocol or "any"]
    if rule.port_range_min is not None:
        hi = rule.port_range_max
        args += [
            "--dst-port",
            f"{rule.port_range_min}"
            + (f":{hi}" if hi is not None and hi != rule.port_range_min else ""),
        ]
    if rule.remote_group_id:
        args += ["--remote-group", rule.remote_group_id]
    elif rule.remote_ip_prefix:
        args += ["--remote-ip", rule.remote_ip_prefix]
    if rule.description:
        args += ["--description", rule.description]
    return args


def render_script(plan: Plan, version: str = "") -> str:
    """A reviewable, idempotent bash script of `openstack` CLI commands for the plan."""
    src = plan.source
    lines = [
        "#!/usr/bin/env bash",
        _comment(f"kostack {version} fix plan {plan.digest()} as a script".replace("  ", " ")),
        _comment(
            f"from {src.snapshot_source or 'live collection'}"
            + (f" (collected {src.snapshot_created_at})" if src.snapshot_created_at else "")
            + (f", project {src.project}" if src.project else "")
        ),
        "#",
        "# Review it before running. It needs the `openstack` CLI and credentials for the",
        "# project (OS_CLOUD or OS_* variables). It is idempotent: what is already in place",
        "# is skipped, so a second run changes nothing. A port that changed since planning",
        "# stops it (exit 3): re-run `kostack fix plan`. Security-group rules rely on",
        "# Neutron refusing duplicates. Unlike `kostack fix apply` it keeps no journal:",
        "# the undo command of each change is in its comment.",
    ]
    for note in plan.notes:
        lines.append("#")
        lines.append(_comment("Note: " + note))
    for warning in plan.warnings:
        lines.append("#")
        lines.append(_comment("WARNING: " + warning))
    lines.append(_SCRIPT_HELPERS)
    if not plan.automatic:
        lines.append("echo 'Nothing to change.'")
    for action in plan.actions:
        lines.extend(_action_lines(action))
    lines.append("")
    lines.append("echo 'Done. Check with: kostack diagnose'")
    # names come from the cloud and the cluster: no control character reaches the terminal
    return terminal_safe("\n".join(lines) + "\n")


def _action_lines(action: Action) -> list[str]:
    """One action: what and why, its undo command as a comment, the helper call that does it."""
    lines: list[str] = []
    t = action.target
    lines.append("")
    lines.append(_comment(f"{action.id}: {describe(action)}"))
    lines.append(_comment(f"why: {action.reason}"))
    for note in action.notes:
        lines.append(_comment(f"note: {note}"))
    if action.operation == Operation.ADD_ALLOWED_PAIRS and action.before is not None:
        undo = ["openstack", "port", "set", "--no-allowed-address"]
        for p in action.before.allowed_address_pairs:
            undo += [
                "--allowed-address",
                f"ip-address={p.ip_address},mac-address={p.mac_address}",
            ]
        lines.append(_comment("undo: " + render([*undo, *end_options([t.id])])))
        lines.append(
            render(
                [
                    "kostack_add_pairs",
                    t.id,
                    t.name or "-",
                    str(action.precondition.revision_number),
                    *(p.ip_address for p in action.pairs),
                ]
            )
        )
    elif action.operation == Operation.DISABLE_PORT_SECURITY and action.before is not None:
        lines.append(_comment(f"undo: {restore_command(t.id, action.before)}"))
        lines.append(
            render(
                [
                    "kostack_disable_port_security",
                    t.id,
                    t.name or "-",
                    str(action.precondition.revision_number),
                ]
            )
        )
    elif action.operation == Operation.ADD_SG_RULE and action.rule is not None:
        lines.append(_comment("undo: openstack security group rule delete RULE_ID (printed below)"))
        lines.append(render(["kostack_add_rule", t.id, action.rule.text(), *_rule_args(action)]))
    elif action.operation == Operation.ADD_ROUTER_ROUTES:
        undo = ["openstack", "router", "remove", "route"]
        for r in action.routes:
            undo += ["--route", f"destination={r.destination},gateway={r.nexthop}"]
        lines.append(_comment("undo: " + render([*undo, *end_options([t.id])])))
        lines.append(
            render(
                [
                    "kostack_add_routes",
                    t.id,
                    *(x for r in action.routes for x in (r.destination, r.nexthop)),
                ]
            )
        )
    else:
        lines.append(_comment("manual step, not run by this script:"))
        lines.append(_comment(action.command))
    return lines
