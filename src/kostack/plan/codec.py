"""Plans to and from their canonical JSON form (the `-o json` output, the journal header).

`kostack fix apply --plan FILE` reads back what `kostack fix plan -o json`
wrote, so the reviewed plan is exactly the applied one. Reading validates
every field and says which one is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any, TypeVar

from kostack.catalog import LANGS, Msg, localize, said, told
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
    Target,
    Verification,
)
from kostack.plan.rules import Rule

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


def action_to_dict(a: Action, lang: str = "en") -> dict[str, Any]:
    """An action's JSON: its texts said in ``lang``, what it changes the same in every one."""
    parameters = a.parameters()
    if a.operation == Operation.MANUAL:
        parameters = {"command": localize(a.command, lang)}
    return {
        "id": a.id,
        "operation": str(a.operation),
        "target": {"kind": a.target.kind, "id": a.target.id, "name": a.target.name},
        "parameters": parameters,
        "reason": localize(a.reason, lang),
        "fixes": list(a.fixes),
        "precondition": {
            "revision_number": a.precondition.revision_number,
            "text": localize(a.precondition.text, lang),
        },
        "inverse": {
            "operation": a.inverse.operation,
            "description": localize(a.inverse.description, lang),
            "port_fields": a.inverse.port_fields.as_dict() if a.inverse.port_fields else None,
            "routes": [r.as_dict() for r in a.inverse.routes],
        },
        "before": a.before.as_dict() if a.before else None,
        "after": a.after.as_dict() if a.after else None,
        "notes": [localize(n, lang) for n in a.notes],
        "said": said(
            reason=a.reason,
            precondition=a.precondition.text,
            inverse=a.inverse.description,
            notes=a.notes,
            command=a.command,
        ),
    }


def _said_of(doc: dict[str, Any]) -> dict[str, Any]:
    said = doc.get("said")
    return said if isinstance(said, dict) else {}


def _told_all(texts: tuple[str, ...], messages: Any, lang: str = "en") -> tuple[str, ...]:
    if not isinstance(messages, list) or len(messages) != len(texts):
        return texts
    return tuple(told(e, m, lang) for e, m in zip(texts, messages, strict=True))


def _all_in(texts: tuple[str, ...], lang: str) -> list[str]:
    return [localize(text, lang) for text in texts]


def _verification(plan: Plan, lang: str) -> dict[str, Any]:
    """The verification's JSON: each root cause's title and message said in ``lang``."""
    out = plan.verification.as_dict()
    v = plan.verification
    lists = {"before": v.before, "after": v.after, "revealed": v.revealed}
    for name, causes in lists.items():
        out[name] = [_cause_in(r, lang) for r in causes]
    if out["after_manual"] is not None:
        out["after_manual"]["after"] = [_cause_in(r, lang) for r in v.after_manual]
    return out


def _cause_in(cause: RootCauseRef, lang: str) -> dict[str, Any]:
    return {
        **cause.as_dict(),
        "title": cause.title_in(lang),
        "message": localize(cause.message, lang),
    }


def _verification_said(plan: Plan) -> dict[str, Any]:
    v = plan.verification
    lists = {
        "before": v.before,
        "after": v.after,
        "revealed": v.revealed,
        "after_manual": v.after_manual,
    }
    return said(
        **{
            f"verification.{name}": tuple(r.message for r in causes)
            for name, causes in lists.items()
        }
    )


def plan_to_dict(plan: Plan, version: str = "", lang: str = "en") -> dict[str, Any]:
    """The canonical JSON document of a plan, its texts said in ``lang`` (which it records).

    Its digest is over what the actions change and their English words, so a plan has one
    digest in every language.
    """
    out: dict[str, Any] = {
        "schema_version": plan.schema_version,
        "kind": "kostack-fix-plan",
        "lang": lang,
    }
    if version:
        out["kostack_version"] = version
    actions = [action_to_dict(a) for a in plan.actions]
    digest = plan.digest(actions)
    if lang != "en":
        actions = [action_to_dict(a, lang) for a in plan.actions]
    out.update(
        {
            "digest": digest,
            "options": plan.options.as_dict(),
            "source": {f.name: getattr(plan.source, f.name) for f in fields(PlanSource)},
            "summary": plan.counts(),
            "actions": actions,
            "verification": _verification(plan, lang),
            "warnings": _all_in(plan.warnings, lang),
            "not_planned": _all_in(plan.not_planned, lang),
            "notes": _all_in(plan.notes, lang),
            "said": {
                **said(warnings=plan.warnings, not_planned=plan.not_planned, notes=plan.notes),
                **_verification_said(plan),
            },
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


def action_from_dict(value: Any, where: str, lang: str = "en") -> Action:
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
        told(_opt(idoc, "description", f"{where}.inverse", str) or "", was.get("inverse"), lang),
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
        command = told(_opt(params, "command", pwhere, str) or "", was.get("command"), lang)
    if operation in PORT_OPERATIONS and (before is None or after is None):
        raise PlanFormatError(Msg("plan.fmt.port-fields"), where)
    return Action(
        id=_get(value, "id", where, str),
        operation=operation,
        target=target,
        reason=told(_get(value, "reason", where, str), was.get("reason"), lang),
        fixes=_list(value, "fixes", where, _str),
        precondition=Precondition(
            _opt(pdoc, "revision_number", f"{where}.precondition", int),
            told(
                _opt(pdoc, "text", f"{where}.precondition", str) or "",
                was.get("precondition"),
                lang,
            ),
        ),
        inverse=inverse,
        before=before,
        after=after,
        pairs=pairs,
        not_for_traffic=not_for_traffic,
        rule=rule,
        routes=routes,
        command=command,
        notes=_told_all(_list(value, "notes", where, _str), was.get("notes"), lang),
    )


def _causes(
    vdoc: dict[str, Any], name: str, where: str, messages: Any, lang: str
) -> tuple[RootCauseRef, ...]:
    """A verification's list of root causes, each message said again from ``messages``."""
    causes = _list(vdoc, name, where, _root_cause)
    texts = _told_all(tuple(r.message for r in causes), messages, lang)
    if lang == "en":
        return tuple(replace(r, message=m) for r, m in zip(causes, texts, strict=True))
    # a title kostack knows by its key is kept in English, as an English plan keeps it
    return tuple(
        replace(r, message=m, title=r.title_in("en")) for r, m in zip(causes, texts, strict=True)
    )


def _verification_from(
    vdoc: dict[str, Any], was: dict[str, Any], lang: str, where: str
) -> Verification:
    at = f"{where}.verification"
    mdoc = _opt(vdoc, "after_manual", at, dict) or {}
    return Verification(
        _causes(vdoc, "before", at, was.get("verification.before"), lang),
        _causes(vdoc, "after", at, was.get("verification.after"), lang),
        _opt(vdoc, "iterations", at, int) or 1,
        bool(vdoc.get("simulated", True)),
        _causes(vdoc, "revealed", at, was.get("verification.revealed"), lang),
        _list(mdoc, "steps", f"{at}.after_manual", _str),
        _causes(mdoc, "after", f"{at}.after_manual", was.get("verification.after_manual"), lang),
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
    lang = doc.get("lang", "en")
    if lang not in LANGS:
        raise PlanFormatError(Msg("plan.fmt.lang", value=repr(lang), known=", ".join(LANGS)), where)
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
    actions = _list(doc, "actions", where, lambda v, at: action_from_dict(v, at, lang))
    ids = [a.id for a in actions]
    if len(set(ids)) != len(ids):
        raise PlanFormatError(Msg("plan.fmt.ids"), f"{where}.actions")
    was = _said_of(doc)
    plan = Plan(
        options,
        source,
        actions,
        _verification_from(_get(doc, "verification", where, dict), was, lang, where),
        _told_all(_list(doc, "warnings", where, _str), was.get("warnings"), lang),
        _told_all(_list(doc, "not_planned", where, _str), was.get("not_planned"), lang),
        _told_all(_list(doc, "notes", where, _str), was.get("notes"), lang),
    )
    digest = doc.get("digest")
    if digest is not None and digest != plan.digest():
        raise PlanFormatError(Msg("plan.fmt.digest"), f"{where}.digest", Msg("plan.hint.digest"))
    return plan
