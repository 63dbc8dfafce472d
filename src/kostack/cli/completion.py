"""`kostack completion bash|zsh`: print the shell completion script (click's own)."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from kostack.cli.common import get_env

COMPLETE_VAR = "_KOSTACK_COMPLETE"


@click.command(
    epilog="""\b
Examples:
  eval "$(kostack completion bash)"              # add to ~/.bashrc
  kostack completion zsh > ~/.zfunc/_kostack     # with fpath+=(~/.zfunc) in ~/.zshrc
  source <(kostack completion zsh)               # try it in the current zsh
"""
)
@click.argument("shell", type=click.Choice(["bash", "zsh"]))
@click.pass_context
def completion(ctx: click.Context, /, shell: str) -> int:
    """Print the completion script for SHELL (bash or zsh).

    Commands, subcommands, options and choices complete on TAB. The script
    calls kostack itself (with _KOSTACK_COMPLETE set) to compute completions,
    so it stays right when kostack is upgraded.
    """
    from kostack.cli.main import cli

    env = get_env(ctx)
    completer_class = get_completion_class(shell)
    if completer_class is None:  # click knows bash and zsh; kept for a click without them
        raise click.BadParameter(f"no completion for {shell}", param_hint="SHELL")
    completer = completer_class(cli, {}, "kostack", COMPLETE_VAR)
    env.stdout.write(completer.source())
    return 0


def kubectl_complete() -> None:
    """`kubectl_complete-kostack`: completions for `kubectl kostack ...` (kubectl 1.26 and later).

    kubectl runs this executable with the words typed after `kubectl kostack`,
    the last one being the word to complete, and reads one candidate per line
    followed by a cobra directive line (`:4` = do not complete file names,
    `:0` = default).
    """
    import sys

    from click.shell_completion import ShellComplete

    from kostack.cli.common import Environment
    from kostack.cli.main import cli

    words = sys.argv[1:]
    incomplete = words[-1] if words else ""
    # the environment tells the language (its locale, KOSTACK_LANG), as for `kostack`
    completer = ShellComplete(cli, {"obj": Environment()}, "kostack", COMPLETE_VAR)
    items = completer.get_completions(words[:-1], incomplete)
    files = any(item.type in ("file", "dir") for item in items)
    for item in items:
        if item.type == "plain":
            sys.stdout.write(f"{item.value}\t{item.help}\n" if item.help else f"{item.value}\n")
    sys.stdout.write(":0\n" if files or not items else ":4\n")
