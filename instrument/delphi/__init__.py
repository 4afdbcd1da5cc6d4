"""The Delphi consensus stage: content validity, decisions per round, feedback, audit trail.

Modules: :mod:`~instrument.delphi.ratings` (read and check long-form ratings),
:mod:`~instrument.delphi.stats` (pure formulas), :mod:`~instrument.delphi.rules` (the
decision rules file), :mod:`~instrument.delphi.tables` (statistics per item, round, group
and between rounds), :mod:`~instrument.delphi.decide` (keep / revise / drop and stop /
go on), :mod:`~instrument.delphi.audit` (audit trail, anonymised comments),
:mod:`~instrument.delphi.feedback` (per-panelist sheets), :mod:`~instrument.delphi.outputs`
(the artifacts) and :mod:`~instrument.delphi.simulate` (the synthetic demo panel).
"""
