"""Collections operations (催收运营): entry and first-payment default, cure curves by day, the
contact funnel and its cost, compliance with the contact rules, agents and agencies."""

from __future__ import annotations

from ui.collections.views import collections_page
from ui.frame import frame, guarded

ctx = frame("nav.collections")
guarded(collections_page, ctx)
