"""What the book looks like and how it moves: one function per metric, Ibis tables in and out.

- ``expr``: small expression helpers (month index, ratios, conditional counts);
- ``segments`` and ``filters``: loan dimensions to group by, and the sidebar's portfolio filter;
- ``portfolio``: the month's KPIs (active loans, 30+/60+/90+ by count and balance, net
  charge-off, cure rate) and the bucket mix over time;
- ``delinquency``: rates by segment with Wilson intervals, the month's change split into mix
  and rate effects; ``drivers``: the segments behind that change, ranked;
- ``cohorts``: vintage curves and the vintage x months-on-book triangle;
- ``transitions``: the transition matrix, roll and cure rates, the Markov forecast per segment
  and its backtest.

Definitions are in each module's docstring and tested against hand computations.
"""
