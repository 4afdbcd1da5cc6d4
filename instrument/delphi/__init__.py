"""The Delphi consensus stage: content validity, decisions per round, feedback, audit trail.

Modules: :mod:`~lospw.instrument.delphi.ratings` (read and check long-form ratings),
:mod:`~lospw.instrument.delphi.stats` (pure formulas), :mod:`~lospw.instrument.delphi.rules` (the
decision rules file), :mod:`~lospw.instrument.delphi.tables` (statistics per item, round, group
and between rounds), :mod:`~lospw.instrument.delphi.decide` (keep / revise / drop and stop /
go on), :mod:`~lospw.instrument.delphi.audit` (audit trail, anonymised comments),
:mod:`~lospw.instrument.delphi.feedback` (per-panelist sheets), :mod:`~lospw.instrument.delphi.outputs`
(the artifacts) and :mod:`~lospw.instrument.delphi.simulate` (the synthetic demo panel).
"""
