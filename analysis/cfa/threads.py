"""Run CFA computations with single-threaded BLAS.

The matrices of a CFA are small (tens of variables); multi-threaded BLAS spends more time
synchronising threads than computing, and on a busy machine a 85 x 625 product became 100
times slower. Public entry points are wrapped with :func:`single_threaded`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

__all__ = ["single_threaded"]

F = TypeVar("F", bound=Callable[..., Any])


def single_threaded(func: F) -> F:
    """Decorator: call ``func`` with BLAS limited to one thread."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
