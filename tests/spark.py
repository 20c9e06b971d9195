"""Spark for the tests: a clear skip (or, in CI, a failure) when Java or pyspark is missing."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import in_ci


def need_spark() -> None:
    reason = None
    if shutil.which("java") is None:
        reason = "Java is not installed (Spark local mode needs Java 17)"
    else:
        try:
            import pyspark  # noqa: F401
        except ImportError:
            reason = "pyspark is not installed"
    if reason:
        if in_ci():
            pytest.fail(reason + "; CI must provide it (.ci/run)")
        pytest.skip(reason)
