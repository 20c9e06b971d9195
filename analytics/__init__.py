"""CollectLens engine: data store, metrics, models and simulation. Never imports streamlit.

The map (layers below call only layers below them; ``tests/test_architecture.py`` checks that no
import circle exists, that nothing here imports streamlit, and that settings are read only by
``cli.py``/``config.py``: everything else gets its folders and options as arguments).

Foundations, at the root:

- ``config``: every path and environment setting, in one place (``settings()``, the shared folder);
- ``errors``: the one exception family a user can cause (``CollectLensError``, ``InputError``, ...);
- ``schema``: the canonical tables, their columns and types, the DPD-to-bucket rule;
- ``store``: open the backend (DuckDB file, Spark lake or an Ibis URL), ``Tables``, versioned
  atomic loads (every load a new version, switched in one step; restore), metadata;
- ``cubes``: the small pre-aggregated tables built inside each load, stamped with its load id;
- ``cli`` (and ``__main__``): ``python -m analytics <command>``, the edge that reads the settings;
- ``exports``: the tables ``export`` writes, by name (a leaf: only ``cli`` imports it).

Packages, by job:

- ``metrics/``: what the book looks like and how it moves (portfolio KPIs, delinquency, drivers,
  cohorts, transitions: roll rates and the Markov segment forecast; collections: operations
  measures; segments, filters, expr);
- ``risk/``: the risk model (features, target, train, model, scoring, queue, monitoring) and its
  explanations (``explain``: SHAP, reasons in words, what-if);
- ``strategy/``: the strategy simulator (spec, baseline, effects, rules, engine, results,
  optimise, restructure, planner, inputs) and its preset strategies;
- ``ingest/``: importing a lender's files (CSV, Excel, Parquet, Reg AB II) with mapping,
  validation and rejected rows;
- ``report/``: the briefing pack (section list, builders, narrative sentences, pptx/html writers);
- ``figures/``: Plotly figures, one module per page (a frame in, a figure out);
- ``display/``: what a person reads: i18n, labels, number formatting, privacy masking;
- ``strings/``: the English and Chinese strings of each page, merged by ``display.i18n``;
- ``security/``: confined file paths, outputs safe to open (CSV formulas, terminal text), roles,
  the hash-chained audit trail, what a load would add, replace and delete;
- ``sample/``: the seeded sample-book generator (``synth``, ``operations``) and its calibration targets.
"""
