"""χ² difference tests between nested models, as lavaan's ``lavTestLRT``.

Pure functions of the two models' fit statistics:

* ML: the plain likelihood-ratio difference (``method = "default"``);
* MLR: the Satorra–Bentler (2001) scaled difference (``method = "satorra.bentler.2001"``),
  from the unscaled χ², df and scaling factors of both models.

WLSMV's test (Satorra, 2000, scaled and shifted; lavaan's default for that estimator) needs
the models' Jacobians, not only their fit statistics, so it comes from the engine.
:func:`difference_test` reads the fit dictionaries (lavaan's ``fitMeasures`` names with ``.``
written as ``_``) and picks the test for the estimator.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lospw.analysis.core.distributions import chi2_sf
from lospw.analysis.core.errors import InputError

__all__ = ["DiffTest", "chisq_difference", "difference_test", "satorra_bentler_2001"]


@dataclass(frozen=True)
class DiffTest:
    """One χ² difference test.

    Attributes
    ----------
    chisq_diff, df_diff, pvalue : float
        NaN where the test is not defined (equal df: equivalent models; a negative scaling
        correction).
    method : str
        ``"chisq"`` or ``"satorra_bentler_2001"``.
    scaling : float or None
        The scaled test's correction ``cd``.
    note : str or None
        Why the test is not defined, or a caveat.
    """

    chisq_diff: float
    df_diff: float
    pvalue: float
    method: str
    scaling: float | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_order(df_r: float, df_g: float) -> None:
    if df_r < df_g:
        raise InputError(
            f"The restricted model must have at least the general model's degrees of freedom; "
            f"got df {df_r:g} and {df_g:g}. Swap the two models."
        )


def chisq_difference(chisq_r: float, df_r: float, chisq_g: float, df_g: float) -> DiffTest:
    """Likelihood-ratio χ² difference of a restricted model against a general one.

    Notes
    -----
    ``Δχ² = χ²_r − χ²_g`` on ``df_r − df_g`` degrees of freedom (lavaan ``lavTestLRT``,
    ``method = "default"`` for ML). With equal df the models are equivalent (or not nested)
    and no test is made.

    Examples
    --------
    >>> t = chisq_difference(124.04354418, 54, 115.85134388, 48)
    >>> round(t.chisq_diff, 4), t.df_diff, round(t.pvalue, 4)
    (8.1922, 6, 0.2244)
    """
    _check_order(df_r, df_g)
    diff = chisq_r - chisq_g
    ddf = df_r - df_g
    if ddf == 0:
        return DiffTest(diff, ddf, math.nan, "chisq",
                        note="equal degrees of freedom: equivalent or non-nested models")
    return DiffTest(diff, ddf, float(chi2_sf(max(diff, 0.0), ddf)), "chisq")


def satorra_bentler_2001(chisq_r: float, df_r: float, c_r: float, chisq_g: float,
                         df_g: float, c_g: float) -> DiffTest:
    """Satorra–Bentler (2001) scaled χ² difference (MLR).

    Parameters
    ----------
    chisq_r, df_r, c_r : float
        Unscaled χ², df and scaling factor of the restricted model.
    chisq_g, df_g, c_g : float
        The same for the general model.

    Notes
    -----
    ``cd = (df_r c_r − df_g c_g) / (df_r − df_g)``, ``T = (χ²_r − χ²_g) / cd`` on
    ``df_r − df_g`` df (Satorra & Bentler, 2001, eq. 3; lavaan ``lavTestLRT`` with
    ``method = "satorra.bentler.2001"``). A negative ``cd`` makes the test undefined.

    Examples
    --------
    >>> t = satorra_bentler_2001(10.0, 10, 1.2, 4.0, 8, 1.1)
    >>> round(t.scaling, 2), round(t.chisq_diff, 4)
    (1.6, 3.75)
    """
    _check_order(df_r, df_g)
    ddf = df_r - df_g
    if ddf == 0:
        return DiffTest(math.nan, ddf, math.nan, "satorra_bentler_2001",
                        note="equal degrees of freedom: equivalent or non-nested models")
    cd = (df_r * c_r - df_g * c_g) / ddf
    if not cd > 0:
        return DiffTest(math.nan, ddf, math.nan, "satorra_bentler_2001", cd,
                        note="negative scaling correction; use the Satorra-Bentler (2010) "
                             "strictly positive test")
    t = (chisq_r - chisq_g) / cd
    return DiffTest(t, ddf, float(chi2_sf(max(t, 0.0), ddf)), "satorra_bentler_2001", cd)


def difference_test(restricted: Mapping[str, Any], general: Mapping[str, Any], *,
                    estimator: str = "ML") -> DiffTest:
    """The difference test lavaan's ``lavTestLRT`` makes for ``estimator``.

    Parameters
    ----------
    restricted, general : mapping
        Fit measures with lavaan's names (``chisq``, ``df``, and for MLR
        ``chisq_scaling_factor``).
    estimator : {"ML", "MLR"}

    Raises
    ------
    InputError
        Another estimator (WLSMV needs the engine's test), or a missing fit measure.

    Examples
    --------
    >>> difference_test({"chisq": 12.0, "df": 5}, {"chisq": 4.0, "df": 3}).df_diff
    2
    """
    try:
        if estimator == "ML":
            return chisq_difference(restricted["chisq"], restricted["df"], general["chisq"],
                                    general["df"])
        if estimator == "MLR":
            return satorra_bentler_2001(
                restricted["chisq"], restricted["df"], restricted["chisq_scaling_factor"],
                general["chisq"], general["df"], general["chisq_scaling_factor"])
    except KeyError as exc:
        raise InputError(
            f"A {estimator} difference test needs the fit measure {exc.args[0]!r}; it is "
            "missing from a model's fit. Fit both models with the same estimator."
        ) from None
    raise InputError(
        f"No fit-statistics difference test for estimator {estimator!r}; the 'estimator' "
        "must be one of 'ML', 'MLR' here (WLSMV's test comes from the CFA engine)."
    )
