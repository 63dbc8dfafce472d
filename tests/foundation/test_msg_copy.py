"""A catalogue message survives copy, deepcopy, pickle and dataclasses.asdict.

Before, each of them rebuilt the message from its English text as if it were a key and
raised KeyError: a dataclass holding a message could not be turned into a dict with asdict().
"""

from __future__ import annotations

import copy
import dataclasses
import pickle

import kostack.cli.fix_text  # noqa: F401  (registers fixplan.next)
from kostack.catalog import Msg


def _message() -> Msg:
    inner = Msg("fixplan.next", command="kostack fix apply --snapshot s.json")
    return Msg("fixplan.next", command=inner)


def test_copies_keep_key_params_and_both_languages() -> None:
    original = _message()
    for clone in (
        copy.copy(original),
        copy.deepcopy(original),
        pickle.loads(pickle.dumps(original)),
    ):
        assert isinstance(clone, Msg)
        assert clone.key == original.key
        assert str(clone) == str(original)
        assert clone.render("ko") == original.render("ko")
        assert clone.render("ko") != str(clone)


def test_asdict_of_a_dataclass_holding_a_message() -> None:
    @dataclasses.dataclass
    class Holder:
        message: Msg

    (value,) = dataclasses.asdict(Holder(_message())).values()
    assert value.render("ko") == _message().render("ko")
