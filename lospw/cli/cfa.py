"""``lospw cfa``: confirmatory factor analysis with lavaan parity."""

from __future__ import annotations

import math
from pathlib import Path

import click
import pandas as pd
from rich.markup import escape
from rich.table import Table

from lospw.analysis.cfa import GROUP_EQUAL, fit_cfa
from lospw.analysis.cfa.modindices import modindices
from lospw.analysis.cfa.syntax import indicators_and_factors, parse_model
from lospw.analysis.core.degenerate import check_item_variance
from lospw.analysis.core.errors import InputError
from lospw.analysis.core.key import load_key
from lospw.analysis.core.options import ESTIMATORS
from lospw.analysis.intake.readers import read_table
from lospw.analysis.intake.reading import ReadOptions
from lospw.analysis.validation.estimator_rule import RULE, estimator_for_data, estimator_for_key
from lospw.analysis.validation.models import correlated_factors
from lospw.analysis.validation.twolevel_models import LEVEL_STRUCTURES, twolevel_model
from lospw.cli import load_part
from lospw.cli.common import console, echo_json
from lospw.cli.dynamic_options import dynamic_options
from lospw.cli.options import (
    Inputs,
    estimator_option,
    intake_block,
    listwise_fix,
    n_used,
    stage_command,
    treatment,
)

FIT_SHOWN = ("chisq", "df", "pvalue", "chisq_scaled", "df_scaled", "pvalue_scaled",
             "chisq_scaling_factor", "cfi", "tli", "cfi_scaled", "tli_scaled", "cfi_robust",
             "tli_robust", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "rmsea_pvalue",
             "rmsea_scaled", "rmsea_robust", "srmr", "aic", "bic")


def _f(x: object, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


_KEY_ONLY = {"map_file": "--map", "recode_file": "--recode", "missing_values": "--missing"}


def _read_plain(path: str, read: ReadOptions) -> pd.DataFrame:
    """Read DATA without a key (``--model``): any format the intake reads; number-like text
    becomes numbers, other text stays text (the engine then names non-numeric variables)."""
    for name, option in _KEY_ONLY.items():
        if getattr(read, name):
            raise InputError(f"{option} needs --key (it maps or recodes the key's items); "
                             "with --model only, name the columns in the model syntax.")
    table = read_table(path, sheet=read.sheet, encoding=read.encoding,
                       delimiter=read.delimiter, decimal=read.decimal,
                       header_row=read.header_row)
    if table.malformed:
        row, why = next(iter(sorted(table.malformed.items())))
        raise InputError(f"{path}: data row {row}: {why}. Fix the row (or use --key, whose "
                         "intake lists such rows as excluded).")
    frame = pd.DataFrame(list(table.rows), columns=list(table.columns), dtype=object)
    for col in frame.columns:
        cells = frame[col]
        text = cells.map(lambda v: v.strip().replace(",", ".") if isinstance(v, str)
                         and table.decimal == "," else v)
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().sum() == cells.notna().sum():  # every given cell is a number
            frame[col] = numbers.astype(float)
    return frame.drop(columns=[c for c in read.drop if c in frame.columns])


_MAX_MODEL_BYTES = 2**20


def _model_text(model: str) -> str:
    """The model: inline lavaan syntax (it holds '=~') or the text of a model file."""
    if "=~" in model:
        return model
    p = Path(model)
    try:
        is_file = p.is_file()
    except OSError:  # e.g. a name too long for the file system
        is_file = False
    if not is_file:
        raise InputError(f"--model {model[:60]!r} is neither lavaan syntax (with '=~') nor an "
                         "existing file. Give 'f =~ x1 + x2 + x3' or a file with the model.")
    try:
        if p.stat().st_size > _MAX_MODEL_BYTES:  # model syntax is a few lines
            raise InputError(f"--model {model}: the file is {p.stat().st_size:,} bytes; a model "
                             f"file is read up to {_MAX_MODEL_BYTES:,}. Check that it is the "
                             "model file.")
        return p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--model {model}: cannot be read as UTF-8 text "
                         f"({type(exc).__name__}). Save the model as a plain text file.") from None


def _check_variance(frame: pd.DataFrame, syntax: str, group: str | None) -> None:
    """Refuse model variables without variance (lavaan does too; the engine would fail)."""
    ov, _ = indicators_and_factors(parse_model(syntax))
    present = [v for v in ov if v in frame.columns]
    groups = frame[group] if group is not None and group in frame.columns else None
    numeric = frame[present].apply(pd.to_numeric, errors="coerce")
    check_item_variance(numeric, present, stage="CFA", groups=groups)


@stage_command(
    click.option("--model", "model", help="lavaan model syntax, or a file containing it."),
    estimator_option("Default: MLR when the items have 5 or more categories (or are "
                     "continuous), WLSMV when fewer.", ESTIMATORS, case_sensitive=False),
    click.option("--group", help="Column defining groups (multi-group CFA)."),
    click.option("--group-equal", multiple=True, type=click.Choice(GROUP_EQUAL),
                 help="Parameters equal across groups (repeatable), as lavaan's group.equal."),
    click.option("--group-partial", multiple=True,
                 help="Parameter exempt from --group-equal, e.g. 'x3 ~ 1' (repeatable)."),
    click.option("--std-lv", is_flag=True, help="Identify factors by unit variances."),
    click.option("--cluster", help="Cluster column (e.g. workplace): a two-level CFA (ML; the "
                                   "model has 'level: 1' / 'level: 2' blocks, or is made from "
                                   "--key)."),
    click.option("--levels", type=click.Choice(LEVEL_STRUCTURES), default="same",
                 show_default=True,
                 help="With --key and --cluster: the between-level structure (same = the key's "
                      "factors with loadings equal across levels; configural = free; one_between "
                      "= one factor between; shared = within saturated)."),
    click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
                 help="How many modification indices and residual correlations to list."),
    dynamic_options,
    key_help="Key file: the model is the key's scales as correlated factors (reverse-keyed "
             "items are reversed first).",
    key_required=False,
)
def cfa(data: str, key_file: str | None, model: str | None, estimator: str | None,
        inputs: Inputs, group: str | None, group_equal: tuple[str, ...],
        group_partial: tuple[str, ...], std_lv: bool, cluster: str | None, levels: str,
        top: int, dynamic: bool, reps: int,
        seed: int, jobs: int | None, scheduler: str | None, as_json: bool) -> None:
    """Fit a confirmatory factor model to DATA (lavaan's cfa() defaults and fit measures:
    chi-square, CFI, TLI, RMSEA with its 90% CI, SRMR, AIC, BIC), with the standardized
    solution, modification indices and residual correlations. Every output names the
    estimator. With --dynamic, McNeish & Wolf's dynamic cutoffs of SRMR, RMSEA and CFI for
    this model and N (the estimator's robust / scaled versions with MLR / WLSMV). With
    --cluster: a two-level CFA as lavaan's cfa(..., cluster =)."""
    if key_file is None and model is None:
        raise InputError("Give --key KEY (the key's scales as factors) or --model SYNTAX.")
    sample = None
    rule = ""
    if key_file is not None:
        key = load_key(key_file)
        sample = inputs.sample(data, key)
        frame = key.reverse_score(sample.intake.items)
        frame = pd.concat([frame, sample.intake.meta], axis=1)
        syntax = _model_text(model) if model else (
            twolevel_model(key, levels) if cluster else correlated_factors(key))
        if estimator is None and not cluster:
            estimator, rule = estimator_for_key(key), RULE
    else:
        frame = _read_plain(data, inputs.read)
        syntax = _model_text(model)
    if cluster is not None:
        _two_level(data, frame, syntax, cluster, estimator,
                   treatment(inputs.missing_data, "cfa", "ML"), group, std_lv, as_json)
        return
    _check_variance(frame, syntax, group)
    if estimator is None:
        ov, _ = indicators_and_factors(parse_model(syntax))
        absent = [v for v in ov if v not in frame.columns]
        if absent:
            raise InputError(f"The model uses variable(s) not in {data}: {', '.join(absent[:10])}.")
        estimator, rule = estimator_for_data(frame, ov), RULE
    missing = treatment(inputs.missing_data, "cfa", estimator)
    res = fit_cfa(frame, syntax, estimator=estimator, missing=missing, group=group,
                  group_equal=group_equal, group_partial=group_partial, std_lv=std_lv)
    # modification indices need an invertible information matrix (not so when unidentified)
    singular = {"not_identified", "se_failed"} & {w.code for w in res.warnings}
    mi = modindices(res) if res.converged and not singular else None
    # the planning code is imported only with --dynamic (lospw.cli.PARTS)
    dyn = (load_part("cfa --dynamic").run_dynamic(res, frame, reps=reps, seed=seed, jobs=jobs,
                                                  scheduler=scheduler) if dynamic else None)
    if as_json:
        out = res.to_dict()
        out["model_syntax"] = syntax
        if sample is not None:
            out["intake"] = intake_block(sample.intake)
        out["missing_data"] = inputs.missing_data
        if rule:
            out["estimator_rule"] = rule
        if mi is not None:
            out["modindices_top"] = mi.head(top).to_dict("records")
        if res.converged and not singular:
            out["residual_correlations_top"] = res.top_residuals(top).to_dict("records")
        if dyn is not None:
            out["dynamic"] = dyn.to_dict()
        echo_json(out)
        return
    groups = (f", {len(res.group_labels)} groups by {group}" if len(res.group_labels) > 1
              else "")
    n_rows = len(frame) if sample is None else sample.intake.n_analysed
    if sample is not None:
        sample.print_rows("CFA")
    else:
        console.print(f"[bold]CFA on {escape(data)}[/bold]: rows read {n_rows}; missing data: "
                      f"{inputs.missing_data}")
    console.print(n_used("CFA", res.n_obs, n_rows, listwise_fix(res.missing)))
    console.print(f"[bold]CFA[/bold]: estimator [bold]{res.estimator}[/bold]"
                  + (f" ({rule})" if rule else "") + f", missing = {res.missing}"
                  + f", N = {res.n_obs}{groups}; "
                  + ("converged" if res.converged else "[red]NOT converged[/red]")
                  + f" ({res.iterations} iterations)")
    fit = Table("measure", "value", title=f"Fit ({res.estimator})")
    for k in FIT_SHOWN:
        if k in res.fit:
            fit.add_row(k, _f(res.fit[k], 0 if k in ("df", "df_scaled") else 3))
    console.print(fit)
    p = res.parameters
    ptab = Table("group", "lhs", "op", "rhs", "est", "se", "z", "p", "std.all",
                 title="Parameters")
    for r in p.itertuples():
        ptab.add_row(str(r.group), r.lhs, r.op, r.rhs, _f(r.est), _f(r.se), _f(r.z, 2),
                     _f(r.pvalue), _f(r.std_all))
    console.print(ptab)
    if mi is not None and top:
        mtab = Table("lhs", "op", "rhs", "group", "mi", "epc", "sepc.all",
                     title=f"Top {top} modification indices")
        for r in mi.head(top).itertuples():
            mtab.add_row(r.lhs, r.op, r.rhs, str(r.group), _f(r.mi), _f(r.epc), _f(r.sepc_all))
        console.print(mtab)
        rtab = Table("group", "lhs", "rhs", "residual", title=f"Top {top} residual correlations")
        for r in res.top_residuals(top).itertuples():
            rtab.add_row(r.group, r.lhs, r.rhs, _f(r.residual))
        console.print(rtab)
    for w in res.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(f'[{w.code}]')}: {escape(w.message)}")
    if dyn is not None:
        load_part("cfa --dynamic").print_dynamic(dyn)


TWOLEVEL_SHOWN = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
                  "rmsea_ci_upper", "srmr_within", "srmr_between", "logl", "aic", "bic")


def _two_level(data: str, frame: pd.DataFrame, syntax: str, cluster: str,
               estimator: str | None, missing: str, group: str | None, std_lv: bool,
               as_json: bool) -> None:
    """Fit and print a two-level CFA (``--cluster``)."""
    if cluster not in frame.columns:
        raise InputError(f"--cluster {cluster!r} is not a column of {data}. Name the column "
                         "that identifies the clusters (e.g. workplace).")
    res = fit_cfa(frame, syntax, estimator=estimator, missing=missing, group=group,
                  std_lv=std_lv, cluster=cluster)
    if as_json:
        out = res.to_dict()
        out["model_syntax"] = syntax
        echo_json(out)
        return
    cs = res.cluster_sizes
    console.print(f"[bold]Two-level CFA[/bold] on {data}: estimator [bold]ML[/bold], missing = "
                  f"{res.missing}, N = {res.n_obs} in {res.n_clusters} clusters of "
                  f"{escape(cluster)} (size {cs['min']:.0f}-{cs['max']:.0f}, mean "
                  f"{cs['mean']:.1f}); "
                  + ("converged" if res.converged else "[red]NOT converged[/red]")
                  + f" ({res.iterations} iterations)")
    fit = Table("measure", "value", title="Fit (ML, two levels)")
    for k in TWOLEVEL_SHOWN:
        fit.add_row(k, _f(res.fit[k], 0 if k == "df" else 3))
    console.print(fit)
    ptab = Table("level", "lhs", "op", "rhs", "est", "se", "z", "p", "std.all",
                 title="Parameters (level 1 = within, 2 = between)")
    for r in res.parameters.itertuples():
        ptab.add_row(str(r.level), r.lhs, r.op, r.rhs, _f(r.est), _f(r.se), _f(r.z, 2),
                     _f(r.pvalue), _f(r.std_all))
    console.print(ptab)
    itab = Table("item", "ICC", title="ICC per item (between / total variance, unrestricted "
                                      "model)")
    for item, v in res.icc.items():
        itab.add_row(str(item), _f(float(v)))
    console.print(itab)
    for w in res.warnings:
        console.print(f"[yellow]warning[/yellow] {escape(f'[{w.code}]')}: {escape(w.message)}")
