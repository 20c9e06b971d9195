"""Risk scores: which loans at most 29 days past due today reach 60+ DPD (or charge-off) soon.

The package is split by job, each module small:

- :mod:`~analytics.risk.features` - the feature catalogue and the point-in-time feature table
  (Ibis, runs where the data lives);
- :mod:`~analytics.risk.target` - snapshots and the forward-looking target;
- :mod:`~analytics.risk.metrics` - AUC, Gini, KS, Brier, deciles, PSI (numpy);
- :mod:`~analytics.risk.model` - the fitted bundle (booster, calibrator, baseline), save/load;
- :mod:`~analytics.risk.train` - out-of-time training and evaluation;
- :mod:`~analytics.risk.scoring` - scores for a month, risk bands, loss given default, the
  early-warning queue;
- :mod:`~analytics.risk.monitoring` - PSI of the score and of each feature after training.

Explanations (SHAP, reasons in words, what-if) are in :mod:`analytics.risk.explain`.
"""
