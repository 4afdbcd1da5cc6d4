"""Shared pieces of the stage adapters of ``lospw analyze`` (:mod:`lospw.analysis.pipeline.stages`)."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from lospw.analysis.core.errors import LospwWarning
from lospw.analysis.intake.responses import IntakeResult
from lospw.analysis.pipeline.runner import NOT_AVAILABLE, Context, StageSkipped, _portable

__all__ = ["analysed", "fit_cfa_or_skip", "json_with_intake", "missing_for", "module_or_skip",
           "warn"]


# -- helpers --------------------------------------------------------------------------------
def module_or_skip(name: str, what: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            raise StageSkipped(f"{what} ({name}) is {NOT_AVAILABLE}") from None
        raise


def fit_cfa_or_skip() -> Any:
    import lospw.analysis.cfa as cfa

    fit = getattr(cfa, "fit_cfa", None)
    if fit is None:
        raise StageSkipped(f"the CFA engine (lospw.analysis.cfa.fit_cfa) is {NOT_AVAILABLE}")
    return fit


def analysed(ctx: Context) -> IntakeResult:
    """The analysed sample: after screening when it ran, else as read."""
    if "screening" in ctx.results:
        return ctx.results["screening"][0]
    return ctx.result("intake")


def _intake_block(data: IntakeResult) -> dict[str, Any]:
    """What the single-stage commands add under ``"intake"`` in their ``--json``."""
    return {"source": _portable(data.source), "n_read": data.n_read,
            "n_analysed": data.n_analysed, "n_excluded": data.n_excluded,
            "excluded_by_reason": data.excluded_by_reason()}


def json_with_intake(result: Any, data: IntakeResult, **extra: Any) -> dict[str, Any]:
    out = result.to_dict()
    out["intake"] = _intake_block(data)
    out.update(extra)
    return out


def missing_for(ctx: Context, kind: str) -> str:
    """The stage's own name for the run's missing-data policy (see MISSING_POLICIES)."""
    from lospw.analysis.intake.reading import treatment

    return treatment(ctx.options.missing, kind, ctx.options.estimator)


def warn(code: str, message: str) -> None:
    warnings.warn(LospwWarning(code, message), stacklevel=2)


