"""Strategy simulator: build, compare, optimise and value collection strategies."""

from ui.frame import frame, guarded
from ui.strategy.page import strategy_page

ctx = frame("nav.strategy")
guarded(strategy_page, ctx)
