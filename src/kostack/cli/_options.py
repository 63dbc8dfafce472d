"""Click options several commands share, and the setup `kostack watch` and `kostack guard` share.

`options(...)` applies a command's option list (kept as data next to the command)
in the order given, so `--help` lists them in that order. The factories build the
options whose meaning is the same everywhere; where the help text differs per
command, it is a parameter, so each command's `--help` says what it always said.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from kostack.catalog import Msg, register
from kostack.cli.common import SEVERITIES
from kostack.errors import ConfigError

if TYPE_CHECKING:
    from kostack.collect.live import CollectOptions
    from kostack.model.snapshot import NeutronBackend
    from kostack.serve.events import Workload

__all__ = [
    "collect_options",
    "deployment_option",
    "egress_target_option",
    "events_option",
    "fail_on_option",
    "interval_option",
    "jitter_option",
    "lang_option",
    "listen_option",
    "namespaced_name",
    "options",
    "output_option",
    "pending_grace_option",
    "request_timeout_option",
    "serve_extra",
    "setting",
    "snapshot_option",
    "workload",
]

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[Any], Any]
Say = Callable[..., str]


def options(*decorators: Decorator) -> Callable[[F], F]:
    """Apply click options (or groups of them) as if stacked in this order above the command."""

    def apply(f: F) -> F:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


def setting(
    name: str, kind: Any, default: Any, help: str, *, metavar: str | None = None, dest: str = ""
) -> Decorator:
    """An option with a value whose default --help shows (``dest``: its parameter, if renamed)."""
    decls = (name, dest) if dest else (name,)
    return click.option(
        *decls, type=kind, default=default, show_default=True, metavar=metavar, help=help
    )


def lang_option(help: str = "Language (default: from the locale).") -> Decorator:
    """--lang en|ko (the default comes from the locale, see report.i18n.detect_lang)."""
    return click.option("--lang", type=click.Choice(["en", "ko"]), help=help)


def egress_target_option(
    help: str = "An address outside the cluster to judge pod egress against (nothing is sent).",
) -> Decorator:
    """--egress-target IP: the outside address pod egress is judged against."""
    return setting("--egress-target", None, "1.1.1.1", help, metavar="IP")


def fail_on_option() -> Decorator:
    """--fail-on SEVERITY: the exit code's threshold (`kostack.cli.common.exit_for`)."""
    return setting(
        "--fail-on",
        click.Choice(SEVERITIES),
        "high",
        "Exit 1 when a finding at or above this severity fails.",
    )


def output_option(*formats: str, help: str | None = None) -> Decorator:
    """-o/--output FORMAT: the first of ``formats`` is the default."""
    return click.option(
        "-o",
        "--output",
        type=click.Choice(list(formats)),
        default=formats[0],
        show_default=True,
        help=help,
    )


def snapshot_option(help: str) -> Decorator:
    """--snapshot FILE, passed as `snapshot_path`."""
    return click.option("--snapshot", "snapshot_path", metavar="FILE", help=help)


register(
    {
        "cli.err.duration": {
            "en": "{value} is not a duration (such as 15m, 90s, 2h or 0)",
            "ko": "{value:은/는} 기간이 아닙니다(예: 15m, 90s, 2h, 0)",
        },
    }
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|min|h)?")
_UNIT_S = {None: 1, "s": 1, "m": 60, "min": 60, "h": 3600}


class Duration(click.ParamType[float, Any]):
    """A duration such as 15m, 90s, 2h or 0, in seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: Any) -> float:
        if isinstance(value, float):
            return value
        match = _DURATION.fullmatch(str(value).strip())
        if match is None:
            self.fail(Msg("cli.err.duration", value=str(value)), param, ctx)
        return float(match[1]) * _UNIT_S[match[2]]


def pending_grace_option() -> Decorator:
    """--pending-grace DURATION: every command that judges Helm releases (release_checks/pending.py)."""
    return setting(
        "--pending-grace",
        Duration(),
        "15m",
        "A pending-install/upgrade/rollback or uninstalling Helm release younger than this "
        "(or of unknown age) may be a helm command still running: not called stuck, never "
        "uninstalled or reinstalled. 0: every such release is stuck (when you know no helm, CI "
        "or Argo CD/Flux job runs).",
        metavar="DURATION",
    )


def listen_option(default: str) -> Decorator:
    """--listen HOST:PORT of the exporter of a long-running mode."""
    return setting(
        "--listen",
        None,
        default,
        "Where /metrics, /healthz, /readyz and /status are served. "
        "Port 0 takes any free port; the start line on stderr names the one taken.",
        metavar="HOST:PORT",
    )


def request_timeout_option(help: str, *, most: float = 3600, metavar: str = "SECONDS") -> Decorator:
    """--timeout S, passed as `timeout_s`: the per-request timeout (None when not given)."""
    return click.option(
        "--timeout",
        "timeout_s",
        type=click.FloatRange(min=0.1, max=most),
        metavar=metavar,
        help=help,
    )


def interval_option(help: str) -> Decorator:
    """--interval S between a long-running mode's cycles or passes."""
    return setting("--interval", click.FloatRange(1, 86400), 60.0, help, metavar="S")


def jitter_option() -> Decorator:
    """--jitter F: each wait of a long-running mode is interval x (1 +- F)."""
    return setting(
        "--jitter", click.FloatRange(0, 0.5), 0.1, "Each wait is interval x (1 +- F).", metavar="F"
    )


def events_option(help: str) -> Decorator:
    """--events/--no-events (None: the command decides from how it reads)."""
    return click.option("--events/--no-events", default=None, help=help)


def deployment_option(help: str) -> Decorator:
    """--deployment NS/NAME: the command's own Deployment, for cluster-wide Events."""
    return click.option("--deployment", metavar="NS/NAME", help=help)


@contextlib.contextmanager
def serve_extra(lang: str, say: Say) -> Iterator[None]:
    """Around importing a long-running mode: without prometheus-client, say which extra to install."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if exc.name != "prometheus_client":
            raise
        raise ConfigError(say(lang, "error.extra"), say(lang, "hint.extra")) from exc


def collect_options(
    opts: Mapping[str, Any], environ: Mapping[str, str], timeout_s: float
) -> CollectOptions:
    """Live collection as the live options (--os-cloud, --kubeconfig, ...) ask, without Helm."""
    from kostack.collect.live import CollectOptions

    return CollectOptions(
        os_cloud=opts["os_cloud"],
        kubeconfig=opts["kubeconfig"],
        kube_context=opts["kube_context"],
        neutron_backend=cast("NeutronBackend | None", opts["neutron_backend"]),
        helm=False,
        timeout_s=timeout_s,
        environ=environ,
    )


def namespaced_name(text: str, error: str, hint: str, lang: str, say: Say) -> tuple[str, str]:
    """NS/NAME as (namespace, name); anything else is bad input (`error`, `hint` are message ids)."""
    namespace, sep, name = text.partition("/")
    if not sep or not namespace or not name or "/" in name:
        raise ConfigError(say(lang, error, text=text), say(lang, hint))
    return namespace, name


def workload(
    text: str | None, environ: Mapping[str, str], default_name: str, lang: str, say: Say
) -> Workload | None:
    """--deployment NS/NAME, else POD_NAMESPACE/`default_name` in a pod, else None."""
    from kostack.serve.events import Workload

    if text:
        return Workload(*namespaced_name(text, "error.deployment", "hint.deployment", lang, say))
    namespace = environ.get("POD_NAMESPACE", "")
    return Workload(namespace, default_name) if namespace else None
