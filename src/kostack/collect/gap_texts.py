"""Gaps as collection makes them: catalogue messages, redacted, kept with their keys.

The words are in kostack.gap_words (every layer says a gap from there); this
module makes the `Gap`: the snapshot keeps the English text and the messages'
keys and parameters, so `gap_error`/`gap_hint` say it again in the reader's
language, also from a file. Redaction runs over every parameter before
anything is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kostack.catalog import map_text, message_data
from kostack.gap_words import quoted
from kostack.redact import redact as redact_shapes

if TYPE_CHECKING:
    from kostack.model.snapshot import Gap


def make_gap(
    source: str, error: str, hint: str = "", redact: Callable[[str], str] | None = None
) -> Gap:
    """A gap whose error and hint (Msgs, or text from elsewhere) are redacted parameter by
    parameter; in memory they stay Msgs, in the file English text with their keys."""
    from kostack.model.snapshot import Gap

    def clean(text: str) -> str:
        return redact_shapes(text) if redact is None else redact_shapes(redact(text))

    said_error = map_text(quoted(error), clean)
    said_hint = map_text(hint, clean) if hint else ""
    key, params = message_data(said_error)
    hint_key, hint_params = message_data(said_hint)
    gap = Gap(
        source=source,
        error=str(said_error),
        hint=str(said_hint),
        key=key,
        params=params,
        hint_key=hint_key,
        hint_params=hint_params,
    )
    # validation made them plain str: keep the messages (they dump as their English text)
    return gap.model_copy(update={"error": said_error, "hint": said_hint})
