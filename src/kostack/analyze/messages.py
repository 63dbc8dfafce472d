"""The message catalogue as analysis and everything above it import it (`kostack.catalog`)."""

from __future__ import annotations

from kostack.catalog import (
    CATALOG,
    LANGS,
    Msg,
    Word,
    joined,
    localize,
    particle,
    placeholders,
    register,
)

__all__ = [
    "CATALOG", "LANGS", "Msg", "Word", "joined", "localize", "particle", "placeholders", "register",
]  # fmt: skip
