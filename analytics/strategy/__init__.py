"""The strategy simulator: strategies as data, treatment effects, a Markov engine over segment ×
state counts, contact rules and capacity, an optimiser, restructuring value and a test planner.

Modules are small and each owns one idea: ``spec`` (what a strategy is), ``baseline`` (where the
book stands and how it moves today), ``effects`` (what a contact does, measured or assumed),
``rules`` (what regulation and staff allow), ``inputs`` (everything read from the store, once),
``engine`` (many sampled months ahead), ``results`` (bands and comparisons), ``optimise``,
``restructure`` (present values) and ``planner`` (test sizes). docs/strategy.md explains them.
"""
