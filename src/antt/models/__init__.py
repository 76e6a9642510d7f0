"""Statistical models: proportions, bounded ratios, Poisson bounds, interrupted time series, power, validation.

Plain functions returning frozen dataclasses (each with ``to_dict()`` giving JSON-ready Python values,
floats unrounded) or DataFrames; caveats as data (``notes.Note``), never words. This package knows
nothing of files, notebooks or the rest of ``antt``. Import each name from the module that defines it
(``from antt.models.its import fit_its``): there is one import path.
"""
