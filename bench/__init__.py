"""Benchmarks: python -m bench --loans N. Speed and memory targets live here, not in tests."""
