"""The plan: frozen records of the concrete changes `kostack fix` would make.

A plan is built from a snapshot and its diagnosis (plan/build.py) and is pure
data: every action names its target (kind, id, name), the operation and its
parameters, the reason (the root cause it fixes), the precondition (the
target's Neutron ``revision_number`` read at planning) and its inverse. The
apply layer carries actions out; renderers print them; nothing here does I/O.

Port fields are kept normalised (pairs and groups sorted, every pair with an
explicit MAC) so that "is the port in the planned state?" is a plain equality.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from kostack.plan.rules import Rule
from kostack.shell import end_options, render

PLAN_SCHEMA_VERSION: Final = 1


class Operation(StrEnum):
    """What an action does to its target."""

    ADD_ALLOWED_PAIRS = "add-allowed-pairs"
    DISABLE_PORT_SECURITY = "disable-port-security"
    ADD_SG_RULE = "add-sg-rule"
    ADD_ROUTER_ROUTES = "add-router-routes"
    MANUAL = "manual"


class Method(StrEnum):
    """How the port-level root causes are fixed."""

    PAIRS = "pairs"
    DISABLE_PORT_SECURITY = "disable-port-security"


PORT_OPERATIONS = frozenset({Operation.ADD_ALLOWED_PAIRS, Operation.DISABLE_PORT_SECURITY})


@dataclass(frozen=True)
class Target:
    """The object an action changes."""

    kind: str  # port | security_group | router | cni
    id: str
    name: str = ""

    def label(self) -> str:
        kind = self.kind.replace("_", " ")
        return f"{kind} {self.id}" + (f" ({self.name})" if self.name else "")


@dataclass(frozen=True, order=True)
class Pair:
    """One Neutron allowed address pair, with its MAC made explicit."""

    ip_address: str
    mac_address: str

    def as_dict(self) -> dict[str, str]:
        return {"ip_address": self.ip_address, "mac_address": self.mac_address}


@dataclass(frozen=True)
class PortFields:
    """The port fields `kostack fix` may change, normalised for comparison."""

    port_security_enabled: bool
    security_groups: tuple[str, ...]
    allowed_address_pairs: tuple[Pair, ...]

    @classmethod
    def of(
        cls, port_security_enabled: bool, security_groups: Any, allowed_address_pairs: Any
    ) -> PortFields:
        """Build normalised fields (sorted, deduplicated)."""
        return cls(
            bool(port_security_enabled),
            tuple(sorted(set(security_groups))),
            tuple(sorted(set(allowed_address_pairs))),
        )

    def normal(self) -> PortFields:
        """The same fields with every pair in canonical form (``10.0.0.5`` -> ``10.0.0.5/32``).

        Neutron stores a pair's ip_address as given; snapshots hold it parsed.
        Compare normal forms, write the forms read from Neutron.
        """
        return PortFields.of(
            self.port_security_enabled,
            self.security_groups,
            (
                Pair(str(ipaddress.ip_network(p.ip_address, strict=False)), p.mac_address.lower())
                for p in self.allowed_address_pairs
            ),
        )

    def same(self, other: PortFields) -> bool:
        """Equal up to the spelling of pair addresses."""
        return self.normal() == other.normal()

    def with_pairs(self, added: tuple[Pair, ...]) -> PortFields:
        return PortFields.of(
            self.port_security_enabled,
            self.security_groups,
            (*self.allowed_address_pairs, *added),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "port_security_enabled": self.port_security_enabled,
            "security_groups": list(self.security_groups),
            "allowed_address_pairs": [p.as_dict() for p in self.allowed_address_pairs],
        }

    def changes_to(self, target: PortFields) -> dict[str, Any]:
        """The port update body that turns these fields into ``target`` (one PUT).

        When port security changes, all three fields go in the same request:
        that is the order Neutron accepts (disabling with a group or a pair
        attached is a 409; enabling together with groups and pairs works).
        """
        body: dict[str, Any] = {}
        if self.port_security_enabled != target.port_security_enabled:
            return target.as_dict()
        if self.security_groups != target.security_groups:
            body["security_groups"] = list(target.security_groups)
        if self.allowed_address_pairs != target.allowed_address_pairs:
            body["allowed_address_pairs"] = [p.as_dict() for p in target.allowed_address_pairs]
        return body


@dataclass(frozen=True, order=True)
class Route:
    destination: str
    nexthop: str

    def as_dict(self) -> dict[str, str]:
        return {"destination": self.destination, "nexthop": self.nexthop}


@dataclass(frozen=True)
class Precondition:
    """What must still hold when the action runs: the target's revision at planning."""

    revision_number: int | None
    text: str


@dataclass(frozen=True)
class Inverse:
    """How to undo an action (rollback uses the journal's recorded before-state)."""

    operation: str  # restore-port-fields | delete-sg-rule | remove-router-routes | none
    description: str
    port_fields: PortFields | None = None
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Action:
    """One change to one object, with its reason, precondition and inverse."""

    id: str
    operation: Operation
    target: Target
    reason: str
    fixes: tuple[str, ...]
    precondition: Precondition
    inverse: Inverse
    before: PortFields | None = None  # port actions: the fields at planning
    after: PortFields | None = None  # port actions: the fields the action sets
    pairs: tuple[Pair, ...] = ()  # add-allowed-pairs: the pairs added
    not_for_traffic: tuple[str, ...] = ()  # pairs added by convention, not needed on the wire
    rule: Rule | None = None
    routes: tuple[Route, ...] = ()
    command: str = ""  # manual: what the operator runs
    notes: tuple[str, ...] = ()

    @property
    def automatic(self) -> bool:
        """Whether `kostack fix apply` carries it out (manual steps are only printed)."""
        return self.operation != Operation.MANUAL

    def parameters(self) -> dict[str, Any]:
        """The operation's parameters as the JSON output shows them."""
        if self.operation == Operation.ADD_ALLOWED_PAIRS:
            return {
                "add": [p.as_dict() for p in self.pairs],
                "not_needed_for_traffic": list(self.not_for_traffic),
                "allowed_address_pairs": [
                    p.as_dict() for p in (self.after.allowed_address_pairs if self.after else ())
                ],
            }
        if self.operation == Operation.DISABLE_PORT_SECURITY:
            return {
                "port_security_enabled": False,
                "security_groups": [],
                "allowed_address_pairs": [],
            }
        if self.operation == Operation.ADD_SG_RULE and self.rule is not None:
            return self.rule.as_dict()
        if self.operation == Operation.ADD_ROUTER_ROUTES:
            return {"routes": [r.as_dict() for r in self.routes]}
        return {"command": self.command}


@dataclass(frozen=True)
class RootCauseRef:
    """A root cause as plans and verification reports name it."""

    key: str
    title: str
    severity: str
    message: str
    resources: int = 0

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` (the recorded title when kostack does not know the key)."""
        from kostack.analyze.diagnose import ROOT_CAUSE_TITLES, root_cause_title

        return root_cause_title(self.key, lang) if self.key in ROOT_CAUSE_TITLES else self.title

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "severity": self.severity,
            "message": self.message,
            "resources": self.resources,
        }


@dataclass(frozen=True)
class Verification:
    """Root causes before and after a change (simulated for plans, re-collected after apply)."""

    before: tuple[RootCauseRef, ...]
    after: tuple[RootCauseRef, ...]
    iterations: int = 1
    simulated: bool = True
    revealed: tuple[RootCauseRef, ...] = ()  # hidden behind `before`, found while verifying
    # the manual steps whose effect is a snapshot field kostack models (Felix's switch), and
    # the would-be root causes with their effect too: `after_manual` empty is "none remain"
    manual_steps: tuple[str, ...] = ()
    after_manual: tuple[RootCauseRef, ...] = ()

    @property
    def gone(self) -> tuple[RootCauseRef, ...]:
        keys = {r.key for r in self.after}
        return tuple(r for r in self.before if r.key not in keys)

    @property
    def remain(self) -> tuple[RootCauseRef, ...]:
        keys = {r.key for r in self.before}
        return tuple(r for r in self.after if r.key in keys)

    @property
    def new(self) -> tuple[RootCauseRef, ...]:
        keys = {r.key for r in self.before}
        return tuple(r for r in self.after if r.key not in keys)

    def as_dict(self) -> dict[str, Any]:
        return {
            "simulated": self.simulated,
            "iterations": self.iterations,
            "before": [r.as_dict() for r in self.before],
            "after": [r.as_dict() for r in self.after],
            "gone": [r.key for r in self.gone],
            "remain": [r.key for r in self.remain],
            "new": [r.key for r in self.new],
            "revealed": [r.as_dict() for r in self.revealed],
            "after_manual": {
                "steps": list(self.manual_steps),
                "after": [r.as_dict() for r in self.after_manual],
            }
            if self.manual_steps
            else None,
        }


@dataclass(frozen=True)
class PlanOptions:
    method: Method = Method.PAIRS
    tight: bool = False
    # the service CIDR as a pair too: never needed for traffic (kube-proxy rewrites service
    # IPs before packets leave the node), so off by default, like diagnose's advice
    service_cidr: bool = False
    # the remedies of causes seen only in the cloud's observed state (OBSERVED_CAUSES): off for
    # guard, which must not keep what it cannot see is still needed once it is fixed
    observed: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"method": str(self.method), "tight": self.tight, "service_cidr": self.service_cidr}


@dataclass(frozen=True)
class PlanSource:
    """Where the plan's facts came from."""

    snapshot_source: str | None = None
    snapshot_created_at: str | None = None
    cloud: str | None = None
    project: str | None = None
    neutron_backend: str | None = None


@dataclass(frozen=True)
class Plan:
    """The ordered actions that fix a diagnosis, verified by simulation before apply."""

    options: PlanOptions
    source: PlanSource
    actions: tuple[Action, ...]
    verification: Verification
    warnings: tuple[str, ...] = ()
    not_planned: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    schema_version: int = PLAN_SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def automatic(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.automatic)

    @property
    def manual(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if not a.automatic)

    def action(self, action_id: str) -> Action:
        for a in self.actions:
            if a.id == action_id:
                return a
        raise KeyError(action_id)

    def digest(self, action_dicts: Sequence[dict[str, Any]] | None = None) -> str:
        """A short fingerprint of what the plan changes (options and actions).

        ``action_dicts``: the actions' `action_to_dict`, when the caller has them already.
        """
        from kostack.plan.codec import action_to_dict

        if action_dicts is None:
            action_dicts = [action_to_dict(a) for a in self.actions]
        body = {
            "options": self.options.as_dict(),
            # what the actions change and their English words; not how they are said
            "actions": [{k: v for k, v in d.items() if k != "said"} for d in action_dicts],
        }
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]

    def counts(self) -> dict[str, int]:
        ports = {a.target.id for a in self.automatic if a.target.kind == "port"}
        groups = {a.target.id for a in self.automatic if a.target.kind == "security_group"}
        routers = {a.target.id for a in self.automatic if a.target.kind == "router"}
        return {
            "actions": len(self.automatic),
            "ports": len(ports),
            "security_groups": len(groups),
            "routers": len(routers),
            "manual": len(self.manual),
        }


def restore_argv(port_id: str, fields: PortFields) -> tuple[str, ...]:
    """The `openstack port set` arguments that write ``fields`` back by hand."""
    argv = ["openstack", "port", "set"]
    if fields.port_security_enabled:
        argv += ["--enable-port-security", "--no-security-group"]
        for group in fields.security_groups:
            argv += ["--security-group", group]
        argv.append("--no-allowed-address")
        for pair in fields.allowed_address_pairs:
            argv += [
                "--allowed-address",
                f"ip-address={pair.ip_address},mac-address={pair.mac_address}",
            ]
    else:
        argv += ["--no-security-group", "--no-allowed-address", "--disable-port-security"]
    argv += end_options([port_id])
    return tuple(argv)


def unset_pairs_command(port_id: str, pairs: tuple[Pair, ...]) -> str:
    """The `openstack port unset` command that removes ``pairs`` (as the port spells them) and
    nothing else (quoted)."""
    argv = ["openstack", "port", "unset"]
    for pair in pairs:
        argv += [
            "--allowed-address",
            f"ip-address={pair.ip_address},mac-address={pair.mac_address}",
        ]
    return render((*argv, *end_options([port_id])))


def restore_command(port_id: str, fields: PortFields) -> str:
    """The `openstack port set` command that writes ``fields`` back by hand (quoted)."""
    return render(restore_argv(port_id, fields))
