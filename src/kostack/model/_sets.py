"""Validators for snapshot lists whose meaning is a set: each value kept once, in order.

A CIDR or an id listed twice means the same as listed once; keeping the
repeats would only make every analysis of the list pay for them (800 copies
of one pod CIDR once cost 27 s and 2 GB). docs/limits.md lists these lists.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


def once(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """The items in their order, each once (the items are hashable)."""
    return tuple(dict.fromkeys(items)) if len(items) > 1 else items


def once_by(key: Callable[[T], Hashable]) -> Callable[[tuple[T, ...]], tuple[T, ...]]:
    """Like `once`, for records that are not hashable: two with one ``key`` are one."""

    def keep_first(items: tuple[T, ...]) -> tuple[T, ...]:
        if len(items) < 2:
            return items
        first: dict[Hashable, T] = {}
        for item in items:
            first.setdefault(key(item), item)
        return tuple(first.values())

    return keep_first
