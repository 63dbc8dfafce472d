"""Plans to and from their canonical JSON form (the `-o json` output, the journal header).

`kostack fix apply --plan FILE` reads back what `kostack fix plan -o json`
wrote, so the reviewed plan is exactly the applied one. Reading validates
every field and says which one is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

from kostack.catalog import Msg, said, told
from kostack.plan import (
    assemble_text,  # noqa: F401  (registers the words a plan says)
    codec_texts,  # noqa: F401  (registers what a bad plan file is said with)
)
from kostack.plan.model import (
    PLAN_SCHEMA_VERSION,
    PORT_OPERATIONS,
    Action,
    Inverse,
    Method,
    Operation,
    Pair,
    Plan,
    PlanOptions,
    PlanSource,
    PortFields,
    Precondition,
    RootCauseRef,
    Route,
    Rule,
    Target,
    Verification,
)

T = TypeVar("T")


class PlanFormatError(ValueError):
    """A plan document that kostack cannot use: what is wrong, where, and a hint."""

    def __init__(self, what: str, where: str, hint: str = "") -> None:
        super().__init__(f"{what} ({where})")
        self.what = what
        self.where = where
        self.hint = hint or Msg("plan.hint.again")

    @property
    def message(self) -> Msg:
        """What is wrong and where, said in the reader's language."""
        return Msg("plan.fmt.at", what=self.what, where=self.where)


# --------------------------------------------------------------------------- to dict


def action_to_dict(a: Action) -> dict[str, Any]:
    return {
        "id": a.id,
        "operation": str(a.operation),
        "target": {"kind": a.target.kind, "id": a.target.id, "name": a.target.name},
        "parameters": a.parameters(),
        "reason": a.reason,
        "fixes": list(a.fixes),
        "precondition": {
            "revision_number": a.precondition.revision_number,
            "text": a.precondition.text,
        },
        "inverse": {
            "operation": a.inverse.operation,
            "description": a.inverse.description,
            "port_fields": a.inverse.port_fields.as_dict() if a.inverse.port_fields else None,
            "routes": [r.as_dict() for r in a.inverse.routes],
        },
        "before": a.before.as_dict() if a.before else None,
        "after": a.after.as_dict() if a.after else None,
        "notes": list(a.notes),
        "said": said(
            reason=a.reason,
            precondition=a.precondition.text,
            inverse=a.inverse.description,
            notes=a.notes,
        ),
    }


def _said_of(doc: dict[str, Any]) -> dict[str, Any]:
    said = doc.get("said")
    return said if isinstance(said, dict) else {}


def _told_all(english: tuple[str, ...], messages: Any) -> tuple[str, ...]:
    if not isinstance(messages, list) or len(messages) != len(english):
        return english
    return tuple(told(e, m) for e, m in zip(english, messages, strict=True))


def plan_to_dict(plan: Plan, version: str = "") -> dict[str, Any]:
    """The canonical JSON document of a plan."""
    out: dict[str, Any] = {
        "schema_version": plan.schema_version,
        "kind": "kostack-fix-plan",
    }
    if version:
        out["kostack_version"] = version
    actions = [action_to_dict(a) for a in plan.actions]
    out.update(
        {
            "digest": plan.digest(actions),
            "options": plan.options.as_dict(),
            "source": {f.name: getattr(plan.source, f.name) for f in fields(PlanSource)},
            "summary": plan.counts(),
            "actions": actions,
            "verification": plan.verification.as_dict(),
            "warnings": list(plan.warnings),
            "not_planned": list(plan.not_planned),
            "notes": list(plan.notes),
            "said": said(warnings=plan.warnings, not_planned=plan.not_planned, notes=plan.notes),
        }
    )
    return out


# --------------------------------------------------------------------------- from dict


def _get(doc: dict[str, Any], key: str, where: str, kind: type[T] | tuple[type, ...]) -> T:
    if key not in doc:
        raise PlanFormatError(Msg("plan.fmt.missing", field=repr(key)), where)
    value = doc[key]
    if not isinstance(value, kind):
        raise PlanFormatError(Msg("plan.fmt.type", field=repr(key)), f"{where}.{key}")
    return value  # type: ignore[return-value]  # checked by isinstance above


def _opt(doc: dict[str, Any], key: str, where: str, kind: type[T]) -> T | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PlanFormatError(Msg("plan.fmt.type", field=repr(key)), f"{where}.{key}")
    return value


def _list(
    doc: dict[str, Any], key: str, where: str, item: Callable[[Any, str], T]
) -> tuple[T, ...]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise PlanFormatError(Msg("plan.fmt.list", field=repr(key)), f"{where}.{key}")
    return tuple(item(v, f"{where}.{key}[{i}]") for i, v in enumerate(value))


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise PlanFormatError(Msg("plan.fmt.string"), where)
    return value


def _pair(value: Any, where: str) -> Pair:
    if not isinstance(value, dict):
        raise PlanFormatError(Msg("plan.fmt.object"), where)
    return Pair(_get(value, "ip_address", where, str), _get(value, "mac_address", where, str))


def _route(value: Any, where: str) -> Route:
    if not isinstance(value, dict):
        raise PlanFormatError(Msg("plan.fmt.object"), where)
    return Route(_get(value, "destination", where, str), _get(value, "nexthop", where, str))


def _fields(value: Any, where: str) -> PortFields | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PlanFormatError(Msg("plan.fmt.object"), where)
    return PortFields.of(
        _get(value, "port_security_enabled", where, bool),
        _list(value, "security_groups", where, _str),
        _list(value, "allowed_address_pairs", where, _pair),
    )


def _rule(value: Any, where: str) -> Rule:
    if not isinstance(value, dict):
        raise PlanFormatError(Msg("plan.fmt.object"), where)
    return Rule(
        direction=_get(value, "direction", where, str),
        ethertype=_get(value, "ethertype", where, str),
        protocol=_opt(value, "protocol", where, str),
        port_range_min=_opt(value, "port_range_min", where, int),
        port_range_max=_opt(value, "port_range_max", where, int),
        remote_ip_prefix=_opt(value, "remote_ip_prefix", where, str),
        remote_group_id=_opt(value, "remote_group_id", where, str),
        description=_opt(value, "description", where, str) or "",
    )


def _root_cause(value: Any, where: str) -> RootCauseRef:
    if not isinstance(value, dict):
        raise PlanFormatError(Msg("plan.fmt.object"), where)
    return RootCauseRef(
        _get(value, "key", where, str),
        _get(value, "title", where, str),
        _get(value, "severity", where, str),
        _get(value, "message", where, str),
        _opt(value, "resources", where, int) or 0,
    )


def action_from_dict(value: Any, where: str) -> Action:
    if not isinstance(value, dict):
        raise PlanFormatError(Msg("plan.fmt.object"), where)
    try:
        operation = Operation(_get(value, "operation", where, str))
    except ValueError:
        raise PlanFormatError(
            Msg("plan.fmt.operation", value=repr(value.get("operation"))), where
        ) from None
    tdoc = _get(value, "target", where, dict)
    target = Target(
        _get(tdoc, "kind", f"{where}.target", str),
        _get(tdoc, "id", f"{where}.target", str),
        _opt(tdoc, "name", f"{where}.target", str) or "",
    )
    params = _get(value, "parameters", where, dict)
    pdoc = _get(value, "precondition", where, dict)
    idoc = _get(value, "inverse", where, dict)
    was = _said_of(value)
    inverse = Inverse(
        _get(idoc, "operation", f"{where}.inverse", str),
        told(_opt(idoc, "description", f"{where}.inverse", str) or "", was.get("inverse")),
        _fields(idoc.get("port_fields"), f"{where}.inverse.port_fields"),
        _list(idoc, "routes", f"{where}.inverse", _route),
    )
    before = _fields(value.get("before"), f"{where}.before")
    after = _fields(value.get("after"), f"{where}.after")
    pairs: tuple[Pair, ...] = ()
    not_for_traffic: tuple[str, ...] = ()
    rule: Rule | None = None
    routes: tuple[Route, ...] = ()
    command = ""
    pwhere = f"{where}.parameters"
    if operation == Operation.ADD_ALLOWED_PAIRS:
        pairs = _list(params, "add", pwhere, _pair)
        not_for_traffic = _list(params, "not_needed_for_traffic", pwhere, _str)
    elif operation == Operation.ADD_SG_RULE:
        rule = _rule(params, pwhere)
    elif operation == Operation.ADD_ROUTER_ROUTES:
        routes = _list(params, "routes", pwhere, _route)
    elif operation == Operation.MANUAL:
        command = _opt(params, "command", pwhere, str) or ""
    if operation in PORT_OPERATIONS and (before is None or after is None):
        raise PlanFormatError(Msg("plan.fmt.port-fields"), where)
    return Action(
        id=_get(value, "id", where, str),
        operation=operation,
        target=target,
        reason=told(_get(value, "reason", where, str), was.get("reason")),
        fixes=_list(value, "fixes", where, _str),
        precondition=Precondition(
            _opt(pdoc, "revision_number", f"{where}.precondition", int),
            told(_opt(pdoc, "text", f"{where}.precondition", str) or "", was.get("precondition")),
        ),
        inverse=inverse,
        before=before,
        after=after,
        pairs=pairs,
        not_for_traffic=not_for_traffic,
        rule=rule,
        routes=routes,
        command=command,
        notes=_told_all(_list(value, "notes", where, _str), was.get("notes")),
    )


def plan_from_dict(doc: Any, where: str = "plan") -> Plan:
    """Read a plan document back; PlanFormatError names the first bad field."""
    if not isinstance(doc, dict):
        raise PlanFormatError(Msg("plan.fmt.not-object"), where)
    if doc.get("kind") != "kostack-fix-plan":
        raise PlanFormatError(Msg("plan.fmt.not-plan"), where, Msg("plan.hint.file"))
    version = doc.get("schema_version")
    if version != PLAN_SCHEMA_VERSION:
        raise PlanFormatError(
            Msg("plan.fmt.schema", version=repr(version), known=PLAN_SCHEMA_VERSION), where
        )
    odoc = _get(doc, "options", where, dict)
    try:
        method = Method(_get(odoc, "method", f"{where}.options", str))
    except ValueError:
        raise PlanFormatError(
            Msg("plan.fmt.method", value=repr(odoc.get("method"))), f"{where}.options"
        ) from None
    options = PlanOptions(
        method,
        bool(_get(odoc, "tight", f"{where}.options", bool)),
        bool(_get(odoc, "service_cidr", f"{where}.options", bool)),
    )
    sdoc = _get(doc, "source", where, dict)
    source = PlanSource(*(_opt(sdoc, f.name, f"{where}.source", str) for f in fields(PlanSource)))
    actions = _list(doc, "actions", where, action_from_dict)
    ids = [a.id for a in actions]
    if len(set(ids)) != len(ids):
        raise PlanFormatError(Msg("plan.fmt.ids"), f"{where}.actions")
    vdoc = _get(doc, "verification", where, dict)
    mdoc = _opt(vdoc, "after_manual", f"{where}.verification", dict) or {}
    verification = Verification(
        _list(vdoc, "before", f"{where}.verification", _root_cause),
        _list(vdoc, "after", f"{where}.verification", _root_cause),
        _opt(vdoc, "iterations", f"{where}.verification", int) or 1,
        bool(vdoc.get("simulated", True)),
        _list(vdoc, "revealed", f"{where}.verification", _root_cause),
        _list(mdoc, "steps", f"{where}.verification.after_manual", _str),
        _list(mdoc, "after", f"{where}.verification.after_manual", _root_cause),
    )
    was = _said_of(doc)
    plan = Plan(
        options,
        source,
        actions,
        verification,
        _told_all(_list(doc, "warnings", where, _str), was.get("warnings")),
        _told_all(_list(doc, "not_planned", where, _str), was.get("not_planned")),
        _told_all(_list(doc, "notes", where, _str), was.get("notes")),
    )
    digest = doc.get("digest")
    if digest is not None and digest != plan.digest():
        raise PlanFormatError(Msg("plan.fmt.digest"), f"{where}.digest", Msg("plan.hint.digest"))
    return plan
