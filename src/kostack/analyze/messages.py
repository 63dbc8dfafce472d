"""The message catalogue as analysis and everything above it import it (`kostack.catalog`)."""

from __future__ import annotations

from kostack.catalog import (
    CATALOG,
    LANGS,
    PARTICLES,
    Msg,
    Word,
    final_consonant,
    joined,
    localize,
    particle,
    placeholders,
    register,
)

__all__ = [
    "CATALOG", "LANGS", "PARTICLES", "Msg", "Word", "final_consonant", "joined", "localize", "particle",
    "placeholders", "register",
]  # fmt: skip
