"""Parts of kostack that ship as distributions of their own, found through entry points.

kostack never imports them. The network lab (the `kostack-lab` distribution, lab/ in a
checkout) declares its command group as `lab` in the entry-point group `kostack.commands`
and its side of a probe round as `lab-probe` in `kostack.parts` (lab/pyproject.toml).
Without it, `kostack lab ...` and `kostack probe --lab` say what to install (exit 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import click

from kostack.catalog import Msg, register
from kostack.errors import ConfigError
from kostack.shell import as_code, render

if TYPE_CHECKING:
    from kostack.cli.common import Environment
    from kostack.model import Snapshot
    from kostack.probe.plan import ProbePlan
    from kostack.probe.results import ProbeRound

COMMANDS = "kostack.commands"
PARTS = "kostack.parts"
# The distribution the lab ships in, and how to install it: unpublished (like testkit/),
# so from a checkout of kostack.
LAB = "kostack-lab"
LAB_INSTALL = ("pip", "install", "./lab")

register(
    {
        "cli.part.missing": {
            "en": "`{command}` needs the {package} package, which is not installed "
            "(the network lab ships apart from kostack)",
            "ko": "`{command}`에는 {package} 패키지가 필요한데 설치되어 있지 않습니다 "
            "(네트워크 랩은 kostack과 따로 배포됩니다)",
        },
        "cli.part.install": {
            "en": "install it from a checkout of kostack: {install}",
            "ko": "kostack 체크아웃에서 설치하세요: {install}",
        },
    }
)


class LabSide(Protocol):
    """One lab as a probe round sees it (kostack_lab.cli.probe.LabProbing)."""

    @property
    def echo_port(self) -> int: ...

    @property
    def prefix(self) -> str:
        """The lab's namespace prefix (ks-NAME-)."""
        ...

    def snapshot(self) -> Snapshot:
        """The lab's own description of itself."""
        ...

    def run(self, env: Environment, plan: ProbePlan) -> ProbeRound:
        """The plan's probes, run in the lab's pod namespaces."""
        ...


def lab_missing(command: str) -> ConfigError:
    """The error of a command that needs the lab when kostack-lab is not installed."""
    return ConfigError(
        Msg("cli.part.missing", command=command, package=LAB),
        Msg("cli.part.install", install=as_code(render(LAB_INSTALL))),
    )


def entry_point(group: str, name: str) -> Any:
    """What the entry point `name` of `group` names, loaded; None when nothing declares it."""
    from importlib.metadata import entry_points  # imported late: `kostack --help` stays fast

    for found in entry_points(group=group, name=name):
        return found.load()
    return None


def lab_part(command: str) -> Any:
    """The lab's side of a probe round (kostack_lab.cli.probe), or the error naming the package."""
    part = entry_point(PARTS, "lab-probe")
    if part is None:
        raise lab_missing(command)
    return part


def missing_command(name: str) -> click.Command:
    """A stand-in for `kostack NAME ...` when its distribution is not installed: whatever
    follows, it says what to install (in the language of --lang, KOSTACK_LANG or the locale)."""
    from kostack.cli._options import lang_option

    def run(lang: str | None, args: tuple[str, ...]) -> None:
        words = [arg for arg in args if not arg.startswith("-")][:1]
        raise lab_missing(" ".join(["kostack", name, *words]))

    stand_in = click.Command(
        name,
        callback=run,
        params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
        context_settings={"ignore_unknown_options": True, "help_option_names": []},
        help=f"Needs the {LAB} package: {render(LAB_INSTALL)} (from a checkout).",
    )
    lang_option()(stand_in)
    return stand_in
