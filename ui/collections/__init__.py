"""Views of the Collections operations page (pages/7_Collections.py)."""
