"""The Strategy page: one module per view (compare, edit, effects, optimise, restructuring value,
test planner, rules and costs), ``state`` for the page's session state, ``common`` for the
comparison run and number formats the views share, ``page`` for the view switch. Conversions of
strategies to and from tables live in ``analytics.strategy.spec_tables`` (not UI work)."""
