"""The records of guard's drift: per port, per security group, and the whole pass.

Frozen, pure data (`kostack.guard.drift` computes them; the breaker, the
enforcer, the reports and the metrics read them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kostack.analyze.checks import CHECKS
from kostack.analyze.findings import PAIR_OP, RULE_OP
from kostack.plan.model import Method, PlanOptions
from kostack.plan.rules import Rule

__all__ = [
    "PAIR_CHECKS",
    "RULE_CHECKS",
    "Drift",
    "DriftOptions",
    "Hold",
    "PortDrift",
    "RuleDrift",
]

# Checks whose UNKNOWN means guard cannot tell whether its pairs (PAIR_CHECKS) or its
# rules (RULE_CHECKS) are still needed: removing them then could cut traffic that needs them.
# Derived from what each check says its findings carry (its REMEDIES), so a check that comes
# to drive pairs or rules holds guard's removals without a list here; inv-node-port-match
# drives none, but its UNKNOWN leaves in doubt which port is a node's.
PAIR_CHECKS = frozenset({"inv-node-port-match", *(c.id for c in CHECKS if PAIR_OP in c.remedies)})
RULE_CHECKS = frozenset(c.id for c in CHECKS if RULE_OP in c.remedies)


@dataclass(frozen=True)
class DriftOptions:
    """The fix policy guard enforces: the same switches as `kostack fix plan`."""

    service_cidr: bool = True
    tight: bool = False

    def plan_options(self) -> PlanOptions:
        return PlanOptions(
            Method.PAIRS, tight=self.tight, service_cidr=self.service_cidr, observed=False
        )


@dataclass(frozen=True)
class Hold:
    """Why something guard would remove stays (a message key of `kostack.guard.messages`)."""

    key: str
    params: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, **dict(self.params)}


@dataclass(frozen=True)
class PortDrift:
    """One port: the pairs guard must add or remove, and its tags to fix."""

    port_id: str
    port_name: str
    node: str  # "" when no current node owns the port
    revision: int | None
    add: tuple[str, ...] = ()  # CIDRs
    remove: tuple[str, ...] = ()  # CIDRs guard owns and no longer needs
    claim: tuple[str, ...] = ()  # pairs guard added whose tag is missing (journal)
    unclaim: tuple[str, ...] = ()  # guard tags naming no pair on the port
    service: tuple[str, ...] = ()  # the CIDRs of `add` that are the service CIDR (by policy)
    held: tuple[str, ...] = ()  # CIDRs guard would remove but holds (see Drift.holds)
    reason: str = ""
    mark: bool = False  # the bare marker tag is to be added
    unmark: bool = False  # ... or removed (guard owns nothing on the port any more)

    @property
    def changes_pairs(self) -> bool:
        return bool(self.add or self.remove)

    @property
    def changes_tags(self) -> bool:
        return bool(self.claim or self.unclaim or self.mark or self.unmark)

    def as_dict(self) -> dict[str, Any]:
        return {
            "port": self.port_id,
            "name": self.port_name,
            "node": self.node,
            "revision_number": self.revision,
            "add": list(self.add),
            "remove": list(self.remove),
            "claim": list(self.claim),
            "unclaim": list(self.unclaim),
            "service_cidr": list(self.service),
            "held": list(self.held),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RuleDrift:
    """One security group: rules guard must create, and its own rules it must delete."""

    group_id: str
    group_name: str
    add: tuple[Rule, ...] = ()
    delete: tuple[tuple[str, Rule], ...] = ()  # (rule id, rule)
    held: tuple[tuple[str, Rule], ...] = ()
    reasons: tuple[str, ...] = ()
    # rules the plan adds that guard leaves to `kostack fix` (the group is shared: a rule
    # would admit the same traffic to ports of no node, or to another project's)
    add_held: tuple[Rule, ...] = ()
    strangers: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group_id,
            "name": self.group_name,
            "add": [r.as_dict() for r in self.add],
            "delete": [{"id": i, **r.as_dict()} for i, r in self.delete],
            "held": [{"id": i, **r.as_dict()} for i, r in self.held],
            "add_held": [r.as_dict() for r in self.add_held],
            "shared_with": list(self.strangers),
        }


@dataclass(frozen=True)
class Drift:
    """Everything one pass found, before the breaker and before any change."""

    ports: tuple[PortDrift, ...]
    rules: tuple[RuleDrift, ...]
    node_ports: int  # ports in scope: the nodes' ports plus ports guard manages
    nodes: int
    holds: tuple[Hold, ...] = ()
    port_security_off: tuple[tuple[str, str], ...] = ()  # (node, port id)
    unmatched_nodes: tuple[str, ...] = ()
    # plan steps guard leaves to `kostack fix`: (operation, target)
    outside: tuple[tuple[str, str], ...] = ()
    # ports that lack pairs only `kostack fix` adds, never guard (the OBSERVED causes': Calico
    # eBPF DSR's answers): (port id, its node, the pairs it lacks); reported (notes, a Warning
    # Event on the node, exit 1 with --once), never drift guard makes
    consent: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    root_causes: tuple[str, ...] = ()  # what the plan fixes (keys)
    plan_digest: str = ""
    group_names: dict[str, str] = field(default_factory=dict)  # groups the rule drift names

    @property
    def changing_ports(self) -> tuple[PortDrift, ...]:
        return tuple(p for p in self.ports if p.changes_pairs)

    @property
    def removal_ports(self) -> tuple[PortDrift, ...]:
        return tuple(p for p in self.ports if p.remove)

    @property
    def rule_deletes(self) -> int:
        return sum(len(r.delete) for r in self.rules)

    @property
    def rule_adds(self) -> int:
        return sum(len(r.add) for r in self.rules)

    @property
    def items(self) -> int:
        """Drift items: pairs to add or remove, rules to add or delete, tags to fix."""
        pairs = sum(len(p.add) + len(p.remove) + len(p.claim) + len(p.unclaim) for p in self.ports)
        return pairs + self.rule_adds + self.rule_deletes

    @property
    def clean(self) -> bool:
        return not self.ports and not any(r.add or r.delete or r.add_held for r in self.rules)

    def as_dict(self) -> dict[str, Any]:
        return {
            "node_ports": self.node_ports,
            "nodes": self.nodes,
            "items": self.items,
            "ports": [p.as_dict() for p in self.ports],
            "rules": [r.as_dict() for r in self.rules if r.add or r.delete or r.held or r.add_held],
            "holds": [h.as_dict() for h in self.holds],
            "port_security_off": [{"node": n, "port": p} for n, p in self.port_security_off],
            "unmatched_nodes": list(self.unmatched_nodes),
            "outside": [f"{operation} {target}" for operation, target in self.outside],
            "consent": [
                {"port": pid, "name": name, "pairs": list(pairs)}
                for pid, name, pairs in self.consent
            ],
            "root_causes": list(self.root_causes),
            "plan_digest": self.plan_digest,
        }
