"""Sections of the Risk & explanations page (pages/5_Risk.py lays them out in tabs)."""
